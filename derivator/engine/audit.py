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

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any, Protocol

import mpmath
import numpy as np
import sympy as sp

from . import activations as acts
from . import dual
from .activations import ActivationFunction, ActivationPrime
from .losses import Upstream, UpstreamPrime
from .network import Network

#: a size symbol (n, n_(L), …) → its value in one size set
Sizes = dict[sp.Expr, int]
#: the drawn inputs: a quantity's label (``str(base.label)``) → its entries as exact fractions
Inputs = dict[str, np.ndarray]
#: the quantity whose every entry carries a derivative (its label), or None
Seed = str | None
#: size sets per audit, and index points per size set at most
SIZE_SETS, POINTS = 2, 6
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


def _array(exact: np.ndarray) -> np.ndarray:
    """Exact fractions as an array in the number type of the pass under way."""
    if _REAL[0] is float:
        return exact.astype(float)
    mpf = mpmath.mpf
    return np.frompyfunc(lambda x: mpf(x.numerator) / x.denominator, 1, 1)(exact).astype(object)


class NotEvaluable(Exception):
    """The relation holds something the audit has no value for."""


@dataclass
class Table:
    """A quantity's values (``value``: an array over its indices; a scalar: a 0-d array) and,
    on a seeded pass, their derivatives along every entry of the seeded quantity (``tangent``:
    value.shape + the seed's shape; None: it does not depend on the seed)."""

    value: np.ndarray
    tangent: np.ndarray | None = None


#: a quantity's label → its table; the mean loss under ``MEAN``
Values = dict[str, Table]
MEAN = "__mean__"


class Model(Protocol):
    """What the audit must know of a model to evaluate a relation read in it.

    ``sizes`` draws one size set (each size symbol → a value, at least ``least``: a number
    written as an index needs that entry to exist); ``shape`` gives the extents of an indexed
    quantity at those sizes (None: not a quantity of the model); ``inputs`` draws the values of
    the free quantities; ``definition`` computes every quantity from them, with every entry of
    the ``seed`` quantity (an input or a defined quantity) carrying its derivative (forward mode
    along all its entries at once); ``scalar`` gives the label of a symbol that is a quantity
    (the mean loss L); ``meaning`` gives a quantity defined as an expression to evaluate instead
    (δ_ij = ∂L_i/∂z_ij); ``function`` evaluates σ, σ′, Ψ …"""

    def sizes(self, rng: random.Random, least: int) -> Sizes: ...

    def shape(self, base: sp.Expr, sizes: Sizes) -> tuple[int, ...] | None: ...

    def inputs(self, sizes: Sizes, rng: random.Random) -> Inputs: ...

    def definition(self, inputs: Inputs, sizes: Sizes, seed: Seed) -> Values: ...

    def scalar(self, s: sp.Symbol) -> str | None: ...

    def meaning(self, e: sp.Indexed) -> sp.Expr | None: ...

    def function(self, f: sp.Expr) -> Callable[[list[Any]], Any] | None: ...


# ---------------------------------------------------------------------------------------------
# the built-in network


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + dual.exp(-x))


def _relu(x: Any) -> Any:
    return x * dual.step(x)


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


def sigma_of(name: str) -> Callable[[Any], Any] | None:
    """σ of an activation written out; a layer's own unknown function (``generic@t``) gets a
    concrete choice of its own, other than its neighbours' (activations.own_parameters), and
    other than the one the prover's numbers use, so the audit is an independent evaluation."""
    if name in SIGMA:
        return SIGMA[name]
    if not name.startswith(acts.OWN):
        return None
    c, d, e = acts.own_parameters(name)
    return lambda x: x / 2 + dual.sin(c * x + e) / 3 + x * x / (d + 2)


def psi(z: Any, j: Any) -> Any:
    """The upstream Ψ(z, j) of a generic layer: any fixed smooth function of z and j."""
    return dual.exp(z / (j + 2)) + z * z * (j + 1) / 7


def _rows(t: Table) -> Table:
    """Σ_j t_sj for each sample s, with its derivative."""
    return Table(t.value.sum(axis=1), None if t.tangent is None else t.tangent.sum(axis=1))


