"""Numbers for index expressions: a forward pass and an evaluator, in any number field.

The prover needs values it can trust to refute a claim (mpmath at many digits), the tests need
exact rationals, and quick checks need floats.  One evaluator serves all three: it walks the SymPy
tree and does the arithmetic of whatever number type the instance holds.  Sums become loops,
which is right for the small sizes at which claims are checked (widths 2–5).
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp

from .activations import ACTIVATIONS, Activation, ActivationFunction, ActivationPrime
from .losses import ANY_LOSS_SHOWN, AnyLoss, AnyLossPrime, Upstream, UpstreamPrime
from .network import Network

Array = dict[tuple[int, ...], Any]


class EvaluationError(ValueError):
    """The expression has something without a value (an unsubstituted ∂, an index out of range)."""


@dataclass
class Field:
    """A number field: how to make a number and compute the functions we need."""

    name: str
    num: Callable[[sp.Rational | int], Any]
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]


def _mp_num(x: sp.Rational | int) -> Any:
    if isinstance(x, sp.Rational):
        return mpmath.mpf(int(x.p)) / int(x.q)
    return mpmath.mpf(x)


def _exact_num(x: sp.Rational | int) -> Fraction:
    return Fraction(int(x.p), int(x.q)) if isinstance(x, sp.Rational) else Fraction(x)


def _no(name: str) -> Callable[[Any], Any]:
    def f(_: Any) -> Any:
        raise EvaluationError(f"{name} has no exact rational value")

    return f


MP = Field("mp", _mp_num, mpmath.exp, mpmath.log, mpmath.sin, mpmath.cos)
EXACT = Field("exact", _exact_num, _no("exp"), _no("log"), _no("sin"), _no("cos"))
FLOAT = Field("float", lambda x: float(x), math.exp, math.log, math.sin, math.cos)


@dataclass
class Instance:
    """A concrete network with values: inputs a^(0), parameters w, b, targets y, and after
    :func:`forward` every z^(p), a^(p), L_i and L."""

    net: Network
    field: Field
    values: dict[str, Array] = dataclasses.field(default_factory=dict)


def _act(inst: Instance, act: Activation, prime: bool) -> Callable[[Any], Any]:
    """σ or σ′ of ``act`` in the instance's number field."""
    if inst.field is EXACT:
        if act.exact is None:
            raise EvaluationError(f"activation {act.name} has no exact rational values")
        return act.exact[1 if prime else 0]
    if inst.field is FLOAT:
        from .activations import float_pair

        return float_pair(act.name)[1 if prime else 0]
    return act.mp[1 if prime else 0]


#: how the upstream Ψ of a generic layer is evaluated (printed with counterexamples)
UPSTREAM = "z³/(3(j+2)) + sin z (exact fields: (j+2)z²/2)"


def activation_values(inst: Instance, p: int, prime: bool = False) -> Array:
    """σ(z^(p)) or σ′(z^(p)) entry by entry, in the instance's number field."""
    act = inst.net.activation_at(p)
    if act is None:
        raise EvaluationError(f"layer {inst.net.tag(p)} has no elementwise activation")
    f = _act(inst, act, prime)
    return {k: f(z) for k, z in inst.values[str(inst.net.z(p).label)].items()}


def upstream_values(inst: Instance, prime: bool = False) -> Array:
    """Ψ(z_ij^(top), j) or Ψ′ entry by entry (the generic fragment's top layer)."""
    Z = inst.values[str(inst.net.z(inst.net.D).label)]
    return {(s, x): _psi(inst, z, x, prime) for (s, x), z in Z.items()}


def _psi(inst: Instance, z: Any, j: int, prime: bool) -> Any:
    """The upstream Ψ(z, j) of the generic fragment: any fixed smooth function will do."""
    f = inst.field
    c = f.num(j + 2)
    if f is EXACT:
        return z * z * c / 2 if not prime else z * c
    return (z * z * z / (3 * c) + f.sin(z)) if not prime else (z * z / c + f.cos(z))


#: how a loss the document leaves unknown is evaluated (printed with counterexamples)
ANY_LOSS = ANY_LOSS_SHOWN


def any_loss(inst: Instance, a: Any, y: Any, j: int, prime: bool) -> Any:
    """The unit-j term of a loss the document leaves unknown (or its partial by a): any fixed
    smooth function will do, since what is proved holds for every loss; it is no loss derivator
    knows (not a − y), so a claim true only for a particular loss is refuted here."""
    f = inst.field
    c = f.num(j + 2)
    if not prime:
        out = (a - y) * (a - y) * c / 4 + a * a * a / 6
        return out if f is EXACT else out + y * f.sin(a)
    out = (a - y) * c / 2 + a * a / 2
    return out if f is EXACT else out + y * f.cos(a)


