"""derivator's printer and its reader speak one notation: every formula `formulas` prints, in
index and matrix form, reads back through `check` and is proved there."""

from __future__ import annotations

import pytest

from derivator import Network
from derivator.document import check as C


@pytest.mark.parametrize("activation, loss", [("sigmoid", "mse"), ("tanh", "cross-entropy"), ("relu", "mse")])
@pytest.mark.parametrize("layer", ["L", "L-1", "l"])
def test_printed_formulas_check_as_proved(activation: str, loss: str, layer: str) -> None:
    # the one-hot row is true only under its assumption, which a reader of the bare formula lacks
    rows = [r for r in Network(activation=activation, loss=loss).formulas(layer, form="both")
            if r.form != "assumption"]
    doc = [f"<!-- derivator: activation={activation} loss={loss} -->"]
    doc += [f"$$\n{r.latex()}\n$$\n" for r in rows]
    results = C.check_text("printed.md", "\n".join(doc), C.Run())
    assert len(results) == len(rows)
    assert [(r.verdict, r.relation) for r in results if r.verdict != "proved"] == []


def test_the_printers_kronecker_bracket_and_ones_vector_read_back() -> None:
    doc = "\n".join([
        "<!-- derivator: loss=cross-entropy -->",
        r"$$\frac{\partial a_{ij}^{(L)}}{\partial z_{ik}^{(L)}} = a_{ij}^{(L)} [j = k] - a_{ij}^{(L)} a_{ik}^{(L)}$$",
        r"$$\frac{\partial a_{ij}^{(L)}}{\partial z_{ik}^{(L)}} = a_{ij}^{(L)} [j = k]$$",
        r"$$\Delta^{(L)} = A^{(L)} \odot \left(Y\mathbf{1}\right) - Y$$",
        r"$$\Delta^{(L)} = A^{(L)} - Y$$",
    ])
    verdicts = [r.verdict for r in C.check_text("k.md", doc, C.Run())]
    assert verdicts == ["proved", "refuted", "proved", "refuted"]
