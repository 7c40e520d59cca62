"""The decision procedure: is a hand-written relation true in a network?

Stages, first decisive one wins (design.md; the argument for each is in docs/soundness.md):

1. **Index check**: the free indices of both sides must agree; a mismatch is the usual sign of a
   missing Σ and is reported as a hint, then decided numerically.
2. **Normal form** at the network's sizes (symbolic: a proof for all sizes).  Partials and δ are
   replaced by their true values first, so a chain of steps is checked step by step.
3. **Counterexample search** at several size sets where the sample count and every width are
   pairwise different, at random high-precision inputs: a difference refutes.
4. **Exact at concrete sizes** only where the document or the command line states every size
   (widths and sample count): sums unrolled and compared as polynomials, a proof at those sizes.
   Where the checker chose the sizes itself, agreement is evidence, never a proof: ``unknown``
   with the sizes in the reason.

Every stage runs under one deadline; nothing hangs.
"""

from __future__ import annotations

import dataclasses
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from typing import Any, TypeVar

import mpmath
import sympy as sp

from ..system import deadline as system_deadline
from . import algebra, audit, derive, evaluate, identities, losses, products
from .activations import (
    ACTIVATIONS,
    ActivationFunction,
    ActivationPrime,
    generic_numbers,
    is_generic,
)
from .derive import SAMPLES, index_ranges
from .network import Network, Stop
from .notation import NotationError
from .outcome import Outcome

T = TypeVar("T")

#: every verdict, in the order reports count them
VERDICTS = tuple(Outcome)
#: from this depth on, partials of the loss are taken through the layer above their variable
DEEP = 5
#: working precision of the numeric stages; sides closer than 10^-30 count as equal
DIGITS = 50


@dataclass
class Verdict:
    """The outcome of one claim.  ``counterexample`` names sizes, index values, the inputs and
    both sides' values, so that a reader can check a refutation by hand."""

    verdict: Outcome
    method: str = ""
    reason: str = ""
    counterexample: dict[str, Any] | None = None
    seconds: float = 0.0
    hints: list[str] = field(default_factory=list)
    #: what the independent audit of a ``proved`` found (``audit.Audit``); empty otherwise
    audit: str = ""

    def __post_init__(self) -> None:
        self.verdict = Outcome.of(self.verdict)  # a word read back from JSON or a cache, too

    @property
    def proved(self) -> bool:
        return self.verdict == "proved"

    def __str__(self) -> str:
        s = f"{self.verdict} ({self.method})" if self.method else self.verdict
        if self.reason:
            s += f": {self.reason}"
        return s

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "method": self.method,
            "reason": self.reason,
            "counterexample": self.counterexample,
        }

    def _repr_latex_(self) -> str:
        """What a notebook shows: the verdict and how it was reached; unless proved, why (the
        reason and its hints), and where a counterexample's two sides differ."""
        lines = [f"{self.verdict} ({self.method})" if self.method else str(self.verdict)]
        if self.reason:
            lines.append(self.reason)
        lines += [h for h in self.hints if h not in self.reason]
        ce = self.counterexample or {}
        if "left" in ce and "right" in ce:
            at = ", ".join(f"{k} = {v}" for k, v in (ce.get("indices") or {}).items())
            lines.append((f"at {at}: " if at else "") + f"left {ce['left']} ≠ right {ce['right']}")
        rows = r" \\ ".join(_latex_text(line) for line in lines)
        return rf"$\begin{{array}}{{l}} {rows} \end{{array}}$"


#: characters that \text{} cannot hold in every renderer (KaTeX rejects _ and ^ there): written
#: in math mode between the pieces of text
_MATH_FOR = {
    "\\": r"\backslash ",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\hat{}",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "~": r"\sim ",
}


def _latex_text(s: str) -> str:
    """Plain words as LaTeX math: ``\text{…}`` pieces, the characters text mode cannot hold
    between them."""
    out, piece = [], ""
    for c in s:
        if c in _MATH_FOR:
            if piece:
                out.append(rf"\text{{{piece}}}")
            out.append(_MATH_FOR[c])
            piece = ""
        else:
            piece += c
    if piece:
        out.append(rf"\text{{{piece}}}")
    return "".join(out)


# the deadline lives in derivator.system (it works in any thread); named here for the callers
# that imported it from the prover
Timeout = system_deadline.Timeout
deadline = system_deadline.deadline


@contextmanager
def share(fraction: float) -> Iterator[None]:
    """Run the block on ``fraction`` of the time the enclosing :func:`deadline` has left, raising
    :class:`Timeout` when that share is spent; the enclosing deadline then goes on as before.
    A costly symbolic stage (a zero term (Σa + Σz)^64 − … to expand) must not use the time a
    numeric counterexample needs.  Only in the main thread, where the time left can
    be read from the timer; elsewhere, and without an enclosing deadline, the block runs on."""
    remaining = 0.0
    if threading.current_thread() is threading.main_thread():
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if remaining <= 0:
        yield
        return
    with deadline(max(remaining * fraction, 0.01)):
        yield


# ---------------------------------------------------------------------------------------------
# indices


def free_indices(e: sp.Expr) -> set[sp.Symbol]:
    return {s for s in e.free_symbols if isinstance(s, sp.Symbol) and derive.is_index(s)}


def _range_name(net: Network, r: int) -> str:
    return "the samples" if r == SAMPLES else f"layer {net.tag(r)}"


# ---------------------------------------------------------------------------------------------
# canonical rewriting


