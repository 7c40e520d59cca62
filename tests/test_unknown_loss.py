"""A loss the document names and leaves unknown, ``C = \\ell(a^L, y)``: its claims are judged for
every loss.  A claim true for every loss (the chain rule through ∂ℓ/∂a, the backward step) is
proved; one true only for a particular loss (∂ℓ/∂a = a − y) is refuted, saying the loss is left
unknown; ℓ applied to other arguments, and ℓ′, are errors at their place.  Truth: PyTorch
autograd on two-layer networks at random sizes where the sample count and every width differ,
under several concrete losses (one that mixes the outputs, so no sum of one term per unit),
never derivator."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import torch

from derivator.document import Run, check_text

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: concrete losses of one sample's output a and target y (rows: samples), each row's loss
LOSSES: dict[str, Loss] = {
    "squared error": lambda a, y: 0.5 * ((a - y) ** 2).sum(dim=1),
    "mixed": lambda a, y: (
        torch.log(1 + ((a - y) ** 2).sum(dim=1)) + a.sum(dim=1) * y.sum(dim=1) / 3
    ),
    "cross-entropy of sigmoids": lambda a, y: -(y * torch.log(a)).sum(dim=1),
}


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _network(seed: int, loss: Loss) -> dict[str, torch.Tensor]:
    """A sigmoid network x → a1 → a2 after backward() of Σ_i ℓ(a2_i, y_i): per-sample partials
    (rows), since no sample's loss depends on another's parameters' copy of the input."""
    n, d0, d1, d2 = random.Random(seed).sample(range(2, 10), 4)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d0, generator=g, dtype=torch.float64)
    w1 = torch.randn(d1, d0, generator=g, dtype=torch.float64)
    b1 = torch.randn(d1, generator=g, dtype=torch.float64)
    w2 = torch.randn(d2, d1, generator=g, dtype=torch.float64)
    b2 = torch.randn(d2, generator=g, dtype=torch.float64)
    y = torch.rand(n, d2, generator=g, dtype=torch.float64)
    z1 = (x @ w1.T + b1).requires_grad_(True)
    a1 = torch.sigmoid(z1)
    z2 = a1 @ w2.T + b2
    z2.retain_grad()
    a2 = torch.sigmoid(z2)
    a2.retain_grad()
    loss(a2, y).sum().backward()
    assert z1.grad is not None and z2.grad is not None and a2.grad is not None
    return {
        "a1": a1.detach(),
        "a2": a2.detach(),
        "z1": z1.detach(),
        "z2": z2.detach(),
        "y": y,
        "w2": w2,
        "dl_da2": a2.grad,
        "d1": z1.grad,
        "d2": z2.grad,
    }


