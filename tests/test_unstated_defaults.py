"""A relation refuted only in derivator's defaults (an activation the document names h but never
says which, a loss it never writes) is not refuted in the document's model: it is ``unknown``,
naming the directive of the standard reading that proves it; a relation false in every standard
reading stays refuted, and one refuted under a loss or activation the document states stays
refuted.  Truth: PyTorch autograd on two-layer networks at random sizes where the sample count
and every width differ (never derivator)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import torch

from derivator.document import Run, check_text

Act = Callable[[torch.Tensor], torch.Tensor]
ACTS: dict[str, Act] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
    "identity": lambda z: z,
}


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _sizes(seed: int) -> tuple[int, int, int, int]:
    """n samples and widths of the input, hidden and output layers, all different."""
    return tuple(random.Random(seed).sample(range(2, 10), 4))  # type: ignore[return-value]


def _network(seed: int, hidden: Act, output: Act, loss: str) -> dict[str, torch.Tensor]:
    """A two-layer network after backward() of Σ_i L_i: activations, the output's weights and
    δ = ∂L_i/∂z of both layers, per sample (rows)."""
    n, d0, d1, d2 = _sizes(seed)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d0, generator=g, dtype=torch.float64)
    w1 = torch.randn(d1, d0, generator=g, dtype=torch.float64)
    b1 = torch.randn(d1, generator=g, dtype=torch.float64)
    w2 = torch.randn(d2, d1, generator=g, dtype=torch.float64)
    b2 = torch.randn(d2, generator=g, dtype=torch.float64)
    y = torch.rand(n, d2, generator=g, dtype=torch.float64)
    z1 = x @ w1.T + b1
    z1.requires_grad_(True)
    a1 = hidden(z1)
    z2 = a1 @ w2.T + b2
    z2.retain_grad()
    a2 = output(z2)
    if loss == "mse":
        total = 0.5 * ((a2 - y) ** 2).sum()
    else:  # the binary cross-entropy
        total = -(y * torch.log(a2) + (1 - y) * torch.log(1 - a2)).sum()
    total.backward()
    assert z1.grad is not None and z2.grad is not None
    return {"a1": a1.detach(), "a2": a2.detach(), "y": y, "w2": w2, "d1": z1.grad, "d2": z2.grad}


HIDDEN = r"""$$z^{(l)}_j = \sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j$$

$$a^{(l)}_j = h(z^{(l)}_j)$$

$$\delta^{(l)}_j = (1 - (a^{(l)}_j)^2) \sum_k w^{(l+1)}_{kj} \delta^{(l+1)}_k$$

$$\delta^{(l)}_j = (1 - a^{(l)}_j) \sum_k w^{(l+1)}_{kj} \delta^{(l+1)}_k$$
"""


@pytest.mark.parametrize("seed", [3, 11])
def test_an_activation_named_h_and_never_stated(seed: int) -> None:
    """z = h(a) names the activation h and never says which function it is: the tanh formula
    δ = (1 − a²) Σ w δ (true under tanh, false under the default sigmoid: autograd) is unknown,
    naming activation=tanh; (1 − a) Σ w δ, false under every standard activation, is refuted;
    stated with a directive, each is judged in the network the directive states."""
    for name, act in ACTS.items():
        net = _network(seed, act, torch.sigmoid, "mse")
        back = net["d2"] @ net["w2"]
        tanh_form = torch.allclose(net["d1"], (1 - net["a1"] ** 2) * back)
        assert tanh_form == (name == "tanh"), name
        assert not torch.allclose(net["d1"], (1 - net["a1"]) * back), name
    verdicts = _check(HIDDEN)
    assert [str(r.verdict) for r in verdicts] == ["defined", "defined", "unknown", "refuted"]
    assert "activation=tanh" in verdicts[2].reason
    for stated, want in (("tanh", "proved"), ("sigmoid", "refuted")):
        said = _check(f"<!-- derivator: activation={stated} -->\n\n" + HIDDEN)
        assert [str(r.verdict) for r in said][2:] == [want, "refuted"], stated


OUTPUT = r"""$$z^{(L)}_j = \sum_k w^{(L)}_{jk} a^{(L-1)}_k + b^{(L)}_j$$