def _mean(Li: Table, n: int) -> Table:
    """L = (1/n) Σ_s L_s, with its derivative."""
    return Table(
        np.array(Li.value.sum(axis=0) / n),
        None if Li.tangent is None else Li.tangent.sum(axis=0) / n,
    )


def any_loss(A: Table, Y: np.ndarray, columns: np.ndarray, k: int) -> Table:
    """A loss the document leaves unknown, ℓ(a, y), evaluated as one fixed loss of each sample's
    whole output: Σ_j (e^{a_j/(j+2)} − y_j a_j) + (Σ_j a_j y_j)²/5.  Its last term mixes the
    outputs, so it is no sum of one function per unit as the prover's ℓ(a_ij, y_ij, i, j) is:
    a relation proved for every ℓ must hold for this one too, which checks that a proof used
    nothing a general loss lacks."""
    own = _rows(_elementwise(lambda a: dual.exp(a / (columns + 2)) - Y * a, A, k))
    mixed = _rows(_elementwise(lambda a: Y * a, A, k))
    square = mixed.value * mixed.value / 5
    tangent = None
    if mixed.tangent is not None:
        tangent = _trailing(2 * mixed.value / 5, k) * mixed.tangent
    if own.tangent is not None:
        tangent = own.tangent if tangent is None else own.tangent + tangent
    return Table(own.value + square, tangent)


_LABELS: dict[Any, str] = {}


def label_of(base: Any) -> str:
    """The label of an indexed quantity's base as text (``str(base.label)``, printed once)."""
    if base not in _LABELS:
        _LABELS[base] = str(getattr(base, "label", ""))
    return _LABELS[base]


def _trailing(x: np.ndarray, k: int) -> np.ndarray:
    """x with k axes of length 1 after its own (to scale a tangent entrywise)."""
    return x.reshape(x.shape + (1,) * k)


def _elementwise(f: Callable[[Any], Any], z: Table, k: int) -> Table:
    """f applied to every entry; its derivative by dual arithmetic on f's formula."""
    out = f(dual.Dual(z.value, np.ones_like(z.value)))
    value = np.broadcast_to(dual.value(out), z.value.shape)
    if z.tangent is None:
        return Table(np.array(value))
    slope = np.broadcast_to(dual.derivative(out), z.value.shape)
    return Table(np.array(value), _trailing(slope, k) * z.tangent)


@functools.lru_cache(maxsize=64)
def _names(net: Network) -> dict[tuple[str, int], str]:
    """The label of each quantity of the network ((kind, layer) → label), printed once."""
    D = net.D
    return {
        **{("a", p): str(net.a(p).label) for p in range(D + 1)},
        **{(q, p): str(getattr(net, q)(p).label) for q in "zwb" for p in range(1, D + 1)},
        **{("delta", p): str(net.delta(p).label) for p in range(1, D + 1)},
        ("y", D): str(net.y.label),
        ("Li", D): str(net.Li.label),
    }


#: the values inputs are drawn from: ±1/8 … ±1
EIGHTHS = [Fraction(k, 8) for k in range(-8, 9) if k]


