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
from .options import (
    OUTPUT_ACTIVATION_HELP,
    Activation,
    Kind,
    Loss,
    OutputActivation,
    parse_widths,
    usage_error,
    valid_timeout,
)

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
    from ..engine import NotationError

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
    jobs: int = typer.Option(
        0, min=0, help="Worker processes proving in parallel (0: one per core)."
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Prove every formula again (no .derivator_cache)."
    ),
    cache_dir: str | None = typer.Option(
        None,
        "--cache-dir",
        help="Where verdicts are kept (default: as check finds it).",
        show_default=False,
    ),
) -> None:
    """Prove every formula of the shipped textbook equal to SymPy's automatic derivative."""
    from ..document import cache, config
    from ..document.workers import cores
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
    try:
        folder = config.load(cli={"cache-dir": cache_dir}).cache_dir()
    except config.ConfigError as e:
        raise usage_error(str(e)) from e
    store = None if no_cache else cache.Cache.open(folder)
    rows = verify.verify(
        acts,
        losses,
        network.value,
        timeout,
        progress=show,
        jobs=min(jobs, cores()) if jobs else cores(),
        store=store if store is not None and store.problem is None else None,
    )
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


# the commands of the other modules come after this module's own in --help
from .article import article  # noqa: E402
from .check import check, clean, dash_names  # noqa: E402
from .numbers import codegen as _codegen  # noqa: E402
from .numbers import train as _train  # noqa: E402
from .render import render as _render  # noqa: E402

app.command()(check)
app.command()(clean)
app.command()(article)
app.command(name="codegen")(_codegen)
app.command(name="train")(_train)
app.command(name="render")(_render)


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback reaches the user (not for a
    closed or full standard output either)."""
    try:
        command = typer.main.get_command(app)  # built once (typer converts every option)
        argv = sys.argv[1:]
        if argv and argv[0] == "check":
            argv = dash_names(argv, command.commands["check"])  # type: ignore[attr-defined]
        command(args=argv, prog_name="derivator")
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