def random_instance(
    net: Network, rng: random.Random, field: Field = MP, denominator: int = 8
) -> Instance:
    """Random rational inputs k/denominator in [-1, 1] (small enough to check by hand)."""
    if net.symbolic or net.samples is None:
        raise ValueError("random_instance needs a network with concrete widths and samples")
    widths, n = net.widths, net.samples
    assert widths is not None

    nonzero = [k for k in range(-denominator, denominator + 1) if k]

    def r() -> Any:  # never 0, so that a quantity in a denominator has a value
        return field.num(sp.Rational(rng.choice(nonzero), denominator))

    v: dict[str, Array] = {}
    v[str(net.a(0).label)] = {(s, x): r() for s in range(n) for x in range(widths[0])}
    for p in range(1, net.D + 1):
        v[str(net.w(p).label)] = {
            (x, u): r() for x in range(widths[p]) for u in range(widths[p - 1])
        }
        v[str(net.b(p).label)] = {(x,): r() if net.bias else field.num(0) for x in range(widths[p])}
    if net.targets == "one-hot":
        hot = [rng.randrange(widths[-1]) for _ in range(n)]
        v["y"] = {(s, x): field.num(int(x == hot[s])) for s in range(n) for x in range(widths[-1])}
    elif net.targets == "distribution":  # non-negative, each sample's summing to 1 (exactly)
        weights = [[rng.randint(1, denominator) for _ in range(widths[-1])] for _ in range(n)]
        v["y"] = {
            (s, x): field.num(sp.Rational(weights[s][x], sum(weights[s])))
            for s in range(n)
            for x in range(widths[-1])
        }
    elif net.loss in ("cross-entropy", "binary-cross-entropy"):
        # targets of a classifier in [0, 1]; under the cross-entropy, summing to 1 is *not* assumed
        v["y"] = {
            (s, x): field.num(sp.Rational(rng.randint(0, denominator), denominator))
            for s in range(n)
            for x in range(widths[-1])
        }
    else:
        v["y"] = {(s, x): r() for s in range(n) for x in range(widths[-1])}
    inst = Instance(net, field, v)
    forward(inst)
    return inst


def forward(inst: Instance) -> None:
    """Compute z^(p), a^(p), L_i and L from the inputs, parameters and targets (in place)."""
    net, f, v = inst.net, inst.field, inst.values
    widths, n = net.widths, net.samples
    assert widths is not None and n is not None
    zero = f.num(0)
    for p in range(1, net.D + 1):
        A, W, B = v[str(net.a(p - 1).label)], v[str(net.w(p).label)], v[str(net.b(p).label)]
        Z: Array = {}
        for s in range(n):
            for x in range(widths[p]):
                acc = B[(x,)]
                for u in range(widths[p - 1]):
                    acc = acc + W[(x, u)] * A[(s, u)]
                Z[(s, x)] = acc
        v[str(net.z(p).label)] = Z
        if p == net.D and net.softmax_output:
            Aout: Array = {}
            for s in range(n):
                m = max(Z[(s, x)] for x in range(widths[p]))
                e = [f.exp(Z[(s, x)] - m) for x in range(widths[p])]
                tot = sum(e, zero)
                for x in range(widths[p]):
                    Aout[(s, x)] = e[x] / tot
            v[str(net.a(p).label)] = Aout
        else:
            act = net.activation_at(p)
            assert act is not None  # p ≥ 1 and not a softmax output
            sig = _act(inst, act, False)
            v[str(net.a(p).label)] = {k: sig(val) for k, val in Z.items()}
    top = net.D
    Li: Array = {}
    for s in range(n):
        acc = zero
        for x in range(widths[top]):
            if net.loss == "upstream":
                acc = acc + _psi(inst, v[str(net.z(top).label)][(s, x)], x, False)
            elif net.loss == "generic":
                a = v[str(net.a(top).label)][(s, x)]
                acc = acc + any_loss(inst, a, v["y"][(s, x)], x, False)
            elif net.loss == "cross-entropy":
                acc = acc - v["y"][(s, x)] * f.log(v[str(net.a(top).label)][(s, x)])
            elif net.loss == "binary-cross-entropy":
                y, a = v["y"][(s, x)], v[str(net.a(top).label)][(s, x)]
                acc = acc - (y * f.log(a) + (1 - y) * f.log(1 - a))
            else:
                d = v[str(net.a(top).label)][(s, x)] - v["y"][(s, x)]
                acc = acc + d * d / 2
        Li[(s,)] = acc
    v["L"] = Li
    v["__mean__"] = {(): sum(Li.values(), zero) / n}


@lru_cache(maxsize=1024)
def _label(label: sp.Basic) -> str:
    """``str(label)``, the key of a quantity's values: printed once per label, not at every entry
    the evaluator reads (SymPy's printer was a tenth of the audit's time)."""
    return str(label)


def evaluate(expr: sp.Expr, inst: Instance, env: dict[sp.Symbol, Any] | None = None) -> Any:
    """The value of ``expr`` in ``inst`` with free indices bound by ``env``."""
    return _Evaluator(inst).ev(expr, dict(env or {}))


