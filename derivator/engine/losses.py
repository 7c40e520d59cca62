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
    # the top of a generic fragment: see Upstream
    "upstream": Loss("upstream", False, None, "L_i = Σ_j Ψ(z_ij^(l+1)): any layers above"),
}

#: the losses a user may choose (the upstream Ψ is internal)
OFFERED: tuple[str, ...] = tuple(k for k in LOSSES if k != "upstream")
#: the losses the articles are written for
ARTICLE: tuple[str, ...] = ("mse", "cross-entropy")


def get(name: str) -> Loss:
    """The loss called ``name`` (the upstream Ψ is internal and not offered)."""
    loss = LOSSES.get(name)
    if loss is None or name == "upstream":
        raise ValueError(f"unknown loss {name!r}: choose {', '.join(OFFERED)}")
    return loss
