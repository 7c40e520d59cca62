"""What every command's options share: the choices the engine knows, and how a usage error ends.

The choices are built from the registries (activations, losses), so that a new activation is
offered by every command at once; the commands themselves live in cli.py, cli_article.py and
cli_numpy.py.
"""

from __future__ import annotations

from enum import Enum

import typer

from ..engine import ACTIVATIONS, LOSSES, NETWORK_KINDS, TARGETS

Activation = Enum("Activation", {name: name for name in ACTIVATIONS}, type=str)  # type: ignore[misc]
Loss = Enum("Loss", {name.replace("-", "_"): name for name in LOSSES if name != "upstream"},  # type: ignore[misc]
            type=str)
Kind = Enum("Kind", {name: name for name in NETWORK_KINDS}, type=str)  # type: ignore[misc]
Targets = Enum("Targets", {name.replace("-", "_"): name for name in TARGETS}, type=str)  # type: ignore[misc]


def usage_error(message: str, code: int = 2) -> typer.Exit:
    """Print ``Error: …`` to standard error and return the Exit to raise (status 2: usage)."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def parse_widths(text: str) -> tuple[int, ...]:
    """``"784,128,10"`` → (784, 128, 10), input layer first; a usage error otherwise."""
    try:
        widths = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise usage_error(f"--widths {text!r}: give comma-separated integers, input layer first, e.g. 4,3,2") from None
    if len(widths) < 2 or min(widths) < 1:
        raise usage_error(f"--widths {text!r}: give at least two layers, each at least 1 wide")
    return widths