def _sigmoid_prime(z: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(z)
    return s * (1 - s)


FORWARD = r"""$$z_j^l = \sum_k w_{jk}^l a_k^{l-1} + b_j^l$$

$$a_j^l = \sigma(z_j^l)$$

$$C = \ell(a^L, y)$$

"""

CLAIMS = r"""$$\frac{\partial C}{\partial z_j^L} = \frac{\partial \ell}{\partial a_j^L} \sigma'(z_j^L)$$

$$\frac{\partial C}{\partial z_j^L} = (a_j^L - y_j) \sigma'(z_j^L)$$

$$\delta_j^l = \frac{\partial C}{\partial z_j^l}$$

$$\delta_j^{L-1} = \sigma'(z_j^{L-1}) \sum_k w_{kj}^L \delta_k^L$$

$$\delta_j^{L-1} = \sigma'(z_j^{L-1}) \sum_k w_{jk}^L \delta_k^L$$
"""


def _truth(seed: int) -> dict[str, list[bool]]:
    """Whether each claim (all but δ's definition) holds under each concrete loss."""
    out: dict[str, list[bool]] = {}
    for name, loss in LOSSES.items():
        t = _network(seed, loss)
        out[name] = [
            torch.allclose(t["d2"], t["dl_da2"] * _sigmoid_prime(t["z2"])),
            torch.allclose(t["d2"], (t["a2"] - t["y"]) * _sigmoid_prime(t["z2"])),
            torch.allclose(t["d1"], _sigmoid_prime(t["z1"]) * (t["d2"] @ t["w2"])),
        ]
    return out


@pytest.mark.parametrize("seed", [2, 13])
def test_claims_judged_for_every_loss(seed: int) -> None:
    """The chain rule through ∂ℓ/∂a and the backward step hold under every concrete loss and are
    proved (and audited); ∂C/∂z = (a − y)σ′ holds under the squared error only and is refuted,
    the reason saying that the document's loss is left unknown; a transposed weight is refuted."""
    truth = _truth(seed)
    holds = [all(ok[k] for ok in truth.values()) for k in range(3)]
    assert holds == [True, False, True]
    assert truth["squared error"][1]  # true for one loss: a claim about a particular loss
    results = _check(FORWARD + CLAIMS)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts == ["defined", "defined", "defined", "proved", "refuted"] + [
        "defined",
        "proved",
        "refuted",
    ]
    assert "left unknown" in " ".join(results[4].hints)
    for r in (results[3], results[6]):
        assert r.audit.startswith("agreed"), r.audit


def test_the_loss_written_out_later_governs_what_follows() -> None:
    """ℓ left unknown, then written out as the squared error: ∂C/∂a = a − y is refuted before
    (false under the mixed loss: autograd) and proved after (true under the squared error)."""
    claim = r"$$\frac{\partial C}{\partial a_j^L} = a_j^L - y_j$$" + "\n\n"
    for name, loss in LOSSES.items():
        t = _network(7, loss)
        assert torch.allclose(t["dl_da2"], t["a2"] - t["y"]) == (name == "squared error")
    text = FORWARD + claim + r"$$C = \frac12 \sum_j (a_j^L - y_j)^2$$" + "\n\n" + claim
    verdicts = [str(r.verdict) for r in _check(text)]
    assert verdicts == ["defined", "defined", "defined", "refuted", "defined", "proved"]


def test_a_hat_and_a_letter_per_layer() -> None:
    """ℓ(ŷ, y) with ŷ defined as the output, and ℓ(o, t) under a letter per layer (t the target
    by the loss's arguments): ∂ℓ/∂ŷ and ∂ℓ/∂o_k are the partials of the cost by the output.
    Truth as above: ∂C/∂w_kj = ∂ℓ/∂o_k o_k(1 − o_k) h_j under every loss, with (o_k − t_k) in
    place of ∂ℓ/∂o_k only under the squared error."""
    for name, loss in LOSSES.items():
        t = _network(5, loss)
        dw = t["d2"].T @ t["a1"]  # Σ_i over the samples of ∂ℓ_i/∂w_kj
        chained = (t["dl_da2"] * t["a2"] * (1 - t["a2"])).T @ t["a1"]
        written = ((t["a2"] - t["y"]) * t["a2"] * (1 - t["a2"])).T @ t["a1"]
        assert torch.allclose(dw, chained)
        assert torch.allclose(dw, written) == (name == "squared error")
    hat = r"""$$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$$

$$a^{(l)} = \sigma(z^{(l)})$$

$$\hat{y} = a^{(L)}$$

$$\mathcal{L} = \ell(\hat{y}, y)$$

$$\frac{\partial \mathcal{L}}{\partial z^{(L)}} = \frac{\partial \ell}{\partial \hat{y}} \odot \sigma'(z^{(L)})$$

$$\frac{\partial \mathcal{L}}{\partial z^{(L)}} = (\hat{y} - y) \odot \sigma'(z^{(L)})$$
"""
    assert [str(r.verdict) for r in _check(hat)][3:] == ["defined", "proved", "refuted"]
    letters = r"""$$h_j = \sigma(\sum_i v_{ji} x_i + b_j)$$

$$o_k = \sigma(\sum_j w_{kj} h_j + c_k)$$

$$E = \ell(o, t)$$

$$\frac{\partial E}{\partial w_{kj}} = \frac{\partial \ell}{\partial o_k} o_k (1 - o_k) h_j$$

$$\frac{\partial E}{\partial w_{kj}} = (o_k - t_k) o_k (1 - o_k) h_j$$
"""
    assert [str(r.verdict) for r in _check(letters)][2:] == ["defined", "proved", "refuted"]


def test_other_arguments_and_a_prime_are_errors_at_their_place() -> None:
    """ℓ applied to the layer below the output is no cost of this model, and ℓ′ does not say by
    which argument it differentiates: each is an error with its line and column."""
    text = FORWARD + (
        r"$$C = \ell(a^{L-1}, y)$$"
        + "\n\n"
        + r"$$\frac{\partial C}{\partial a_j^L} = \ell'(a^L, y)$$"
        + "\n"
    )
    results = _check(text)
    assert [str(r.verdict) for r in results][3:] == ["error", "error"]
    assert "read only as a function of the output" in results[3].reason
    assert results[3].at == (7, 7)
    assert "ℓ′" in results[4].reason and results[4].at == (9, 39)
