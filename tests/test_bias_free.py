"""A forward pass that adds no bias (``z_j = Σ_k w_jk a_k``: Bishop absorbs the bias into the
weights) builds a network without biases: the definition is defined, the claims after it are
judged there (proved, refuted at b = 0).  A bias written anywhere else keeps the biases (the
forward pass only left it out).  Truth: PyTorch autograd on a bias-free network at random sizes where the sample count
and every width differ (never derivator)."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text

DOC = r"""$$z^{(l)}_j = \sum_k w^{(l)}_{jk} a^{(l-1)}_k$$

$$a^{(l)}_j = \sigma(z^{(l)}_j)$$

$$C = \frac{1}{2} \sum_j (a^{(L)}_j - y_j)^2$$

$$\frac{\partial C}{\partial w^{(L)}_{jk}} = (a^{(L)}_j - y_j) \sigma'(z^{(L)}_j) a^{(L-1)}_k$$

$$\frac{\partial C}{\partial w^{(L)}_{jk}} = (a^{(L)}_j - y_j) a^{(L-1)}_k$$

$$\frac{\partial C}{\partial a^{(L-1)}_k} = \sum_j w^{(L)}_{jk} (a^{(L)}_j - y_j) \sigma'(z^{(L)}_j)$$
"""


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


DIRECTIVE = "<!-- derivator: activation=sigmoid -->\n\n"


@pytest.mark.parametrize(("seed", "directive"), [(4, False), (19, False), (7, True)])
def test_a_forward_pass_without_bias(seed: int, directive: bool) -> None:
    """A directive after the forward pass (stating what the document already says) keeps the
    network the definitions built: it used to rebuild the settings with biases, and then
    refute the restated forward pass and prove gradients of a network with biases."""
    n, d0, d1 = random.Random(seed).sample(range(2, 10), 3)
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(d1, d0, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.rand(n, d1, generator=g, dtype=torch.float64)
    for s in range(n):  # one example's cost, C = ½ Σ_j (a_j − y_j)², no bias anywhere
        a0 = torch.rand(d0, generator=g, dtype=torch.float64, requires_grad=True)
        z = w @ a0
        a = torch.sigmoid(z)
        dw, da0 = torch.autograd.grad(0.5 * ((a - y[s]) ** 2).sum(), (w, a0))
        e = ((a - y[s]) * a * (1 - a)).detach()
        assert torch.allclose(dw, torch.outer(e, a0.detach()))
        assert not torch.allclose(dw, torch.outer((a - y[s]).detach(), a0.detach()))
        assert torch.allclose(da0, w.detach().T @ e)
    doc = DOC
    if directive:  # the directive after the forward pass, and the forward pass restated at the end
        first, rest = DOC.split("\n\n", 1)
        doc = f"{first}\n\n{DIRECTIVE}{rest}\n{first}\n"
    verdicts = _check(doc)
    assert [str(r.verdict) for r in verdicts] == [
        "defined",
        "defined",
        "defined",
        "proved",
        "refuted",
        "proved",
    ] + ["proved"] * directive


def test_a_bias_written_elsewhere_keeps_the_biases() -> None:
    """A forward pass that leaves the bias out while another relation writes b is not a network
    without biases: the definition is judged in the network with biases (not satisfied: an
    error naming it, never refuted), and what uses z is an error naming it."""
    text = DOC + "\n$$z^{(L)}_j = \\sum_k w^{(L)}_{jk} a^{(L-1)}_k + b^{(L)}_j$$\n"
    verdicts = _check(text)
    assert str(verdicts[0].verdict) == "error"
    assert "does not satisfy" in verdicts[0].reason
    assert all(str(r.verdict) == "error" for r in (verdicts[3], verdicts[5]))
