"""``derivator check`` and ``derivator clean``: the command-line shell over ``document``'s
configuration, discovery, cache and checker.

The command imports nothing heavy itself: files answered by the cache are printed without SymPy
(``document.batch`` imports the checker only for files it must decide).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ..document.config import MEMORY_MB, TIMEOUT
from .options import OUTPUT_ACTIVATION_HELP, Activation, Kind, Loss, OutputActivation, Targets

#: the exit statuses of ``check`` (also in the README)
EXIT_CODES = {
    0: "every relation is proved, skipped or unknown (unknown fails with --strict)",
    1: "a relation is refuted, or cannot be read (or is unknown, with --strict)",
    2: "usage error: a bad option or configuration, or a file that cannot be read",
    5: "nothing to check: no file found, or no relation in the files (unless --allow-empty)",
    130: "interrupted (SIGINT, Ctrl-C); 143: terminated (SIGTERM)",
}
NO_RELATIONS = 5


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    github = "github"
    junit = "junit"


#: file names that start with "-" given to ``check`` without "--", as rewritten by :func:`dash_names`
DASHED: dict[str, str] = {}


def dash_names(argv: list[str], command: Any) -> list[str]:
    """``check -dash.md`` (what pre-commit passes for such a file) reads the file instead of
    failing on an unknown option: an argument that starts with "-", is no option of ``check``
    (the click ``command``) and names an existing path is passed as ``./-dash.md`` (and reported
    under its own name)."""
    if not argv or argv[0] != "check":
        return argv
    opts = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    out: list[str] = []
    for k, a in enumerate(argv):
        if a == "--":
            return out + argv[k:]
        if a.startswith("-") and a != "-" and a.split("=", 1)[0] not in opts and os.path.lexists(a):
            DASHED["./" + a] = a
            a = "./" + a
        out.append(a)
    return out


def _fail(message: str, code: int = 2) -> typer.Exit:
    from ..document.report import visible

    typer.echo(visible(f"Error: {message}"), err=True)
    return typer.Exit(code)


def check(
    files: list[str] | None = typer.Argument(
        None,
        help="Markdown or LaTeX files, folders (searched for *.md and *.tex, as the "
        "configuration's include and exclude say), or - for standard input; default: the "
        "working folder.  Names that start with - work as they are, or after --.",
        show_default=False,
    ),
    format: CheckFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="text; json (docs/check-result.schema.json); jsonl (a result per line); sarif "
        "(2.1.0, for code scanning); github (workflow annotations); junit (XML).  "
        "Default text, or the configuration's format.",
        show_default=False,
    ),
    strict: bool | None = typer.Option(
        None, "--strict/--no-strict", help="Fail on unknown verdicts too.", show_default=False
    ),
    quiet: bool = typer.Option(
        False,
        "--quiet",
        "-q",
        help="Text: print only what fails (refuted and unreadable relations; unknown ones with "
        "--strict), and the summary only when something fails.",
    ),
    statistics: bool = typer.Option(
        False,
        "--statistics",
        help="Print how many relations have each verdict and each reason, instead of the "
        "relations (text or json).",
    ),
    activation: Activation | None = typer.Option(
        None,
        help="Activation of the hidden layers (default sigmoid, or what the document's forward "
        "pass writes; a directive may change it).",
        show_default=False,
    ),
    loss: Loss | None = typer.Option(
        None,
        help="Loss (default mse, or what the document's cost definition writes; a directive "
        "may change it).",
        show_default=False,
    ),
    output_activation: OutputActivation | None = typer.Option(
        None,
        help=OUTPUT_ACTIVATION_HELP + " A directive output-activation=… may change it.",
        show_default=False,
    ),
    network: Kind | None = typer.Option(
        None,
        help="Default network, general or single (a directive may change it).",
        show_default=False,
    ),
    targets: Targets | None = typer.Option(
        None,
        help="What the targets satisfy: any (default); distribution (Σ_j y_ij = 1, y ≥ 0); "
        "one-hot. A directive may change it.",
        show_default=False,
    ),
    timeout: float | None = typer.Option(
        None,
        help=f"Seconds allowed to decide each relation (default {TIMEOUT:g}; a worker still busy a "
        "second later is killed, and the relation is unknown).",
        show_default=False,
    ),
    memory: int | None = typer.Option(
        None,
        help="Megabytes of address space each worker may add to what it starts with (default "
        f"{MEMORY_MB}, at least 256); a relation that needs more is unknown.",
        show_default=False,
    ),
    jobs: int | None = typer.Option(
        None,
        help="Worker processes deciding relations in parallel (default 0: one per core; never "
        "more than the cores).",
        show_default=False,
    ),
    exclude: list[str] | None = typer.Option(
        None,
        "--exclude",
        metavar="PATTERN",
        help="Also skip what this gitignore-style pattern matches (repeatable), on top of the "
        "configuration's exclude and extend-exclude.",
        show_default=False,
    ),
    force_exclude: bool | None = typer.Option(
        None,
        "--force-exclude/--no-force-exclude",
        help="Apply the exclusions (and .gitignore) to files named on the command line too, "
        "as a pre-commit hook wants.",
        show_default=False,
    ),
    respect_gitignore: bool | None = typer.Option(
        None,
        "--respect-gitignore/--no-respect-gitignore",
        help="Skip what .gitignore files ignore (default: yes).",
        show_default=False,
    ),
    allow_empty: bool | None = typer.Option(
        None,
        "--allow-empty/--no-allow-empty",
        help="Exit 0 when there is nothing to check (no file, or no relation), not 5.",
        show_default=False,
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Neither read nor write the cache (.derivator_cache)."
    ),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        help="Where the cache lives (default .derivator_cache in the project root, or "
        "$DERIVATOR_CACHE_DIR).",
        show_default=False,
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Read the settings from this file (pyproject.toml with [tool.derivator], or "
        "derivator.toml) instead of the one found from the working folder up.",
        show_default=False,
    ),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every configuration file."),
    show_settings: bool = typer.Option(
        False,
        "--show-settings",
        help="Print every setting and where it came from (default, file:line, command line), "
        "then exit.",
    ),
    show_files: bool = typer.Option(
        False, "--show-files", help="Print the files that would be checked, then exit."
    ),
    color: bool | None = typer.Option(
        None,
        "--color/--no-color",
        help="Colour the text output (default: on a terminal, unless NO_COLOR is set).",
        show_default=False,
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Print (on standard error) the settings and where they came from, then what was "
        "inferred about each file's letters, layer tags, weights and cost, and from which line.",
    ),
) -> None:
    """Check every relation in hand-written derivations: proved, refuted (with a counterexample),
    unknown, skipped or error.

    Settings come from [tool.derivator] in pyproject.toml (or derivator.toml), found from the
    working folder up; the command line overrides them.  Verdicts are cached in .derivator_cache/.

    Exit status: 0 nothing fails; 1 a relation is refuted or unreadable (or unknown, with
    --strict); 2 usage error, bad configuration or a file that cannot be read; 5 nothing to
    check (no file or no relation; see --allow-empty); 130/143 interrupted (SIGINT/SIGTERM).
    """
    from ..document import discover
    from ..document.config import ConfigError, load

    cli: dict[str, Any] = {
        "format": format.value if format else None,
        "strict": strict,
        "activation": activation.value if activation else None,
        "loss": loss.value if loss else None,
        "output-activation": output_activation.value if output_activation else None,
        "network": network.value if network else None,
        "targets": targets.value if targets else None,
        "timeout": timeout,
        "memory": memory,
        "jobs": jobs,
        "force-exclude": force_exclude,
        "respect-gitignore": respect_gitignore,
        "allow-empty": allow_empty,
        "cache": False if no_cache else None,
        "cache-dir": str(cache_dir) if cache_dir is not None else None,
    }
    try:
        cfg = load(path=config, isolated=isolated, cli=cli)
        if exclude:
            cfg.extend("extend-exclude", exclude)
    except ConfigError as e:
        raise _fail(str(e)) from e
    if show_settings:
        typer.echo(cfg.show())
        raise typer.Exit()
    fmt = CheckFormat(cfg["format"])
    if statistics and fmt not in (CheckFormat.text, CheckFormat.json):
        raise _fail("--statistics prints text or json")
    if explain:
        typer.echo(cfg.show(), err=True)
    names = [DASHED.get(f, f) for f in files] if files else ["."]
    found = discover.find(names, cfg)
    if show_files:
        for f in found.files:
            typer.echo(f)
        raise typer.Exit()
    allow = bool(cfg["allow-empty"])
    if not found.files:
        if allow:
            _print_empty(fmt, statistics)
            raise typer.Exit()
        skipped = (
            f" ({len(found.skipped)} skipped by exclude or .gitignore)" if found.skipped else ""
        )
        raise _fail(
            f"no Markdown or LaTeX file to check in {', '.join(names)}{skipped}; "
            "--show-files lists what would be checked, --allow-empty accepts nothing",
            NO_RELATIONS,
        )
    _check(
        found.files,
        cfg,
        fmt,
        quiet=quiet,
        statistics=statistics,
        color=color,
        explain=explain,
        found_warnings=found.warnings,
    )


def _print_empty(fmt: CheckFormat, statistics: bool) -> None:
    """What a format prints for no results at all (valid JSON, SARIF, XML; nothing for text)."""

    if fmt is CheckFormat.text:
        return
    typer.echo(_render(fmt, [], [], 0.0, strict=False, statistics=statistics, root=None), nl=True)


def _render(
    fmt: CheckFormat,
    results: list,
    warnings: list[str],
    elapsed: float,
    *,
    strict: bool,
    statistics: bool,
    root: str | None,
) -> str:
    from ..document import report

    if statistics:
        return report.statistics(results, as_json=fmt is CheckFormat.json)
    if fmt is CheckFormat.json:
        return report.as_json(results, warnings=warnings, seconds=elapsed)
    if fmt is CheckFormat.jsonl:
        return report.json_lines(results)
    if fmt is CheckFormat.sarif:
        return report.sarif(results, strict=strict, warnings=warnings, root=root)
    if fmt is CheckFormat.github:
        return report.github(results, strict=strict, warnings=warnings)
    return report.junit(results, strict=strict, seconds=elapsed)


def _check(
    names: list[str],
    cfg: Any,
    fmt: CheckFormat,
    *,
    quiet: bool,
    statistics: bool,
    color: bool | None,
    explain: bool,
    found_warnings: list[str] | None = None,
) -> None:
    from ..document import cache, report

    strict = bool(cfg["strict"])
    store = cache.Cache.open(cfg.cache_dir()) if cfg["cache"] else None
    t0 = time.perf_counter()
    checked = _check_interruptibly(names, cfg, store)
    elapsed = time.perf_counter() - t0
    results = checked.results
    warnings = (
        (found_warnings or [])
        + checked.warnings
        + ([store.problem] if store and store.problem else [])
    )
    reported = fmt is CheckFormat.text and not statistics  # the text report shows it, once
    for r in results:
        if r.unreadable and not reported:
            where = f"{r.file}:{r.line}" if r.at else r.file
            typer.echo(report.visible(f"Error: {where}: {r.reason}"), err=True)
    if explain:
        typer.echo(report.visible("\n".join(checked.explanations)), err=True)
    bad = {"refuted", "error"} | ({"unknown"} if strict else set())
    failed = any(r.verdict in bad for r in results)
    if fmt is CheckFormat.text and not statistics:
        if failed or not quiet:  # quiet and nothing fails: nothing to say
            _print_text(results, warnings, elapsed, color=color, quiet=quiet, strict=strict)
    else:
        if fmt not in (CheckFormat.github, CheckFormat.sarif) or statistics:
            for w in warnings:  # text, github and sarif carry the warnings themselves
                typer.echo(report.visible(f"warning: {w}"), err=True)
        typer.echo(
            _render(
                fmt,
                results,
                warnings,
                elapsed,
                strict=strict,
                statistics=statistics,
                root=os.getcwd(),
            )
        )
    _exit(checked, names, failed=failed, allow_empty=bool(cfg["allow-empty"]))


def _batch_options(cfg: Any) -> Any:
    """The checker's options (``document.batch.Options``) from the merged configuration."""
    from ..document import batch

    return batch.Options(
        activation=cfg["activation"],
        loss=cfg["loss"],
        network=cfg["network"],
        targets=cfg["targets"],
        output_activation=cfg["output-activation"],
        stated=cfg.stated(),
        directives=tuple(cfg.directives().items()),
        timeout=cfg["timeout"],
        jobs=cfg["jobs"],
        memory=cfg["memory"] << 20,
    )


