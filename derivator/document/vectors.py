"""Vector and matrix forms of one example → index form (notation.md, "Conventions of other authors").

``\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)`` is, entry by entry,
``δ^l_ρ = Σ_ν w^{l+1}_{νρ} δ^{l+1}_ν σ′(z^l_ρ)``: that entrywise reading *is* the definition of the
vector notation (a vector's ρ-th entry, a matrix product's sum over the shared index, ⊙ entry by
entry, ᵀ swapping the indices, ‖v‖² the sum of squared entries).  So a vector relation is rewritten
into its index form with a free index ρ (and κ for matrices) on both sides, and the index form is
what the prover decides: a vector form is proved exactly when every entry is.  Shapes are checked on
the way; a product whose shapes do not fit is an error, never a guess.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

from . import parse
from .parse import walk

#: one example's vectors when written without a subscript in a general network
VECTORS = {"a", "z", "b", "delta", "y"}
ROW, SCALAR, VECTOR, MATRIX = -1, 0, 1, 2
FREE = ("ρ", "κ")
_NAMES = {ROW: "a row vector", SCALAR: "a number", VECTOR: "a column vector", MATRIX: "a matrix"}
#: what a reader who meant numbers, not vectors, needs to know
SINGLE = " (with one neuron per layer, state network=single)"
#: the sample of the loss in Ng's ``dZ^{[l]}``: the example of the entry's column (``∂L_κ/∂z_{κρ}``)
COLUMN = "·"
#: a batch's matrices with the examples as columns (Ng): entry (ρ, κ) is neuron ρ of example κ
BATCH = {"A", "Z", "Y"}
#: the matrices of a batch with a row per sample (the notation's own layout)
ROW_BATCH = {"A", "Z", "Delta"}
#: the layout of the relation being rewritten (set by :func:`index_form`): ``columns``, the
#: examples as a batch's columns; ``denominator``, a Jacobian across layers with a row per entry
#: of its denominator; ``across``, set when the relation holds such a Jacobian
_LAYOUT = {"columns": False, "denominator": False, "across": False}


Unreadable = parse.ReadError  # a construct that cannot be read, with where it stands


def _is_vector(n: object) -> bool:
    return (
        isinstance(n, parse.Var)
        and not n.sub
        and (
            (n.name in VECTORS and (n.tag is not None or n.name == "y"))
            or (n.name in ("w", "W") and n.tag is not None)
        )
    )


def _is_batch(n: object) -> bool:
    return (
        _LAYOUT["columns"]
        and isinstance(n, parse.Var)
        and n.name in BATCH
        and not n.sub
        and n.sample is None
        and (n.tag is not None or n.name == "Y")
    )


def is_batch(lhs: parse.Node, rhs: parse.Node) -> bool:
    """Does the relation name a batch's matrix A, Z, Y (examples as columns) or Ng's dZ?"""
    return any(
        (isinstance(n, parse.Var) and n.name in BATCH and not n.sub and n.sample is None)
        or (isinstance(n, parse.Var) and n.sample == COLUMN)
        for side in (lhs, rhs)
        for n in walk(side)
    )


def is_vector_relation(lhs: parse.Node, rhs: parse.Node) -> bool:
    """Does the relation name a vector of one example (a^l, δ^l, y; not only the matrix W, which
    with A, Z, Δ is a matrix form of a batch), a weight matrix w^l, or a norm?"""
    nodes = [n for side in (lhs, rhs) for n in walk(side)]
    if any(
        isinstance(n, parse.Var) and n.name in ROW_BATCH and n.tag is not None and not n.sub
        for n in nodes
    ):
        return False  # A, Z, Δ with a row per sample: a batch's matrix relation (interpret)
    return any((_is_vector(n) and n.name != "W") or isinstance(n, parse.Norm) for n in nodes)


def delta_as_vector(lhs: parse.Node, rhs: parse.Node) -> tuple[parse.Node, parse.Node]:
    r"""``\Delta^{(l)}`` beside one example's vectors (``\Delta^{(L)} = (a^{(L)} - y) \odot
    \sigma'(z^{(L)})``) is that example's vector δ^{(l)}: a batch's matrix can be neither equated
    with nor added to a vector, so the relation itself says which Δ it means.  Beside a batch's
    A, Z or Y, beside only parameters (∂L/∂b^{(l)} = Σ_i Δ^{(l)}), or alone, Δ stays the matrix."""
    nodes = [n for side in (lhs, rhs) for n in walk(side)]
    deltas = any(
        isinstance(n, parse.Var) and n.name == "Delta" and n.tag is not None and not n.sub
        for n in nodes
    )
    if not deltas or any(
        isinstance(n, parse.Var) and n.name in ("A", "Z", "Y") and not n.sub for n in nodes
    ):
        return lhs, rhs
    if not any(_is_vector(n) and n.name in ("a", "z", "y", "delta") for n in nodes):
        return lhs, rhs

    def lower(n: parse.Node) -> parse.Node:
        if isinstance(n, parse.Var) and n.name == "Delta" and n.tag is not None and not n.sub:
            return replace(n, name="delta")
        return parse.map_children(n, lower)

    return lower(lhs), lower(rhs)


def index_form(
    lhs: parse.Node, rhs: parse.Node, columns: bool = False, denominator: bool = False
) -> tuple[parse.Node, parse.Node]:
    """Both sides entry by entry, with the same free indices; ``columns``: A, Z, Y are a batch's
    matrices with the examples as columns (Ng), and a column vector added to them is broadcast
    over the columns (``Z = W A + b``); ``denominator``: a Jacobian across layers is read with a
    row per entry of its denominator (see :func:`_jacobian`)."""
    _SHAPES.clear()
    _LAYOUT["columns"] = columns
    _LAYOUT["denominator"] = denominator
    _LAYOUT["across"] = False
    try:
        return _index_form(lhs, rhs)
    finally:
        _LAYOUT["columns"] = False
        _LAYOUT["denominator"] = False


def across_layers() -> bool:
    """Did the last :func:`index_form` read a Jacobian of two layers' vectors?"""
    return _LAYOUT["across"]


