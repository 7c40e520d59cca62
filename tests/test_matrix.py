"""The matrix form is read off the index form, proved equal to it, printed, and evaluated."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

from derivator.engine import ACTIVATIONS, Network, UpstreamPrime, algebra, derive, evaluate, matrix

NETWORKS = {
    "sigmoid-mse": lambda: Network(),
    "cross-entropy": lambda: Network(loss="cross-entropy"),
    "tanh": lambda: Network(activation="tanh"),
    "generic": lambda: Network(activation="generic"),
    "fragment": lambda: Network.generic(),
}


def free_indices(net: Network, quantity: str, p: int) -> tuple[sp.Symbol, sp.Symbol | None]:
    """(rows, cols) of a gradient: W is n_(p) × n_(p-1), B a vector, ∂L_i/∂A and Δ are n × n_(p)."""
    if quantity == "w":
        return net.letter(p), net.letter(p - 1)
    if quantity == "b":
        return net.letter(p), None
    return net.i, net.letter(p)


def cases() -> list[tuple[str, str, int]]:
    return [(name, q, p) for name in NETWORKS for p in range(1, 4) for q in derive.QUANTITIES]


@pytest.mark.parametrize("name,quantity,p", cases())
def test_roundtrip_is_a_proof(name: str, quantity: str, p: int) -> None:
    net = NETWORKS[name]()
    e = derive.local_gradient(net, quantity, p)
    rows, cols = free_indices(net, quantity, p)
    m = matrix.from_index(net, e, rows, cols)
    assert algebra.equal(matrix.to_index(net, m, rows, cols), e)
    matrix.shape(net, m)  # well formed


def unicode_of(net: Network, quantity: str, p: int) -> str:
    rows, cols = free_indices(net, quantity, p)
    return matrix.to_unicode(
        matrix.from_index(net, derive.local_gradient(net, quantity, p), rows, cols)
    )


def latex_of(net: Network, quantity: str, p: int) -> str:
    rows, cols = free_indices(net, quantity, p)
    return matrix.to_latex(
        matrix.from_index(net, derive.local_gradient(net, quantity, p), rows, cols)
    )


def test_the_four_formulas_mse() -> None:
    net = Network()
    assert unicode_of(net, "delta", 3) == "(A^(L) − Y) ⊙ σ′(Z^(L))"
    assert unicode_of(net, "delta", 2) == "(Δ^(L) W^(L)) ⊙ σ′(Z^(L-1))"
    assert unicode_of(net, "w", 2) == "(1/n) Δ^(L-1)ᵀ A^(L-2)"
    assert unicode_of(net, "b", 1) == "(1/n) Σᵢ Δ^(L-2)_i·"
    assert unicode_of(net, "a", 2) == "Δ^(L) W^(L)"
    assert unicode_of(net, "a", 3) == "A^(L) − Y"


def test_latex() -> None:
    net = Network()
    assert latex_of(net, "delta", 3) == r"\left(A^{(L)} - Y\right) \odot \sigma'(Z^{(L)})"
    assert (
        latex_of(net, "delta", 2) == r"\left(\Delta^{(L)} W^{(L)}\right) \odot \sigma'(Z^{(L-1)})"
    )
    assert latex_of(net, "w", 3) == r"\frac{1}{n} \Delta^{(L)\top} A^{(L-1)}"
    assert latex_of(net, "b", 2) == r"\frac{1}{n} \sum_i \Delta^{(L-1)}_{i\cdot}"
    ce = Network(loss="cross-entropy")
    assert latex_of(ce, "delta", 3) == r"A^{(L)} \odot \left(Y\mathbf{1}\right) - Y"


def test_generic_layer_and_cross_entropy() -> None:
    g = Network.generic()
    assert unicode_of(g, "delta", 2) == "(Δ^(l+1) W^(l+1)) ⊙ σ′(Z^(l))"
    assert unicode_of(g, "w", 3) == "(1/n) Δ^(l+1)ᵀ A^(l)"
    assert unicode_of(g, "delta", 3) == "Ψ′(Z^(l+1))"
    assert unicode_of(g, "a", 3) == "0"
    ce = Network(loss="cross-entropy")
    assert unicode_of(ce, "delta", 3) == "A^(L) ⊙ (Y𝟏) − Y"
    assert unicode_of(ce, "a", 3) == "−(Y ⊘ A^(L))"


def test_sigma_prime_keeps_its_class() -> None:
    m = matrix.from_index(
        Network(activation="tanh"),
        derive.local_gradient(Network(activation="tanh"), "delta", 2),
        Network().i,
        Network().letter(2),
    )
    assert isinstance(m, matrix.Hadamard) and isinstance(m.right, matrix.ElementwiseFunction)
    assert m.right.func is ACTIVATIONS["tanh"].prime


@pytest.mark.parametrize("name", ["sigmoid-mse", "cross-entropy"])
def test_closed_forms_and_truth(name: str) -> None:
    """Not only the δ-rules: closed forms (every δ substituted) and sympy.diff results translate."""
    net = NETWORKS[name]()
    for p in (1, 3):
        for q in ("w", "b", "delta"):
            e = derive.gradient(net, q, p, closed=True)
            rows, cols = free_indices(net, q, p)
            assert algebra.equal(
                matrix.to_index(net, matrix.from_index(net, e, rows, cols), rows, cols), e
            )
    j, k = net.letter(2), net.letter(1)
    e = derive.truth(net, net.L, net.w(2)[j, k])
    assert algebra.equal(matrix.to_index(net, matrix.from_index(net, e, j, k), j, k), e)
    if name == "sigmoid-mse":
        assert (
            matrix.to_unicode(matrix.from_index(net, e, j, k))
            == "(1/n) ((((A^(L) − Y) ⊙ σ′(Z^(L))) W^(L)) ⊙ σ′(Z^(L-1)))ᵀ A^(L-2)"
        )


def test_orientation_follows_rows_and_cols() -> None:
    net = Network()
    j, k = net.letter(3), net.letter(2)
    e = derive.local_gradient(net, "w", 3)
    m = matrix.from_index(net, e, k, j)  # the transpose: Aᵀ Δ
    assert matrix.to_unicode(m) == "(1/n) A^(L-1)ᵀ Δ^(L)"
    assert algebra.equal(matrix.to_index(net, m, k, j), e)


def test_row_sum_and_broadcast_roundtrip() -> None:
    net = Network()
    i, j, d = net.i, net.letter(3), sp.Dummy("d", integer=True)
    e = net.a(3)[i, j] * sp.Sum(net.y[i, d], (d, 0, net.width(3) - 1))
    m = matrix.from_index(net, e, i, j)
    assert m == matrix.Hadamard(matrix.Named("A", "L"), matrix.RowSum(matrix.Named("Y")))
    assert algebra.equal(matrix.to_index(net, m, i, j), e)


def test_errors() -> None:
    net = Network()
    i, j, k = net.i, net.letter(3), net.letter(2)
    with pytest.raises(ValueError, match="do not combine"):
        matrix.from_index(net, net.b(3)[j] * net.b(2)[k], j, k)  # an outer product
    with pytest.raises(ValueError, match="diagonal"):
        matrix.from_index(net, net.w(3)[j, j], j, None)
    with pytest.raises(ValueError, match="free indices"):
        matrix.from_index(net, net.a(3)[i, j], i, k)
    # two bound indices, each shared by three matrices: no sequence of products expresses it
    d, m_ = sp.Dummy("d", integer=True), sp.Dummy("m", integer=True)
    e = sp.Sum(
        net.a(2)[i, d] * net.w(2)[d, k] * net.w(3)[m_, d] * net.a(3)[i, m_] * net.z(3)[m_, k],
        (d, 0, net.width(2) - 1),
        (m_, 0, net.width(3) - 1),
    )
    with pytest.raises(ValueError, match="shared by 3"):
        matrix.from_index(net, e, i, k)
    with pytest.raises(ValueError):
        matrix.shape(net, matrix.MatMul(matrix.Named("W", "L"), matrix.Named("W", "L")))


# ---------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize("loss", ["mse", "cross-entropy"])
def test_numpy_agrees_with_the_index_form(loss: str) -> None:
    net = Network(widths=(5, 4, 3, 2), samples=3, loss=loss)
    rng = random.Random(7)
    inst = evaluate.random_instance(net, rng, evaluate.FLOAT)
    nprng = np.random.default_rng(7)
    for p in range(1, net.D + 1):  # δ is not part of the instance: give every δ random values
        inst.values[str(net.delta(p).label)] = {
            (s, x): float(nprng.normal()) for s in range(3) for x in range(net.widths[p])
        }  # type: ignore[index]
    arrays = matrix.arrays_from_instance(inst.values)
    for p in range(1, net.D + 1):
        for q in derive.QUANTITIES:
            for closed in (False, True):
                e = derive.gradient(net, q, p, closed=closed)
                rows, cols = free_indices(net, q, p)
                m = matrix.from_index(net, e, rows, cols)
                value = np.atleast_1d(matrix.evaluate_numpy(m, arrays))
                assert value.shape == tuple(int(s) for s in matrix.shape(net, m))  # type: ignore[union-attr]
                for idx in np.ndindex(*value.shape):
                    env = {rows: idx[0]} if cols is None else {rows: idx[0], cols: idx[1]}
                    expected = evaluate.evaluate(e, inst, env)
                    assert value[idx] == pytest.approx(float(expected), rel=1e-9, abs=1e-12), (
                        q,
                        p,
                        closed,
                        idx,
                    )


def test_numpy_column_function() -> None:
    """Ψ′(Z) of the generic layer takes the column index too; callers supply its numbers."""
    m = matrix.ElementwiseFunction(UpstreamPrime, matrix.Named("Z", "L"), column_arg=True)
    z = np.arange(6.0).reshape(3, 2)
    out = matrix.evaluate_numpy(m, {"z^(L)": z}, {UpstreamPrime: lambda x, col: x * 10 + col})
    assert (out == z * 10 + np.array([[0, 1]] * 3)).all()
