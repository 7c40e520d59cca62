"""What an engineer checks before adopting the package: types (mypy), lint and format (ruff), the
API's examples (doctests), names, self-contained documentation, and a command line that reads at
80 columns.  The counts are printed on failure, so that a regression shows how many findings."""

from __future__ import annotations

import ast
import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derivator"


def _tool(name: str) -> list[str]:
    """The command of a checker, or a skip with the reason (only outside CI: CI installs it)."""
    exe = shutil.which(
        name, path=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    )
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed (the test extra installs it)")
        pytest.skip(f"{name} is not installed (pip install '.[test]'); CI runs this check")
    return [exe]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


# ---------------------------------------------------------------------------------------------
# types, lint, format


def test_mypy_finds_no_error() -> None:
    """The configuration ([tool.mypy] in pyproject.toml) checks the bodies of untyped functions
    too, and reports ignores that no longer ignore anything."""
    done = _run([*_tool("mypy"), "--no-incremental", "--cache-dir", os.devnull])
    assert done.returncode == 0 and "Success: no issues found" in done.stdout, (
        done.stdout[-6000:] + done.stderr[-2000:]
    )


def test_ruff_finds_nothing_and_the_code_is_formatted() -> None:
    ruff = _tool("ruff")
    lint = _run([*ruff, "check", "--no-cache", "--output-format", "concise", "."])
    assert lint.returncode == 0, lint.stdout[-6000:]
    fmt = _run([*ruff, "format", "--check", "--no-cache", "."])
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def test_the_lint_selection_is_the_one_we_stand_behind() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    selected = set(config["tool"]["ruff"]["lint"]["select"])
    assert {"F", "E", "W", "I", "B", "UP"} <= selected, selected
    assert config["tool"]["mypy"]["check_untyped_defs"] is True


# ---------------------------------------------------------------------------------------------
# the API's examples


@pytest.mark.parametrize("module", ["derivator.api", "derivator.engine.outcome"])
def test_the_examples_in_the_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0, result


# ---------------------------------------------------------------------------------------------
# names