def forget_layout() -> None:
    """Forget what the last :func:`index_form` read: a relation that is never put in index form
    (written entry by entry) must not inherit the flag of an earlier relation, of this document
    or of another one checked before it in the same process."""
    _LAYOUT["across"] = False


def _index_form(lhs: parse.Node, rhs: parse.Node) -> tuple[parse.Node, parse.Node]:
    left, right = shape(lhs), shape(rhs)
    shapes = {left, right}
    if len(shapes) > 1:
        raise Unreadable(
            f"the two sides have different shapes: the left is {_NAMES[left]}, the right {_NAMES[right]}"
            + SINGLE,
            lhs_pos(lhs),
        )
    s = shapes.pop()
    idx = {SCALAR: (), VECTOR: FREE[:1], ROW: FREE[:1], MATRIX: FREE}[s]
    fresh = iter(f"ν{k}" for k in range(1, 1000))
    try:
        return _ix(lhs, idx, fresh), _ix(rhs, idx, fresh)
    finally:
        _SHAPES.clear()


def lhs_pos(n: parse.Node) -> int:
    return getattr(n, "pos", 0)


def elementwise(n: parse.Mul) -> parse.Mul:
    """Juxtaposed column vectors, ``dz * g'(z)`` (Ng writes * for the entrywise product): a
    column vector times a column vector has no matrix meaning, so the product splits there into
    entrywise factors, each a matrix product of its own.  Between a batch's matrices the ``*``
    itself says so (``dA * g'(Z)``): a written ``*`` between non-scalars splits the product too."""
    if n.hadamard:
        return n
    groups: list[list[parse.Node]] = [[]]
    for k, f in enumerate(n.factors):
        if (
            groups[-1]
            and shape(f) != SCALAR
            and (
                (k in n.stars and _product(parse.Mul(groups[-1], n.pos))[0] != SCALAR)
                or (shape(f) == VECTOR and _product(parse.Mul(groups[-1], n.pos))[0] == VECTOR)
            )
        ):
            groups.append([])
        groups[-1].append(f)
    if len(groups) == 1:
        return n
    return parse.Mul([g[0] if len(g) == 1 else parse.Mul(g, n.pos) for g in groups], n.pos, True)


