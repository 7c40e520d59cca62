"""A regularised cost as written: ``J = L + \\frac{\\lambda}{2}\\sum_l \\|W^{(l)}\\|^2``,
``C = L + \\frac{\\lambda}{2n}\\sum_w w^2``, ``J = L + \\frac{\\lambda}{2m}\\sum_l\\sum_{j,k}(w_{jk}^{(l)})^2``.

The definition says: the cost J is a cost the document already has (the bare letter of a cost,
or the notation's L) plus a number c times a parameter λ times the sum of the squares of every
weight of every layer (never a bias: the sum runs over the weights only).  λ is a name that
definition introduces and never fixes: every claim must hold for every value of it, so it is a
free real symbol (``losses.Parameter``).  A partial of J is then, by the sum rule and
d/dw Σ_v v² = 2w, the base cost's partial plus 2cλ·w when it is taken by a weight (any entry of
any layer, or a layer's whole matrix), and the base cost's partial alone otherwise (the sum holds
no a, z or b).  That is the definition differentiated, nothing else (docs/soundness.md,
"A regularised cost")."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import parse

#: letters the sample count is written with (``\\frac{\\lambda}{2n}``, Ng's m, Bishop's N)
SAMPLE_COUNTS = ("n", "m", "N")
#: letters that are never a parameter the cost's definition introduces: the notation's own
#: quantities, the sample count, Euler's number, η, and the functions
NOT_PARAMETERS = frozenset(
    {"a", "z", "w", "W", "b", "y", "x", "e", "n", "m", "N", "L", "delta", "eta", "sigma", "pi"}
)


@dataclass(frozen=True)
class Decay:
    """J = base + factor·λ·Σ w² (divided by the sample count when ``per_sample``)."""

    letter: str
    line: int
    base: str
    parameter: str
    factor: Fraction
    per_sample: bool


def read(line: int, lhs: parse.Var, rhs: parse.Node) -> Decay | None:
    """The regularised cost ``lhs = rhs`` defines, or None when ``rhs`` is not of that shape."""
    terms = rhs.terms if isinstance(rhs, parse.Add) else []
    if lhs.sub or len(terms) != 2:
        return None
    base = parse.ungrouped(terms[0])
    if not (
        isinstance(base, parse.Var)
        and not base.sub
        and base.tag is None
        and not base.primes
        and base.name != lhs.name
        and (base.name == "L" or base.name[:1].isupper() or base.name.startswith("\\mathcal"))
    ):
        return None
    up, down = _factors(terms[1])
    if up is None or down is None:
        return None
    weights = [f for f in up if _all_weights_squared(f)]
    params = [f for f in up if isinstance(f, parse.Var) and _parameter(f)]
    counts = [f for f in down if isinstance(f, parse.Var) and f.name in SAMPLE_COUNTS]
    over = [f for f in up if isinstance(f, parse.Num)]
    under = [f for f in down if isinstance(f, parse.Num)]
    if len(weights) != 1 or len(params) != 1 or len(counts) > 1:
        return None
    if len(weights) + len(params) + len(over) + len(under) + len(counts) != len(up) + len(down):
        return None
    if any(Fraction(f.text) == 0 for f in under):
        return None
    factor = Fraction(1)
    for f in over:
        factor *= Fraction(f.text)
    for f in under:
        factor /= Fraction(f.text)
    if factor == 0:
        return None
    return Decay(lhs.name, line, base.name, params[0].name, factor, bool(counts))


def _factors(node: parse.Node) -> tuple[list[parse.Node] | None, list[parse.Node] | None]:
    """A product and quotient flattened: (numerator factors, denominator factors)."""
    node = parse.ungrouped(node)
    if isinstance(node, parse.Mul) and not node.hadamard:
        up: list[parse.Node] = []
        down: list[parse.Node] = []
        for f in node.factors:
            u, d = _factors(f)
            if u is None or d is None:
                return None, None
            up, down = up + u, down + d
        return up, down
    if isinstance(node, parse.Div):
        u1, d1 = _factors(node.num)
        u2, d2 = _factors(node.den)
        if u1 is None or d1 is None or u2 is None or d2 is None:
            return None, None
        return u1 + d2, d1 + u2
    if isinstance(node, parse.Num):
        try:
            Fraction(node.text)
        except ValueError:
            return None, None
    return [node], []


def _parameter(node: parse.Var) -> bool:
    """λ: a bare name that is no quantity of the notation (no subscript, tag, prime or call)."""
    return (
        not node.sub
        and node.tag is None
        and not node.primes
        and node.args is None
        and node.sample is None
        and node.name not in NOT_PARAMETERS
        and node.name.isalpha()
    )


def _all_weights_squared(node: parse.Node) -> bool:
    """``\\sum_w w^2``; ``\\sum_l \\|W^{(l)}\\|^2``; ``\\sum_l \\sum_{j,k} (w_{jk}^{(l)})^2``: the
    square of every weight of every layer, summed (the sum over the layers with no bounds, or
    from 1 to L: a sum over some layers only is not this cost)."""
    if not isinstance(node, parse.SumNode):
        return False
    body = node.body
    if node.index in ("w", "W") and node.lower is None and node.upper is None:
        return _square_of(body, lambda v: v.name == node.index and not v.sub and v.tag is None)
    if not _every_layer(node):
        return False
    layer = node.index
    if _square_of(
        body,
        lambda v: v.name == "W" and not v.sub and v.tag == layer,
        norm=True,
    ):
        return True
    inner: list[str] = []
    while isinstance(body, parse.SumNode) and body.lower is None and body.upper is None:
        inner.append(body.index)
        body = body.body
    return len(set(inner)) == 2 and _square_of(
        body,
        lambda v: (
            v.name == "w"
            and v.tag == layer
            and bool(v.sub)
            and sorted(getattr(x, "name", "") or "" for x in v.sub or []) == sorted(inner)
        ),
    )


def _every_layer(node: parse.SumNode) -> bool:
    if node.lower is None and node.upper is None:
        return True
    low, high = node.lower, node.upper
    return (
        isinstance(low, parse.Num)
        and low.text == "1"
        and isinstance(high, parse.Var)
        and high.name == "L"
        and not high.sub
    )


def _square_of(node: parse.Node, which: object, norm: bool = False) -> bool:
    """``v^2`` (``(v)^2``, ``\\|v\\|^2`` when ``norm``) for a Var ``which`` accepts."""
    node = parse.ungrouped(node)
    if not (isinstance(node, parse.Pow) and isinstance(node.exp, parse.Num)):
        return False
    if node.exp.text != "2":
        return False
    base = parse.ungrouped(node.base)
    if norm:
        if not isinstance(base, parse.Norm):
            return False
        base = parse.ungrouped(base.arg)
    return isinstance(base, parse.Var) and bool(which(base))  # type: ignore[operator]


def parameters(decays: tuple[Decay, ...]) -> dict[str, int]:
    """The parameters the document's regularised costs introduce, with their lines."""
    out: dict[str, int] = {}
    for d in decays:
        out.setdefault(d.parameter, d.line)
    return out
