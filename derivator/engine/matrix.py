"""The matrix form of the gradients, derived from the index form and translated back.

The article states backpropagation twice: entry by entry (δ_ik^(l) = Σ_j δ_ij^(l+1) w_jk^(l+1)
σ′(z_ik^(l))) and as matrices (Δ^(l) = (Δ^(l+1) W^(l+1)) ⊙ σ′(Z^(l))).  Typing the matrix form in
would make it a second, unchecked source of truth, so it is *read off* the index form instead:
:func:`from_index` turns each term's factors into matrices and eliminates the indices (equal index
sets → Hadamard product, an index shared by two factors → matrix product, an index in one factor
only → a row or column sum).  :func:`to_index` writes a matrix expression back entry by entry,
so ``algebra.equal(to_index(from_index(e)), e)`` proves the translation for all sizes.

Conventions (samples as rows): A^(l), Z^(l), Δ^(l), Y are n × n_(l) (row i = sample); W^(l) is
n_(l) × n_(l-1); B^(l) is a vector of n_(l).  Vectors are column vectors; a vector in a Hadamard
product is broadcast over the columns (it scales each row), which is all the gradients need.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from . import algebra, derive
from .activations import ActivationFunction, ActivationPrime, float_pair
from .losses import Upstream, UpstreamPrime
from .network import Network
from .notation import base_name, parse_tag

# ---------------------------------------------------------------------------------------------
# the tree

#: matrix quantity → index-form base quantity
QUANTITY_BASE = {"A": "a", "Z": "z", "W": "w", "B": "b", "Delta": "delta", "Y": "y"}
_BASE_QUANTITY = {v: k for k, v in QUANTITY_BASE.items()}


@dataclass(frozen=True)
class Named:
    """A matrix of the network: ``Named("W", "L-1")`` is W^(L-1); Y has no tag."""

    quantity: str
    tag: str | None = None

    @property
    def key(self) -> str:
        """The index-form base name (``"w^(L-1)"``, ``"y"``): the key of arrays and instances."""
        q = QUANTITY_BASE[self.quantity]
        return q if self.tag is None else base_name(q, parse_tag(self.tag))


@dataclass(frozen=True)
class Transpose:
    arg: MatrixExpr


@dataclass(frozen=True)
class MatMul:
    """left · right; right may be a (column) vector, giving a vector."""

    left: MatrixExpr
    right: MatrixExpr


@dataclass(frozen=True)
class Hadamard:
    """Entrywise product; a vector ``right`` is broadcast over the columns of ``left``."""

    left: MatrixExpr
    right: MatrixExpr


@dataclass(frozen=True)
class Divide:
    """Entrywise quotient (from a factor with a negative power, e.g. y/a in the cross-entropy)."""

    left: MatrixExpr
    right: MatrixExpr


@dataclass(frozen=True)
class Power:
    """Entrywise integer power M^{⊙k}."""

    arg: MatrixExpr
    exponent: int


@dataclass(frozen=True)
class ElementwiseFunction:
    """``func`` applied entrywise, e.g. σ′(Z^(L)).  ``func`` is the SymPy Function class itself
    (an ActivationPrime subclass, …) so that printers and evaluators know what it is.
    ``column_arg``: the function also takes the column index (Ψ′(z_ij, j) of the generic layer)."""

    func: type
    arg: MatrixExpr
    column_arg: bool = False


@dataclass(frozen=True)
class Scale:
    """A scalar (SymPy expression without indices, e.g. 1/n) times a matrix."""

    factor: sp.Expr
    arg: MatrixExpr


@dataclass(frozen=True)
class Add:
    left: MatrixExpr
    right: MatrixExpr


@dataclass(frozen=True)
class Sub:
    left: MatrixExpr
    right: MatrixExpr


@dataclass(frozen=True)
class ColumnSum:
    """Σ over the rows (samples): an n × m matrix → a vector of m (Σ_i M_{i·})."""

    arg: MatrixExpr


@dataclass(frozen=True)
class RowSum:
    """Σ over the columns: an n × m matrix → a column vector of n (M𝟏)."""

    arg: MatrixExpr


@dataclass(frozen=True)
class Gradient:
    """The matrix of partials of the loss by the entries of a matrix of the network:
    ``∂L/∂W^(l)`` (entry (j, k) is ∂L/∂w_jk), ``∂L/∂Z^(l)`` (entry (i, k) is ∂L/∂z_ik, L the
    mean cost); ``per_sample``: ``∂L_i/∂A^(l)``, entry (i, k) is ∂L_i/∂a_ik (the loss of the
    row's own sample)."""

    wrt: Named
    per_sample: bool = False


@dataclass(frozen=True)
class Zero:
    """The zero matrix of whatever shape the context needs (∂L_i/∂a of a layer L_i skips)."""


MatrixExpr = (
    Named
    | Transpose
    | MatMul
    | Hadamard
    | Divide
    | Power
    | ElementwiseFunction
    | Scale
    | Add
    | Sub
    | ColumnSum
    | RowSum
    | Gradient
    | Zero
)


def transpose(m: MatrixExpr) -> MatrixExpr:
    """Mᵀ, simplified where that reads better: (Mᵀ)ᵀ = M, (XY)ᵀ = YᵀXᵀ, (cM)ᵀ = cMᵀ."""
    if isinstance(m, Transpose):
        return m.arg
    if isinstance(m, Zero):
        return m
    if isinstance(m, Scale):
        return Scale(m.factor, transpose(m.arg))
    if isinstance(m, MatMul) and not _is_vector_node(m.right):
        return MatMul(transpose(m.right), transpose(m.left))
    return Transpose(m)


def _is_vector_node(m: MatrixExpr) -> bool:
    """Whether m is a vector, from the tree alone (B, sums, matrix·vector)."""
    if isinstance(m, Named):
        return m.quantity == "B"
    if isinstance(m, (ColumnSum, RowSum)):
        return True
    if isinstance(m, MatMul):
        return _is_vector_node(m.right)
    if isinstance(m, (Hadamard, Divide, Add, Sub)):
        return _is_vector_node(m.left) and _is_vector_node(m.right)
    if isinstance(m, (Power, ElementwiseFunction, Scale)):
        return _is_vector_node(m.arg)
    return False


# ---------------------------------------------------------------------------------------------
# shapes


def named_shape(net: Network, m: Named) -> tuple[sp.Expr, ...]:
    if m.quantity == "Y":
        return (net.n, net.width(net.D))
    p = net.layer(m.tag or "")
    if m.quantity == "W":
        return (net.width(p), net.width(p - 1))
    if m.quantity == "B":
        return (net.width(p),)
    return (net.n, net.width(p))


def shape(net: Network, m: MatrixExpr) -> tuple[sp.Expr, ...] | None:
    """(rows, cols) of a matrix, (length,) of a vector, None for Zero (any shape).
    Raises ValueError when the dimensions do not fit, so malformed trees fail early."""
    if isinstance(m, Named):
        return named_shape(net, m)
    if isinstance(m, Gradient):
        return named_shape(net, m.wrt)
    if isinstance(m, Zero):
        return None
    if isinstance(m, Transpose):
        s = shape(net, m.arg)
        if s is not None and len(s) != 2:
            raise ValueError("only matrices are transposed here (vectors are columns)")
        return None if s is None else (s[1], s[0])
    if isinstance(m, (Power, ElementwiseFunction, Scale)):
        return shape(net, m.arg)
    if isinstance(m, ColumnSum):
        s = _matrix_shape(net, m.arg, "Σ over rows")
        return (s[1],)
    if isinstance(m, RowSum):
        s = _matrix_shape(net, m.arg, "Σ over columns")
        return (s[0],)
    left, right = shape(net, m.left), shape(net, m.right)
    if isinstance(m, MatMul):
        if left is None or right is None:
            raise ValueError("a matrix product with the zero matrix has no known shape")
        if len(left) != 2 or left[1] != right[0]:
            raise ValueError(f"matrix product of shapes {left} and {right}")
        return (left[0],) + right[1:]
    if left is None or right is None:
        return left if right is None else right
    if isinstance(m, (Hadamard, Divide)) and len(left) == 2 and len(right) == 1:
        if right[0] != left[0]:
            raise ValueError(f"cannot broadcast a vector of {right[0]} over the columns of {left}")
        return left
    if isinstance(m, (Add, Sub)) and len(left) == 2 and len(right) == 1:
        if right[0] != left[1] or right[0] == left[0]:
            raise ValueError(f"cannot add a vector of {right[0]} to every row of {left}")
        return left  # Z = A Wᵀ + b: the bias vector added to every row (every sample)
    if left != right:
        raise ValueError(f"entrywise operation on shapes {left} and {right}")
    return left


def _matrix_shape(net: Network, m: MatrixExpr, what: str) -> tuple[sp.Expr, sp.Expr]:
    s = shape(net, m)
    if s is None or len(s) != 2:
        raise ValueError(f"{what} needs a matrix")
    return s


# ---------------------------------------------------------------------------------------------
# index form → matrix form

Operand = tuple[MatrixExpr, tuple[sp.Symbol, ...]]


def from_index(net: Network, expr: sp.Expr, rows: sp.Symbol, cols: sp.Symbol | None) -> MatrixExpr:
    """The matrix form of an index expression whose free indices are ``rows`` (and ``cols``).

    The expression is first tidied (grouped and factored: (a − y) stays one factor, which becomes
    A − Y); each term is then translated by eliminating its indices."""
    expr = sp.sympify(expr, strict=True)  # never parse a string
    want = (rows,) if cols is None else (rows, cols)
    if expr == 0:
        return Zero()
    tidy = algebra.tidy(expr, lambda lim, taken: sp.Dummy("d", integer=True))
    return _sum_of_terms(net, sp.Add.make_args(tidy), want)


def _sum_of_terms(
    net: Network, terms: tuple[sp.Expr, ...], want: tuple[sp.Symbol, ...]
) -> MatrixExpr:
    """Σ of translated terms, positive terms first so that a − y prints as A − Y, not −Y + A."""
    parts: list[tuple[sp.Expr, MatrixExpr]] = []
    for t in terms:
        parts.extend(_term(net, t, want))
    parts.sort(key=lambda cm: bool(cm[0].could_extract_minus_sign()))
    out: MatrixExpr | None = None
    for c, m in parts:
        neg = bool(c.could_extract_minus_sign())
        body = _scaled(-c if (neg and out is not None) else c, m)
        if out is None:
            out = body
        else:
            out = Sub(out, body) if neg else Add(out, body)
    return out if out is not None else Zero()


def _scaled(c: sp.Expr, m: MatrixExpr) -> MatrixExpr:
    if c == 1:
        return m
    if isinstance(m, Scale):
        return _scaled(c * m.factor, m.arg)
    return Scale(c, m)


def _term(
    net: Network, term: sp.Expr, want: tuple[sp.Symbol, ...]
) -> list[tuple[sp.Expr, MatrixExpr]]:
    """(coefficient, matrix) for one term; a term whose Add factor cannot be a matrix sum (its
    addends carry different indices, e.g. 1 − a) is expanded and its pieces translated."""
    bound: dict[sp.Symbol, sp.Expr] = {}
    factors = _factors(term, bound)
    coeff = sp.Integer(1)
    operands: list[Operand] = []
    for f in factors:
        if not f.has(sp.Indexed):
            if f.free_symbols & set(bound):
                raise ValueError(f"cannot translate {f}: a bound index outside any matrix entry")
            coeff *= f
            continue
        try:
            operands.append(_operand(net, f))
        except _Mixed:
            expanded = sp.expand(
                term,
                deep=False,
                mul=True,
                multinomial=True,
                power_base=False,
                power_exp=False,
                log=False,
            )
            if expanded == term:
                raise ValueError(
                    f"cannot translate {f}: its addends carry different indices"
                ) from None
            return [cm for t in sp.Add.make_args(expanded) for cm in _term(net, t, want)]
    if not operands:
        raise ValueError(f"cannot translate {term}: no matrix in it")
    samples = {d for d, hi in bound.items() if hi == net.n - 1}
    return [(coeff, _eliminate(operands, bound, want, samples))]


def _factors(e: sp.Expr, bound: dict[sp.Symbol, sp.Expr]) -> list[sp.Expr]:
    """The factors of a term, with the sums opened (their indices recorded as bound, with the
    upper limit of their range)."""
    out: list[sp.Expr] = []
    for f in sp.Mul.make_args(e):
        if isinstance(f, sp.Sum):
            for lim in f.limits:
                if len(lim) != 3:
                    raise ValueError(f"a sum without range: {f}")
                bound[lim[0]] = lim[2]
            out.extend(_factors(f.function, bound))
        else:
            out.append(f)
    return out


class _Mixed(ValueError):
    """An Add factor whose addends have different index sets."""


def _index_tuple(e: sp.Indexed) -> tuple[sp.Symbol, ...]:
    for x in e.indices:
        if not isinstance(x, sp.Symbol):
            raise ValueError(f"cannot translate {e}: index {x} is not a plain index")
    if len(set(e.indices)) != len(e.indices):
        raise ValueError(f"cannot translate {e}: a diagonal (repeated index)")
    return tuple(e.indices)


def _indices_of(e: sp.Expr) -> set[sp.Symbol]:
    return {x for ix in e.atoms(sp.Indexed) for x in ix.indices if isinstance(x, sp.Symbol)}


def _operand(net: Network, f: sp.Expr) -> Operand:
    """One factor as a matrix with the indices it carries (in row, column order)."""
    if isinstance(f, sp.Indexed):
        ref = derive.classify(net, f)
        if ref is None or ref.quantity not in _BASE_QUANTITY:
            raise ValueError(f"cannot translate {f}: not a matrix of the network")
        tag = None if ref.layer is None else str(net.tag(ref.layer))
        return Named(_BASE_QUANTITY[ref.quantity], tag), _index_tuple(f)
    if isinstance(f, sp.Pow):
        if not f.exp.is_Integer:
            raise ValueError(f"cannot translate {f}: only integer powers are entrywise powers")
        m, ix = _operand(net, f.base)
        return Power(m, int(f.exp)), ix
    if isinstance(f, sp.Function) and f.args and f.args[0].has(sp.Indexed):
        m, ix = _operand(net, f.args[0])
        extra = f.args[1:]
        if extra == ():
            return ElementwiseFunction(type(f), m), ix
        if len(extra) == 1 and len(ix) == 2 and extra[0] == ix[1]:
            return ElementwiseFunction(type(f), m, column_arg=True), ix
        raise ValueError(f"cannot translate {f}: extra arguments other than the column index")
    if isinstance(f, sp.Add):
        sets = [frozenset(_indices_of(a)) for a in f.args]
        if len(set(sets)) != 1 or not sets[0]:
            raise _Mixed(str(f))
        ix = _order_of(f)
        return _sum_of_terms(net, f.args, ix), ix
    raise ValueError(f"cannot translate {f} ({type(f).__name__}) into a matrix")


def _order_of(e: sp.Expr) -> tuple[sp.Symbol, ...]:
    """Index order of a sum: the order of its first matrix entry (so a − y stays A − Y)."""
    for ix in sp.preorder_traversal(e):
        if isinstance(ix, sp.Indexed):
            order = tuple(x for x in ix.indices if isinstance(x, sp.Symbol))
            if set(order) == _indices_of(e):
                return order
    return tuple(sorted(_indices_of(e), key=str))


def _orient(op: Operand, order: tuple[sp.Symbol, ...]) -> MatrixExpr:
    m, ix = op
    if ix == order:
        return m
    if len(ix) == 2 and ix == order[::-1]:
        return transpose(m)
    raise AssertionError((ix, order))


def _rank(m: MatrixExpr) -> int:
    """Hadamard factors: plain matrices first, σ′(…) last (the article's (A − Y) ⊙ σ′(Z))."""
    return 1 if isinstance(m, ElementwiseFunction) else 0


def _hadamard(a: MatrixExpr, b: MatrixExpr) -> MatrixExpr:
    if isinstance(a, Power) and a.exponent < 0 and not (isinstance(b, Power) and b.exponent < 0):
        a, b = b, a
    if isinstance(b, Power) and b.exponent < 0:
        den = b.arg if b.exponent == -1 else Power(b.arg, -b.exponent)
        return Divide(a, den)
    return Hadamard(a, b)


def _eliminate(
    ops: list[Operand],
    bound: dict[sp.Symbol, sp.Expr] | set[sp.Symbol],
    want: tuple[sp.Symbol, ...],
    samples: AbstractSet[sp.Symbol] = frozenset(),
) -> MatrixExpr:
    """Eliminate indices until one operand with the free indices is left (see module doc).

    Order matters only for how the result reads: Hadamard products of equal shapes first, then
    sums and contractions, neuron indices before sample indices (the batch sum is the outer
    loop: Σ_i ((E W) ⊙ σ′)_i·, not Σ over (Eᵀσ′) ⊙ W), broadcasting of vectors last."""
    ops = list(ops)
    order = sorted(bound, key=lambda d: (d in samples, str(d)))
    while True:
        if (
            _merge_equal(ops, want)
            or _sum_single(ops, order)
            or _contract(ops, order, want)
            or _merge_subset(ops)
        ):
            continue
        break
    if order:
        holders = {d: sum(d in ix for _, ix in ops) for d in order}
        raise ValueError(
            "cannot translate: "
            + ", ".join(f"the bound index {d} is shared by {k} factors" for d, k in holders.items())
        )
    if len(ops) != 1:
        raise ValueError(
            "cannot translate: factors "
            + ", ".join(str(ix) for _, ix in ops)
            + " do not combine into one matrix (an outer product or an index shared by"
            " more than two factors)"
        )
    m, ix = ops[0]
    if set(ix) != set(want):
        raise ValueError(f"the expression has free indices {ix}, expected {want}")
    return _orient((m, ix), want)


def _merge_equal(ops: list[Operand], want: tuple[sp.Symbol, ...]) -> bool:
    for x in range(len(ops)):
        for y in range(x + 1, len(ops)):
            if set(ops[x][1]) == set(ops[y][1]) and len(ops[x][1]) == len(ops[y][1]):
                first, second = sorted((ops[x], ops[y]), key=lambda o: _rank(o[0]))
                order = (
                    want if set(first[1]) == set(want) and len(want) == len(first[1]) else first[1]
                )
                merged = _hadamard(_orient(first, order), _orient(second, order))
                ops[y : y + 1] = []
                ops[x] = (merged, order)
                return True
    return False


def _merge_subset(ops: list[Operand]) -> bool:
    """A vector whose index is one of a matrix's: broadcast it (over columns, so the matrix is
    oriented with that index as rows)."""
    for x, (mv, iv) in enumerate(ops):
        if len(iv) != 1:
            continue
        for y, (mm, im) in enumerate(ops):
            if len(im) == 2 and iv[0] in im:
                order = (iv[0], im[0] if im[1] == iv[0] else im[1])
                merged = _hadamard(_orient((mm, im), order), mv)
                ops[y] = (merged, order)
                del ops[x]
                return True
    return False


def _sum_single(ops: list[Operand], bound: list[sp.Symbol]) -> bool:
    for d in bound:
        for x, (m, ix) in enumerate(ops):
            if d in ix and sum(d in o[1] for o in ops) == 1:
                if len(ix) == 1:
                    raise ValueError("cannot translate: a sum of a vector's entries (a scalar)")
                other = ix[1] if ix[0] == d else ix[0]
                summed = ColumnSum(m) if ix[0] == d else RowSum(m)
                ops[x] = (summed, (other,))
                bound.remove(d)
                return True
    return False


def _contract(ops: list[Operand], bound: list[sp.Symbol], want: tuple[sp.Symbol, ...]) -> bool:
    for d in bound:
        holders = [x for x, o in enumerate(ops) if d in o[1]]
        if len(holders) != 2:
            continue
        (x, y) = holders
        best: tuple[int, MatrixExpr, tuple[sp.Symbol, ...]] | None = None
        for left, right in ((ops[x], ops[y]), (ops[y], ops[x])):
            product = _matmul(left, right, d, want)
            if product is not None and (best is None or product[0] < best[0]):
                best = product
        if best is None:
            continue  # two vectors: their dot product is a scalar, which is not translated
        ops[y : y + 1] = []
        ops[x] = (best[1], best[2])
        bound.remove(d)
        return True
    return False


def _matmul(
    left: Operand, right: Operand, d: sp.Symbol, want: tuple[sp.Symbol, ...]
) -> tuple[int, MatrixExpr, tuple[sp.Symbol, ...]] | None:
    """left·right contracting d, with its cost (transposes needed now and later), or None when
    left is a vector (vectors are columns: only matrix·vector exists)."""
    (_, il), (mr, ir) = left, right
    if len(il) != 2:
        return None
    lo = il[0] if il[1] == d else il[1]
    cost = int(il[1] != d)
    lm = _orient(left, (lo, d))
    if len(ir) == 1:
        return cost, MatMul(lm, mr), (lo,)
    ro = ir[1] if ir[0] == d else ir[0]
    cost += int(ir[0] != d)
    if len(want) == 2 and (lo == want[1] or ro == want[0]):
        cost += 1
    return cost, MatMul(lm, _orient(right, (d, ro))), (lo, ro)


# ---------------------------------------------------------------------------------------------
# matrix form → index form


def to_index(net: Network, m: MatrixExpr, rows: sp.Expr, cols: sp.Expr | None) -> sp.Expr:
    """Entry (rows, cols) of m as an index expression (contracted indices are fresh dummies)."""
    shape(net, m)  # fail early on a malformed tree
    return _entry(net, m, (rows,) if cols is None else (rows, cols))


def _entry(net: Network, m: MatrixExpr, ix: tuple[sp.Expr, ...]) -> sp.Expr:
    if isinstance(m, Named):
        if m.quantity == "Y":
            return net.y[ix]
        return net.base(QUANTITY_BASE[m.quantity], net.layer(m.tag or ""))[ix]
    if isinstance(m, Zero):
        return sp.Integer(0)
    if isinstance(m, Gradient):
        of = net.Li[ix[0]] if m.per_sample else net.L
        return derive.Partial(of, _entry(net, m.wrt, ix))
    if isinstance(m, Transpose):
        return _entry(net, m.arg, ix[::-1])
    if isinstance(m, Scale):
        return m.factor * _entry(net, m.arg, ix)
    if isinstance(m, Power):
        return _entry(net, m.arg, ix) ** m.exponent
    if isinstance(m, ElementwiseFunction):
        inner = _entry(net, m.arg, ix)
        return m.func(inner, ix[-1]) if m.column_arg else m.func(inner)
    if isinstance(m, ColumnSum):
        d = sp.Dummy("d", integer=True)
        rows = _matrix_shape(net, m.arg, "Σ over rows")[0]
        return sp.Sum(_entry(net, m.arg, (d, ix[0])), (d, 0, rows - 1))
    if isinstance(m, RowSum):
        d = sp.Dummy("d", integer=True)
        cols = _matrix_shape(net, m.arg, "Σ over columns")[1]
        return sp.Sum(_entry(net, m.arg, (ix[0], d)), (d, 0, cols - 1))
    if isinstance(m, MatMul):
        d = sp.Dummy("d", integer=True)
        inner = _matrix_shape(net, m.left, "a matrix product")[1]
        return sp.Sum(
            _entry(net, m.left, (ix[0], d)) * _entry(net, m.right, (d,) + ix[1:]), (d, 0, inner - 1)
        )
    left = _entry(net, m.left, ix)
    rshape = shape(net, m.right)
    short = rshape is not None and len(rshape) < len(ix)
    # a vector beside a matrix: over the columns in ⊙ and ⊘ (it scales each row), along each
    # row in + and − (b added to every sample's row)
    right = _entry(net, m.right, (ix[1:] if isinstance(m, (Add, Sub)) else ix[:1]) if short else ix)
    if isinstance(m, Hadamard):
        return left * right
    if isinstance(m, Divide):
        return left / right
    if isinstance(m, Add):
        return left + right
    if isinstance(m, Sub):
        return left - right
    raise TypeError(f"not a matrix expression: {m!r}")


# ---------------------------------------------------------------------------------------------
# printing

_ADD, _HADAMARD, _SCALE, _MATMUL, _SUM, _ATOM = 10, 20, 25, 30, 35, 40


def _prec(m: MatrixExpr) -> int:
    if isinstance(m, (Add, Sub)):
        return _ADD
    if isinstance(m, (Hadamard, Divide)):
        return _HADAMARD
    if isinstance(m, Scale):
        return _SCALE
    if isinstance(m, (MatMul, RowSum)):
        return _MATMUL
    if isinstance(m, ColumnSum):
        return _SUM
    return _ATOM


@dataclass(frozen=True)
class _Style:
    """The symbols of one output format; the structure of printing is shared."""

    names: dict[str, str]
    tag: Callable[[str, str], str]
    transpose: Callable[[str, bool], str]
    hadamard: str
    divide: str
    power: Callable[[str, int], str]
    func: Callable[[type], str]
    scale: Callable[[sp.Expr], str]
    minus: str
    column_sum: Callable[[str, bool], str]
    row_sum: Callable[[str], str]
    lparen: str
    rparen: str
    plus: str


def _func_name_latex(f: type) -> str:
    if issubclass(f, ActivationPrime):
        return r"\sigma'"
    if issubclass(f, ActivationFunction):
        return r"\sigma"
    if issubclass(f, UpstreamPrime):
        return r"\Psi'"
    if issubclass(f, Upstream):
        return r"\Psi"
    if f is sp.exp:
        return r"\exp"
    if f is sp.log:
        return r"\ln"
    return rf"\operatorname{{{f.__name__}}}"


def _func_name_unicode(f: type) -> str:
    if issubclass(f, ActivationPrime):
        return "σ′"
    if issubclass(f, ActivationFunction):
        return "σ"
    if issubclass(f, UpstreamPrime):
        return "Ψ′"
    if issubclass(f, Upstream):
        return "Ψ"
    return {sp.exp: "exp", sp.log: "ln"}.get(f, f.__name__)


def _scale_latex(c: sp.Expr) -> str:
    num, den = sp.fraction(sp.together(c))
    if den == 1:
        return sp.latex(num)
    return rf"\frac{{{sp.latex(num)}}}{{{sp.latex(den)}}}"


def _scale_unicode(c: sp.Expr) -> str:
    num, den = sp.fraction(sp.together(c))
    if den == 1:
        return str(num) if num.is_Atom else f"({num})"
    return f"({num}/{den})"


_LATEX = _Style(
    names={"A": "A", "Z": "Z", "W": "W", "B": "B", "Delta": r"\Delta", "Y": "Y"},
    tag=lambda name, tag: f"{name}^{{({tag})}}",
    transpose=lambda s, tagged: (s[:-1] + r"\top}") if tagged else f"{s}^{{\\top}}",
    hadamard=r" \odot ",
    divide=r" \oslash ",
    power=lambda s, k: f"{s}^{{\\odot {k}}}",
    func=_func_name_latex,
    scale=_scale_latex,
    minus="-",
    column_sum=lambda s, tagged: rf"\sum_i {s}_{{i\cdot}}",
    row_sum=lambda s: rf"{s}\mathbf{{1}}",
    lparen=r"\left(",
    rparen=r"\right)",
    plus=" + ",
)

_UNICODE = _Style(
    names={"A": "A", "Z": "Z", "W": "W", "B": "B", "Delta": "Δ", "Y": "Y"},
    tag=lambda name, tag: f"{name}^({tag})",
    transpose=lambda s, tagged: s + "ᵀ",
    hadamard=" ⊙ ",
    divide=" ⊘ ",
    power=lambda s, k: f"{s}^⊙{k}",
    func=_func_name_unicode,
    scale=_scale_unicode,
    minus="−",
    column_sum=lambda s, tagged: f"Σᵢ {s}_i·",
    row_sum=lambda s: f"{s}𝟏",
    lparen="(",
    rparen=")",
    plus=" + ",
)


def _print(m: MatrixExpr, st: _Style) -> str:
    def wrap(child: MatrixExpr, need: int) -> str:
        s = _print(child, st)
        return f"{st.lparen}{s}{st.rparen}" if _prec(child) < need else s

    if isinstance(m, Named):
        name = st.names[m.quantity]
        return name if m.tag is None else st.tag(name, m.tag)
    if isinstance(m, Zero):
        return "0"
    if isinstance(m, Transpose):
        tagged = isinstance(m.arg, Named) and m.arg.tag is not None
        return st.transpose(wrap(m.arg, _ATOM), tagged)
    if isinstance(m, Power):
        return st.power(wrap(m.arg, _ATOM), m.exponent)
    if isinstance(m, ElementwiseFunction):
        return f"{st.func(m.func)}({_print(m.arg, st)})"
    if isinstance(m, ColumnSum):
        return st.column_sum(wrap(m.arg, _ATOM), isinstance(m.arg, Named))
    if isinstance(m, RowSum):
        return st.row_sum(wrap(m.arg, _MATMUL))
    if isinstance(m, Scale):
        c = m.factor
        if c == -1:
            return st.minus + wrap(m.arg, _MATMUL)
        if c.could_extract_minus_sign():
            return st.minus + st.scale(-c) + " " + wrap(m.arg, _MATMUL)
        return st.scale(c) + " " + wrap(m.arg, _MATMUL)
    if isinstance(m, MatMul):
        return f"{wrap(m.left, _MATMUL)} {wrap(m.right, _MATMUL + 1)}"
    if isinstance(m, Hadamard):
        # products inside ⊙ get parentheses: readers differ on whether ⊙ or juxtaposition binds first
        left_need = _HADAMARD if isinstance(m.left, Hadamard) else _SUM  # a ⊙ b ⊙ c: associative
        return f"{wrap(m.left, left_need)}{st.hadamard}{wrap(m.right, _SUM)}"
    if isinstance(m, Divide):
        return f"{wrap(m.left, _SUM)}{st.divide}{wrap(m.right, _SUM)}"
    if isinstance(m, Add):
        return f"{_print(m.left, st)}{st.plus}{wrap(m.right, _ADD)}"
    if isinstance(m, Sub):
        return f"{_print(m.left, st)} {st.minus} {wrap(m.right, _ADD + 1)}"
    raise TypeError(f"not a matrix expression: {m!r}")


def to_latex(m: MatrixExpr) -> str:
    """LaTeX of a matrix expression: ``\\left(\\Delta^{(L)} W^{(L)}\\right) \\odot \\sigma'(Z^{(L-1)})``."""
    return _print(m, _LATEX)


def to_unicode(m: MatrixExpr) -> str:
    """Plain-text form: ``(Δ^(L) W^(L)) ⊙ σ′(Z^(L-1))``."""
    return _print(m, _UNICODE)


# ---------------------------------------------------------------------------------------------
# numbers


def _numeric_function(
    f: type, functions: dict[type, Callable[..., Any]] | None
) -> Callable[..., Any]:
    if functions and f in functions:
        return functions[f]
    if issubclass(f, ActivationPrime):
        return np.vectorize(float_pair(f.activation)[1], otypes=[float])
    if issubclass(f, ActivationFunction):
        return np.vectorize(float_pair(f.activation)[0], otypes=[float])
    if f is sp.exp:
        return np.exp
    if f is sp.log:
        return np.log
    raise ValueError(f"no numeric value for the function {f.__name__}: pass it in ``functions``")


def evaluate_numpy(
    m: MatrixExpr,
    arrays: dict[str, np.ndarray],
    functions: dict[type, Callable[..., Any]] | None = None,
) -> Any:
    """The value of m with NumPy; ``arrays`` maps :attr:`Named.key` (``"w^(L)"``, ``"y"``) to
    arrays (matrices 2-D, B 1-D).  Functions with a column argument get (Z, column indices)."""
    if isinstance(m, Named):
        try:
            return np.asarray(arrays[m.key], dtype=float)
        except KeyError:
            raise ValueError(f"no array for {m.key}") from None
    if isinstance(m, Zero):
        return 0.0
    if isinstance(m, Transpose):
        return evaluate_numpy(m.arg, arrays, functions).T
    if isinstance(m, Scale):
        return float(m.factor) * evaluate_numpy(m.arg, arrays, functions)
    if isinstance(m, Power):
        return evaluate_numpy(m.arg, arrays, functions) ** m.exponent
    if isinstance(m, ElementwiseFunction):
        x = evaluate_numpy(m.arg, arrays, functions)
        f = _numeric_function(m.func, functions)
        return f(x, np.broadcast_to(np.arange(x.shape[-1]), x.shape)) if m.column_arg else f(x)
    if isinstance(m, ColumnSum):
        return evaluate_numpy(m.arg, arrays, functions).sum(axis=0)
    if isinstance(m, RowSum):
        return evaluate_numpy(m.arg, arrays, functions).sum(axis=1)
    if isinstance(m, Gradient):  # read from a document, never printed as code
        raise ValueError(f"∂L/∂{m.wrt.key} has no NumPy value of its own")
    left = evaluate_numpy(m.left, arrays, functions)
    right = evaluate_numpy(m.right, arrays, functions)
    if isinstance(m, MatMul):
        return left @ right
    if isinstance(m, (Hadamard, Divide)) and np.ndim(left) == 2 and np.ndim(right) == 1:
        right = right[:, None]
    if isinstance(m, Hadamard):
        return left * right
    if isinstance(m, Divide):
        return left / right
    if isinstance(m, Add):
        return left + right
    if isinstance(m, Sub):
        return left - right
    raise TypeError(f"not a matrix expression: {m!r}")


def arrays_from_instance(values: dict[str, dict[tuple[int, ...], Any]]) -> dict[str, np.ndarray]:
    """``evaluate.Instance.values`` (dicts keyed by index tuples) as NumPy arrays by base name."""
    out: dict[str, np.ndarray] = {}
    for name, table in values.items():
        if not table or name.startswith("__"):
            continue
        keys = list(table)
        if not all(keys):  # () keys a scalar
            continue
        dims = tuple(max(k[a] for k in keys) + 1 for a in range(len(keys[0])))
        arr = np.zeros(dims)
        for k, v in table.items():
            arr[k] = float(v)
        out[name] = arr
    return out
