"""What every command's options share: the choices the engine knows, and how a usage error ends.

The choices are built from the engine's names (``engine.names``, kept equal to the registries of
activations and losses), so that a new activation is offered by every command at once, and so
that building the command line never imports SymPy; the commands themselves live in cli.py, cli_article.py and
cli_numpy.py.
"""

from __future__ import annotations

from enum import Enum

import typer

from ..engine.names import ACTIVATIONS, ARTICLE_LOSSES, LOSSES, NETWORK_KINDS, TARGETS

Activation = Enum("Activation", {name: name for name in ACTIVATIONS}, type=str)  # type: ignore[misc]
#: σ of the output layer when it differs from the hidden layers' (softmax: the cross-entropy's)
OutputActivation = Enum(
    "OutputActivation",
    {**{name: name for name in ACTIVATIONS}, "softmax": "softmax"},  # type: ignore[misc]
    type=str,
)
OUTPUT_ACTIVATION_HELP = (
    "The activation of the output layer when it differs from --activation (e.g. identity "
    "outputs under tanh hidden units); default: the same."
)
Loss = Enum("Loss", {name.replace("-", "_"): name for name in LOSSES}, type=str)  # type: ignore[misc]
#: the losses of the articles
ArticleLoss = Enum(
    "ArticleLoss",
    {name.replace("-", "_"): name for name in ARTICLE_LOSSES},  # type: ignore[misc]
    type=str,
)
Kind = Enum("Kind", {name: name for name in NETWORK_KINDS}, type=str)  # type: ignore[misc]
Targets = Enum("Targets", {name.replace("-", "_"): name for name in TARGETS}, type=str)  # type: ignore[misc]


def usage_error(message: str, code: int = 2) -> typer.Exit:
    """Print ``Error: …`` to standard error and return the Exit to raise (status 2: usage)."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def parse_widths(text: str, most: int | None = None) -> tuple[int, ...]:
    """``"784,128,10"`` → (784, 128, 10), input layer first; a usage error otherwise (also for a
    width above ``most`` or more layers than the engine handles, checked before any work)."""
    from ..engine import MAX_LAYERS

    parts = text.split(",")
    if len(parts) > MAX_LAYERS + 1:
        raise usage_error(
            f"--widths: {len(parts)} layers; derivator handles at most {MAX_LAYERS} layers of weights"
        )
    try:
        widths = tuple(int(x) for x in parts if len(x.strip()) <= 12)
    except ValueError:
        widths = ()
    if len(widths) != len(parts):
        raise usage_error(
            f"--widths {text[:80]!r}: give comma-separated integers, input layer first, e.g. 4,3,2"
        )
    if len(widths) < 2 or min(widths) < 1:
        raise usage_error(f"--widths {text[:80]!r}: give at least two layers, each at least 1 wide")
    if most is not None and max(widths) > most:
        raise usage_error(f"--widths: a layer of {max(widths):,} neurons; the limit is {most:,}")
    return widths


def valid_timeout(seconds: float) -> float:
    """``--timeout`` as given, or a usage error unless it is finite, above 0 and at most a day
    (the rule of :func:`derivator.document.check.check_timeout`)."""
    from ..document.config import check_timeout

    try:
        return check_timeout(seconds)
    except ValueError as e:
        raise usage_error(str(e)) from None