class NetworkModel:
    """The network of ``network.py``: z = W a + b, a = σ(z) (softmax at a cross-entropy output),
    the loss of each sample and their mean, as array operations (never a rewrite of the
    relation: the definition of each quantity, computed)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        #: the plain pass of each draw of inputs, from which a seeded one starts
        self._plain: dict[tuple[int, Any, int], tuple[Inputs, Values]] = {}
        self.names = _names(net)
        self.labels = {label: kind for kind, label in self.names.items()}
        self.widths = [net.width(p) for p in range(net.D + 1)]
        self._meanings: dict[sp.Indexed, sp.Expr | None] = {}

    # ---- sizes and shapes
    def sizes(self, rng: random.Random, least: int) -> Sizes:
        net = self.net
        symbols = [net.n] + self.widths
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
        w = self.widths[p]
        return int(sizes[w]) if isinstance(w, sp.Symbol) else int(w)

    def _n(self, sizes: Sizes) -> int:
        n = self.net.n
        return int(sizes[n]) if isinstance(n, sp.Symbol) else int(n)

    def shape(self, base: sp.Expr, sizes: Sizes) -> tuple[int, ...] | None:
        kind = self.labels.get(label_of(base))
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
    def inputs(self, sizes: Sizes, rng: random.Random) -> Inputs:
        net, names = self.net, self.names
        n, top = self._n(sizes), self._width(net.D, sizes)

        def draw(*shape: int) -> np.ndarray:
            count = int(np.prod(shape))
            out = np.empty(count, dtype=object)
            out[:] = rng.choices(EIGHTHS, k=count)
            return out.reshape(shape)

        v: Inputs = {names["a", 0]: draw(n, self._width(0, sizes))}
        for p in range(1, net.D + 1):
            wp, wq = self._width(p, sizes), self._width(p - 1, sizes)
            v[names["w", p]] = draw(wp, wq)
            v[names["b", p]] = draw(wp) if net.bias else np.zeros(wp, dtype=int).astype(object)
        y = np.empty((n, top), dtype=object)
        if net.targets == "one-hot":
            for s in range(n):
                hot = rng.randrange(top)
                for x in range(top):
                    y[s, x] = Fraction(int(x == hot))
        elif net.targets == "distribution":
            for s in range(n):
                weights = [rng.randint(1, 8) for _ in range(top)]
                for x in range(top):
                    y[s, x] = Fraction(weights[x], sum(weights))
        elif net.loss in ("cross-entropy", "binary-cross-entropy"):
            for at in np.ndindex(n, top):
                y[at] = Fraction(rng.randint(0, 8), 8)
        else:
            y = draw(n, top)
        v[names["y", net.D]] = y
        return v

    def definition(self, inputs: Inputs, sizes: Sizes, seed: Seed) -> Values:
        if seed is not None:
            kind = self.labels.get(seed)
            if kind is None or kind[0] in ("delta", "Li", "y"):
                raise NotEvaluable(f"cannot differentiate by {seed}")
        key = (id(inputs), _REAL[0], mpmath.mp.dps)
        kept = self._plain.get(key)
        if kept is None or kept[0] is not inputs:
            plain = {k: Table(_array(t)) for k, t in inputs.items()}
            self._forward(plain, 1, sizes, 0)
            kept = self._plain[key] = (inputs, plain)  # the inputs kept: their id stays theirs
        if seed is None:
            return kept[1]
        # below the seeded quantity nothing changes: start from the plain pass, at its layer
        v = dict(kept[1])
        q, layer = self.labels[seed]
        shape = v[seed].value.shape
        size = int(np.prod(shape))
        eye = np.eye(size).reshape(shape + shape)
        v[seed] = Table(v[seed].value, eye if _REAL[0] is float else eye.astype(object))
        if q == "a":
            self._forward(v, layer + 1, sizes, len(shape))
        else:
            self._forward(v, layer, sizes, len(shape), seeded=seed)
        return v

    def _forward(
        self, v: Values, start: int, sizes: Sizes, k: int, seeded: str | None = None
    ) -> None:
        """The layers from ``start`` up, then the losses (k: the seed's number of axes; the
        quantity ``seeded`` keeps the table it was given)."""
        net, names = self.net, self.names
        n = self._n(sizes)
        for p in range(start, net.D + 1):
            zl, al = names["z", p], names["a", p]
            if zl != seeded:
                v[zl] = _affine(v[names["a", p - 1]], v[names["w", p]], v[names["b", p]], k)
            if al == seeded:
                continue
            if p == net.D and net.softmax_output:
                v[al] = _softmax(v[zl], k)
            else:
                act = net.activation_at(p)
                assert act is not None
                sigma = sigma_of(act.name)
                assert sigma is not None
                v[al] = _elementwise(sigma, v[zl], k)
        top = net.D
        A, Z, Y = v[names["a", top]], v[names["z", top]], v[names["y", top]].value
        columns = np.arange(Y.shape[1]).reshape(1, -1)
        if net.loss == "upstream":
            loss = _elementwise(lambda z: psi(z, columns), Z, k)
        elif net.loss == "generic":
            v[names["Li", top]] = any_loss(A, Y, columns, k)
            v[MEAN] = _mean(v[names["Li", top]], n)
            return
        elif net.loss == "cross-entropy":
            loss = _elementwise(lambda a: -Y * dual.log(a), A, k)
        elif net.loss == "binary-cross-entropy":
            loss = _elementwise(lambda a: -(Y * dual.log(a) + (1 - Y) * dual.log(1 - a)), A, k)
        else:
            loss = _elementwise(lambda a: (a - Y) * (a - Y) / 2, A, k)
        v[names["Li", top]] = _rows(loss)
        v[MEAN] = _mean(v[names["Li", top]], n)

    def scalar(self, s: sp.Symbol) -> str | None:
        return MEAN if s == self.net.L else None

    def meaning(self, e: sp.Indexed) -> sp.Expr | None:
        from .derive import Partial  # the unevaluated ∂ node only, no rule of derive

        if e in self._meanings:
            return self._meanings[e]
        kind = self.labels.get(label_of(e.base))
        out = None
        if kind is not None and kind[0] == "delta" and len(e.indices) == 2:
            out = Partial(self.net.Li[e.indices[0]], self.net.z(kind[1])[e.indices])
        self._meanings[e] = out
        return out

    def function(self, f: sp.Expr) -> Callable[[list[Any]], Any] | None:
        sigma = (
            sigma_of(f.activation) if isinstance(f, (ActivationFunction, ActivationPrime)) else None
        )
        if isinstance(f, ActivationFunction) and sigma is not None:
            return lambda args: sigma(args[0])
        if isinstance(f, ActivationPrime) and sigma is not None:
            return lambda args: _prime(sigma, args[0])
        if isinstance(f, Upstream):
            return lambda args: psi(args[0], int(dual.value(args[1])))
        if isinstance(f, UpstreamPrime):
            return lambda args: _prime(lambda z: psi(z, int(dual.value(args[1]))), args[0])
        return None


def _affine(A: Table, W: Table, B: Table, k: int) -> Table:
    """z_sx = Σ_u W_xu a_su + b_x, and its derivative by the product rule, entry by entry."""
    value = A.value @ W.value.T + B.value
    parts = []
    if A.tangent is not None:  # Σ_u W_xu ∂a_su
        parts.append(np.moveaxis(np.tensordot(A.tangent, W.value, axes=([1], [1])), -1, 1))
    if W.tangent is not None:  # Σ_u ∂W_xu a_su
        parts.append(np.tensordot(A.value, W.tangent, axes=([1], [1])))
    if B.tangent is not None:
        parts.append(np.broadcast_to(B.tangent[None], value.shape + B.tangent.shape[1:]))
    tangent = None
    for part in parts:
        tangent = part if tangent is None else tangent + part
    return Table(value, tangent)


def _softmax(Z: Table, k: int) -> Table:
    """a_sx = e^{z_sx} / Σ_y e^{z_sy}; ∂a_sx = a_sx (∂z_sx − Σ_y a_sy ∂z_sy)."""
    shifted = Z.value - Z.value.max(axis=1, keepdims=True)
    e = dual.exp(shifted)
    a = e / e.sum(axis=1, keepdims=True)
    if Z.tangent is None:
        return Table(a)
    wide = _trailing(a, k)
    mix = (wide * Z.tangent).sum(axis=1, keepdims=True)
    return Table(a, wide * (Z.tangent - mix))


def _prime(g: Callable[[Any], Any], x: Any) -> Any:
    """g′(x) by dual arithmetic on g's formula (no second derivatives: x must be a number)."""
    if isinstance(x, dual.Dual):
        raise NotEvaluable("a derivative of σ′ or Ψ′ (second derivatives are not evaluated)")
    return dual.derivative(g(dual.Dual(x, 1)))