class _Evaluator:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.f = inst.field
        self.sig = None
        self.sigp = None

    def _unknown(self, e: sp.Expr, env: dict[sp.Symbol, int]) -> Any:
        """Ψ or Ψ′ of a generic layer, ℓ or ∂ℓ/∂a of a loss left unknown: their fixed stand-ins."""
        x = self.ev(e.args[0], env)
        if isinstance(e, (Upstream, UpstreamPrime)):
            return _psi(self.inst, x, self._index(e.args[1], env), isinstance(e, UpstreamPrime))
        y, j = self.ev(e.args[1], env), self._index(e.args[3], env)
        return any_loss(self.inst, x, y, j, isinstance(e, AnyLossPrime))

    def _index(self, e: sp.Expr, env: dict[sp.Symbol, int]) -> int:
        v = env.get(e) if isinstance(e, sp.Symbol) else None
        if isinstance(v, int):  # a bound index, as ev(e, env, index=True) returns it
            return v
        v = self.ev(e, env, index=True)
        if isinstance(v, Fraction):
            if v.denominator != 1:
                raise EvaluationError(f"index {e} is not an integer")
            return int(v)
        return int(v)

    def ev(self, e: sp.Expr, env: dict[sp.Symbol, int], index: bool = False) -> Any:
        f = self.f
        if isinstance(e, sp.Integer):
            return int(e) if index else f.num(e)
        if isinstance(e, sp.Rational):
            return f.num(e)
        if isinstance(e, sp.Symbol):
            if e in env:
                v = env[e]
                if isinstance(v, int):  # an index
                    return v if index else f.num(v)
                return v  # a plain variable's value
            if e == self.inst.net.L:
                return self.inst.values["__mean__"][()]
            raise EvaluationError(f"no value for {e}")
        if isinstance(e, sp.Indexed):
            name = _label(e.base.label)
            idx = tuple(self._index(x, env) for x in e.indices)
            table = self.inst.values.get(name)
            if table is None:
                raise EvaluationError(f"no values for {name}")
            if idx not in table:
                raise EvaluationError(f"index {idx} out of range for {name}")
            return table[idx]
        if isinstance(e, sp.Add):
            acc = self.ev(e.args[0], env, index)
            for a in e.args[1:]:
                acc = acc + self.ev(a, env, index)
            return acc
        if isinstance(e, sp.Mul):
            acc = self.ev(e.args[0], env, index)
            for a in e.args[1:]:
                acc = acc * self.ev(a, env, index)
            return acc
        if isinstance(e, sp.Pow):
            base = self.ev(e.base, env)
            if e.exp.is_Integer:
                k = int(e.exp)
                return base**k if k >= 0 else 1 / base ** (-k)
            if e.exp == sp.Rational(1, 2) and f is MP:
                return mpmath.sqrt(base)
            if f is not EXACT and base > 0:  # a real power of a positive number: e^{r log x}
                return f.exp(self.ev(e.exp, env) * f.log(base))
            raise EvaluationError(f"cannot evaluate the power {e}")
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), env)
        if isinstance(e, sp.Product):
            return self._sum(e.function, list(e.limits), env, product=True)
        if isinstance(e, (ActivationFunction, ActivationPrime)):  # each σ its own activation's
            act = ACTIVATIONS[e.activation]
            return _act(self.inst, act, isinstance(e, ActivationPrime))(self.ev(e.args[0], env))
        if isinstance(e, (Upstream, UpstreamPrime, AnyLoss, AnyLossPrime)):
            return self._unknown(e, env)
        if isinstance(e, sp.exp):
            return f.exp(self.ev(e.args[0], env))
        if isinstance(e, (sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos)):
            if f is EXACT:
                raise EvaluationError(f"{type(e).__name__} has no exact rational value")
            lib = mpmath if f is MP else math
            return getattr(lib, type(e).__name__)(self.ev(e.args[0], env))
        if isinstance(e, (sp.Max, sp.Min)):
            vals = [self.ev(a, env) for a in e.args]
            return max(vals) if isinstance(e, sp.Max) else min(vals)
        if isinstance(e, sp.Heaviside):
            x = self.ev(e.args[0], env)
            return f.num(1 if x > 0 else 0)
        if isinstance(e, sp.log):
            return f.log(self.ev(e.args[0], env))
        if isinstance(e, sp.KroneckerDelta):
            return f.num(1 if self._index(e.args[0], env) == self._index(e.args[1], env) else 0)
        raise EvaluationError(f"cannot evaluate {type(e).__name__}: {e}")

    def _sum(
        self, body: sp.Expr, limits: list, env: dict[sp.Symbol, int], product: bool = False
    ) -> Any:
        """Σ (or ∏ with ``product``) of body over the limits, innermost first; empty: 0 (or 1)."""
        if not limits:
            return self.ev(body, env)
        d, lo, hi = limits[-1]
        lo_v, hi_v = self._index(lo, env), self._index(hi, env)
        acc = self.f.num(1 if product else 0)
        saved = env.get(d)
        for x in range(lo_v, hi_v + 1):
            env[d] = x
            term = self._sum(body, limits[:-1], env, product)
            acc = acc * term if product else acc + term
        if saved is None:
            env.pop(d, None)
        else:
            env[d] = saved
        return acc
