"""The decision procedure: is a hand-written relation true in a network?

Stages, first decisive one wins (design.md):

1. **Index check**: the free indices of both sides must agree; a mismatch is the usual sign of a
   missing Σ and is reported as a hint, then decided numerically.
2. **Normal form** at the network's sizes (symbolic: a proof for all sizes).  Partials and δ are
   replaced by their true values first, so a chain of steps is checked step by step.
3. **Exact at concrete sizes**: sums unrolled at small sizes (every width ≥ 2, all different),
   compared as polynomials; a difference is evaluated with mpmath to give a counterexample.
4. **Numeric**: agreement of high-precision random evaluations, which alone proves nothing
   (verdict ``unknown``).

Every stage runs under one deadline; nothing hangs.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Iterator

import mpmath
import sympy as sp

from . import algebra, derive, evaluate
from .activations import ActivationFunction, ActivationPrime
from .network import Network, Stop
from .notation import NotationError

VERDICTS = ("proved", "refuted", "unknown", "skipped", "error")
#: working precision of the numeric stages; sides closer than 10^-30 count as equal
DIGITS = 50


@dataclass
class Verdict:
    """The outcome of one claim.  ``counterexample`` names sizes, index values, the inputs and
    both sides' values, so that a reader can check a refutation by hand."""

    verdict: str
    method: str = ""
    reason: str = ""
    counterexample: dict[str, Any] | None = None
    seconds: float = 0.0
    hints: list[str] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return self.verdict == "proved"

    def __str__(self) -> str:
        s = f"{self.verdict} ({self.method})" if self.method else self.verdict
        if self.reason:
            s += f": {self.reason}"
        return s

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "method": self.method, "reason": self.reason,
                "counterexample": self.counterexample}

    def _repr_latex_(self) -> str:
        return rf"$\text{{{self.verdict}}}\ \text{{({self.method})}}$"


