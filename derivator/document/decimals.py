"""Which digits a relation between decimals shows: the input of :mod:`engine.precision`.

Only the written numbers count (their text, never their value): ``0.186815602`` shows nine
decimals whatever its value.  A side that is nothing but a number (or a bracket or matrix of
numbers) is the rounded result the author shows; the other side is the computation.
"""

from __future__ import annotations

from fractions import Fraction

from ..engine import precision
from . import parse


def _numbers_only(node: parse.Node) -> bool:
    """A number, a negated number, or a bracket or matrix holding only those."""
    node = parse.ungrouped(node)
    if isinstance(node, parse.Num):
        return True
    if isinstance(node, parse.Neg):
        return _numbers_only(node.arg)
    if isinstance(node, parse.Matrix):
        return all(_numbers_only(x) for row in node.rows for x in row)
    return False


def _numbers(node: parse.Node) -> list[str]:
    return [n.text for n in parse.walk(node) if isinstance(n, parse.Num)]


def shown_unit(lhs: parse.Node, rhs: parse.Node) -> Fraction | None:
    """One unit of the last digit the relation ``lhs = rhs`` shows (None: no decimal in it)."""
    result = next((side for side in (rhs, lhs) if _numbers_only(side)), None)
    return precision.unit(
        _numbers(lhs) + _numbers(rhs), _numbers(result) if result is not None else ()
    )
