"""A regularised cost as written, ``J = C + \\frac{\\lambda}{2n}\\sum_w w^2`` (and ‖W^{(l)}‖²,
Σ_l Σ_{j,k} w²): λ is a parameter the definition introduces, so claims are judged for every value
of it; the weight-decay gradient ∂J/∂w = ∂C/∂w + (λ/n) w is proved, ∂J/∂w = ∂C/∂w refuted (with
λ's value), the bias is not regularised, and a name no definition introduces is still an error.
Truth: PyTorch autograd on two-layer networks at random sizes where the sample count and every
width differ, at a random λ (never derivator)."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _grads(seed: int, decay: float, per_sample: bool) -> dict[str, torch.Tensor]:
    """∂C/∂· and ∂J/∂· of the mean squared error C (with ½) and J = C + c·λ·Σ every weight²
    (c = 1/(2n) or 1/2), the weights and n, from autograd."""
    n, d0, d1, d2 = random.Random(seed).sample(range(2, 10), 4)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d0, generator=g, dtype=torch.float64)
    y = torch.randn(n, d2, generator=g, dtype=torch.float64)
    params = {
        "w1": torch.randn(d1, d0, generator=g, dtype=torch.float64),
        "b1": torch.randn(d1, generator=g, dtype=torch.float64),
        "w2": torch.randn(d2, d1, generator=g, dtype=torch.float64),
        "b2": torch.randn(d2, generator=g, dtype=torch.float64),
    }
    out: dict[str, torch.Tensor] = {"n": torch.tensor(float(n))}
    for name in ("C", "J"):
        p = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        a2 = torch.sigmoid(torch.sigmoid(x @ p["w1"].T + p["b1"]) @ p["w2"].T + p["b2"])
        cost = 0.5 * ((a2 - y) ** 2).sum() / n
        if name == "J":
            c = 1 / (2 * n) if per_sample else 0.5
            cost = cost + c * decay * ((p["w1"] ** 2).sum() + (p["w2"] ** 2).sum())
        cost.backward()
        out |= {f"{name}_{k}": v.grad for k, v in p.items() if v.grad is not None}
    return out | params


FORWARD = r"""$$z_j^l = \sum_k w_{jk}^l a_k^{l-1} + b_j^l$$

$$a_j^l = \sigma(z_j^l)$$

$$C = \frac{1}{2n}\sum_x \sum_j (a_j^L - y_j)^2$$

"""

CLAIMS = r"""$$\frac{\partial J}{\partial w_{jk}^L} = \frac{\partial C}{\partial w_{jk}^L} + \frac{\lambda}{n} w_{jk}^L$$

$$\frac{\partial J}{\partial w_{jk}^{L-1}} = \frac{\partial C}{\partial w_{jk}^{L-1}} + \frac{\lambda}{n} w_{jk}^{L-1}$$

$$\frac{\partial J}{\partial w_{jk}^L} = \frac{\partial C}{\partial w_{jk}^L}$$

$$\frac{\partial J}{\partial b_j^L} = \frac{\partial C}{\partial b_j^L}$$

