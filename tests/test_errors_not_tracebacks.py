"""Bad input is an error with its place, never a traceback.

The template cases (a template that includes or extends itself, ``{{(2**10000000)|string}}``,
private-use characters in an article template) are in test_template_safety.py; here are the
reader's: a superscript digit in an index (before: "invalid literal for int()" with no position)
and macros that call themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from derivator.cli.app import app


@pytest.mark.parametrize(
    "name, text, where, message",
    [
        ("a.md", "# x\n\n$$a_{i²}^{(L)} = 1$$\n", "a.md:3:7", "superscript digit"),
        ("b.md", "# x\n\n$$z_{³j}^{(L)} = 1$$\n", "b.md:3:6", "superscript digit"),
        (
            "c.tex",
            "\\newcommand{\\foo}{\\foo x}\n\\begin{document}\n$$\\foo = 1$$\n\\end{document}\n",
            "c.tex:3:3",
            "\\foo",
        ),
        (
            "d.md",
            "# x\n\n$$\\newcommand{\\A}{\\B}\\newcommand{\\B}{\\A} \\A = 2$$\n",
            "d.md:3:3",
            "macro",
        ),
    ],
)
def test_bad_input_is_an_error_at_its_place(
    tmp_path: Path, name: str, text: str, where: str, message: str
) -> None:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(src), "--no-cache"])
    out = result.output
    assert result.exit_code == 1 and where in out and message in out, out
    assert "Traceback" not in out and "invalid literal" not in out