def _check_interruptibly(names: list[str], cfg: Any, store: Any) -> Any:
    """Check the files; SIGINT and SIGTERM stop the checking (the results decided so far are
    kept, ``checked.stopped`` says by which signal), and a bad directive in the configuration is
    reported at its place in the configuration."""
    from ..document import batch

    def stop(signum: int, frame: object) -> None:
        from ..document.results import Stop

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stop(signum)

    options = _batch_options(cfg)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        return batch.check_paths(
            names, options, store, stdin=sys.stdin.buffer if sys.stdin else None
        )
    except batch.DirectiveError as e:
        message = str(e).split(": ", 1)[-1] if str(e).startswith("directive ") else str(e)
        raise _fail(f"{cfg.source(e.key)}: {e.key} = {cfg[e.key]!r}: {message}") from e
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # printing is run()'s to interrupt
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _print_text(
    results: list,
    warnings: list[str],
    elapsed: float,
    *,
    color: bool | None,
    quiet: bool,
    strict: bool,
) -> None:
    """The text report, in colour on a terminal unless NO_COLOR is set (or --color says)."""
    from ..document import report

    use_color = (
        color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    )
    typer.echo(
        report.text(
            results,
            color=use_color,
            quiet=quiet,
            strict=strict,
            seconds=elapsed,
            warnings=warnings,
        ),
        color=use_color,
    )


