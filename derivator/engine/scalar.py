"""A model built from a document's scalar definitions: named quantities, each defined by a formula
of others (``net_{h1} = w_1 i_1 + w_2 i_2 + b_1``, ``z = f(g(x))``) or given a value (``w_1 = 0.15``).

Worked examples and chain-rule notes write no indexed network: they name every unit, weight and
cost (Mazur's ``out_{o1}``, ``E_{total}``), or compose functions (``z = f(g(x))``).  Their model is
exactly their definitions, so a claim is judged by substituting them: both sides are written out
down to the quantities nothing defines (inputs, weights, targets, functions left generic), and
a partial ``∂A/∂B`` is the derivative of A written out down to B, B kept as a variable (the
computational graph's partial: every other path to the leaves is independent of B).

Why this is sound (docs/soundness.md, "Definitions define"): a definition only *names* an
expression, so substituting it changes nothing that holds in the document's model; a
proof is exact (SymPy finds the difference 0 for every value of the leaves); a refutation is a
point (leaf values, or the document's own given values when the claim shows decimals) where the
two sides differ, computed in the same model.  A function left generic (``f``, ``g`` never
defined) is an arbitrary smooth function: what is proved holds for every such function.

May import: sympy, mpmath and the standard library.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from . import precision
from .outcome import Outcome

#: points at which a claim that is not proved is evaluated before it is called unknown
POINTS = 6


class ScalarPartial(sp.Function):
    """∂num/∂den as written, taken in the model when the claim is judged (a definition such as
    ``δ = ∂E/∂net`` is read before the model that gives E its meaning is complete)."""

    nargs = 2


class NotBuilt(ValueError):
    """A claim that needs what the model does not define (a quantity given only by its value,
    whose dependence on others the document never writes)."""


@dataclass(frozen=True)
class Judgement:
    """The verdict on one claim in a scalar model."""

    verdict: Outcome
    method: str = ""
    reason: str = ""
    counterexample: dict[str, Any] | None = None
    #: what the audit of a proof found (``scalar_audit.py``); empty when none ran
    audit: str = ""


@dataclass
class ScalarModel:
    """Named quantities with their definitions.  ``formulas`` map a name's symbol to the
    expression defining it; ``values`` give a leaf (or a quantity stated only by its value) its
    value; ``opaque`` holds the quantities stated only by a value although the document computes
    others of their kind (``out_{h2} = 0.5968…``): their value is known, their dependence is not;
    ``functions`` hold functions defined by a formula (``g(x) = x^2``)."""

    formulas: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    opaque: set[sp.Symbol] = field(default_factory=set)
    #: quantities the document defines by an equation this model does not read (the network's:
    #: ``z_2 = a_1 \cdot W_2^T + b_2``): a leaf here, but not an independent one, so no partial
    #: through them is taken (it would be 0 by accident)
    unread: set[sp.Symbol] = field(default_factory=set)
    functions: dict[str, sp.Lambda] = field(default_factory=dict)
    #: where each name was defined (line), for messages
    lines: dict[sp.Symbol, int] = field(default_factory=dict)
    #: the values the document states for quantities it computes, at the end of the chain that
    #: defines them (``net_{h1} = w_1 i_1 + … = 0.3775``), with the line: used for a worked
    #: example's numbers only where the definitions cannot give the value (a leaf has none)
    stated: dict[sp.Symbol, tuple[sp.Expr, int]] = field(default_factory=dict)
    #: the functions of the document that writing out has gone through (see ``judge``)
    touched: set[str] = field(default_factory=set)

    def known(self) -> set[sp.Symbol]:
        """The names the model knows: those it defines, and the leaves its definitions use (the
        inputs and parameters, x of y = g(x))."""
        out = set(self.formulas) | set(self.values)
        for f in self.formulas.values():
            out |= {s for s in f.free_symbols if isinstance(s, sp.Symbol)}
        for lam in self.functions.values():
            out |= {s for s in lam.expr.free_symbols if isinstance(s, sp.Symbol)}
            out |= set(lam.variables)
        return out

    def check_known(self, e: sp.Expr) -> None:
        """A name the document never defines nor uses in a definition means nothing here (its
        partials would silently be 0): NotBuilt."""
        unknown = sorted(
            (s for s in e.free_symbols - self.known() if not isinstance(s, sp.Dummy)), key=str
        )
        if unknown:
            raise NotBuilt(f"{unknown[0]} is not defined in the document's model")

    # ---- writing out -------------------------------------------------------------------------
    def expand(self, e: sp.Expr, keep: frozenset[sp.Symbol] = frozenset()) -> sp.Expr:
        """``e`` with every defined quantity replaced by its formula, recursively, except ``keep``;
        partials as written taken, and functions the document defines applied."""
        for _ in range(64):  # definitions form no cycle (a name is defined from earlier ones)
            subs = {s: f for s, f in self.formulas.items() if s in e.free_symbols and s not in keep}
            # in a fixed order: the first partial the model cannot take gives the reason
            partials = sorted(
                (p for p in e.atoms(ScalarPartial) if not p.args[0].atoms(ScalarPartial)), key=str
            )
            if not subs and not partials:
                break
            e = e.xreplace({p: self.partial(p.args[0], p.args[1]) for p in partials})
            e = e.xreplace(subs)
        else:
            raise NotBuilt("the definitions refer to each other in a cycle")
        self.touched |= {str(f.func) for f in e.atoms(sp.core.function.AppliedUndef)}
        for name, lam in self.functions.items():
            e = e.replace(sp.Function(name), lam)
        return e.doit() if e.has(sp.Subs, sp.Derivative) else e

    def partial(self, num: sp.Expr, den: sp.Expr) -> sp.Expr:
        """∂num/∂den in the model: num written out down to den (den kept as a variable)."""
        if not isinstance(den, sp.Symbol):
            raise NotBuilt(f"∂/∂{den}: not a quantity")
        self.check_known(num)
        if (
            isinstance(num, sp.Symbol)
            and num != den
            and num not in self.formulas
            and num not in self.values
        ):  # ∂L/∂u with L never defined (only used in δ ≡ ∂L/∂u): unknown, not 0
            raise NotBuilt(f"how {num} depends on {den} is not defined in the document's model")
        written = self.expand(num, frozenset({den}))
        elsewhere = (written.free_symbols & self.unread) - {den}
        if elsewhere:
            x = sorted(elsewhere, key=str)[0]
            raise NotBuilt(
                f"{x} is defined on line {self.lines.get(x, '?')} by an equation this model does not "
                f"read: how it depends on {den} is not known"
            )
        hidden = {x for x in written.free_symbols & self.opaque if not self.below(x, den)}
        if hidden:
            x = sorted(hidden, key=str)[0]
            raise NotBuilt(
                f"{x} is given only by its value (line {self.lines.get(x, '?')}): how it depends on "
                f"{den} is not defined"
            )
        return sp.diff(written, den)

    def depth(self, x: sp.Symbol, known: dict[sp.Symbol, int] | None = None) -> int:
        """How many definitions stand between x and the leaves (a leaf 0, net_{h1} 1, out_{h1}
        2 …): the layer the document computes x in.  ``known``: depths found so far, shared
        between calls (definitions that use the two before them, x_k = x_{k−1} + x_{k−2}, would
        otherwise be walked once per path: exponentially many)."""
        return self._depth(x, frozenset(), {} if known is None else known)[0]

    def _depth(
        self, x: sp.Symbol, seen: frozenset[sp.Symbol], known: dict[sp.Symbol, int]
    ) -> tuple[int, bool]:
        """(depth of x, whether a cycle was cut below it): only a depth found without a cut is
        the same on every path, and only that one is remembered."""
        if x in known:
            return known[x], False
        f = self.formulas.get(x)
        if f is None:
            return 0, False
        if x in seen:
            return 0, True
        deepest, cut = 0, False
        for s in f.free_symbols:
            if isinstance(s, sp.Symbol):
                d, c = self._depth(s, seen | {x}, known)
                deepest, cut = max(deepest, d), cut or c
        if not cut:
            known[x] = 1 + deepest
        return 1 + deepest, cut

    def below(self, x: sp.Symbol, den: sp.Symbol) -> bool:
        """Is x, given only by its value, computed below den, so that it cannot depend on it?
        x stands in the layer of its numbered sibling the document defines (out_{h2} in
        out_{h1}'s); a quantity is computed from the layers below its own, so x does not
        depend on what is computed in its layer or above (out_{o1} for out_{o2}), nor on a leaf
        the definitions use only above it (w_5, used only in net_{o1}, for out_{h2})."""
        twin = next((s for s in sorted(self.formulas, key=str) if siblings(s, x)), None)
        if twin is None:
            return False
        known: dict[sp.Symbol, int] = {}
        if den in self.formulas:
            entry = self.depth(den, known)
        else:
            users = [q for q, f in self.formulas.items() if den in f.free_symbols]
            if not users:
                return False
            entry = min(self.depth(q, known) for q in users)
        return entry >= self.depth(twin, known)

    def leaves(self, e: sp.Expr) -> set[sp.Symbol]:
        return {s for s in self.expand(e).free_symbols if isinstance(s, sp.Symbol)}

    # ---- judging -----------------------------------------------------------------------------
    def judge(self, lhs: sp.Expr, rhs: sp.Expr, step: Fraction | None) -> Judgement:
        """Decide ``lhs = rhs`` (partials as written).  ``step``: one unit of the last digit the
        relation shows, when it shows decimals: such a relation is about the document's own
        values and is compared to the precision it shows."""
        left, right = self.expand(lhs), self.expand(rhs)
        if step is not None:
            j = self._at_values(left, right, step)
            if j.verdict == Outcome.UNKNOWN and "has no value" in j.reason and self.stated:
                return self._at_stated(lhs, rhs, step) or j
            return j
        differs = self._at_points(left, right, tries=2)
        if differs.verdict != Outcome.REFUTED:
            diff = sp.simplify(sp.expand(left - right, deep=False))
            if diff == 0:
                return Judgement(
                    Outcome.PROVED,
                    "exact, for every value (the document's definitions substituted)",
                )
        leaves = left.free_symbols | right.free_symbols
        if leaves and all(self.values.get(x, sp.S.Half).is_Integer for x in leaves):
            return self._at_whole_values(left, right)
        hidden = leaves & self.opaque
        if hidden:
            refuted = self._refuted_at_values(left, right)
            if refuted is not None:
                return refuted
            x = sorted(hidden, key=str)[0]
            return Judgement(
                Outcome.UNKNOWN,
                reason=f"not proved: {x} is given only by its value (line "
                f"{self.lines.get(x, '?')}), so the claim cannot be decided for other values",
            )
        return self._at_points(left, right)

    def _at_whole_values(self, left: sp.Expr, right: sp.Expr) -> Judgement:
        """Every leaf is given a whole number (``x = 2``): the model holds only that value, so the
        claim is decided there, exactly (a rounded value is never compared so: it shows
        decimals, and is judged to the precision shown)."""
        lv, rv = left.xreplace(self.values), right.xreplace(self.values)
        if sp.simplify(lv - rv) == 0:
            return Judgement(Outcome.PROVED, "exact at the document's values")
        names = left.free_symbols | right.free_symbols
        where = ", ".join(f"{x} = {self.values[x]}" for x in sorted(names, key=str))
        return self._refuted_at(
            names, lv, rv, f"the two sides differ at the document's values {where}: {lv} ≠ {rv}"
        )

    def _at_stated(self, lhs: sp.Expr, rhs: sp.Expr, step: Fraction) -> Judgement | None:
        """A worked example whose leaves have no values (the initial weights only in a figure):
        the quantities the document computes stand for the values it states for them, and the
        relation is compared to the digits it shows (a stated value is rounded: never exact)."""
        own = {lhs, rhs}  # X = 0.0478 is never judged by the value X's own chain states
        missing = {
            x for x in self.stated if x not in own and not self._evaluable(x) and self._trusted(x)
        }
        if not missing:
            return None
        # a stated quantity that the definitions compute from other stated ones is computed, not
        # taken at its stated value: the claim δ_2 ≈ 0.0478 is judged from z_2 = 1.1835 stated
        # before it, never from δ_2's own rounded value (which would make it agree by itself)
        for x in sorted(missing, key=str):
            rest = missing - {x}
            try:
                written = self.expand(x, frozenset(rest))
            except NotBuilt:
                continue
            leaves = {s for s in written.free_symbols if isinstance(s, sp.Symbol)}
            if rest and leaves <= rest | set(self.values) and x not in leaves:
                missing = rest
        keep = frozenset(missing)
        left, right = self.expand(lhs, keep), self.expand(rhs, keep)
        used = sorted((left.free_symbols | right.free_symbols) & keep, key=str)
        values = self.values | {x: self.stated[x][0] for x in used}
        lv, rv = left.xreplace(values), right.xreplace(values)
        if (lv.free_symbols | rv.free_symbols) or not used:
            return None
        v = precision.judge(lv, rv, step)
        where = ", ".join(f"{x} = {self.stated[x][0]} (line {self.stated[x][1]})" for x in used)
        if v is None and not (lv - rv).is_zero:
            return None
        if v is None:  # equal as written: equal to the digits shown
            return Judgement(
                Outcome.PROVED,
                f"{precision.METHOD} (the values the document states: {where})",
                "the sides agree at the values the document states",
            )
        return Judgement(
            v.verdict,
            f"{v.method} (the values the document states: {where})",
            v.reason,
            v.counterexample,
        )

    def _refuted_at_values(self, left: sp.Expr, right: sp.Expr) -> Judgement | None:
        """A claim through a quantity given only by its value (so no other point of the model is
        known) fails at the document's own values, by more than twice what the rounding of
        the values it shows could make (``rounding_slack``): refuted there.  None otherwise."""
        diff = left - right
        if not diff.free_symbols or diff.free_symbols - set(self.values):
            return None
        gap = abs(diff.xreplace(self.values))
        slack = rounding_slack(diff, self.values, self.opaque)
        try:
            if not bool(sp.N(gap, 30) > 2 * sp.N(slack, 30) + sp.Float("1e-20")):
                return None
            lv, rv = sp.N(left.xreplace(self.values), 12), sp.N(right.xreplace(self.values), 12)
        except (TypeError, ValueError):
            return None
        where = ", ".join(f"{x} = {self.values[x]}" for x in sorted(diff.free_symbols, key=str))
        return self._refuted_at(
            diff.free_symbols,
            lv,
            rv,
            f"the two sides differ at the document's values ({lv} ≠ {rv}), by more than the "
            "rounding of the values it shows allows",
            where=where,
        )

    def _refuted_at(
        self, names: Iterable[sp.Basic], lv: sp.Expr, rv: sp.Expr, reason: str, **more: str
    ) -> Judgement:
        """Refuted at the document's values of ``names``: the counterexample a reader replays
        (the values, both sides)."""
        variables = {str(x): str(self.values[x]) for x in sorted(names, key=str)}
        return Judgement(
            Outcome.REFUTED,
            "the document's values",
            reason,
            {"sizes": {}, "indices": {}, "variables": variables, "left": str(lv), "right": str(rv)}
            | more,
        )

    def _trusted(self, x: sp.Symbol) -> bool:
        """May x stand for the value its chain states?  Only when its definition is written out
        in the scalar model with no partial and no function the document leaves generic (down to
        leaves that merely lack a value, a figure's weights, or to quantities whose own chains
        state theirs): the document's numbers then stand for values a reader could compute,
        not for a claim about a derivative the model cannot follow (δ_2 = ∂L/∂z_2 ≈ 0.0478)."""
        try:
            written = self.expand(x)
        except NotBuilt:
            return False
        return not (
            written.atoms(ScalarPartial, sp.Derivative, sp.Subs)
            or written.atoms(sp.core.function.AppliedUndef)
        )

    def _evaluable(self, x: sp.Symbol) -> bool:
        """Do the definitions give x a value (every leaf it is written out to has one)?"""
        try:
            written = self.expand(x)
        except NotBuilt:
            return False
        return not {s for s in written.free_symbols if isinstance(s, sp.Symbol)} - set(self.values)

    def _at_values(self, left: sp.Expr, right: sp.Expr, step: Fraction) -> Judgement:
        """A worked example: both sides at the document's given values, judged at the precision
        the relation shows (``engine.precision``, one unit ``step`` of the last digit shown)."""
        lv, rv = left.xreplace(self.values), right.xreplace(self.values)
        missing = sorted((lv.free_symbols | rv.free_symbols), key=str)
        if missing:
            return Judgement(
                Outcome.UNKNOWN,
                reason=f"{missing[0]} has no value in the document: the numbers cannot be checked",
            )
        if lv == rv or (lv - rv).is_zero:
            return Judgement(Outcome.PROVED, "exact at the document's values")
        v = precision.judge(lv, rv, step)
        if v is None:
            return Judgement(Outcome.UNKNOWN, reason="the two sides are not numbers")
        return Judgement(
            v.verdict, f"{v.method} (the document's values)", v.reason, v.counterexample
        )

    def _at_points(self, left: sp.Expr, right: sp.Expr, tries: int = POINTS) -> Judgement:
        """Not proved: look for leaf values where the two sides differ (a function left generic is
        given a concrete smooth function there: a claim for every function fails for one); a
        difference refutes, none leaves the claim unknown."""
        rng = random.Random(0)
        for _ in range(tries):
            concrete = {
                f: sp.Lambda(
                    _T,
                    sp.sin(sp.Rational(rng.randint(3, 17), 7) * _T)
                    + sp.Rational(rng.randint(1, 9), 5) * _T**2
                    + sp.Rational(rng.randint(-9, 9), 4),
                )
                for f in sorted(_undefined(left) | _undefined(right), key=str)
            }
            try:
                lf, rf = _instantiate(left, concrete), _instantiate(right, concrete)
            except (ArithmeticError, TypeError, ValueError):
                continue
            symbols = sorted(lf.free_symbols | rf.free_symbols, key=str)
            point = {s: sp.Rational(rng.randint(5, 95), 100) * rng.choice((1, -1)) for s in symbols}
            try:
                a, b = sp.N(lf.xreplace(point), 30), sp.N(rf.xreplace(point), 30)
            except (ArithmeticError, TypeError, ValueError):
                continue
            if not (a.is_number and b.is_number and a.is_finite and b.is_finite):
                continue
            if abs(a - b) > sp.Float("1e-20") * (1 + abs(a) + abs(b)):
                where = [f"{s} = {v}" for s, v in point.items()]
                where += [
                    f"{f} = {lam.expr.xreplace({_T: sp.Symbol('t')})}"
                    for f, lam in concrete.items()
                ]
                return Judgement(
                    Outcome.REFUTED,
                    "counterexample in the document's model",
                    "the two sides differ at "
                    + ", ".join(where)
                    + f": {sp.N(a, 8)} ≠ {sp.N(b, 8)}",
                    {
                        "sizes": {},
                        "indices": {},
                        "variables": {str(s): str(v) for s, v in point.items()}
                        | {
                            f"{f}(t)": str(lam.expr.xreplace({_T: sp.Symbol("t")}))
                            for f, lam in concrete.items()
                        },
                        "left": str(sp.N(a, 12)),
                        "right": str(sp.N(b, 12)),
                    },
                )
        return Judgement(
            Outcome.UNKNOWN,
            reason="not proved, and no values were found where the two sides differ",
        )


_T = sp.Dummy("t")


def _undefined(e: sp.Expr) -> set[sp.FunctionClass]:
    """The functions e applies that nothing defines (``f`` of ``z = f(g(x))``)."""
    return {f.func for f in e.atoms(sp.core.function.AppliedUndef)}


def _instantiate(e: sp.Expr, concrete: dict[sp.FunctionClass, sp.Lambda]) -> sp.Expr:
    for f, lam in concrete.items():
        e = e.replace(f, lam)
    return e.doit()


def rounding_slack(
    e: sp.Expr, values: dict[sp.Symbol, sp.Expr], rounded: Iterable[sp.Symbol]
) -> sp.Expr:
    """How much e may move at ``values`` when each quantity in ``rounded`` (a computed quantity
    the document gives only by a rounded value) is off by one unit of its last decimal: the sum
    of |∂e/∂x| times that unit (the last decimal: the power of ten its denominator divides)."""
    slack = sp.Integer(0)
    for x in set(rounded) & e.free_symbols:
        v = values.get(x)
        if v is None or not v.is_Rational or v.q == 1:
            continue
        k = 0
        while (10**k) % int(v.q) and k < 40:
            k += 1
        slack += abs(sp.diff(e, x).xreplace(values)) * sp.Rational(1, 10**k)
    return slack


_UNIT = re.compile(r"^(?P<kind>[^_]+)_\{(?P<letters>[A-Za-z]+)(?P<number>\d+)\}$")


def unit_of(x: sp.Symbol) -> tuple[str, str, str] | None:
    """(kind, layer letters, unit number) of a numbered unit's quantity (``out_{o2}``: out, o,
    2), or None."""
    m = _UNIT.match(x.name)
    return (m["kind"], m["letters"], m["number"]) if m else None


def siblings(x: sp.Expr, y: sp.Expr) -> bool:
    """Two quantities of one kind at two numbered units of one layer (``out_{o1}``,
    ``out_{o2}``): the units of a layer are computed side by side from the layer below, none
    from another, so the partial by one holds the other fixed even when the document gives the
    other only by its value (docs/soundness.md, "Definitions define")."""
    if not (isinstance(x, sp.Symbol) and isinstance(y, sp.Symbol)) or x == y:
        return False
    a, b = unit_of(x), unit_of(y)
    return a is not None and b is not None and a[:2] == b[:2]


def applied_prime(name: str, arg: sp.Expr, primes: int) -> sp.Expr:
    """f′(arg) for a function f left generic: its derivative at arg."""
    t = sp.Dummy("t")
    d = sp.Derivative(sp.Function(name)(t), (t, primes))
    return sp.Subs(d, t, arg)


def symbols_of(exprs: Iterable[sp.Expr]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for e in exprs:
        out |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
    return out
