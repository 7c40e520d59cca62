"""An independent audit of every ``proved``: both sides evaluated as read, at random sizes.

The prover reaches ``proved`` through rewrites (true values by ``sympy.diff``, Kronecker
contractions, folds, closed forms of σ′, the normal form).  A wrong side condition in any of them
would prove a false relation, so before a relation is reported proved, this module evaluates both
sides *as the reader built them* (partials and δ unexpanded, sums with their bounds as written) at
two or more random size sets, at every boundary value of the free indices and more, and compares.
It shares no rewrite rule with the prover:

* numbers: plain loops over explicit finite networks (``Model.definition``), mpmath reals;
* a partial ∂X/∂v and a δ (= ∂L_i/∂z_ij by definition): dual numbers (``dual.py``), the input v
  seeded with derivative 1, the forward pass and X's own arithmetic carried out on them;
* σ, σ′, Ψ: the activation's formula (σ′ by dual arithmetic on that formula, never a closed form).

A disagreement is never ``proved``: the verdict becomes an ``error`` ("proof and evaluation
disagree"), with the point.  A relation the audit cannot evaluate (a matrix, a construct of its
own) keeps its proof and says so in ``Verdict.audit``.

Models plug in through :class:`Model`; :class:`NetworkModel` is the built-in network.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any, Protocol

import mpmath
import sympy as sp

from . import dual
from .activations import ActivationFunction, ActivationPrime
from .losses import Upstream, UpstreamPrime
from .network import Network

#: a size symbol (n, n_(L), …) → its value in one size set
Sizes = dict[sp.Expr, int]
#: a quantity's label (``str(base.label)``) → its entries; scalars under the index ()
Values = dict[str, dict[tuple[int, ...], Any]]
#: the entry that carries the derivative ε: (label, index)
Seed = tuple[str, tuple[int, ...]]
#: size sets per audit, and index points per size set at most
SIZE_SETS, POINTS = 2, 8
#: the bench (bench/audit_overhead.py) turns the audit off to measure what it costs; nothing else
ENABLED = True
#: digits the first (float) pass trusts, and the digits of the recheck of a difference there
#: (rounding is not a difference: a costly zero term loses many to cancellation)
FLOAT_DIGITS, RECHECK = 21, 100


#: the number type of the pass under way: floats first (fast), mpmath's reals for a recheck
_REAL: list[Callable[[Any], Any]] = [float]


def real(p: int, q: int = 1) -> Any:
    """p/q in the number type of the pass under way."""
    return _REAL[0](p) / q


class NotEvaluable(Exception):
    """The relation holds something the audit has no value for."""


class Model(Protocol):
    """What the audit must know of a model to evaluate a relation read in it.

    ``sizes`` draws one size set (each size symbol → a value, at least ``least``: a number
    written as an index needs that entry to exist); ``shape`` gives the extents of an indexed
    quantity at those sizes (None: not a quantity of the model); ``inputs`` draws the values of
    the free quantities; ``definition`` computes every quantity from them, with the ``seed``
    entry (an input or a defined quantity) carrying derivative 1; ``scalar`` gives a symbol that
    is a quantity (the mean loss L); ``meaning`` gives a quantity defined as an expression to
    evaluate instead (δ_ij = ∂L_i/∂z_ij); ``function`` evaluates σ, σ′, Ψ …"""

    def sizes(self, rng: random.Random, least: int) -> Sizes: ...

    def shape(self, base: sp.Expr, sizes: Sizes) -> tuple[int, ...] | None: ...

    def inputs(self, sizes: Sizes, rng: random.Random) -> Values: ...

    def definition(self, inputs: Values, sizes: Sizes, seed: Seed | None) -> Values: ...

    def scalar(self, s: sp.Symbol, values: Values) -> Any | None: ...

    def meaning(self, e: sp.Indexed) -> sp.Expr | None: ...

    def function(self, f: sp.Expr) -> Callable[[list[Any]], Any] | None: ...


# ---------------------------------------------------------------------------------------------
# the built-in network


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + dual.exp(-x))


def _relu(x: Any) -> Any:
    return x if x > 0 else 0 * x


#: σ of each activation, written out (the generic σ: any fixed smooth function will do, since a
#: relation proved for every σ holds for this one)
SIGMA: dict[str, Callable[[Any], Any]] = {
    "sigmoid": _sigmoid,
    "tanh": dual.tanh,
    "softplus": lambda x: dual.log(1 + dual.exp(x)),
    "identity": lambda x: x,
    "relu": _relu,
    "generic": lambda x: x / 2 + dual.sin(x) / 3 + x * x / 7,
}


def psi(z: Any, j: int) -> Any:
    """The upstream Ψ(z, j) of a generic layer: any fixed smooth function of z and j."""
    return dual.exp(z / (j + 2)) + z * z * (j + 1) / 7


class NetworkModel:
    """The network of ``network.py``: z = W a + b, a = σ(z) (softmax at a cross-entropy output),
    the loss of each sample and their mean, all by explicit loops."""

    def __init__(self, net: Network) -> None:
        self.net = net
        #: the unseeded pass of each draw of inputs, from which a seeded one starts
        self._plain: dict[Any, tuple[Values, Values]] = {}
        D = net.D
        self.labels = {
            **{str(net.a(p).label): ("a", p) for p in range(D + 1)},
            **{str(net.z(p).label): ("z", p) for p in range(1, D + 1)},
            **{str(net.w(p).label): ("w", p) for p in range(1, D + 1)},
            **{str(net.b(p).label): ("b", p) for p in range(1, D + 1)},
            **{str(net.delta(p).label): ("delta", p) for p in range(1, D + 1)},
            str(net.y.label): ("y", D),
            str(net.Li.label): ("Li", D),
        }

    # ---- sizes and shapes
    def sizes(self, rng: random.Random, least: int) -> Sizes:
        net = self.net
        symbols = [net.n] + [net.width(p) for p in range(net.D + 1)]
        free = [s for s in symbols if isinstance(s, sp.Symbol)]
        fixed = {int(s) for s in symbols if not isinstance(s, sp.Symbol)}
        # small sizes from 1 (the boundary) up, the sample count apart from every width, and
        # neighbouring layers of different widths (a transposed weight or a swapped size shows)
        lo = max(1, least)
        pool = [k for k in range(lo, lo + 5) if k not in fixed]
        out: Sizes = {}
        previous = None
        for s in free:
            if s == net.n:
                continue
            choices = [k for k in pool if k != previous] or pool
            out[s] = previous = rng.choice(choices)
        if net.n in free:
            apart = [k for k in range(lo, lo + 12) if k not in set(out.values()) | fixed]
            out[net.n] = rng.choice(apart[:4])
        return out

    def _width(self, p: int, sizes: Sizes) -> int:
        w = self.net.width(p)
        return int(sizes[w]) if isinstance(w, sp.Symbol) else int(w)

    def _n(self, sizes: Sizes) -> int:
        n = self.net.n
        return int(sizes[n]) if isinstance(n, sp.Symbol) else int(n)

    def shape(self, base: sp.Expr, sizes: Sizes) -> tuple[int, ...] | None:
        kind = self.labels.get(str(getattr(base, "label", "")))
        if kind is None:
            return None
        q, p = kind
        n, w = self._n(sizes), self._width(p, sizes)
        return {
            "a": (n, w),
            "z": (n, w),
            "delta": (n, w),
            "y": (n, w),
            "w": (w, self._width(p - 1, sizes) if p >= 1 else 0),
            "b": (w,),
            "Li": (n,),
        }[q]

    # ---- values
    def inputs(self, sizes: Sizes, rng: random.Random) -> Values:
        net = self.net
        n, top = self._n(sizes), self._width(net.D, sizes)

        def r() -> Fraction:
            return Fraction(rng.choice([k for k in range(-8, 9) if k]), 8)

        v: Values = {
            str(net.a(0).label): {
                (s, x): r() for s in range(n) for x in range(self._width(0, sizes))
            }
        }
        for p in range(1, net.D + 1):
            wp, wq = self._width(p, sizes), self._width(p - 1, sizes)
            v[str(net.w(p).label)] = {(x, u): r() for x in range(wp) for u in range(wq)}
            v[str(net.b(p).label)] = {(x,): r() for x in range(wp)}
        y: dict[tuple[int, ...], Any]
        if net.targets == "one-hot":
            hot = [rng.randrange(top) for _ in range(n)]
            y = {(s, x): Fraction(int(x == hot[s])) for s in range(n) for x in range(top)}
        elif net.targets == "distribution":
            weights = [[rng.randint(1, 8) for _ in range(top)] for _ in range(n)]
            y = {
                (s, x): Fraction(weights[s][x], sum(weights[s]))
                for s in range(n)
                for x in range(top)
            }
        elif net.loss in ("cross-entropy", "binary-cross-entropy"):
            y = {(s, x): Fraction(rng.randint(0, 8), 8) for s in range(n) for x in range(top)}
        else:
            y = {(s, x): r() for s in range(n) for x in range(top)}
        v[str(net.y.label)] = y
        return v

    def definition(self, inputs: Values, sizes: Sizes, seed: Seed | None) -> Values:
        net = self.net
        n = self._n(sizes)

        # below the seeded entry nothing changes: start from the plain pass, at its layer
        key = (id(inputs), _REAL[0], tuple(sorted(sizes.items(), key=str)))
        kept = self._plain.get(key) if seed is not None else None
        start = 1
        if kept is not None and kept[0] is inputs and seed is not None:
            v: Values = dict(kept[1])
            kind, layer = self.labels.get(seed[0], ("", 0))
            start = layer + 1 if kind == "a" else layer if kind in ("z", "w", "b") else net.D + 1
        else:
            v = {
                k: {i: real(x.numerator, x.denominator) for i, x in t.items()}
                for k, t in inputs.items()
            }

        def seeded(label: str) -> None:
            if seed is not None and seed[0] == label:
                table = v[label] = dict(v[label])
                if seed[1] not in table:
                    raise NotEvaluable(f"no entry {seed[1]} of {label}")
                table[seed[1]] = dual.Dual(dual.value(table[seed[1]]), 1)

        if seed is not None and seed[0] not in self.labels:
            raise NotEvaluable(f"cannot differentiate by {seed[0]}")
        if seed is not None and self.labels[seed[0]][0] in ("delta", "Li"):
            raise NotEvaluable(f"cannot differentiate by {seed[0]}")
        for label in list(v):
            seeded(label)
        for p in range(start, net.D + 1):
            A, W, B = v[str(net.a(p - 1).label)], v[str(net.w(p).label)], v[str(net.b(p).label)]
            wp, wq = self._width(p, sizes), self._width(p - 1, sizes)
            Z: dict[tuple[int, ...], Any] = {}
            for s in range(n):
                for x in range(wp):
                    acc = B[(x,)]
                    for u in range(wq):
                        acc = acc + W[(x, u)] * A[(s, u)]
                    Z[(s, x)] = acc
            v[str(net.z(p).label)] = Z
            seeded(str(net.z(p).label))
            Z = v[str(net.z(p).label)]  # the seeded copy, when z^(p) is the seed
            if p == net.D and net.softmax_output:
                out: dict[tuple[int, ...], Any] = {}
                for s in range(n):
                    m = max(dual.value(Z[(s, x)]) for x in range(wp))
                    e = [dual.exp(Z[(s, x)] - m) for x in range(wp)]
                    total = e[0]
                    for t in e[1:]:
                        total = total + t
                    for x in range(wp):
                        out[(s, x)] = e[x] / total
                v[str(net.a(p).label)] = out
            else:
                act = net.activation_at(p)
                assert act is not None
                sigma = SIGMA[act.name]
                v[str(net.a(p).label)] = {k: sigma(z) for k, z in Z.items()}
            seeded(str(net.a(p).label))
        top, A, Y = net.D, v[str(net.a(net.D).label)], v[str(net.y.label)]
        Zt = v[str(net.z(top).label)]
        losses: dict[tuple[int, ...], Any] = {}
        for s in range(n):
            acc = real(0)
            for x in range(self._width(top, sizes)):
                a, y = A[(s, x)], Y[(s, x)]
                if net.loss == "upstream":
                    acc = acc + psi(Zt[(s, x)], x)
                elif net.loss == "cross-entropy":
                    acc = acc - y * dual.log(a)
                elif net.loss == "binary-cross-entropy":
                    acc = acc - (y * dual.log(a) + (1 - y) * dual.log(1 - a))
                else:
                    acc = acc + (a - y) * (a - y) / 2
            losses[(s,)] = acc
        v[str(net.Li.label)] = losses
        mean: Any = real(0)
        for s in range(n):
            mean = mean + losses[(s,)]
        v["__mean__"] = {(): mean / n}
        if seed is None:
            self._plain[key] = (inputs, v)  # the inputs kept: their id stays theirs
        return v

    def scalar(self, s: sp.Symbol, values: Values) -> Any | None:
        return values["__mean__"][()] if s == self.net.L else None

    def meaning(self, e: sp.Indexed) -> sp.Expr | None:
        from .derive import Partial  # the unevaluated ∂ node only, no rule of derive

        kind = self.labels.get(str(e.base.label))
        if kind is None or kind[0] != "delta" or len(e.indices) != 2:
            return None
        return Partial(self.net.Li[e.indices[0]], self.net.z(kind[1])[e.indices])

    def function(self, f: sp.Expr) -> Callable[[list[Any]], Any] | None:
        if isinstance(f, ActivationFunction) and f.activation in SIGMA:
            sigma = SIGMA[f.activation]
            return lambda args: sigma(args[0])
        if isinstance(f, ActivationPrime) and f.activation in SIGMA:
            return lambda args: _prime(SIGMA[f.activation], args[0])
        if isinstance(f, Upstream):
            return lambda args: psi(args[0], int(dual.value(args[1])))
        if isinstance(f, UpstreamPrime):
            return lambda args: _prime(lambda z: psi(z, int(dual.value(args[1]))), args[0])
        return None


def _prime(g: Callable[[Any], Any], x: Any) -> Any:
    """g′(x) by dual arithmetic on g's formula (no second derivatives: x must be a number)."""
    if isinstance(x, dual.Dual):
        raise NotEvaluable("a derivative of σ′ or Ψ′ (second derivatives are not evaluated)")
    return dual.derivative(g(dual.Dual(x, 1)))


