"""Bad input: every item gets a clear message with file:line:column, the other relations
of the file are still checked, the run never hangs, never prints a traceback and never executes
anything."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import inprocess
import pytest

from derivator.document import Run, check_text

ROOT = Path(__file__).resolve().parents[1]
GOOD = r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}$$"
GOOD_TEX = r"\[ a_{ij}^{(L)} = \sigma(z_{ij}^{(L)}) \]"
SECRET = r"$$\frac{\partial L}{\partial w_{jk}^{(L)}} = 12345$$"  # refuted if it were ever read


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", COLUMNS="200")
    return env


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `derivator check` in this process (tests/inprocess.py), with the environment a new
    process gets from ``_env``; a traceback fails the test.  The bad input of ``runs`` goes to
    real processes (:func:`check_process`): a hang there fails on its timeout."""
    out = inprocess.derivator(
        "check", "--timeout", "5", *args, cwd=cwd, env={"NO_COLOR": None, "COLUMNS": "200"}
    )
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    return out


def check_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `derivator check` in a new process; a hang fails the test (timeout), a traceback too."""
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", "--timeout", "5", *args],
        capture_output=True,
        cwd=cwd,
        env=_env(),
        timeout=180,
    )
    out = subprocess.CompletedProcess(
        r.args, r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")
    )
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    return out


def _sandwich(bad: str) -> str:
    """A good relation on line 1, the bad block from line 3, a good relation after it."""
    return f"{GOOD}\n\n{bad}\n\n{GOOD}\n"


NEST = 5000
CASES: dict[str, str] = {
    "unbalanced_open_brace.md": _sandwich(
        r"$$\frac{\partial L}{\partial b_j^{(L)}} = \frac{1}{n \sum_i \delta_{ij}^{(L)}$$"
    ),
    "unbalanced_close_brace.md": _sandwich(r"$$a_{ij}^{(L)} = \sigma(z_{ij}^{(L)}}$$"),
    "unbalanced_bracket.md": _sandwich(r"$$a_{ij}^{(L)} = \sigma(z_{ij}^{(L)}$$"),
    "unknown_macro.md": _sandwich(r"$$a_{ij}^{(L)} = \foo(z_{ij}^{(L)})$$"),
    "python_lhs.md": _sandwich("$$__import__('os').system('touch PWNED_1') = 1$$"),
    "python_rhs.md": _sandwich("$$x = __import__('os').system('touch PWNED_2')$$"),
    "python_eval.md": _sandwich(
        '$$a_{ij}^{(L)} = eval(\'__import__("os").system("touch PWNED_3")\')$$'
    ),
    "write18.md": _sandwich(r"$$x = \immediate\write18{touch PWNED_4}$$"),
    "input_in_formula.md": _sandwich(r"$$\input{secret} = 1$$"),
    "nested_brackets.md": _sandwich("$$x = " + "(" * NEST + "x" + ")" * NEST + "$$"),
    "nested_braces.md": _sandwich("$$x = " + "{" * NEST + "x" + "}" * NEST + "$$"),
    "nested_left_right.md": _sandwich("$$x = " + r"\left[" * NEST + "x" + r"\right]" * NEST + "$$"),
    "power.md": _sandwich(r"$$\frac{\partial L}{\partial b_j^{(L)}} = (z_{ij}^{(L)})^{200000}$$"),
    "power_of_number.md": _sandwich(r"$$\frac{\partial L}{\partial b_j^{(L)}} = 2^{200000}$$"),
    "formula_60kB.md": _sandwich(
        "$$z_{ij}^{(L)} = " + " + ".join([r"w_{jk}^{(L)} a_{ik}^{(L-1)}"] * 2200) + "$$"
    ),
    "unterminated_last.md": f"{GOOD}\n\n{GOOD}\n\n$$ a_{{ij}}^{{(L)}} = \\sigma(z_{{ij}}^{{(L)}})\n",
    "unterminated_middle.md": _sandwich(r"$$ a_{ij}^{(L)} = \sigma(z_{ij}^{(L)})"),
    "unterminated_bracket.md": _sandwich(r"\[ a_{ij}^{(L)} = \sigma(z_{ij}^{(L)})"),
}
# where the bad block is, and something its message must say
WHERE: dict[str, tuple[int, str]] = {
    "unbalanced_open_brace.md": (3, "brace"),
    "unbalanced_close_brace.md": (3, "}"),
    "unbalanced_bracket.md": (3, ")"),
    "unknown_macro.md": (3, r"\foo"),
    "python_lhs.md": (3, ""),
    "python_rhs.md": (3, ""),
    "python_eval.md": (3, ""),
    "write18.md": (3, r"\immediate"),
    "input_in_formula.md": (3, r"\input"),
    "nested_brackets.md": (3, ""),
    "nested_braces.md": (3, ""),
    "nested_left_right.md": (3, ""),
    "power.md": (3, "200"),
    "power_of_number.md": (3, "200"),
    "formula_60kB.md": (3, "long"),
    "unterminated_last.md": (5, "never closed"),
    "unterminated_middle.md": (3, "never closed"),
    "unterminated_bracket.md": (3, "never closed"),
}
TEX = (
    "\\documentclass{article}\n"  # 1
    "\\begin{document}\n"  # 2
    f"{GOOD_TEX}\n"  # 3
    "\\input{secret}\n"  # 4
    "Text \\include{secret} more text.\n"  # 5
    f"{GOOD_TEX}\n"  # 6
    "\\end{document}\n"
)  # 7


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad")
    for name, text in CASES.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "includes.tex").write_text(TEX, encoding="utf-8")
    (d / "secret.tex").write_text(SECRET + "\n", encoding="utf-8")
    (d / "secret").write_text(SECRET + "\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def runs(workdir: Path) -> dict[str, object]:
    names = sorted(CASES) + ["includes.tex"]
    js = check_process(*names, "--format", "json", cwd=workdir)
    text = check_process(*names, cwd=workdir)
    return {
        "json": json.loads(js.stdout),
        "json_rc": js.returncode,
        "text": text.stdout,
        "stderr": text.stderr,
    }


def _results(runs: dict, name: str) -> list[dict]:
    return [r for r in runs["json"]["results"] if r["file"] == name]  # type: ignore[index]


def test_the_run_ends_and_fails(runs: dict) -> None:
    # it ends: check() fails a run that hangs (its timeout); no timing here (bench/)
    assert runs["json_rc"] == 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_block_is_an_error_with_file_line_column(runs: dict, workdir: Path, name: str) -> None:
    line, words = WHERE[name]
    res = _results(runs, name)
    # a relation after it that uses a name the bad block defines is an error naming its line
    errors = [r for r in res if r["verdict"] == "error" and f"(line {line})" not in r["reason"]]
    assert len(errors) == 1, res
    e = errors[0]
    assert e["line"] == line, e
    assert words in e["reason"] + e["relation"], e
    assert e["reason"].strip(), e
    # the text report points at file:line:column
    m = re.search(rf"^{re.escape(name)}:(\d+):(\d+)\s+\S+ error", runs["text"], re.M)  # type: ignore[arg-type]
    assert m, runs["text"]
    src_lines = CASES[name].split("\n")
    ln, col = int(m.group(1)), int(m.group(2))
    assert ln == line and 1 <= col <= len(src_lines[ln - 1]) + 1, (ln, col)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_other_relations_of_the_file_are_still_checked(runs: dict, name: str) -> None:
    bad_line = WHERE[name][0]
    good = [
        (r["line"], "proved" if f"definition (line {bad_line})" in r["reason"] else r["verdict"])
        for r in _results(runs, name)
        if r["line"] != bad_line
    ]  # a relation that uses what the bad block defines is an error naming it, never judged
    want = (
        [(1, "proved"), (3, "proved")]
        if name == "unterminated_last.md"
        else [(1, "proved"), (5, "proved")]
    )
    assert good == want


def test_unknown_macro_column_points_at_the_macro(runs: dict) -> None:
    e = next(r for r in _results(runs, "unknown_macro.md") if r["verdict"] == "error")
    col = CASES["unknown_macro.md"].split("\n")[2].index(r"\foo") + 1
    assert e["position"] == {"line": 3, "column": col}, e
    assert re.search(rf"^unknown_macro\.md:3:{col}\s", runs["text"], re.M)  # type: ignore[arg-type]


def test_nothing_is_executed(runs: dict, workdir: Path) -> None:
    assert not list(workdir.glob("PWNED*"))
    assert not list(Path.cwd().glob("PWNED*")) and not list(ROOT.glob("PWNED*"))


def test_included_files_are_never_read(runs: dict) -> None:
    res = _results(runs, "includes.tex")
    assert [(r["line"], r["verdict"]) for r in res if r["verdict"] != "error"] == [
        (3, "defined"),
        (6, "proved"),
    ]
    errors = sorted((r["line"], r["reason"]) for r in res if r["verdict"] == "error")
    assert [ln for ln, _ in errors] == [4, 5]
    assert all("input" in reason or "include" in reason for _, reason in errors)
    assert re.search(r"^includes\.tex:4:1\s", runs["text"], re.M)  # type: ignore[arg-type]
    assert re.search(r"^includes\.tex:5:6\s", runs["text"], re.M)  # type: ignore[arg-type]
    assert "12345" not in json.dumps(runs["json"])


def test_a_multiline_error_points_at_the_offending_character(tmp_path: Path) -> None:
    """file:line:column in the text report must name the place of the error, as editors jump to it.

    BUG: for a block that spans lines the header combines the block's opening line with the
    column of the error on another line (report.py text(): r.line with r.column)."""
    doc = "\n".join([GOOD, "", "$$", r"a_{ij}^{(L)}", r"= \foo(z_{ij}^{(L)})", "$$", ""])
    (tmp_path / "m.md").write_text(doc, encoding="utf-8")
    r = check("m.md", cwd=tmp_path)
    assert r.returncode == 1
    m = re.search(r"^m\.md:(\d+):(\d+)\s+\S+ error", r.stdout, re.M)
    assert m, r.stdout
    # the place is said once, then shown: the source line with a caret under the column
    assert "line 5, column 3" not in r.stdout
    assert "5 | = \\foo(z_{ij}^{(L)})\n" in r.stdout and "\n  |   ^" in r.stdout.replace(
        " " * 19, ""
    ), r.stdout
    ln, col = int(m.group(1)), int(m.group(2))
    assert doc.split("\n")[ln - 1][col - 1 :].startswith(r"\foo"), (ln, col)


def test_empty_blocks_are_mentioned_and_do_not_stop_the_file(tmp_path: Path) -> None:
    """The brief lists "an empty block" among the inputs that get a clear message with file:line.

    BUG (or spec conflict): empty blocks ($$$$, $$ $$, \\[ \\], an empty equation) are silently
    dropped (check.py block_results yields nothing for an empty text; check_text skips blocks without
    "="); notation.md only says blocks without = are not claims, so a warning would satisfy both."""
    md = "\n".join([GOOD, "", "$$$$", "", "$$ $$", "", r"\[ \]", "", GOOD, ""])
    tex = "\n".join(
        [
            r"\documentclass{article}",
            r"\begin{document}",
            GOOD_TEX,
            r"\begin{equation}",
            r"\end{equation}",
            GOOD_TEX,
            r"\end{document}",
            "",
        ]
    )
    (tmp_path / "empty.md").write_text(md, encoding="utf-8")
    (tmp_path / "empty.tex").write_text(tex, encoding="utf-8")
    r = check("empty.md", "empty.tex", "--format", "json", cwd=tmp_path)
    res = json.loads(r.stdout)["results"]
    assert [(x["file"], x["line"], x["verdict"]) for x in res if x["verdict"] != "error"] == [
        ("empty.md", 1, "proved"),
        ("empty.md", 9, "proved"),
        ("empty.tex", 3, "defined"),  # a = σ(z): the forward pass defines a
        ("empty.tex", 6, "proved"),
    ]
    text = check("empty.md", "empty.tex", cwd=tmp_path)
    said = text.stdout + text.stderr
    for where in ("empty.md:3", "empty.md:5", "empty.md:7", "empty.tex:4"):
        assert re.search(
            rf"{re.escape(where)}\b.*empty|{re.escape(where)}:\d+.*empty", said, re.I
        ), (where, said)


def test_skip_next_also_covers_an_unreadable_block(tmp_path: Path) -> None:
    """notation.md: skip=next means "do not check the next block".

    BUG: a block that cannot be read still yields an error under skip=next (and skip=on), so the
    file fails: check.py block_results parses before it looks at `skipping`."""
    doc = "\n".join(
        [
            GOOD,
            "",
            "<!-- derivator: skip=next -->",
            r"$$\text{cost} = \text{anything} = 42$$",
            "",
            "<!-- derivator: skip=on -->",
            r"$$a = \foo$$",
            "<!-- derivator: skip=off -->",
            GOOD,
            "",
        ]
    )
    (tmp_path / "s.md").write_text(doc, encoding="utf-8")
    r = check("s.md", "--format", "json", cwd=tmp_path)
    res = json.loads(r.stdout)["results"]
    assert [x["verdict"] for x in res if x["line"] in (1, 9)] == ["proved", "proved"]
    assert not [x for x in res if x["verdict"] == "error"], res
    assert r.returncode == 0


def test_bad_directives_are_errors_at_their_line_and_column(tmp_path: Path) -> None:
    doc = "\n".join(
        [
            GOOD,
            "",
            "Text <!-- derivator: activation=swish --> more",
            "",
            "<!-- derivator: colour=blue -->",
            "",
            GOOD,
            "",
        ]
    )
    (tmp_path / "d.md").write_text(doc, encoding="utf-8")
    r = check("d.md", cwd=tmp_path)
    assert r.returncode == 1
    assert re.search(r"^d\.md:3:6\s.*error", r.stdout, re.M), r.stdout
    assert re.search(r"^d\.md:5:1\s.*error", r.stdout, re.M), r.stdout
    assert "swish" in r.stdout and "colour" in r.stdout
    assert len(re.findall(r"proved", r.stdout)) >= 2


def test_unreadable_files_exit_2_with_a_message_and_the_others_are_checked(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes(("Caf\u00e9 au lait\n\n" + GOOD + "\n").encode("latin-1"))
    (tmp_path / "utf16.md").write_bytes((GOOD + "\n").encode("utf-16"))
    r = check("latin1.md", "good.md", "utf16.md", "missing.md", "--format", "json", cwd=tmp_path)
    assert r.returncode == 2
    results = json.loads(r.stdout)["results"]
    assert [(x["file"], x["verdict"]) for x in results] == [
        ("latin1.md", "error"),
        ("good.md", "proved"),
        ("utf16.md", "error"),
        ("missing.md", "error"),
    ]
    assert "UTF-8" in results[0]["reason"] and "no such file" in results[3]["reason"]
    err = r.stderr
    assert re.search(r"latin1\.md:1\b.*UTF-8", err), err
    assert re.search(r"utf16\.md:\d+\b.*UTF-8", err), err
    assert "missing.md" in err
    assert "Traceback" not in err


def test_an_empty_file_has_no_results(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    r = check("empty.md", "--format", "json", cwd=tmp_path)
    assert r.returncode == 5 and "no relation found in 1 file" in r.stderr  # nothing was checked
    data = json.loads(r.stdout)
    assert data["results"] == [] and data["warnings"] == []
    assert data["summary"] == dict.fromkeys(
        ("proved", "defined", "refuted", "unknown", "skipped", "error"), 0
    )
    assert check("empty.md", "--allow-empty", cwd=tmp_path).returncode == 0


def test_powers_hidden_in_nested_powers_do_not_hang() -> None:
    """(x+1)^64 raised to 64 is a power of 4096: no per-exponent limit alone catches it.  What
    stops it is a limit, named in the verdict: the total power (an error) or the run's timeout
    (unknown).  No timing: a run that is not stopped does not end, and the test's own timeout
    (pyproject.toml) fails it."""
    run = Run(timeout=2.0)
    for formula in (
        r"$$x = ((x+1)^{64})^{64}$$",
        r"$$x = (((x+1)^{64})^{64})^{64}$$",
        r"$$a_{ij}^{(L)} = ((z_{ij}^{(L)} + 1)^{60})^{60}$$",
    ):
        res = check_text("p.md", formula, run)
        assert [r.verdict for r in res] in (["unknown"], ["error"]), (formula, res)
        reason = res[0].reason
        assert "the limit is 64" in reason if res[0].verdict == "error" else "within" in reason, (
            formula,
            reason,
        )


def test_a_gradient_matrix_inside_a_product_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py.  BUG: ∇B (or ∇W) inside a product of a matrix relation raises
    AttributeError ('tuple' object has no attribute 'left', matrix.py shape) out of check_text: the
    CLI prints a traceback, exits 1 and reports nothing at all for any file of the run.
    (interpret.py MatrixConverter.tree returns a bare tuple for ∇W/∇B, which MatMul cannot hold.)"""
    bad = [
        r"$$\nabla W^{(l)} = (\Delta^{(l)})^\top \nabla B^{(l)}$$",
        r"$$\nabla W^{(l)} = 2 \nabla B^{(l)}$$",
        r"$$\nabla W^{(l)} = \frac{1}{n} (\Delta^{(l)})^\top A^{(l-1)} \quad \nabla B^{(l)} = \frac{1}{n} \sum_i \Delta^{(l)}$$",
    ]
    (tmp_path / "g.md").write_text(_sandwich("\n\n".join(bad)), encoding="utf-8")
    r = check("g.md", "--format", "json", cwd=tmp_path)  # asserts there is no traceback
    res = json.loads(r.stdout)["results"]
    assert [(x["line"], x["verdict"]) for x in res if x["line"] in (1, 9)] == [
        (1, "proved"),
        (9, "proved"),
    ]


