"""Claims far below the output are decided by the proved rules, linearly in depth.

Truth comes from a NumPy forward and backward pass written here (float64, sigmoid, MSE), never
from derivator: every refutation's counterexample is replayed in it, and both sides' values must
match what derivator printed and differ from each other."""

from __future__ import annotations

import numpy as np
import pytest

from derivator.document import Run, check_text


def _array(table: dict[str, str], shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    for key, value in table.items():
        out[tuple(int(x) for x in key.split(","))] = float(value)
    return out


def _tag(back: int) -> str:
    return "L" if back == 0 else f"L-{back}"


def _replay(
    ce: dict, depth: int
) -> tuple[
    dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray]
]:
    """a, z, w and δ by layer (counted back from the output), from the counterexample's inputs."""
    sizes, inputs = ce["sizes"], ce["inputs"]
    n = sizes["n"]
    width = {b: sizes[_tag(b)] for b in range(depth + 1)}
    a = {depth: _array(inputs[f"a^({_tag(depth)})"], (n, width[depth]))}
    z, w = {}, {}
    for b in range(depth - 1, -1, -1):
        w[b] = _array(inputs[f"w^({_tag(b)})"], (width[b], width[b + 1]))
        bias = _array(inputs[f"b^({_tag(b)})"], (width[b],))
        z[b] = a[b + 1] @ w[b].T + bias
        a[b] = 1 / (1 + np.exp(-z[b]))
    y = _array(inputs["y"], (n, width[0]))
    sig_prime = {b: a[b] * (1 - a[b]) for b in z}
    delta = {0: (a[0] - y) * sig_prime[0]}  # L_i = ½ Σ_j (a − y)²
    for b in range(1, depth):
        delta[b] = (delta[b - 1] @ w[b - 1]) * sig_prime[b]
    return a, w, delta, sig_prime


def _check(text: str) -> list:
    return check_text("deep.md", text, Run(timeout=20.0))


@pytest.mark.parametrize("back", [5, 10, 30])
def test_the_delta_rule_deep_down_is_proved_and_a_transposed_weight_refuted(back: int) -> None:
    up = back - 1
    right = rf"$$\delta_{{ik}}^{{(L-{back})}} = \sum_j \delta_{{ij}}^{{(L-{up})}} w_{{jk}}^{{(L-{up})}} \sigma'(z_{{ik}}^{{(L-{back})}})$$"
    wrong = rf"$$\delta_{{ik}}^{{(L-{back})}} = \sum_j \delta_{{ij}}^{{(L-{up})}} w_{{kj}}^{{(L-{up})}} \sigma'(z_{{ik}}^{{(L-{back})}})$$"
    # bounded by the mechanism, not timed: each relation has the run's 20 s; work that grew
    # faster than linearly with the depth would be stopped there, unknown instead of proved
    good, bad = _check(right + "\n\n" + wrong + "\n")
    assert good.verdict == "proved", (good.method, good.reason)
    assert "all sizes" in good.method
    assert bad.verdict == "refuted", (bad.method, bad.reason)
    # replay: left δ_ik^(L-back), right Σ_j δ_ij^(L-up) w_kj^(L-up) σ′(z_ik^(L-back)) at square sizes
    ce = bad.counterexample
    _a, w, delta, sp_ = _replay(ce, back + 1)
    i, k = ce["indices"]["i"], ce["indices"]["k"]
    left = delta[back][i, k]
    right_value = (
        sum(delta[up][i, j] * w[up][k, j] for j in range(w[up].shape[0])) * sp_[back][i, k]
    )
    assert left == pytest.approx(float(ce["left"]), rel=1e-4, abs=1e-300)
    assert right_value == pytest.approx(float(ce["right"]), rel=1e-4, abs=1e-300)
    assert not np.isclose(left, right_value, rtol=1e-6, atol=0)


def test_deep_parameter_gradients_and_a_missing_mean() -> None:
    doc = (
        "\n\n".join(
            [
                r"$$\frac{\partial L}{\partial w_{jk}^{(L-12)}} = \frac{1}{n}\sum_i \delta_{ij}^{(L-12)} a_{ik}^{(L-13)}$$",
                r"$$\frac{\partial L}{\partial b_{j}^{(L-12)}} = \sum_i \delta_{ij}^{(L-12)}$$",
                r"$$\frac{\partial L_i}{\partial a_{ik}^{(L-7)}} = \sum_j \frac{\partial L_i}{\partial z_{ij}^{(L-6)}} \frac{\partial z_{ij}^{(L-6)}}{\partial a_{ik}^{(L-7)}}$$",
            ]
        )
        + "\n"
    )
    w, b, chain = _check(doc)
    assert (w.verdict, b.verdict, chain.verdict) == ("proved", "refuted", "proved"), (
        w.reason,
        b.reason,
        chain.reason,
    )
    assert "1/n" in b.reason
    ce = b.counterexample
    n = ce["sizes"]["n"]
    _a, _, delta, _ = _replay(ce, 13)
    j = ce["indices"]["j"]
    true_value = delta[12][:, j].sum() / n  # ∂L/∂b_j = (1/n) Σ_i δ_ij, L the mean of the L_i
    assert true_value == pytest.approx(float(ce["left"]), rel=1e-4, abs=1e-300)
    assert delta[12][:, j].sum() == pytest.approx(float(ce["right"]), rel=1e-4, abs=1e-300)
