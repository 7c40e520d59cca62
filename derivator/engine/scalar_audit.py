"""The audit of a proof in a document's scalar model: both sides evaluated as read, at random
values of the leaves, by arithmetic that shares nothing with the proof.

A claim of a worked example or a chain-rule note (``∂E/∂w_5 = ∂E/∂out · ∂out/∂net · ∂net/∂w_5``)
is proved in its scalar model (``scalar.py``) by writing its definitions out, taking partials
with ``sympy.diff`` and asking ``sympy.simplify`` for 0.  This module asks again, from the
definitions alone: each name is the value of its formula, a leaf (an input, a weight, a target)
a random number, a function the document leaves generic a fixed smooth function, a function it
defines its formula; a partial ∂A/∂B is A computed with B's value carrying derivative 1 (dual
numbers, ``dual.py``), so that everything defined from B carries its derivative by arithmetic,
never by a rule of differentiation.  A disagreement makes the proof an error; what the audit
cannot evaluate (a second derivative, a function it does not know) leaves the proof standing and
says so.

May import: sympy, mpmath, the standard library and the engine's ``dual``, ``audit`` (its
verdict type) and ``scalar`` (the model).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from . import dual
from .audit import Audit, NotEvaluable
from .scalar import ScalarModel, ScalarPartial

#: points (draws of the leaves and of the generic functions) per audit
POINTS = 3
#: the sides agree when they differ by at most this, relative to their size (the audit looks
#: for the gross difference of a wrong proof, not for rounding)
TOLERANCE = 1e-9
#: digits of the recheck of a difference found in floating point
RECHECK = 60


class _Evaluator:
    """One point: the leaves' values, the generic functions' coefficients, a number type."""

    def __init__(
        self,
        model: ScalarModel,
        leaves: dict[sp.Symbol, Fraction],
        shapes: dict[str, tuple[Fraction, Fraction, Fraction]],
        number: Callable[[Fraction], Any],
    ) -> None:
        self.model, self.leaves, self.shapes, self.number = model, leaves, shapes, number
        self.memo: dict[tuple[sp.Symbol, sp.Symbol | None], Any] = {}

    def constant(self, p: int, q: int = 1) -> Any:
        return self.number(Fraction(p, q))

    def generic(self, name: str, x: Any) -> Any:
        """A function the document leaves generic: sin(c·t) + d·t² + k, fixed per point (a
        claim for every function must hold for this one)."""
        c, d, k = (self.number(v) for v in self.shapes[name])
        return dual.sin(c * x) + d * x * x + k

    def ev(self, e: sp.Expr, seed: sp.Symbol | None, bound: dict[sp.Symbol, Any]) -> Any:
        if e in bound:
            return bound[e]
        if isinstance(e, sp.Rational):
            return self.constant(int(e.p), int(e.q))
        if isinstance(e, sp.Float):
            return self.number(Fraction(str(e)))
        if e is sp.E:
            return dual.exp(self.constant(1))
        if e is sp.pi:
            return math.pi if self.number is _float else +mpmath.pi
        if isinstance(e, sp.Symbol):
            return self.symbol(e, seed)
        if isinstance(e, ScalarPartial):
            num, den = e.args
            if seed is not None:
                raise NotEvaluable("a partial inside a partial")
            if not isinstance(den, sp.Symbol):
                raise NotEvaluable(f"a partial by {den}")
            return dual.derivative(self.ev(num, den, bound))
        if isinstance(e, (sp.Add, sp.Mul)):
            acc = self.ev(e.args[0], seed, bound)
            for a in e.args[1:]:
                v = self.ev(a, seed, bound)
                acc = acc + v if isinstance(e, sp.Add) else acc * v
            return acc
        if isinstance(e, sp.Pow):
            return self.power(e, seed, bound)
        unary = {
            sp.exp: dual.exp,
            sp.log: dual.log,
            sp.sin: dual.sin,
            sp.cos: dual.cos,
            sp.tanh: dual.tanh,
            sp.sinh: dual.sinh,
            sp.cosh: dual.cosh,
        }.get(type(e))
        if unary is not None and len(e.args) == 1:
            return unary(self.ev(e.args[0], seed, bound))
        if isinstance(e, sp.core.function.AppliedUndef):
            return self.apply(e, seed, bound)
        if isinstance(e, sp.Subs):
            return self.prime(e, seed, bound)
        raise NotEvaluable(f"{type(e).__name__}: {e}")

    def symbol(self, s: sp.Symbol, seed: sp.Symbol | None) -> Any:
        """A name: the value of its formula (its definition), or a leaf's value; the seeded
        name carries derivative 1, and every name defined from it its derivative."""
        if s == seed:
            return dual.Dual(dual.value(self.symbol(s, None)), self.constant(1))
        key = (s, seed)
        if key not in self.memo:
            formula = self.model.formulas.get(s)
            if formula is not None:
                self.memo[key] = self.ev(formula, seed, {})
            elif s in self.leaves:
                self.memo[key] = self.number(self.leaves[s])
            else:
                raise NotEvaluable(f"no value for {s}")
        return self.memo[key]

    def power(self, e: sp.Pow, seed: sp.Symbol | None, bound: dict[sp.Symbol, Any]) -> Any:
        base = self.ev(e.base, seed, bound)
        if e.exp.is_Integer:
            k = int(e.exp)
            if k < 0 and dual.value(base) == 0:
                raise ZeroDivisionError("0 to a negative power")
            return base**k
        exponent = self.ev(e.exp, seed, bound)
        if dual.value(base) <= 0:
            raise ValueError("a power of a number that is not positive")
        return dual.exp(exponent * dual.log(base))

    def apply(self, e: sp.Expr, seed: sp.Symbol | None, bound: dict[sp.Symbol, Any]) -> Any:
        """f(args): the document's formula for f, or the generic function of this point."""
        name = str(e.func)
        args = [self.ev(a, seed, bound) for a in e.args]
        lam = self.model.functions.get(name)
        if lam is not None:
            if len(lam.variables) != len(args):
                raise NotEvaluable(f"{name} applied to {len(args)} arguments")
            return self.ev(lam.expr, seed, dict(zip(lam.variables, args)))
        if name in self.shapes and len(args) == 1:
            return self.generic(name, args[0])
        raise NotEvaluable(f"the function {name}")

    def prime(self, e: sp.Subs, seed: sp.Symbol | None, bound: dict[sp.Symbol, Any]) -> Any:
        """f′(x) (``scalar.applied_prime``): f at x carrying derivative 1, once."""
        d, variables, points = e.args
        if not (
            isinstance(d, sp.Derivative) and len(variables) == 1 and len(d.variable_count) == 1
        ):
            raise NotEvaluable(f"{e}")
        (t, order), f = d.variable_count[0], d.expr
        if order != 1 or variables[0] != t or not isinstance(f, sp.core.function.AppliedUndef):
            raise NotEvaluable("a derivative of order other than 1")
        x = self.ev(points[0], seed, bound)
        if isinstance(x, dual.Dual):
            raise NotEvaluable("a derivative of f′ (second derivatives are not evaluated)")
        probe = sp.Function(str(f.func))(sp.Dummy("t"))
        return dual.derivative(self.apply(probe, None, {probe.args[0]: dual.Dual(x, 1)}))