$$\frac{\partial J}{\partial b_j^L} = \frac{\partial C}{\partial b_j^L} + \frac{\lambda}{n} b_j^L$$
"""


@pytest.mark.parametrize("seed", [4, 19])
def test_the_weight_decay_gradient(seed: int) -> None:
    """J = C + λ/(2n) Σ_w w²: at a random λ, autograd gives ∂J/∂w = ∂C/∂w + (λ/n)w at both
    layers, ∂J/∂w ≠ ∂C/∂w, ∂J/∂b = ∂C/∂b; derivator proves, refutes and proves the same, and
    the bias with a decay term is refuted."""
    lam = random.Random(seed).uniform(0.2, 2.0)
    t = _grads(seed, lam, per_sample=True)
    n = t["n"]
    for layer in ("1", "2"):
        assert torch.allclose(t[f"J_w{layer}"], t[f"C_w{layer}"] + lam / n * t[f"w{layer}"])
    assert not torch.allclose(t["J_w2"], t["C_w2"])
    assert torch.allclose(t["J_b2"], t["C_b2"])
    assert not torch.allclose(t["J_b2"], t["C_b2"] + lam / n * t["b2"])
    text = FORWARD + r"$$J = C + \frac{\lambda}{2n}\sum_w w^2$$" + "\n\n" + CLAIMS
    results = _check(text)
    verdicts = [str(r.verdict) for r in results]
    assert verdicts == ["defined"] * 4 + ["proved", "proved", "refuted", "proved", "refuted"]
    assert "lambda" in results[6].counterexample["variables"]
    for r in (results[4], results[5], results[7]):
        assert r.audit.startswith("agreed"), r.audit


def test_the_gradient_written_out() -> None:
    """∂J/∂w_jk^L written out as the mean of the per-sample chain plus (λ/n) w_jk^L: true
    (autograd), proved; with λ/(2n), false, refuted."""
    lam = 0.7
    t = _grads(8, lam, per_sample=True)
    n = t["n"]
    assert not torch.allclose(t["J_w2"], t["C_w2"] + lam / (2 * n) * t["w2"])
    written = (
        r"$$\frac{\partial J}{\partial w_{jk}^L} = \frac{1}{n}\sum_x (a_j^L - y_j)"
        r"\sigma'(z_j^L) a_k^{L-1} + \frac{\lambda}{%s} w_{jk}^L$$"
    )
    text = (
        FORWARD
        + r"$$J = C + \frac{\lambda}{2n}\sum_w w^2$$"
        + "\n\n"
        + written % "n"
        + "\n\n"
        + written % "2n"
        + "\n"
    )
    assert [str(r.verdict) for r in _check(text)][4:] == ["proved", "refuted"]


@pytest.mark.parametrize(
    "term",
    [
        r"\frac{\lambda}{2}\sum_l \|W^{(l)}\|^2",
        r"\frac{\lambda}{2}\sum_{l}\sum_{j,k} (w_{jk}^{(l)})^2",
        r"\frac{\lambda}{2}\sum_{l=1}^{L}\sum_{j}\sum_{k} (w_{jk}^{(l)})^2",
    ],
)
def test_sums_over_every_weight(term: str) -> None:
    """λ/2 times every weight's square, written three ways: ∂J/∂w = ∂C/∂w + λw (autograd at a
    random λ) is proved, + (λ/2) w refuted."""
    lam = 1.3
    t = _grads(6, lam, per_sample=False)
    assert torch.allclose(t["J_w2"], t["C_w2"] + lam * t["w2"])
    assert not torch.allclose(t["J_w2"], t["C_w2"] + lam / 2 * t["w2"])
    claim = r"$$\frac{\partial J}{\partial w_{jk}^L} = \frac{\partial C}{\partial w_{jk}^L} + %s w_{jk}^L$$"
    text = FORWARD + f"$$J = C + {term}$$\n\n" + claim % r"\lambda" + "\n\n"
    text += claim % r"\frac{\lambda}{2}" + "\n"
    assert [str(r.verdict) for r in _check(text)][3:] == ["defined", "proved", "refuted"]


def test_what_is_not_read_stays_an_error() -> None:
    """A name no definition introduces (μ) is an unknown quantity, never a constant; J's value
    is read only through its partials; a sum over some layers only is no regularised cost this
    reading builds (what uses J is an error naming its line)."""
    decay = FORWARD + r"$$J = C + \frac{\lambda}{2n}\sum_w w^2$$" + "\n\n"
    mu = r"$$\frac{\partial J}{\partial w_{jk}^L} = \frac{\partial C}{\partial w_{jk}^L} + \mu w_{jk}^L$$"
    results = _check(decay + mu + "\n\n" + r"$$J = C$$" + "\n")
    assert [str(r.verdict) for r in results][4:] == ["error", "error"]
    assert "unknown quantity mu" in results[4].reason
    assert "read only in its partials" in results[5].reason
    some = FORWARD + r"$$J = C + \frac{\lambda}{2}\sum_{l=2}^{L}\|W^{(l)}\|^2$$" + "\n\n"
    claim = r"$$\frac{\partial J}{\partial b_j^L} = \frac{\partial C}{\partial b_j^L}$$"
    results = _check(some + claim + "\n")
    assert [str(r.verdict) for r in results][3:] == ["error", "error"]
    assert "line 7" in results[4].reason
