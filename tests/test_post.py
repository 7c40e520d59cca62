"""``derivator render``: a writer's template with gradient(), chain(), matrix_form() and ref() calls.

What a writer sees: the README's own example renders, ``derivator check`` proves every relation
of the result, equations are numbered and references point at them in every format, the LaTeX
version compiles in real TeX, and every way a template can go wrong ends with ``file:line`` and
exit status 1 (never a traceback, never Python reached from the template).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_article import need
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.document import check
from derivator.publish import blocks

ROOT = Path(__file__).resolve().parents[1]


def readme_example() -> str:
    """The ten-line template of the README (so that the README cannot go stale)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own posts", 1)[1]
    return section.split("```jinja\n", 1)[1].split("```", 1)[0]


def render(tmp_path: Path, name: str, text: str, *args: str) -> tuple[int, str, Path]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(src), *args])
    return result.exit_code, result.output, src.with_name(name[: -len(".j2")])


@pytest.mark.parametrize("activation, loss", [("sigmoid", "mse"), ("tanh", "cross-entropy")])
def test_readme_example_renders_and_checks_clean(
    tmp_path: Path, activation: str, loss: str
) -> None:
    example = readme_example()
    assert len(example.strip().splitlines()) <= 10
    code, out, md = render(
        tmp_path, "post.md.j2", example, "--activation", activation, "--loss", loss
    )
    assert code == 0, out
    text = md.read_text(encoding="utf-8")
    assert "{{" not in text and text.count("$$") == 6
    assert [int(n) for n in re.findall(r"\\tag\{(\d+)\}", text)] == [1, 2, 3]
    # the reference to the later display (label m) is resolved, as is the earlier one
    assert "Entry by entry, (1) is the second line of (3)" in text
    results = check.check_text(
        str(md), f"<!-- derivator: activation={activation} loss={loss} -->\n" + text, check.Run()
    )
    assert len(results) >= 6
    assert all(r.verdict == "proved" for r in results), [
        (r.line, r.verdict, r.reason) for r in results
    ]


def test_tex_post_compiles_with_numbered_references(tmp_path: Path) -> None:
    body = readme_example().replace("# Backpropagation, one layer at a time", "")
    template = (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[a4paper,margin=2cm]{geometry}\n"
        "\\begin{document}\n" + body + "\\end{document}\n"
    )
    code, out, tex = render(tmp_path, "post.tex.j2", template)
    assert code == 0, out
    text = tex.read_text(encoding="utf-8")
    assert "\\eqref{eq:out}" in text and "\\label{eq:m}" in text and "$$" not in text
    pdflatex = need("pdflatex")
    for _ in range(2):  # the second run resolves \eqref
        run = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout[-2000:]
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert "undefined" not in log.lower() or "Reference" not in log
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        words = subprocess.run(
            [pdftotext, str(tex.with_suffix(".pdf")), "-"], capture_output=True, text=True
        ).stdout
        assert "Entry by entry, (1) is the second line of (3)" in words


def test_long_closed_forms_fit_a_plain_latex_article(tmp_path: Path) -> None:
    """A post in LaTeX's plain article class with every closed form and chain of a network four
    layers deep: real pdflatex reports no line wider than the page.  The closed forms are broken
    over rows as the article breaks them (there were six overfull lines, 12 pt to 158 pt)."""
    template = (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
        '{% for layer in ["L", "L-1", "L-2", "L-3"] %}\n'
        '{{ gradient("w", layer=layer, form="closed", punct=".") }}\n'
        '{{ gradient("b", layer=layer, form="closed", punct=".") }}\n'
        '{{ chain("w", layer=layer, punct=".") }}\n'
        "{% endfor %}\n"
        '{{ matrix_form("l") }}\n'
        "\\end{document}\n"
    )
    code, out, tex = render(tmp_path, "long.tex.j2", template, "--depth", "4")
    assert code == 0, out
    assert "&\\qquad \\times" in tex.read_text(encoding="utf-8")
    pdflatex = need("pdflatex")
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert re.findall(r"Overfull \\hbox \(([\d.]+)pt", log) == []


