"""Notebooks: ``check nb.ipynb`` reads the Markdown cells, places each result
by cell and line, and refuses a file that is not a notebook with a clear message (exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "check-result.schema.json").read_text(encoding="utf-8"))


def _notebook(path: Path) -> Path:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": ["x = 1  # $a = b$ is code\n"]},
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# Sigmoid\n", "\n", "$$\\sigma'(x) = \\sigma(x)(1-\\sigma(x))$$\n"],
        },
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "A wrong one:\n\n$$\\sigma'(x) = \\sigma(x)(1+\\sigma(x))$$\n\n$$a = \\foo$$",
        },
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derivator", "check", "--no-cache", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_markdown_cells_are_read_and_placed_by_cell_and_line(tmp_path: Path) -> None:
    _notebook(tmp_path / "nb.ipynb")
    out = _check("--format", "json", "nb.ipynb", cwd=tmp_path)
    data = json.loads(out.stdout)
    jsonschema.validate(data, SCHEMA)
    got = [(r["cell"], r["line"], r["verdict"]) for r in data["results"]]
    assert got == [(2, 3, "proved"), (3, 3, "refuted"), (3, 5, "error")]
    assert data["results"][2]["position"] == {"line": 5, "column": 7}
    text = _check("nb.ipynb", cwd=tmp_path).stdout
    assert "nb.ipynb:cell 3:5:7" in text and "5 | $$a = \\foo$$" in text


def test_a_folder_s_notebooks_are_discovered(tmp_path: Path) -> None:
    _notebook(tmp_path / "nb.ipynb")
    out = _check("--format", "json", ".", cwd=tmp_path)
    assert {r["file"] for r in json.loads(out.stdout)["results"]} == {"nb.ipynb"}


def test_a_file_that_is_not_a_notebook_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "odd.ipynb").write_text('{"cells": 3}', encoding="utf-8")
    out = _check("bad.ipynb", "odd.ipynb", cwd=tmp_path)
    assert out.returncode == 2
    assert re.search(r"^bad\.ipynb:1\b.*\n.*not a notebook: invalid JSON", out.stdout, re.M), out
    assert re.search(r"^odd\.ipynb:1\b.*\n.*not a notebook: no list of cells", out.stdout, re.M)
    out = _check("--format", "json", "bad.ipynb", "odd.ipynb", cwd=tmp_path)  # stdout is data
    assert "bad.ipynb:1: not a notebook: invalid JSON" in out.stderr
    assert "odd.ipynb: not a notebook: no list of cells" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