$$a^{(L)}_j = \sigma(z^{(L)}_j)$$

$$\frac{\partial L_i}{\partial z^{(L)}_{ij}} = a^{(L)}_{ij} - y_{ij}$$

$$\frac{\partial L_i}{\partial z^{(L)}_{ij}} = y_{ij} - a^{(L)}_{ij}$$

$$\frac{\partial L_i}{\partial w^{(L)}_{jk}} = \frac{\partial L_i}{\partial z^{(L)}_{ij}} a^{(L-1)}_{ik}$$
"""

MSE = r"$$L_i = \frac{1}{2}\sum_j (a^{(L)}_{ij} - y_{ij})^2$$" + "\n\n"
BCE = (
    r"$$L_i = -\sum_j \left(y_{ij} \ln a^{(L)}_{ij} + (1 - y_{ij}) \ln(1 - a^{(L)}_{ij})\right)$$"
    + "\n\n"
)


@pytest.mark.parametrize("seed", [5, 17])
def test_a_loss_the_document_never_writes(seed: int) -> None:
    """No cost is written: ∂L_i/∂z^(L) = a − y under a sigmoid output holds for the binary
    cross-entropy and not for the default squared error (autograd), so it is unknown, naming
    loss=binary-cross-entropy; y − a holds under neither and is refuted.  Once the document
    writes its cost, that cost decides: refuted under the squared error, proved under the
    binary cross-entropy (never unknown)."""
    truth = {}
    for loss in ("mse", "bce"):
        net = _network(seed, torch.tanh, torch.sigmoid, loss)
        truth[loss] = torch.allclose(net["d2"], net["a2"] - net["y"])
        assert not torch.allclose(net["d2"], net["y"] - net["a2"]), loss
    assert truth == {"mse": False, "bce": True}
    unstated = _check(OUTPUT)
    assert [str(r.verdict) for r in unstated] == [
        "defined",
        "defined",
        "unknown",
        "refuted",
        "proved",
    ]
    assert "loss=binary-cross-entropy" in unstated[2].reason
    for cost, want in ((MSE, "refuted"), (BCE, "proved")):
        written = _check(
            OUTPUT
            + "\n"
            + cost
            + r"$$\frac{\partial L_i}{\partial z^{(L)}_{ij}} = a^{(L)}_{ij} - y_{ij}$$"
        )
        assert str(written[-1].verdict) == want, cost


PREDICTION = r"""$$z^{(L)}_j = \sum_k w^{(L)}_{jk} a^{(L-1)}_k + b^{(L)}_j$$

$$\hat{y}_j = \sigma(z^{(L)}_j)$$

$$L = -\sum_j \left(y_j \log \hat{y}_j + (1 - y_j) \log(1 - \hat{y}_j)\right)$$

$$\frac{\partial L}{\partial z^{(L)}_j} = \hat{y}_j - y_j$$

$$\frac{\partial L}{\partial z^{(L)}_j} = (\hat{y}_j - y_j) \hat{y}_j (1 - \hat{y}_j)$$