def test_dividing_by_a_quantity_is_not_a_crash(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py (a mutant that lost its two \\partial).  BUG: ZeroDivisionError
    escapes check_text when a random instance makes a denominator 0 (inputs are k/8 with k = 0
    allowed): proof.py _holds_single -> _search -> evaluate.py ev -> mpmath; prove() catches only
    NotationError and EvaluationError, so the CLI prints a traceback and reports nothing."""
    bad = [
        r"$$\frac{L}{b_j^{(L)}} = 1$$",
        r"$$\frac{ L}{ b_j^{(L)}} = \frac{1}{n} \sum_{i=0}^{n-1} (a_{ij}^{(L)} - y_{ij})\, \sigma'(z_{ij}^{(L)})$$",
    ]
    (tmp_path / "d.md").write_text(_sandwich("\n\n".join(bad)), encoding="utf-8")
    r = check("d.md", "--format", "json", cwd=tmp_path)  # asserts there is no traceback
    res = json.loads(r.stdout)["results"]
    assert [(x["line"], x["verdict"]) for x in res if x["line"] in (1, 7)] == [
        (1, "proved"),
        (7, "proved"),
    ]
    assert {x["verdict"] for x in res if x["line"] in (3, 5)} <= {"refuted", "unknown", "error"}


@pytest.mark.parametrize(
    "relation, odd",
    [
        (r"\delta^{(L)} = (a^{(L)} - y) + W^{(L)}", 31),  # a vector, then a matrix: at W
        (r"z^{(l)} = W^{(l)} a^{(l-1)} + W^{(l)}", 30),  # W a is a vector, the second W is not
        (r"z^{(l)} = W^{(l)} + b^{(l)} + W^{(l)}", 20),  # a matrix, then the vector b
    ],
)
def test_a_shape_error_points_at_the_term_that_does_not_fit(
    tmp_path: Path, relation: str, odd: int
) -> None:
    """The caret stands under the first term whose shape differs from the first term's, not
    under the start of the sum."""
    assert relation[odd] in "Wb"
    (tmp_path / "shapes.md").write_text(f"# Shapes\n\n$${relation}$$\n", encoding="utf-8")
    r = check("shapes.md", "--no-cache", cwd=tmp_path)
    assert "terms of different shapes" in r.stdout, r.stdout
    assert f"shapes.md:3:{odd + 3} " in r.stdout, r.stdout  # 1-based, after the $$
    source, caret = [x for x in r.stdout.splitlines() if "|" in x][1:3]
    assert caret.index("^") == source.index("$$") + 2 + odd, r.stdout
