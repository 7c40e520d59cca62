"""In Markdown, bare display environments and ``\\(…\\)`` are read; math-looking environments that
are not read are named in a warning.

Before, a wrong relation in a bare ``\\begin{equation}``, ``\\begin{align}``/``align*`` (as Jupyter
and many blogs write them) or ``\\(…\\)`` gave "0 relations": nothing said it was not checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derivator.cli.app import app

WRONG = r"\frac{\partial L}{\partial z_{ij}^{(L)}} = 3\, z_{ij}^{(L)}"
RIGHT = r"z_{ij}^{(L)} = \sum_k w_{jk}^{(L)} a_{ik}^{(L-1)} + b_j^{(L)}"


def _check(tmp_path: Path, text: str) -> tuple[int, dict, str]:
    src = tmp_path / "notes.md"
    src.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(src), "--no-cache", "--format", "json"])
    return result.exit_code, json.loads(result.stdout), result.output


@pytest.mark.parametrize(
    "opener, closer",
    [
        ("\\begin{equation}\n", "\n\\end{equation}"),
        ("\\begin{align}\n", "\n\\end{align}"),
        ("\\begin{align*}\n", "\n\\end{align*}"),
        ("Inline \\(", "\\) in a sentence."),
    ],
)
def test_a_wrong_relation_in_a_bare_environment_is_refuted(
    tmp_path: Path, opener: str, closer: str
) -> None:
    code, data, out = _check(tmp_path, f"# Notes\n\n{opener}{WRONG}{closer}\n")
    verdicts = [(r["line"], r["verdict"]) for r in data["results"]]
    assert code == 1 and verdicts == [(3, "refuted")], out


def test_an_aligned_environment_is_read_row_by_row(tmp_path: Path) -> None:
    text = f"# Notes\n\n\\begin{{align}}\n{RIGHT.replace(' = ', ' &= ')}\n\\end{{align}}\n"
    code, data, out = _check(tmp_path, text)
    assert code == 0 and [r["verdict"] for r in data["results"]] == ["defined"], out


def test_a_math_looking_environment_not_read_is_named(tmp_path: Path) -> None:
    text = f"# Notes\n\n$${RIGHT}$$\n\n\\begin{{cases}} 1 & x > 0 \\end{{cases}}\n"
    code, data, out = _check(tmp_path, text)
    assert code == 0, out
    assert any(
        "notes.md:5:1" in w and "\\begin{cases}" in w and "not read" in w for w in data["warnings"]
    ), data["warnings"]


def test_an_environment_inside_dollars_is_read_once(tmp_path: Path) -> None:
    text = f"# Notes\n\n$$\\begin{{aligned}}{RIGHT.replace(' = ', ' &= ')}\\end{{aligned}}$$\n"
    code, data, out = _check(tmp_path, text)
    assert code == 0 and len(data["results"]) == 1 and not data["warnings"], out
