"""A normal form for sums of products over index ranges.

``sympy.simplify`` cannot see that Σ_k f(k) and Σ_m f(m) are equal, and ``Sum.doit`` contracts
Kronecker deltas slowly and leaves range guards.  Index calculus only needs a little algebra, so
we do it ourselves: an expression becomes a list of :class:`Term` (one multi-sum of one monomial);
Kronecker deltas on a bound index are contracted by substitution; bound indices are renamed
canonically (within groups of equal range), which makes equality of expressions a comparison of
dictionaries.  The same terms, grouped and factored, give the tidy form that people read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations, product
from typing import Any

import sympy as sp

from . import sums as sums  # installs the cached Sum.free_symbols

Limit = tuple[sp.Symbol, sp.Expr, sp.Expr]
#: the first and last value an index takes
Range = tuple[sp.Expr, sp.Expr]
#: the ranges of the free indices, as the caller knows them from the network's quantities
Ranges = Mapping[sp.Expr, Range]


@dataclass(frozen=True)
class Term:
    """Σ over ``limits`` of ``body``; ``body`` is a monomial (a product of atoms and a number)."""

    limits: tuple[Limit, ...]
    body: sp.Expr

    @property
    def dummies(self) -> tuple[sp.Symbol, ...]:
        return tuple(lim[0] for lim in self.limits)

    def expr(self) -> sp.Expr:
        return sp.Sum(self.body, *self.limits) if self.limits else self.body


class Unsupported(ValueError):
    """An expression outside the algebra of this module (e.g. a sum inside a non-integer power
    with bound indices shared outside); callers fall back to other proof stages."""


# ---------------------------------------------------------------------------------------------
# flattening


def _products(parts: list[list[Term]]) -> list[Term]:
    """Every product of one term of each part (distributing a product of sums).

    The same as multiplying the terms pairwise, but each product's monomial is built once
    (SymPy's ``Mul`` of all the factors) instead of once per factor, and each term's free
    symbols are computed once, not once per product it takes part in.  A bound index is
    renamed (to a fresh dummy) when it clashes with another factor's free symbols or with an
    index bound by an earlier factor: then no index captures another and all are distinct."""
    if len(parts) == 1:
        return parts[0]
    free = [[t.body.free_symbols - set(t.dummies) for t in part] for part in parts]
    out = []
    for picks in product(*[range(len(part)) for part in parts]):
        terms = [parts[k][n] for k, n in enumerate(picks)]
        frees = [free[k][n] for k, n in enumerate(picks)]
        limits: list[Limit] = []
        bodies: list[sp.Expr] = []
        bound: set[sp.Symbol] = set()
        for k, t in enumerate(terms):
            others = set().union(*(f for m, f in enumerate(frees) if m != k))
            clash = {
                d: sp.Dummy(d.name, integer=True) for d in t.dummies if d in others or d in bound
            }
            body = t.body.xreplace(clash) if clash else t.body
            for d, lo, hi in t.limits:
                limits.append((clash.get(d, d), lo, hi))
                bound.add(clash.get(d, d))
            bodies.append(body)
        out.append(Term(tuple(limits), sp.Mul(*bodies)))
    return out


def _sum_over(term: Term, limits: Iterable[Limit]) -> Term:
    """Σ over ``limits`` of a term; limits whose index the body does not use become a factor."""
    body = term.body
    kept = list(term.limits)
    for d, lo, hi in limits:
        if lo == hi:
            body = body.xreplace({d: lo})
        elif d in body.free_symbols or not nonnegative(hi - lo + 1):
            # (hi − lo + 1)·c counts the terms only when the range is not reversed: a sum
            # from 3 to n − 1 at n = 2 is empty (0), not −1 terms
            kept.append((d, lo, hi))
        else:
            body = body * (hi - lo + 1)
    return Term(tuple(kept), body)


def nonnegative(x: sp.Expr) -> bool:
    """Is x ≥ 0 for every size (sizes are positive integers)?  Only what SymPy proves."""
    x = sp.expand(x)
    if x.is_Number:
        return bool(x >= 0)
    return x.is_nonnegative is True


def flatten(expr: sp.Expr, depth: int = 0, ranges: Ranges | None = None) -> list[Term]:
    """Expand ``expr`` into a list of terms (products distributed, sums pulled outward)."""
    if isinstance(expr, sp.Add):
        return [t for arg in expr.args for t in flatten(arg, depth, ranges)]
    if isinstance(expr, sp.Mul):
        return _products([flatten(arg, depth, ranges) for arg in expr.args])
    if (
        isinstance(expr, sp.Pow)
        and expr.exp.is_Integer
        and expr.exp > 1
        and expr.base.has(sp.Add, sp.Sum)
    ):
        # the base collected first (its normal form, an equal expression): a base whose terms
        # cancel makes the power 0 (0^k = 0 for whole k ≥ 2) without distributing k copies of
        # its terms, and a base whose terms merge distributes fewer
        base = [Term(t.limits, c * t.body) for t, c in normal(expr.base, depth, ranges).values()]
        return _products([base] * int(expr.exp)) if base else []
    if isinstance(expr, sp.Sum):
        inner = flatten(expr.function, depth, ranges)
        limits = [(lim[0], lim[1], lim[2]) for lim in expr.limits]
        return [_sum_over(t, limits) for t in inner]
    return [Term((), _atom(expr, depth, ranges))]


def _atom(expr: sp.Expr, depth: int, ranges: Ranges | None) -> sp.Expr:
    """An atom, with the arguments of functions and powers put in normal form themselves."""
    if expr.is_Atom or isinstance(expr, (sp.Indexed, sp.KroneckerDelta)):
        return expr
    if isinstance(expr, sp.Pow):
        return sp.Pow(
            normal_expr(expr.base, depth + 1, ranges), normal_expr(expr.exp, depth + 1, ranges)
        )
    if isinstance(expr, (sp.Function, sp.Max, sp.Min)):
        return expr.func(*[normal_expr(a, depth + 1, ranges) for a in expr.args])
    return expr


# ---------------------------------------------------------------------------------------------
# Kronecker deltas


def contract(term: Term, ranges: Ranges | None = None) -> Term:
    """Contract the Kronecker deltas on a bound index whose other side provably lies in the
    bound index's range: Σ_{d=lo}^{hi} [d = k] f(d) = f(k) when lo ≤ k ≤ hi, and = 0 when k
    lies wholly outside [lo, hi].  Otherwise the sum and its bracket stay as they are (the
    numeric stages decide it): Σ_{p=1}^{n−1} [p = j] a_p is a_j only for j ≥ 1.

    Where k's range comes from: a number; another bound index of the term (its limits); a free
    index in ``ranges`` (the caller reads it from the quantities the index stands in); or such
    an index plus a number (j + 1).  Nothing is assumed of an index the caller does not know."""
    while True:
        dummies = {lim[0]: lim for lim in term.limits}
        factors = sp.Mul.make_args(term.body)
        for f in factors:
            base = f.base if isinstance(f, sp.Pow) else f
            if not isinstance(base, sp.KroneckerDelta):
                continue
            x, y = base.args
            done = None
            for d, other in ((x, y), (y, x)):
                if d not in dummies or d in other.free_symbols:
                    continue
                _, lo, hi = dummies[d]
                span = _range_of(other, term, d, ranges)
                if span is None:
                    continue
                # k itself, or its whole range, between lo and hi (lo may be j + 1, k may be j)
                above = nonnegative(other - lo) or nonnegative(span[0] - lo)
                below = nonnegative(hi - other) or nonnegative(hi - span[1])
                if above and below:
                    rest = sp.Mul(*[g for g in factors if g is not f])
                    limits = tuple(
                        (e, a.xreplace({d: other}), b.xreplace({d: other}))
                        for e, a, b in term.limits
                        if e != d
                    )
                    done = Term(limits, rest.xreplace({d: other}))
                    break
                if any(
                    nonnegative(x)
                    for x in (other - hi - 1, lo - other - 1, span[0] - hi - 1, lo - span[1] - 1)
                ):
                    return Term((), sp.Integer(0))  # no d in the range equals k: every term is 0
            if done is not None:
                term = done
                break
        else:
            return term


def _range_of(k: sp.Expr, term: Term, d: sp.Symbol, ranges: Ranges | None) -> Range | None:
    """The range of values k takes, as far as it is known (see :func:`contract`)."""
    if k.is_Integer:
        # a number written as an entry's index: itself, and where the sizes presuppose it lies
        return (k, ranges[k][1]) if ranges is not None and k in ranges else (k, k)
    for e, lo, hi in term.limits:
        if e == k:
            if d in lo.free_symbols | hi.free_symbols:
                return None
            return (lo, hi)
    if ranges is not None and k in ranges:
        return ranges[k]
    if isinstance(k, sp.Add):
        shift, rest = k.as_coeff_Add()
        if shift.is_Integer and shift != 0 and isinstance(rest, sp.Symbol):
            inner = _range_of(rest, term, d, ranges)
            if inner is not None:
                return (inner[0] + shift, inner[1] + shift)
    return None


# ---------------------------------------------------------------------------------------------
# canonical names


def _range_key(lim: Limit) -> str:
    return _bounds_text(lim[1], lim[2])


@lru_cache(maxsize=4096)
def _bounds_text(lo: sp.Expr, hi: sp.Expr) -> str:
    """``lo:hi`` as printed: the same few ranges (0 … n_(l) − 1) recur in every term, and
    printing them again each time was a fifth of the normal form's cost."""
    return f"{lo}:{hi}"


@lru_cache(maxsize=4096)
def _text(e: sp.Expr) -> str:
    return str(e)


def _limits_text(limits: tuple[Limit, ...]) -> str:
    """``str(limits)`` (the tuple's own printout) with each bound printed once per run."""
    parts = [f"({d}, {_text(lo)}, {_text(hi)})" for d, lo, hi in limits]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


@lru_cache(maxsize=8192)
def canonical(term: Term, depth: int = 0) -> tuple[str, Term]:
    """Rename bound indices to ``_<depth>_<n>`` so that equal terms print equal.

    Indices are ordered by range first; within a group of equal range every permutation is tried
    and the smallest printout wins (groups are small: a few indices).  Remembered per term: the
    stages of a proof normalise the same terms again (half the calls in ``verify``), and each
    call prints the term once per permutation."""
    limits = sorted(term.limits, key=_range_key)
    groups: dict[str, list[Limit]] = defaultdict(list)
    for lim in limits:
        groups[_range_key(lim)].append(lim)
    ordered = [groups[k] for k in sorted(groups)]
    best: tuple[str, Term] | None = None
    choices = [permutations(g) if len(g) <= 5 else [tuple(g)] for g in ordered]
    # canonical names must not capture a free index that happens to carry one (an index bound
    # in an enclosing expression that was normalised before)
    free = {s.name for s in term.body.free_symbols} - {d.name for d in term.dummies}
    pool = [
        f"_{depth}_{n}" for n in range(len(limits) + len(free) + 1) if f"_{depth}_{n}" not in free
    ]
    for combo in product(*choices):
        flat = [lim for g in combo for lim in g]
        names = {lim[0]: sp.Symbol(pool[n], integer=True) for n, lim in enumerate(flat)}
        body = term.body.xreplace(names)
        new_limits = tuple((names[d], lo, hi) for d, lo, hi in flat)
        key = f"{_limits_text(new_limits)}|{body}"
        if best is None or key < best[0]:
            best = (key, Term(new_limits, body))
    assert best is not None
    return best


def unify(term: Term) -> Term:
    """[j = p]·f(p) = [j = p]·f(j) for two free indices j and p: where j ≠ p both sides are 0,
    where j = p they are the same product.  The later index (by name) is replaced by the earlier
    one in the rest of the product, so that a_ip·[j = p] and a_ij·[j = p] become one term; a
    bracket's power is the bracket ([j = p]^k = [j = p], its values are 0 and 1)."""
    bound = set(term.dummies)
    on_limits = set().union(*[lo.free_symbols | hi.free_symbols for _, lo, hi in term.limits])
    factors = list(sp.Mul.make_args(term.body))
    for k, f in enumerate(factors):
        base = f.base if isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp > 0 else f
        if not isinstance(base, sp.KroneckerDelta):
            continue
        x, y = sorted(base.args, key=str)
        if not (
            isinstance(x, sp.Symbol)
            and isinstance(y, sp.Symbol)
            and x != y
            and not {x, y} & bound
            and y not in on_limits
        ):
            continue
        rest = sp.Mul(*[g for m, g in enumerate(factors) if m != k])
        if y not in rest.free_symbols and base is f:
            continue
        return unify(Term(term.limits, base * rest.xreplace({y: x})))
    return term


def normal(
    expr: sp.Expr, depth: int = 0, ranges: Ranges | None = None
) -> dict[str, tuple[Term, sp.Expr]]:
    """The normal form: canonical term (without its number) → (term, rational coefficient).
    ``ranges``: the ranges of the free indices, which decide the Kronecker contractions."""
    out: dict[str, tuple[Term, sp.Expr]] = {}
    for t in flatten(expr, depth, ranges):
        t = unify(contract(t, ranges))
        coeff, rest = t.body.as_coeff_Mul()
        if coeff == 0:
            continue
        key, ct = canonical(Term(t.limits, rest), depth)
        if key in out:
            old = out[key][1]
            out[key] = (ct, old + coeff)
        else:
            out[key] = (ct, coeff)
    return {k: v for k, v in sorted(out.items()) if v[1] != 0}


def normal_expr(expr: sp.Expr, depth: int = 0, ranges: Ranges | None = None) -> sp.Expr:
    """``expr`` rebuilt from its normal form (deterministic)."""
    if expr.is_Atom:
        return expr
    terms = [c * t.expr() for t, c in normal(expr, depth, ranges).values()]
    return one_range_each(sp.Add(*terms)) if len(terms) > 1 else sp.Add(*terms)


def one_range_each(expr: sp.Expr) -> sp.Expr:
    """``expr`` with a bound index renamed where the same name is bound over another range
    elsewhere in it.

    Why: each term of a normal form names its bound indices ``_<depth>_0``, ``_<depth>_1``, … by
    position (:func:`canonical`), so two sibling sums may bind one name over two ranges, Σ over
    layer L − 1 in one term and over layer L in the next.  Each Σ binds its own index, so the
    value is the same; but the notation (docs/notation.md: one letter, one range per relation)
    and the prover's index check read a letter's range from where it stands, across the whole
    relation, and reported the engine's own closed form (cross-entropy, four layers, ∂L/∂w at
    L − 2) as "one letter used for two different ranges".  Renaming a bound index inside its own
    Σ (to a name that occurs nowhere in ``expr``) changes no value."""
    sums = [f for f in sp.preorder_traversal(expr) if isinstance(f, sp.Sum)]
    if len(sums) < 2:
        return expr
    used = {s.name for s in expr.atoms(sp.Symbol)}
    seen: dict[str, tuple[sp.Expr, sp.Expr]] = {}

    def fresh(d: sp.Symbol) -> sp.Symbol:
        stem = d.name.rsplit("_", 1)[0] if d.name.startswith("_") else d.name
        n = 0
        while f"{stem}_{n}" in used:
            n += 1
        used.add(f"{stem}_{n}")
        return sp.Symbol(f"{stem}_{n}", **d.assumptions0)

    def walk(e: sp.Expr) -> sp.Expr:
        if isinstance(e, sp.Sum):
            names: dict[sp.Symbol, sp.Symbol] = {}
            limits = []
            for d, lo, hi in e.limits:
                lo, hi = lo.xreplace(names), hi.xreplace(names)
                span = seen.setdefault(d.name, (lo, hi))
                if span != (lo, hi):
                    names[d] = fresh(d)
                    seen[names[d].name] = (lo, hi)
                limits.append((names.get(d, d), lo, hi))
            return sp.Sum(walk(e.function.xreplace(names)), *limits)
        if e.is_Atom or not e.args:
            return e
        return e.func(*[walk(a) for a in e.args])

    return walk(expr)


def freshen(expr: sp.Expr) -> sp.Expr:
    """The same expression with every bound index renamed to a fresh dummy, so that it can be
    substituted into another expression without capturing that expression's indices."""
    if isinstance(expr, sp.Sum):
        names = {lim[0]: sp.Dummy(lim[0].name, integer=True) for lim in expr.limits}
        body = freshen(expr.function).xreplace(names)
        return sp.Sum(body, *[(names[lim[0]], lim[1], lim[2]) for lim in expr.limits])
    if expr.is_Atom or not expr.args:
        return expr
    return expr.func(*[freshen(a) for a in expr.args])


def equal(a: sp.Expr, b: sp.Expr, ranges: Ranges | None = None) -> bool:
    """True when the normal forms agree: a proof for all sizes (sums stay symbolic)."""
    return not normal(a - b, ranges=ranges)


# ---------------------------------------------------------------------------------------------
# the form people read


def tidy(
    expr: sp.Expr,
    namer: Callable[[Limit, set[sp.Symbol]], sp.Symbol],
    order: Callable[[Limit], Any] | None = None,
    ranges: Ranges | None = None,
) -> sp.Expr:
    """Contract, group the terms that sum over the same ranges, factor each group, pull out
    what does not depend on the bound indices, and name bound indices with ``namer``
    (given the limit and the names already taken), outermost (by ``order``) first."""
    groups: dict[tuple, list[sp.Expr]] = defaultdict(list)
    limits_of: dict[tuple, tuple[Limit, ...]] = {}
    for t, c in normal(expr, ranges=ranges).values():
        gkey = tuple(sorted((str(lim[0]), _range_key(lim)) for lim in t.limits))
        groups[gkey].append(c * t.body)
        limits_of[gkey] = t.limits
    taken = set(expr.free_symbols)
    out = []
    for gkey in sorted(groups, key=lambda g: (len(g), g)):
        limits = list(limits_of[gkey])
        summand = sp.factor_terms(sp.Add(*groups[gkey]))
        if order is not None:
            limits.sort(key=order)
        rename: dict[sp.Symbol, sp.Symbol] = {}
        local = set(taken)
        for lim in limits:
            name = namer(lim, local)
            rename[lim[0]] = name
            local.add(name)
        summand = summand.xreplace(rename)
        limits = [(rename[d], lo, hi) for d, lo, hi in limits]
        bound = {lim[0] for lim in limits}
        inside: list[sp.Expr] = []
        outside: list[sp.Expr] = []
        for f in sp.Mul.make_args(summand):
            (inside if f.free_symbols & bound else outside).append(f)
        body = sp.Mul(*inside)
        if limits:
            body = sp.Sum(body, *reversed(limits))
        out.append(sp.Mul(*outside) * body if outside else body)
    return sp.Add(*out)