def _closed_forms(net: Network, e: sp.Expr, primes: bool = True) -> sp.Expr:
    """σ(z^(p)) → a^(p) and σ′(z^(p)) → its polynomial in a^(p), each at the layers whose activation
    that σ is (``Network.activation_at``), where the activation has one."""
    e = derive.fold(net, e)
    if "identity" in net.activation_names:  # the only networks with an identity σ
        # σ(x) = x for the identity; and a = z at the layers whose σ it is: one variable, not two
        e = e.replace(
            lambda f: isinstance(f, ActivationFunction) and f.activation == "identity",
            lambda f: f.args[0],
        )

        def as_z(f: sp.Indexed) -> sp.Expr:
            ref = derive.classify(net, f)
            if (
                ref is not None
                and ref.quantity == "a"
                and _layer_is(net, ref.layer or 0, "identity")
            ):
                return net.z(ref.at)[ref.indices]
            return f

        e = e.replace(lambda f: isinstance(f, sp.Indexed), as_z)
    if not primes:
        return e

    def closed(f: sp.Expr) -> sp.Expr:
        z = f.args[0]
        ref = derive.classify(net, z) if isinstance(z, sp.Indexed) else None
        act = net.activation_at(ref.at) if ref is not None and ref.quantity == "z" else None
        if (
            ref is not None
            and act is not None
            and act.prime_in_a is not None
            and f.activation == act.name
        ):
            return act.prime_in_a(net.a(ref.at)[ref.indices])
        return f

    return e.replace(lambda f: isinstance(f, ActivationPrime), closed)


def _has(e: sp.Expr, activation: str) -> bool:
    """Does the expression hold σ or σ′ of this activation?"""
    return any(f.activation == activation for f in e.atoms(ActivationFunction, ActivationPrime))


def _layer_is(net: Network, p: int, activation: str) -> bool:
    """Is a^(p) = σ(z^(p)) by definition, with σ this activation?  Never at the input layer or a
    softmax output: there σ′(z^(L)) = a^(L)(1 − a^(L)) is false although the letters look alike."""
    act = net.activation_at(p)
    return act is not None and act.name == activation