# ---------------------------------------------------------------------------------------------
# the evaluator of relations as read


class _Point:
    """One size set and one draw of inputs: the values, and those seeded for each partial."""

    def __init__(self, model: Model, sizes: Sizes, inputs: Values) -> None:
        self.model, self.sizes, self.inputs = model, sizes, inputs
        self.plain = model.definition(inputs, sizes, None)
        self.seeded: dict[Seed, Values] = {}
        self.variables: dict[sp.Symbol, Any] = {}
        # a sum's or partial's value depends only on the indices free in it: computed once per
        # their values (nested sums of a closed form then cost what backpropagation costs)
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.frees: dict[sp.Expr, tuple[sp.Symbol, ...]] = {}

    def key(self, e: sp.Expr, env: dict[sp.Symbol, int], seed: Seed | None) -> tuple[Any, ...]:
        if e not in self.frees:
            self.frees[e] = tuple(sorted(e.free_symbols, key=str))
        return (e, seed, tuple(env.get(s) for s in self.frees[e]))

    def values(self, seed: Seed | None) -> Values:
        if seed is None:
            return self.plain
        if seed not in self.seeded:
            self.seeded[seed] = self.model.definition(self.inputs, self.sizes, seed)
        return self.seeded[seed]


def _index(x: Any) -> int:
    v = dual.value(x) if not isinstance(x, int) else x
    if int(v) != v:
        raise NotEvaluable(f"index {v} is not an integer")
    return int(v)


