"""The derived gradients against independent truth.

* Central finite differences of an independent NumPy forward pass (float64) on
  hypothesis-generated networks: every layer, every entry, every quantity.
* Exact rationals: for identity / ReLU networks with the MSE, the loss restricted to one
  parameter is a quadratic polynomial (locally, for ReLU), so the central difference in
  ``Fraction`` arithmetic *is* the derivative; the derived formulas must agree exactly.
* The per-layer-rules route equals the direct ``sympy.diff`` route (``derive.truth``) for all
  sizes, in the normal form of ``algebra``.
* Softmax + cross-entropy: δ^(L)_ij = a_ij Σ_p y_ip − y_ij (targets need not sum to 1).

The forward pass and the loss here are written from the article's definitions only; nothing of
``derivator.evaluate.forward`` is used to produce the reference numbers.  (``evaluate.forward``
fills in z, a of the Instance on which the derived formulas are evaluated; the test checks
that it agrees with the independent loss, so a mis-filled Instance cannot go unnoticed.)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivator.engine import Network, algebra, derive, evaluate

FLOAT_ACTIVATIONS = ("sigmoid", "tanh", "softplus", "identity", "relu")
LOSSES = ("mse", "cross-entropy")

# ---------------------------------------------------------------------------------------------
# an independent forward pass (NumPy; float64 or object arrays of Fractions)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, z * 0)


ACT = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda z: np.logaddexp(0.0, z),
    "identity": lambda z: z,
    "relu": _relu,
}


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Case:
    """A concrete network with values: W[p] is (width p × width p-1), B[p] (width p), X (n ×
    width 0), Y (n × width D); index 0 of W and B is unused."""

    widths: tuple[int, ...]
    n: int
    activation: str
    loss: str
    X: np.ndarray
    W: list[Any]
    B: list[Any]
    Y: np.ndarray

    @property
    def D(self) -> int:
        return len(self.widths) - 1

    def out(self, p: int, z: np.ndarray) -> np.ndarray:
        """a^(p) from z^(p)."""
        if p == self.D and self.loss == "cross-entropy":
            return _softmax(z)
        return ACT[self.activation](z)

    def loss_i(self, a_top: np.ndarray) -> np.ndarray:
        if self.loss == "mse":
            d = a_top - self.Y
            return (d * d).sum(axis=1) / 2
        return -(self.Y * np.log(a_top)).sum(axis=1)

    def run(
        self,
        W: list[Any] | None = None,
        B: list[Any] | None = None,
        start: int = 0,
        a_start: np.ndarray | None = None,
    ) -> tuple[list[Any], list[Any], np.ndarray, Any]:
        """Forward from layer ``start`` (whose activation is ``a_start``, default the inputs):
        returns z, a (lists by layer, None below ``start``), L_i and L."""
        W = self.W if W is None else W
        B = self.B if B is None else B
        a: list[Any] = [None] * (self.D + 1)
        z: list[Any] = [None] * (self.D + 1)
        a[start] = self.X if a_start is None else a_start
        for p in range(start + 1, self.D + 1):
            z[p] = a[p - 1] @ W[p].T + B[p]
            a[p] = self.out(p, z[p])
        Li = self.loss_i(a[self.D])
        return z, a, Li, Li.sum() / self.n

    def base(self) -> tuple[list[Any], list[Any], np.ndarray, Any]:
        """The unperturbed forward pass (computed once)."""
        if not hasattr(self, "_base"):
            self._base = self.run()
        return self._base

    def run_from_z(self, p: int, zp: np.ndarray) -> np.ndarray:
        """L_i when z^(p) is given (and everything below is forgotten)."""
        return self.run(start=p, a_start=self.out(p, zp))[2]


# ---------------------------------------------------------------------------------------------
# strategies


def _closed_cost(ws: list[int], n: int, loss: str) -> int:
    """Rough number of summand evaluations to evaluate every closed-form gradient entry."""
    D = len(ws) - 1
    total = 0
    for p in range(1, D + 1):
        chain = n * int(np.prod(ws[p:]))
        total += chain * (ws[p - 1] + 3)
    return total * (ws[-1] if loss == "cross-entropy" else 1)


def _fix_relu(case: Case, margin: Any, step: Any) -> None:
    """Move biases (in place) until every |z| ≥ margin: ReLU is then differentiable at the point
    and stays on the same piece under small perturbations."""
    a = case.X
    for p in range(1, case.D + 1):
        c = a @ case.W[p].T
        for x in range(case.widths[p]):
            while min(abs(c[s, x] + case.B[p][x]) for s in range(case.n)) < margin:
                case.B[p][x] = case.B[p][x] + step
        a = case.out(p, c + case.B[p])


@st.composite
def cases(
    draw: Any,
    activations: tuple[str, ...],
    losses: tuple[str, ...],
    exact: bool = False,
    max_cost: int | None = None,
) -> Case:
    depth = draw(st.integers(1, 5), label="depth")
    ws = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    n = draw(st.integers(1, 3), label="samples")
    act = draw(st.sampled_from(activations), label="activation")
    loss = draw(st.sampled_from(losses), label="loss")
    if max_cost is not None:
        # the closed forms are sums over every path to the output: keep their evaluation quick
        # by narrowing the widest non-input layer until the cost fits (deterministic, shrinks)
        while _closed_cost(ws, n, loss) > max_cost:
            q = max(range(1, depth + 1), key=lambda r: (ws[r], -r))
            ws[q] -= 1
    if exact:
        num = st.integers(-16, 16).map(lambda k: Fraction(k, 8))
        dtype: Any = object
        target = num
    else:
        # k/64 in [-1.5, 1.5] (floats cost hypothesis many bytes each, which starves deep networks)
        num = st.integers(-96, 96).map(lambda k: k / 64)
        dtype = np.float64
        target = st.integers(0, 64).map(lambda k: k / 64) if loss == "cross-entropy" else num

    def arr(shape: tuple[int, ...], elems: Any = num) -> np.ndarray:
        flat = [draw(elems) for _ in range(int(np.prod(shape)))]
        return np.array(flat, dtype=dtype).reshape(shape)

    X = arr((n, ws[0]))
    W: list[Any] = [None] + [arr((ws[p], ws[p - 1])) for p in range(1, depth + 1)]
    B: list[Any] = [None] + [arr((ws[p],)) for p in range(1, depth + 1)]
    Y = arr((n, ws[-1]), target)
    case = Case(tuple(ws), n, act, loss, X, W, B, Y)
    if act == "relu":
        if exact:
            _fix_relu(case, Fraction(1, 10**6), Fraction(1, 7))
        else:
            _fix_relu(case, 1e-3, 2.5e-3)
    return case


# ---------------------------------------------------------------------------------------------
# the derived formulas, evaluated on an Instance filled from a Case


def network_of(case: Case) -> Network:
    return Network(widths=case.widths, samples=case.n, activation=case.activation, loss=case.loss)


def instance_of(net: Network, case: Case, field: evaluate.Field) -> evaluate.Instance:
    conv = (lambda v: Fraction(v)) if field is evaluate.EXACT else float
    v: dict[str, dict[tuple[int, ...], Any]] = {}
    v[str(net.a(0).label)] = {
        (s, u): conv(case.X[s, u]) for s in range(case.n) for u in range(case.widths[0])
    }
    for p in range(1, case.D + 1):
        v[str(net.w(p).label)] = {
            (x, u): conv(case.W[p][x, u])
            for x in range(case.widths[p])
            for u in range(case.widths[p - 1])
        }
        v[str(net.b(p).label)] = {(x,): conv(case.B[p][x]) for x in range(case.widths[p])}
    v["y"] = {(s, x): conv(case.Y[s, x]) for s in range(case.n) for x in range(case.widths[-1])}
    inst = evaluate.Instance(net, field, v)
    evaluate.forward(inst)
    return inst


def entries(
    net: Network, case: Case, q: str, p: int
) -> list[tuple[tuple[int, ...], dict[sp.Symbol, int]]]:
    """Every entry of the gradient (q, p): (array index, binding of the free index symbols)."""
    j = net.letter(p)
    if q == "w":
        k = net.letter(p - 1)
        return [
            ((x, u), {j: x, k: u}) for x in range(case.widths[p]) for u in range(case.widths[p - 1])
        ]
    if q == "b":
        return [((x,), {j: x}) for x in range(case.widths[p])]
    return [((s, x), {net.i: s, j: x}) for s in range(case.n) for x in range(case.widths[p])]


def put_deltas(net: Network, inst: evaluate.Instance, case: Case, grads: dict) -> None:
    """Backpropagation with the derived rules: δ^(D), δ^(D-1), … evaluated top down."""
    for p in range(net.D, 0, -1):
        inst.values[str(net.delta(p).label)] = {
            idx: evaluate.evaluate(grads[("delta", p)], inst, env)
            for idx, env in entries(net, case, "delta", p)
        }


# ---------------------------------------------------------------------------------------------
# the reference: central differences of the independent forward pass


def fd_param(case: Case, q: str, p: int, idx: tuple[int, ...], h: Any) -> Any:
    """(L(θ+h) − L(θ−h)) / 2h for θ = w^(p)[idx] or b^(p)[idx]."""
    vals = []
    for sgn in (1, -1):
        W, B = list(case.W), list(case.B)
        arr = (W if q == "w" else B)[p].copy()
        arr[idx] = arr[idx] + sgn * h
        (W if q == "w" else B)[p] = arr
        vals.append(case.run(W, B)[3])
    return (vals[0] - vals[1]) / (2 * h)


def fd_hidden(case: Case, q: str, p: int, idx: tuple[int, int], h: Any) -> Any:
    """(L_s(v+h) − L_s(v−h)) / 2h for v = a^(p)[s, x] (q = "a") or z^(p)[s, x] (q = "delta"),
    everything above layer p recomputed from it."""
    z, a, _, _ = case.base()
    s = idx[0]
    vals = []
    for sgn in (1, -1):
        base = (a[p] if q == "a" else z[p]).copy()
        base[idx] = base[idx] + sgn * h
        Li = case.run(start=p, a_start=base)[2] if q == "a" else case.run_from_z(p, base)
        vals.append(Li[s])
    return (vals[0] - vals[1]) / (2 * h)


def _relu_pattern(case: Case, q: str, p: int, idx: tuple[int, ...], h: Any) -> bool:
    """True when the perturbation by ±h leaves every ReLU on its piece."""
    if case.activation != "relu":
        return True
    z0 = case.base()[0]
    for sgn in (1, -1):
        if q in ("w", "b"):
            W, B = list(case.W), list(case.B)
            arr = (W if q == "w" else B)[p].copy()
            arr[idx] = arr[idx] + sgn * h
            (W if q == "w" else B)[p] = arr
            z1 = case.run(W, B)[0]
        else:
            base = (case.base()[1][p] if q == "a" else z0[p]).copy()
            base[idx] = base[idx] + sgn * h
            start_a = base if q == "a" else case.out(p, base)
            z1 = case.run(start=p, a_start=start_a)[0]
            if q == "delta":
                z1[p] = base
        for r in range(1, case.D + 1):
            if z1[r] is not None and not np.array_equal(z0[r] > 0, z1[r] > 0):
                return False
    return True


def _step(case: Case, q: str, p: int, idx: tuple[int, ...], h: Any, shrink: Any) -> Any:
    for _ in range(6):
        if _relu_pattern(case, q, p, idx, h):
            return h
        h = h / shrink
    raise AssertionError("test setup: could not find a step that stays off the ReLU kinks")


def check_case(
    case: Case, *, closed: bool, exact: bool, quantities: tuple[str, ...] = ("w", "b", "a", "delta")
) -> None:
    net = network_of(case)
    field = evaluate.EXACT if exact else evaluate.FLOAT
    inst = instance_of(net, case, field)
    L = case.base()[3]
    if exact:
        assert inst.values["__mean__"][()] == L
    else:
        assert inst.values["__mean__"][()] == pytest.approx(float(L), rel=1e-12, abs=1e-12)
    if closed:
        grads = {
            (q, p): derive.gradient(net, q, p, closed=True)
            for q in quantities
            for p in range(1, net.D + 1)
        }
        if "a" in quantities:
            grads[("a", 0)] = derive.gradient(net, "a", 0, closed=True)
    else:
        grads = derive.gradients(net)
        for key, e in grads.items():
            assert e == derive.gradient(net, key[0], key[1], closed=False)
            assert e == derive.local_gradient(net, key[0], key[1])
        grads[("a", 0)] = derive.gradient(net, "a", 0, closed=False)
        put_deltas(net, inst, case, grads)
    h0 = Fraction(1, 1000) if exact else 1e-6
    for (q, p), expr in sorted(grads.items()):
        if q not in quantities:
            continue
        for idx, env in entries(net, case, q, p):
            h = h0
            if q == "a" and p == case.D and case.loss == "cross-entropy" and not exact:
                # ∂(−y ln a)/∂a = −y/a varies on the scale of a itself (softmax outputs can be tiny)
                h = h0 * min(1.0, float(case.base()[1][p][idx]))
            h = _step(case, q, p, idx, h, 1000 if exact else 10)
            ref = fd_param(case, q, p, idx, h) if q in ("w", "b") else fd_hidden(case, q, p, idx, h)  # type: ignore[arg-type]
            got = evaluate.evaluate(expr, inst, env)
            where = f"{q}^({p}){list(idx)} in {case.activation}/{case.loss} widths {case.widths} n={case.n}"
            if exact:
                assert isinstance(got, Fraction), where
                assert got == ref, f"{where}: derived {got} ≠ exact {ref}"
            else:
                assert got == pytest.approx(float(ref), rel=1e-6, abs=1e-7), (
                    f"{where}: derived {got}, fd {ref}"
                )


SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)

# ---------------------------------------------------------------------------------------------
# 1. finite differences, float64


@settings(max_examples=30, **SETTINGS)
@given(cases(FLOAT_ACTIVATIONS, LOSSES))
def test_backprop_matches_finite_differences(case: Case) -> None:
    """δ-form (the backpropagation algorithm from ``derive.gradients``), evaluated top down, at
    every entry of ∂L/∂w^(p), ∂L/∂b^(p), ∂L_i/∂a^(p) (p ≥ 0) and δ^(p), full size range."""
    check_case(case, closed=False, exact=False)


@settings(max_examples=12, **SETTINGS)
@given(cases(FLOAT_ACTIVATIONS, LOSSES, max_cost=800))
def test_closed_gradients_match_finite_differences(case: Case) -> None:
    """Closed forms ``derive.gradient(net, q, p, closed=True)`` at every entry of every layer."""
    check_case(case, closed=True, exact=False)


def test_closed_gradients_deep_narrow() -> None:
    """Depth 5 at widths that the cost cap above would narrow, for every activation and loss."""
    rng = np.random.default_rng(7)
    for act in FLOAT_ACTIVATIONS:
        for loss in LOSSES:
            ws = (2, 2, 1, 2, 3, 2)
            W = [None] + [rng.uniform(-1.5, 1.5, (ws[p], ws[p - 1])) for p in range(1, 6)]
            B = [None] + [rng.uniform(-1, 1, ws[p]) for p in range(1, 6)]
            Y = (
                rng.uniform(0, 1, (2, ws[-1]))
                if loss == "cross-entropy"
                else rng.uniform(-1, 1, (2, ws[-1]))
            )
            case = Case(ws, 2, act, loss, rng.uniform(-1, 1, (2, ws[0])), W, B, Y)
            if act == "relu":
                _fix_relu(case, 1e-3, 2.5e-3)
            check_case(case, closed=True, exact=False, quantities=("w", "b"))


# ---------------------------------------------------------------------------------------------
# 2. exact rationals: the central difference of a quadratic is its derivative


@settings(max_examples=20, **SETTINGS)
@given(cases(("identity", "relu"), ("mse",), exact=True))
def test_backprop_exact(case: Case) -> None:
    check_case(case, closed=False, exact=True)


@settings(max_examples=12, **SETTINGS)
@given(cases(("identity", "relu"), ("mse",), exact=True, max_cost=800))
def test_closed_gradients_exact(case: Case) -> None:
    check_case(case, closed=True, exact=True)


def test_exact_central_difference_is_the_derivative() -> None:
    """Sanity of the method: for identity + MSE the central difference does not depend on h."""
    case = Case(
        (2, 2, 1),
        1,
        "identity",
        "mse",
        np.array([[Fraction(1, 3), Fraction(-2)]], dtype=object),
        [
            None,
            np.array([[Fraction(1), Fraction(2)], [Fraction(-1, 2), Fraction(3)]], dtype=object),
            np.array([[Fraction(5, 7), Fraction(-1)]], dtype=object),
        ],
        [
            None,
            np.array([Fraction(1), Fraction(0)], dtype=object),
            np.array([Fraction(1, 9)], dtype=object),
        ],
        np.array([[Fraction(2)]], dtype=object),
    )
    values = {
        fd_param(case, "w", 1, (1, 0), h) for h in (Fraction(1), Fraction(1, 3), Fraction(1, 10**9))
    }
    assert len(values) == 1


# ---------------------------------------------------------------------------------------------
# 3. the rules route equals the direct sympy.diff route, for all sizes


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(
    "activation", ("sigmoid", "tanh", "relu", "softplus", "identity", "generic")
)
def test_rules_equal_direct_diff(activation: str, loss: str) -> None:
    net = Network(depth=4, activation=activation, loss=loss)
    i = net.i
    for p in range(1, net.D + 1):
        j, k = net.letter(p), net.letter(p - 1)
        gw = derive.gradient(net, "w", p)
        assert algebra.equal(gw, derive.truth(net, net.L, net.w(p)[j, k])), ("w", p)
        gb = derive.gradient(net, "b", p)
        assert algebra.equal(gb, derive.truth(net, net.L, net.b(p)[j])), ("b", p)
        assert algebra.equal(
            derive.gradient(net, "a", p), derive.truth(net, net.Li[i], net.a(p)[i, j])
        ), ("a", p)
        assert algebra.equal(
            derive.gradient(net, "delta", p), derive.truth(net, net.Li[i], net.z(p)[i, j])
        ), ("δ", p)
        # the comparison is not vacuous
        assert not algebra.equal(gw, 2 * gw)
        assert not algebra.equal(gb, derive.truth(net, net.L, net.b(p)[j]) + net.b(p)[j])


# ---------------------------------------------------------------------------------------------
# 4. softmax + cross-entropy


@pytest.mark.parametrize("depth", (1, 2))
@pytest.mark.parametrize("activation", ("sigmoid", "relu", "generic"))
def test_softmax_cross_entropy_delta(depth: int, activation: str) -> None:
    net = Network(depth=depth, activation=activation, loss="cross-entropy")
    L, i, j = net.D, net.i, net.letter(net.D)
    a, y = net.a(L), net.y
    d = sp.Dummy("p", integer=True)
    expected = a[i, j] * sp.Sum(y[i, d], (d, 0, net.width(L) - 1)) - y[i, j]
    assert algebra.equal(derive.truth(net, net.Li[i], net.z(L)[i, j]), expected)
    assert algebra.equal(derive.gradient(net, "delta", L), expected)
    assert algebra.equal(derive.local_gradient(net, "delta", L), expected)
    # a − y only when the targets sum to 1, which is not assumed
    assert not algebra.equal(derive.gradient(net, "delta", L), a[i, j] - y[i, j])


def test_softmax_cross_entropy_delta_numbers() -> None:
    """The same at concrete sizes, against the independent forward pass, with targets that do
    not sum to 1 (so that a − y would be wrong)."""
    rng = np.random.default_rng(3)
    case = Case(
        (3, 4),
        2,
        "sigmoid",
        "cross-entropy",
        rng.uniform(-1, 1, (2, 3)),
        [None, rng.uniform(-1, 1, (4, 3))],
        [None, rng.uniform(-1, 1, 4)],
        rng.uniform(0, 1, (2, 4)),
    )
    _z, a, _, _ = case.run()
    want = a[1] * case.Y.sum(axis=1, keepdims=True) - case.Y
    for s in range(2):
        for x in range(4):
            assert fd_hidden(case, "delta", 1, (s, x), 1e-6) == pytest.approx(
                want[s, x], rel=1e-6, abs=1e-8
            )
    check_case(case, closed=True, exact=False)


# ---------------------------------------------------------------------------------------------
# layers outside the network


@pytest.mark.parametrize(
    "quantity,p",
    [("w", 0), ("b", 0), ("delta", 0), ("w", 3), ("b", 3), ("a", 3), ("delta", 3), ("a", -1)],
)
def test_gradient_rejects_layers_outside_the_network(quantity: str, p: int) -> None:
    """widths (2, 3, 2) has layers 0 (input), 1, 2: w, b, δ exist at 1–2 and a at 0–2.  Asked for
    another layer, ``derive.gradient`` must refuse instead of returning an expression in layers
    that do not exist (z^(L-2) of the input layer, w^(L-2)) or in the generic fragment's tags
    (a^(l), δ^(l+1), n_(l+1))."""
    net = Network(widths=(2, 3, 2), samples=2)
    with pytest.raises(ValueError):
        derive.gradient(net, quantity, p)
    with pytest.raises(ValueError):
        derive.local_gradient(net, quantity, p)