#: shapes already found, by node (the node is kept, so that its id cannot be reused meanwhile):
#: without it, nested products would be measured again at every level, exponentially in depth
_SHAPES: dict[int, tuple[parse.Node, int]] = {}


def shape(n: parse.Node) -> int:
    hit = _SHAPES.get(id(n))
    if hit is not None and hit[0] is n:
        return hit[1]
    s = _shape(n)
    _SHAPES[id(n)] = (n, s)
    return s


def _shape(n: parse.Node) -> int:
    if isinstance(n, parse.Var):
        if n.name.startswith("\\hat{"):  # no role: read as a number, it would be a shape error
            raise Unreadable(parse.undefined_output(n.name), n.pos)
        if _is_vector(n):
            return MATRIX if n.name in ("w", "W") else VECTOR
        return MATRIX if _is_batch(n) else SCALAR
    if isinstance(n, (parse.Group,)):
        return shape(n.body)
    if isinstance(n, parse.Neg):
        return shape(n.arg)
    if isinstance(n, parse.Transpose):
        return {VECTOR: ROW, ROW: VECTOR}.get(shape(n.arg), shape(n.arg))
    if isinstance(n, parse.Mul) and not n.hadamard and elementwise(n).hadamard:
        return shape(elementwise(n))
    if isinstance(n, parse.Add) or (isinstance(n, parse.Mul) and n.hadamard):
        parts = n.terms if isinstance(n, parse.Add) else n.factors
        found = {shape(t) for t in parts}
        if isinstance(n, parse.Mul):
            found -= {SCALAR} if len(found) > 1 else set()
        elif _LAYOUT["columns"] and found == {MATRIX, VECTOR}:
            found = {MATRIX}  # Z = W A + b: the column b is added to every column
        if len(found) > 1:
            raise Unreadable(
                "terms of different shapes (vectors, matrices, numbers) are combined" + SINGLE,
                _odd_one_out(parts, found, n.pos),
            )
        return found.pop()
    if isinstance(n, parse.Mul):
        return _product(n)[0]
    if isinstance(n, parse.Div):
        if shape(n.den) != SCALAR:
            raise Unreadable("division by a vector", n.pos)
        return shape(n.num)
    if isinstance(n, parse.Entry):
        inner = shape(n.body)
        if {VECTOR: 1, ROW: 1, MATRIX: 2}.get(inner) != len(n.sub):
            raise Unreadable(
                f"(…)_{{{''.join(x.name or '' for x in n.sub)}}}: the bracket holds "
                f"{_NAMES[inner]}; an entry takes one index of a vector, (…)_k, or two of a "
                "matrix, (…)_{jk}",
                n.pos,
            )
        return SCALAR
    if isinstance(n, parse.Call) and n.func == "diag":
        if len(n.args) != 1 or shape(n.args[0]) != VECTOR:
            raise Unreadable("diag(…) takes one column vector: diag(σ′(z^{(l)}))", n.pos)
        return MATRIX
    if isinstance(n, parse.Call):
        return shape(n.args[0]) if n.args else SCALAR
    if isinstance(n, parse.Partial):
        if _jacobian(n):
            return MATRIX
        return shape(n.den)
    if isinstance(n, parse.SumNode):
        return shape(n.body)
    if isinstance(n, parse.Pow):
        if shape(n.base) != SCALAR and not isinstance(n.base, parse.Norm):
            raise Unreadable("a power of a vector: write ‖v‖² or an entry v_j" + SINGLE, n.pos)
        return SCALAR
    return SCALAR


