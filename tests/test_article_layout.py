"""What a reader sees on paper: every layout the ``derivator article`` options can produce, compiled
in real TeX, with no line wider than the page (``Overfull \\hbox`` over 1 pt) and no missing glyph.

Which combinations, and why not all 2 × 4 × 6 × 2 × 2 (language, --layers, activation, loss,
--proof-marks): the layout of a display depends on the formulas in it, and

* ``--layers L-3`` prints every display of L-1 … L-2 too (a layer's formulas involve only the
  layers above it, and the fallback to the shorter form decides per display), plus the deepest
  ones; L-1 is the other extreme (fewest sections, the closed forms kept at full length);
* the activation changes only the σ lines of the first chapter and the σ′ factors (every σ′ prints
  the same width: ``\\sigma'(z…)``), so each activation is compiled once, at L-1;
* the loss changes the output layer (softmax, Jacobian): both losses at both depths;
* ``--proof-marks`` widens every row: both losses at L-3 with marks;
* ``--network single`` prints a prefix of the general article's chapters (checked at L-3, en).

That is 22 documents in both languages, generated in the test's process (the proofs are shared)
and compiled two at a time.  Page and overfull counts go to ``build/test-artifacts/layout.json``, and
every page of two documents becomes a PNG there.
"""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_article import ARTIFACTS, need

from derivator.publish import article as A

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "identity", "generic")

COMBOS: list[tuple[str, dict[str, object]]] = []
for loss in ("mse", "cross-entropy"):
    for layers in ("L-1", f"L-{A.MAX_BACK}"):
        COMBOS.append((f"{loss}-{layers}", dict(loss=loss, layers=layers)))
    COMBOS.append(
        (
            f"{loss}-L-{A.MAX_BACK}-marks",
            dict(loss=loss, layers=f"L-{A.MAX_BACK}", proof_marks=True),
        )
    )
for act in ACTIVATIONS[1:]:
    COMBOS.append((f"{act}-L-1", dict(activation=act, layers="L-1")))
COMBOS.append((f"single-L-{A.MAX_BACK}", dict(network="single", layers=f"L-{A.MAX_BACK}")))

ENGINE = {"en": "pdflatex", "zh": "xelatex"}
#: the first of the two runs only writes the .aux that the second reads (\eqref): no PDF, which for
#: xelatex saves its xdvipdfmx pass (the CJK fonts embedded), a third of a Chinese compilation
DRAFT = {"pdflatex": "-draftmode", "xelatex": "-no-pdf"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, Path]]:
    """(combination, language, .tex path) of every combination, in both languages (single: en),
    generated in this process: the combinations share their proofs with each other and with the
    articles other tests of this process generated (one process costs less CPU than two, which
    proved the same formulas each)."""
    root = tmp_path_factory.mktemp("layout")
    docs = []
    for name, kw in COMBOS:
        langs = ["en"] if kw.get("network") == "single" else ["en", "zh"]
        A.generate(A.Options(**kw), langs, ["tex"], root / name)  # type: ignore[arg-type]
        docs += [(name, lang, root / name / f"{A.STEM}.{lang}.tex") for lang in langs]
    return docs


def _compile(tex: Path, engine: str) -> str:
    for draft in (True, False):  # the second run resolves \eqref, and its log is the one read
        run = subprocess.run(
            [engine, *([DRAFT[Path(engine).name]] if draft else []), "-interaction=nonstopmode"]
            + ["-halt-on-error", tex.name],
            cwd=tex.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
        assert run.returncode == 0, f"{tex}: {log[-2000:]}"
    return log


@pytest.mark.slow
def test_no_line_is_wider_than_the_page_in_any_layout(
    documents: list[tuple[str, str, Path]],
) -> None:
    need("pdflatex")
    need("xelatex")
    with ThreadPoolExecutor(max_workers=2) as pool:
        logs = list(pool.map(lambda d: _compile(d[2], ENGINE[d[1]]), documents))
    table = {}
    bad = []
    for (name, lang, _tex), log in zip(documents, logs):
        over = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
        pages = int(re.search(r"Output written on .*?\((\d+) pages?", log).group(1))  # type: ignore[union-attr]
        table[f"{name}.{lang}"] = {
            "pages": pages,
            "overfull": len(over),
            "widest_pt": max(over, default=0.0),
        }
        if any(x > 1.0 for x in over):
            bad.append((name, lang, over))
        assert "Missing character" not in log, (name, lang)
        assert "undefined" not in " ".join(re.findall(r"LaTeX Warning: Reference .*", log)), (
            name,
            lang,
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "layout.json").write_text(json.dumps(table, indent=1), encoding="utf-8")
    assert not bad, f"lines wider than the page (pt): {bad}"
    assert len(table) == 2 * len(COMBOS) - 1


@pytest.mark.slow
def test_every_page_as_png(documents: list[tuple[str, str, Path]]) -> None:
    """Full documents as pictures (not the first page only): the deepest cross-entropy article with
    proof marks, in both languages, every page."""
    pdftoppm = need("pdftoppm")
    for name, lang, tex in documents:
        if name != f"cross-entropy-L-{A.MAX_BACK}-marks":
            continue
        pdf = tex.with_suffix(".pdf")
        if not pdf.exists():
            _compile(tex, need(ENGINE[lang]))
        prefix = ARTIFACTS / f"page-{lang}"
        subprocess.run(
            [pdftoppm, "-png", "-r", "60", str(pdf), str(prefix)], check=True, timeout=120
        )
        pngs = sorted(ARTIFACTS.glob(f"page-{lang}-*.png"))
        assert len(pngs) >= 10 and all(p.stat().st_size > 5_000 for p in pngs)