def test_html_post_escapes_math_and_links_references(tmp_path: Path) -> None:
    template = "<p>{{ gradient('b', layer='L-1', label='b') }} and {{ ref('b') }} {{ '<b>' }}</p>\n"
    code, out, html = render(tmp_path, "post.html.j2", template)
    assert code == 0, out
    text = html.read_text(encoding="utf-8")
    assert '<div class="display" id="eq-b">' in text and '<a href="#eq-b">(1)</a>' in text
    assert "&lt;b&gt;" in text  # the writer's own values are escaped, the formulas' markup is not


@pytest.mark.parametrize(
    "line2, message, at",
    [
        ('See {{ gradient("w", layer="L-7") }}', "no layer L-7", "gradient("),
        ('{{ gradient("v", layer="L") }}', "quantity 'v'", "gradient("),
        ('{{ chain("w", layer="L-7") }}', "no layer L-7", "chain("),
        ('{{ gradient("w", form="pretty") }}', "form 'pretty'", "gradient("),
        ('Cf. {{ ref("nowhere") }}', "no formula has label='nowhere'", "ref("),
        ("A {{ nope }}", "'nope' is undefined", "nope"),
        ('{{ "".__class__.__mro__ }}', "unsafe", "__class__"),
        ('{{ gradient("w" }}', "expected ')'", "}}"),
    ],
)
def test_bad_templates_fail_with_file_line_column_and_caret(
    tmp_path: Path, line2: str, message: str, at: str
) -> None:
    """As a reader's errors: ``file:line:column: why``, the template's line, a caret under the
    call that failed (or the name jinja2 names)."""
    code, out, md = render(tmp_path, "bad.md.j2", "A first line.\n" + line2 + "\n")
    assert code == 1
    column = line2.index(at) + 1
    assert f"bad.md.j2:2:{column}: " in out and message in out, out
    assert f"\n2 | {line2}\n  | {' ' * (column - 1)}^" in out, out
    assert "Traceback" not in out and not md.exists()


def test_render_checks_the_writers_own_math(tmp_path: Path) -> None:
    """The calls print proved formulas; a formula the writer typed is checked too, so a page with
    a refuted relation is never reported as proved: exit status 1, the relation listed, the page
    written (to be looked at)."""
    call = '{{ gradient("b", layer="L") }}\n\n'
    wrong = (
        "$$\n\\frac{\\partial L}{\\partial b_j^{(L)}} = \\sum_{i=0}^{n-1} \\delta_{ij}^{(L)}\n$$\n"
    )
    code, out, md = render(tmp_path, "post.md.j2", "# Post\n\n" + call + "By hand:\n\n" + wrong)
    assert code == 1, out
    assert "refutes" in out and "post.md:9: refuted" in out and "1/n is missing" in out, out
    assert md.exists()
    right = wrong.replace("= \\sum", "= \\frac{1}{n} \\sum")
    code, out, md = render(tmp_path, "post.md.j2", "# Post\n\n" + call + "By hand:\n\n" + right)
    assert code == 0, out
    assert "1 displays of proved formulas" in out and "proves the 1 relations" in out, out


@pytest.mark.parametrize(
    "name, template",
    [
        (
            "wrong.tex.j2",
            '\\section*{Mine}\n{{ gradient("b", layer="L") }}\nBy hand, '
            "$\\frac{\\partial L}{\\partial b_j^{(L)}} = \\sum_{i=0}^{n-1} \\delta_{ij}^{(L)}$.\n",
        ),
        (
            "wrong.html.j2",
            '<p>{{ gradient("b", layer="L") }}</p>\n<p>By hand, '
            "\\(\\frac{\\partial L}{\\partial b_j^{(L)}} = \\sum_{i=0}^{n-1} \\delta_{ij}^{(L)}\\) "
            "&amp; no more.</p>\n",
        ),
    ],
)
def test_a_page_with_a_wrong_formula_by_hand_is_never_reported_proved(
    tmp_path: Path, name: str, template: str
) -> None:
    """In every format a post is written in (LaTeX and HTML as Markdown): the calls' displays are
    proved, the writer's own formula typed by hand is refuted, so the command ends with status 1
    and lists it; the same page with the formula right ends with the relation proved."""
    code, out, page = render(tmp_path, name, template)
    assert code == 1 and page.exists(), out
    assert "refuted" in out and "1/n is missing" in out and "proves" not in out, out
    right = template.replace("= \\sum", "= \\frac{1}{n} \\sum")
    code, out, page = render(tmp_path, name, right)
    assert code == 0 and "proves the 1 relations of its own text" in out, out


