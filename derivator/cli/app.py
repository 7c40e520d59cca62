"""The command line: a thin shell over the Python API (formulas, verify)."""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from typing import TYPE_CHECKING, Optional

import typer

from .. import __version__
from ..engine import NotationError
from .options import Activation, Kind, Loss, Targets, parse_widths, usage_error

if TYPE_CHECKING:
    from ..engine import Verdict

app = typer.Typer(
    help="Derive, prove and publish the calculus of backpropagation.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Form(str, Enum):
    index = "index"
    matrix = "matrix"
    both = "both"


class Format(str, Enum):
    text = "text"
    latex = "latex"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"derivator {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit."),
) -> None:
    """Derive, prove and publish the calculus of backpropagation."""


@app.command()
def formulas(
    layer: str = typer.Option("L-1", "--layer", "-l", help="L, L-1, L-2, … (from the output), l (the generic "
                              "recurrence) or an absolute layer number (0 is the input)."),
    activation: Activation = typer.Option(Activation.sigmoid, help="The activation σ of the network."),
    loss: Loss = typer.Option(Loss.mse, help="mse: Σ_j (a−y)²/2 averaged over n samples; cross-entropy: "
                              "with a softmax output layer."),
    network: Kind = typer.Option(Kind.general, help="general: many neurons per layer; single: one per layer."),
    form: Form = typer.Option(Form.index, help="Index notation, matrix form, or both."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output as text, LaTeX or JSON."),
    depth: int = typer.Option(3, min=1, help="Layers of weights (the article's network has 3: L, L-1, L-2; "
                              "its input layer is L-3)."),
    widths: Optional[str] = typer.Option(None, help="Concrete widths, input first (e.g. 4,3,2); default symbolic."),
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds allowed to prove each formula."),
) -> None:
    """Print every gradient of a layer, as the chain rule and in closed form, each one proved."""
    from ..api import Network

    try:
        net = Network(depth=depth, widths=parse_widths(widths) if widths is not None else None, activation=activation.value, loss=loss.value,
                      network=network.value)
        t0 = time.perf_counter()
        rows = net.formulas(layer, form=form.value, timeout=timeout)
    except (NotationError, ValueError) as e:
        raise usage_error(str(e))
    elapsed = time.perf_counter() - t0
    if format is Format.json:
        typer.echo(json.dumps({"network": net.describe(), "layer": rows[0].layer if rows else layer,
                               "formulas": [r.as_dict() for r in rows]}, ensure_ascii=False, indent=2))
    elif format is Format.latex:
        typer.echo(_latex(rows, net.describe()))
    else:
        typer.echo(_text(rows, net.describe(), elapsed))
    if any(not r.verdict.proved for r in rows):
        raise typer.Exit(1)


def _mark(v: "Verdict") -> str:
    return ("✓ " if v.proved else "✗ ") + f"{v.verdict}: {v.method}"


def _text(rows: list, title: str, elapsed: float) -> str:
    from ..publish import FORM_TITLES

    lines = [f"Layer {rows[0].layer} of a {title}" if rows else title, ""]
    last = None
    for r in rows:
        lhs, rhs = r.unicode().split(" = ", 1)
        key = (r.quantity, r.form == "matrix")
        if key != last:
            if last is not None:
                lines.append("")
            lines.append(lhs)
            last = key
        lines.append(f"  = {rhs}")
        lines.append(f"      [{FORM_TITLES[r.form]}] {_mark(r.verdict)}")
    proved = sum(r.verdict.proved for r in rows)
    lines += ["", f"{proved} of {len(rows)} formulas proved against sympy.diff of the loss in {elapsed:.2f} s."]
    return "\n".join(lines)


def _latex(rows: list, title: str) -> str:
    from ..publish import FORM_TITLES_LATEX as FORM_TITLES

    out = [f"% {title}", "% each line proved against sympy.diff of the loss"]
    last = None
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append("\\begin{aligned}\n" + " \\\\\n".join(block) + "\n\\end{aligned}")
            block.clear()

    for r in rows:
        lhs_rhs = r.latex().split(" = ", 1)
        key = (r.quantity, r.form == "matrix")
        if key != last:
            flush()
            block.append(f"{lhs_rhs[0]} &= {lhs_rhs[1]} && \\text{{{FORM_TITLES[r.form]}; {r.verdict.verdict}}}")
            last = key
        else:
            block.append(f"&= {lhs_rhs[1]} && \\text{{{FORM_TITLES[r.form]}; {r.verdict.verdict}}}")
    flush()
    return "\n".join(out)


@app.command()
def verify(
    activation: Optional[list[Activation]] = typer.Option(None, help="Only these activations (repeatable)."),
    loss: Optional[list[Loss]] = typer.Option(None, help="Only these losses (repeatable)."),
    network: Kind = typer.Option(Kind.general, help="general or single."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text or json (latex is not offered)."),
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds allowed to prove each formula."),
) -> None:
    """Prove every formula of the shipped textbook equal to SymPy's automatic derivative."""
    from ..publish import verify as v

    if format is Format.latex:
        raise usage_error("verify prints text or json")
    acts = [a.value for a in activation] if activation else list(v.ALL_ACTIVATIONS)
    losses = [x.value for x in loss] if loss else list(v.ALL_LOSSES)
    t0 = time.perf_counter()
    header = f"{'quantity':8} {'layer':5} {'form':7} {'activation':10} {'loss':13} {'verdict':8} {'time':>7}  method"

    def show(row: "v.Row") -> None:
        if format is Format.text:
            e = row.entry
            typer.echo(f"{e.quantity:8} {e.layer:5} {e.form:7} {row.activation:10} {row.loss:13} "
                       f"{row.verdict.verdict:8} {row.verdict.seconds:6.2f}s  {row.verdict.method}"
                       + (f" — {row.verdict.reason}" if row.verdict.reason else ""))

    if format is Format.text:
        typer.echo(header)
    rows = v.verify(acts, losses, network.value, timeout, progress=show)
    s = v.summary(rows)
    elapsed = time.perf_counter() - t0
    if format is Format.json:
        typer.echo(json.dumps({"results": [r.as_dict() for r in rows], "summary": s}, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"\n{s['proved']} of {len(rows)} proved "
                   f"({sum('all sizes' in r.verdict.method for r in rows)} for all sizes) in {elapsed:.1f} s; "
                   + ", ".join(f"{k} {n}" for k, n in s.items() if k != "proved" and n))
    if s["proved"] != len(rows):
        raise typer.Exit(1)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


@app.command()
def check(
    files: list[str] = typer.Argument(..., help="Markdown or LaTeX files, directories (searched for *.md and "
                                      "*.tex), or - for standard input."),
    format: CheckFormat = typer.Option(CheckFormat.text, "--format", "-f", help="text, json, github "
                                       "(workflow annotations) or junit (XML)."),
    strict: bool = typer.Option(False, help="Fail on unknown verdicts too."),
    activation: Activation = typer.Option(Activation.sigmoid, help="Default activation (a directive may change it)."),
    loss: Loss = typer.Option(Loss.mse, help="Default loss (a directive may change it)."),
    network: Kind = typer.Option(Kind.general, help="Default network (a directive may change it)."),
    targets: Targets = typer.Option(Targets.any, help="What the targets satisfy: any; distribution (Σ_j y_ij = 1, "
                                    "y ≥ 0); one-hot. A directive may change it."),
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds allowed to decide each relation."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Text format: show only what is not proved."),
    jobs: int = typer.Option(0, min=0, help="Processes deciding relations in parallel (0: one per core)."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Colour the text output "
                                         "(default: on a terminal, unless NO_COLOR is set)."),
    explain: bool = typer.Option(False, "--explain", help="Print (on standard error) what was inferred about "
                                 "each file's letters, layer tags, weights and cost, and from which line."),
) -> None:
    """Check every relation in hand-written derivations: proved, refuted (with a counterexample),
    unknown, skipped or error.  Exit status 1 when something is refuted or unreadable."""
    import os

    from ..document import check as C
    from ..document import interpret as I
    from ..document import report as R

    run = C.Run(I.Settings(activation.value, loss.value, network.value, targets.value), timeout,
                jobs=jobs or min(os.cpu_count() or 1, 8))
    results: list = []
    unreadable = False
    t0 = time.perf_counter()
    for name in C.expand_paths(files):
        try:
            if name == "-":
                text = C.decode("<stdin>", sys.stdin.buffer.read())
                label = "<stdin>"
            else:
                from pathlib import Path

                text = C.read(Path(name))
                label = name
        except C.FileError as e:
            typer.echo(f"Error: {e}", err=True)
            unreadable = True
            continue
        results += C.check_text(label, text, run)
    elapsed = time.perf_counter() - t0
    if explain:
        typer.echo("\n".join(run.explanations), err=True)
    if format is CheckFormat.json:
        typer.echo(R.as_json(results))
    elif format is CheckFormat.github:
        typer.echo(R.github(results, strict=strict))
    elif format is CheckFormat.junit:
        typer.echo(R.junit(results, strict=strict, seconds=elapsed))
    else:
        use_color = color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        typer.echo(R.text(results, color=use_color, quiet=quiet, seconds=elapsed, warnings=run.warnings),
                   color=use_color)
    if unreadable:
        raise typer.Exit(2)
    bad = {"refuted", "error"} | ({"unknown"} if strict else set())
    if any(r.verdict in bad for r in results):
        raise typer.Exit(1)


from .article import article  # noqa: E402
from .numbers import codegen as _codegen  # noqa: E402
from .numbers import train as _train

app.command()(article)
app.command(name="codegen")(_codegen)
app.command(name="train")(_train)


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
