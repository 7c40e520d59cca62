"""derivator's printer and its reader speak one notation: every formula `formulas` prints, in
index and matrix form, reads back through `check` and is proved there."""

from __future__ import annotations

import pytest

from derivator import Network
from derivator.document import check


@pytest.mark.parametrize(
    "activation, loss", [("sigmoid", "mse"), ("tanh", "cross-entropy"), ("relu", "mse")]
)
@pytest.mark.parametrize("layer", ["L", "L-1", "l"])
def test_printed_formulas_check_as_proved(activation: str, loss: str, layer: str) -> None:
    # the one-hot row is true only under its assumption, which a reader of the bare formula lacks
    rows = [
        r
        for r in Network(activation=activation, loss=loss).formulas(layer, form="both")
        if r.form != "assumption"
    ]
    doc = [f"<!-- derivator: activation={activation} loss={loss} -->"]
    doc += [f"$$\n{r.latex()}\n$$\n" for r in rows]
    results = check.check_text("printed.md", "\n".join(doc), check.Run())
    assert len(results) == len(rows)
    # δ written as the product of partials it stands for is the document's definition of δ
    judged = [r for r in results if not (r.verdict == "defined" and r.defines == "delta")]
    assert len(judged) >= len(results) - 1
    assert [(r.verdict, r.relation) for r in judged if r.verdict != "proved"] == []


def test_the_printers_kronecker_bracket_and_ones_vector_read_back() -> None:
    doc = "\n".join(
        [
            "<!-- derivator: loss=cross-entropy -->",
            r"$$\frac{\partial a_{ij}^{(L)}}{\partial z_{ik}^{(L)}} = a_{ij}^{(L)} [j = k] - a_{ij}^{(L)} a_{ik}^{(L)}$$",
            r"$$\frac{\partial a_{ij}^{(L)}}{\partial z_{ik}^{(L)}} = a_{ij}^{(L)} [j = k]$$",
            r"$$\Delta^{(L)} = A^{(L)} \odot \left(Y\mathbf{1}\right) - Y$$",
            r"$$\Delta^{(L)} = A^{(L)} - Y$$",
        ]
    )
    verdicts = [r.verdict for r in check.check_text("k.md", doc, check.Run())]
    assert verdicts == ["proved", "refuted", "proved", "refuted"]


def test_a_right_hand_side_broken_over_rows_reads_as_one() -> None:
    """The article breaks a long right-hand side for phones (``&\\qquad \\times …`` rows, see
    publish/blocks.py): the checker reads the rows as one expression, so the broken formula is
    proved exactly when the whole one is, and a wrong factor on a continuation row is refuted."""
    from derivator.publish.blocks import Display, Step

    rows = [r for r in Network(depth=4).formulas("L-2", form="index") if r.form == "closed"]
    doc = ["<!-- derivator: activation=sigmoid loss=mse -->"]
    broken = []
    for r in rows:
        lhs, rhs = r.latex().split(" = ", 1)
        narrow = Display((Step(lhs, rhs, ""),), False, 1).narrow
        if r"&\qquad \times" in narrow:
            broken.append(narrow)
    assert len(broken) >= 2
    wrong = broken[0].replace(r"&\qquad \times", r"&\qquad \times w_{00}^{(L)}", 1)
    doc += [f"$$\n{b}\n$$\n" for b in broken + [wrong]]
    results = check.check_text("broken.md", "\n".join(doc), check.Run())
    assert [r.verdict for r in results] == ["proved"] * len(broken) + ["refuted"]


def test_rows_that_are_not_continuations_stay_apart() -> None:
    """Only an ``&`` row without a relation continues: a row with its own relation is a new step
    of the chain (here both steps are wrong, and each is refuted on its own)."""
    doc = "\n".join(
        [
            "<!-- derivator: network=single activation=sigmoid loss=mse -->",
            r"$$\begin{aligned} \frac{\partial L_0}{\partial b^{(L)}} &= (a_{0}^{(L)} - y_{0}) \\"
            r" &= (a_{0}^{(L)} - y_{0}) \sigma'(z_{0}^{(L)}) \end{aligned}$$",
        ]
    )
    verdicts = [r.verdict for r in check.check_text("rows.md", doc, check.Run())]
    assert verdicts == ["refuted", "refuted"]