def _float(x: Fraction) -> float:
    return x.numerator / x.denominator


def _mp(x: Fraction) -> Any:
    return mpmath.mpf(x.numerator) / x.denominator


def _names(model: ScalarModel, exprs: list[sp.Expr]) -> tuple[set[sp.Symbol], set[str]]:
    """The leaves the relation reaches through the definitions, and the generic functions."""
    leaves: set[sp.Symbol] = set()
    functions: set[str] = set()
    seen: set[sp.Symbol] = set()
    todo = list(exprs)
    while todo:
        e = todo.pop()
        for f in e.atoms(sp.core.function.AppliedUndef):
            if str(f.func) in model.functions:
                todo.append(model.functions[str(f.func)].expr)
            else:
                functions.add(str(f.func))
        for s in e.free_symbols:
            if not isinstance(s, sp.Symbol) or s in seen:
                continue
            seen.add(s)
            if s in model.formulas:
                todo.append(model.formulas[s])
            else:
                leaves.add(s)
    return leaves, functions


def audit(
    lhs: sp.Expr,
    rhs: sp.Expr,
    model: ScalarModel,
    at_values: bool = False,
    seed: int = 0,
    within: Fraction | None = None,
) -> Audit:
    """Evaluate ``lhs`` and ``rhs`` as read at POINTS random points (at the document's values
    when the proof was at those: ``at_values``) and compare: equal to TOLERANCE, or, for a
    proof at the shown precision, closer than ``within`` (one unit of the last digit shown:
    ``0.36`` for a net input of 0.3575 holds to the digits it shows, and an exact comparison
    would call that proof false)."""
    leaves, functions = _names(model, [lhs, rhs])
    rng = random.Random(f"scalar-audit:{seed}:{sorted(map(str, leaves))}")
    checked = 0
    try:
        for _ in range(1 if at_values else POINTS):
            values: dict[sp.Symbol, Fraction] = {}
            for s in sorted(leaves, key=str):
                given = model.values.get(s) if at_values else None
                if given is not None and not given.is_Rational:
                    raise NotEvaluable(f"the value of {s} is no fraction")
                if given is not None:
                    values[s] = Fraction(int(given.p), int(given.q))
                else:
                    values[s] = Fraction(rng.randint(5, 95), 100) * rng.choice((1, -1))
            shapes = {
                f: (Fraction(rng.randint(3, 17), 7), Fraction(rng.randint(1, 9), 5), Fraction(1, 4))
                for f in sorted(functions)
            }
            agreed = _compare(lhs, rhs, _Evaluator(model, values, shapes, _float), within)
            if agreed is None:
                continue  # a pole: no evidence either way
            if not agreed:
                with mpmath.workdps(RECHECK):
                    agreed = _compare(lhs, rhs, _Evaluator(model, values, shapes, _mp), within)
            if agreed is False:
                return Audit(
                    "disagreed",
                    checked,
                    {"variables": {str(s): str(v) for s, v in values.items()}},
                )
            checked += 1
    except NotEvaluable as e:
        return Audit("not evaluable", checked, reason=str(e))
    except (RecursionError, TypeError) as e:
        return Audit("not evaluable", checked, reason=f"{type(e).__name__}")
    if checked == 0:
        return Audit("not evaluable", 0, reason="no point where both sides have a value")
    return Audit("agreed", checked)


def _compare(
    lhs: sp.Expr, rhs: sp.Expr, ev: _Evaluator, within: Fraction | None = None
) -> bool | None:
    try:
        a = dual.value(ev.ev(lhs, None, {}))
        b = dual.value(ev.ev(rhs, None, {}))
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    slack = TOLERANCE * (1 + abs(a) + abs(b))
    if within is not None:
        return bool(abs(a - b) < float(within) + slack)
    return bool(abs(a - b) <= slack)
