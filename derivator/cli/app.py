"""The command line: a thin shell over the Python API (formulas, verify)."""

from __future__ import annotations

import json
import os
import sys
import time
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from .. import __version__
from ..engine import NotationError
from .article import article
from .numbers import codegen as _codegen
from .numbers import train as _train
from .options import (
    OUTPUT_ACTIVATION_HELP,
    Activation,
    Kind,
    Loss,
    OutputActivation,
    Targets,
    parse_widths,
    usage_error,
    valid_timeout,
)
from .render import render as _render

if TYPE_CHECKING:
    from ..engine import Verdict

app = typer.Typer(
    help="Derive, prove and publish the calculus of backpropagation.",
    add_completion=True,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


#: the widest layer ``formulas --widths`` takes, checked before any work: the concrete matrix forms
#: grow with the width (a layer of 10,000 neurons took 23 s, of 10^8 more than a minute)
MAX_WIDTH = 1000


class Form(StrEnum):
    """The forms ``formulas --form`` prints (members in capitals: ``index`` is a method of str)."""

    INDEX = "index"
    MATRIX = "matrix"
    BOTH = "both"


class Format(StrEnum):
    text = "text"
    latex = "latex"
    json = "json"


class VerifyFormat(StrEnum):
    """What ``verify`` prints: a table, or JSON (its rows have no LaTeX of their own)."""

    text = "text"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"derivator {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Derive, prove and publish the calculus of backpropagation."""


@app.command()
def formulas(
    layer: str = typer.Option(
        "L-1",
        "--layer",
        "-l",
        help="L, L-1, L-2, … (from the output), l (the generic "
        "recurrence) or an absolute layer number (0 is the input).",
    ),
    activation: Activation = typer.Option(
        Activation("sigmoid"), help="The activation σ of the network."
    ),
    loss: Loss = typer.Option(
        Loss("mse"),
        help="mse: Σ_j (a−y)²/2 averaged over n samples; cross-entropy: "
        "with a softmax output layer; binary-cross-entropy: with sigmoid outputs.",
    ),
    output_activation: OutputActivation | None = typer.Option(None, help=OUTPUT_ACTIVATION_HELP),
    network: Kind = typer.Option(
        Kind("general"), help="general: many neurons per layer; single: one per layer."
    ),
    form: Form = typer.Option(Form.INDEX, help="Index notation, matrix form, or both."),
    format: Format = typer.Option(
        Format.text, "--format", "-f", help="Output as text, LaTeX or JSON."
    ),
    depth: int = typer.Option(
        3,
        min=1,
        metavar="<int>",
        help="Layers of weights (the article's network has 3: L, L-1, L-2; "
        "its input layer is L-3).",
    ),
    widths: str | None = typer.Option(
        None,
        help=f"Concrete widths, input first (e.g. 4,3,2), each at most "
        f"{MAX_WIDTH}; default symbolic.",
    ),
    timeout: float = typer.Option(10.0, help="Seconds allowed to prove each formula."),
) -> None:
    """Print every gradient of a layer, as the chain rule and in closed form, each one proved."""
    from ..api import Network

    valid_timeout(timeout)
    ws = parse_widths(widths, most=MAX_WIDTH) if widths is not None else None
    try:
        net = Network(
            depth=depth,
            widths=ws,
            activation=activation.value,
            loss=loss.value,
            network=network.value,
            output_activation=output_activation.value if output_activation else None,
        )
        t0 = time.perf_counter()
        rows = net.formulas(layer, form=form.value, timeout=timeout)
    except (NotationError, ValueError) as e:
        raise usage_error(str(e)) from None
    elapsed = time.perf_counter() - t0
    if format is Format.json:
        typer.echo(
            json.dumps(
                {
                    "network": net.describe(),
                    "layer": rows[0].layer if rows else layer,
                    "formulas": [r.as_dict() for r in rows],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif format is Format.latex:
        typer.echo(_latex(rows, net.describe()))
    else:
        typer.echo(_text(rows, net.describe(), elapsed))
    if any(not r.verdict.proved for r in rows):
        raise typer.Exit(1)


def _mark(v: Verdict) -> str:
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
    lines += [
        "",
        f"{proved} of {len(rows)} formulas proved against sympy.diff of the loss in {elapsed:.2f} s.",
    ]
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
            block.append(
                f"{lhs_rhs[0]} &= {lhs_rhs[1]} && \\text{{{FORM_TITLES[r.form]}; {r.verdict.verdict}}}"
            )
            last = key
        else:
            block.append(f"&= {lhs_rhs[1]} && \\text{{{FORM_TITLES[r.form]}; {r.verdict.verdict}}}")
    flush()
    return "\n".join(out)


@app.command()
def verify(
    activation: list[Activation] | None = typer.Option(
        None, help="Only these activations (repeatable)."
    ),
    loss: list[Loss] | None = typer.Option(
        None, help="Only these losses (repeatable; the binary cross-entropy with the sigmoid only)."
    ),
    network: Kind = typer.Option(Kind("general"), help="general or single."),
    format: VerifyFormat = typer.Option(
        VerifyFormat.text, "--format", "-f", help="Output as text or JSON."
    ),
    timeout: float = typer.Option(10.0, help="Seconds allowed to prove each formula."),
) -> None:
    """Prove every formula of the shipped textbook equal to SymPy's automatic derivative."""
    from ..publish import verify

    valid_timeout(timeout)
    acts = [a.value for a in activation] if activation else list(verify.ALL_ACTIVATIONS)
    losses = [x.value for x in loss] if loss else list(verify.ALL_LOSSES)
    t0 = time.perf_counter()
    header = f"{'quantity':8} {'layer':5} {'form':7} {'activation':10} {'loss':13} {'verdict':8} {'time':>7}  method"

    def show(row: verify.Row) -> None:
        if format is VerifyFormat.text:
            e = row.entry
            typer.echo(
                f"{e.quantity:8} {e.layer:5} {e.form:7} {row.activation:10} {row.loss:13} "
                f"{row.verdict.verdict:8} {row.verdict.seconds:6.2f}s  {row.verdict.method}"
                + (f" — {row.verdict.reason}" if row.verdict.reason else "")
            )

    if format is VerifyFormat.text:
        typer.echo(header)
    rows = verify.verify(acts, losses, network.value, timeout, progress=show)
    s = verify.summary(rows)
    elapsed = time.perf_counter() - t0
    if format is VerifyFormat.json:
        typer.echo(
            json.dumps(
                {"results": [r.as_dict() for r in rows], "summary": s}, ensure_ascii=False, indent=2
            )
        )
    else:
        typer.echo(
            f"\n{s['proved']} of {len(rows)} proved "
            f"({sum('all sizes' in r.verdict.method for r in rows)} for all sizes) in {elapsed:.1f} s; "
            + ", ".join(f"{k} {n}" for k, n in s.items() if k != "proved" and n)
        )
    if s["proved"] != len(rows):
        raise typer.Exit(1)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


@app.command()
def check(
    files: list[str] = typer.Argument(
        ...,
        help="Markdown or LaTeX files, directories (searched for *.md and "
        "*.tex), or - for standard input.  Names that start with - work as "
        "they are, or after --.",
    ),
    format: CheckFormat = typer.Option(
        CheckFormat.text,
        "--format",
        "-f",
        help="text, json, github (workflow annotations) or junit (XML).",
    ),
    strict: bool = typer.Option(False, help="Fail on unknown verdicts too."),
    activation: Activation | None = typer.Option(
        None,
        help="Activation of the hidden layers (default sigmoid, "
        "or what the document's forward pass writes; a directive may "
        "change it).",
    ),
    loss: Loss | None = typer.Option(
        None,
        help="Loss (default mse, or what the document's cost definition "
        "writes; a directive may change it).",
    ),
    output_activation: OutputActivation | None = typer.Option(
        None, help=OUTPUT_ACTIVATION_HELP + " A directive output-activation=… may change it."
    ),
    network: Kind = typer.Option(
        Kind("general"), help="Default network (a directive may change it)."
    ),
    targets: Targets = typer.Option(
        Targets("any"),
        help="What the targets satisfy: any; distribution (Σ_j y_ij = 1, "
        "y ≥ 0); one-hot. A directive may change it.",
    ),
    timeout: float = typer.Option(
        10.0,
        help="Seconds allowed to decide each relation (a worker still busy "
        "a second later is killed; the relation is unknown).",
    ),
    memory: int = typer.Option(
        768,
        min=256,
        max=1 << 20,
        help="Megabytes of address space each worker may "
        "add to what it starts with; a relation that needs more is unknown.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Text format: show only what is not proved."
    ),
    jobs: int = typer.Option(
        0,
        min=0,
        help="Worker processes deciding relations in parallel (0: one per "
        "core; never more than the cores).",
    ),
    color: bool | None = typer.Option(
        None,
        "--color/--no-color",
        help="Colour the text output (default: on a terminal, unless NO_COLOR is set).",
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Print (on standard error) what was inferred about "
        "each file's letters, layer tags, weights and cost, and from which line.",
    ),
) -> None:
    """Check every relation in hand-written derivations: proved, refuted (with a counterexample),
    unknown, skipped or error.  Exit status 1 when something is refuted or unreadable, 2 for a
    usage error or a file that cannot be read, 130/143 when interrupted (SIGINT/SIGTERM)."""
    import os
    import signal

    from ..document import check, interpret, report
    from ..document.workers import cores

    valid_timeout(timeout)
    names = [_DASHED.get(f, f) for f in files]
    given = {"activation": activation, "loss": loss, "output-activation": output_activation}
    run = check.Run(
        interpret.Settings(
            activation.value if activation else "sigmoid",
            loss.value if loss else "mse",
            network.value,
            targets.value,
            output_activation=output_activation.value if output_activation else None,
        ),
        timeout,
        jobs=jobs or cores(),
        memory=memory << 20,
        stated=frozenset(k for k, v in given.items() if v is not None),
    )

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise check.Stop(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    t0 = time.perf_counter()
    try:
        checked = check.check_files(
            check.expand_paths(names), run, stdin=sys.stdin.buffer if sys.stdin else None
        )
    finally:
        run.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # printing is run()'s to interrupt
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    elapsed = time.perf_counter() - t0
    results = checked.results
    for r in results:
        if r.unreadable:
            where = f"{r.file}:{r.line}" if r.at else r.file
            typer.echo(report.visible(f"Error: {where}: {r.reason}"), err=True)
    if format in (
        CheckFormat.json,
        CheckFormat.junit,
    ):  # text and github print them in their output
        for w in run.warnings:
            typer.echo(report.visible(f"warning: {w}"), err=True)
    if explain:
        typer.echo(report.visible("\n".join(run.explanations)), err=True)
    if format is CheckFormat.json:
        typer.echo(report.as_json(results))
    elif format is CheckFormat.github:
        typer.echo(report.github(results, strict=strict, warnings=run.warnings))
    elif format is CheckFormat.junit:
        typer.echo(report.junit(results, strict=strict, seconds=elapsed))
    else:
        use_color = (
            color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        )
        typer.echo(
            report.text(
                results, color=use_color, quiet=quiet, seconds=elapsed, warnings=run.warnings
            ),
            color=use_color,
        )
    if checked.stopped is not None:
        name = signal.Signals(checked.stopped).name
        typer.echo(
            f"interrupted by {name}: printed the {len(results)} results decided before it", err=True
        )
        raise typer.Exit(128 + checked.stopped)
    if checked.unreadable:
        raise typer.Exit(2)
    bad = {"refuted", "error"} | ({"unknown"} if strict else set())
    if any(r.verdict in bad for r in results):
        raise typer.Exit(1)


#: file names that start with "-" given to ``check`` without "--", as rewritten by :func:`run`
_DASHED: dict[str, str] = {}


def _dash_names(argv: list[str]) -> list[str]:
    """``check -dash.md`` (what pre-commit passes for such a file) reads the file instead of
    failing on an unknown option: an argument that starts with "-", is no option of ``check``
    and names an existing path is passed as ``./-dash.md`` (and reported under its own name)."""
    if not argv or argv[0] != "check":
        return argv
    command = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    opts = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    out: list[str] = []
    for k, a in enumerate(argv):
        if a == "--":
            return out + argv[k:]
        if a.startswith("-") and a != "-" and a.split("=", 1)[0] not in opts and os.path.lexists(a):
            _DASHED["./" + a] = a
            a = "./" + a
        out.append(a)
    return out


# the commands of the other modules come after this module's own in --help
app.command()(article)
app.command(name="codegen")(_codegen)
app.command(name="train")(_train)
app.command(name="render")(_render)


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback reaches the user (not for a
    closed or full standard output either)."""
    try:
        app(args=_dash_names(sys.argv[1:]), prog_name="derivator")
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except MemoryError:
        sys.stderr.write(
            "Error: derivator ran out of memory (try smaller sizes or a shallower layer)\n"
        )
        sys.exit(2)
    except OSError as e:  # stdout closed or full: say so once, and do not fail again at exit
        _failed(e)
    except SystemExit:
        try:
            sys.stdout.flush()
        except OSError as e:
            _failed(e)
        raise


def _failed(e: OSError) -> None:
    """End with status 2 and one line for an OSError that reached the top (usually the output)."""
    import errno

    _silence_stdout()
    if e.errno in (errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO):
        sys.stderr.write(f"Error: cannot write the output ({e.strerror or e})\n")
    else:
        sys.stderr.write(f"Error: {e.strerror or e}\n")
    sys.exit(2)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