# ---------------------------------------------------------------------------------------------
# the evaluator of relations as read


class _Point:
    """One size set and one draw of inputs: the values, and those seeded for each partial."""

    def __init__(self, model: Model, sizes: Sizes, inputs: Inputs) -> None:
        self.model, self.sizes, self.inputs = model, sizes, inputs
        self.plain = model.definition(inputs, sizes, None)
        self.seeded: dict[str, Values] = {}
        self.variables: dict[sp.Symbol, Any] = {}
        # a sum's or partial's value depends only on the indices free in it: computed once per
        # their values (nested sums of a closed form then cost what backpropagation costs)
        self.memo: dict[tuple[Any, ...], Any] = {}
        #: the relation's expressions compiled (shared by every point of one audit)
        self.code: dict[sp.Expr, Code] = {}

    def values(self, seed: Seed) -> Values:
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


def _entry(table: Table, idx: tuple[int, ...], what: str) -> Any:
    """One entry, with its derivatives along the seed when it has them (a dual number whose
    ε part is an array over the seed's entries).  An index outside the quantity has no value
    (never Python's count from the end)."""
    shape = table.value.shape
    if len(idx) != len(shape) or any(not 0 <= x < k for x, k in zip(idx, shape)):
        raise NotEvaluable(f"no entry {idx} of {what}")
    v = table.value.item(idx) if idx else table.value.item()
    return v if table.tangent is None else dual.Dual(v, table.tangent[idx])


