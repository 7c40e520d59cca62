"""``derivator check DIR`` reads only what lies inside DIR.

Before, a symbolic link in DIR to a file outside it was read, and the outside file's text was
printed in the notes of its results.  Now the link is left out with a warning that names it; a
link to a file inside DIR is read (once).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from derivator.cli.app import app

WRONG = "$$\\frac{\\partial L}{\\partial b_j^{(L)}} = 42 \\cdot SECRETWORD$$\n"
RIGHT = "# Notes\n\n$$z_{ij}^{(L)} = \\sum_k w_{jk}^{(L)} a_{ik}^{(L-1)} + b_j^{(L)}$$\n"


def _tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\n" + WRONG, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text(RIGHT, encoding="utf-8")
    (docs / "leak.md").symlink_to(outside / "secret.md")
    (docs / "again.md").symlink_to(docs / "notes.md")
    return docs


def test_a_symlink_out_of_the_folder_is_not_read(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    result = CliRunner().invoke(app, ["check", str(docs), "--no-cache"])
    out = result.output
    assert "SECRETWORD" not in out and "42" not in out, out
    assert "leak.md: a symbolic link to a file outside" in out and "not read" in out, out
    assert "Traceback" not in out


def test_the_warning_is_in_the_json_report_and_a_link_inside_is_read_once(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    shown = CliRunner().invoke(app, ["check", str(docs), "--show-files"]).output.split()
    assert [Path(p).name for p in shown] == ["again.md"], shown  # notes.md is the same file
    result = CliRunner().invoke(app, ["check", str(docs), "--no-cache", "--format", "json"])
    data = json.loads(result.stdout)
    assert any("leak.md" in w and "outside" in w for w in data["warnings"]), data["warnings"]
    assert "SECRETWORD" not in result.output