def evaluate(e: sp.Expr, point: _Point, env: dict[sp.Symbol, int], seed: Seed | None) -> Any:
    """The value of e at this point (with free indices ``env``), on the values seeded by
    ``seed`` (inside a partial) or the plain ones."""
    model = point.model
    if isinstance(e, sp.Integer):
        return real(int(e))
    if isinstance(e, sp.Rational):
        return real(int(e.p), int(e.q))
    if e is sp.E:
        return dual.exp(real(1))
    if isinstance(e, sp.Symbol):
        if e in env:
            return real(env[e])
        if e in point.sizes:
            return real(point.sizes[e])
        if e in point.variables:
            return point.variables[e]
        s = model.scalar(e, point.values(seed))
        if s is None:
            raise NotEvaluable(f"no value for {e}")
        return s
    if isinstance(e, sp.Indexed):
        meaning = model.meaning(e)
        if meaning is not None:
            return evaluate(meaning, point, env, seed)
        idx = tuple(_index(evaluate(x, point, env, None)) for x in e.indices)
        table = point.values(seed).get(str(e.base.label))
        if table is None:
            raise NotEvaluable(f"no values for {e.base}")
        if idx not in table:
            raise NotEvaluable(f"no entry {idx} of {e.base}")
        return table[idx]
    if isinstance(e, sp.Add):
        acc = evaluate(e.args[0], point, env, seed)
        for a in e.args[1:]:
            acc = acc + evaluate(a, point, env, seed)
        return acc
    if isinstance(e, sp.Mul):
        acc = evaluate(e.args[0], point, env, seed)
        for a in e.args[1:]:
            acc = acc * evaluate(a, point, env, seed)
        return acc
    if isinstance(e, sp.Pow):
        base = evaluate(e.base, point, env, seed)
        if e.exp.is_Integer:
            k = int(e.exp)
            if k < 0 and dual.value(base) == 0:
                raise ZeroDivisionError("0 to a negative power")
            return base**k
        if e.exp == sp.Rational(1, 2):
            return dual.sqrt(base)
        if e.base is sp.E:
            return dual.exp(evaluate(e.exp, point, env, seed))
        raise NotEvaluable(f"the power {e}")
    if isinstance(e, sp.Sum) or type(e).__name__ == "Partial":
        key = point.key(e, env, seed)
        if key not in point.memo:
            point.memo[key] = (
                _sum(e.function, list(e.limits), point, env, seed)
                if isinstance(e, sp.Sum)
                else _partial(e, point, env, seed)
            )
        return point.memo[key]
    if isinstance(e, sp.KroneckerDelta):
        x, y = (_index(evaluate(a, point, env, None)) for a in e.args)
        return real(1 if x == y else 0)
    if isinstance(e, sp.exp):
        return dual.exp(evaluate(e.args[0], point, env, seed))
    if isinstance(e, sp.log):
        return dual.log(evaluate(e.args[0], point, env, seed))
    if isinstance(e, (sp.tanh, sp.sinh, sp.cosh)):
        fn = {sp.tanh: dual.tanh, sp.sinh: dual.sinh, sp.cosh: dual.cosh}[type(e)]
        return fn(evaluate(e.args[0], point, env, seed))
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [evaluate(a, point, env, seed) for a in e.args]
        pick = max if isinstance(e, sp.Max) else min
        return pick(vals, key=dual.value)
    if isinstance(e, sp.Heaviside):
        return dual.step(evaluate(e.args[0], point, env, seed))
    value_of = model.function(e)
    if value_of is not None:
        return value_of([evaluate(a, point, env, seed) for a in e.args])
    raise NotEvaluable(f"{type(e).__name__}: {e}")


