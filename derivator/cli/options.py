"""What every command's options share: the choices the engine knows, and how a usage error ends.

The choices are built from the engine's names (``engine.names``, kept equal to the registries of
activations and losses), so that a new activation is offered by every command at once, and so
that building the command line never imports SymPy; the commands themselves live in app.py,
check.py, article.py, numbers.py and render.py.  Built at run time, their members are unknown to a
type checker: a default is written ``Activation("sigmoid")``, not ``Activation.sigmoid``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer

from ..engine import diagnostic
from ..engine.names import ACTIVATIONS, ARTICLE_LOSSES, LOSSES, NETWORK_KINDS, TARGETS

Activation = StrEnum("Activation", {name: name for name in ACTIVATIONS})  # type: ignore[misc]
#: σ of the output layer when it differs from the hidden layers' (softmax: the cross-entropy's)
OutputActivation = StrEnum(  # type: ignore[misc]
    "OutputActivation",
    {**{name: name for name in ACTIVATIONS}, "softmax": "softmax"},
)
OUTPUT_ACTIVATION_HELP = (
    "The activation of the output layer when it differs from --activation (e.g. identity "
    "outputs under tanh hidden units); default: the same."
)
Loss = StrEnum("Loss", {name.replace("-", "_"): name for name in LOSSES})  # type: ignore[misc]
#: the losses of the articles
ArticleLoss = StrEnum(  # type: ignore[misc]
    "ArticleLoss",
    {name.replace("-", "_"): name for name in ARTICLE_LOSSES},
)
Kind = StrEnum("Kind", {name: name for name in NETWORK_KINDS})  # type: ignore[misc]
T = TypeVar("T")
Targets = StrEnum("Targets", {name.replace("-", "_"): name for name in TARGETS})  # type: ignore[misc]


def usage_error(message: str, code: int = 2) -> typer.Exit:
    """Print ``Error: …`` to standard error and return the Exit to raise (status 2: usage).

    A message about a place in a file (``path:line:``) shows that line with a caret, one about an
    option (``--name …``) the command line with a caret under the option (engine.diagnostic)."""
    if message.startswith("--") and _from_the_command_line():
        message = diagnostic.command_line(sys.argv[1:], message)
    else:
        message = diagnostic.with_excerpt(message)
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def _from_the_command_line() -> bool:
    """Whether sys.argv is derivator's own command line (``derivator …``, ``python -m derivator``),
    not that of a program that runs the app in-process (a test runner)."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return program.name == "derivator" or program.parent.name == "derivator"


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


def memory_option() -> int:
    """``--memory``: the MB of address space the child that renders may use (a template's loops or
    a formula's size cannot take the machine)."""
    from ..system import child

    return typer.Option(
        child.MEMORY_MB,
        "--memory",
        min=256,
        max=1 << 20,
        metavar="<MB>",
        help="MB of address space the rendering may use; past it the render stops with an error.",
    )


def cpu_option() -> int:
    """``--cpu``: the seconds of CPU the child that renders may use."""
    from ..system import child

    return typer.Option(
        child.CPU_SECONDS,
        "--cpu",
        min=1,
        max=86400,
        metavar="<seconds>",
        help="Seconds of CPU the rendering may use; past them the render stops with an error.",
    )


def bounded(work: Callable[[], T], memory: int, cpu: int, what: str) -> T:
    """``work()`` in a child limited to ``memory`` MB and ``cpu`` seconds; a limit hit is a usage
    error (exit 1) naming ``what`` and the limit."""
    from ..system import child

    try:
        return child.run_bounded(work, memory, cpu)
    except child.LimitError as e:
        raise usage_error(f"{what}: {e}", code=1) from None


def valid_timeout(seconds: float) -> float:
    """``--timeout`` as given, or a usage error unless it is finite, above 0 and at most a day
    (the rule of :func:`derivator.document.check.check_timeout`)."""
    from ..document.config import check_timeout

    try:
        return check_timeout(seconds)
    except ValueError as e:
        raise usage_error(str(e)) from None