def _exit(checked: Any, names: list[str], *, failed: bool, allow_empty: bool) -> None:
    """The exit status (EXIT_CODES): interrupted, unreadable, failed, or nothing to check."""
    if checked.stopped is not None:
        name = signal.Signals(checked.stopped).name
        typer.echo(
            f"interrupted by {name}: printed the {len(checked.results)} results decided before it",
            err=True,
        )
        raise typer.Exit(128 + checked.stopped)
    if checked.unreadable:
        raise typer.Exit(2)
    if failed:
        raise typer.Exit(1)
    if not checked.results and not allow_empty:
        typer.echo(
            f"Error: no relation found in {len(names)} file{'s' if len(names) != 1 else ''} "
            "(no math block with = in them); --allow-empty accepts that",
            err=True,
        )
        raise typer.Exit(NO_RELATIONS)


def clean(
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        help="The cache to remove (default: the project's, as check finds it).",
        show_default=False,
    ),
    config: Path | None = typer.Option(
        None, "--config", help="The configuration that names the cache.", show_default=False
    ),
) -> None:
    """Remove the cache of check (.derivator_cache), as ruff clean does."""
    from ..document import cache
    from ..document.config import ConfigError, load

    try:
        cfg = load(
            path=config, cli={"cache-dir": str(cache_dir) if cache_dir is not None else None}
        )
    except ConfigError as e:
        raise _fail(str(e)) from e
    folder = cfg.cache_dir()
    if cache.clean(folder):
        typer.echo(f"removed {folder}")
    elif folder.exists():
        raise _fail(f"{folder} is not a derivator cache (no CACHEDIR.TAG of derivator): left alone")
    else:
        typer.echo(f"no cache at {folder}")