def test_a_formula_that_is_not_proved_fails_at_its_line(tmp_path: Path) -> None:
    """With no time to prove anything, the third line's formula is not proved: the render stops there."""
    code, out, md = render(
        tmp_path, "post.md.j2", "Intro.\n\n{{ gradient('w', layer='L-1') }}\n", "--timeout", "0.001"
    )
    assert code == 1 and "post.md.j2:3:4: not proved, so not printed" in out, out
    assert not md.exists()


def test_template_name_must_say_its_format(tmp_path: Path) -> None:
    code, out, _ = render(tmp_path, "post.txt.j2", "x\n")
    assert code == 1 and "<name>.md.j2" in out


def test_cross_entropy_closed_forms_of_a_deep_network_render_and_check(tmp_path: Path) -> None:
    """``--loss cross-entropy`` four layers deep: the closed form of ∂L/∂w^(L-2) has two sums
    over j (once for the softmax's Σ_j′ y_ij′, once in a term of its own).  The engine's normal
    form named the bound index of a sum over layer L − 1 in one term and over layer L in the other
    alike, and the prover refused its own formula ("one letter used for two different ranges");
    now every display renders, each letter runs over one range, and ``derivator check`` proves
    the page."""
    template = "".join(
        f'{{{{ gradient("{q}", layer="{layer}", form="closed") }}}}\n\n'
        for layer in ("L-1", "L-2", "L-3")
        for q in ("w", "b")
    )
    code, out, md = render(
        tmp_path, "deep.md.j2", template, "--loss", "cross-entropy", "--depth", "4"
    )
    assert code == 0, out
    text = md.read_text(encoding="utf-8")
    for display in text.split("$$")[1::2]:
        ranges: dict[str, set[str]] = {}
        for letter, top in re.findall(
            r"\\sum_\{([a-z]'*)=0\}\^\{([^{}]*(?:\{[^{}]*\})?[^{}]*)\}", display
        ):
            ranges.setdefault(letter, set()).add(top)
        assert all(len(tops) == 1 for tops in ranges.values()), (ranges, display)
    assert "\\sum_{j'=0}" in text  # the softmax's second sum over layer L
    results = check.check_text(
        str(md), "<!-- derivator: loss=cross-entropy -->\n" + text, check.Run()
    )
    assert len(results) == 6 and all(r.verdict == "proved" for r in results), [
        (r.line, r.verdict, r.reason) for r in results
    ]


def test_a_row_never_ends_with_a_sign_or_a_coefficient() -> None:
    """A long right side is broken before a factor (× starts the row) or before a term's sign,
    never after the sign or the coefficient of a term: "… y_ij′ − 1/n" then "× Σ …" read as a
    product of the two rows (cross-entropy, two layers down)."""
    rhs = (
        "\\frac{1}{n} \\sum_{i=0}^{n-1} \\sum_{j=0}^{n_{(L)}-1} a_{ij}^{(L)} w_{jk}^{(L)} "
        "\\sigma'(z_{ik}^{(L-1)}) y_{ij'} - \\frac{1}{n} \\sum_{i=0}^{n-1} "
        "\\sum_{j=0}^{n_{(L)}-1} w_{jk}^{(L)} \\sigma'(z_{ik}^{(L-1)}) y_{ij} + 2 a_{ij}^{(L)}"
    )
    for room in range(4, 60):
        rows = blocks.break_rows(rhs, room)
        assert " ".join(r.removeprefix("\\times ") for r in rows) == rhs, room
        for row in rows[:-1]:
            last = row.rsplit(" ", 1)[-1]
            assert last not in ("-", "+", "2", "\\frac{1}{n}") and not last.startswith("\\sum")