def _sum(
    body: sp.Expr, limits: list[Any], point: _Point, env: dict[sp.Symbol, int], seed: Seed | None
) -> Any:
    """A sum as written: from its lower to its upper bound, empty when the upper is below."""
    if not limits:
        return evaluate(body, point, env, seed)
    d, lo, hi = limits[-1]
    first = _index(evaluate(lo, point, env, None))
    last = _index(evaluate(hi, point, env, None))
    acc: Any = real(0)
    for x in range(first, last + 1):
        acc = acc + _sum(body, limits[:-1], point, {**env, d: x}, seed)
    return acc


def _partial(e: sp.Expr, point: _Point, env: dict[sp.Symbol, int], seed: Seed | None) -> Any:
    """∂X/∂v: X evaluated on the values with v's entry seeded (dual numbers)."""
    if seed is not None:
        raise NotEvaluable("a partial inside a partial")
    num, den = e.args
    if not isinstance(den, sp.Indexed):
        raise NotEvaluable(f"a partial by {den}")
    idx = tuple(_index(evaluate(x, point, env, None)) for x in den.indices)
    value = evaluate(num, point, env, (str(den.base.label), idx))
    return dual.derivative(value)


# ---------------------------------------------------------------------------------------------
# the audit


@dataclass
class Audit:
    """What the audit found: ``agreed`` at ``points`` points, ``disagreed`` (with ``where``), or
    ``not evaluable`` (with the reason)."""

    status: str
    points: int = 0
    where: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def __str__(self) -> str:
        if self.status == "agreed":
            return f"agreed at {self.points} points"
        if self.status == "disagreed":
            return "disagreed"
        return f"{self.status}: {self.reason}"


