"""The mutation families that found false proofs: the kinds of relation that once made derivator prove
something false.  Each proposes mutants; truth is still decided by our evaluator alone (a decimal
perturbation by our evaluator on the unperturbed relation and exact arithmetic on the change,
since float64 cannot see 10⁻¹⁵; see ``test_mutation.truth``).

* ``range``: sums over part of their range — from 1 in 0-based bounds, to one short of the top,
  up to another layer's width, from j+1 after a free index j — and the full range written out
  (0..N−1, 1..N), which is true;
* ``kronecker``: a quantity or a partial written as Σ_p [p = j] X_p, over the whole range (true)
  and over short ranges (false), also inside the templates' chain-rule sums;
* ``decimal``: ½ written 0.5 (true) and perturbed by 10⁻¹³ … 10⁻¹⁵ (false), or a term 10⁻¹⁵ added;
* ``costly``: a zero term that is costly to expand, X^16 with X = (A + Z)² − A² − 2AZ − Z², beside
  the template (true) and beside a wrong step (false).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from .ir import (
    Add,
    D,
    Kron,
    Mul,
    Node,
    Num,
    Pow,
    Q,
    Rel,
    Size,
    Sum,
    Tag,
    num,
    position_ranges,
    transform,
    walk,
)
from .operators import (
    Rewrite,
    bound_letters,
    change,
    is_matrix,
    layers,
    letters_of,
    sites,
    with_rhs,
)

#: the decimal perturbations: (label, amount)
PERTURBATIONS = [
    ("1e-13", Fraction(1, 10**13)),
    ("1e-14", Fraction(-1, 10**14)),
    ("1e-15", Fraction(1, 10**15)),
]


def _size_of(r: Rel, q: Q, k: int) -> Size | None:
    """The size the k-th index of q runs over."""
    where = position_ranges(q)[k]
    if where == "n":
        return Size()
    if where == "top":
        return Size(layers(r)[0])
    return Size(where) if isinstance(where, Tag) else None


def _inferred_size(r: Rel, s: Sum) -> Size | None:
    for _, x in walk(s.body):
        if isinstance(x, Q):
            for k, v in enumerate(x.idx):
                if v == s.var:
                    return _size_of(r, x, k)
    return None


def _fresh(r: Rel) -> str:
    taken = set(letters_of(r)) | bound_letters(r)
    return next(v for v in ("p", "q", "s", "v", "u") if v not in taken)


def ranges(r: Rel) -> Rewrite:
    tags = layers(r)
    for side, path, x in sites(r):
        if not isinstance(x, Sum) or any(step == ("hi", -1) for step in path):
            continue
        size = x.hi if x.hi is not None else _inferred_size(r, x)
        if not isinstance(size, Size):
            continue
        yield "range: from 1 (0-based bounds)", change(r, side, path, replace(x, hi=size, lo=1))
        yield (
            "range: one short at the top",
            change(r, side, path, replace(x, hi=Add((size, num(-1))), lo=0, one=False)),
        )
        for t in tags:
            other = Size(t)
            if other != size and size.layer is not None:
                yield (
                    "range: another layer's width",
                    change(r, side, path, replace(x, hi=other, lo=0, one=False)),
                )
                break
        free = [v for v in letters_of(r) if v not in bound_letters(r) and v != x.var]
        if free:
            yield (
                "range: from a free index j+1",
                change(r, side, path, replace(x, hi=size, lo=0, one=False, after=free[0])),
            )
        if x.hi is None:
            yield "≡ range written 0..N−1", change(r, side, path, replace(x, hi=size))
            yield "≡ range written 1..N", change(r, side, path, replace(x, hi=size, one=True))


def _kronecker(r: Rel, q: Q, k: int, p: str, node: Node, lo: int, short: bool) -> Node | None:
    """Σ_p [p = j] node(j → p) over the range of q's k-th index (whole, from lo, or one short)."""
    size = _size_of(r, q, k)
    if size is None:
        return None
    v = q.idx[k]
    assert isinstance(v, str)

    def rename(y: Node) -> Node:
        if isinstance(y, Q):
            return replace(y, idx=tuple(p if u == v else u for u in y.idx))
        return y

    body = transform(node, rename)
    hi: Node = Add((size, num(-1))) if short else size
    return Sum(p, Mul((Kron(p, v), body)), hi if (lo or short) else None, lo=lo)


