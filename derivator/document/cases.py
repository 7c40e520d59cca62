"""Case statements: an index letter given a whole number.

``j = 1`` in "when $j = 1$ the first output neuron gives …", or a display ``k = 1, j = 1``,
says which unit (or sample) the text is about, not what the letter j is: j runs over the units of
a layer, so it has no value, and a reader never takes the line for a definition ("gives the
value of j") nor for a claim ("proved exact at the document's values").  A careful reader knows
j for an index because the document uses it as one (a sum over j, a subscript a_j, w_{jk}) or
because the notation does (i over the samples, j and k over units); a letter the document uses
as a quantity of its own (``\\frac{\\partial net}{\\partial w_1} = i``) is not an index there.

Such a line is reported ``skipped``, saying which case it states, and gives no value to any
other relation (docs/soundness.md, "Case statements").
"""

from __future__ import annotations

from collections.abc import Iterable

from . import parse
from .parse import walk

#: the notation's own index letters: i over the samples, j and k over the units of a layer
NOTATION_INDICES = frozenset("ijk")
#: a subscript of at most this many letters is a list of indices (w_{jk}); a longer one is a
#: word (E_{total}), whose letters index nothing
MOST_INDICES = 3


def _bare(node: parse.Node) -> str | None:
    """The letter of a bare one-letter lowercase name (no subscript, tag, prime or sample)."""
    node = parse.ungrouped(node)
    if (
        isinstance(node, parse.Var)
        and len(node.name) == 1
        and node.name.islower()
        and node.sub is None
        and node.tag is None
        and node.sample is None
        and not node.primes
    ):
        return node.name
    return None


def _whole(node: parse.Node) -> str | None:
    """The text of a whole number written as one (``1``, ``12``), else None."""
    node = parse.ungrouped(node)
    return node.text if isinstance(node, parse.Num) and node.text.isdigit() else None


def _subscript_letters(v: parse.Var) -> set[str]:
    """The index letters of a subscript written as a list of indices (``a_j``, ``w_{jk}``)."""
    sub = v.sub or []
    if not sub or len(sub) > MOST_INDICES:
        return set()
    if not all(ix.expr is None and ix.name and len(ix.name) == 1 for ix in sub):
        return set()
    letters = {ix.name for ix in sub if ix.name}
    return letters if all(c.isalpha() for c in letters) else set()


def _shaped(lhs: parse.Node, op: str, rhs: parse.Node) -> bool:
    """``letter = whole number``: the shape of a case statement."""
    return op == "=" and _bare(lhs) is not None and _whole(rhs) is not None


def _about_indices(lhs: parse.Node, op: str, rhs: parse.Node) -> bool:
    """A case statement, or a condition between two letters (``i = k``, ``i ≠ k``): relations
    that speak of indices, whose bare letters are no quantities."""
    return _shaped(lhs, op, rhs) or (_bare(lhs) is not None and _bare(rhs) is not None)


def _index_places(n: parse.Node) -> list[parse.Node]:
    """Where letters stand as indices inside a node: a subscript's expressions (``a_{j+1}``),
    a sum's or product's bounds and the value it leaves out (``\\sum_{k \\neq j}``)."""
    if isinstance(n, parse.Var):
        return [ix.expr for ix in n.sub or [] if ix.expr is not None]
    if isinstance(n, (parse.SumNode, parse.ProdNode)):
        return [x for x in (n.lower, n.upper, n.excluded) if x is not None]
    return []


def index_letters(relations: Iterable[tuple[parse.Node, str, parse.Node]]) -> frozenset[str]:
    """The letters a document uses as indices: the index of a sum or product, a letter of a
    subscript that lists indices, a sample superscript; and the notation's i, j, k unless the
    document writes that letter as a quantity of its own, bare in a formula (not in a
    subscript, a sum's bounds, a case statement or a condition such as ``i = k``)."""
    used: set[str] = set()
    bare: dict[int, str] = {}
    inside: set[int] = set()
    for lhs, op, rhs in relations:
        if _about_indices(lhs, op, rhs):
            continue
        for n in walk([lhs, rhs]):
            if isinstance(n, (parse.SumNode, parse.ProdNode)):
                used.add(n.index)
            elif isinstance(n, parse.Var):
                if n.sample is not None and len(n.sample) == 1:
                    used.add(n.sample)
                used |= _subscript_letters(n)
                letter = _bare(n)
                if letter is not None:
                    bare[id(n)] = letter
            for place in _index_places(n):
                inside |= {id(x) for x in walk(place) if isinstance(x, parse.Var)}
    quantities = {letter for at, letter in bare.items() if at not in inside}
    return frozenset(used | (NOTATION_INDICES - quantities))


def case_of(lhs: parse.Node, op: str, rhs: parse.Node, indices: frozenset[str]) -> str | None:
    """``j = 1`` with j one of the document's index letters: the case it states ("j = 1"),
    else None."""
    if not _shaped(lhs, op, rhs):
        return None
    letter = _bare(lhs)
    return f"{letter} = {_whole(rhs)}" if letter in indices else None


def any_case(
    relations: list[tuple[int, int, parse.Node, str, parse.Node]], indices: frozenset[str]
) -> bool:
    """Whether any of a document's relations ``(block line, step, left side, operator, right
    side)`` is a case statement."""
    return any(case_of(lhs, op, rhs, indices) for _, _, lhs, op, rhs in relations)
