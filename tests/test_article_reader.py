"""What a reader and a teacher check in the article's variants (issue: articles a learner can play
with and a teacher publishes as is): the single-network article keeps its promises, the listing's
prose matches the code, Chinese names layers as a native reader does, each activation is described
as it is, exercises are numbered with slips refuted and answers hidden, long closed forms are
printed whole, the operation counts of "why backpropagation is fast" are those of running the
three algorithms, and the HTML keeps inline math with its punctuation.

The default article is read from the committed ``output/`` (``test_article`` holds it to what the
generator writes), so nothing here builds it again; the variants are built once per session.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import inprocess
import numpy as np
import pytest
from test_article import ARTIFACTS, JS, need, need_npm
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.publish import article as A
from derivator.publish import learner, worked

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output"


def _read(folder: Path, lang: str, fmt: str) -> str:
    return (folder / f"{A.STEM}.{lang}.{fmt}").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``--network single`` in both languages and every format."""
    out = tmp_path_factory.mktemp("single")
    A.generate(A.Options(network="single"), list(A.LANGS), list(A.FORMATS), out)
    return out


@pytest.fixture(scope="session")
def activations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The single-neuron chapter (where σ is described) for tanh and relu, Markdown only."""
    out = {}
    for act in ("tanh", "relu"):
        out[act] = tmp_path_factory.mktemp(act)
        A.generate(A.Options(network="single", activation=act), list(A.LANGS), ["md"], out[act])
    return out


def _section(md: str, start: str) -> str:
    """The text of the section that starts with heading ``start`` (up to the next ``## ``)."""
    at = md.index(start)
    end = md.find("\n## ", at + len(start))
    return md[at : end if end > 0 else len(md)]


# ---------------------------------------------------------------------------------------------
# 1. --network single


@pytest.mark.slow
def test_single_network_article_promises_only_what_it_has(single: Path) -> None:
    for lang, promise, notation in (
        ("en", "then the same steps are repeated for layers with", "## Notation"),
        ("zh", "再把同样的步骤搬到每层有许多神经元", "## 记号"),
    ):
        md = _read(single, lang, "md")
        assert promise not in md
        assert "## Matrix form" not in md and "## 矩阵形式" not in md
        # the notation lists only what the chain uses: no neuron indices, widths or a_ij
        words = _section(md, notation)
        for unused in ("$j$", "$k$", "$m$", "$t$", "n_{(L)}", "a_{ij}", "_{ij}"):
            assert unused not in words, (lang, unused)
        assert "_{ij}" not in md and "n_{(L)}" not in md, lang
        # δ is defined (a proved display) in the exercises, before an exercise uses it: the only
        # δ above the definition is the sentence that introduces it
        definition = md.index(
            "\\delta_{i}^{(L-2)} = \\frac{\\partial L_i}{\\partial z_{i}^{(L-2)}}"
        )
        assert md.count("\\delta", 0, definition) == 1, lang
        assert md.index("\\delta") > md.index("## Exercises" if lang == "en" else "## 练习"), lang


# ---------------------------------------------------------------------------------------------
# 2. the listing's prose


def test_listing_prose_names_the_code_it_describes() -> None:
    md = _read(OUTPUT, "en", "md")
    code = md.split("```python\n", 1)[1].split("```", 1)[0]
    top = max(int(q) for q in re.findall(r"^def layer_(\d+)\(", code, re.M))
    assert top == 3
    for q in range(1, top + 1):
        tag = "L" if q == top else f"L-{top - q}"
        assert f"layer_{q} and W{q} belong to layer ${tag}$" in md, q
    assert (
        "D3 *= 1 / n" in code and f"D{top} *= 1 / n makes D{top} equal to $\\Delta^{{(L)}}$" in md
    )
    assert "A·E·A = A·(1 − A) = σ′(Z)" in md
    zh = _read(OUTPUT, "zh", "md")
    assert f"layer_{top} 和 W{top} 属于第 $L$ 层" in zh


def test_the_listing_computes_what_its_prose_says() -> None:
    """D3 is Δ^(L)/n, and A·E·A is A·(1 − A): checked on the listing itself, run on random data,
    against this test's own NumPy."""
    md = _read(OUTPUT, "en", "md")
    code = md.split("```python\n", 1)[1].split("```", 1)[0]
    space: dict[str, object] = {"np": np}
    exec(compile(code, "listing", "exec"), space)  # the article's own listing
    rng = np.random.default_rng(7)
    widths, n = (3, 5, 4, 2), 6
    params = [
        (rng.normal(size=(widths[p], widths[p - 1])), rng.normal(size=widths[p]))
        for p in range(1, 4)
    ]
    X, Y = rng.normal(size=(n, 3)), rng.uniform(size=(n, 2))
    *_, A2, E3, A3 = space["_forward"](params, X)  # type: ignore[operator]
    ones = np.ones(n)
    D3 = space["layer_3"](A3, A2, E3, Y, n, ones)[0]  # type: ignore[operator]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    Z3 = (
        sig(sig(X @ params[0][0].T + params[0][1]) @ params[1][0].T + params[1][1]) @ params[2][0].T
        + params[2][1]
    )
    delta = (sig(Z3) - Y) * sig(Z3) * (1 - sig(Z3))
    np.testing.assert_allclose(D3, delta / n, rtol=1e-12)
    np.testing.assert_allclose(A3 * E3 * A3, A3 * (1 - A3), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# 3, 4. Chinese layer names; each activation described as it is


@pytest.mark.slow
def test_chinese_names_the_layer_instead_of_上一层_下一层(single: Path) -> None:
    for md in (_read(OUTPUT, "zh", "md"), _read(single, "zh", "md")):
        assert "上一层" not in md and "下一层" not in md
    assert "第 L−1 层（靠近输入的那一层）" in _read(OUTPUT, "zh", "md")


@pytest.mark.slow
def test_each_activation_is_described_as_it_is(activations: dict[str, Path]) -> None:
    relu, tanh = _read(activations["relu"], "en", "md"), _read(activations["tanh"], "en", "md")
    assert "can be written in terms of" not in relu and "1 where the input is positive" in relu
    assert "no derivative at 0 alone" in relu and "no derivative at 0" not in tanh
    for md in (relu, tanh):
        assert "for the sigmoid" not in md
    assert "for the tanh" in tanh and "for the relu" not in tanh
    zh_relu, zh_tanh = (
        _read(activations["relu"], "zh", "md"),
        _read(activations["tanh"], "zh", "md"),
    )
    for md in (zh_relu, zh_tanh):
        assert "对 sigmoid 来说" not in md
    assert "可以用" not in zh_relu.split("## 一条单神经元的链", 1)[1].split("### 一个样本的损失")[0]


# ---------------------------------------------------------------------------------------------
# 6. exercises


def _exercise_count(html: str) -> int:
    return len(re.findall(r'<ol start="\d+">', html))


@pytest.mark.slow
def test_exercises_are_numbered_with_answers_hidden(single: Path) -> None:
    for html, count in (
        (_read(OUTPUT, "en", "html"), 4),
        (_read(OUTPUT, "zh", "html"), 4),
        (_read(single, "en", "html"), 3),
    ):
        assert [int(x) for x in re.findall(r'<ol start="(\d+)">', html)] == list(
            range(1, count + 1)
        )
        answers = re.findall(r'<details class="answer">(.*?)</details>', html, re.S)
        assert len(answers) == count
        assert all('class="display"' in a for a in answers)


@pytest.mark.slow
def test_each_slip_is_refuted_by_derivator_check(tmp_path: Path) -> None:
    """The wrong formulas the exercises show (``≠``): written with ``=``, derivator check refutes
    each one (its own run, not the article's numbers); the answers it proves (test_article)."""
    md = _read(OUTPUT, "en", "md")
    exercises = md[md.index("## Exercises") :]
    slips = re.findall(r"\$\$\n(.*?) \\neq (.*?)\. \\tag\{\d+\}\n\$\$", exercises)
    assert len(slips) == 4
    text = "<!-- derivator: network=general activation=sigmoid loss=mse -->\n\n" + "".join(
        f"$$\n{lhs} = {rhs}\n$$\n\n" for lhs, rhs in slips
    )
    (tmp_path / "slips.md").write_text(text, encoding="utf-8")
    run = inprocess.derivator("check", "slips.md", cwd=tmp_path)  # what it says, not the process
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.count("refuted") >= 4, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_a_slope_of_0_or_1_gets_a_bias_slip_that_is_one(activation: str, tmp_path: Path) -> None:
    """Where σ′ is only ever 0 or 1, σ′ counted twice is no slip (σ′² = σ′: the article once
    stopped with "the slip is true" for identity and printed a slip sentence ending in a colon
    for relu).  Every exercise shows a wrong formula there too, and derivator check refutes each."""
    A.generate(A.Options(activation=activation, layers="L-1"), ["en"], ["md"], tmp_path)
    md = _read(tmp_path, "en", "md")
    exercises = md[md.index("## Exercises") :]
    assert "changes nothing for this activation" in exercises
    slips = re.findall(r"\$\$\n(.*?) \\neq (.*?)\. \\tag\{\d+\}\n\$\$", exercises)
    assert len(slips) == len(re.findall(r"Answer to exercise", exercises)) == 3
    text = f"<!-- derivator: network=general activation={activation} loss=mse -->\n\n" + "".join(
        f"$$\n{lhs} = {rhs}\n$$\n\n" for lhs, rhs in slips
    )
    (tmp_path / "slips.md").write_text(text, encoding="utf-8")
    run = inprocess.derivator("check", "slips.md", cwd=tmp_path)  # what it says, not the process
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.count("refuted") >= 3, run.stdout


# ---------------------------------------------------------------------------------------------
# 9. the page: closed forms whole, B defined, summary indices, headings, punctuation


def test_long_closed_forms_are_printed_whole_on_paper() -> None:
    """(34) once stopped at the recursive form while (35) went on to the closed form: every chain
    of ∂L/∂w or ∂L/∂b over two rows or more now ends in a row without a partial derivative (rows
    broken for the page, ``&\\qquad``, are read with the row they continue)."""
    tex = _read(OUTPUT, "en", "tex")
    seen = 0
    for body in re.findall(r"\\begin\{equation\}.*?\n(.*?)\\end\{equation\}", tex, re.S):
        body = body.replace("\\begin{aligned}", "").replace("\\end{aligned}", "")
        groups: list[list[str]] = []  # one per left side: its rows
        for row in (r.strip() for r in body.split("\\\\") if r.strip()):
            if row.startswith("&\\qquad"):
                groups[-1][-1] += " " + row
            elif row.startswith("&"):
                groups[-1].append(row)
            else:
                groups.append([row])
        for rows in groups:
            if len(rows) >= 2 and rows[0].startswith(
                ("\\frac{\\partial L}{\\partial w", "\\frac{\\partial L}{\\partial b")
            ):
                seen += 1
                assert "\\partial" not in rows[-1].split("&", 1)[-1], rows[-1]
    assert seen >= 8


def test_matrix_form_defines_B_and_summary_names_its_indices() -> None:
    en, zh = _read(OUTPUT, "en", "md"), _read(OUTPUT, "zh", "md")
    assert "$B^{(l)}$ is the row of the $n_{(l)}$ biases of layer $l$" in en
    assert "$B^{(l)}$ 是第 $l$ 层" in zh
    assert "with $k$ numbering the neurons of layer $l$, $j$ those of layer $l+1$" in en
    assert "其中 $k$ 给第 $l$ 层的神经元编号" in zh


def test_both_languages_have_the_same_headings_and_running_header() -> None:
    en, zh = _read(OUTPUT, "en", "tex"), _read(OUTPUT, "zh", "tex")
    for tex in (en, zh):
        assert tex.startswith("\\documentclass[11pt]{article}")
        assert "\\pagestyle{fancy}" in tex and "\\fancyhead[R]{\\small\\thepage}" in tex
    for command in ("\\section{", "\\subsection{"):
        assert en.count(command) == zh.count(command), command
    assert "ctexart" not in zh and "heading=false" in zh
    assert "\\captionsetup{labelsep=quad}" in zh and "captionsetup" not in en  # 图 2, not 图 2:


def test_inline_math_keeps_its_punctuation_in_html() -> None:
    for lang in A.LANGS:
        html = _read(OUTPUT, lang, "html")
        loose = re.findall(
            r'(.{20})<math display="inline">((?:(?!</math>).)*)</math>([.,;:，。；：])', html
        )
        assert loose, lang
        for before, _, _ in loose:
            assert before.endswith('<span class="nobr">'), before


@pytest.mark.slow
def test_inline_math_and_its_punctuation_share_a_line_in_chromium() -> None:
    """Chromium, network off, at a phone's width and a desktop's: every comma, full stop or
    semicolon after an inline formula stands on the formula's line (without the page's nowrap,
    three fell to the start of the next line at 420 px)."""
    node, chromium = need("node"), need("chromium")
    need_npm("playwright-core")
    pages = {str(OUTPUT / f"{A.STEM}.{lang}.html"): lang for lang in A.LANGS}
    run = subprocess.run(  # one browser for both pages
        [node, str(JS / "lines.mjs"), chromium, *pages, "420", "1280"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert sorted(report) == sorted(pages)
    for page, lang in pages.items():
        assert sorted(report[page]) == ["1280", "420"], report[page]
        for width, seen in report[page].items():
            assert seen["checked"] > 40 and seen["apart"] == [], (lang, width, seen)


def test_tex_ties_references_numbers_and_short_formulas_to_the_word_before() -> None:
    """On paper no line starts with a lone symbol, a bare number or an equation reference: a
    tie (~) stands between them and the word before; a formula's punctuation follows its $."""
    for lang in A.LANGS:
        tex = _read(OUTPUT, lang, "tex")
        assert "layer~$L$" in tex or "层" in tex
        assert re.search(r"\w~\\eqref\{eq:\d+\}", tex), lang
        assert not re.search(r"\$\s+[.,;:，。；：]", tex), lang
    en = _read(OUTPUT, "en", "tex")
    assert "Figure~1" in en and "counted by~$i$" in en and not re.search(r"in \\eqref", en)


# ---------------------------------------------------------------------------------------------
# 10. why backpropagation is fast: the counts are those of running the algorithms


class Counted:
    """A number that counts the multiplications done with it (shared counter)."""

    mults = 0
    calls = 0

    def __init__(self, v: float) -> None:
        self.v = v

    def __mul__(self, o: object) -> Counted:
        Counted.mults += 1
        return Counted(self.v * (o.v if isinstance(o, Counted) else o))  # type: ignore[operator]

    __rmul__ = __mul__

    def __add__(self, o: object) -> Counted:
        return Counted(self.v + (o.v if isinstance(o, Counted) else o))  # type: ignore[operator]

    __radd__ = __add__

    def __sub__(self, o: object) -> Counted:
        return Counted(self.v - (o.v if isinstance(o, Counted) else o))  # type: ignore[operator]


def _sigma(c: Counted) -> Counted:
    Counted.calls += 1
    return Counted(1 / (1 + math.exp(-c.v)))


class Dual:
    """A value and its derivative with respect to one parameter (forward mode)."""

    def __init__(self, v: Counted, d: Counted) -> None:
        self.v, self.d = v, d

    def __mul__(self, o: Dual) -> Dual:
        return Dual(self.v * o.v, self.v * o.d + self.d * o.v)

    def __add__(self, o: Dual) -> Dual:
        return Dual(self.v + o.v, self.d + o.d)

    def __sub__(self, o: Dual) -> Dual:
        return Dual(self.v - o.v, self.d - o.d)


def _forward(W: list, B: list, x: list, y: list, num: type = Counted):  # type: ignore[no-untyped-def,type-arg]
    a = x
    for Wp, Bp in zip(W, B):
        z = [sum((Wp[j][k] * a[k] for k in range(len(a))), Bp[j]) for j in range(len(Wp))]
        a = [_sigma(zj) for zj in z]
    return sum((Counted(0.5) * (aj - yj) * (aj - yj) for aj, yj in zip(a, y)), Counted(0.0))


def test_operation_counts_are_those_of_running_the_three_algorithms() -> None:
    md = _read(OUTPUT, "en", "md")
    table = {
        m.group(1): tuple(map(int, m.group(2, 3, 4)))
        for m in re.finditer(
            r"^\| (finite differences|forward mode|backpropagation) \| (\d+) \| (\d+) \| (\d+) \|",
            md,
            re.M,
        )
    }
    widths = (3, 5, 4, 2)
    rnd = random.Random(3)
    W = [
        [[Counted(rnd.uniform(-1, 1)) for _ in range(widths[p - 1])] for _ in range(widths[p])]
        for p in range(1, 4)
    ]
    B = [[Counted(rnd.uniform(-1, 1)) for _ in range(widths[p])] for p in range(1, 4)]
    x = [Counted(rnd.uniform(-1, 1)) for _ in range(3)]
    y = [Counted(rnd.uniform(0, 1)) for _ in range(2)]
    params = [
        (p, "w", j, k) for p in range(3) for j in range(widths[p + 1]) for k in range(widths[p])
    ]
    params += [(p, "b", j, 0) for p in range(3) for j in range(widths[p + 1])]

    def shifted(which: tuple[int, str, int, int], h: float):  # type: ignore[no-untyped-def]
        p, kind, j, k = which
        W2 = [[list(row) for row in Wp] for Wp in W]
        B2 = [list(Bp) for Bp in B]
        if kind == "w":
            W2[p][j][k] = W2[p][j][k] + h
        else:
            B2[p][j] = B2[p][j] + h
        return W2, B2

    # finite differences: two forward passes per parameter
    Counted.mults = Counted.calls = 0
    differences = []
    for which in params:
        up, down = (_forward(*shifted(which, s), x, y) for s in (1e-6, -1e-6))
        differences.append((up.v - down.v) / 2e-6)
    assert table["finite differences"] == (2 * len(params), Counted.mults, Counted.calls)

    # forward mode: one pass per parameter, every value carrying its derivative
    Counted.mults = Counted.calls = 0
    for which in params:

        def dual(c: Counted, hit: bool) -> Dual:
            return Dual(c, Counted(1.0 if hit else 0.0))

        a = [dual(c, False) for c in x]
        for p, (Wp, Bp) in enumerate(zip(W, B)):
            z = []
            for j in range(len(Wp)):
                s = dual(Bp[j], (p, "b", j, 0) == which)
                for k in range(len(a)):
                    s = s + dual(Wp[j][k], (p, "w", j, k) == which) * a[k]
                z.append(s)
            a = []
            for zj in z:
                v = _sigma(zj.v)
                Counted.calls += 1  # σ′
                a.append(Dual(v, Counted(v.v * (1 - v.v)) * zj.d))
        loss = Dual(Counted(0.0), Counted(0.0))
        for aj, yj in zip(a, y):
            d = aj - Dual(yj, Counted(0.0))
            half = Dual(Counted(0.5) * d.v, Counted(0.5) * d.d)
            loss = loss + half * d
    assert table["forward mode"] == (len(params), Counted.mults, Counted.calls)

    # backpropagation: one forward pass keeping every a, then one backward pass
    Counted.mults = Counted.calls = 0
    acts = [x]
    for Wp, Bp in zip(W, B):
        a = acts[-1]
        z = [sum((Wp[j][k] * a[k] for k in range(len(a))), Bp[j]) for j in range(len(Wp))]
        acts.append([_sigma(zj) for zj in z])
    _ = sum((Counted(0.5) * (aj - yj) * (aj - yj) for aj, yj in zip(acts[-1], y)), Counted(0.0))

    def slope(a: Counted) -> Counted:
        Counted.calls += 1
        return Counted(a.v * (1 - a.v))

    delta = [(aj - yj) * slope(aj) for aj, yj in zip(acts[-1], y)]
    grads: dict[tuple[int, str, int, int], float] = {}
    for p in range(2, -1, -1):
        below = acts[p]
        for j in range(len(delta)):
            grads[(p, "b", j, 0)] = delta[j].v
            for k in range(len(below)):
                grads[(p, "w", j, k)] = (delta[j] * below[k]).v
        if p > 0:
            delta = [
                slope(below[k])
                * sum((delta[j] * W[p][j][k] for j in range(len(delta))), Counted(0.0))
                for k in range(len(below))
            ]
    assert table["backpropagation"] == (2, Counted.mults, Counted.calls)
    # the three algorithms compute the same gradient
    np.testing.assert_allclose([grads[w] for w in params], differences, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# 11. the example a reader moves


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace("·10", "e"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", A.LANGS)
def test_sliders_recompute_the_example_as_the_engine_does(single: Path, lang: str) -> None:
    """Chromium, network off: the sliders set to other numbers, every number the page shows (the
    sliders' outputs, the table, Figure 2) agrees with the engine's evaluator to the four digits
    printed, and with this test's own formula of the sigmoid chain."""
    node, chromium = need("node"), need("chromium")
    need_npm("playwright-core")
    settings = [
        {"a_below": 0.8, "w": 0.5, "b": -0.25, "y": 1},
        {"a_below": -0.6, "w": 1.7, "b": 0.3, "y": 0.2},
        {"a_below": 0.05, "w": -1.2, "b": -0.9, "y": 0.75},
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [
            node,
            str(JS / "sliders.mjs"),
            chromium,
            str(single / f"{A.STEM}.{lang}.html"),
            json.dumps(settings),
            str(ARTIFACTS / f"sliders.{lang}.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["errors"] == [] and report["requests"] == [], report
    assert report["sliders"] == 4
    for result in report["results"]:
        s = result["setting"]
        engine = worked.values("sigmoid", s["a_below"], s["w"], s["b"], s["y"])
        z = s["a_below"] * s["w"] + s["b"]
        a = 1 / (1 + math.exp(-z))
        own = {
            "z": z,
            "a": a,
            "L0": (a - s["y"]) ** 2 / 2,
            "dw": (a - s["y"]) * a * (1 - a) * s["a_below"],
        }
        own["db"] = own["dw"] / s["a_below"]
        for key in worked.KEYS:
            shown = result["shown"].get(key, [])
            # the table or a slider's output, and Figure 2 (the gradients are in the table only)
            assert len(shown) >= (1 if key in ("dw", "db") else 2), (key, shown)
            for item in shown:
                assert math.isclose(
                    _number(item["text"]), engine[key], rel_tol=6e-4, abs_tol=1e-9
                ), (
                    key,
                    item,
                    engine[key],
                )
            if key in own:
                assert math.isclose(engine[key], own[key], rel_tol=1e-12, abs_tol=1e-15), key


# ---------------------------------------------------------------------------------------------
# 12. the listing a learner reads


@pytest.mark.slow
def test_the_learners_listing_trains_and_its_gradients_are_autograds(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    md = _read(OUTPUT, "en", "md")
    code = (
        md.split("### The same, written to be read", 1)[1]
        .split("```python\n", 1)[1]
        .split("```")[0]
    )
    assert len(code.splitlines()) < 80 and "BP1" in code and "BP4" in code
    (tmp_path / "learn.py").write_text(code, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "learn.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    losses = [float(line.rsplit(" ", 1)[1]) for line in run.stdout.splitlines()]
    assert len(losses) == 5 and all(b < a for a, b in itertools.pairwise(losses)), losses
    # its backward pass against PyTorch's autograd, at the trained parameters
    space: dict[str, object] = {"print": lambda *a, **k: None}
    exec(compile(code, "learn.py", "exec"), space)  # the article's own listing
    W, B, X, Y = space["W"], space["B"], space["X"], space["Y"]
    Z, Aa = space["forward"](W, B, X)  # type: ignore[operator]
    grads = space["backward"](W, Z, Aa, Y)  # type: ignore[operator]
    tw = [torch.tensor(w, requires_grad=True) for w in W]  # type: ignore[attr-defined]
    tb = [torch.tensor(b, requires_grad=True) for b in B]  # type: ignore[attr-defined]
    a = torch.tensor(X)
    for w, b in zip(tw, tb):
        a = torch.sigmoid(a @ w.T + b)
    (0.5 * ((a - torch.tensor(Y)) ** 2).sum() / len(X)).backward()
    for (gw, gb), w, b in zip(grads, tw, tb):
        np.testing.assert_allclose(gw, w.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("activation", "loss"), [("tanh", "mse"), ("relu", "cross-entropy")])
def test_each_activations_listing_runs_and_its_derivative_is_the_activations(
    activation: str, loss: str, tmp_path: Path
) -> None:
    code = learner.training_listing(activation, loss, 2)
    assert code is not None and code.isascii()  # LaTeX prints it verbatim: no σ there
    space: dict[str, object] = {"print": lambda *a, **k: None}
    exec(compile(code, "learn.py", "exec"), space)
    z = np.linspace(-2.1, 2.3, 41)
    h = 1e-6
    sigma, prime = space["sigma"], space["sigma_prime"]
    quotient = (sigma(z + h) - sigma(z - h)) / (2 * h)  # type: ignore[operator]
    np.testing.assert_allclose(prime(z), quotient, rtol=1e-6, atol=1e-8)  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# the writer's route: no silent fallback


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('gradient("w", layer=2)', "name the layer by its tag"),
        ('gradient("w", layer="2")', "name the layer by its tag"),
        ('gradient("w", layer="l", form="closed")', 'ask for form="delta"'),
    ],
)
def test_a_template_asking_for_what_is_not_there_fails_at_its_line(
    tmp_path: Path, call: str, message: str
) -> None:
    """``layer=2`` once printed L-1 (a number counts from the input), ``form="closed"`` at layer l
    the δ form: both silently.  Now each is an error at the template's line."""
    src = tmp_path / "post.md.j2"
    src.write_text("# A post\n\n{{ " + call + " }}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(src), "-o", "-"])
    assert result.exit_code == 1, result.output
    assert message in result.output and "post.md.j2:3" in result.output, result.output


@pytest.mark.slow
def test_render_takes_what_article_template_takes(tmp_path: Path) -> None:
    """One route for a writer: ``derivator render mine.en.j2`` writes the article from a language
    template as ``derivator article --template`` does (every format, --depth 3 = --layers L-2),
    and its errors carry the template's line, column and a caret."""
    mine = tmp_path / "mine.en.j2"
    mine.write_text(
        "# My notes\n\nThe weights one layer down:\n\n{{ gradient('w', layer='L-1') }}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["render", str(mine), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "derivator check proves the" in result.output and "on the page" in result.output
    for fmt in A.FORMATS:
        text = _read(tmp_path / "out", "en", fmt)
        assert "My notes" in text and "The weights one layer down" in text
    assert r"\partial w_{km}^{(L-1)}" in _read(tmp_path / "out", "en", "md")
    bad = tmp_path / "bad.en.j2"
    bad.write_text("# T\n\nSee {{ gradient('w', layer='L-9') }}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(bad), "-o", str(tmp_path / "bad")])
    assert result.exit_code == 1, result.output
    assert "bad.en.j2:3:8: " in result.output and "no layer L-9" in result.output
    assert "\n3 | See {{ gradient('w', layer='L-9') }}\n  |        ^" in result.output
    assert not (tmp_path / "bad").exists()
    result = CliRunner().invoke(app, ["render", str(mine), "--depth", "7"])
    assert result.exit_code == 2 and "--depth 7" in result.output, result.output
    # math typed in the template is checked with the page: a slip is listed, exit status 1
    mine.write_text(
        mine.read_text(encoding="utf-8")
        + "\nBy hand:\n\n$$\n\\frac{\\partial L}{\\partial b_j^{(L)}} = "
        "\\sum_{i=0}^{n-1} \\delta_{ij}^{(L)}\n$$\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["render", str(mine), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "refuted" in result.output, result.output
    assert "1/n is missing" in result.output


def test_a_template_in_one_language_is_not_rendered_as_the_other(tmp_path: Path) -> None:
    mine = tmp_path / "mine.en.j2"
    shutil.copy(A.TEMPLATES / "article.en.j2", mine)
    result = CliRunner().invoke(
        app, ["article", "--template", str(mine), "--lang", "zh", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2, result.output
    assert "is written in en" in result.output and "give --lang en" in result.output
    assert not (tmp_path / "out").exists()


def test_mathml_is_spaced_as_tex_spaces_it() -> None:
    """latex2mathml's MathML as Chromium drew it: σ′ with the prime small and high, apart from σ
    (a superscript ′); ∂L/∂w as "∂ L / ∂ w"; n − 1 and i = 0 under a Σ spaced as in the text.
    Now the prime follows its base at the base line, ∂ and / take no space, nor does an operator
    in a script (as TeX's script style sets them), and the Σ of a display keeps its limits under
    and over it."""
    from derivator.publish import mathml

    prime = mathml.inline(r"\sigma'(z_{ij}^{(L)}) y_{ij'} \sigma_{L}'(x)")
    assert not re.search(r"\u2032</m[io]></msu(?:b?sup)>", prime), prime
    assert prime.count('<mo lspace="0em" rspace="0em">\u2032</mo>') == 3, prime
    ratio = mathml.inline(r"\partial L/\partial w^{(L)}")
    assert re.findall(r'<mo[^>]* lspace="0em" rspace="0em">([^<]*)</mo>', ratio) == [
        "\u2202",
        "/",
        "\u2202",
        "(",
        ")",
    ], ratio
    display = mathml.display(r"\frac{1}{n} \sum_{i=0}^{n-1} a_{i}^{(L-1)} - y_{i}")
    assert "<munderover><mo>\u2211</mo>" in display and "<msubsup><mo>\u2211" not in display
    spaced = re.findall(r"<mo(?: [^>]*)?>([=\u2212+])</mo>", display)
    tight = re.findall(r'<mo[^>]* lspace="0em" rspace="0em">([=\u2212+])</mo>', display)
    # = and − under the Σ and in the exponent are tight; the − between the terms is not
    assert tight == ["=", "\u2212", "\u2212"] and spaced.count("\u2212") == 3, display
    # a display's full stop follows it as in TeX (it stood apart: "σ′(z) .")
    assert '<mo lspace="0em">.</mo>' in mathml.display(r"\sigma'(z_{i}^{(L)}).")
