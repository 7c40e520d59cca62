"""``derivator article``: the command-line shell over :mod:`derivator.article`.

Kept apart from cli.py (and importing nothing from it) so that the article can grow without
touching the other commands; cli.py registers it with ``app.command()(article)``.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from ..engine.names import DEFAULT_LETTERS
from .options import Activation, Kind, bounded, cpu_option, memory_option, usage_error
from .options import ArticleLoss as Loss


class Lang(StrEnum):
    zh = "zh"
    en = "en"
    all = "all"


class ArticleFormat(StrEnum):
    md = "md"
    tex = "tex"
    html = "html"
    all = "all"


class ArticleMath(StrEnum):
    mathml = "mathml"
    mathjax = "mathjax"


def article(
    lang: Lang = typer.Option(
        Lang.en, "--lang", help="Language of the article: zh, en, or all (both)."
    ),
    format: ArticleFormat = typer.Option(
        ArticleFormat.all,
        "--format",
        "-f",
        help="md (Markdown with $$ math), tex (standalone LaTeX), html, or all.",
    ),
    output: Path = typer.Option(
        Path("output"),
        "--output",
        "-o",
        help="Directory to write into (created if "
        "missing); files are named backprop-calculus.<lang>.<format>.",
    ),
    activation: Activation = typer.Option(Activation("sigmoid"), help="The activation σ."),
    loss: Loss = typer.Option(
        Loss("mse"),
        help="The loss: mse, or cross-entropy (a softmax output layer; "
        "the single-neuron chapter keeps mse, so it needs --network general).",
    ),
    layers: str = typer.Option("L-2", help="How far back the propagation goes: L-1, L-2 or L-3."),
    network: Kind = typer.Option(
        Kind("general"),
        help="general: one neuron per layer, then "
        "many (the full article); single: only the single-neuron chain.",
    ),
    notation_letters: str = typer.Option(
        ",".join(DEFAULT_LETTERS[:4]),
        "--notation-letters",
        help="Neuron index letters of layers L, L-1, L-2, … (i is the sample).",
    ),
    title: str | None = typer.Option(None, help="Title (default: per language)."),
    author: str = typer.Option("", help="Author line (default: none)."),
    loss_letter: str = typer.Option(
        "L",
        "--loss-letter",
        help="The letter of the loss: L, C or ℒ (L also names the output layer).",
    ),
    math: ArticleMath = typer.Option(
        ArticleMath.mathml,
        "--math",
        help="How the .html shows math: mathml (typeset offline, no script) or mathjax.",
    ),
    mathjax_url: str = typer.Option(
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
        "--mathjax-url",
        help="MathJax 3 script for the .html with --math mathjax.",
    ),
    proof_marks: bool = typer.Option(
        False, "--proof-marks", help="Mark every formula with how it was proved."
    ),
    template: Path | None = typer.Option(
        None,
        "--template",
        help="Your copy of a language template "
        "(derivator/publish/templates/article.<lang>.j2), written in its place; "
        "give the one --lang it is written in.",
    ),
    memory: int = memory_option(),
    cpu: int = cpu_option(),
) -> None:
    """Write the article on the calculus of backpropagation: every formula derived and proved."""
    from ..engine import NotationError, parse_letters
    from ..publish import article

    try:
        letters = parse_letters(notation_letters)
        opts = article.Options(
            activation=activation.value,
            loss=loss.value,
            layers=layers,
            network=network.value,
            letters=letters,
            title=title,
            author=author,
            mathjax_url=mathjax_url,
            math=math.value,
            loss_letter=loss_letter,
            proof_marks=proof_marks,
            template=str(template) if template else None,
        )
        langs = list(article.LANGS) if lang is Lang.all else [lang.value]
        formats = list(article.FORMATS) if format is ArticleFormat.all else [format.value]
        t0 = time.perf_counter()
        paths = bounded(
            lambda: article.generate(opts, langs, formats, output), memory, cpu, "article"
        )
    except (article.ArticleError, NotationError, ValueError) as e:
        raise usage_error(str(e)) from None
    except OSError as e:
        raise usage_error(f"cannot write to {output}: {e.strerror or e}") from None
    elapsed = time.perf_counter() - t0
    for p in paths:
        typer.echo(str(p))
    if template is None:
        typer.echo(
            f"{len(paths)} files written in {elapsed:.1f} s; every formula proved.", err=True
        )
        return
    # a writer's template may hold math of its own, which only derivator check judges
    typer.echo(
        f"{len(paths)} files written in {elapsed:.1f} s; every formula the article placed is "
        f"proved; math typed in {template} is not: run derivator check on the .md to check it.",
        err=True,
    )
