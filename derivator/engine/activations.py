"""Activations as SymPy functions that know their own derivative.

Each activation is a pair of unevaluated ``Function`` classes, σ and σ′, where ``σ.fdiff`` returns
σ′.  Keeping both unevaluated is deliberate: ``sympy.diff`` then yields ``σ′(z)`` directly (no
``Subs(Derivative(…))``), the printers show the article's σ′(z_ij^(L)), and the closed forms
(σ′ = σ(1−σ) for the sigmoid, …) are applied only where a proof or a number needs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp


class _ArticleNotation:
    """SymPy's ``latex()`` and ``pretty()`` (and so a notebook's display) call these hooks: σ(z)
    and σ′(z) as the article writes them, for every activation, instead of
    ``\\operatorname{Tanh'}``.  ``str()`` keeps SymPy's ``TanhPrime(z)``: the normal form
    (algebra.canonical) and the printers' orderings tell terms apart by their printout, and every
    activation's σ′ would print alike.  derivator's renderers use printing methods of their own."""

    #: (LaTeX, Unicode)
    symbol: tuple[str, str] = ("", "")
    args: tuple[Any, ...]

    def _latex(self, printer: Any, exp: Any = None) -> str:
        s = rf"{self.symbol[0]}\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"  # σ′² would be σ^′^2

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        arg = prettyForm(*printer._print(self.args[0]).parens())
        return prettyForm(*arg.left(self.symbol[1]))


class ActivationFunction(_ArticleNotation, sp.Function):
    """σ of some activation.  Subclasses set ``activation`` (the registry key)."""

    activation: str = ""
    nargs = 1
    symbol = (r"\sigma", "σ")

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return ACTIVATIONS[self.activation].prime(self.args[0])


class ActivationPrime(_ArticleNotation, sp.Function):
    """σ′ of some activation.  A second derivative is never needed, so none is defined."""

    activation: str = ""
    nargs = 1
    symbol = (r"\sigma'", "σ′")


def _pair(name: str) -> tuple[type[ActivationFunction], type[ActivationPrime]]:
    # a class name SymPy prints as an identifier: generic@l+1 → Generic_at_l_plus_1
    title = re.sub(
        r"\W", "_", name.replace("@", "_at_").replace("+", "_plus_").replace("-", "_minus_")
    )
    title = title[:1].upper() + title[1:]
    f = type(title, (ActivationFunction,), {"activation": name})
    p = type(title + "Prime", (ActivationPrime,), {"activation": name})
    return f, p


Numeric = Callable[[Any], Any]


@dataclass(frozen=True)
class Activation:
    """One activation: its SymPy pair, its σ′ in terms of a = σ(z) when that is a polynomial, and
    numeric implementations for the prover (mpmath), floats and exact rationals where they exist."""

    name: str
    sigma: type[ActivationFunction]
    prime: type[ActivationPrime]
    #: σ′ written in a = σ(z), e.g. a(1−a); None when σ′ is not a polynomial in a
    prime_in_a: Callable[[sp.Expr], sp.Expr] | None
    #: (σ, σ′) on mpmath numbers
    mp: tuple[Numeric, Numeric]
    #: (σ, σ′) on Fractions, only for piecewise-rational activations
    exact: tuple[Numeric, Numeric] | None
    description: str


def _mp_sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


def _relu_exact() -> tuple[Numeric, Numeric]:
    return (
        lambda x: x if x > 0 else Fraction(0) * x,
        lambda x: Fraction(1) if x > 0 else Fraction(0),
    )


#: how the numeric stages evaluate σ when it is unknown (printed with counterexamples)
GENERIC_NUMERIC = "σ(x) = sin x + x²/5, σ′(x) = cos x + 2x/5"


def _generic_mp() -> tuple[Numeric, Numeric]:
    # An arbitrary smooth function with its true derivative: if a relation fails for this σ it is
    # refuted for "σ unknown"; agreement is never taken as a proof for the generic activation.
    return (lambda x: mpmath.sin(x) + x * x / 5, lambda x: mpmath.cos(x) + 2 * x / 5)


def _make() -> dict[str, Activation]:
    table = {}
    specs: list[tuple[str, Any, Any, Any, str]] = [
        (
            "sigmoid",
            lambda a: a * (1 - a),
            (_mp_sigmoid, lambda x: _mp_sigmoid(x) * (1 - _mp_sigmoid(x))),
            None,
            "σ(x) = 1/(1+e^(−x)), σ′ = σ(1−σ)",
        ),
        (
            "tanh",
            lambda a: 1 - a**2,
            (mpmath.tanh, lambda x: 1 - mpmath.tanh(x) ** 2),
            None,
            "σ(x) = tanh x, σ′ = 1−σ²",
        ),
        (
            "relu",
            None,
            (lambda x: x if x > 0 else 0 * x, lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0)),
            _relu_exact(),
            "σ(x) = max(0, x), σ′ = [x > 0]",
        ),
        (
            "softplus",
            None,
            (lambda x: mpmath.log1p(mpmath.exp(x)), _mp_sigmoid),
            None,
            "σ(x) = ln(1+e^x), σ′ = 1/(1+e^(−x))",
        ),
        (
            "identity",
            lambda a: sp.Integer(1),
            (lambda x: x, lambda x: mpmath.mpf(1)),
            (lambda x: x, lambda x: Fraction(1)),
            "σ(x) = x, σ′ = 1",
        ),
        ("generic", None, _generic_mp(), None, "σ unknown: σ′ stays a symbol"),
    ]
    for name, prime_in_a, mp, exact, desc in specs:
        f, p = _pair(name)
        table[name] = Activation(name, f, p, prime_in_a, mp, exact, desc)
    return table


ACTIVATIONS: dict[str, Activation] = _make()
#: the activations a user names (a layer's own unknown function is added to ACTIVATIONS by use)
NAMED: tuple[str, ...] = tuple(ACTIVATIONS)


#: the prefix of a layer's own unknown activation: ``generic@l+1`` is the function of layer l+1
OWN = "generic@"


def own_parameters(name: str) -> tuple[float, float, float]:
    """(c, d, e) of a layer's own unknown function σ_t(x) = sin(c·x) + x²/d + e·x: one concrete
    choice per layer, chosen by the tag's offset, so that the layers of one network (whose tags
    share a base and differ in offset) get functions that differ.  A relation proved for every
    σ_t holds for these; one that confuses layer t's function with layer u's is refuted by them."""
    from .notation import parse_tag  # (notation does not import this module)

    k = parse_tag(name[len(OWN) :]).offset
    return 2.0 ** (k / 4), 5.0 + k % 3, k / 7


def _own_mp(name: str) -> tuple[Numeric, Numeric]:
    c, d, e = (mpmath.mpf(v) for v in own_parameters(name))
    return (
        lambda x: mpmath.sin(c * x) + x * x / d + e * x,
        lambda x: c * mpmath.cos(c * x) + 2 * x / d + e,
    )


def own(tag: object) -> Activation:
    """The activation of layer ``tag`` when the document gives each layer an unknown function of
    its own (``a^m = f^m(n^m)``, ``a^{[l]} = g^{[l]}(z^{[l]})``): a σ and σ′ of that layer only,
    registered on first use under ``generic@tag``."""
    name = OWN + str(tag)
    if name not in ACTIVATIONS:
        own_parameters(name)  # a tag the notation cannot read fails here, before registering
        f, p = _pair(name)
        f.symbol = (rf"\sigma_{{{tag}}}", f"σ_{tag}")
        p.symbol = (rf"\sigma_{{{tag}}}'", f"σ_{tag}′")
        ACTIVATIONS[name] = Activation(
            name, f, p, None, _own_mp(name), None, f"σ_{tag} unknown: the function of layer {tag}"
        )
    return ACTIVATIONS[name]


def get(name: str) -> Activation:
    if name.startswith(OWN):
        return own(name[len(OWN) :])
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(NAMED)}") from None


def is_generic(name: str) -> bool:
    """σ unknown: the shared generic activation or a layer's own."""
    return name == "generic" or name.startswith(OWN)


