"""Relations between decimals, judged at the precision they show.

A worked example computes with rounded decimals: ``0.75136507(1 - 0.75136507) = 0.186815602``
is false as an identity between exact numbers and true as what its author means, "equal to the
digits shown".  Such a relation is judged by a method of its own: the sides hold *at the shown
precision* when they differ by at most one unit of the last digit shown, and are refuted with
the difference when they differ by more.  Which digit is "the last shown": the rounded result's,
when one side is a lone number (the value the author rounded), else the finest of the relation
(the strictest reading).  Exact equality is still a proof of its own (``proved`` by the prover).

The difference is evaluated with interval-free high precision (``DIGITS`` digits): a difference
that lies within 10^-(DIGITS-10) of the unit itself is left ``unknown`` instead of guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import sympy as sp

from .outcome import Outcome
from .proof import Verdict

METHOD = "at the shown precision"
#: digits of the numeric evaluation of a side (exact rationals need none; e^x and roots do)
DIGITS = 60


def unit(numbers: Iterable[str], result: Iterable[str] = ()) -> Fraction | None:
    """One unit of the last digit shown: of the coarsest decimal of the rounded result
    (``result``: the numbers of a side that is only numbers), else of the finest decimal of the
    relation (``numbers``).  None when no number has a decimal point (integers are exact)."""
    shown = [len(t.split(".")[1]) for t in result if "." in t]
    if shown:
        return Fraction(1, 10 ** min(shown))
    places = [len(t.split(".")[1]) for t in numbers if "." in t]
    return Fraction(1, 10 ** max(places)) if places else None


def _value(e: sp.Expr) -> sp.Float | None:
    """The number a constant side stands for, to DIGITS digits; None when it is not a real
    number (a symbol, a matrix, a complex value)."""
    if not isinstance(e, sp.Expr) or e.free_symbols:
        return None
    v = sp.N(e, DIGITS)
    return v if v.is_real and v.is_finite else None


def shown(e: sp.Expr) -> str:
    """A constant side as the decimal it evaluates to (what a reader compares), 12 digits, or
    every digit when it is a decimal that needs more (1.0000000000001 is not 1)."""
    exact = _exact_decimal(e)
    if exact is not None:
        return exact
    v = _value(e)
    return _show(v) if v is not None else str(e)


def _exact_decimal(e: sp.Expr) -> str | None:
    """A rational with a finite decimal expansion of more than 12 significant digits, written
    out in full; None otherwise (12 digits then say everything, or no finite decimal exists)."""
    if not isinstance(e, sp.Expr) or not e.is_Rational:
        return None
    q = int(e.q)
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return None
    places = max(twos, fives)
    scaled = abs(int(e.p)) * 10**places // int(e.q)
    digits = str(scaled).rjust(places + 1, "0")
    text = digits[: len(digits) - places] + ("." + digits[-places:] if places else "")
    text = ("-" if e < 0 else "") + text
    return text if len(digits.lstrip("0")) > 12 else None


def _show(x: sp.Float) -> str:
    """A value to 12 significant digits, as a reader would write it."""
    return f"{float(x):.12g}"


def _decimal(step: Fraction) -> str:
    """1/10^k written as the decimal 0.0…01 (1 for k = 0)."""
    places = len(str(step.denominator)) - 1
    return "1" if places == 0 else "0." + "0" * (places - 1) + "1"


def judge(lhs: sp.Expr, rhs: sp.Expr, step: Fraction | None) -> Verdict | None:
    """The verdict at the shown precision ``step`` (one unit of the last digit shown), or None
    when this method does not apply: a side that is not a number, no decimal shown, or two
    sides exactly equal (an identity, which the prover proves as such)."""
    if step is None:
        return None
    left, right = _value(lhs), _value(rhs)
    if left is None or right is None:
        return None
    if lhs == rhs or (lhs - rhs).is_zero:
        return None
    bound = sp.Rational(step.numerator, step.denominator)
    exact = lhs - rhs
    if exact.is_Rational:  # decimals and fractions only: the difference is exact, no margin
        diff, margin = abs(exact), sp.Integer(0)
    else:  # e^x, roots: DIGITS digits, and a margin well above their last one
        diff = abs(left - right)
        margin = sp.Float(10, DIGITS) ** (-(DIGITS - 10))
    text = _show(sp.Float(diff, DIGITS))
    shown = _decimal(step)
    # strictly within one unit: 1 = 1.0000000000001 differs by a whole unit of the last digit
    # shown, which no rounding of 1 gives (a decimal is the number it writes)
    if diff < bound - margin:
        return Verdict(
            Outcome.PROVED,
            METHOD,
            f"the sides differ by {text}, within one unit of the last digit shown ({shown})",
        )
    if diff >= bound + margin:
        return Verdict(
            Outcome.REFUTED,
            METHOD,
            f"the sides differ by {text}, not less than one unit of the last digit shown ({shown})",
            {
                "sizes": {},
                "indices": {},
                "left": _exact_decimal(lhs) or _show(left),
                "right": _exact_decimal(rhs) or _show(right),
                "difference": text,
                "unit": shown,
            },
        )
    return Verdict(
        Outcome.UNKNOWN,
        METHOD,
        f"the sides differ by almost exactly one unit of the last digit shown ({shown})",
    )
