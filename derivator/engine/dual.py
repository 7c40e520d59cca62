"""Dual numbers x + x′ε (ε² = 0) over floats or mpmath reals: derivatives by arithmetic, not by
rules.  The value and the derivative may be NumPy arrays (of floats, or of mpmath reals): a
whole layer at once, or one value with its derivatives along every entry of a seeded quantity.

The audit (``audit.py``) needs ∂X/∂v of relations as a reader wrote them, by a route that shares
nothing with the prover's ``sympy.diff``, normal form and closed forms.  Seeding one input with
derivative 1 and running the forward pass and X's own arithmetic on dual numbers gives ∂X/∂v
exactly (up to the working precision): every operation carries its derivative by the definition
of the derivative of +, ×, ÷, exp, log, tanh, never by a rewrite of the expression.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np


class Dual:
    """``a + d·ε``: a value and its derivative along one seeded input."""

    __slots__ = ("a", "d")
    #: an array on the left (y · log a) leaves the operation to the dual number, instead of
    #: making an array of dual numbers
    __array_ufunc__ = None

    def __init__(self, a: Any, d: Any = 0) -> None:
        self.a = a
        self.d = d

    def __repr__(self) -> str:
        return f"Dual({self.a}, {self.d})"

    def __add__(self, o: Any) -> Dual:
        o = lift(o)
        return Dual(self.a + o.a, self.d + o.d)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.a, -self.d)

    def __sub__(self, o: Any) -> Dual:
        return self + (-lift(o))

    def __rsub__(self, o: Any) -> Dual:
        return lift(o) - self

    def __mul__(self, o: Any) -> Dual:
        o = lift(o)
        return Dual(self.a * o.a, self.a * o.d + self.d * o.a)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Dual:
        o = lift(o)
        if _vanishes(o.a):
            raise ZeroDivisionError("division by zero")
        return Dual(self.a / o.a, (self.d * o.a - self.a * o.d) / (o.a * o.a))

    def __rtruediv__(self, o: Any) -> Dual:
        return lift(o) / self

    def __pow__(self, k: int) -> Dual:
        if not isinstance(k, int):
            raise TypeError("only integer powers of dual numbers")
        if k < 0:
            return Dual(1) / (self ** (-k))
        return Dual(self.a**k, k * self.a ** (k - 1) * self.d if k else 0)

    # comparisons look at the value (max(0, x), x > 0)
    def __lt__(self, o: Any) -> bool:
        return bool(self.a < lift(o).a)

    def __gt__(self, o: Any) -> bool:
        return bool(self.a > lift(o).a)

    def __le__(self, o: Any) -> bool:
        return bool(self.a <= lift(o).a)

    def __ge__(self, o: Any) -> bool:
        return bool(self.a >= lift(o).a)


def _vanishes(x: Any) -> bool:
    """Is x zero (an array: anywhere)?"""
    return bool(np.any(x == 0)) if isinstance(x, np.ndarray) else bool(x == 0)


def lift(x: Any) -> Dual:
    return x if isinstance(x, Dual) else Dual(x, 0)


def value(x: Any) -> Any:
    return x.a if isinstance(x, Dual) else x


def derivative(x: Any) -> Any:
    """The ε part (0 for a plain number: it does not depend on the seeded input)."""
    return x.d if isinstance(x, Dual) else 0 * x


class _ObjectArrays:
    """mpmath's functions, elementwise over NumPy arrays of mpmath reals."""

    def __getattr__(self, name: str) -> Any:
        return np.frompyfunc(getattr(mpmath, name), 1, 1)


_OBJECTS = _ObjectArrays()


def _lib(t: Any) -> Any:
    """Floats take the math module (fast), mpmath's reals mpmath (any precision), arrays NumPy
    (of floats) or mpmath elementwise (of mpmath reals)."""
    if isinstance(t, np.ndarray):
        return _OBJECTS if t.dtype == object else np
    return math if isinstance(t, float) else mpmath


def _chain(name: str, df: Any, x: Any) -> Any:
    if isinstance(x, Dual):
        return Dual(getattr(_lib(x.a), name)(x.a), df(x.a) * x.d)
    return getattr(_lib(x), name)(x)


def exp(x: Any) -> Any:
    return _chain("exp", lambda t: _lib(t).exp(t), x)


def log(x: Any) -> Any:
    if np.any(value(x) <= 0):
        raise ValueError("log of a non-positive number")
    return _chain("log", lambda t: 1 / t, x)


def tanh(x: Any) -> Any:
    return _chain("tanh", lambda t: 1 - _lib(t).tanh(t) ** 2, x)


def sinh(x: Any) -> Any:
    return _chain("sinh", lambda t: _lib(t).cosh(t), x)


def cosh(x: Any) -> Any:
    return _chain("cosh", lambda t: _lib(t).sinh(t), x)


def sin(x: Any) -> Any:
    return _chain("sin", lambda t: _lib(t).cos(t), x)


def cos(x: Any) -> Any:
    return _chain("cos", lambda t: -_lib(t).sin(t), x)


def sqrt(x: Any) -> Any:
    if np.any(value(x) < 0):
        raise ValueError("square root of a negative number")
    return _chain("sqrt", lambda t: 1 / (2 * _lib(t).sqrt(t)), x)


def step(x: Any) -> Any:
    """The Heaviside step with H(0) = 0 (derivative 0 where it exists)."""
    v = value(x)
    if isinstance(v, np.ndarray):
        return v * 0 + (v > 0)
    return (v * 0) + (1 if v > 0 else 0)
