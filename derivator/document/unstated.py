"""The readings of what a document leaves unstated: the standard choices a careful reader would
consider for a hidden activation, a loss or an output layer the document never writes.

A relation refuted while such a setting is only derivator's default is refuted in a network the
document does not define.  Before reporting it, ``check`` judges it again under each of these
choices: when one of them proves it, the relation is true in a model the document may well mean
(Bishop's δ_j = (1 − z_j²) Σ_k w_kj δ_k under tanh hidden units; Ng's dz = a − y under a sigmoid
output and the logistic loss), so it is not refuted but ``unknown``, naming the directive that
states that model (docs/soundness.md, "A refutation in a default the document does not state").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..engine import ACTIVATIONS, losses
from .interpret import Settings

#: the settings a document may leave unstated (derivator then reads it with its defaults)
KEYS = ("activation", "loss", "output-activation")


@dataclass(frozen=True)
class Choice:
    """One reading of the unstated settings: the settings, and the directive that states them."""

    settings: Settings
    directive: str


def _activations(settings: Settings) -> list[tuple[str, str]]:
    """(activation, directive) for the hidden layers: the one in force first, then every known
    activation (the generic σ has no values to prove a formula in σ′ by)."""
    now = [(settings.activation, "")]
    if "activation" not in settings.unstated:
        return now
    return now + [
        (a, f"activation={a}") for a in ACTIVATIONS if a not in ("generic", settings.activation)
    ]


def _costs(settings: Settings, activation: str) -> list[tuple[str, str | None, str]]:
    """(loss, output activation, directive): the one in force first, then, for an unstated loss,
    every other offered loss with the output layer it needs (the binary cross-entropy a sigmoid
    output, the cross-entropy its softmax): an output layer the document leaves unstated is
    only varied with the loss it needs."""
    now: list[tuple[str, str | None, str]] = [(settings.loss, settings.output_activation, "")]
    free_out = "output-activation" in settings.unstated
    out = settings.output_activation or activation
    options: list[tuple[str, str | None, str]] = []
    if "loss" in settings.unstated:
        for loss in losses.OFFERED:
            need = losses.get(loss).activation
            if loss == settings.loss:
                continue
            if need is None or need == out:
                options.append((loss, settings.output_activation, f"loss={loss}"))
            elif free_out:
                options.append((loss, need, f"loss={loss} output-activation={need}"))
    return now + options


def choices(settings: Settings) -> Iterator[Choice]:
    """Every other standard reading of what ``settings.unstated`` names, in a fixed order (the
    hidden activation varies slowest); the settings in force themselves are not among them."""
    for activation, said_a in _activations(settings):
        for loss, output, said_c in _costs(settings, activation):
            if not said_a and not said_c:
                continue
            alt = replace(
                settings,
                activation=activation,
                loss=loss,
                output_activation=None if output == activation else output,
                unstated=(),
            )
            yield Choice(alt, " ".join(x for x in (said_a, said_c) if x))


def default_words(settings: Settings, other: Settings) -> str:
    """The defaults a relation was read with where ``other`` reads it otherwise, in words
    (σ = sigmoid, the loss mse, an output layer with σ = sigmoid)."""
    out = settings.output_activation or settings.activation
    words = [
        (settings.activation != other.activation, f"σ = {settings.activation}"),
        (settings.loss != other.loss, f"the loss {settings.loss}"),
        (
            other.output_activation not in (None, settings.output_activation),
            f"an output layer with σ = {out}",
        ),
    ]
    return " and ".join(w for changed, w in words if changed)
