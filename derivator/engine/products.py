"""A product over an index, ``∏_k f_k``, in an exact form the rest of the engine works with.

Where every factor is provably positive in the network's model, ``∏_k f_k = exp(Σ_k log f_k)``
(the exponential turns sums into products, and ``log`` inverts it on positive reals), and the
log of each factor is split (``log(x^r) = r·log x`` for x > 0, real r; ``log(x·y) = log x +
log y`` for x, y > 0; ``log e^u = u``).  A derivative of the product, its log, the likelihood
of Bernoulli or softmax outputs, are then sums the normal form already compares.  Positivity is
shown by the structure of the factor and the model, never by a letter: a positive number or
size, ``e^u``, an activation whose values are all positive (σ(x) > 0), the activations a^(p)
of a layer whose σ has only positive values or of a softmax output (e^{z_j}/Σ_k e^{z_k}), and
1 − a^(p) at a sigmoid layer (1 − σ(x) = σ(−x) > 0); and products, sums and real powers of
those.  Every other product stays a SymPy ``Product``, evaluated factor by factor and never
rewritten (docs/soundness.md, "Products over an index").
"""

from __future__ import annotations

import sympy as sp

from .derive import classify
from .identities import POSITIVE_ACTIVATIONS, positive
from .network import Network
from .notation import NotationError


def real(net: Network, e: sp.Expr) -> bool:
    """Is ``e`` real for every value of the network's quantities?  The quantities (a, z, w, b,
    y, the inputs) are real numbers; numbers, sums, products and whole powers of real numbers are
    real, and so are e^u, σ(u) and log of a positive value."""
    if e.is_Number:
        return e.is_real is True
    if isinstance(e, sp.Symbol):
        return e.is_real is True
    if isinstance(e, sp.Indexed):
        return _quantity(net, e) is not None
    if isinstance(e, (sp.Add, sp.Mul)):
        return all(real(net, x) for x in e.args)
    if isinstance(e, sp.Pow):
        whole = real(net, e.base) and e.exp.is_Integer is True
        return whole or (positive_in(net, e.base) and real(net, e.exp))
    if isinstance(e, sp.exp):
        return real(net, e.args[0])
    if isinstance(e, sp.log):
        return positive_in(net, e.args[0])
    return False


def _quantity(net: Network, e: sp.Indexed) -> str | None:
    try:
        ref = classify(net, e)
    except NotationError:  # a tag this network has no layer for: no quantity of it
        return None
    return None if ref is None else ref.quantity


def _activation_layer(net: Network, e: sp.Expr) -> int | None:
    """The layer p ≥ 1 of an activation a^(p) (None for anything else, the inputs a^(0) too)."""
    if not isinstance(e, sp.Indexed):
        return None
    try:
        ref = classify(net, e)
    except NotationError:
        return None
    if ref is None or ref.quantity != "a" or ref.layer is None or ref.layer < 1:
        return None
    return ref.layer


def _layer_positive(net: Network, e: sp.Expr) -> bool:
    """a^(p) of a layer whose values are all positive: σ(z) with σ > 0, or a softmax output."""
    p = _activation_layer(net, e)
    if p is None:
        return False
    if p == net.D and net.softmax_output:
        return True
    act = net.activation_at(p)
    return act is not None and act.name in POSITIVE_ACTIVATIONS


def _sigmoid_layer(net: Network, e: sp.Expr) -> bool:
    """Is ``e`` an activation a^(p) of a sigmoid layer (so that 1 − a^(p) = σ(−z) > 0)?"""
    p = _activation_layer(net, e)
    if p is None:
        return False
    act = net.activation_at(p)
    return act is not None and act.name == "sigmoid"


def positive_in(net: Network, e: sp.Expr) -> bool:
    """Is ``e`` > 0 for every value it takes in the network's model?"""
    if positive(e):
        return True
    if isinstance(e, sp.Indexed):
        return _layer_positive(net, e)
    if isinstance(e, sp.Add):
        if all(positive_in(net, x) for x in e.args):
            return True
        # 1 − a^(p) at a sigmoid layer: 1 − σ(z) = σ(−z) > 0
        return len(e.args) == 2 and sp.Integer(1) in e.args and _sigmoid_layer(net, -(e - 1))
    if isinstance(e, sp.Mul):
        return all(positive_in(net, x) for x in e.args)
    if isinstance(e, sp.Pow):
        return positive_in(net, e.base) and real(net, e.exp)
    return False


def log_of(net: Network, f: sp.Expr) -> sp.Expr | None:
    """log f as a sum of logs of its factors, when every factor is positive (else None)."""
    terms = []
    for x in sp.Mul.make_args(f):
        if isinstance(x, sp.exp) and real(net, x.args[0]):
            terms.append(x.args[0])
        elif isinstance(x, sp.Pow) and real(net, x.exp) and positive_in(net, x.base):
            inner = log_of(net, x.base)
            terms.append(x.exp * (inner if inner is not None else sp.log(x.base)))
        elif positive_in(net, x):
            terms.append(sp.log(x))
        else:
            return None
    return sp.Add(*terms)


def product(
    net: Network, body: sp.Expr, d: sp.Symbol, lo: sp.Expr, hi: sp.Expr
) -> tuple[sp.Expr, bool]:
    """``∏_{d=lo}^{hi} body`` in an exact form, and whether it was written as exp(Σ log)."""
    logs = log_of(net, body)
    if logs is None:
        return sp.Product(body, (d, lo, hi)), False
    return sp.exp(sp.Sum(logs, (d, lo, hi))), True


def merge_powers(net: Network, e: sp.Expr) -> sp.Expr:
    """``e`` with the powers of one positive base in a product merged: x^r·x^s = x^{r+s} for
    x > 0 and real r, s (e^{r log x}·e^{s log x} = e^{(r+s) log x}).  Only where a power's
    exponent is not a whole number: SymPy already merges those."""
    if not any(not p.exp.is_Integer for p in e.atoms(sp.Pow)):
        return e

    def merge(m: sp.Mul) -> sp.Expr:
        groups: dict[sp.Expr, list[sp.Expr]] = {}
        rest = []
        for f in m.args:
            base, exp = f.as_base_exp()
            if not base.is_Number and positive_in(net, base) and real(net, exp):
                groups.setdefault(base, []).append(exp)
            else:
                rest.append(f)
        merged = [sp.Pow(b, sp.Add(*xs)) for b, xs in groups.items()]
        return sp.Mul(*rest, *merged)

    return e.replace(lambda x: isinstance(x, sp.Mul), merge)