def _is_index(s: sp.Basic) -> bool:
    a = s.assumptions0 if isinstance(s, sp.Symbol) else {}
    return bool(a.get("integer")) and not a.get("positive")


def _index_extents(
    model: Model, sizes: Sizes, exprs: tuple[sp.Expr, ...], free: set[sp.Symbol]
) -> dict[sp.Symbol, int]:
    """How far each free index runs, from the slots of the quantities it stands in."""
    out: dict[sp.Symbol, int] = {}
    deltas = []
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if isinstance(f, sp.KroneckerDelta):
                deltas.append(f)
            if not isinstance(f, sp.Indexed):
                continue
            shape = model.shape(f.base, sizes)
            if shape is None or len(shape) != len(f.indices):
                continue
            for x, k in zip(f.indices, shape):
                if x in free:
                    if out.get(x, k) != k:
                        raise NotEvaluable(f"{x} runs over two ranges")
                    out[x] = k
    for _ in range(2):
        for d in deltas:
            x, y = d.args
            if x in out and y in free and y not in out:
                out[y] = out[x]
            elif y in out and x in free and x not in out:
                out[x] = out[y]
    missing = free - set(out)
    if missing:
        raise NotEvaluable(f"no range for {', '.join(sorted(map(str, missing)))}")
    return out


