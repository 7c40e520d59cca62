"""Why backpropagation is fast: the operations three ways of finding every gradient cost, counted
for the article's own network.

Nielsen and Olah make this the point of the algorithm: finite differences and forward-mode
differentiation need a pass per parameter, backpropagation one backward pass for all of them.  The
counts are exact for the algorithms as the article describes them, per sample, with the squared
error (the loss the chain of single neurons uses):

* a **forward pass** multiplies each weight once (``z = Σ w a + b``) and squares each output error
  with its ½ (two multiplications per output neuron); it evaluates σ once per neuron;
* **finite differences** (central) run two forward passes per parameter;
* **forward mode** carries, in one pass per parameter, a derivative beside every value (dual
  numbers): a product of two carried values costs three multiplications (``ab``, ``a ḃ``, ``ȧ b``),
  σ costs one (``σ′(z) ż``) and one evaluation of σ′ besides σ; the loss, ½ · d · d, costs five;
* **backpropagation** runs one forward pass, then per layer from the top: δ of the output layer
  (one multiplication per neuron), ∂L/∂w = δ a (one per weight), and for every layer but the
  lowest δ below = σ′(z) · Σ δ w (one per weight, one per neuron below); σ′ once per neuron.

``tests/test_article_extras.py`` counts the same three algorithms by running them on scalars that
count their own multiplications, so the formulas here are held to account by execution.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Count:
    """Per sample: how many passes through the network, multiplications and function evaluations
    (σ or σ′)."""

    passes: int
    mults: int
    calls: int


@dataclass(frozen=True)
class Costs:
    widths: tuple[int, ...]  # input first
    parameters: int
    forward: Count
    differences: Count
    forward_mode: Count
    backward: Count

    @property
    def ratio(self) -> int:
        """How many times more multiplications finite differences need than backpropagation."""
        return round(self.differences.mults / self.backward.mults)


def costs(widths: tuple[int, ...]) -> Costs:
    """The counts for a network of ``widths`` (input first)."""
    pairs = list(zip(widths[1:], widths[:-1]))
    weights = sum(n * m for n, m in pairs)
    neurons = sum(widths[1:])
    top = widths[-1]
    params = weights + neurons
    forward = Count(1, weights + 2 * top, neurons)
    differences = Count(2 * params, 2 * params * forward.mults, 2 * params * neurons)
    per_pass = 3 * weights + neurons + 5 * top
    forward_mode = Count(params, params * per_pass, params * 2 * neurons)
    below = sum(n * m + m for n, m in pairs[1:])  # δ of every layer but the lowest passed down
    backward = Count(2, forward.mults + top + weights + below, 2 * neurons)
    return Costs(widths, params, forward, differences, forward_mode, backward)
