"""The generated gradients where the activations saturate, on inf and NaN, and on bad arrays.

Truth at saturated inputs comes from mpmath: the loss written from its definitions at high precision
and differentiated numerically (``mpmath.diff``, 600 digits), parameter by parameter, so that even e^(−1000)
is resolved.  PyTorch autograd (float64) is measured against the same truth: the generated code
must be at least as accurate, entry by entry.
"""

from __future__ import annotations

import warnings
from typing import Any

import mpmath
import numpy as np
import pytest
from test_codegen import KINDS, need_torch

from derivator import Network
from derivator.codegen import numpy_code as codegen

SIGMA = {
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "tanh": mpmath.tanh,
    "relu": lambda z: z if z > 0 else 0 * z,
    "softplus": lambda z: mpmath.log(1 + mpmath.exp(z)),
    "identity": lambda z: z,
}


def mp_loss(
    activation: str, loss: str, params: list[list[list[Any]]], X: np.ndarray, Y: np.ndarray
) -> Any:
    """L from the definitions, in mpmath (params: [[W rows…], [b…]] of mpf per layer)."""
    n = X.shape[0]
    total = mpmath.mpf(0)
    for s in range(n):
        a = [mpmath.mpf(float(x)) for x in X[s]]
        for p, (W, b) in enumerate(params, 1):
            z = [sum((W[j][k] * a[k] for k in range(len(a))), b[j]) for j in range(len(b))]
            last = p == len(params)
            if last and loss == "cross-entropy":
                m = max(z)
                lse = m + mpmath.log(sum(mpmath.exp(v - m) for v in z))
                total += -sum(float(Y[s, j]) * (z[j] - lse) for j in range(len(z)))
                break
            if last and loss == "binary-cross-entropy":
                # −[y ln σ(z) + (1−y) ln(1−σ(z))] = ln(1 + e^z) − y z, exactly
                total += sum(
                    mpmath.log(1 + mpmath.exp(z[j])) - float(Y[s, j]) * z[j] for j in range(len(z))
                )
                break
            a = [SIGMA[activation](v) for v in z]
            if last:
                total += sum((a[j] - float(Y[s, j])) ** 2 / 2 for j in range(len(a)))
    return total / n


def mp_gradients(
    activation: str,
    loss: str,
    params: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    Y: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    with mpmath.workdps(600):
        mp = [
            [[[mpmath.mpf(float(v)) for v in row] for row in W], [mpmath.mpf(float(v)) for v in b]]
            for W, b in params
        ]
        for p, (W, b) in enumerate(params):
            grads = []
            for k, arr in ((0, W), (1, b)):
                g = np.zeros(arr.shape)
                for idx in np.ndindex(arr.shape):
                    holder = mp[p][k] if k == 1 else mp[p][k][idx[0]]
                    i = idx[-1]
                    keep = holder[i]

                    def f(t: Any, holder: Any = holder, i: int = i) -> Any:
                        holder[i] = t
                        return mp_loss(activation, loss, mp, X, Y)

                    g[idx] = float(mpmath.diff(f, keep))
                    holder[i] = keep
                grads.append(g)
            out.append((grads[0], grads[1]))
    return out


def torch_gradients(
    activation: str,
    loss: str,
    params: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    Y: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's own functions and autograd, float64, as a user would write it."""
    torch = need_torch()
    F = torch.nn.functional
    sigma = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "softplus": F.softplus,
        "identity": lambda z: z,
    }[activation]
    tp = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in params
    ]
    a, y, n = torch.tensor(X), torch.tensor(Y), X.shape[0]
    for p, (W, b) in enumerate(tp, 1):
        z = a @ W.T + b
        if p == len(tp) and loss != "mse":
            break
        a = sigma(z)
    if loss == "cross-entropy":
        L = -(y * torch.log_softmax(z, dim=1)).sum() / n
    elif loss == "binary-cross-entropy":
        L = F.binary_cross_entropy_with_logits(z, y, reduction="sum") / n
    else:
        L = ((a - y) ** 2).sum() / (2 * n)
    L.backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in tp]


def saturated_problem(
    scale: float,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """A 2-3-3 network whose pre-activations reach ±scale (widths all different is not needed here:
    the truth is computed entry by entry)."""
    W1 = np.array([[scale, 0.0], [-scale, 0.0], [0.0, scale]])
    W2 = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0], [0.5, 0.5, -1.0]])
    params = [(W1, np.array([0.0, 0.5, -0.25])), (W2, np.array([scale, -scale, 0.0]))]
    X = np.array([[1.0, -1.0], [-1.0, 1.0], [0.5, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return params, X, Y


def entry_errors(
    got: list[tuple[np.ndarray, np.ndarray]], truth: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """|got − truth| / |truth| entry by entry (absolute where the truth is below 1e-300)."""
    g = np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in got])
    t = np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in truth])
    with np.errstate(all="ignore"):
        return np.where(np.abs(t) > 1e-300, np.abs(g - t) / np.abs(t), np.abs(g - t))


def absolute_errors(
    got: list[tuple[np.ndarray, np.ndarray]], truth: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    g = np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in got])
    t = np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in truth])
    return np.abs(g - t)


