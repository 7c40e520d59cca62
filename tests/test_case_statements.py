"""An index letter given a whole number states a case, never a value.

``j = 1`` in "when $j = 1$ …" or a display ``k = 1, j = 1`` says which unit the text is about:
j runs over a layer's units (the document sums over it, writes a_j, w_{jk}), so it has no
value.  Such a line is ``skipped`` ("states the case j = 1"), never ``defined`` ("gives the
value of j") nor ``proved`` when restated, and gives no value to other relations: ``2 j = 2``,
false for the unit j = 2, is never proved.  Truth: PyTorch autograd on a one-layer network at
random widths (the network document), exact fractions (the worked example)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


NETWORK = r"""# One layer

$$C = \frac{1}{2}\sum_j (a^{L}_j - y_j)^2$$

$$z^{L}_j = \sum_k w^{L}_{jk} a^{L-1}_k + b^{L}_j$$

$$a^{L}_j = \sigma(z^{L}_j)$$

$$\delta^{L}_j = \frac{\partial C}{\partial z^{L}_j}$$

When $j = 1$ the first output neuron gives

$$\delta^{L}_1 = (a^L_1 - y_1)\sigma'(z^L_1)$$

$$k = 1, \quad j = 1$$

$$j = 1$$

$$i = 2$$

$$\delta^{L}_j = (a^L_j - y_j)\sigma'(z^L_j)$$

$$\delta^{L}_j = (a^L_j - y_j)$$

$$\delta^{L}_2 = 3(a^L_2 - y_2)$$

$$2 j = 2$$
"""

CASES = {"j = 1", "k = 1", "i = 2"}


def _delta(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(δ = ∂C/∂z, (a − y)σ′(z), a − y) at random widths (autograd)."""
    n_in, n_out = random.Random(seed).sample(range(2, 9), 2)
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(n_in, generator=g, dtype=torch.float64)
    w = torch.randn(n_out, n_in, generator=g, dtype=torch.float64)
    b = torch.randn(n_out, generator=g, dtype=torch.float64)
    y = torch.rand(n_out, generator=g, dtype=torch.float64)
    z = (w @ a0 + b).requires_grad_(True)
    a = torch.sigmoid(z)
    (0.5 * ((a - y) ** 2).sum()).backward()
    assert z.grad is not None
    a = a.detach()
    return z.grad, (a - y) * a * (1 - a), a - y


def _line(text: str, written: str, nth: int = 0) -> int:
    return [n for n, ln in enumerate(text.split("\n"), 1) if ln == written][nth]


@pytest.mark.parametrize("seed", [1, 4])
def test_in_a_network_document_a_case_is_skipped_and_gives_no_value(seed: int) -> None:
    """Every case statement is skipped saying which case; the claims keep their truth: the
    δ formula (autograd: equal to ∂C/∂z, entry 1 too) proved, δ = a − y and δ_2 = 3(a_2 − y_2)
    (autograd: not equal) refuted, and 2j = 2 (false for the unit j = 2) never proved."""
    delta, formula, short = _delta(seed)
    assert torch.allclose(delta, formula, rtol=1e-12, atol=0)
    assert not torch.allclose(delta, short) and not torch.allclose(delta[1], 3 * short[1])
    results = _check(NETWORK)
    by_line = {(r.line, r.step): r for r in results}
    said = [r for r in results if r.relation.replace(r"\quad", "").strip(" ,") in CASES]
    assert len(said) == 5, results
    for r in said:
        assert r.verdict == "skipped", r
        assert f"states the case {r.relation.strip()}" in r.reason, r
    assert by_line[
        _line(NETWORK, r"$$\delta^{L}_1 = (a^L_1 - y_1)\sigma'(z^L_1)$$"), 0
    ].verdict == ("proved")
    assert by_line[
        _line(NETWORK, r"$$\delta^{L}_j = (a^L_j - y_j)\sigma'(z^L_j)$$"), 0
    ].verdict == ("proved")
    assert by_line[_line(NETWORK, r"$$\delta^{L}_j = (a^L_j - y_j)$$"), 0].verdict == "refuted"
    # a false formula for an entry of δ is a claim, refuted (it was read as defining δ_2)
    assert by_line[_line(NETWORK, r"$$\delta^{L}_2 = 3(a^L_2 - y_2)$$"), 0].verdict == "refuted"
    assert by_line[_line(NETWORK, r"$$2 j = 2$$"), 0].verdict not in ("proved", "defined")


WORKED = r"""# Forward pass

Inputs $i_1 = 0.05$, $i_2 = 0.10$, weights $w_1 = 0.15$, $w_2 = 0.20$ and bias $b_1 = 0.35$.

$$net_{h1} = w_1 i_1 + w_2 i_2 + b_1$$

For the hidden unit $j = 1$ (and the first input, $k = 1$) the weight is $w_1$:

$$k = 1, \quad j = 1$$

$$net_{h1} = w_j i_k + w_2 i_2 + b_1$$

$$2 j = 2$$

$$net_{h1} = {net}$$

$$net_{h1} = {wrong}$$
"""


def test_in_a_worked_example_a_case_is_skipped_and_the_values_stay_the_documents() -> None:
    """The values the document gives are read (net_{h1} at its exact value, from exact
    fractions, proved; a value one unit off refuted); the cases are skipped, never defined, and
    2j = 2 is never proved from a value of j."""
    net = (
        Fraction("0.15") * Fraction("0.05") + Fraction("0.20") * Fraction("0.10") + Fraction("0.35")
    )
    text = WORKED.replace("{net}", str(float(net))).replace(
        "{wrong}", str(float(net + Fraction(1, 10**4)))
    )
    results = _check(text)
    cases = [r for r in results if r.relation.replace(r"\quad", "").strip(" ,") in CASES]
    assert len(cases) == 4, results
    assert all(r.verdict == "skipped" and "states the case" in r.reason for r in cases), cases
    line = _line(text, "$$2 j = 2$$")
    assert next(r.verdict for r in results if r.line == line) not in ("proved", "defined")
    last = text.split("\n")
    right, wrong = len(last) - 3, len(last) - 1
    assert [r.verdict for r in results if r.line == right] == ["proved"], results
    assert [r.verdict for r in results if r.line == wrong] == ["refuted"], results
