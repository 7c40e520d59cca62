"""The notebook in docs/ runs, and shows what a notebook user should see: the formulas as a table
with their verdicts, gradients in the article's notation (σ′, never \\operatorname{Tanh'}), a
refutation with its counterexample.

Each code cell runs in one fresh Python process, offline, as a kernel would run it: the cell's
last expression is displayed, so its rich representations (HTML, Markdown, LaTeX, as IPython
asks for them) are collected and checked here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "quickstart.ipynb"

#: runs the notebook's code cells in order and prints, per cell, what a notebook would display
KERNEL = r"""
import ast, json, sys

cells = json.load(sys.stdin)
scope = {}
shown = []
for source in cells:
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), scope)
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), scope) if last else None
    reprs = {"text/plain": repr(value)} if value is not None else {}
    for mime, method in (
        ("text/html", "_repr_html_"),
        ("text/markdown", "_repr_markdown_"),
        ("text/latex", "_repr_latex_"),
    ):
        if hasattr(value, method):
            out = getattr(value, method)()
            if out is not None:
                reprs[mime] = out
    shown.append(reprs)
print(json.dumps(shown))
"""


@pytest.fixture(scope="module")
def displayed() -> list[dict[str, str]]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", KERNEL],
        input=json.dumps(cells),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.splitlines()[-1])
    assert len(shown) == len(cells)
    return shown


def test_the_notebook_is_stored_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_a_gradient_shows_in_the_articles_notation(displayed: list[dict[str, str]]) -> None:
    latex = displayed[1]["text/latex"]
    assert r"\sigma'" in latex and "operatorname" not in latex and "Tanh" not in latex, latex
    # entries as the formulas table writes them, z_{ik}^{(L-1)}, not SymPy's {z^{(L-1)}}_{i,k}
    assert r"z_{ik}^{(L-1)}" in latex and r"a_{im}^{(L-2)}" in latex and "}_{i," not in latex, latex


def test_the_formulas_show_as_a_table_with_verdicts(displayed: list[dict[str, str]]) -> None:
    table = displayed[2]
    assert table["text/html"].startswith("<table") and table["text/html"].count("<tr>") == 10
    assert table["text/html"].count("✓ proved") == 9
    rows = table["text/markdown"].splitlines()
    assert rows[0] == "| | form | formula | verdict |" and len(rows) == 11
    assert all("✓ proved" in row for row in rows[2:])
    assert r"\begin{array}" in table["text/latex"] and r"\sigma'" in table["text/latex"]


def test_the_missing_sum_is_refuted_with_its_sizes(displayed: list[dict[str, str]]) -> None:
    sizes = displayed[3]["text/plain"]
    assert "'n'" in sizes and "'L'" in sizes, sizes


def test_the_generated_gradients_have_the_shapes_of_the_parameters(
    displayed: list[dict[str, str]],
) -> None:
    assert displayed[4]["text/plain"] == "[((4, 3), (4,)), ((2, 4), (2,))]"
