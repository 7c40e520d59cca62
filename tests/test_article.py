"""The article, checked with the real tools a reader's toolchain uses.

* the committed ``output/`` is what the generator writes now (byte for byte), and a second run in
  another process (other hash seed) writes the same bytes;
* .tex compiles (pdflatex for English, xelatex + ctex for Chinese; a missing glyph is an error) and
  page 1 becomes a PNG under ``build/test-artifacts``;
* .html renders in Debian's headless Chromium with the network off, served on 127.0.0.1: the default
  pages as MathML made in Python (no script), the --math mathjax pages with MathJax 3 from the npm
  package; no math error, no raw TeX, no request to another host, no console error, as many typeset
  formulas as were emitted (a screenshot goes to the artifacts);
* every formula of the .md passes MathJax's TeX parser with undefined macros as errors;
* a formula that is not proved stops the generation, and nothing is written;
* the templates are found by the installed package, from outside the repository.

A test that needs a system tool (or the npm packages of tests/js) skips when it is missing, unless
CI is set: then a missing tool is a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from derivator.cli.article import article as article_command
from derivator.document import Run
from derivator.engine import proof
from derivator.publish import article as A

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output"
JS = ROOT / "tests" / "js"
ARTIFACTS = Path(os.environ.get("DERIVATOR_ARTIFACTS", ROOT / "build" / "test-artifacts"))


def need(tool: str) -> str:
    """The path of a system tool; skip without it locally, fail without it under CI."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian: see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def need_npm(package: str) -> None:
    if not (JS / "node_modules" / package / "package.json").exists():
        message = f"npm package {package} missing: run npm ci --prefix tests/js"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.command()(article_command)

    @app.command()
    def version() -> None:  # a second command, so that "article" is a subcommand as in cli.py
        pass

    return app


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default article in both languages and all formats, as ``derivator article`` writes it."""
    out = tmp_path_factory.mktemp("article")
    t0 = time.perf_counter()
    result = CliRunner().invoke(
        _app(), ["article", "--lang", "all", "--format", "all", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timing-generate.txt").write_text(
        f"generate zh+en md,tex,html: {time.perf_counter() - t0:.2f} s\n"
    )
    return out


def _files(d: Path) -> dict[str, bytes]:
    """The article generator's files (output/ also holds other generators' files: gradients.py,
    loss curves)."""
    return {
        str(p.relative_to(d)): p.read_bytes()
        for p in sorted(d.rglob("*"))
        if p.is_file()
        and p.suffix in (".md", ".tex", ".html", ".svg")
        and (p.name.startswith("backprop-calculus") or p.parent.name == "figures")
    }


# ---------------------------------------------------------------------------------------------
# output/ and determinism


def test_committed_output_is_current(generated: Path) -> None:
    fresh, committed = _files(generated), _files(OUTPUT)
    assert sorted(fresh) == sorted(committed), "output/ has other files than the generator writes"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, (
        f"output/ is stale: {stale}; regenerate with: derivator article --lang all -o output"
    )


def test_byte_identical_in_another_process(generated: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    code = (
        "import sys; from pathlib import Path; from derivator.publish import article as A; "
        "A.generate(A.Options(), ['en'], ['md', 'tex', 'html'], Path(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], check=True, env=env, cwd=tmp_path, timeout=120
    )
    again, first = _files(tmp_path), _files(generated)
    for name, data in again.items():
        assert data == first[name], f"{name} differs between runs"


def test_article_follows_the_journey(generated: Path) -> None:
    en = (generated / "backprop-calculus.en.md").read_text(encoding="utf-8")
    zh = (generated / "backprop-calculus.zh.md").read_text(encoding="utf-8")
    # the chain of single neurons, the loss of sample 0, the averaged gradient, the update rule
    for needle in (
        r"\frac{\partial L_0}{\partial w^{(L)}}",
        r"L_0 = \frac{1}{2} (a_{0}^{(L)} - y_{0})^{2}",
        r"\frac{\partial L}{\partial w^{(L)}} &= \frac{1}{n} \sum_{i=0}^{n-1}",
        r"\leftarrow",
        # the general network: the Σ over j that a hand derivation tends to drop
        r"\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} &= \sum_{j=0}^{n_{(L)}-1}",
        r"\frac{\partial L}{\partial w_{mt}^{(L-2)}}",
        r"\nabla W^{(L)}",
        r"\Delta^{(L-1)}",
    ):
        assert needle in en and needle in zh, needle
    assert "Many neurons per layer" in en and "每层有许多神经元" in zh
    assert zh.count("$$") == en.count("$$")
    # GitHub strips inline SVG: the Markdown links the figure files that generate() writes
    for lang, md in (("en", en), ("zh", zh)):
        assert "<svg" not in md
        for name in ("graph", "graph-numbers", "network", "paths"):
            assert (
                f"](figures/{name}.{lang}.svg)" in md
                and (generated / "figures" / f"{name}.{lang}.svg").exists()
            )


def _numbers(md: str) -> list[int]:
    return [int(n) for n in re.findall(r"\\tag\{(\d+)\}", md)]


def test_every_display_is_numbered_and_references_point_at_one(generated: Path) -> None:
    for lang in A.LANGS:
        md = (generated / f"backprop-calculus.{lang}.md").read_text(encoding="utf-8")
        tex = (generated / f"backprop-calculus.{lang}.tex").read_text(encoding="utf-8")
        html = (generated / f"backprop-calculus.{lang}.html").read_text(encoding="utf-8")
        displays = md.count("$$") // 2
        assert _numbers(md) == list(range(1, displays + 1))
        labels = set(re.findall(r"\\label\{(eq:\d+)\}", tex))
        refs = re.findall(r"\\eqref\{(eq:\d+)\}", tex)
        assert len(labels) == displays and refs and set(refs) <= labels
        ids = set(re.findall(r'<div class="display" id="(eq-\d+)">', html))
        links = re.findall(r'<a href="#(eq-\d+)">', html)
        assert len(ids) == displays and links and set(links) <= ids
        # every display ends with punctuation, inside the math, before the number
        bodies = re.findall(r"\$\$\n(.*?)\n\$\$", md, re.S)
        assert all(re.search(r"[.,](\n\\end\{aligned\})? \\tag\{\d+\}$", b) for b in bodies), [
            b[-60:] for b in bodies if not re.search(r"[.,](\n\\end\{aligned\})? \\tag", b)
        ][:3]
        # running text has no stacked fractions
        prose = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
        assert r"\frac" not in "".join(re.findall(r"\$[^$\n]+\$", prose))


def test_figures_are_told_apart_and_speak_the_article_language(generated: Path) -> None:
    html = (generated / "backprop-calculus.zh.html").read_text(encoding="utf-8")
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two elements share an id"
    titles = re.findall(r"<title>(.*?)</title>", html)[1:]  # the page's own title first
    assert len(titles) == 4 and all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    network = (generated / "figures" / "network.en.svg").read_text(encoding="utf-8")
    # every activation carries the sample index i, as in the text; no Unicode script characters
    assert len(re.findall(r'italic">i</tspan><tspan>[0-3]</tspan>', network)) == 6
    graph = (generated / "figures" / "graph.en.svg").read_text(encoding="utf-8")
    assert not re.search("[\u2080-\u209c\u1d2c-\u1d6a\u2070-\u207f]", graph + network)


def test_worked_example_numbers_agree_with_autograd(generated: Path) -> None:
    """The numbers of the worked example, against PyTorch autograd on the same chain."""
    import torch

    from derivator.publish import worked

    md = (generated / "backprop-calculus.en.md").read_text(encoding="utf-8")
    section = md.split("### A worked example", 1)[1].split("###", 1)[0]
    values = [float(v) for v in re.findall(r"\| \$(-?[\d.]+)\$ \|", section)]
    a_in, w, b, y = (
        torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in worked.INPUTS
    )
    z = w * a_in + b
    a = torch.sigmoid(z)
    loss = (a - y) ** 2 / 2
    loss.backward()
    expected = [
        a_in.item(),
        w.item(),
        b.item(),
        z.item(),
        a.item(),
        y.item(),
        loss.item(),
        (a - y).item(),
        (a * (1 - a)).item(),
        a_in.item(),
        1.0,
        w.item(),
    ]
    assert len(values) == len(expected)
    for got, want in zip(values, expected):
        assert got == pytest.approx(want, rel=1e-3, abs=1e-9)
    products = re.findall(r"is \$(-?[\d.]+)\$", section)
    assert [float(x) for x in products[:2]] == pytest.approx(
        [w.grad.item(), b.grad.item()], rel=1e-3
    )
    differences = re.findall(r"gives \$(-?[\d.]+)\$.*?bias \$(-?[\d.]+)\$", section)
    assert [float(x) for x in differences[0]] == pytest.approx(
        [w.grad.item(), b.grad.item()], rel=1e-3
    )
    # the same numbers on the graph: a value under every node, a local derivative on every arrow
    for lang in A.LANGS:
        svg = (generated / "figures" / f"graph-numbers.{lang}.svg").read_text(encoding="utf-8")
        drawn = [
            float(v.replace("\u2212", "-"))
            for v in re.findall(r'fill="#a34a00"[^>]*>([^<]+)</text>', svg)
        ]
        assert sorted(drawn) == pytest.approx(sorted(expected), rel=1e-3, abs=1e-9), (lang, drawn)
        tex = (generated / f"backprop-calculus.{lang}.tex").read_text(encoding="utf-8")
        drawn = [
            float(v)
            for v in re.findall(r"text=orange!70!black\] (?:at \([^)]*\) )?\{\$(-?[\d.]+)\$\}", tex)
        ]
        assert sorted(drawn) == pytest.approx(sorted(expected), rel=1e-3, abs=1e-9), (lang, drawn)


def test_numpy_listing_is_the_codegen_module_and_computes_the_gradients(
    generated: Path, tmp_path: Path
) -> None:
    """The listing runs (it is the generated module's code) and agrees with autograd at sizes that
    all differ."""
    import numpy as np
    import torch

    md = (generated / "backprop-calculus.en.md").read_text(encoding="utf-8")
    code = md.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "listing.py").write_text("import numpy as np\n\n" + code, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        import listing  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
    widths, n = (3, 5, 4, 2), 7
    rng = np.random.default_rng(1)
    params = [
        (rng.normal(size=(widths[p], widths[p - 1])), rng.normal(size=widths[p]))
        for p in range(1, 4)
    ]
    X, Y = rng.normal(size=(n, widths[0])), rng.normal(size=(n, widths[-1]))
    got = listing.gradients(params, X, Y)
    tp = [
        (torch.tensor(W, requires_grad=True), torch.tensor(B, requires_grad=True))
        for W, B in params
    ]
    A_ = torch.tensor(X)
    for W, B in tp:
        A_ = torch.sigmoid(A_ @ W.T + B)
    (((A_ - torch.tensor(Y)) ** 2).sum() / 2 / n).backward()
    for (dW, dB), (W, B) in zip(got, tp):
        assert np.allclose(dW, W.grad.numpy()) and np.allclose(dB, B.grad.numpy())


def test_network_option_letters_and_layers(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        [
            "article",
            "--lang",
            "en",
            "--format",
            "md",
            "--network",
            "single",
            "--layers",
            "L-1",
            "--activation",
            "tanh",
            "--proof-marks",
            "--title",
            "Notes & 100% #1",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    md = (tmp_path / "backprop-calculus.en.md").read_text(encoding="utf-8")
    assert md.startswith("# Notes & 100% #1\n")
    assert r"\checkmark" in md and r"\tanh" in md
    assert (
        "Many neurons" not in md and "Back to layer $L-1$" in md and "Back to layer $L-2$" not in md
    )


# ---------------------------------------------------------------------------------------------
# the templates a writer starts from

TEMPLATES = ROOT / "derivator" / "publish" / "templates"


def test_the_prose_lives_in_the_language_templates() -> None:
    """article.py computes; the words a reader reads are in article.en.j2 and article.zh.j2."""
    code = (ROOT / "derivator" / "publish" / "article.py").read_text(encoding="utf-8")
    assert not re.search("[\u4e00-\u9fff]{2,}", code), "Chinese prose in article.py"
    assert "Backpropagation is the way" not in code
    assert "Backpropagation is the way" in (TEMPLATES / "article.en.j2").read_text(encoding="utf-8")
    assert "反向传播" in (TEMPLATES / "article.zh.j2").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def checker() -> Iterator[Run]:
    """One ``derivator check`` run (one worker) for every article this module checks: the
    articles share most relations (the default article in both languages, a writer's copy of
    it, the cross-entropy article's hidden layers), and a relation already decided in the same
    model is answered from the run's cache instead of being proved again."""
    with Run() as run:
        yield run


def test_a_writers_copy_of_the_template_renders_with_the_same_calls(
    tmp_path: Path, checker: Run
) -> None:
    """A writer copies article.en.j2, rewrites a sentence and adds a formula with the calls of
    `derivator render`; `derivator article --template` writes it, and `derivator check` proves it."""
    text = (TEMPLATES / "article.en.j2").read_text(encoding="utf-8")
    # the calls give the formulas of the many-neuron network: they go in its chapter
    mine = text.replace(
        "# The calculus of backpropagation", "# My notes on backpropagation"
    ).replace(
        "\nTogether:\n",
        "\nMy own words.\n\n{% set d = gradient('w', layer='L-1', form='delta') %}{{ d }}\n\nAs {{ ref(d) }} shows."
        "\n\nTogether:\n",
    )
    assert mine != text
    src = tmp_path / "mine.en.j2"
    src.write_text(mine, encoding="utf-8")
    result = CliRunner().invoke(
        _app(),
        [
            "article",
            "--lang",
            "en",
            "--format",
            "md",
            "--template",
            str(src),
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "backprop-calculus.en.md").read_text(encoding="utf-8")
    assert md.startswith("# My notes on backpropagation\n") and "My own words." in md
    number = re.search(r"As \((\d+)\) shows", md)
    assert number and f"\\tag{{{number.group(1)}}}" in md
    assert r"\delta_{ik}^{(L-1)}" in md.split("My own words.", 1)[1].split("As (", 1)[0]
    from derivator.document import check as C

    path = tmp_path / "out" / "backprop-calculus.en.md"
    results = C.check_text(str(path), path.read_text(encoding="utf-8"), checker)
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines.index("My own words.") + 1
    last = next(n for n, line in enumerate(lines) if line.startswith("As ("))
    mine = [r for r in results if first < r.line <= last]
    assert mine and all(r.verdict == "proved" for r in mine), [
        (r.line, r.verdict, r.reason) for r in mine
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("{{ gradient('w', layer='L-7') }}", "no layer L-7"),
        ("{{ nope }}", "'nope' is undefined"),
        ("{{ ''.__class__.__mro__ }}", "unsafe"),
        ("{{ ref('nowhere') }}", "no display placed above"),
    ],
)
def test_a_bad_writers_template_fails_with_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    src = tmp_path / "bad.en.j2"
    src.write_text("# Title\n\n" + line + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        _app(),
        [
            "article",
            "--lang",
            "en",
            "--format",
            "md",
            "--template",
            str(src),
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert (
        result.exit_code != 0
        and re.search(r"bad\.en\.j2:3:[4-7]: ", result.output)
        and message in result.output
    ), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_display_placed_inside_a_sentence_is_an_error(tmp_path: Path) -> None:
    """The markup needs a display on a line of its own: in a sentence it could not be typeset."""
    src = tmp_path / "inline.en.j2"
    src.write_text("# Title\n\nAs shown {{ single.eq_chain }} here.\n", encoding="utf-8")
    result = CliRunner().invoke(
        _app(),
        [
            "article",
            "--lang",
            "en",
            "--format",
            "md",
            "--template",
            str(src),
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert (
        result.exit_code != 0
        and "inline.en.j2" in result.output
        and "inside a sentence" in result.output
    )
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# failures


def test_an_unproved_formula_stops_generation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = A._prove.__wrapped__

    def refute_bias(lhs, rhs, net):  # type: ignore[no-untyped-def]
        if "b^(L-1)" in str(lhs) and net.network == "single":
            return proof.Verdict("refuted", "counterexample at sizes n=2", "the test said so")
        return real(lhs, rhs, net)

    monkeypatch.setattr(A, "_prove", refute_bias)
    with pytest.raises(
        A.ArticleError, match=r"not proved, so not printed: .*b\^\{\(L-1\)\}.*refuted"
    ):
        A.generate(A.Options(network="single"), ["en"], ["md"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--layers", "L"], "--layers"),
        (["--layers", "banana"], "--layers"),
        (["--layers", "L-4"], "at most L-3"),
        (["--loss", "cross-entropy", "--network", "single"], "--network general"),
        (["--notation-letters", "j,j"], "distinct letters"),
        (["--notation-letters", "i,k"], "distinct letters"),
    ],
)
def test_bad_options_exit_2_without_traceback(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(_app(), ["article", *args, "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "Error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------------------------
# real tools


def _compile(tex: Path, engine: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    run = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=180,
    )
    elapsed = time.perf_counter() - t0
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    return elapsed, log


@pytest.mark.parametrize("lang, engine", [("en", "pdflatex"), ("zh", "xelatex")])
def test_tex_compiles(generated: Path, tmp_path: Path, lang: str, engine: str) -> None:
    need(engine)
    pdftoppm = need("pdftoppm")
    tex = tmp_path / f"backprop-calculus.{lang}.tex"
    shutil.copy(generated / tex.name, tex)
    assert r"\tracinglostchars=3" in tex.read_text(encoding="utf-8")
    elapsed, log = _compile(tex, engine)
    assert "Missing character" not in log
    assert "Overfull \\hbox" not in log, "a formula or figure is wider than the page"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tex.with_suffix(".pdf")),
            str(ARTIFACTS / f"tex-{lang}-page1"),
        ],
        check=True,
        timeout=60,
    )
    assert (ARTIFACTS / f"tex-{lang}-page1.png").stat().st_size > 10_000
    (ARTIFACTS / f"timing-{engine}-{lang}.txt").write_text(f"{engine} {lang}: {elapsed:.2f} s\n")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(generated: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The HTML pages with MathJax from tests/js/node_modules, served on 127.0.0.1."""
    need_npm("mathjax")
    root = tmp_path / "site"
    root.mkdir()
    shutil.copytree(JS / "node_modules" / "mathjax" / "es5", root / "mathjax")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root))
    )
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    # the default article, and the deepest ones (the widest formulas) of both losses
    deep = tmp_path / "deep"
    for loss in ("mse", "cross-entropy"):
        A.generate(
            A.Options(loss=loss, layers=f"L-{A.MAX_BACK}"), list(A.LANGS), ["html"], deep / loss
        )
    sources = {
        f"backprop-calculus.{lang}.html": generated / f"backprop-calculus.{lang}.html"
        for lang in A.LANGS
    }
    sources.update(
        {
            f"{loss}-L-{A.MAX_BACK}.{lang}.html": deep / loss / f"backprop-calculus.{lang}.html"
            for loss in ("mse", "cross-entropy")
            for lang in A.LANGS
        }
    )
    # the default pages show MathML made in Python: no script is loaded, nothing fetched (the one
    # script on the page is the sliders', inline)
    for name, source in sources.items():
        html = source.read_text(encoding="utf-8")
        assert "<script src" not in html and "MathJax" not in html, name
        shutil.copy(source, root / name)
    # the MathJax option, with MathJax from node_modules instead of the CDN
    mathjax = tmp_path / "mathjax"
    A.generate(A.Options(math="mathjax"), list(A.LANGS), ["html"], mathjax)
    for lang in A.LANGS:
        html = (mathjax / f"backprop-calculus.{lang}.html").read_text(encoding="utf-8")
        assert A.DEFAULT_MATHJAX_URL in html
        (root / f"mathjax.{lang}.html").write_text(
            html.replace(A.DEFAULT_MATHJAX_URL, f"{origin}/mathjax/tex-chtml.js"), encoding="utf-8"
        )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin, root
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_html_renders_in_chromium(site: tuple[str, Path]) -> None:
    node, chromium = need("node"), need("chromium")
    need_npm("playwright-core")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    origin, root = site
    pages = sorted(p.name for p in root.glob("*.html"))
    assert len(pages) == 8
    run = subprocess.run(
        [node, str(JS / "render_html.mjs"), chromium, origin, str(ARTIFACTS), *pages],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    for page in pages:
        r = report[page]
        assert r["foreign"] == [], f"{page}: requests to other hosts {r['foreign']}"
        assert r["failed"] == [] and r["console"] == [], (r["failed"], r["console"])
        assert r["mathjax"] == page.startswith("mathjax."), page
        assert r["merror"] == 0 and r["flat_math"] == 0, f"{page}: math errors"
        assert r["raw_dollars"] == 0 and r["raw_delims"] == 0, f"{page}: TeX left unrendered"
        assert r["emitted"] > 100 and r["rendered"] == r["emitted"], (r["rendered"], r["emitted"])
        assert r["svgs"] == 4
        # multi-row displays in display style, limits under the Σ (they were at script size)
        assert r["compact_cells"] == 0 and r["side_limits"] == 0, (page, r["compact_cells"])
        assert page.startswith("mathjax.") or r["sums_in_displays"] > 20, r["sums_in_displays"]
        assert r["ids_repeated"] == [], r["ids_repeated"]
        # at 420 px only a display's own box may scroll sideways, never the page
        assert r["phone_overflow"] <= 0 and r["phone_wide"] == [], (
            r["phone_overflow"],
            r["phone_wide"],
        )
        for shot in (r["screenshot"], r["phone_screenshot"]):
            assert Path(shot).stat().st_size > 10_000
        (ARTIFACTS / f"phone-{page}.txt").write_text(
            f"{r['displays_scrolling']} of {r['displays']} displays scroll inside their box at 420 px\n"
            + "".join(f"{s}\n" for s in r["scrolling"])
        )
        # and no display needs to: a long right-hand side goes on over rows (Display.narrow)
        assert r["displays_scrolling"] == 0, (page, r["scrolling"])


def _crosses(box: list[float], line: list[float]) -> bool:
    """Does the segment ``line`` (x1, y1, x2, y2) meet the box (x, y, width, height)?  The
    segment clipped to the box's four sides (Liang–Barsky): something is left of it or not."""
    x, y, w, h = box
    x1, y1, x2, y2 = line
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - x), (dx, x + w - x1), (-dy, y1 - y), (dy, y + h - y1)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
    return t0 <= t1


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_graph_labels_stand_clear_of_the_arrows(generated: Path) -> None:
    """Figures of the computational graph (with and without the example's numbers): no text's box,
    as Chromium lays it out (``getBBox``: the font's full ascent and descent), meets any arrow,
    and no two texts overlap.  Labels lifted straight up sat on the diagonal arrows (four
    collisions in each figure: w's number, a − y and its number, a^(L−1) on w's arrow)."""
    node, chromium = need("node"), need("chromium")
    need_npm("playwright-core")
    files = sorted(str(f) for f in (generated / "figures").glob("graph*.svg"))
    assert len(files) == 4
    run = subprocess.run(
        [node, str(JS / "svg_boxes.mjs"), chromium, *files],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for name, fig in json.loads(run.stdout).items():
        texts, lines = fig["texts"], fig["lines"]
        assert len(lines) == 6 and len(texts) >= 12, name
        on_arrows = [(t["text"], line) for t in texts for line in lines if _crosses(t["box"], line)]
        assert on_arrows == [], (name, on_arrows)
        pairs = [
            (a["text"], b["text"])
            for k, a in enumerate(texts)
            for b in texts[k + 1 :]
            if _overlap(a["box"], b["box"])
        ]
        assert pairs == [], (name, pairs)


def _assert_markdown_passes_mathjax(folder: Path) -> None:
    """Every formula of both Markdown files passes mathjax-full (undefined macros are errors), and
    there are as many as the HTML page emits."""
    node = need("node")
    need_npm("mathjax-full")
    files = [str(folder / f"backprop-calculus.{lang}.md") for lang in A.LANGS]
    run = subprocess.run(
        [node, str(JS / "validate_tex_math.mjs"), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    for f, lang in zip(files, A.LANGS):
        html = (folder / f"backprop-calculus.{lang}.html").read_text(encoding="utf-8")
        assert report[f]["errors"] == [], report[f]["errors"][:3]
        assert report[f]["count"] == int(html.split('data-formulas="', 1)[1].split('"', 1)[0])


def test_markdown_formulas_pass_mathjax(generated: Path) -> None:
    _assert_markdown_passes_mathjax(generated)


def test_validator_rejects_undefined_macros(tmp_path: Path) -> None:
    """The MathJax check above is only worth something if it can fail."""
    node = need("node")
    need_npm("mathjax-full")
    bad = tmp_path / "bad.md"
    bad.write_text("x $\\nosuchmacro{a}$ and\n$$\n\\frac{1}{2}\n$$\n", encoding="utf-8")
    run = subprocess.run(
        [node, str(JS / "validate_tex_math.mjs"), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(run.stdout)[str(bad)]
    assert report["count"] == 2 and len(report["errors"]) == 1


# ---------------------------------------------------------------------------------------------
# the checker reads the article


NOT_IDENTITIES = {
    ("skipped", "update rule"),
    ("skipped", "skip directive"),
    ("skipped", "a statement about indices or sizes, not an identity between quantities"),
}


def _assert_checks_clean(folder: Path, run: Run) -> None:
    """Every relation of the article's Markdown is proved by derivator check, except what is not
    an identity (update rules, definitions the article marks with a skip directive).  ``run``:
    the module's one run (:func:`checker`), so the zh article finds the en one's proofs."""
    from derivator.document import check as C

    for lang in ("en", "zh"):
        path = folder / f"backprop-calculus.{lang}.md"
        results = C.check_text(str(path), path.read_text(encoding="utf-8"), run)
        assert len(results) > 100
        bad = [
            (r.line, r.step, r.verdict, r.reason)
            for r in results
            if r.verdict != "proved"
            and (r.verdict, r.reason) not in NOT_IDENTITIES
            and not (r.verdict == "defined" and r.defines)  # the article's own definitions
        ]
        assert not bad, bad
        assert sum(r.verdict == "proved" for r in results) > 0.8 * len(results)


def test_derivator_check_proves_every_relation_of_the_generated_markdown(checker: Run) -> None:
    """The article and the checker speak the same notation."""
    _assert_checks_clean(OUTPUT, checker)


# ---------------------------------------------------------------------------------------------
# the cross-entropy article: softmax output, the single-neuron chapter on the squared error


@pytest.fixture(scope="module")
def cross_entropy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``derivator article --loss cross-entropy`` in both languages and all formats."""
    out = tmp_path_factory.mktemp("article-ce")
    result = CliRunner().invoke(
        _app(),
        ["article", "--loss", "cross-entropy", "--lang", "all", "--format", "all", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    return out


def test_cross_entropy_article_derives_the_softmax_error(cross_entropy: Path) -> None:
    en = (cross_entropy / "backprop-calculus.en.md").read_text(encoding="utf-8")
    zh = (cross_entropy / "backprop-calculus.zh.md").read_text(encoding="utf-8")
    for md in (en, zh):
        # each section names the loss it uses, for `derivator check`
        assert "<!-- derivator: activation=sigmoid loss=cross-entropy -->" in md
        assert "<!-- derivator: network=single activation=sigmoid loss=mse -->" in md
        assert "<!-- derivator: network=general activation=sigmoid loss=cross-entropy -->" in md
        for needle in (
            r"L_0 = \frac{1}{2} (a_{0}^{(L)} - y_{0})^{2}",  # the single neuron keeps the squared error
            r"a_{ij}^{(L)} &= \frac{e^{z_{ij}^{(L)}}}{\sum_{j'=0}^{n_{(L)}-1} e^{z_{ij'}^{(L)}}}",  # softmax
            r"L_i &= -\sum_{j=0}^{n_{(L)}-1} y_{ij} \ln(a_{ij}^{(L)})",  # -y ln a, as a textbook writes it
            r" &= -\frac{y_{ij'}}{a_{ij'}^{(L)}}",
            r"\frac{\partial a_{ij'}^{(L)}}{\partial z_{ij}^{(L)}} = ([j = j'] - a_{ij}^{(L)}) a_{ij'}^{(L)}",  # Jacobian
            r"\delta_{ij}^{(L)} &= a_{ij}^{(L)} \sum_{j'=0}^{n_{(L)}-1} y_{ij'} - y_{ij}",
            # the hidden recurrence is the same as for the squared error
            r"\delta_{ik}^{(L-1)} &= \sigma'(z_{ik}^{(L-1)}) \sum_{j=0}^{n_{(L)}-1} \delta_{ij}^{(L)} w_{jk}^{(L)}",
            r"\Delta^{(L)} &= A^{(L)} \odot \left(Y\mathbf{1}\right) - Y",
        ):
            assert needle in md, needle
        # δ = a − y only when the targets sum to 1: shown, and kept from the checker as an identity
        assert re.search(
            r"<!-- derivator: skip=next -->\n\n\$\$\n\\delta_\{ij\}\^\{\(L\)\} = a_\{ij\}\^\{\(L\)\} - "
            r"y_\{ij\}[.,] \\tag\{\d+\}\n\$\$",
            md,
        )
        # the left side ∂L_i/∂z_ij^(L) is derived once, not restated by a second chain
        assert md.count(r"\frac{\partial L_i}{\partial z_{ij}^{(L)}} &=") == 1
        # nothing of the squared error's output layer leaks into the many-neuron chapters
        general = md.split("<!-- derivator: network=general", 1)[1]
        assert r"(a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)})" not in general
        assert "softmax" in md
    assert "cross-entropy" in en and "squared error" in en
    assert "交叉熵" in zh and "平方误差" in zh
    assert zh.count("$$") == en.count("$$")


def test_cross_entropy_article_is_byte_identical_in_another_process(
    cross_entropy: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "4242", "PYTHONPATH": str(ROOT)}
    code = (
        "import sys; from pathlib import Path; from derivator.publish import article as A; "
        "A.generate(A.Options(loss='cross-entropy'), ['zh', 'en'], ['md', 'tex', 'html'], Path(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], check=True, env=env, cwd=tmp_path, timeout=180
    )
    again, first = _files(tmp_path), _files(cross_entropy)
    assert sorted(again) == sorted(first)
    for name, data in again.items():
        assert data == first[name], f"{name} differs between runs"


@pytest.mark.parametrize("lang, engine", [("en", "pdflatex"), ("zh", "xelatex")])
def test_cross_entropy_tex_compiles(
    cross_entropy: Path, tmp_path: Path, lang: str, engine: str
) -> None:
    need(engine)
    tex = tmp_path / f"backprop-calculus.{lang}.tex"
    shutil.copy(cross_entropy / tex.name, tex)
    _, log = _compile(tex, engine)
    assert "Missing character" not in log
    assert "Overfull \\hbox" not in log, "a formula or figure is wider than the page"


def test_cross_entropy_markdown_formulas_pass_mathjax(cross_entropy: Path) -> None:
    _assert_markdown_passes_mathjax(cross_entropy)


@pytest.mark.slow
def test_derivator_check_proves_every_relation_of_the_cross_entropy_markdown(
    cross_entropy: Path, checker: Run
) -> None:
    _assert_checks_clean(cross_entropy, checker)
