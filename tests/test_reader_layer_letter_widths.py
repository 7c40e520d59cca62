"""A layer counted with ℓ names its widths with ℓ too: ``\\sum_{k=1}^{d_{\\ell+1}}`` runs over the
units of layer ℓ+1, as ``\\sum_{k=1}^{s_{l+1}}`` does.  Truth from PyTorch autograd on a network
of two sigmoid layers under the squared error, at random sizes where the sample count and the
widths differ; documents go through the public API."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text

FORWARD = r"""$$z_j^{(\ell)} = \sum_k w^{(\ell)}_{jk} a_k^{(\ell-1)} + b_j^{(\ell)}$$

$$a_j^{(\ell)} = \sigma(z_j^{(\ell)})$$
"""
CLAIMS = {
    "back": r"\sigma'(z_i^{(\ell)}) \sum_{k=1}^{d_{\ell+1}} w^{(\ell+1)}_{ki} \delta_k^{(\ell+1)}",
    "no-derivative": r"\sum_{k=1}^{d_{\ell+1}} w^{(\ell+1)}_{ki} \delta_k^{(\ell+1)}",
    "short": r"\sigma'(z_i^{(\ell)}) \sum_{k=1}^{d_{\ell}} w^{(\ell+1)}_{ki} \delta_k^{(\ell+1)}",
}


def _deltas(seed: int) -> dict[str, torch.Tensor]:
    """δ of the hidden layer by autograd, and the three right sides computed by our evaluator
    (``short`` sums only the first d_ℓ units of layer ℓ+1, which is wider here)."""
    n, d0, d1, d2 = random.Random(seed).sample(range(2, 10), 4)
    d1, d2 = min(d1, d2), max(d1, d2)  # layer ℓ+1 wider than layer ℓ: the short sum is partial
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d0, generator=g, dtype=torch.float64)
    w1, w2 = (torch.randn(o, i, generator=g, dtype=torch.float64) for o, i in ((d1, d0), (d2, d1)))
    y = torch.rand(n, d2, generator=g, dtype=torch.float64)
    z1 = (x @ w1.T).requires_grad_(True)
    z2 = torch.sigmoid(z1) @ w2.T
    z2.retain_grad()
    (0.5 * ((torch.sigmoid(z2) - y) ** 2).sum()).backward()
    assert z1.grad is not None and z2.grad is not None
    s1 = torch.sigmoid(z1.detach())
    back = z2.grad @ w2
    return {
        "delta": z1.grad,
        "back": s1 * (1 - s1) * back,
        "no-derivative": back,
        "short": s1 * (1 - s1) * (z2.grad[:, :d1] @ w2[:d1]),
    }


@pytest.mark.parametrize("seed", [2, 9])
def test_a_width_named_with_ell(seed: int) -> None:
    """Each claim δ_i^(ℓ) = … is proved exactly when autograd's δ equals it, else refuted."""
    truth = _deltas(seed)
    with Run(jobs=1, timeout=20) as run:
        for key, claim in CLAIMS.items():
            holds = bool(torch.allclose(truth["delta"], truth[key]))
            doc = FORWARD + f"\n$$\\delta_i^{{(\\ell)}} = {claim}$$\n"
            got = check_text("doc.md", doc, run)[-1]
            assert str(got.verdict) == ("proved" if holds else "refuted"), (key, got.reason)
    assert torch.allclose(truth["delta"], truth["back"])
