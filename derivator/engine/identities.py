"""Equalities of real analysis that a careful author uses and the normal form does not know.

Each rewrite replaces an expression by one equal to it for every value of every quantity of
the network (all of them real), so a difference that rewrites to 0 is 0: a proof, never a guess.
docs/soundness.md ("Readings") argues each one:

* ``exp(u + v) = exp(u)·exp(v)`` (always), and a factor that does not depend on a sum's index
  leaves the sum (linearity): ``Σ_k e^{z_k − m} = e^{−m} Σ_k e^{z_k}``;
* ``log(x·y) = log x + log y`` and ``log(x^r) = r·log x`` for *positive* x and y and real r, and
  ``log(e^u) = u`` for real u: used only on factors proved positive (see :func:`positive`);
* ``relu′(x)^k = relu′(x)`` for whole k ≥ 1: relu′ takes only the values 0 and 1.
"""

from __future__ import annotations

import sympy as sp
from sympy.simplify.simplify import factor_sum

from .activations import ActivationFunction, ActivationPrime

#: activations whose values are all positive (σ(x) > 0 for every real x)
POSITIVE_ACTIVATIONS = frozenset({"sigmoid", "softplus"})
#: activations whose derivative takes only the values 0 and 1
STEP_PRIMES = frozenset({"relu"})


def positive(e: sp.Expr) -> bool:
    """Is ``e`` > 0 for every real value of the network's quantities (and positive sizes)?
    Only what the structure shows: positive numbers and sizes, e^u, σ of an activation whose
    values are positive, and sums, products and real powers of those."""
    if e.is_Number:
        return bool(e > 0)
    if isinstance(e, sp.Symbol):
        return e.is_positive is True
    if isinstance(e, sp.exp):
        return True
    if isinstance(e, ActivationFunction):
        return e.activation in POSITIVE_ACTIVATIONS
    if isinstance(e, (sp.Add, sp.Mul)):
        return all(positive(x) for x in e.args)
    if isinstance(e, sp.Pow):
        return positive(e.base) and e.exp.is_real is True
    if isinstance(e, sp.Sum):  # a sum over a range that is never empty (lower bound 0 or 1 … n)
        return positive(e.function) and all(
            len(lim) == 3 and lim[1].is_number and lim[1] >= 0 and _nonempty(lim)
            for lim in e.limits
        )
    return False


def _nonempty(lim: tuple[sp.Expr, ...]) -> bool:
    """Does the range lo … hi hold at least one value for every size?"""
    return bool((lim[2] - lim[1]).is_nonnegative)


def _split_log(arg: sp.Expr) -> sp.Expr | None:
    """log(arg) written as a sum of logs, when every factor of arg is positive (else None)."""
    terms = []
    for f in sp.Mul.make_args(arg):
        if isinstance(f, sp.exp):
            terms.append(f.args[0])
        elif isinstance(f, sp.Pow) and f.exp.is_real and positive(f.base):
            inner = _split_log(f.base)
            terms.append(f.exp * (inner if inner is not None else sp.log(f.base)))
        elif positive(f):
            terms.append(sp.log(f))
        else:
            return None
    return sp.Add(*terms)


def _pull_out(s: sp.Sum) -> sp.Expr:
    """Σ_k e^{u_k − m}: exponentials split, factors free of k taken out of the sum.

    The split is ours, exp(u + v) → exp(u)·exp(v) on a sum of terms only: SymPy's
    ``expand(power_exp=True)`` also turns e^{Σ_k x_k} into the product Π_k e^{x_k}, an identity,
    but one the normal form cannot compare (a Product's index is renamed by no canonical rule)
    and the numeric stages do not evaluate."""
    body = s.function.replace(
        lambda x: isinstance(x, sp.exp) and isinstance(x.args[0], sp.Add),
        lambda x: sp.Mul(*[sp.exp(t) for t in x.args[0].args]),
    )
    return factor_sum(sp.Sum(body, *s.limits))


def rewrite(e: sp.Expr) -> sp.Expr:
    """``e`` with the identities above applied where they apply (an equal expression)."""
    if not e.has(sp.log, sp.exp, ActivationPrime):
        return e

    def step_prime(x: sp.Expr) -> sp.Expr:
        if (
            isinstance(x, sp.Pow)
            and isinstance(x.base, ActivationPrime)
            and x.base.activation in STEP_PRIMES
            and x.exp.is_Integer
            and x.exp >= 1
        ):
            return x.base
        return x

    e = e.replace(lambda x: isinstance(x, sp.Pow), step_prime)
    e = e.replace(lambda x: isinstance(x, sp.Sum) and x.has(sp.exp), _pull_out)

    def split(x: sp.Expr) -> sp.Expr:
        if isinstance(x, sp.log):
            out = _split_log(x.args[0])
            if out is not None:
                return out
        return x

    return e.replace(lambda x: isinstance(x, sp.log), split)