def _jacobian(n: parse.Partial) -> bool:
    """∂u/∂v of a column vector u by a column vector v (∂a^{(l)}/∂z^{(l)}, ∂z^{(l)}/∂a^{(l-1)}):
    the Jacobian matrix.  Within one layer it is symmetric (diagonal under an elementwise
    activation, a_ρ([ρ = κ] − a_κ) under the softmax), so that the two layouts authors use, a
    row per entry of u (the Jacobian) or of v (its transpose, as in the chain
    ∂C/∂a^{(L-1)} = ∂z^{(L)}/∂a^{(L-1)} · ∂a^{(L)}/∂z^{(L)} · ∂C/∂a^{(L)}), read alike.  Across
    layers (∂z^{(l)}/∂a^{(l-1)} is W in the first layout, Wᵀ in the second) the two differ in
    shape: the layer of u and the layer of v are different ranges, so at most one layout gives
    every index letter one range; the reader tries the Jacobian's own layout first and the
    other only where the first puts a letter in two ranges (check.decide)."""
    return (
        isinstance(n.num, parse.Var)
        and isinstance(n.den, parse.Var)
        and n.num.tag is not None
        and (n.num.tag == n.den.tag or (n.num.name in ("a", "z") and n.den.name in ("a", "z")))
        and n.den.tag is not None
        and shape(n.num) == VECTOR
        and shape(n.den) == VECTOR
    )


def _odd_one_out(parts: list[parse.Node], found: set[int], where: int) -> int:
    """Where the first term whose shape differs from the first term's stands (the caret goes
    under the term that does not fit, not under the start of the sum)."""
    shaped = [t for t in parts if shape(t) in found]
    odd = next((t for t in shaped if shape(t) != shape(shaped[0])), None)
    pos = getattr(odd, "pos", None)
    return pos if isinstance(pos, int) else where


def _product(n: parse.Mul) -> tuple[int, list[tuple[parse.Node, int]]]:
    """The shape of a matrix product and its non-scalar factors with their shapes."""
    items = [(f, shape(f)) for f in n.factors]
    mats = [(f, s) for f, s in items if s != SCALAR]
    if not mats:
        return SCALAR, mats
    for (_, s), (g, t) in itertools.pairwise(mats):
        if (
            (s in (VECTOR,) and t in (VECTOR, MATRIX))
            or (s == ROW and t == ROW)
            or (s == MATRIX and t == ROW)
        ):
            raise Unreadable(
                "a product of a vector and a matrix whose shapes do not fit",
                getattr(g, "pos", n.pos),
            )
    first, last = mats[0][1], mats[-1][1]
    rows = first in (VECTOR, MATRIX)
    cols = last in (ROW, MATRIX)
    return {
        (True, True): MATRIX,
        (True, False): VECTOR,
        (False, True): ROW,
        (False, False): SCALAR,
    }[(rows, cols)], mats


