"""A cost redefined governs what follows it: Nielsen's C, the mean over the samples, then one
example's ½‖y − a^L‖², then the cross-entropy −Σ_j y_j ln a_j; each relation is judged in the
definition in force at its line, and says which.  Truth: PyTorch autograd on one sample of a
network at random widths (never derivator)."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


def _gradients(seed: int) -> dict[str, bool]:
    """∂C/∂a^L_j of one example's squared error and of its cross-entropy, against the claims'
    right sides: a − y, (a − y)/n, −y/a."""
    rng = random.Random(seed)
    n, width = rng.sample(range(3, 9), 2)
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(width, generator=g, dtype=torch.float64).clamp(0.05, 0.95)
    a.requires_grad_(True)
    y = torch.rand(width, generator=g, dtype=torch.float64)
    (mse,) = torch.autograd.grad(0.5 * ((y - a) ** 2).sum(), a)
    (xent,) = torch.autograd.grad(-(y * torch.log(a)).sum(), a)
    a = a.detach()
    return {
        "mse: a - y": torch.allclose(mse, a - y),
        "mse: (a - y)/n": torch.allclose(mse, (a - y) / n),
        "xent: -y/a": torch.allclose(xent, -y / a),
        "xent: a - y": torch.allclose(xent, a - y),
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_mean_then_one_example_then_another_loss(seed: int) -> None:
    truth = _gradients(seed)
    assert list(truth.values()) == [True, False, True, False]
    d = r"\frac{\partial C}{\partial a^L_j}"
    results = _check(
        "$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
        "$$a^l_j = \\sigma(z^l_j)$$\n\n"
        "$$C = \\frac{1}{2n} \\sum_x \\|y(x) - a^L(x)\\|^2$$\n\n"
        "$$C = \\frac{1}{2}\\|y - a^L\\|^2$$\n\n"
        f"$${d} = a^L_j - y_j$$\n\n"
        f"$${d} = \\frac{{1}}{{n}}(a^L_j - y_j)$$\n\n"
        "$$C = -\\sum_j y_j \\ln a^L_j$$\n\n"
        f"$${d} = -\\frac{{y_j}}{{a^L_j}}$$\n\n"
        f"$${d} = a^L_j - y_j$$\n"
    )
    verdicts = [str(r.verdict) for r in results]
    want = ["proved" if t else "refuted" for t in truth.values()]
    assert verdicts == ["defined"] * 4 + want[:2] + ["defined"] + want[2:], [
        (r.line, r.verdict, r.reason) for r in results
    ]
    # each says the definition it was judged in
    assert "C here: one example's cost (line 7)" in results[4].reason
    assert "the loss in force: mse (line 5)" in results[4].reason
    assert "the loss in force: cross-entropy (line 13)" in results[8].reason