#: an expression compiled for the audit: its value at a point, free indices, seed
Code = Callable[["_Point", dict[sp.Symbol, int], Seed], Any]


def evaluate(e: sp.Expr, point: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
    """The value of e at this point (with free indices ``env``), on the values seeded by
    ``seed`` (inside a partial) or the plain ones."""
    return compile_expr(e, point.model, point.code)(point, env, seed)


def compile_expr(e: sp.Expr, model: Model, code: dict[sp.Expr, Code]) -> Code:
    """e as a tree of closures (``code`` keeps those made): the expression is read once per
    relation, not once per point.  Each node computes its value from its definition (a sum from
    its lower to its upper bound, a partial by dual numbers); nothing is rewritten."""
    if e not in code:
        code[e] = _compile(e, model, code)
    return code[e]


def _compile(e: sp.Expr, model: Model, code: dict[sp.Expr, Code]) -> Code:
    def sub(x: sp.Expr) -> Code:
        return compile_expr(x, model, code)

    if isinstance(e, sp.Rational):
        p, q = int(e.p), int(e.q)
        return lambda pt, env, seed: real(p, q)
    if e is sp.E:
        return lambda pt, env, seed: dual.exp(real(1))
    if isinstance(e, sp.Symbol):
        label = model.scalar(e)

        def symbol(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
            if e in env:
                return real(env[e])
            if e in pt.sizes:
                return real(pt.sizes[e])
            if e in pt.variables:
                return pt.variables[e]
            if label is None:
                raise NotEvaluable(f"no value for {e}")
            return _entry(pt.values(seed)[label], (), str(e))

        return symbol
    if isinstance(e, sp.Indexed):
        meaning = model.meaning(e)
        if meaning is not None:
            return sub(meaning)
        name, slots = label_of(e.base), [_position(x, sub) for x in e.indices]

        def indexed(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
            idx = tuple(f(pt, env) for f in slots)
            table = pt.values(seed).get(name)
            if table is None:
                raise NotEvaluable(f"no values for {name}")
            return _entry(table, idx, name)

        return indexed
    if isinstance(e, (sp.Add, sp.Mul)):
        first, *rest = [sub(x) for x in e.args]
        add = isinstance(e, sp.Add)

        def combine(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
            acc = first(pt, env, seed)
            for f in rest:
                acc = acc + f(pt, env, seed) if add else acc * f(pt, env, seed)
            return acc

        return combine
    if isinstance(e, sp.Pow):
        return _power(e, sub)
    if isinstance(e, (sp.Sum, sp.Product)):
        return _sum(e, sub)
    if type(e).__name__ == "Partial":
        return _partial(e, sub)
    if isinstance(e, sp.KroneckerDelta):
        x, y = (_position(a, sub) for a in e.args)
        return lambda pt, env, seed: real(int(x(pt, env) == y(pt, env)))
    args = [sub(a) for a in e.args]
    unary = {
        sp.exp: dual.exp,
        sp.log: dual.log,
        sp.tanh: dual.tanh,
        sp.sinh: dual.sinh,
        sp.cosh: dual.cosh,
        sp.sin: dual.sin,
        sp.cos: dual.cos,
        sp.Heaviside: dual.step,
    }.get(type(e))
    if unary is not None and len(args) == 1:
        fn, (arg,) = unary, args
        return lambda pt, env, seed: fn(arg(pt, env, seed))
    if isinstance(e, (sp.Max, sp.Min)):
        pick = max if isinstance(e, sp.Max) else min
        return lambda pt, env, seed: pick((f(pt, env, seed) for f in args), key=dual.value)
    value_of = model.function(e)
    if value_of is not None:
        of = value_of
        return lambda pt, env, seed: of([f(pt, env, seed) for f in args])
    raise NotEvaluable(f"{type(e).__name__}: {e}")


#: an index expression compiled: its integer value at a point and free indices
Position = Callable[["_Point", dict[sp.Symbol, int]], int]


def _position(x: sp.Expr, sub: Callable[[sp.Expr], Code]) -> Position:
    """An index, a bound: an integer (an index letter, a size, a number, or j + 1 and the like
    computed as a value that must be a whole number)."""
    if isinstance(x, sp.Integer):
        k = int(x)
        return lambda pt, env: k
    if isinstance(x, sp.Symbol):

        def letter(pt: _Point, env: dict[sp.Symbol, int]) -> int:
            if x in env:
                return env[x]
            if x in pt.sizes:
                return int(pt.sizes[x])
            return _index(general(pt, env, None))

        general = sub(x)
        return letter
    code = sub(x)
    return lambda pt, env: _index(code(pt, env, None))


#: compiled expressions per model (a network): the relations of one document or of ``verify``
#: share their partials and sums; bounded, dropped whole when full
_CODES: dict[Any, dict[sp.Expr, Code]] = {}


def _code_for(model: Model) -> dict[sp.Expr, Code]:
    key = getattr(model, "net", None)
    if key is None:
        return {}
    if len(_CODES) > 16 or sum(map(len, _CODES.values())) > 50000:
        _CODES.clear()
    return _CODES.setdefault(key, {})


def _power(e: sp.Pow, sub: Callable[[sp.Expr], Code]) -> Code:
    base = sub(e.base)
    if e.exp.is_Integer:
        k = int(e.exp)

        def power(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
            b = base(pt, env, seed)
            if k < 0 and dual.value(b) == 0:
                raise ZeroDivisionError("0 to a negative power")
            return b**k

        return power
    if e.exp == sp.Rational(1, 2):
        return lambda pt, env, seed: dual.sqrt(base(pt, env, seed))
    exponent = sub(e.exp)
    if e.base is sp.E:
        return lambda pt, env, seed: dual.exp(exponent(pt, env, seed))

    def real_power(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
        """x^r = e^{r log x}, for x > 0 (dual.log refuses any other x)."""
        return dual.exp(exponent(pt, env, seed) * dual.log(base(pt, env, seed)))

    return real_power


def _frees(e: sp.Expr) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(e.free_symbols, key=str))


def _sum(e: sp.Sum | sp.Product, sub: Callable[[sp.Expr], Code]) -> Code:
    """A sum (or a product) as written: from its lower to its upper bound, empty (0, or 1)
    when the upper is below.  Its value depends only on the indices free in it: computed once
    per their values (nested sums of a closed form then cost what backpropagation costs)."""
    body = sub(e.function)
    limits = [(d, _position(lo, sub), _position(hi, sub)) for d, lo, hi in e.limits]
    frees = _frees(e)
    product = isinstance(e, sp.Product)

    def run(pt: _Point, env: dict[sp.Symbol, int], seed: Seed, k: int) -> Any:
        if k < 0:
            return body(pt, env, seed)
        d, lo, hi = limits[k]
        first, last = lo(pt, env), hi(pt, env)
        acc: Any = real(1 if product else 0)
        for x in range(first, last + 1):
            term = run(pt, {**env, d: x}, seed, k - 1)
            acc = acc * term if product else acc + term
        return acc

    def total(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
        key = (e, seed, tuple(env.get(s) for s in frees))
        if key not in pt.memo:
            pt.memo[key] = run(pt, env, seed, len(limits) - 1)
        return pt.memo[key]

    return total


def _partial(e: sp.Expr, sub: Callable[[sp.Expr], Code]) -> Code:
    """∂X/∂v: X evaluated once on the values seeded along every entry of v's quantity (dual
    numbers), and the derivative along v's entry picked."""
    num, den = e.args
    if not isinstance(den, sp.Indexed):
        raise NotEvaluable(f"a partial by {den}")
    label, of, frees = label_of(den.base), sub(num), _frees(num)
    slots = [_position(x, sub) for x in den.indices]

    def partial(pt: _Point, env: dict[sp.Symbol, int], seed: Seed) -> Any:
        if seed is not None:
            raise NotEvaluable("a partial inside a partial")
        idx = tuple(f(pt, env) for f in slots)
        key = (num, label, tuple(env.get(s) for s in frees))
        if key not in pt.memo:
            pt.memo[key] = of(pt, env, label)
        value = pt.memo[key]
        if not isinstance(value, dual.Dual):
            return 0 * value  # X does not depend on v's quantity at all
        slopes = value.d
        if len(idx) != slopes.ndim or any(not 0 <= x < k for x, k in zip(idx, slopes.shape)):
            raise NotEvaluable(f"no entry {idx} of {label}")
        return slopes.item(idx) if idx else slopes.item()

    return partial


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


def _occurrences(exprs: tuple[sp.Expr, ...]) -> tuple[list[sp.Indexed], list[sp.Expr]]:
    """The indexed quantities and the Kronecker brackets of the relation (read once)."""
    indexed: list[sp.Indexed] = []
    deltas: list[sp.Expr] = []
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if isinstance(f, sp.KroneckerDelta):
                deltas.append(f)
            elif isinstance(f, sp.Indexed):
                indexed.append(f)
    return indexed, deltas


def _index_extents(
    model: Model,
    sizes: Sizes,
    found: tuple[list[sp.Indexed], list[sp.Expr]],
    free: set[sp.Symbol],
) -> dict[sp.Symbol, int]:
    """How far each free index runs, from the slots of the quantities it stands in."""
    out: dict[sp.Symbol, int] = {}
    indexed, deltas = found
    for f in indexed:
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
    free_all = set().union(*(e.free_symbols for e in exprs))
    free = {s for s in free_all if isinstance(s, sp.Symbol) and _is_index(s)}
    # the draws depend on the seed and the free indices (printing the relation costs more than
    # the audit of a small one)
    rng = random.Random(f"audit:{seed}:{sorted(map(str, free_all))}")
    least = _least(model, exprs)
    found = _occurrences(exprs)
    checked = 0
    code = _code_for(model)  # compiled once per expression and model, for every point
    try:
        for _ in range(SIZE_SETS):
            sizes = model.sizes(rng, least)
            inputs = model.inputs(sizes, rng)
            extents = _index_extents(model, sizes, found, free)
            _REAL[0] = float
            point = _Point(model, sizes, inputs)
            point.code = code
            # a plain variable (x in σ′(x) = σ(x)(1 − σ(x)), η): a random number
            variables = {
                s: Fraction(rng.choice([k for k in range(-8, 9) if k]), 8)
                for s in sorted(free_all - free - set(sizes), key=str)
                if isinstance(s, sp.Symbol) and model.scalar(s) is None
            }
            point.variables = {s: float(v) for s, v in variables.items()}
            for env in _points(extents, rng):
                try:
                    left = dual.value(evaluate(lhs, point, env, None))
                    right = dual.value(evaluate(rhs, point, env, None))
                except (ZeroDivisionError, ValueError, OverflowError):
                    continue  # a pole: no value, no evidence either way
                if not _close(left, right, FLOAT_DIGITS) and not _recheck(
                    lhs, rhs, model, sizes, inputs, variables, env, code
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
    inputs: Inputs,
    variables: dict[sp.Symbol, Fraction],
    env: dict[sp.Symbol, int],
    code: dict[sp.Expr, Code],
) -> bool:
    """A difference in floating point, evaluated again with RECHECK digits (and three times as
    many): do the sides agree there?  A costly zero term, (Σa + Σz)^64 − …, loses dozens of digits
    to cancellation; agreement is to the float pass's tolerance, since the audit looks for the
    gross differences of a wrong rewrite, not for a 10⁻¹⁵ decimal (the exact stages' business)."""
    _REAL[0] = mpmath.mpf
    try:
        for digits in (RECHECK, 3 * RECHECK):
            with mpmath.workdps(digits):
                point = _Point(model, sizes, inputs)
                point.code = code
                point.variables = {
                    s: real(v.numerator, v.denominator) for s, v in variables.items()
                }
                try:
                    left = dual.value(evaluate(lhs, point, env, None))
                    right = dual.value(evaluate(rhs, point, env, None))
                except (ZeroDivisionError, ValueError, OverflowError):
                    return True
                if _close(left, right, FLOAT_DIGITS):
                    return True
        return False
    finally:
        _REAL[0] = float