def _ix(n: parse.Node, idx: tuple[str, ...], fresh: Iterator[str]) -> parse.Node:
    """The entry ``idx`` of n (``()`` for a number, ``(r,)`` for a vector or row, ``(r, c)``);
    ``fresh`` gives the letters of the sums a product or a norm adds."""
    if isinstance(n, parse.Var):
        return _ix_var(n, idx)
    if isinstance(n, parse.Group):
        return replace(n, body=_ix(n.body, idx, fresh))
    if isinstance(n, parse.Neg):
        return replace(n, arg=_ix(n.arg, idx, fresh))
    if isinstance(n, parse.Transpose):
        inner = shape(n.arg)
        return _ix(n.arg, idx[::-1] if inner == MATRIX else idx, fresh)
    if isinstance(n, parse.Add):
        return replace(
            n,
            terms=[
                _ix(t, idx[:1] if len(idx) == 2 and shape(t) == VECTOR else idx, fresh)
                for t in n.terms
            ],
        )
    if isinstance(n, parse.Mul):
        return _ix_product(elementwise(n), idx, fresh)
    if isinstance(n, parse.Div):
        return replace(n, num=_ix(n.num, idx, fresh), den=_ix(n.den, (), fresh))
    if isinstance(n, parse.Entry):  # (W^T δ)_k: the bracket's index form at k
        return _ix(n.body, tuple(x.name or "" for x in n.sub), fresh)
    if isinstance(n, parse.Call):
        return _ix_call(n, idx, fresh)
    if isinstance(n, parse.Partial):
        return _ix_partial(n, idx, fresh)
    if isinstance(n, parse.SumNode):
        return replace(n, body=_ix(n.body, idx, fresh))
    if isinstance(n, parse.Pow):
        return _ix_power(n, fresh)
    if isinstance(n, parse.Norm):
        value = _number(n.arg)
        if value is not None:  # ‖0.01 − 0.75‖: the absolute value of a number
            return parse.Group(n.arg if value >= 0 else parse.Neg(n.arg, n.pos), "(", n.pos)
        raise Unreadable("only the squared norm ‖v‖² is read", n.pos)
    return n


def _number(n: parse.Node) -> Fraction | None:
    """The exact value of an expression written only with decimals, + − · / and brackets."""
    if isinstance(n, parse.Num):
        return Fraction(n.text)
    if isinstance(n, parse.Group):
        return _number(n.body)
    if isinstance(n, parse.Neg):
        x = _number(n.arg)
        return None if x is None else -x
    if isinstance(n, parse.Add):
        total = Fraction(0)
        for t in n.terms:
            x = _number(t)
            if x is None:
                return None
            total += x
        return total
    if isinstance(n, parse.Mul) and not n.hadamard:
        out = Fraction(1)
        for f in n.factors:
            x = _number(f)
            if x is None:
                return None
            out *= x
        return out
    return None


def _ix_var(n: parse.Var, idx: tuple[str, ...]) -> parse.Node:
    """A batch's matrix at (neuron, example), a vector or matrix at its entry; a scalar as is."""
    if _is_batch(n):  # entry (ρ, κ): neuron ρ of example κ
        return replace(
            n,
            name=n.name.lower(),
            sub=[parse.Index(x, None, n.pos) for x in idx[::-1]],
            sub_raw=",".join(idx[::-1]),
        )
    if not _is_vector(n):
        return n
    sample = [parse.Index(n.sample, None, n.pos)] if n.sample else []
    return replace(
        n,
        name="w" if n.name == "W" else n.name,
        sample=None,
        sub=sample + [parse.Index(x, None, n.pos) for x in idx],
        sub_raw=",".join(idx),
    )


def _ix_product(n: parse.Mul, idx: tuple[str, ...], fresh: Iterator[str]) -> parse.Node:
    """An entrywise product: every non-scalar factor at the same entry; else a matrix product."""
    if n.hadamard:
        return parse.Mul(
            [_ix(f, idx if shape(f) != SCALAR else (), fresh) for f in n.factors], n.pos
        )
    return _matmul(n, idx, fresh)


def _ix_call(n: parse.Call, idx: tuple[str, ...], fresh: Iterator[str]) -> parse.Node:
    """diag(v) at (ρ, κ) is v_ρ [ρ = κ] (the diagonal matrix's definition); a function applied
    entry by entry is applied to the entry."""
    if n.func == "diag":
        row, col = idx
        kronecker = parse.Var(
            "delta",
            [parse.Index(row, None, n.pos), parse.Index(col, None, n.pos)],
            None,
            0,
            n.pos,
            f"{row},{col}",
        )
        return parse.Mul([_ix(n.args[0], (row,), fresh), kronecker], n.pos)
    return replace(n, args=[_ix(a, idx, fresh) for a in n.args])


