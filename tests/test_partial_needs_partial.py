"""A partial needs ∂ in its denominator: ``\\frac{\\partial C}{z_j}`` is ∂C divided by z_j as
written, not the partial ∂C/∂z_j, so it is an error at the denominator's place, never read
leniently as the partial (which proved it).  In a chain, the step that holds it is the error and
the steps before it are still judged.

Truth of the steps judged: PyTorch autograd on a one-layer network at random sizes where the
sample count and both widths differ (never derivator): the correctly written partial equals δ,
and the written ∂C/∂b equals it too, so the only thing wrong with the refused form is the
missing ∂, which the error names."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text

FORWARD = (
    r"$$C = \frac{1}{2}\sum_j (a^{L}_j - y_j)^2$$" + "\n\n"
    r"$$z^{L}_j = \sum_k w^{L}_{jk} a^{L-1}_k + b^{L}_j$$" + "\n\n"
    r"$$a^{L}_j = \sigma(z^{L}_j)$$" + "\n\n"
    r"$$\delta^{L}_j = \frac{\partial C}{\partial z^{L}_j}$$" + "\n\n"
)

#: (a relation whose partial lacks ∂ below, the denominator as written)
UNMARKED = [
    (r"\frac{\partial C}{z^{L}_j} = \delta^{L}_j", "z^{L}_j"),
    (r"\frac{\partial C}{a^{L}_j} = (a^{L}_j - y_j)", "a^{L}_j"),
    (r"\frac{\partial a^{L}_j}{z^{L}_j} = \sigma'(z^{L}_j)", "z^{L}_j"),
    (r"\frac{\partial}{z^{L}_j} C = \delta^{L}_j", "z^{L}_j"),
    (r"\partial C / z^{L}_j = \delta^{L}_j", "z^{L}_j"),
    (r"{\partial C \over z^{L}_j} = \delta^{L}_j", "z^{L}_j"),
    (r"\frac{\partial C}z = \delta^{L}_j", "z"),
]


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


def _truth(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(∂C/∂z, ∂C/∂b, (a − y)σ′(z)) of one sample's ½ squared error at random widths
    (autograd)."""
    n_in, n_out = random.Random(seed).sample(range(2, 9), 2)
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(n_in, generator=g, dtype=torch.float64)
    w = torch.randn(n_out, n_in, generator=g, dtype=torch.float64)
    b = torch.randn(n_out, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(n_out, generator=g, dtype=torch.float64)
    z = w @ a0 + b
    z.retain_grad()
    a = torch.sigmoid(z)
    (0.5 * ((a - y) ** 2).sum()).backward()
    assert z.grad is not None and b.grad is not None
    a = a.detach()
    return z.grad, b.grad, (a - y) * a * (1 - a)


@pytest.mark.parametrize(("relation", "den"), UNMARKED)
def test_a_partial_without_partial_below_is_an_error_at_its_denominator(
    relation: str, den: str
) -> None:
    """Each form is an error whose column is the denominator's and whose message says to write
    ∂ before it; the partial with ∂ below, equated with (a − y)σ′(z) (true: autograd), is
    proved."""
    dz, _, formula = _truth(7)
    assert torch.allclose(dz, formula, rtol=1e-12, atol=0)
    right = r"$$\frac{\partial C}{\partial z^{L}_j} = (a^{L}_j - y_j)\sigma'(z^{L}_j)$$"
    text = FORWARD + f"$${relation}$$\n\n" + right
    results = _check(text)
    line = text.split("\n").index(f"$${relation}$$") + 1
    bad = [r for r in results if r.line == line]
    assert [r.verdict for r in bad] == ["error"], bad
    assert f"the denominator of a partial needs ∂: write \\partial {den}" in bad[0].reason
    assert bad[0].at is not None
    column = bad[0].at[1]
    assert f"$${relation}$$"[column - 1 :].startswith(den), (column, relation)
    good = [r for r in results if r.line == line + 2]
    assert [r.verdict for r in good] == ["proved"], good


@pytest.mark.parametrize("seed", [2, 5])
def test_in_a_chain_the_step_holding_it_is_the_error(seed: int) -> None:
    """∂C/∂b = Σ_i ∂C/∂z_i ∂z_i/∂b = ∂C/z_j = δ_j: the first step, true (autograd: ∂C/∂b_j is
    ∂C/∂z_j), is proved; the step that ends at ∂C/z_j is the error, at z_j; nothing after it is
    proved or refuted."""
    dz, db, _ = _truth(seed)
    assert torch.allclose(dz, db, rtol=1e-12, atol=0)
    chain = (
        r"\frac{\partial C}{\partial b^{L}_j} = \sum_i \frac{\partial C}{\partial z^{L}_i}"
        r"\frac{\partial z^{L}_i}{\partial b^{L}_j} = \frac{\partial C}{z^{L}_j} = \delta^{L}_j"
    )
    results = [r for r in _check(FORWARD + f"$${chain}$$\n") if r.line == 9]
    assert [r.verdict for r in results[:2]] == ["proved", "error"], results
    assert "needs ∂: write \\partial z^{L}_j" in results[1].reason
    assert all(r.verdict not in ("proved", "refuted") for r in results[1:]), results
