"""Losses, each with the activation of the output layer it is paired with.

A loss says two things: L_i as a function of the output activations and targets of sample i, and
how a^{(L)} comes from z^{(L)} (elementwise σ for the MSE and the binary cross-entropy, whose σ
must be the sigmoid; softmax for the cross-entropy).  The network builds both into the forward
expression that ``sympy.diff`` differentiates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp


class Parameter(sp.Symbol):
    """A real number a cost's definition introduces and never fixes (λ in
    ``J = L + \\frac{\\lambda}{2}\\sum_l \\|W^{(l)}\\|^2``): a free variable, so what is proved
    holds for every value of it, and a counterexample gives the value where a claim fails.
    Made real (``Parameter(name, real=True)``), like η."""


class Upstream(sp.Function):
    """Ψ(z, j): an arbitrary smooth function of one pre-activation of the top layer of a network
    fragment.  L_i = Σ_j Ψ(z_ij, j) stands for "whatever the layers above do": every gradient
    vector ∂L_i/∂z_i· is realised by some such Ψ, and the rules we derive are linear in that
    vector, so a rule proved for all Ψ holds above any layer.  Used for the generic layer l."""

    nargs = 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return UpstreamPrime(*self.args)


class UpstreamPrime(sp.Function):
    """∂Ψ/∂z: the error term δ of the fragment's top layer."""

    nargs = 2


class AnyLoss(sp.Function):
    """ℓ(a, y, i, j): the loss a document leaves unknown (``C = \\ell(a^L, y)``), one term per
    sample i and output unit j, L_i = Σ_j ℓ(a_ij, y_ij, i, j).  Every relation derivator reads
    uses the loss only through its value and its first partials ∂L_i/∂a_ij (second derivatives are
    not part of the notation), and at any point those are free numbers in this family (each
    sample and unit has a function of its own), so what is proved for every ℓ holds for every
    loss of the output and target, separable or not (docs/soundness.md, "A loss left unknown")."""

    nargs = 4

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return AnyLossPrime(*self.args)


class AnyLossPrime(sp.Function):
    """∂ℓ/∂a: the partial of the unknown loss by one output, a symbol of its own."""

    nargs = 4


#: the loss ``evaluate.any_loss`` puts for an unknown ℓ where it looks for a counterexample
ANY_LOSS_SHOWN = (
    "ℓ(a, y) = Σ_j (a_j − y_j)²(j+2)/4 + a_j³/6 + y_j sin a_j (exact fields: without the sine)"
)


@dataclass(frozen=True)
class Loss:
    name: str
    #: softmax output layer (else the output uses the network's activation)
    softmax: bool
    #: the part of L_i from one output neuron: f(a_ij, y_ij)
    term: Callable[[sp.Expr, sp.Expr], sp.Expr] | None
    description: str
    #: the only activation σ of the output layer the loss is defined for (its a must lie in (0, 1)),
    #: or None for any
    activation: str | None = None


LOSSES: dict[str, Loss] = {
    "mse": Loss(
        "mse", False, lambda a, y: (a - y) ** 2 / 2, "L_i = Σ_j (a_ij − y_ij)²/2, L = (1/n) Σ_i L_i"
    ),
    "cross-entropy": Loss(
        "cross-entropy",
        True,
        lambda a, y: -y * sp.log(a),
        "softmax output a_ij = e^(z_ij)/Σ_p e^(z_ip), L_i = −Σ_j y_ij ln a_ij, L = (1/n) Σ_i L_i",
    ),
    # the two-class loss of sigmoid output neurons (where a softmax of one neuron is the constant 1)
    "binary-cross-entropy": Loss(
        "binary-cross-entropy",
        False,
        lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
        "sigmoid output a_ij = σ(z_ij), L_i = −Σ_j (y_ij ln a_ij + (1 − y_ij) ln(1 − a_ij)), L = (1/n) Σ_i L_i",
        activation="sigmoid",
    ),
    # the loss a document leaves unknown: see AnyLoss (set by its definition, never a default)
    "generic": Loss(
        "generic",
        False,
        None,
        "L_i = ℓ(a_i^(L), y_i), ℓ a loss the document leaves unknown (∂ℓ/∂a stays a symbol), "
        "L = (1/n) Σ_i L_i",
    ),
    # the top of a generic fragment: see Upstream
    "upstream": Loss("upstream", False, None, "L_i = Σ_j Ψ(z_ij^(l+1)): any layers above"),
}

#: the losses a user may choose (the upstream Ψ is internal; the unknown ℓ comes only from a
#: document's own definition)
OFFERED: tuple[str, ...] = tuple(k for k in LOSSES if k not in ("upstream", "generic"))
#: the losses the articles are written for
ARTICLE: tuple[str, ...] = ("mse", "cross-entropy")


def get(name: str) -> Loss:
    """The loss called ``name`` (the upstream Ψ is internal and not offered)."""
    loss = LOSSES.get(name)
    if loss is None or name == "upstream":
        raise ValueError(f"unknown loss {name!r}: choose {', '.join(OFFERED)}")
    return loss