def kroneckers(r: Rel) -> Rewrite:
    if is_matrix(r):
        return
    bound = bound_letters(r)
    p = _fresh(r)
    for side, path, x in sites(r):
        if any(step == ("den", -1) for step in path):
            continue
        target = x.den if isinstance(x, D) else x
        if not isinstance(target, Q) or (isinstance(x, Q) and _inside_partial(r, side, path)):
            continue
        for k, v in enumerate(target.idx):
            if not isinstance(v, str) or v in bound or v == "i":
                continue
            for label, lo, short in (
                ("≡ kronecker: Σ_p [p = j] over the whole range", 0, False),
                ("kronecker: Σ_p [p = j] from 1", 1, False),
                ("kronecker: Σ_p [p = j] one short", 0, True),
            ):
                new = _kronecker(r, target, k, p, x, lo, short)
                if new is not None:
                    yield label, change(r, side, path, new)
            break


def _inside_partial(r: Rel, side: str, path: tuple[tuple[str, int], ...]) -> bool:
    node: object = getattr(r, side)
    for name, k in path:
        if isinstance(node, D):
            return True
        v = getattr(node, name)
        node = v[k] if k >= 0 else v
    return False


def decimals(r: Rel) -> Rewrite:
    if is_matrix(r):
        return
    found = False
    for side, path, x in sites(r):
        if isinstance(x, Num) and not x.text and x.value.denominator in (2, 4, 5, 10):
            found = True
            exact = _decimal(x.value)
            yield "≡ decimal: written as a decimal", change(r, side, path, Num(x.value, exact))
            for label, amount in PERTURBATIONS:
                v = x.value + amount
                yield f"decimal: perturbed by {label}", change(r, side, path, Num(v, _decimal(v)))
    if not found:
        tiny = Fraction(1, 10**15)
        yield "decimal: perturbed by 1e-15", with_rhs(r, Add((r.rhs, Num(tiny, _decimal(tiny)))))


def _decimal(v: Fraction) -> str:
    """The exact decimal of a fraction whose denominator divides a power of 10."""
    places = 0
    while (v * 10**places).denominator != 1:
        places += 1
    digits = str(abs(v.numerator) * (10**places // v.denominator)).rjust(places + 1, "0")
    text = digits[: len(digits) - places] + ("." + digits[-places:] if places else "")
    return ("-" if v < 0 else "") + text


def perturbation(operator: str) -> Fraction:
    """By how much a decimal mutant changes a number of its template, exactly (0 for every
    other mutant)."""
    if not operator.startswith("decimal: perturbed"):
        return Fraction(0)
    return next(a for label, a in PERTURBATIONS if operator.endswith(label))


def _costly_zero(r: Rel) -> Node:
    top = layers(r)[0]
    s, t = _two(set(letters_of(r)) | bound_letters(r))
    A = Sum(s, Sum(t, Q("a", top, (s, t))))
    Z = Sum(s, Sum(t, Q("z", top, (s, t))))
    x = Add(
        (
            Pow(Add((A, Z)), 2),
            Mul((num(-1), Pow(A, 2))),
            Mul((num(-2), A, Z)),
            Mul((num(-1), Pow(Z, 2))),
        )
    )
    return Pow(x, 16)


def _two(taken: set[str]) -> tuple[str, str]:
    free = [v for v in ("e", "f", "g", "h", "r", "t") if v not in taken]
    return free[0], free[1]


def costly(r: Rel) -> Rewrite:
    if is_matrix(r) or layers(r)[0].off != 0 or layers(r)[0].base != "L":
        return
    zero = _costly_zero(r)
    yield "≡ costly: a zero term beside the template", with_rhs(r, Add((r.rhs, zero)))
    yield (
        "costly: a wrong factor 2 beside a zero term",
        with_rhs(r, Add((Mul((num(2), r.rhs)), zero))),
    )
    yield "costly: a wrong sign beside a zero term", with_rhs(r, Add((Mul((num(-1), r.rhs)), zero)))


FAMILIES = [ranges, kroneckers, decimals, costly]