def _expand_z(net: Network, e: sp.Expr) -> sp.Expr:
    def define(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        if ref is not None and ref.quantity == "z" and ref.at >= 1:
            sample, neuron = ref.indices
            return net.z_definition(ref.at, sample, neuron)
        return f

    return e.replace(lambda f: isinstance(f, sp.Indexed), define)


def _expand_all(net: Network, e: sp.Expr) -> sp.Expr:
    """Every a^(p) and z^(p) written out down to the inputs a^(0): the independent variables."""
    bottom = Stop("a", 0)

    def define(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        if ref is not None and ref.quantity in ("a", "z") and ref.at >= 1 and len(ref.indices) == 2:
            build = net.expand_a if ref.quantity == "a" else net.expand_z
            sample, neuron = ref.indices
            return build(ref.at, sample, neuron, bottom)
        return f

    return e.replace(lambda f: isinstance(f, sp.Indexed), define)


#: each activation's definition and its derivative (activations.py states the same)
EXPLICIT = {
    "sigmoid": (lambda x: 1 / (1 + sp.exp(-x)), lambda x: sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    "tanh": (sp.tanh, lambda x: 1 - sp.tanh(x) ** 2),
    "softplus": (lambda x: sp.log(1 + sp.exp(x)), lambda x: 1 / (1 + sp.exp(-x))),
    "identity": (lambda x: x, lambda x: sp.Integer(1)),
    "relu": (lambda x: sp.Max(0, x), lambda x: sp.Heaviside(x, 0)),
}


def _explicit(net: Network, e: sp.Expr) -> sp.Expr:
    """σ and σ′ replaced by the activation's own formulas (sigmoid: 1/(1+e^(−x)), …)."""

    def formula(g: sp.Expr) -> sp.Expr:
        pair = EXPLICIT.get(g.activation)
        if pair is None:  # the generic σ: no formula
            return g
        return pair[1 if isinstance(g, ActivationPrime) else 0](g.args[0])

    return e.replace(lambda g: isinstance(g, (ActivationFunction, ActivationPrime)), formula)


def normal_form_equal(
    net: Network, lhs: sp.Expr, rhs: sp.Expr, deep: bool = True, primes: bool = True
) -> bool:
    """Stage 2: equal normal forms, first with z atomic; with ``deep``, then with z written out
    one level, then with every activation written out down to the inputs, then with σ and σ′
    replaced by the activation's own formulas (a = tanh(z) under activation=tanh)."""
    diff = _closed_forms(net, lhs - rhs, primes)
    if _zero(net, diff):
        return True
    if not deep:
        return False
    if _zero(net, _closed_forms(net, _expand_z(net, diff))):
        return True
    expanded = _expand_all(net, lhs - rhs)

    def in_sigma(
        f: ActivationPrime,
    ) -> sp.Expr:  # σ′(x) as a polynomial in σ(x), without folding anything back
        act = ACTIVATIONS[f.activation]
        return act.prime_in_a(act.sigma(f.args[0])) if act.prime_in_a is not None else f

    expanded = expanded.replace(lambda f: isinstance(f, ActivationPrime), in_sigma)
    if _zero(net, expanded):
        return True
    return (
        any(_has(expanded, a) for a in EXPLICIT)
        and expanded.has(*_ELEMENTARY)
        and _zero(net, _explicit(net, expanded))
    )


_ELEMENTARY = (sp.tanh, sp.exp, sp.log, sp.Max, sp.Heaviside)


def _zero(net: Network, e: sp.Expr) -> bool:
    """Is e zero in the normal form, using what the targets satisfy where the document says so?"""
    if algebra.equal(_assume_targets(net, e), sp.Integer(0), derive.bounds(net, e)):
        return True
    again = identities.rewrite(
        products.merge_powers(net, _softmax_logs(net, e))
    )  # log, exp, power and relu′ identities (soundness.md)
    return again != e and algebra.equal(
        _assume_targets(net, again), sp.Integer(0), derive.bounds(net, again)
    )


def _softmax_logs(net: Network, e: sp.Expr) -> sp.Expr:
    """log a_IX^(L) = z_IX^(L) − log Σ_p e^{z_Ip^(L)} at a softmax output: the log of its
    definition e^{z_IX}/Σ_p e^{z_Ip}, a quotient of positive numbers (a layer has a neuron)."""
    if not net.softmax_output or not e.has(sp.log):
        return e
    top, z = net.a(net.D), net.z(net.D)

    def split(f: sp.log) -> sp.Expr:
        x = f.args[0]
        if not (isinstance(x, sp.Indexed) and x.base == top and len(x.indices) == 2):
            return f
        sample, neuron = x.indices
        d = sp.Dummy("p", integer=True)
        return z[sample, neuron] - sp.log(
            sp.Sum(sp.exp(z[sample, d]), (d, 0, net.width(net.D) - 1))
        )

    return e.replace(lambda f: isinstance(f, sp.log), split)


def _assume_targets(net: Network, e: sp.Expr) -> sp.Expr:
    """Sums over the whole output layer that are 1 by a definition of the model, used only where
    the model has it (docs/soundness.md, "Sums that are 1"), and only on a sum whose index stands
    in that one factor and nowhere else:

    * Σ_d y_Id = 1 when the targets are distributions (or one-hot): a definition that the
      document or the command line states (``targets=distribution``);
    * Σ_d a^(L)_Id = 1 when the output layer is a softmax, a^(L)_Id = e^{z_Id} / Σ_p e^{z_Ip}:
      the numerators summed are the denominator, which is positive (a sum of exponentials over
      a layer of at least one neuron); and so a softmax output layer of one neuron is
      a^(L)_I0 = e^{z_I0} / e^{z_I0} = 1 itself."""
    if net.softmax_output and net.width(net.D) == 1 and e.has(net.a(net.D)):
        top = net.a(net.D)
        e = e.replace(
            lambda f: isinstance(f, sp.Indexed) and f.base == top, lambda f: sp.Integer(1)
        )
    one = _sums_to_one(net)
    if not one or not any(e.has(base) for base in one):
        return e
    top = net.width(net.D) - 1
    out = []
    ranges = derive.bounds(net, e)
    for t in algebra.flatten(e, ranges=ranges):
        t = algebra.contract(t, ranges)
        reduced = True
        while reduced:
            reduced = False
            factors = sp.Mul.make_args(t.body)
            for d, lo, hi in t.limits:
                uses = [f for f in factors if d in f.free_symbols]
                if lo != 0 or hi != top or len(uses) != 1:
                    continue
                y = uses[0]
                if (
                    isinstance(y, sp.Indexed)
                    and y.base in one
                    and len(y.indices) == 2
                    and y.indices[1] == d
                    and d not in y.indices[0].free_symbols
                    and not any(d in lim[1].free_symbols | lim[2].free_symbols for lim in t.limits)
                ):
                    t = algebra.Term(
                        tuple(lim for lim in t.limits if lim[0] != d),
                        sp.Mul(*[f for f in factors if f is not y]),
                    )
                    reduced = True
                    break
        out.append(t.expr())
    return sp.Add(*out)


def _sums_to_one(net: Network) -> tuple[sp.IndexedBase, ...]:
    """The output layer's quantities whose sum over the layer is 1 in this model."""
    out = []
    if net.targets != "any":
        out.append(net.y)
    if net.softmax_output:
        out.append(net.a(net.D))
    return tuple(out)


def _a_as_sigma(net: Network, e: sp.Expr) -> sp.Expr:
    """Each a^(p) of a layer with an elementwise activation written σ(z^(p)), one level."""

    def define(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        if (
            ref is not None
            and ref.quantity == "a"
            and ref.at >= 1
            and len(ref.indices) == 2
            and net.activation_at(ref.at) is not None
        ):
            return net.a_definition(ref.at, *ref.indices)
        return f

    return e.replace(lambda f: isinstance(f, sp.Indexed), define)


def explicit_equal(net: Network, lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """For relations without sums (σ(x) = 1/(1+e^(−x)), σ′ = σ(1−σ) on a plain x): simplify the
    difference with the activation written out.  Only small expressions: simplify can be slow."""
    diff = lhs - rhs
    if diff.has(sp.Sum):
        diff = _sums_as_atoms(net, diff)
        if diff is None:
            return False
        return sp.count_ops(diff) <= 60 and _rational_zero(net, diff)
    if sp.count_ops(diff) > 60:
        return False
    # σ′(z) → a(1 − a) first (the activation's definition at that layer), then the rational
    # functions of the atoms put over one denominator: (a − y)/σ′(z) = (1 − y)/(1 − a) − y/a
    if _rational_zero(net, diff):
        return True
    explicit = _explicit(net, diff)
    if sp.simplify(explicit) == 0:
        return True
    # tanh, sinh, cosh by their definitions in exponentials, e.g. tanh x = (e^x − e^{−x})/(e^x + e^{−x}),
    # with each a^(p) written σ(z^(p)) (its definition) so that the activation's formula shows
    explicit = _explicit(net, _a_as_sigma(net, diff))
    hyperbolic = explicit.atoms(sp.tanh, sp.sinh, sp.cosh)
    if hyperbolic and explicit.has(sp.exp):
        written = explicit.xreplace({h: h.rewrite(sp.exp) for h in hyperbolic})
        return sp.simplify(written) == 0
    return False


def _rational_zero(net: Network, diff: sp.Expr) -> bool:
    """σ′(z) → a(1 − a) (the activation's definition at that layer), then the rational
    functions of the atoms put over one denominator: (a − y)/σ′(z) = (1 − y)/(1 − a) − y/a.
    Zero means the sides agree wherever both have a value (a side that divides by zero
    everywhere never reaches here: the reader reports it)."""
    closed = _closed_forms(net, diff)
    return bool(sp.cancel(sp.together(closed)) == 0)


def _sums_as_atoms(net: Network, diff: sp.Expr) -> sp.Expr | None:
    """The difference in its normal form (Kronecker brackets contracted where the ranges allow,
    docs/soundness.md "Sums, brackets and δ": an equal expression), with each sum that remains
    replaced by a symbol of its own.  A rational function that is 0 with the sums as
    independent unknowns is 0 at their actual values too; equal sums print equal in the normal
    form, so the same sum gets the same symbol.  None when the normal form does not apply."""
    try:
        flat = algebra.normal_expr(diff, ranges=derive.bounds(net, diff))
    except algebra.Unsupported:
        return None
    sums = sorted(flat.atoms(sp.Sum), key=str)
    if not sums:
        return flat
    # only the outermost sums: an inner one belongs to the atom around it
    outer = [s for s in sums if not any(s != t and t.has(s) for t in sums)]
    return flat.xreplace({s: sp.Dummy(f"S{k}", real=True) for k, s in enumerate(outer)})


# ---------------------------------------------------------------------------------------------
# concrete sizes


def constant_indices(net: Network, *exprs: sp.Expr) -> dict[int, int]:
    """The largest number written as an index, per range (layer, or SAMPLES): a relation that
    names w_03 needs layers at least 4 wide to mean anything."""
    out: dict[int, int] = {}
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if not isinstance(f, sp.Indexed):
                continue
            ref = derive.classify(net, f)
            if ref is None:
                continue
            slots = {
                "a": (SAMPLES, ref.layer),
                "z": (SAMPLES, ref.layer),
                "delta": (SAMPLES, ref.layer),
                "w": (ref.layer, (ref.layer or 0) - 1),
                "b": (ref.layer,),
                "y": (SAMPLES, net.D),
                "Li": (SAMPLES,),
            }.get(ref.quantity, ())
            for r, x in zip(slots, ref.indices):
                if x.is_Integer and r is not None:
                    out[r] = max(out.get(r, 0), int(x))
    return out


def size_sets(
    net: Network,
    single: bool = False,
    least: dict[int, int] | None = None,
    *,
    count: int = 3,
    seed: int = 0,
    layers: set[int] | None = None,
) -> list[tuple[tuple[int, ...], int]]:
    """Widths (input first) and sample counts at which to look for a counterexample.

    The sample count and every width are pairwise different and at least 2 (design.md): with
    n = n_(L) a confusion of the two goes unseen, with one output neuron a missing Σ_j, with square
    weight matrices a transposed index.  Several sets, drawn at random (deterministically from
    ``seed``), wide enough for every index written as a number (``least``).  Where the network
    states its widths, only the sample count is chosen, different from every width if it can be."""
    rng = random.Random(f"sizes:{seed}")
    if not net.symbolic:
        widths = net.widths
        assert widths is not None
        if net.samples:
            return [(widths, net.samples)]
        floor = max(2, (least or {}).get(SAMPLES, 0) + 1)
        free = [k for k in range(floor, floor + len(widths) + count + 1) if k not in widths]
        return [(widths, k) for k in sorted(rng.sample(free, min(count, len(free))))]
    least = least or {}
    base = 2 + max([*least.values(), 0])
    # the layers whose width can matter: those the relation names, with their neighbours (all of
    # them in a shallow network); the others stay 2 wide, so that a deep network stays cheap
    touched = sorted(
        set(range(net.D + 1))
        if layers is None or net.D < DEEP
        else {q for p in layers for q in (p - 1, p, p + 1) if 0 <= q <= net.D}
    )
    pool = range(base, base + len(touched) + 4)
    sets = []
    for _ in range(count):
        sizes = rng.sample(pool, len(touched) + 1)  # n, then the touched widths: all different
        drawn = [2] * (net.D + 1)
        for q, w in zip(touched, sizes[1:]):
            drawn[q] = w
        sets.append((tuple(drawn), sizes[0]))
    if single:
        sets.append(((1,) * (net.D + 1), 2))
    return sets


def _layers(net: Network, *exprs: sp.Expr) -> set[int]:
    """The layers a relation touches: of its quantities, and of its width symbols."""
    out: set[int] = set()
    widths = {net.width(p): p for p in range(net.D + 1)}
    for e in exprs:
        for f in e.atoms(sp.Indexed):
            ref = derive.classify(net, f)
            if ref is not None and ref.layer is not None:
                out.add(ref.layer)
        out |= {widths[x] for x in e.free_symbols if x in widths}
    return out or {net.D}


def _assignments(
    ranges: dict[sp.Symbol, int], concrete: Network, limit: int = 64, seed: int = 0
) -> list[dict[sp.Symbol, int]]:
    """Every assignment of the free indices at these sizes, or a deterministic sample of at most
    ``limit`` of them (never the whole product: its size grows exponentially with the indices)."""
    syms = sorted(ranges, key=lambda s: s.name)
    widths = concrete.widths
    assert widths is not None and concrete.samples is not None
    sizes = [concrete.samples if ranges[s] == SAMPLES else widths[ranges[s]] for s in syms]
    total = 1
    for k in sizes:
        total *= k
        if total > limit:
            break
    if total <= limit:
        return [dict(zip(syms, c)) for c in product(*[range(k) for k in sizes])]
    rng = random.Random(f"indices:{seed}:{sizes}")
    picks = {tuple(0 for _ in sizes), tuple(k - 1 for k in sizes)}
    while len(picks) < limit:
        picks.add(tuple(rng.randrange(k) for k in sizes))
    return [dict(zip(syms, c)) for c in sorted(picks)]


def _at_sizes(net: Network, concrete: Network, e: sp.Expr) -> sp.Expr:
    m: dict[sp.Expr, sp.Expr] = {net.width(p): concrete.width(p) for p in range(net.D + 1)}
    m[net.n] = concrete.n
    return e.xreplace(m)


def _unroll(e: sp.Expr) -> sp.Expr:
    """Every sum whose bounds are numbers written out term by term (sums over n stay)."""

    def out(f: sp.Sum) -> sp.Expr:
        if all(lim[1].is_Integer and lim[2].is_Integer for lim in f.limits):
            return f.doit()
        return f

    return e.replace(lambda f: isinstance(f, sp.Sum), out)


def _exact_zero(net: Network, e: sp.Expr) -> bool:
    """Unroll the sums whose bounds are numbers and expand: zero means equal at these widths
    (and for every sample count that stays a symbol)."""
    e = _closed_forms(net, _unroll(e))
    if sp.expand(e) == 0:
        return True
    return sp.expand(_closed_forms(net, _unroll(_expand_z(net, e)))) == 0


def _fmt(x: Any) -> str:
    return mpmath.nstr(x, 6) if isinstance(x, mpmath.mpf) else str(x)


def _fmt_pair(left: Any, right: Any) -> tuple[str, str]:
    """Both sides of a counterexample with as many digits as it takes to see them differ
    (1 and 1.0000000000001 both print 1.0 at six digits)."""
    for digits in (6, 10, 15, 20, 30, 40, DIGITS):
        pair = tuple(
            mpmath.nstr(x, digits) if isinstance(x, mpmath.mpf) else str(x) for x in (left, right)
        )
        if pair[0] != pair[1]:
            break
    return pair[0], pair[1]


def _backward(inst: evaluate.Instance, lowest: int) -> None:
    """δ^(p) for every layer from the output down to ``lowest``, by the proved rules (in place):
    the values that the deep stage's δ atoms stand for."""
    net = inst.net
    assert net.widths is not None and net.samples is not None
    for p in range(net.D, lowest - 1, -1):
        rule = derive.local_gradient(net, "delta", p)
        i, X = net.i, net.letter(p)
        inst.values[str(net.delta(p).label)] = {
            (s, x): evaluate.evaluate(rule, inst, {i: s, X: x})
            for s in range(net.samples)
            for x in range(net.widths[p])
        }


def _table(values: dict[tuple[int, ...], Any]) -> dict[str, str]:
    return {",".join(map(str, k)): _fmt(v) for k, v in sorted(values.items())}


def _inputs(inst: evaluate.Instance) -> dict[str, Any]:
    net = inst.net
    keep = [str(net.a(0).label), "y"] + [
        str(net.base(q, p).label) for p in range(1, net.D + 1) for q in ("w", "b")
    ]
    return {name: _table(inst.values[name]) for name in keep}


def _forward(inst: evaluate.Instance) -> dict[str, Any]:
    """The values a reader needs besides the inputs to check a counterexample by hand: every z
    and a, σ′(z) where σ is not a known function (activation=generic), the upstream Ψ and Ψ′ of
    a generic layer l, and each sample's loss."""
    net = inst.net
    out: dict[str, Any] = {}
    for p in range(1, net.D + 1):
        for q in ("z", "a"):
            out[str(net.base(q, p).label)] = _table(inst.values[str(net.base(q, p).label)])
        act = net.activation_at(p)
        if act is not None and is_generic(act.name):
            out[f"sigma'(z^({net.tag(p)}))"] = _table(
                evaluate.activation_values(inst, p, prime=True)
            )
    if net.loss == "upstream":
        out[f"Psi(z^({net.tag(net.D)}))"] = _table(evaluate.upstream_values(inst, prime=False))
        out[f"Psi'(z^({net.tag(net.D)}))"] = _table(evaluate.upstream_values(inst, prime=True))
    for p in range(net.D, 0, -1):
        name = str(net.delta(p).label)
        if name in inst.values:
            out[name] = _table(inst.values[name])
    out["L_i"] = _table(inst.values["L"])
    return out


def _close(a: Any, b: Any) -> bool:
    return bool(abs(a - b) <= mpmath.mpf(10) ** -30 * (1 + abs(a) + abs(b)))


@dataclass
class _Search:
    refuted: dict[str, Any] | None = None
    numeric_only: int = 0
    checked: int = 0


def _search(
    net: Network,
    lhs: sp.Expr,
    rhs: sp.Expr,
    concrete: Network,
    ranges: dict[sp.Symbol, int],
    seed: int,
) -> _Search:
    """Evaluate both sides at random inputs for every index assignment; first difference wins."""
    with mpmath.workdps(DIGITS):
        return _search_at(net, lhs, rhs, concrete, ranges, seed)


def _search_at(
    net: Network,
    lhs: sp.Expr,
    rhs: sp.Expr,
    concrete: Network,
    ranges: dict[sp.Symbol, int],
    seed: int,
    only: dict[sp.Symbol, int] | None = None,
) -> _Search:
    res = _Search()
    rng = random.Random(seed)
    inst = evaluate.random_instance(concrete, rng)
    L, R = _at_sizes(net, concrete, lhs), _at_sizes(net, concrete, rhs)
    layers = derive.delta_layers(net, L - R)
    if layers:
        _backward(inst, layers[0])
    plain = sorted(
        (
            s
            for s in (L - R).free_symbols
            if isinstance(s, sp.Symbol)
            and s.assumptions0.get("real")
            and not s.assumptions0.get("integer")
        ),
        key=lambda s: s.name,
    )
    values: dict[sp.Symbol, Any] = {
        s: evaluate.MP.num(sp.Rational(rng.randint(-16, 16), 8)) for s in plain
    }
    for env in [only] if only is not None else _assignments(ranges, concrete, seed=seed):
        env = {**env, **values}
        try:
            lv, rv = evaluate.evaluate(L, inst, env), evaluate.evaluate(R, inst, env)
        except (ZeroDivisionError, OverflowError, ValueError, TypeError) as e:
            if isinstance(e, evaluate.EvaluationError):
                raise
            continue  # a pole or an undefined value at this point: not evidence either way
        if (
            not _close(lv, rv)
            and only is None
            and not _differs_finer(
                net,
                lhs,
                rhs,
                concrete,
                ranges,
                seed,
                {k: v for k, v in env.items() if k not in values},
            )
        ):
            continue  # a difference made by rounding (cancellation in a costly term): no evidence
        res.checked += 1
        if not _close(lv, rv):
            widths = concrete.widths
            assert widths is not None  # the sizes of a search are concrete
            res.refuted = {
                "sizes": {
                    "n": concrete.samples,
                    **{str(concrete.tag(p)): widths[p] for p in range(concrete.D, -1, -1)},
                },
                "indices": {
                    s.name: v
                    for s, v in sorted(env.items(), key=lambda kv: kv[0].name)
                    if s not in values
                },
                **({"variables": {s.name: _fmt(v) for s, v in values.items()}} if values else {}),
                "left": _fmt_pair(lv, rv)[0],
                "right": _fmt_pair(lv, rv)[1],
                "inputs": _inputs(inst),
                "values": _forward(inst),
            }
            sigma = generic_numbers(net)
            if sigma:
                res.refuted["sigma"] = sigma
            if net.loss == "upstream":
                res.refuted["upstream"] = f"Ψ(z, j) evaluated as {evaluate.UPSTREAM}"
            if net.loss == "generic":
                res.refuted["loss"] = (
                    "the document's loss ℓ is left unknown; this is false for the loss "
                    f"{evaluate.ANY_LOSS}"
                )
            return res
    return res


def _differs_finer(
    net: Network,
    lhs: sp.Expr,
    rhs: sp.Expr,
    concrete: Network,
    ranges: dict[sp.Symbol, int],
    seed: int,
    env: dict[sp.Symbol, int],
) -> bool:
    """Does a difference found at DIGITS digits remain at 3·DIGITS (the same point, the same
    inputs)?  (Σa + Σz)^64 − ((Σa)² + …)^32 is 0 but loses ~30 digits to cancellation."""
    with mpmath.workdps(3 * DIGITS):
        return _search_at(net, lhs, rhs, concrete, ranges, seed, only=env).refuted is not None


# ---------------------------------------------------------------------------------------------
# hints


def _hints(
    net: Network, lhs: sp.Expr, rhs: sp.Expr, fl: set[sp.Symbol], fr: set[sp.Symbol]
) -> list[str]:
    hints = []
    only_r, only_l = sorted(fr - fl, key=str), sorted(fl - fr, key=str)
    for s in only_r:
        hints.append(f"{s} is free on the right only: a sum over {s} is missing?")
    for s in only_l:
        hints.append(f"{s} is free on the left only: the right side sums over it, or misses it")
    if only_r or only_l:
        return hints
    half = sp.Rational(1, 2)
    factors = [
        (-1, "the sides differ only in sign"),
        (1 / net.n, "a factor 1/n is missing on the right"),
        (net.n, "the right side has an extra factor 1/n"),
        (2, "the right side is half the left: a factor 2 (or ½ too many) on the right?"),
        (
            half,
            "the right side is twice the left: a factor ½ missing (or 2 too many) on the right?",
        ),
    ]
    try:
        for c, text in factors:
            if normal_form_equal(net, lhs, c * rhs, deep=False):
                hints.append(text)
                break
        else:
            hints += _size_hints(net, lhs, rhs)
        if (
            net.softmax_output
            and net.targets == "any"
            and normal_form_equal(_with_targets(net, "distribution"), lhs, rhs, deep=False)
        ):
            hints.append(
                "holds when Σ_j y_ij = 1 (say so before it: \\sum_j y_{ij} = 1, or the directive "
                "targets=distribution or one-hot)"
            )
    except (algebra.Unsupported, NotationError, TypeError, ValueError):
        pass
    return hints


def _size_hints(net: Network, lhs: sp.Expr, rhs: sp.Expr) -> list[str]:
    """A sample count written where a width belongs, or a width where the sample count belongs."""
    if not net.symbolic:
        return []
    sizes = [net.n] + [net.width(p) for p in range(net.D + 1)]
    names = {net.n: "n"} | {net.width(p): f"n_({net.tag(p)})" for p in range(net.D + 1)}
    for wrong in sizes:
        if wrong not in rhs.free_symbols:
            continue
        for right in sizes:
            if right != wrong and normal_form_equal(
                net, lhs, rhs.xreplace({wrong: right}), deep=False
            ):
                return [f"{names[wrong]} stands where {names[right]} belongs?"]
    return []


def _with_targets(net: Network, targets: str) -> Network:
    return dataclasses.replace(net, targets=targets)


# ---------------------------------------------------------------------------------------------
# the procedure


def prove(
    lhs: sp.Expr,
    rhs: sp.Expr,
    net: Network,
    *,
    timeout: float = 10.0,
    seed: int = 0,
    single_hint: bool = True,
) -> Verdict:
    """Decide ``lhs = rhs`` in ``net`` (see the module docstring for the stages)."""
    t0 = time.perf_counter()
    try:
        with deadline(timeout):
            v = _prove(lhs, rhs, net, seed, single_hint)
        if v.proved and audit.ENABLED:
            v = confirm(v, lhs, rhs, audit.NetworkModel(net), seed, timeout)
    except Timeout:
        v = Verdict(Outcome.UNKNOWN, "timeout", f"not decided within {timeout:g} s")
    except (NotationError, evaluate.EvaluationError) as e:
        v = Verdict(Outcome.ERROR, "", str(e))
    except (ArithmeticError, RecursionError) as e:
        v = Verdict(Outcome.UNKNOWN, "", f"could not be decided ({type(e).__name__}: {e})")
    v.seconds = time.perf_counter() - t0
    return v


def confirm(
    v: Verdict, lhs: sp.Expr, rhs: sp.Expr, model: audit.Model, seed: int, timeout: float
) -> Verdict:
    """A proof, audited: both sides evaluated as read in ``model`` (``audit.py``), under a
    deadline of its own.  A disagreement is an error, never ``proved``; an audit that cannot
    evaluate the relation or does not finish leaves the proof and says so."""
    try:
        with deadline(max(2.0, timeout / 2)):
            found = audit.audit(lhs, rhs, model, seed)
    except Timeout:
        v.audit = "not finished"
        return v
    if found.status != "disagreed":
        v.audit = str(found)
        return v
    where = found.where
    at = ", ".join(f"{k}={x}" for k, x in {**where["sizes"], **where["indices"]}.items())
    return Verdict(
        Outcome.ERROR,
        "audit",
        f"proof and evaluation disagree: the prover found {v.method or 'a proof'}, but at {at} "
        f"the left side is {where['left']} and the right side {where['right']}",
        {**where, "sizes": where["sizes"]},
        audit="disagreed",
    )


def unknown_names(net: Network, lhs: sp.Expr, rhs: sp.Expr) -> list[sp.Symbol]:
    """Symbols that are nothing.  Every symbol must be an index, a size, the loss L, the learning
    rate η, or the variable of an identity between functions (standing only inside function
    arguments, in a relation that names no quantity of the network).  Anything else would be
    taken silently as a constant whose derivative is 0 (docs/soundness.md, "Names")."""
    sizes = {net.n} | {net.width(p) for p in range(net.D + 1)}
    both = lhs - rhs
    quantities = (
        bool(both.atoms(sp.Indexed))
        or net.L in both.free_symbols
        or bool(both.atoms(derive.Partial))
    )
    labels = {
        f.base.label for f in both.atoms(sp.Indexed)
    }  # w^(L-1) in w^(L-1)[k, m] is no name of its own
    out = []
    for x in sorted(both.free_symbols - labels, key=str):
        if (
            not isinstance(x, sp.Symbol)
            or isinstance(x, sp.Dummy)
            or derive.is_index(x)
            or x in sizes
            or x == net.L
            or x.name == "eta"
            or isinstance(x, losses.Parameter)  # λ of a regularised cost: free, every value
        ):
            continue
        if quantities or not all(_inside_functions(e, x) for e in (lhs, rhs)):
            out.append(x)
    return out


def unknown_name_message(x: sp.Symbol) -> str:
    return (
        f"unknown quantity {x.name}: it is neither a quantity of the network (a, z, w, b, y, δ, L, n, η) "
        "nor declared"
    )


def _inside_functions(e: sp.Expr, x: sp.Symbol) -> bool:
    """Does x stand only inside the arguments of functions (σ(x), e^{-x}, ln x, max(0, x))?"""
    if e == x:
        return False
    if isinstance(e, (sp.Function, sp.exp, sp.log, sp.Max, sp.Min)) or (
        isinstance(e, sp.Pow) and e.base == sp.E
    ):
        return True
    return all(_inside_functions(a, x) for a in e.args)


def _prove(lhs: sp.Expr, rhs: sp.Expr, net: Network, seed: int, single_hint: bool) -> Verdict:
    unknown = unknown_names(net, lhs, rhs)
    if unknown:
        raise NotationError(unknown_name_message(unknown[0]))
    _, conflicts = index_ranges(net, lhs, rhs)
    if conflicts:
        return _conflict(net, lhs, rhs, conflicts, seed)
    if net.D >= DEEP:
        return _prove_deep(lhs, rhs, net, seed, single_hint)
    L = derive.substitute_partials(net, lhs)
    R = derive.substitute_partials(net, rhs)
    return _decide(net, lhs, rhs, L, R, seed, single_hint)


def _values(net: Network, e: sp.Expr) -> sp.Expr:
    """e with its partials replaced for the numeric stages: true values, or in a deep network
    cut at the layer above their variable (δ then gets its values by backpropagation)."""
    return derive.cut_partials(net, e) if net.D >= DEEP else derive.substitute_partials(net, e)


def _prove_deep(lhs: sp.Expr, rhs: sp.Expr, net: Network, seed: int, single_hint: bool) -> Verdict:
    """A relation that reaches far below the output: partials of the loss go through the layer
    just above their variable (``derive.cut_partials``), and every δ is raised by the proved rules
    to the highest δ that stands (``derive.raise_deltas``), which stays an atom.  Equal normal
    forms with that atom are a proof; the numeric search gets δ's values by backpropagation with
    the same rules.  Nothing here grows faster than linearly with the depth."""
    L, R = derive.cut_partials(net, lhs), derive.cut_partials(net, rhs)
    layers = derive.delta_layers(net, L) + derive.delta_layers(net, R)
    if layers and free_indices(L) == free_indices(R):
        proved = Verdict(
            Outcome.PROVED,
            "all sizes (normal form, by the proved rules above the deepest layer)"
            if net.symbolic
            else f"exact at sizes {_describe(net, net.widths, net.samples)} (normal form)",
        )
        # δ of the highest layer standing as an atom; then every δ written out up to the loss.
        # σ′ stays an atom at first: written as a(1 − a) in every layer it doubles the terms per layer
        few = len((L - R).atoms(ActivationPrime)) <= 8
        L, R = derive.raise_deltas(net, L, max(layers)), derive.raise_deltas(net, R, max(layers))
        if normal_form_equal(net, L, R, deep=False, primes=False):
            return proved
        if normal_form_equal(
            net,
            derive.raise_deltas(net, L, net.D),
            derive.raise_deltas(net, R, net.D),
            deep=False,
            primes=False,
        ):
            return proved
        if few and normal_form_equal(net, L, R, deep=False):
            return proved
    return _decide(net, lhs, rhs, L, R, seed, single_hint)


def _decide(
    net: Network, lhs: sp.Expr, rhs: sp.Expr, L: sp.Expr, R: sp.Expr, seed: int, single_hint: bool
) -> Verdict:
    """Stages 2–4 on both sides with their partials replaced."""
    fl, fr = free_indices(L), free_indices(R)
    ranges = {s: r for s, r in index_ranges(net, lhs, rhs, L, R)[0].items() if s in fl | fr}
    constants = constant_indices(net, L, R)
    sets = size_sets(net, least=constants, seed=seed, layers=_layers(net, lhs, rhs, L, R))
    stated = not net.symbolic and net.samples is not None  # every size given by the document
    proved = Verdict(
        Outcome.PROVED,
        "all sizes (normal form)"
        if net.symbolic
        else f"exact at sizes {_describe(net, net.widths, net.samples)} (normal form)",
    )
    # an index free on one side only: the relation holds for each of its values when the
    # difference is 0 for every value (Σ_j a_ij = 1 for each sample i)
    # (after the quick search below, so that a false one is refuted first, as before)
    nested = fl <= fr or fr <= fl
    if fl == fr and _within(0.4, lambda: normal_form_equal(net, L, R, deep=False)):
        return proved
    # a counterexample is decisive and usually quick: look for one before the costlier proofs;
    # the first normal form had only a share of the time, so that a costly term cannot hide a
    # wrong step behind a timeout
    first = net.with_sizes(*sets[0])
    quick = _search(net, L, R, first, ranges, seed)
    if (
        quick.refuted is None
        and nested
        and (normal_form_equal(net, L, R) or explicit_equal(net, L, R))
    ):
        return proved
    hints = (
        _within(0.3, lambda: _hints(net, L, R, fl, fr)) or []
        if quick.refuted is not None or fl != fr
        else []
    )
    agreed: list[str] = []
    if (
        not net.symbolic
        and not stated
        and quick.refuted is None
        and fl == fr
        and _exact_zero(net, L - R)
    ):
        return Verdict(
            Outcome.PROVED,
            f"exact at the stated widths {_describe(net, net.widths, None)}, every n",
        )
    for k, (widths, samples) in enumerate(sets):
        concrete = net.with_sizes(widths, samples)
        if (
            stated
            and quick.refuted is None
            and fl == fr
            and _exact_zero(net, _at_sizes(net, concrete, L - R))
        ):
            return Verdict(
                Outcome.PROVED, f"exact at the stated sizes {_describe(net, widths, samples)}"
            )
        s = quick if k == 0 else _search(net, L, R, concrete, ranges, seed + k)
        if s.refuted is not None:
            hints += _refutation_hints(net, L, R, ranges, constants, seed, single_hint)
            return Verdict(
                Outcome.REFUTED,
                f"counterexample at sizes {_describe(net, widths, samples)}",
                "; ".join(hints),
                s.refuted,
                hints=hints,
            )
        if s.checked:
            agreed.append(_describe(net, widths, samples))
    return _evidence(agreed, hints)


def _refutation_hints(
    net: Network,
    L: sp.Expr,
    R: sp.Expr,
    ranges: dict[sp.Symbol, int],
    constants: dict[int, int],
    seed: int,
    single_hint: bool,
) -> list[str]:
    """Where a refuted relation does hold, to say in its reason: only with one neuron per layer,
    or only at some values of an index."""
    hints = []
    if (
        single_hint
        and net.network != "single"
        and _within(0.3, lambda: _holds_single(net, L, R, seed))
    ):
        hints.append("holds only when every layer has one neuron")
    only = _within(0.3, lambda: _holds_only_at(net, L, R, ranges, constants, seed))
    if only:
        hints.append(only)
    return hints


def _evidence(agreed: list[str], hints: list[str]) -> Verdict:
    """Unknown: the sizes where both sides agreed at random inputs (evidence, never a proof)."""
    reason = (
        f"holds at sizes {'; '.join(agreed)} at random inputs: evidence, not a proof"
        if agreed
        else "no point where both sides have a value was found (poles or undefined values)"
    )
    return Verdict(
        Outcome.UNKNOWN, "numeric", reason + ("; " + "; ".join(hints) if hints else ""), hints=hints
    )


def _within(fraction: float, stage: Callable[[], T]) -> T | None:
    """A stage on a share of the time left (:func:`share`); None when that share ran out."""
    try:
        with share(fraction):
            return stage()
    except Timeout:
        return None


def _conflict(
    net: Network, lhs: sp.Expr, rhs: sp.Expr, conflicts: dict[sp.Symbol, set[int]], seed: int
) -> Verdict:
    """A letter in two ranges: look for a counterexample where those ranges are equally wide
    (the only place the relation means anything), else report the misuse as an error."""
    words = [
        f"{s.name} stands for {' and for '.join(_range_name(net, r) for r in sorted(rs))}"
        for s, rs in sorted(conflicts.items(), key=lambda kv: kv[0].name)
    ]
    transposed = any(_transposed(net, s, rs, (lhs, rhs)) for s, rs in conflicts.items())
    message = "; ".join(words) + (
        ": a transposed index?" if transposed else ": a wrong layer tag or index?"
    )
    square = net.with_sizes((3,) * (net.D + 1), 3)
    L, R = (
        _values(square, _at_sizes(net, square, lhs)),
        _values(square, _at_sizes(net, square, rhs)),
    )
    ranges = {
        s: (0 if r != SAMPLES else SAMPLES)
        for s, r in index_ranges(square, L, R)[0].items()
        if s in free_indices(L) | free_indices(R)
    }
    s = _search(square, L, R, square, ranges, seed)
    if s.refuted is not None:
        return Verdict(
            Outcome.REFUTED,
            f"counterexample at sizes {_describe(square, square.widths, 3)}",
            message,
            s.refuted,
            hints=[message],
        )
    return Verdict(
        Outcome.ERROR, "", "one letter used for two different ranges: " + "; ".join(words)
    )


def _transposed(net: Network, s: sp.Symbol, ranges: set[int], exprs: tuple[sp.Expr, ...]) -> bool:
    """Is the clash of s the one a transposed weight makes (w_kj for w_jk: s in both layers of
    one w^(p))?  When a layer tag differs instead, guessing "transposed" would mislead."""
    for e in exprs:
        for f in e.atoms(sp.Indexed):
            ref = derive.classify(net, f)
            if (
                ref is not None
                and ref.quantity == "w"
                and s in ref.indices
                and ranges == {ref.layer, (ref.layer or 0) - 1}
            ):
                return True
    return False


def _holds_only_at(
    net: Network,
    L: sp.Expr,
    R: sp.Expr,
    ranges: dict[sp.Symbol, int],
    constants: dict[int, int],
    seed: int,
) -> str | None:
    """When indices are written as numbers (w_{03}), try the sizes those numbers suggest: a
    relation that lists every term of a sum holds at exactly that width."""
    layers = {
        r: c for r, c in constants.items() if r != SAMPLES and c > 0
    }  # width 1: the single hint
    if not net.symbolic or not layers:
        return None
    top = max(layers.values()) + 3
    pinned = []
    for r, c in sorted(layers.items()):
        widths = [top + p for p in range(net.D + 1)]
        widths[r] = c + 1
        concrete = net.with_sizes(tuple(widths), max(2, constants.get(SAMPLES, 0) + 1))
        try:
            if _search(net, L, R, concrete, ranges, seed).refuted is None:
                pinned.append(f"n_({net.tag(r)}) = {c + 1}")
        except evaluate.EvaluationError:
            continue
    return "holds only when " + " or ".join(pinned) if pinned else None


def _holds_single(net: Network, L: sp.Expr, R: sp.Expr, seed: int) -> bool:
    free = free_indices(L) | free_indices(R)
    ranges = {s: r for s, r in index_ranges(net, L, R)[0].items() if s in free}
    try:  # several random points and sample counts: one can agree by accident (a ReLU that is off)
        return all(
            _search(net, L, R, net.with_sizes((1,) * (net.D + 1), n), ranges, seed + k).refuted
            is None
            for k, n in enumerate((2, 3, 5))
        )
    except evaluate.EvaluationError:
        return False


def _describe(net: Network, widths: tuple[int, ...] | None, samples: int | None) -> str:
    assert widths is not None
    parts = [f"n={samples}"] if samples else []
    parts += [f"n_({net.tag(p)})={widths[p]}" for p in range(len(widths) - 1, -1, -1)]
    return ", ".join(parts)
