"""Small matrices written out in numbers (``\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}``).

A worked example multiplies explicit matrices: ``\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}
\\begin{pmatrix} 1 \\\\ 1 \\end{pmatrix} = \\begin{pmatrix} 3 \\\\ 7 \\end{pmatrix}``.  Such a
relation names no quantity of the network: it is arithmetic, decided by computing both sides
with exact rationals (a decimal is the number it writes) and comparing entry by entry, exactly or,
where the relation shows decimals, at the precision shown (``engine.precision``).  Only numbers,
brackets, +, −, products (matrix products side by side, ``\\odot`` entry by entry), a division by
a number, transposes and whole powers of numbers are computed; anything else (a letter, σ, a
partial) leaves the relation to the other readings.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from ..engine import Outcome, Verdict, precision
from . import decimals, parse

#: the most entries a literal matrix may have (a worked example's matrices are small)
MAX_ENTRIES = 400
#: the largest whole power of a number computed
MAX_POWER = 64

#: a SymPy number or a SymPy matrix (SymPy's matrices carry no static types)
Value = Any


class NotLiteral(ValueError):
    """Part of the side is not arithmetic on numbers."""


class Mismatch(ValueError):
    """The shapes of a product or sum do not fit (``pos``: where, in the block's text)."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


def _scalar(v: Value) -> bool:
    return not isinstance(v, sp.MatrixBase)


def _number(v: Value) -> Value:
    """A 1×1 matrix is the number it holds (``[a, b] [c, d]^T`` is ``ac + bd``); any other value
    is itself."""
    return v[0, 0] if not _scalar(v) and v.shape == (1, 1) else v


def _euler(node: parse.Node) -> bool:
    """``e`` with nothing on it: Euler's number, in a relation of numbers (``e^{-2.0}``)."""
    return (
        isinstance(node, parse.Var)
        and node.name == "e"
        and not node.sub
        and node.tag is None
        and not node.primes
        and node.sample is None
    )


def value(node: parse.Node) -> Value:
    """The exact value of a side made of numbers and literal matrices."""
    if isinstance(node, parse.Num):
        return sp.Rational(Fraction(node.text))
    if isinstance(node, parse.Group):
        return value(node.body)
    if isinstance(node, parse.Neg):
        return -value(node.arg)
    if isinstance(node, parse.Matrix):
        if not node.rows:
            raise Mismatch("an empty matrix", node.pos)
        width = max(len(r) for r in node.rows)
        if len(node.rows) * width > MAX_ENTRIES:
            raise NotLiteral("too many entries")
        cells = []
        for row in node.rows:
            if len(row) != width:
                raise Mismatch("the rows of a matrix have different lengths", node.pos)
            vals = [value(x) for x in row]
            if not all(_scalar(x) for x in vals):
                raise NotLiteral("a matrix inside a matrix")
            cells.append(vals)
        return sp.Matrix(cells)
    if isinstance(node, parse.Transpose):
        inner = value(node.arg)
        return inner.T if isinstance(inner, sp.MatrixBase) else inner
    if isinstance(node, parse.Add):
        vals = [value(t) for t in node.terms]
        if any(_scalar(v) for v in vals):  # a 1×1 product (u vᵀ) added to a number is its number
            vals = [_number(v) for v in vals]
        shapes = {getattr(v, "shape", None) for v in vals}
        if len(shapes) > 1:
            raise Mismatch(
                "a sum of a number and a matrix, or of matrices of different shapes", node.pos
            )
        out = vals[0]
        for v in vals[1:]:
            out = out + v
        return out
    if isinstance(node, parse.Mul):
        out = value(node.factors[0])
        for f in node.factors[1:]:
            v = value(f)
            if _scalar(out) or _scalar(v):
                out = out * v
            elif node.hadamard:
                if out.shape != v.shape:
                    raise Mismatch(
                        f"an entrywise product of shapes {out.shape} and {v.shape}", node.pos
                    )
                out = out.multiply_elementwise(v)
            else:
                if out.shape[1] != v.shape[0]:
                    raise Mismatch(
                        f"a matrix product of shapes {out.shape} and {v.shape}", node.pos
                    )
                out = out * v
        return out
    if isinstance(node, parse.Div):
        num, den = value(node.num), value(node.den)
        if not _scalar(den):
            raise NotLiteral("a division by a matrix")
        if den == 0:
            raise Mismatch("a division by zero", node.pos)
        return num / den
    if isinstance(node, parse.Pow) and _euler(node.base):
        return sp.exp(_number(value(node.exp)))
    if isinstance(node, parse.Call) and node.func == "exp" and len(node.args) == 1:
        if node.primes:
            raise NotLiteral("a derivative")
        return sp.exp(_number(value(node.args[0])))
    if isinstance(node, parse.Pow):
        base, exp = value(node.base), value(node.exp)
        if not (_scalar(base) and _scalar(exp) and exp.is_Integer and abs(int(exp)) <= MAX_POWER):
            raise NotLiteral("a power")
        if base == 0 and exp < 0:
            raise Mismatch("a division by zero", node.pos)
        return base**exp
    raise NotLiteral(type(node).__name__)


def _entry(a: Value, b: Value, step: Fraction | None) -> Verdict | None:
    """Two numbers compared: None when exactly equal, else the verdict at the shown precision,
    or, with no decimal shown, refuted by exact arithmetic; a difference too small to tell from
    zero numerically (exp(2)·exp(1) against e³ written otherwise) is unknown, never refuted."""
    if a == b or sp.simplify(a - b) == 0:
        return None
    v = precision.judge(a, b, step)
    if v is not None:
        return v
    gap = sp.N(a - b, precision.DIGITS)
    if not gap.is_number or abs(gap) < sp.Float(10) ** -(precision.DIGITS - 20):
        return Verdict(Outcome.UNKNOWN, "", f"{a} and {b} could not be told apart")
    return Verdict(
        Outcome.REFUTED,
        "exact arithmetic",
        f"{a} ≠ {b}",
        {"sizes": {}, "indices": {}, "left": precision.shown(a), "right": precision.shown(b)},
    )


def _numbers(a: Value, b: Value, step: Fraction | None) -> Verdict:
    """Two numbers (a 1×1 product on one side): equal exactly, at the shown precision, or not."""
    v = _entry(a, b, step)
    return v if v is not None else Verdict(Outcome.PROVED, "exact arithmetic", "")


def judge(lhs: parse.Node, rhs: parse.Node) -> Verdict | None:
    """The verdict of a relation between literal matrices, or None when it is not one (no
    matrix written out in numbers, or something on a side that is not arithmetic).  Shapes that
    do not fit are a ``ReadError`` at the product or sum."""
    if not any(isinstance(n, parse.Matrix) for side in (lhs, rhs) for n in parse.walk(side)):
        return None
    try:
        left, right = value(lhs), value(rhs)
    except NotLiteral as e:
        if any(
            isinstance(n, (parse.Var, parse.Ellipsis_))
            for side in (lhs, rhs)
            for n in parse.walk(side)
        ):
            return None  # letters: a matrix that names its entries, or another reading
        return Verdict(
            Outcome.UNKNOWN,
            "",
            f"matrices written out in numbers are computed with +, −, products, ⊙, ᵀ, a division "
            f"by a number and whole powers of numbers; not with this ({e})",
        )
    except Mismatch as e:
        raise parse.ReadError(f"matrices written out in numbers: {e}", e.pos) from None
    if _scalar(left) or _scalar(right):
        left, right = _number(left), _number(right)
    if _scalar(left) and _scalar(right):
        return _numbers(left, right, decimals.shown_unit(lhs, rhs))
    if _scalar(left) or _scalar(right) or left.shape != right.shape:
        shape = [getattr(v, "shape", "a number") for v in (left, right)]
        return Verdict(
            Outcome.REFUTED,
            "exact arithmetic",
            f"the sides have different shapes: {shape[0]} and {shape[1]}",
            {
                "sizes": {},
                "indices": {},
                "left": str(left.tolist() if not _scalar(left) else left),
                "right": str(right.tolist() if not _scalar(right) else right),
            },
        )
    step = decimals.shown_unit(lhs, rhs)
    verdicts = []
    for r in range(left.shape[0]):
        for c in range(left.shape[1]):
            a, b = left[r, c], right[r, c]
            v = _entry(a, b, step)
            if v is None:
                continue
            if v.verdict != Outcome.PROVED:
                where = f"entry ({r + 1}, {c + 1})"
                shown = {"left": precision.shown(a), "right": precision.shown(b)}
                cx = {"sizes": {}, "indices": {"row": r + 1, "column": c + 1}, **shown}
                refuted = v.verdict == Outcome.REFUTED
                return Verdict(v.verdict, v.method, f"{where}: {v.reason}", cx if refuted else None)
            verdicts.append(v)
    if verdicts:
        return Verdict(
            Outcome.PROVED,
            precision.METHOD,
            f"every entry within one unit of the last digit shown ({len(verdicts)} not exactly)",
        )
    return Verdict(Outcome.PROVED, "exact arithmetic", "")
