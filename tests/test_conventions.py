"""Other authors' conventions (notation.md): directives with bad values are errors at their line,
``check --explain`` says what was inferred and from where, and no convention turns an unknown
name into a constant."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derivator.document import Run, check_text

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


def results(text: str, name: str = "post.md"):  # type: ignore[no-untyped-def]
    return check_text(name, text, Run())


BAD = [
    ("cost", "%%"),
    ("cost-is", "median"),
    ("mse-half", "maybe"),
    ("letters", "activation"),
    ("letters", "colour:q"),
    ("layer-tags", "raised"),
    ("index-layers", "j:Q"),
    ("weights", "sideways"),
    ("weight-layer", "below"),
    ("samples", "12"),
    ("targets", "some"),
]


@pytest.mark.parametrize("key,value", BAD)
def test_a_directive_value_that_cannot_be_read_is_an_error_at_its_line(
    key: str, value: str
) -> None:
    text = (
        "Some text.\n\n<!-- derivator: "
        + f"{key}={value}"
        + " -->\n\n$$a^{(L)}_j = \\sigma(z^{(L)}_j)$$\n"
    )
    rs = results(text)
    bad = [r for r in rs if r.verdict == "error"]
    assert len(bad) == 1 and bad[0].line == 3, [(r.line, r.verdict, r.reason) for r in rs]
    assert key in bad[0].reason and value in bad[0].reason, bad[0].reason


def test_cli_reports_the_directive_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "d.tex").write_text(
        "\\[ a = 1 \\]\n% derivator: weights=sideways\n", encoding="utf-8"
    )
    r = cli("d.tex", cwd=tmp_path)
    assert r.returncode == 1 and "d.tex:2" in r.stdout and "sideways" in r.stdout, r.stdout


UNKNOWN_NAMES = [
    # a cost letter declared, another letter still unknown
    (
        "<!-- derivator: cost=C cost-is=sample -->\n$$\\frac{\\partial D}{\\partial a^L_j} = a^L_j - y_j$$",
        "unknown quantity D",
    ),
    # a letter mapped onto the activation does not make a neighbour known
    ("<!-- derivator: letters=activation:p -->\n$$p^{(L)}_j = \\sigma(q^{(L)}_j)$$", "q"),
    # Bishop's letters without their layers: the reader says which directive would read them
    ("$$\\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k$$", "index-layers"),
]


@pytest.mark.parametrize("text,said", UNKNOWN_NAMES)
def test_conventions_never_turn_an_unknown_name_into_a_constant(text: str, said: str) -> None:
    (r,) = results(text)
    assert r.verdict == "error" and said in r.reason, (r.verdict, r.reason)


def test_explain_says_what_was_inferred_and_from_which_line(tmp_path: Path) -> None:
    (tmp_path / "ufldl.md").write_text(
        "Forward:\n\n$$z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}$$\n\n$$a^{(l+1)} = f(z^{(l+1)})$$\n\n"
        "$$J(W,b;x,y) = \\frac{1}{2} \\left\\| h_{W,b}(x) - y \\right\\|^2$$\n\n"
        "$$\\frac{\\partial}{\\partial b_{i}^{(l)}} J(W,b; x, y) = \\delta_i^{(l+1)}$$\n",
        encoding="utf-8",
    )
    r = cli("ufldl.md", "--explain", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    verdicts = [x["verdict"] for x in json.loads(r.stdout)["results"]]  # stdout stays valid JSON
    assert verdicts == ["defined"] * 3 + ["proved"], verdicts  # the forward pass and J define
    for line in (
        "ufldl.md:3: weight-layer=out-of",
        "ufldl.md:5: function f",
        "ufldl.md:7: cost J=sample",
        "ufldl.md:7: mse-half=yes",
    ):
        assert line in r.stderr, r.stderr


def test_a_redefinition_of_the_cost_governs_what_follows() -> None:
    """Nielsen defines C as the mean, then as one example's cost: the second governs the rest
    (∂C/∂a^L_j = a^L_j − y_j holds of one example's ½‖y − a^L‖²); the second is a definition
    of the model from its line on, and the claim says which definition of C it used."""
    text = (
        "$$C = \\frac{1}{n} \\sum_x C_x$$\n\n$$C = \\frac{1}{2} \\|y - a^L\\|^2$$\n\n"
        "$$\\frac{\\partial C}{\\partial a^L_j} = a^L_j - y_j$$\n"
    )
    rs = results(text)
    assert [r.verdict for r in rs] == ["defined", "defined", "proved"], [
        (r.verdict, r.reason) for r in rs
    ]
    assert "C here: one example's cost (line 3)" in rs[2].reason
    fixed = results("<!-- derivator: cost-is=sample -->\n" + text.split("\n\n", 1)[1])
    assert [r.verdict for r in fixed] == ["defined", "proved"], [
        (r.verdict, r.reason) for r in fixed
    ]


def test_a_later_forward_pass_with_swapped_indices_is_a_claim_not_a_convention() -> None:
    """Only the first relation naming a weight fixes the weights' order: a later z = Σ_k w_kj a_k
    is a mistake to refute, not a new convention."""
    text = (
        "$$z^{(L)}_{ij} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{ik} + b^{(L)}_j$$\n\n"
        "$$z^{(L)}_{ij} = \\sum_k w^{(L)}_{kj} a^{(L-1)}_{ik} + b^{(L)}_j$$\n"
    )
    assert [r.verdict for r in results(text)] == ["defined", "refuted"]


def test_a_block_starting_with_equals_continues_the_previous_chain() -> None:
    text = (
        "$$\\frac{\\partial L_i}{\\partial z_{ij}^{(L)}} = \\frac{\\partial L_i}{\\partial a_{ij}^{(L)}} "
        "\\sigma'(z_{ij}^{(L)})$$\n\nso\n\n$$= (a_{ij}^{(L)} - y_{ij}) \\sigma'(z_{ij}^{(L)})$$\n\n"
        "$$= (a_{ij}^{(L)} - y_{ij})$$\n"
    )
    rs = results(text)
    assert [(r.line, r.verdict) for r in rs] == [(1, "proved"), (5, "proved"), (7, "refuted")], rs
    assert rs[1].relation.startswith("\\frac{\\partial L_i}{\\partial a_{ij}^{(L)}}"), rs[
        1
    ].relation


def test_eqnarray_and_tags_are_read(tmp_path: Path) -> None:
    text = (
        "\\begin{eqnarray}\n\\delta^L_j & = & \\frac{\\partial L_i}{\\partial a^L_j} \\sigma'(z^L_j) \\label{bp1} "
        "\\nonumber \\\\\n & = & (a^L_j - y_j) \\sigma'(z^L_j). \\tag{BP1}\n\\end{eqnarray}\n"
    )
    rs = results(text, "bp.tex")
    assert [r.verdict for r in rs] == ["proved", "proved"], [(r.verdict, r.reason) for r in rs]


def test_a_definition_governs_a_directive_that_contradicts_it() -> None:
    """3Blue1Brown's C_0 = (a - y)² fixes 'no ½'; a directive mse-half=yes (the default) does not
    override the document's own definition (definitions define): C_0 is defined as written, and
    ∂C_0/∂a = 2(a − y) (a central difference at random values) is proved under the directive too."""
    import random

    rng = random.Random(1)
    a, y, h = rng.uniform(-1, 1), rng.uniform(-1, 1), 1e-6
    slope = (((a + h) - y) ** 2 - ((a - h) - y) ** 2) / (2 * h)
    assert abs(slope - 2 * (a - y)) < 1e-6
    body = "$$C_0 = (a^{(L)} - y)^2$$\n\n$$\\frac{\\partial C_0}{\\partial a^{(L)}} = 2(a^{(L)} - y)$$\n"
    for directive in ("network=single", "network=single mse-half=yes"):
        rs = results(f"<!-- derivator: {directive} -->\n\n" + body)
        assert [r.verdict for r in rs] == ["defined", "proved"], [(r.verdict, r.reason) for r in rs]


def test_a_half_in_one_definition_and_not_in_another_each_governs_its_cost() -> None:
    """C_0 = (a − y)² and C_1 = ½(a − y)² are two costs, each taken as written: ∂C_0/∂a is
    2(a − y) (a central difference at random values), so ∂C_0/∂a = a − y is refuted."""
    import random

    rng = random.Random(0)
    a, y, h = rng.uniform(-1, 1), rng.uniform(-1, 1), 1e-6
    slope = (((a + h) - y) ** 2 - ((a - h) - y) ** 2) / (2 * h)
    assert abs(slope - 2 * (a - y)) < 1e-6 and abs(slope - (a - y)) > 1e-3
    body = (
        "$$C_0 = (a^{(L)} - y)^2$$\n\n$$C_1 = \\frac{1}{2}(a^{(L)} - y)^2$$\n\n"
        "$$\\frac{\\partial C_0}{\\partial a^{(L)}} = a^{(L)} - y$$\n"
    )
    rs = results("<!-- derivator: network=single -->\n\n" + body)
    assert [r.verdict for r in rs] == ["defined", "defined", "refuted"], [
        (r.verdict, r.reason) for r in rs
    ]
    stated = results("<!-- derivator: network=single mse-half=yes -->\n\n" + body)
    # with ½ stated, each definition still governs its own cost (definitions define): the same
    assert [r.verdict for r in stated] == ["defined", "defined", "refuted"], [
        (r.verdict, r.reason) for r in stated
    ]


def test_nested_vector_products_are_read_in_bounded_work(tmp_path: Path) -> None:
    """Shapes of nested products are measured once each: 30 levels would take 3^30 steps otherwise."""
    nested = "(a^l " * 30 + "a^l" + ")" * 30
    (tmp_path / "deep.md").write_text(f"$$\\delta^l = {nested}$$\n", encoding="utf-8")
    r = cli("deep.md", "--format", "json", cwd=tmp_path)
    (res,) = json.loads(r.stdout)["results"]
    assert res["verdict"] in ("refuted", "error"), res


# an undefined cost letter: its meaning is reported, not guessed
UNDEFINED_COST = (
    "$$\\frac{\\partial C}{\\partial b^{(L)}_j} = (a^{(L)}_j - y_j) \\sigma'(z^{(L)}_j)$$\n"
)


#: a forward pass with the sample index written (a_{ij}): the document is about many examples
WITH_SAMPLES = "$$z^{(L)}_{ij} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{ik} + b^{(L)}_j$$\n\n"


def test_a_cost_letter_the_document_never_defines_is_ambiguous_and_names_the_directive() -> None:
    """Where a sample index is written, the bare undefined C could be the mean, the sum or one
    example's loss: an error naming cost-is.  A document that writes no sample describes one
    example, where the three are one quantity: C is that example's loss (proved, as under
    cost-is=sample)."""
    r = results(WITH_SAMPLES + UNDEFINED_COST)[-1]
    assert r.verdict == "error" and "ambiguous" in r.reason and "cost-is=sample" in r.reason, (
        r.reason
    )
    (r,) = results(UNDEFINED_COST)
    assert r.verdict == "proved", r.reason
    (r,) = results("<!-- derivator: cost-is=sample -->\n\n" + UNDEFINED_COST)
    assert r.verdict == "proved", r.reason  # ∂L_i/∂b_j = (a_j - y_j) σ'(z_j): true of one sample
    (r,) = results("<!-- derivator: cost-is=mean -->\n\n" + UNDEFINED_COST)
    assert r.verdict == "refuted", r.reason  # the mean's derivative has a sum over the samples


def test_the_mean_of_per_sample_partials_defines_the_bare_letter() -> None:
    text = (
        "$$C_x = \\frac{1}{2}\\sum_j (a^{(L)}_j - y_j)^2$$\n\n"
        "$$\\frac{\\partial C}{\\partial b^{(L)}_j} = \\frac{1}{n} \\sum_x \\frac{\\partial C_x}{\\partial b^{(L)}_j}$$\n\n"
        "$$\\frac{\\partial C}{\\partial b^{(L)}_j} = (a^{(L)}_j - y_j) \\sigma'(z^{(L)}_j)$$\n"
    )
    verdicts = [r.verdict for r in results(text)]
    assert verdicts == ["defined", "proved", "refuted"], verdicts