$$\frac{\partial L}{\partial w^{(L)}_{jk}} = (\hat{y}_j - y_j) a^{(L-1)}_k$$
"""


@pytest.mark.parametrize("seed", [2, 13])
def test_a_prediction_with_a_hat_that_the_document_defines(seed: int) -> None:
    """ŷ_j = σ(z^(L)_j) makes ŷ the document's name for the output, and L = −Σ_j (y ln ŷ +
    (1 − y) ln(1 − ŷ)), the notation's L written out without a sum over samples, one example's
    binary cross-entropy: the claims after them are judged in that model (autograd per example:
    ∂L/∂z = ŷ − y and ∂L/∂w_jk = (ŷ_j − y_j) a_k hold, the extra factor ŷ(1 − ŷ) does not).
    Without its definition a ŷ stays an error, never read as a default."""
    n, d0, _, d2 = _sizes(seed)
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(n, d0, generator=g, dtype=torch.float64)
    w = torch.randn(d2, d0, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(d2, generator=g, dtype=torch.float64)
    y = torch.rand(n, d2, generator=g, dtype=torch.float64)
    for s in range(n):  # each example's own loss
        z = (w @ a0[s] + b).detach().requires_grad_(True)
        yhat = torch.sigmoid(z)
        loss = -(y[s] * torch.log(yhat) + (1 - y[s]) * torch.log(1 - yhat)).sum()
        (dz,) = torch.autograd.grad(loss, z)
        (dw,) = torch.autograd.grad(
            -(
                y[s] * torch.log(torch.sigmoid(w @ a0[s] + b))
                + (1 - y[s]) * torch.log(1 - torch.sigmoid(w @ a0[s] + b))
            ).sum(),
            w,
        )
        yh = yhat.detach()
        assert torch.allclose(dz, yh - y[s])
        assert not torch.allclose(dz, (yh - y[s]) * yh * (1 - yh))
        assert torch.allclose(dw, torch.outer(yh - y[s], a0[s]))
    verdicts = [str(r.verdict) for r in _check(PREDICTION)]
    assert verdicts == ["defined", "defined", "defined", "proved", "refuted", "proved"]
    undefined = PREDICTION.replace(r"$$\hat{y}_j = \sigma(z^{(L)}_j)$$", "")
    assert [str(r.verdict) for r in _check(undefined)][1:] == ["error"] * 4


PER_SAMPLE = r"""<!-- derivator: loss=mse -->

$$J = \frac{1}{n}\sum_{x} E_x$$

$$\frac{\partial E}{\partial b^{(L)}_j} = (a^{(L)}_j - y_j)\sigma'(z^{(L)}_j)$$

$$\frac{\partial E}{\partial b^{(L)}_j} = (y_j - a^{(L)}_j)\sigma'(z^{(L)}_j)$$
"""


@pytest.mark.parametrize("seed", [6, 23])
def test_a_cost_averaged_over_its_per_sample_letter(seed: int) -> None:
    """J = (1/n) Σ_x E_x names the mean J: the bare E, never defined, is one example's cost (as
    a, z and y are one example's), so ∂E/∂b_j = (a_j − y_j)σ′(z_j) holds and its negation does
    not (autograd per example); the mean's gradient would carry 1/n.  Without J's definition
    and no sample written anywhere, the document describes one example (E is its loss: the same
    verdicts); where a sample index is written (a_{ij}), the bare E stays ambiguous (an error
    naming cost-is)."""
    net = _network(seed, torch.sigmoid, torch.sigmoid, "mse")
    n = net["a2"].shape[0]
    assert n > 1
    per_example = (net["a2"] - net["y"]) * net["a2"] * (1 - net["a2"])
    assert torch.allclose(net["d2"], per_example)  # ∂E_x/∂b_j = ∂E_x/∂z_j, example by example
    assert not torch.allclose(net["d2"], -per_example)
    verdicts = _check(PER_SAMPLE)
    assert [str(r.verdict) for r in verdicts] == ["defined", "proved", "refuted"]
    alone = PER_SAMPLE.replace(r"$$J = \frac{1}{n}\sum_{x} E_x$$", "")
    assert [str(r.verdict) for r in _check(alone)] == ["proved", "refuted"]
    samples = r"$$z^{(L)}_{ij} = \sum_k w^{(L)}_{jk} a^{(L-1)}_{ik} + b^{(L)}_j$$" + "\n\n"
    written = _check(samples + alone)[1:]
    assert written and all(str(r.verdict) == "error" and "cost-is" in r.reason for r in written)