def test_no_module_is_imported_under_a_one_letter_name() -> None:
    """``import … as P`` made ``P`` the parser in one module and Partial in another; a module is
    imported under its own name (the conventions of NumPy, SymPy and ElementTree excepted)."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    module = (
                        alias.name
                        if isinstance(node, ast.Import)
                        else f"{node.module or ''}.{alias.name}"
                    )
                    is_module = isinstance(node, ast.Import) or alias.name.islower()
                    short = alias.asname is not None and len(alias.asname) <= 2
                    if short and is_module and alias.asname not in CONVENTIONAL:
                        wrong.append(
                            f"{path.relative_to(ROOT)}:{node.lineno} {module} as {alias.asname}"
                        )
    assert not wrong, "\n".join(wrong)


CONVENTIONAL = ("np", "sp", "ET")

NOTES = re.compile(r"\b(?:issue|session)s? ?#?\d+", re.I)


def _tracked(*suffixes: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [
        ROOT / p
        for p in listed.stdout.split("\0")
        if p.endswith(suffixes) and not p.startswith(("output/", "tests/corpus/"))
    ]


def test_no_internal_issue_or_session_notes_in_code_docs_or_test_names() -> None:
    """The history of the work belongs in the history (git), not in what a user reads."""
    wrong = []
    for path in _tracked(".py", ".md", ".j2", ".toml", ".yaml"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if NOTES.search(line) and path != Path(__file__):
                wrong.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not wrong, "\n".join(wrong[:40]) + f"\n({len(wrong)} lines)"


# ---------------------------------------------------------------------------------------------
# documentation that stands on its own


def test_the_docs_and_readme_link_only_to_files_in_the_repository() -> None:
    """Every relative link of README.md and docs/*.md names a file that exists, and nothing points
    at ../shared (outside the repository: a user's checkout does not have it)."""
    wrong = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        if "../shared" in text:
            wrong.append(f"{doc.relative_to(ROOT)} mentions ../shared")
        # code and math may look like links (a^{[l](i)}): links are read outside them
        prose = re.sub(r"```.*?```|`[^`\n]*`|\$[^$\n]*\$", "", text, flags=re.S)
        # a target names a file (a dot or a slash in it): z^{[l](i)} in prose is no link
        for target in re.findall(r"\[[^\]\n]*\]\(([^)\s]*[./][^)\s]*)\)", prose):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (doc.parent / target.split("#")[0]).exists():
                wrong.append(f"{doc.relative_to(ROOT)} links to {target}, which does not exist")
    assert not wrong, "\n".join(wrong)


def test_the_docs_hold_what_a_user_needs() -> None:
    docs = ROOT / "docs"
    for page, words in {
        "notation.md": ["σ′", "L-1", "n_{(l)}", "δ"],
        "directives.md": ["derivator:", "activation=", "loss=", "letters=", "skip"],
        "check-output.md": [
            "proved",
            "refuted",
            "unknown",
            "skipped",
            "error",
            "check-result.schema.json",
        ],
    }.items():
        text = (docs / page).read_text(encoding="utf-8")
        missing = [w for w in words if w not in text]
        assert not missing, (page, missing)
    from derivator.document import check, conventions

    directives = (docs / "directives.md").read_text(encoding="utf-8")
    keys = [*check.DIRECTIVE_KEYS, *conventions.KEYS]
    assert not [k for k in keys if f"`{k}`" not in directives], keys


def test_the_package_is_licensed_and_typed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert (PACKAGE / "py.typed").exists()
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["derivator"]


def test_every_imported_package_is_declared() -> None:
    """A package the code imports at its top level or in a function is a dependency (optional
    ones, imported only where a feature needs them, are named here)."""
    optional = {"sklearn", "cairosvg"}  # the digits data set; a PNG renderer
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {re.split(r"[<>=~\[ ]", d)[0].lower() for d in config["project"]["dependencies"]}
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "derivator"}
    missing = third_party - declared - optional
    assert not missing, missing


# ---------------------------------------------------------------------------------------------
# the command line at 80 columns


COMMANDS = ["", "formulas", "verify", "check", "article", "codegen", "train", "render"]


def _help(command: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "derivator", *([command] if command else []), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_at_80_columns(command: str) -> None:
    text = _help(command)
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert not wide, "\n".join(wide)
    assert "─" not in text and "│" not in text, text  # options on lines of their own, not a table


def test_shell_completion_is_offered() -> None:
    text = _help("")
    assert "--install-completion" in text and "--show-completion" in text


def test_verify_offers_only_the_formats_it_prints() -> None:
    text = _help("verify")
    assert "<text|json>" in text and "latex" not in text


def test_train_shows_the_defaults_of_its_data_sets() -> None:
    """--lr, --epochs and --batch-size depend on the data set; the help says each, as the
    trainer's own table has them."""
    from derivator.codegen import train

    text = " ".join(_help("train").split())
    for option, field in (("--lr", "lr"), ("--epochs", "epochs"), ("--batch-size", "batch_size")):
        shown = re.search(rf"{option} <\w+> .*?\[default: \((.*?)\)\]", text)
        assert shown, (option, text)
        for name, settings in train.DEFAULTS.items():
            assert f"{name} {getattr(settings, field):g}" in shown.group(1), (
                option,
                shown.group(1),
            )


# ---------------------------------------------------------------------------------------------
# functions a reader takes in at once

#: lines of a function's body (its signature, a typer command's option table, and its docstring
#: not counted) beyond which it is split into steps named for what they do
LONGEST_BODY = 80
#: functions still longer, each with why it is not split yet (none now: add one only with a reason)
LONG_FUNCTIONS: dict[str, str] = {}


def _bodies() -> dict[str, int]:
    out: dict[str, int] = {}

    def walk(node: ast.AST, path: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = child.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                ):
                    body = body[1:]
                length = (child.end_lineno or 0) - body[0].lineno + 1 if body else 0
                out[f"{path}:{prefix}{child.name}"] = length
                walk(child, path, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, path, f"{prefix}{child.name}.")
            else:
                walk(child, path, prefix)

    for file in sorted(PACKAGE.rglob("*.py")):
        walk(ast.parse(file.read_text(encoding="utf-8")), str(file.relative_to(PACKAGE)), "")
    return out


def test_no_function_runs_past_the_limit() -> None:
    bodies = _bodies()
    long = {name: n for name, n in bodies.items() if n > LONGEST_BODY}
    assert set(long) <= set(LONG_FUNCTIONS), {
        k: v for k, v in long.items() if k not in LONG_FUNCTIONS
    }
    stale = [name for name in LONG_FUNCTIONS if bodies.get(name, 0) <= LONGEST_BODY]
    assert not stale, f"split now, take them off LONG_FUNCTIONS: {stale}"