def array_scale(truth: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Each entry's array's largest |entry|, laid out like ``entry_errors``."""
    return np.concatenate(
        [
            np.concatenate([np.full(w.size, np.abs(w).max()), np.full(b.size, np.abs(b).max())])
            for w, b in truth
        ]
    )


@pytest.mark.parametrize("scale", [40.0, 1000.0])
@pytest.mark.parametrize("activation,loss", KINDS)
def test_saturated_gradients_are_at_least_as_accurate_as_torch(
    activation: str, loss: str, scale: float
) -> None:
    params, X, Y = saturated_problem(scale)
    g = Network(widths=(2, 3, 3), activation=activation, loss=loss).numpy_gradients(proof="none")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = g(params, X, Y)
    truth = mp_gradients(activation, loss, params, X, Y)
    mine, theirs = (
        entry_errors(ours, truth),
        entry_errors(torch_gradients(activation, loss, params, X, Y), truth),
    )
    # a few ulps, or no worse than torch up to rounding noise (where the forward pass itself has
    # already rounded a^(L) − y, both inherit the same error), or a few ulps of the largest entry
    # of the same array: an entry that is a sum over samples of terms of that size, cancelling to
    # a tiny value, carries their rounding in any float64 code (seen with NumPy 2.4: 2e-8 relative
    # on an entry of 4.8e-10 whose summands are about 0.3, where torch has 4.5e-9)
    floor = 8 * np.finfo(float).eps * array_scale(truth)
    absolute = absolute_errors(ours, truth)
    assert np.all((mine <= 1e-13) | (mine <= 2 * theirs) | (absolute <= floor)), (mine, theirs)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_sigma_prime_from_z_beats_torch_where_a_rounds_to_one(activation: str) -> None:
    """σ′ from a (torch: a(1−a), 1−a²) is 0 once a rounds to 1; σ′ from z keeps every digit."""
    z = 40.0 if activation == "sigmoid" else 20.0
    params, X, Y = (
        [(np.array([[z]]), np.zeros(1)), (np.array([[1.0]]), np.zeros(1))],
        np.ones((1, 1)),
        np.zeros((1, 1)),
    )
    ours = Network(widths=(1, 1, 1), activation=activation).numpy_gradients(proof="none")(
        params, X, Y
    )
    truth = mp_gradients(activation, "mse", params, X, Y)
    assert truth[0][0][0, 0] != 0
    assert entry_errors(ours, truth).max() <= 1e-13
    assert entry_errors(torch_gradients(activation, "mse", params, X, Y), truth).max() == 1.0


def test_one_sigmoid_output_with_binary_cross_entropy_against_torch() -> None:
    rng = np.random.default_rng(5)
    net = Network(widths=(3, 4, 1), activation="sigmoid", loss="binary-cross-entropy")
    g = net.numpy_gradients(proof="none")
    params = net.init_params(seed=3)
    X, Y = rng.normal(size=(7, 3)), rng.integers(0, 2, size=(7, 1)).astype(float)
    for (dW, db), (tW, tb) in zip(
        g(params, X, Y), torch_gradients("sigmoid", "binary-cross-entropy", params, X, Y)
    ):
        np.testing.assert_allclose(dW, tW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db, tb, rtol=1e-12, atol=1e-15)


def test_one_output_softmax_is_refused_with_the_alternative() -> None:
    with pytest.raises(codegen.CodegenError, match="binary-cross-entropy"):
        Network(widths=(2, 4, 1), loss="cross-entropy").numpy_gradients()
    with pytest.raises(ValueError, match="needs σ = sigmoid"):
        Network(widths=(2, 4, 1), activation="tanh", loss="binary-cross-entropy")


@pytest.mark.parametrize("activation,loss", KINDS)
def test_inf_and_nan_inputs_are_silent_and_reach_what_torch_reaches(
    activation: str, loss: str
) -> None:
    net = Network(widths=(3, 4, 2), activation=activation, loss=loss)
    params = net.init_params(seed=1)
    X = np.array([[np.inf, 0.5, -1.0], [-np.inf, 0.0, 1.0], [np.nan, 1.0, 2.0], [0.1, 0.2, 0.3]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = net.numpy_gradients(proof="none")(params, X, Y)
    for (dW, db), (tW, tb) in zip(ours, torch_gradients(activation, loss, params, X, Y)):
        assert np.array_equal(np.isnan(dW), np.isnan(tW)) and np.array_equal(
            np.isnan(db), np.isnan(tb)
        )


def test_bad_arrays_raise_a_clear_value_error() -> None:
    g = Network(widths=(4, 3, 2)).numpy_gradients(proof="none")
    params = [(np.zeros((3, 4)), np.zeros(3)), (np.zeros((2, 3)), np.zeros(2))]
    X, Y = np.zeros((5, 4)), np.zeros((5, 2))
    with pytest.raises(ValueError, match="X has no rows"):
        g.gradients(params, np.zeros((0, 4)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="Y is float32 but X is float64"):
        g.gradients(params, X, Y.astype(np.float32))
    with pytest.raises(ValueError, match="X has dtype int64"):
        g.gradients(params, X.astype(np.int64), Y)
    p32 = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
    with pytest.raises(ValueError, match="W1 is float32 but X is float64"):
        g.gradients(p32, X, Y)
    got = g.gradients(p32, X.astype(np.float32), Y.astype(np.float32))
    assert all(w.dtype == np.float32 and b.dtype == np.float32 for w, b in got)
