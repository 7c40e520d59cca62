"""Layers numbered in the subscript with the document's own pre-activation letter: ``u_1 = W_1 x
+ b_1`` (any letter computed by the weight matrix of its own number) is layer 1's
pre-activation, and every quantity written with that subscript is in that layer.  Truth from
PyTorch autograd, one sample at a time, on a batch of 6 samples through a 3-5-4 network (the
sample count and every width differ), never from derivator."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

DOC = r"""
$$P_1 = W_1 x + b_1$$

$$a_1 = \sigma(P_1)$$

$$P_2 = W_2 a_1 + b_2$$

$$a_2 = \sigma(P_2)$$

$$L = \frac{1}{2}\sum_j (a_{2,j} - y_j)^2$$

$$\delta_2 = (a_2 - y) \odot \sigma'(P_2)$$

$$\delta_2 = a_2 - y$$

$$\delta_1 = (W_2^T \delta_2) \odot \sigma'(P_1)$$

$$\frac{\partial L}{\partial W_1} = \delta_1 x^T$$

$$\frac{\partial L}{\partial b_1} = \delta_1$$

$$\frac{\partial L}{\partial b_1} = W_2^T \delta_2$$

$$\delta_1 = (W_2^T \delta_2) \odot \sigma'(P_2)$$
"""


def _truth(seed: int) -> list[bool]:
    """Each claim of DOC, true for every sample of the batch (autograd per sample) or not."""
    torch.manual_seed(seed)
    n = 6
    xs, ys = torch.rand(n, 3, dtype=torch.float64), torch.rand(n, 4, dtype=torch.float64)
    w1, b1 = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    w2, b2 = torch.randn(4, 5, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    claims: list[list[bool]] = []
    for x, y in zip(xs, ys):
        W1, B1 = w1.clone().requires_grad_(), b1.clone().requires_grad_()
        p1 = W1 @ x + B1
        p1.retain_grad()
        a1 = torch.sigmoid(p1)
        p2 = w2 @ a1 + b2
        p2.retain_grad()
        a2 = torch.sigmoid(p2)
        (0.5 * ((a2 - y) ** 2).sum()).backward()
        assert p1.grad is not None and p2.grad is not None
        assert W1.grad is not None and B1.grad is not None
        d1, d2, a1_, a2_ = p1.grad, p2.grad, a1.detach(), a2.detach()
        s1, s2 = a1_ * (1 - a1_), a2_ * (1 - a2_)
        claims.append(
            [
                torch.allclose(d2, (a2_ - y) * s2),
                torch.allclose(d2, a2_ - y),
                torch.allclose(d1, (w2.T @ d2) * s1),
                torch.allclose(W1.grad, torch.outer(d1, x)),
                torch.allclose(B1.grad, d1),
                torch.allclose(B1.grad, w2.T @ d2),
                False,  # σ'(P_2) has 4 entries, δ_1 5: no such product
            ]
        )
    return [all(c[k] for c in claims) for k in range(len(claims[0]))]


@pytest.mark.parametrize("letter", ["u", "s"])
def test_a_numbered_preactivation_under_any_letter(letter: str) -> None:
    truth = _truth(7)
    assert truth == [True, False, True, True, True, False, False]
    with Run(jobs=1, timeout=20) as run:
        results = check_text("doc.md", DOC.replace("P_", f"{letter}_"), run)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[:5] == ["defined", "defined", "proved", "proved", "defined"] or all(
        v == "defined" for v in verdicts[:5]
    ), [r.reason for r in results[:5]]
    expected = ["proved" if t else "refuted" for t in truth[:6]]
    assert verdicts[5:11] == expected, [(r.verdict, r.reason) for r in results[5:]]
    assert verdicts[11] in ("refuted", "error"), results[11].reason