class Timeout(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` inside the block after ``seconds`` (main thread only: SIGALRM).

    The alarm repeats every 50 ms after the deadline: Python may run a signal handler inside
    code that swallows exceptions (a garbage-collector callback), and one lost Timeout must not
    let a proof run on unbounded.  Elsewhere than the main thread the block runs unbounded;
    callers there must bound their inputs."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise Timeout()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------------------------
# indices


def _is_index(s: sp.Symbol) -> bool:
    """Indices are the integer symbols that are not sizes.  Read the declared assumptions only:
    asking SymPy to infer them costs more than everything else in a proof."""
    a = s.assumptions0
    return bool(a.get("integer")) and not a.get("positive")


def free_indices(e: sp.Expr) -> set[sp.Symbol]:
    return {s for s in e.free_symbols if isinstance(s, sp.Symbol) and _is_index(s)}


SAMPLES = -1


def index_ranges(net: Network, *exprs: sp.Expr) -> tuple[dict[sp.Symbol, int], dict[sp.Symbol, set[int]]]:
    """Which range each index runs over (a layer number, or SAMPLES), inferred from where it
    stands, and the letters that stand in two different ranges (notation.md: an error, and in
    practice often a transposed index)."""
    found: dict[sp.Symbol, int] = {}
    conflicts: dict[sp.Symbol, set[int]] = {}

    def put(x: sp.Expr, r: int) -> None:
        if isinstance(x, sp.Symbol) and _is_index(x):
            if x in found and found[x] != r:
                conflicts.setdefault(x, {found[x]}).add(r)
            found.setdefault(x, r)

    deltas: list[sp.KroneckerDelta] = []
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if isinstance(f, sp.KroneckerDelta):
                deltas.append(f)
            if not isinstance(f, sp.Indexed):
                continue
            ref = derive.classify(net, f)
            if ref is None:
                continue
            idx = ref.indices
            if ref.quantity in ("a", "z", "delta") and len(idx) == 2:
                put(idx[0], SAMPLES)
                put(idx[1], ref.layer)  # type: ignore[arg-type]
            elif ref.quantity == "w" and len(idx) == 2:
                put(idx[0], ref.layer)  # type: ignore[arg-type]
                put(idx[1], ref.layer - 1)  # type: ignore[operator]
            elif ref.quantity == "b" and len(idx) == 1:
                put(idx[0], ref.layer)  # type: ignore[arg-type]
            elif ref.quantity == "y" and len(idx) == 2:
                put(idx[0], SAMPLES)
                put(idx[1], net.D)
            elif ref.quantity == "Li" and len(idx) == 1:
                put(idx[0], SAMPLES)
            else:
                raise NotationError(f"{f}: wrong number of indices")
    for _ in range(2):  # [j = k]: both indices run over the same range
        for d in deltas:
            x, y = d.args
            if x in found:
                put(y, found[x])
            elif y in found:
                put(x, found[y])
    return found, conflicts


def _range_name(net: Network, r: int) -> str:
    return "the samples" if r == SAMPLES else f"layer {net.tag(r)}"


# ---------------------------------------------------------------------------------------------
# canonical rewriting


def _closed_forms(net: Network, e: sp.Expr) -> sp.Expr:
    """σ(z^(p)) → a^(p) and σ′(z^(p)) → its polynomial in a^(p) where the activation has one."""
    e = derive.fold(net, e)
    if net.activation == "identity":  # a = z: one variable, not two
        e = e.replace(lambda f: isinstance(f, ActivationFunction), lambda f: f.args[0])

        def as_z(f: sp.Indexed) -> sp.Expr:
            ref = derive.classify(net, f)
            if ref is not None and ref.quantity == "a" and (ref.layer or 0) >= 1 \
                    and not (net.softmax_output and ref.layer == net.D):
                return net.z(ref.layer)[ref.indices]  # type: ignore[arg-type, index]
            return f

        e = e.replace(lambda f: isinstance(f, sp.Indexed), as_z)
    prime_in_a = net.act.prime_in_a
    if prime_in_a is None:
        return e

    def closed(f: sp.Expr) -> sp.Expr:
        z = f.args[0]
        ref = derive.classify(net, z) if isinstance(z, sp.Indexed) else None
        if ref is not None and ref.quantity == "z":
            return prime_in_a(net.a(ref.layer)[ref.indices])  # type: ignore[arg-type, index]
        return f

    return e.replace(lambda f: isinstance(f, ActivationPrime), closed)


def _expand_z(net: Network, e: sp.Expr) -> sp.Expr:
    def define(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        if ref is not None and ref.quantity == "z" and ref.layer >= 1:  # type: ignore[operator]
            return net.z_definition(ref.layer, *ref.indices)  # type: ignore[arg-type, misc]
        return f

    return e.replace(lambda f: isinstance(f, sp.Indexed), define)


def _expand_all(net: Network, e: sp.Expr) -> sp.Expr:
    """Every a^(p) and z^(p) written out down to the inputs a^(0): the independent variables."""
    bottom = Stop("a", 0)

    def define(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        if ref is not None and ref.quantity in ("a", "z") and ref.layer >= 1 and len(ref.indices) == 2:  # type: ignore[operator]
            build = net.expand_a if ref.quantity == "a" else net.expand_z
            return build(ref.layer, *ref.indices, bottom)  # type: ignore[arg-type, misc]
        return f

    return e.replace(lambda f: isinstance(f, sp.Indexed), define)


def _explicit(net: Network, e: sp.Expr) -> sp.Expr:
    """σ and σ′ replaced by the activation's own formulas (sigmoid: 1/(1+e^(−x)), …)."""
    defs = {"sigmoid": (lambda x: 1 / (1 + sp.exp(-x)), lambda x: sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
            "tanh": (sp.tanh, lambda x: 1 - sp.tanh(x) ** 2),
            "softplus": (lambda x: sp.log(1 + sp.exp(x)), lambda x: 1 / (1 + sp.exp(-x))),
            "identity": (lambda x: x, lambda x: sp.Integer(1)),
            "relu": (lambda x: sp.Max(0, x), lambda x: sp.Heaviside(x, 0))}
    if net.activation not in defs:
        return e
    f, fp = defs[net.activation]
    e = e.replace(lambda g: isinstance(g, ActivationPrime), lambda g: fp(g.args[0]))
    return e.replace(lambda g: isinstance(g, ActivationFunction), lambda g: f(g.args[0]))


def normal_form_equal(net: Network, lhs: sp.Expr, rhs: sp.Expr, deep: bool = True) -> bool:
    """Stage 2: equal normal forms, first with z atomic; with ``deep``, then with z written out
    one level, then with every activation written out down to the inputs."""
    diff = _closed_forms(net, lhs - rhs)
    if algebra.equal(diff, sp.Integer(0)):
        return True
    if not deep:
        return False
    if algebra.equal(_closed_forms(net, _expand_z(net, diff)), sp.Integer(0)):
        return True
    expanded = _expand_all(net, lhs - rhs)
    prime_in_a = net.act.prime_in_a
    if prime_in_a is not None:  # σ′(x) as a polynomial in σ(x), without folding anything back
        expanded = expanded.replace(lambda f: isinstance(f, ActivationPrime),
                                    lambda f: prime_in_a(net.sigma(f.args[0])))
    return algebra.equal(expanded, sp.Integer(0))


def explicit_equal(net: Network, lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """For relations without sums (σ(x) = 1/(1+e^(−x)), σ′ = σ(1−σ) on a plain x): simplify the
    difference with the activation written out.  Only small expressions: simplify can be slow."""
    diff = lhs - rhs
    if diff.has(sp.Sum) or sp.count_ops(diff) > 60:
        return False
    return sp.simplify(_explicit(net, diff)) == 0


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
            slots = {"a": (SAMPLES, ref.layer), "z": (SAMPLES, ref.layer), "delta": (SAMPLES, ref.layer),
                     "w": (ref.layer, (ref.layer or 0) - 1), "b": (ref.layer,), "y": (SAMPLES, net.D),
                     "Li": (SAMPLES,)}.get(ref.quantity, ())
            for r, x in zip(slots, ref.indices):
                if x.is_Integer and r is not None:
                    out[r] = max(out.get(r, 0), int(x))  # type: ignore[index]
    return out


def size_sets(net: Network, single: bool = False, least: dict[int, int] | None = None
              ) -> list[tuple[tuple[int, ...], int]]:
    """Widths (input first) and sample counts for the exact stage: every width ≥ 2, all widths
    different, so that a missing Σ or a transposed index cannot hide (design.md); wide enough
    for every index written as a number (``least``)."""
    if not net.symbolic:
        return [(net.widths, s) for s in ([net.samples] if net.samples else [2, 3])]  # type: ignore[list-item]
    least = least or {}
    base = 2 + max([c for c in least.values()] + [0])
    top_down = [base + k for k in range(net.D + 1)]
    swapped = list(top_down)
    for k in range(0, net.D, 2):
        swapped[k], swapped[k + 1] = swapped[k + 1], swapped[k]
    first, second = tuple(reversed(top_down)), tuple(reversed(swapped))
    n0 = max(2, least.get(SAMPLES, 0) + 1)
    sets = [(first, n0), (second, n0 + 1)]
    if single:
        sets.append(((1,) * (net.D + 1), 2))
    return sets


def _assignments(ranges: dict[sp.Symbol, int], concrete: Network, limit: int = 64) -> list[dict[sp.Symbol, int]]:
    """Every assignment of the free indices at these sizes (a deterministic sample if many)."""
    syms = sorted(ranges, key=lambda s: s.name)
    widths = concrete.widths
    assert widths is not None and concrete.samples is not None
    sizes = [concrete.samples if ranges[s] == SAMPLES else widths[ranges[s]] for s in syms]
    combos = list(product(*[range(k) for k in sizes]))
    if len(combos) > limit:
        combos = [combos[0], combos[-1]] + random.Random(len(combos)).sample(combos[1:-1], limit - 2)
    return [dict(zip(syms, c)) for c in combos]


def _at_sizes(net: Network, concrete: Network, e: sp.Expr) -> sp.Expr:
    m: dict[sp.Expr, sp.Expr] = {net.width(p): concrete.width(p) for p in range(net.D + 1)}
    m[net.n] = concrete.n
    return e.xreplace(m)


def _exact_zero(net: Network, e: sp.Expr) -> bool:
    """Unroll the sums at concrete sizes and expand: zero means equal at these sizes."""
    e = _closed_forms(net, e.doit())
    if sp.expand(e) == 0:
        return True
    return sp.expand(_closed_forms(net, _expand_z(net, e).doit())) == 0


def _fmt(x: Any) -> str:
    return mpmath.nstr(x, 6) if isinstance(x, mpmath.mpf) else str(x)


def _inputs(inst: evaluate.Instance) -> dict[str, Any]:
    net = inst.net
    keep = [str(net.a(0).label), "y"] + [str(net.base(q, p).label) for p in range(1, net.D + 1) for q in ("w", "b")]
    return {name: {",".join(map(str, k)): _fmt(v) for k, v in sorted(inst.values[name].items())} for name in keep}


def _close(a: Any, b: Any) -> bool:
    return bool(abs(a - b) <= mpmath.mpf(10) ** -30 * (1 + abs(a) + abs(b)))


@dataclass
class _Search:
    refuted: dict[str, Any] | None = None
    numeric_only: int = 0
    checked: int = 0


def _search(net: Network, lhs: sp.Expr, rhs: sp.Expr, concrete: Network, ranges: dict[sp.Symbol, int],
            seed: int) -> _Search:
    """Evaluate both sides at random inputs for every index assignment; first difference wins."""
    with mpmath.workdps(DIGITS):
        return _search_at(net, lhs, rhs, concrete, ranges, seed)


def _search_at(net: Network, lhs: sp.Expr, rhs: sp.Expr, concrete: Network, ranges: dict[sp.Symbol, int],
               seed: int) -> _Search:
    res = _Search()
    rng = random.Random(seed)
    inst = evaluate.random_instance(concrete, rng)
    L, R = _at_sizes(net, concrete, lhs), _at_sizes(net, concrete, rhs)
    plain = sorted((s for s in (L - R).free_symbols if isinstance(s, sp.Symbol)
                    and s.assumptions0.get("real") and not s.assumptions0.get("integer")), key=lambda s: s.name)
    values: dict[sp.Symbol, Any] = {s: evaluate.MP.num(sp.Rational(rng.randint(-16, 16), 8)) for s in plain}
    for env in _assignments(ranges, concrete):
        env = {**env, **values}
        try:
            lv, rv = evaluate.evaluate(L, inst, env), evaluate.evaluate(R, inst, env)
        except (ZeroDivisionError, OverflowError, ValueError, TypeError) as e:
            if isinstance(e, evaluate.EvaluationError):
                raise
            continue  # a pole or an undefined value at this point: not evidence either way
        res.checked += 1
        if not _close(lv, rv):
            res.refuted = {
                "sizes": {"n": concrete.samples,
                          **{str(concrete.tag(p)): concrete.widths[p] for p in range(concrete.D, -1, -1)}},  # type: ignore[index]
                "indices": {s.name: v for s, v in sorted(env.items(), key=lambda kv: kv[0].name)
                            if s not in values},
                **({"variables": {s.name: _fmt(v) for s, v in values.items()}} if values else {}),
                "left": _fmt(lv), "right": _fmt(rv),
                "inputs": _inputs(inst),
            }
            return res
    return res


# ---------------------------------------------------------------------------------------------
# hints


def _hints(net: Network, lhs: sp.Expr, rhs: sp.Expr, fl: set[sp.Symbol], fr: set[sp.Symbol]) -> list[str]:
    hints = []
    only_r, only_l = sorted(fr - fl, key=str), sorted(fl - fr, key=str)
    for s in only_r:
        hints.append(f"{s} is free on the right only: a sum over {s} is missing?")
    for s in only_l:
        hints.append(f"{s} is free on the left only: the right side sums over it, or misses it")
    if only_r or only_l:
        return hints
    try:
        if normal_form_equal(net, lhs, -rhs, deep=False):
            hints.append("the sides differ only in sign")
        elif normal_form_equal(net, lhs, rhs / net.n, deep=False):
            hints.append("a factor 1/n is missing on the right")
        elif normal_form_equal(net, lhs, rhs * net.n, deep=False):
            hints.append("the right side has an extra factor 1/n")
    except (algebra.Unsupported, NotationError, TypeError, ValueError):
        pass
    return hints


# ---------------------------------------------------------------------------------------------
# the procedure


def prove(lhs: sp.Expr, rhs: sp.Expr, net: Network, *, timeout: float = 10.0, seed: int = 0,
          single_hint: bool = True) -> Verdict:
    """Decide ``lhs = rhs`` in ``net`` (see the module docstring for the stages)."""
    t0 = time.perf_counter()
    try:
        with deadline(timeout):
            v = _prove(lhs, rhs, net, seed, single_hint)
    except Timeout:
        v = Verdict("unknown", "timeout", f"not decided within {timeout:g} s")
    except (NotationError, evaluate.EvaluationError) as e:
        v = Verdict("error", "", str(e))
    except (ArithmeticError, RecursionError) as e:
        v = Verdict("unknown", "", f"could not be decided ({type(e).__name__}: {e})")
    v.seconds = time.perf_counter() - t0
    return v


def _prove(lhs: sp.Expr, rhs: sp.Expr, net: Network, seed: int, single_hint: bool) -> Verdict:
    _, conflicts = index_ranges(net, lhs, rhs)
    if conflicts:
        return _conflict(net, lhs, rhs, conflicts, seed)
    L = derive.substitute_partials(net, lhs)
    R = derive.substitute_partials(net, rhs)
    fl, fr = free_indices(L), free_indices(R)
    ranges = {s: r for s, r in index_ranges(net, lhs, rhs, L, R)[0].items() if s in fl | fr}
    constants = constant_indices(net, L, R)
    sets = size_sets(net, least=constants)
    proved = Verdict("proved", "all sizes (normal form)" if net.symbolic else
                     f"exact at sizes {_describe(net, net.widths, net.samples)} (normal form)")
    if fl == fr and normal_form_equal(net, L, R, deep=False):
        return proved
    # a counterexample is decisive and usually quick: look for one before the costlier proofs
    first = net.with_sizes(*sets[0])
    quick = _search(net, L, R, first, ranges, seed)
    if quick.refuted is None and fl == fr and (normal_form_equal(net, L, R) or explicit_equal(net, L, R)):
        return proved
    hints = _hints(net, L, R, fl, fr) if quick.refuted is not None or fl != fr else []
    unknown = 0
    proved_at: list[str] = []
    for k, (widths, samples) in enumerate(sets):
        concrete = net.with_sizes(widths, samples)
        if quick.refuted is None and fl == fr and _exact_zero(net, _at_sizes(net, concrete, L - R)):
            proved_at.append(_describe(net, widths, samples))
            continue
        s = quick if k == 0 else _search(net, L, R, concrete, ranges, seed + k)
        if s.refuted is not None:
            if single_hint and net.network != "single" and _holds_single(net, L, R, seed):
                hints.append("holds only when every layer has one neuron")
            only = _holds_only_at(net, L, R, ranges, constants, seed)
            if only:
                hints.append(only)
            return Verdict("refuted", f"counterexample at sizes {_describe(net, widths, samples)}",
                           "; ".join(hints), s.refuted, hints=hints)
        unknown += 1
    if proved_at and not unknown:
        return Verdict("proved", "exact at sizes " + "; ".join(proved_at), "; ".join(hints), hints=hints)
    return Verdict("unknown", "numeric", "both sides agree at random inputs (not a proof)"
                   + (": " + "; ".join(hints) if hints else ""), hints=hints)


def _conflict(net: Network, lhs: sp.Expr, rhs: sp.Expr, conflicts: dict[sp.Symbol, set[int]],
              seed: int) -> Verdict:
    """A letter in two ranges: look for a counterexample where those ranges are equally wide
    (the only place the relation means anything), else report the misuse as an error."""
    words = [f"{s.name} stands for {' and for '.join(_range_name(net, r) for r in sorted(rs))}"
             for s, rs in sorted(conflicts.items(), key=lambda kv: kv[0].name)]
    message = "; ".join(words) + ": a transposed index?"
    square = net.with_sizes((3,) * (net.D + 1), 2)
    L = derive.substitute_partials(square, _at_sizes(net, square, lhs))
    R = derive.substitute_partials(square, _at_sizes(net, square, rhs))
    ranges = {s: (0 if r != SAMPLES else SAMPLES) for s, r in index_ranges(square, L, R)[0].items()
              if s in free_indices(L) | free_indices(R)}
    s = _search(square, L, R, square, ranges, seed)
    if s.refuted is not None:
        return Verdict("refuted", f"counterexample at sizes {_describe(square, square.widths, 2)}",
                       message, s.refuted, hints=[message])
    return Verdict("error", "", "one letter used for two different ranges: " + "; ".join(words))


def _holds_only_at(net: Network, L: sp.Expr, R: sp.Expr, ranges: dict[sp.Symbol, int],
                   constants: dict[int, int], seed: int) -> str | None:
    """When indices are written as numbers (w_{03}), try the sizes those numbers suggest: a
    relation that lists every term of a sum holds at exactly that width."""
    layers = {r: c for r, c in constants.items() if r != SAMPLES and c > 0}  # width 1: the single hint
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
    concrete = net.with_sizes((1,) * (net.D + 1), 2)
    free = free_indices(L) | free_indices(R)
    ranges = {s: r for s, r in index_ranges(net, L, R)[0].items() if s in free}
    try:  # several random points: one can agree by accident (a ReLU that is off, say)
        return all(_search(net, L, R, concrete, ranges, seed + k).refuted is None for k in range(3))
    except evaluate.EvaluationError:
        return False


def _describe(net: Network, widths: tuple[int, ...] | None, samples: int | None) -> str:
    assert widths is not None
    parts = [f"n={samples}"] if samples else []
    parts += [f"n_({net.tag(p)})={widths[p]}" for p in range(len(widths) - 1, -1, -1)]
    return ", ".join(parts)
