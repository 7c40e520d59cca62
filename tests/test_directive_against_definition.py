"""A directive that contradicts a definition of the document never refutes it.

Definitions define: where a directive (``cost-is``, ``mse-half``) says otherwise than the
document's own cost definition, the definition governs; the line is ``defined`` and the claims
after it are judged in the model it defines.  Where the model cannot be built from the definition
under the directive (``loss``, ``letters``, ``activation`` that the forward pass or cost
contradicts), the definition is an error naming the directive and its line, never refuted.

Truth: PyTorch autograd on a one-layer network at random sizes where the sample count and both
widths differ (never derivator)."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text

FORWARD = (
    r"$$z^{(L)}_{xj} = \sum_k w^{(L)}_{jk} a^{(L-1)}_{xk} + b^{(L)}_j$$" + "\n\n"
    r"$$a^{(L)}_{xj} = \sigma(z^{(L)}_{xj})$$" + "\n\n"
)


def _check(text: str) -> list:
    with Run(jobs=1, timeout=30) as run:
        return check_text("doc.md", text, run)


def _grad(seed: int, total: str, half: bool) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(∂C/∂a^(L), a − y, n) for C the sum or the mean over n samples of Σ_j (a − y)² (½ or
    not), at random sizes."""
    n, n_in, n_out = random.Random(seed).sample(range(2, 9), 3)
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(n, n_in, generator=g, dtype=torch.float64)
    w = torch.randn(n_out, n_in, generator=g, dtype=torch.float64)
    b = torch.randn(n_out, generator=g, dtype=torch.float64)
    y = torch.rand(n, n_out, generator=g, dtype=torch.float64)
    a = torch.sigmoid(a0 @ w.T + b).requires_grad_(True)
    per = (0.5 if half else 1.0) * ((a - y) ** 2).sum(dim=1)
    (per.sum() if total == "sum" else per.mean()).backward()
    assert a.grad is not None
    return a.grad, (a - y).detach(), n


def _verdicts(text: str) -> dict[str, str]:
    """The verdict of each display, by its text."""
    lines = text.split("\n")
    return {lines[r.line - 1]: r.verdict for r in _check(text) if r.step == 0}


@pytest.mark.parametrize("seed", [3, 8])
def test_cost_is_does_not_override_a_cost_the_document_defines(seed: int) -> None:
    """cost-is=mean before C = Σ_x C_x: C is the sum as written (defined); ∂C/∂a_xj = a − y,
    true of the sum (autograd) and false of the mean, is proved.  cost-is=sample before C =
    (1/n) Σ_x ½Σ_j (a − y)²: C is the mean as written, and ∂C/∂a_xj = (1/n)(a − y) (autograd)
    is proved; it was refuted, judged of one sample's cost."""
    grad, diff, n = _grad(seed, "sum", half=True)
    assert torch.allclose(grad, diff) and not torch.allclose(grad, diff / n)
    claim = r"$$\frac{\partial C}{\partial a^{(L)}_{xj}} = a^{(L)}_{xj} - y_{xj}$$"
    summed = (
        "<!-- derivator: cost-is=mean -->\n\n" + FORWARD + r"$$C = \sum_x C_x$$" + "\n\n"
        r"$$C_x = \frac{1}{2}\sum_j (a^{(L)}_{xj} - y_{xj})^2$$" + "\n\n" + claim + "\n"
    )
    got = _verdicts(summed)
    assert got[r"$$C = \sum_x C_x$$"] == "defined", got
    assert got[claim] == "proved", got
    grad, diff, n = _grad(seed, "mean", half=True)
    assert torch.allclose(grad, diff / n)
    claim = r"$$\frac{\partial C}{\partial a^{(L)}_{xj}} = \frac{1}{n}(a^{(L)}_{xj} - y_{xj})$$"
    mean = r"$$C = \frac{1}{n}\sum_x \frac{1}{2}\sum_j (a^{(L)}_{xj} - y_{xj})^2$$"
    got = _verdicts("<!-- derivator: cost-is=sample -->\n\n" + FORWARD + mean + "\n\n" + claim)
    assert (got[mean], got[claim]) == ("defined", "proved"), got


def test_a_cost_summed_over_patterns_is_defined_under_cost_is() -> None:
    """E = Σ_p E^p (the pattern p's cost raised, Rumelhart's notation) under cost-is=mean: a
    definition of E, never refuted ('a factor 1/n is missing')."""
    text = "<!-- derivator: cost-is=mean -->\n\n" + FORWARD + r"$$E = \sum_p E^p$$" + "\n"
    got = _verdicts(text)
    assert got[r"$$E = \sum_p E^p$$"] == "defined", got


@pytest.mark.parametrize("seed", [2, 6])
def test_mse_half_does_not_override_the_half_a_definition_writes(seed: int) -> None:
    """mse-half=no before C = ½ Σ_j (a − y)²: the ½ as written governs; ∂C/∂a = a − y
    (autograd, one sample's cost with ½) is proved."""
    grad, diff, _ = _grad(seed, "sum", half=True)
    assert torch.allclose(grad, diff) and not torch.allclose(grad, 2 * diff)
    cost = r"$$C = \frac{1}{2}\sum_j (a^{(L)}_j - y_j)^2$$"
    claim = r"$$\frac{\partial C}{\partial a^{(L)}_j} = a^{(L)}_j - y_j$$"
    text = (
        "<!-- derivator: mse-half=no -->\n\n"
        + FORWARD.replace("_{xj}", "_j").replace("_{xk}", "_k")
        + cost
        + "\n\n"
        + claim
        + "\n"
    )
    got = _verdicts(text)
    assert (got[cost], got[claim]) == ("defined", "proved"), got


@pytest.mark.parametrize(
    "directive", ["loss=cross-entropy", "letters=activation:z,preactivation:a"]
)
def test_a_definition_the_directive_contradicts_is_an_error_naming_it(directive: str) -> None:
    """A directive under which the forward pass or the squared-error cost cannot be built: no
    line is refuted; each definition it breaks is an error naming the directive and its line."""
    text = (
        f"<!-- derivator: {directive} -->\n\n"
        + FORWARD.replace("_{xj}", "_j").replace("_{xk}", "_k")
        + r"$$C = \frac{1}{2}\sum_j (a^{(L)}_j - y_j)^2$$"
        + "\n\n"
        + r"$$\frac{\partial C}{\partial a^{(L)}_j} = a^{(L)}_j - y_j$$"
        + "\n"
    )
    results = _check(text)
    assert all(r.verdict != "refuted" for r in results), results
    named = [r for r in results if r.verdict == "error" and r.reason.startswith("a definition")]
    assert named, results
    assert all(f"{directive} (line 1)" in r.reason for r in named), named
