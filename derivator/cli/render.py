"""``derivator render``: the command-line shell over :mod:`derivator.publish.post`.

A writer's jinja2 template (``post.md.j2``, ``post.tex.j2``, ``post.html.j2``) becomes the post
with every ``gradient()``, ``chain()``, ``matrix_form()`` call replaced by proved formulas.  A copy
of the article's language template (``<name>.en.j2``, ``<name>.zh.j2``: what ``derivator article
--template`` takes) is written as the article is, in every format: one command for a writer's
template of either kind.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..system import files
from . import selfcheck
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
        ...,
        help="A jinja2 template named <name>.md.j2, <name>.tex.j2 or <name>.html.j2 (a post), or "
        "<name>.en.j2 / <name>.zh.j2 (a copy of the article's language template).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="File to write (default: the template's "
        "name without .j2, next to it; - for standard output); for an article template, the "
        "folder to write its .md, .tex, .html and figures into (default: next to it).",
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
    lang = article_language(template)
    if lang is not None:
        limits = (memory, cpu)
        _article(
            template, lang, output, (activation.value, loss.value, network.value, depth), limits
        )
        return
    opts = post.PostOptions(activation.value, loss.value, network.value, depth, timeout)
    try:
        text, shown = bounded(lambda: post.render_parts(template, opts), memory, cpu, str(template))
    except post.PostError as e:
        raise usage_error(str(e), code=1) from None
    to_stdout = output is not None and str(output) == "-"
    target = output or template.with_name(template.name[: -len(".j2")])
    if to_stdout:
        typer.echo(text, nl=False)
    else:
        try:
            files.write_atomic(target, text)
        except OSError as e:
            raise usage_error(f"cannot write {target}: {e.strerror or e}") from None
        typer.echo(str(target))
    fmt = post.template_format(template)
    if fmt in selfcheck.CHECKED:
        page = "<stdout>" if to_stdout else str(target)
        own = post.writers_own(text, shown)
        said = selfcheck.check_page(
            page, own, fmt, (opts.activation, opts.loss, opts.network), timeout
        )
        if said.failing:
            raise usage_error(said.summary(), code=1)
        typer.echo(f"{len(shown)} displays of proved formulas; " + said.summary(), err=True)


def article_language(template: Path) -> str | None:
    """``mine.en.j2`` → ``en``: a copy of the article's language template (written as the article
    is); None for a post template (``<name>.<format>.j2``)."""
    parts = template.name.split(".")
    if len(parts) < 3 or parts[-1] != "j2" or parts[-2] in ("md", "tex", "html"):
        return None  # a post's format: not worth importing the article (a fifth of a render)
    from ..publish import article

    return parts[-2] if parts[-2] in article.LANGS else None


def _article(
    template: Path,
    lang: str,
    output: Path | None,
    network_options: tuple[str, str, str, int],
    limits: tuple[int, int],
) -> None:
    """What ``derivator article --template TEMPLATE --lang LANG`` does, with render's options:
    ``--depth d`` is the article's ``--layers L-(d-1)`` (its chapters go down to the layer
    d − 1 below the output; the article goes 2 to 4 layers deep)."""
    from ..publish import article

    activation, loss, network, depth = network_options
    if not 2 <= depth <= article.MAX_BACK + 1:
        raise usage_error(
            f"--depth {depth}: an article template goes 2 to {article.MAX_BACK + 1} layers deep "
            f"(the article's --layers L-1 … L-{article.MAX_BACK})"
        )
    if output is not None and str(output) == "-":
        raise usage_error("--output -: an article template writes files; give a folder")
    folder = output or template.parent
    opts = article.Options(
        activation=activation,
        loss=loss,
        network=network,
        layers=f"L-{depth - 1}",
        template=str(template),
    )
    try:
        paths = bounded(
            lambda: article.generate(opts, [lang], list(article.FORMATS), folder),
            *limits,
            str(template),
        )
    except (article.ArticleError, ValueError) as e:
        raise usage_error(str(e), code=1) from None
    except OSError as e:
        raise usage_error(f"cannot write to {folder}: {e.strerror or e}") from None
    for p in paths:
        typer.echo(str(p))
    # the article's displays were proved as placed; the template's own math is checked with them
    page = next(p for p in paths if p.suffix == ".md")
    said = selfcheck.check_page(
        str(page),
        page.read_text(encoding="utf-8"),
        "md",
        (activation, loss, network),
        scope="on the page",
    )
    if said.failing:
        raise usage_error(said.summary(), code=1)
    typer.echo(said.summary(), err=True)
