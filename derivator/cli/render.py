"""``derivator render``: the command-line shell over :mod:`derivator.publish.post`.

A writer's jinja2 template (``post.md.j2``, ``post.tex.j2``, ``post.html.j2``) becomes the post
with every ``gradient()``, ``chain()``, ``matrix_form()`` call replaced by proved formulas.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..system import files
from .options import (
    Activation,
    Kind,
    bounded,
    cpu_option,
    memory_option,
    usage_error,
    valid_timeout,
)
from .options import ArticleLoss as Loss


def render(
    template: Path = typer.Argument(
        ..., help="A jinja2 template named <name>.md.j2, <name>.tex.j2 or <name>.html.j2."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="File to write (default: the template's "
        "name without .j2, next to it; - for standard output).",
    ),
    activation: Activation = typer.Option(
        Activation("sigmoid"), help="The activation σ of the post's network."
    ),
    loss: Loss = typer.Option(
        Loss("mse"), help="The loss: mse, or cross-entropy (softmax output)."
    ),
    network: Kind = typer.Option(
        Kind("general"), help="general: many neurons per layer; single: one per layer."
    ),
    depth: int = typer.Option(
        3, min=1, max=12, metavar="<int>", help="Layers of weights (3: L, L-1, L-2)."
    ),
    timeout: float = typer.Option(10.0, help="Seconds allowed to prove each formula."),
    memory: int = memory_option(),
    cpu: int = cpu_option(),
) -> None:
    """Render a writer's template: its gradient(), chain() and matrix_form() calls become proved
    formulas; a formula that cannot be proved fails with the template's file:line."""
    from ..publish import post

    valid_timeout(timeout)
    opts = post.PostOptions(activation.value, loss.value, network.value, depth, timeout)
    try:
        text = bounded(lambda: post.render_post(template, opts), memory, cpu, str(template))
    except post.PostError as e:
        raise usage_error(str(e), code=1) from None
    if output is not None and str(output) == "-":
        typer.echo(text, nl=False)
        return
    target = output or template.with_name(template.name[: -len(".j2")])
    try:
        files.write_atomic(target, text)
    except OSError as e:
        raise usage_error(f"cannot write {target}: {e.strerror or e}") from None
    typer.echo(str(target))
