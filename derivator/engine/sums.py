"""SymPy's ``Sum.free_symbols``, computed once per sum instead of on every question.

``Sum.free_symbols`` rebuilds the summand (an ``xreplace`` of the whole body) each time it is
asked, and SymPy asks it all the time: ``sympy.diff`` checks whether each partial result is zero,
which asks whether it is positive, which asks ``is_number`` of every sum inside it, which asks
``free_symbols``, whose nested sums ask again.  On the seed article that was a sixth of the
proving time.  A SymPy expression is immutable, so its free symbols are a function of the
expression: we keep them in SymPy's own bounded cache (``cacheit``, cleared by
``sympy.core.cache.clear_cache``) and hand out a fresh set each time, as SymPy does (callers
mutate the set they get).  The answer is the one SymPy computes; only its cost changes.

Importing this module installs it (once); ``algebra`` imports it, so every proof has it.
"""

from __future__ import annotations

from typing import Any

from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.core.cache import cacheit

#: SymPy's own property (also when this module is loaded a second time, e.g. by a reload)
_computed: property = getattr(
    ExprWithLimits.free_symbols.fget, "computed", ExprWithLimits.free_symbols
)


@cacheit
def _free(expr: ExprWithLimits) -> frozenset[Any]:
    return frozenset(_computed.fget(expr))  # type: ignore[misc]


def _free_symbols(self: ExprWithLimits) -> set[Any]:
    return set(_free(self))


_free_symbols.computed = _computed  # type: ignore[attr-defined]
ExprWithLimits.free_symbols = property(_free_symbols, doc=_computed.__doc__)