def _points(extents: dict[sp.Symbol, int], rng: random.Random) -> list[dict[sp.Symbol, int]]:
    """Every assignment when there are few; else every index at its first and last value
    (the boundaries, where a sum's range is most often wrong), then random ones."""
    syms = sorted(extents, key=lambda s: s.name)
    sizes = [extents[s] for s in syms]
    total = 1
    for k in sizes:
        total *= k
    if total <= POINTS:
        return [dict(zip(syms, c)) for c in product(*[range(k) for k in sizes])]
    picks = {tuple(0 for _ in sizes), tuple(k - 1 for k in sizes)}
    for n, k in enumerate(sizes):
        for edge in (0, k - 1):
            picks.add(tuple(edge if m == n else rng.randrange(sizes[m]) for m in range(len(sizes))))
    while len(picks) < POINTS:
        picks.add(tuple(rng.randrange(k) for k in sizes))
    return [dict(zip(syms, c)) for c in sorted(picks)]


def _close(a: Any, b: Any, digits: int) -> bool:
    return bool(abs(a - b) <= real(1, 10 ** (digits - 12)) * (1 + abs(a) + abs(b)))


def _least(model: Model, exprs: tuple[sp.Expr, ...]) -> int:
    """The smallest size at which every number written as an index names an entry."""
    top = -1
    for e in exprs:
        for f in e.atoms(sp.Indexed):
            for x in f.indices:
                if x.is_Integer:
                    top = max(top, int(x))
    return top + 1