def generic_numbers(net: Any) -> str:
    """How the numeric stages evaluated the unknown σ of a network's layers (printed with a
    counterexample): the shared generic σ, and each layer's own function by its layer."""
    out = []
    names = {a.name for p in range(1, net.D + 1) if (a := net.activation_at(p)) is not None}
    if "generic" in names:
        out.append(f"generic σ evaluated as {GENERIC_NUMERIC}")
    for name in sorted(n for n in names if n.startswith(OWN)):
        c, d, e = own_parameters(name)
        tag = name[len(OWN) :]
        shown = tag if len(tag) == 1 else f"({tag})"
        out.append(f"σ_{shown}(x) = sin({c:.6g}x) + x²/{d:g} + {e:.6g}x")
    return "; ".join(out)


def float_pair(name: str) -> tuple[Numeric, Numeric]:
    """σ and σ′ on Python floats (finite differences in tests, quick checks)."""
    if name.startswith(OWN):
        c, d, e = own_parameters(name)
        return (
            lambda x: math.sin(c * x) + x * x / d + e * x,
            lambda x: c * math.cos(c * x) + 2 * x / d + e,
        )

    def sig(x: float) -> float:
        return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))

    return {
        "sigmoid": (sig, lambda x: sig(x) * (1 - sig(x))),
        "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
        "relu": (lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0),
        "softplus": (lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0), sig),
        "identity": (lambda x: x, lambda x: 1.0),
        "generic": (lambda x: math.sin(x) + x * x / 5, lambda x: math.cos(x) + 2 * x / 5),
    }[name]


#: the elementary functions a relation may apply (\tanh, \exp, \ln, \sinh, \cosh, \sin, \cos),
#: by the name the reader gives them: SymPy's own, so that each one's identities (sin² + cos² = 1,
#: tanh = sinh/cosh) are SymPy's, valid for every real argument
ELEMENTARY: dict[str, type[sp.Function]] = {
    "tanh": sp.tanh,
    "exp": sp.exp,
    "log": sp.log,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
}