def _ix_partial(n: parse.Partial, idx: tuple[str, ...], fresh: Iterator[str]) -> parse.Node:
    """The Jacobian of a vector by a vector at (ρ, κ) is ∂u_ρ/∂v_κ (a row per entry of the
    numerator: the Jacobian's definition; across layers, in the other layout, ∂u_κ/∂v_ρ); a
    gradient's entry is the partial by that entry."""
    if _jacobian(n):
        if n.num.tag != n.den.tag:  # type: ignore[union-attr]
            _LAYOUT["across"] = True
            if _LAYOUT["denominator"]:
                idx = idx[::-1]
        return replace(n, num=_ix(n.num, idx[:1], fresh), den=_ix(n.den, idx[1:], fresh))
    num = n.num
    if isinstance(num, parse.Var) and num.sample == COLUMN:
        # Ng's dZ: the loss of the column's example
        num = replace(num, sub=[parse.Index(idx[-1], None, num.pos)], sub_raw=idx[-1], sample=None)
    return replace(n, num=_ix(num, (), fresh), den=_ix(n.den, idx, fresh))


def _ix_power(n: parse.Pow, fresh: Iterator[str]) -> parse.Node:
    """A power of numbers; the squared norm ‖v‖² is Σ_ν (v_ν)²."""
    if isinstance(n.base, parse.Norm) and _number(n.base.arg) is not None:
        # ‖0.01 − 0.75‖²: the square of a number
        return replace(n, base=parse.Group(n.base.arg, "(", n.pos), exp=_ix(n.exp, (), fresh))
    if isinstance(n.base, parse.Norm):
        if not (isinstance(n.exp, parse.Num) and n.exp.text == "2"):
            raise Unreadable("only the squared norm ‖v‖² is read", n.pos)
        d = next(fresh)
        return parse.SumNode(
            d,
            None,
            None,
            parse.Pow(parse.Group(_ix(n.base.arg, (d,), fresh), "(", n.pos), n.exp, n.pos),
            n.pos,
        )
    return replace(n, base=_ix(n.base, (), fresh), exp=_ix(n.exp, (), fresh))


def _matmul(n: parse.Mul, idx: tuple[str, ...], fresh: Iterator[str]) -> parse.Node:
    """X₁X₂…: neighbours share a summed index where a column meets a row (matrix·vector,
    row·vector, matrix·matrix); a vector followed by a row is their outer product."""
    result, mats = _product(n)
    ends = dict(zip({MATRIX: "rc", VECTOR: "r", ROW: "c", SCALAR: ""}[result], idx))
    rows: list[str | None] = []
    cols: list[str | None] = []
    for k, (_, s) in enumerate(mats):
        rows.append(None if s == ROW else (ends["r"] if k == 0 else None))
        cols.append(None if s == VECTOR else (ends.get("c") if k == len(mats) - 1 else None))
    bound: list[str] = []
    for k in range(len(mats) - 1):
        if cols[k] is None and mats[k][1] != VECTOR:
            d = next(fresh)
            cols[k] = d
            rows[k + 1] = d
            bound.append(d)
    if result in (ROW, MATRIX) and mats[-1][1] in (ROW, MATRIX):
        cols[-1] = ends["c"]
    # a vector followed by a row (outer product): the row takes the column index of the result
    for k in range(len(mats) - 1):
        if mats[k][1] == VECTOR and mats[k + 1][1] == ROW and cols[k + 1] is None:
            cols[k + 1] = ends.get("c")
    entries = {
        id(f): tuple(x for x in ((rows[k], cols[k]) if s != ROW else (cols[k],)) if x is not None)
        for k, (f, s) in enumerate(mats)
    }
    factors = [
        _ix(f, entries[id(f)], fresh) if id(f) in entries else _ix(f, (), fresh) for f in n.factors
    ]
    body: parse.Node = parse.Mul(factors, n.pos)
    for d in reversed(bound):
        body = parse.SumNode(d, None, None, body, n.pos)
    return body