def audit(lhs: sp.Expr, rhs: sp.Expr, model: Model, seed: int = 0) -> Audit:
    """Evaluate ``lhs`` and ``rhs`` as read at ``SIZE_SETS`` random size sets and compare."""
    exprs = (lhs, rhs)
    rng = random.Random(f"audit:{seed}:{sp.srepr(lhs)}={sp.srepr(rhs)}")
    free_all = set().union(*(e.free_symbols for e in exprs))
    free = {s for s in free_all if isinstance(s, sp.Symbol) and _is_index(s)}
    least = _least(model, exprs)
    checked = 0
    try:
        for _ in range(SIZE_SETS):
            sizes = model.sizes(rng, least)
            inputs = model.inputs(sizes, rng)
            extents = _index_extents(model, sizes, exprs, free)
            _REAL[0] = float
            point = _Point(model, sizes, inputs)
            # a plain variable (x in σ′(x) = σ(x)(1 − σ(x)), η): a random number
            variables = {
                s: Fraction(rng.choice([k for k in range(-8, 9) if k]), 8)
                for s in sorted(free_all - free - set(sizes), key=str)
                if isinstance(s, sp.Symbol) and model.scalar(s, point.plain) is None
            }
            point.variables = {s: float(v) for s, v in variables.items()}
            for env in _points(extents, rng):
                try:
                    left = dual.value(evaluate(lhs, point, env, None))
                    right = dual.value(evaluate(rhs, point, env, None))
                except (ZeroDivisionError, ValueError, OverflowError):
                    continue  # a pole: no value, no evidence either way
                if not _close(left, right, FLOAT_DIGITS) and not _recheck(
                    lhs, rhs, model, sizes, inputs, variables, env
                ):
                    return Audit(
                        "disagreed",
                        checked,
                        {
                            "sizes": {str(k): v for k, v in sizes.items()},
                            "indices": {s.name: v for s, v in sorted(env.items(), key=str)},
                            "left": f"{float(left):.12g}",
                            "right": f"{float(right):.12g}",
                        },
                    )
                checked += 1
    except NotEvaluable as e:
        return Audit("not evaluable", checked, reason=str(e))
    if checked == 0:
        return Audit("not evaluable", 0, reason="no point where both sides have a value")
    return Audit("agreed", checked)


def _recheck(
    lhs: sp.Expr,
    rhs: sp.Expr,
    model: Model,
    sizes: Sizes,
    inputs: Values,
    variables: dict[sp.Symbol, Fraction],
    env: dict[sp.Symbol, int],
) -> bool:
    """A difference at DIGITS digits, evaluated again at RECHECK: do the sides agree there?
    (A costly zero term, (Σa + Σz)^64 − …, loses digits to cancellation.)"""
    _REAL[0] = mpmath.mpf
    try:
        with mpmath.workdps(RECHECK):
            point = _Point(model, sizes, inputs)
            point.variables = {s: real(v.numerator, v.denominator) for s, v in variables.items()}
            try:
                left = dual.value(evaluate(lhs, point, env, None))
                right = dual.value(evaluate(rhs, point, env, None))
            except (ZeroDivisionError, ValueError, OverflowError):
                return True
            return _close(left, right, RECHECK)
    finally:
        _REAL[0] = float
