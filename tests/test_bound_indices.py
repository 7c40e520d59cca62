"""A Σ's index stands for the same thing everywhere in its body, an Iverson bracket included.

The reader used to rename a bound j′ in y_{ij′} but not inside [j = j′], so a true step of the
softmax derivation was refuted.  Truth here: NumPy at random values (n and widths all differ)."""

from __future__ import annotations

import numpy as np

from derivator.document import Run, check_text

TRUE = r"-\sum_{j'=0}^{n_{(L)}-1} ([j = j'] - a_{ij}^{(L)}) y_{ij'} = a_{ij}^{(L)} \sum_{j'} y_{ij'} - y_{ij}"
FALSE = r"-\sum_{j'=0}^{n_{(L)}-1} ([j = j'] + a_{ij}^{(L)}) y_{ij'} = a_{ij}^{(L)} \sum_{j'} y_{ij'} - y_{ij}"
SELECT = r"\sum_{k} [k = j] a_{ik}^{(L)} = a_{ij}^{(L)}"


def _sides(sign: int, rng: np.random.Generator) -> tuple[float, float]:
    width, j = 5, 2
    a, y = rng.random(width), rng.random(width)
    left = -sum(((1.0 if jp == j else 0.0) + sign * a[j]) * y[jp] for jp in range(width))
    return left, a[j] * y.sum() - y[j]


def test_a_bound_index_inside_an_iverson_bracket_is_the_bound_one() -> None:
    rng = np.random.default_rng(7)
    assert np.isclose(*_sides(-1, rng)) and not np.isclose(*_sides(+1, rng))  # our own truth
    doc = (
        "<!-- derivator: loss=cross-entropy -->\n"
        + "\n\n".join(f"$${r}$$" for r in (TRUE, FALSE, SELECT))
        + "\n"
    )
    true, false, select = check_text("bound.md", doc, Run())
    assert (true.verdict, false.verdict, select.verdict) == ("proved", "refuted", "proved"), [
        (r.verdict, r.reason) for r in (true, false, select)
    ]
