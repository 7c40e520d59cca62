"""Matrices written out in numbers (worked examples) are computed, exactly or at the precision
shown; bold or italic index letters (w_{k\\mathbf{j}}) are the index letters.  Truth from NumPy
(the literal arithmetic) and from our PyTorch evaluator (the index forms), never from derivator."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from test_corpus_real import GENERIC, Lo, holds, sig_p

from derivator.document import Run, check_text


def _last(formula: str, head: str = "<!-- derivator: activation=sigmoid -->"):  # type: ignore[no-untyped-def]
    return check_text("lit.md", f"{head}\n\n$${formula}$$\n", Run(timeout=20.0))[-1]


def pm(rows: list[list[str]]) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(r) for r in rows) + r"\end{pmatrix}"


def num(rows: list[list[str]]) -> np.ndarray:
    return np.array([[float(Fraction(x)) for x in r] for r in rows])


W = [["0.15", "0.2"], ["0.25", "0.3"]]
X = [["0.05"], ["0.1"]]
B = [["0.35"], ["0.35"]]

CASES = [
    # (left, right, ours: exactly true / true to the digits shown / false)
    (pm([["1", "2"], ["3", "4"]]) + pm([["1"], ["1"]]), [["3"], ["7"]]),
    (pm([["1", "2"], ["3", "4"]]) + pm([["1"], ["1"]]), [["3"], ["8"]]),
    (pm(W) + pm(X) + " + " + pm(B), [["0.3775"], ["0.3925"]]),
    (pm(W) + pm(X) + " + " + pm(B), [["0.3775"], ["0.3935"]]),
    (r"\frac{1}{3}" + pm([["0.333"], ["1"]]), [["0.111"], ["0.333"]]),
    (pm([["0.1", "0.2"]]) + "^T", [["0.1"], ["0.2"]]),
]


def _ours(left: str, right: list[list[str]]) -> str:
    """Our own arithmetic of the few forms above (NumPy), and the unit of the last digit shown."""
    rhs = num(right)
    if left.startswith(r"\frac{1}{3}"):
        lhs = num([["0.333"], ["1"]]) / 3
    elif left.endswith("^T"):
        lhs = num([["0.1", "0.2"]]).T
    elif "0.15" in left:
        lhs = num(W) @ num(X) + num(B)
    else:
        lhs = num([["1", "2"], ["3", "4"]]) @ num([["1"], ["1"]])
    places = max([len(x.split(".")[1]) for r in right for x in r if "." in x] or [0])
    diff = np.abs(lhs - rhs).max()
    if diff < 1e-12:
        return "proved"
    return "proved" if places and diff < 10.0**-places else "refuted"


@pytest.mark.parametrize("k", range(len(CASES)))
def test_literal_matrices_are_computed(k: int) -> None:
    left, right = CASES[k]
    r = _last(f"{left} = {pm(right)}")
    assert r.verdict == _ours(left, right), (left, right, r.verdict, r.reason)


def test_shapes_that_do_not_fit_are_an_error_at_the_product() -> None:
    text = "$$" + pm([["1", "2"]]) + pm([["1", "1"]]) + " = 3$$\n"
    (r,) = check_text("lit.md", text, Run(timeout=20.0))
    assert r.verdict == "error" and "matrix product of shapes (1, 2) and (1, 2)" in r.reason
    assert r.at is not None


def test_a_matrix_of_quantities_still_only_names_its_entries() -> None:
    r = _last(pm([["a^{(L)}_1"], ["a^{(L)}_2"]]) + " = " + pm([["0.5"], ["0.2"]]))
    assert r.verdict == "skipped", r.reason


BOLD = [
    (
        r"\delta^{(L-1)}_{\mathbf{j}} = \sum_k w^{(L)}_{k\mathbf{j}} \delta^{(L)}_k \sigma'(z^{(L-1)}_{\mathbf{j}})",
        lambda N: (N.dLi(N.z[Lo - 1]), (N.dLi(N.z[Lo]) @ N.W[Lo]) * sig_p(N, Lo - 1)),
    ),
    (
        r"\delta^{(L-1)}_{\boldsymbol{j}} = \sum_k w^{(L)}_{\boldsymbol{j}k} \delta^{(L)}_k \sigma'(z^{(L-1)}_{\bm j})",
        None,  # w_jk with j in layer L-1: the indices of a transposed W
    ),
]


@pytest.mark.parametrize("k", range(len(BOLD)))
def test_bold_index_letters(k: int) -> None:
    formula, sides = BOLD[k]
    r = _last(formula, "<!-- derivator: activation=sigmoid cost-is=sample -->")
    if sides is None:
        assert r.verdict in ("refuted", "error"), r.reason
        return
    true = holds(sides, GENERIC)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


@pytest.mark.parametrize(
    "formula,message",
    [
        (r"\begin{pmatrix}\end{pmatrix} = 1", "an empty matrix"),
        (r"\begin{pmatrix}1&2\\3\end{pmatrix} = 1", "rows of a matrix have different lengths"),
        (r"\begin{pmatrix}1 & 0\end{pmatrix} / 0 = 1", "division by zero"),
    ],
)
def test_malformed_literal_matrices_are_explained(formula: str, message: str) -> None:
    r = _last(formula)
    assert r.verdict == "error" and message in r.reason and r.at is not None, r.reason


def test_a_literal_matrix_not_computed_says_what_is() -> None:
    r = _last(r"\begin{pmatrix}1 & 0\end{pmatrix}^{2} = 1")
    assert r.verdict == "unknown" and "whole powers of numbers" in r.reason, r.reason


def _decimals(rng: np.random.Generator, n: int, places: int = 2) -> list[str]:
    return [f"{x:.{places}f}" for x in rng.uniform(-2, 2, n)]


@pytest.mark.parametrize("seed", [3, 8])
def test_a_row_times_a_column_is_a_number(seed: int) -> None:
    """[u] [v]^T + c is the number u·v + c (a 1×1 product read as its entry), computed exactly:
    equal to the sum written out, and not to it with one term changed (NumPy on Fractions)."""
    rng = np.random.default_rng(seed)
    width = int(rng.integers(2, 5))
    u, v, c = _decimals(rng, width), _decimals(rng, width), _decimals(rng, 1)[0]
    exact = sum(Fraction(a) * Fraction(b) for a, b in zip(u, v)) + Fraction(c)
    terms = [f"{a} \\times {b}" for a, b in zip(u, v)]
    wrong = [*terms[:-1], f"{u[-1]} \\times {Fraction(v[-1]) + 1}"]
    left = f"[{', '.join(u)}] \\cdot [{', '.join(v)}]^T + {c}"
    got = _last(f"{left} = {' + '.join(terms)} + {c}")
    assert got.verdict == "proved" and got.method == "exact arithmetic", got.reason
    got = _last(f"{left} = {' + '.join(wrong)} + {c}")
    assert got.verdict == ("proved" if Fraction(u[-1]) == 0 else "refuted"), got.reason
    got = _last(f"[{', '.join(u)}]^T [{', '.join(v)}] = {float(exact)}")
    assert got.verdict == "refuted" and "different shapes" in got.reason  # a w×w matrix


@pytest.mark.parametrize("seed", [5, 21])
def test_powers_of_e_in_a_matrix_of_numbers(seed: int) -> None:
    """[1/(1+e^{-x}), …] ≈ the decimals NumPy gives, rounded to 4 places: proved at the shown
    precision; one entry off by more than a unit of the last digit: refuted at that entry."""
    rng = np.random.default_rng(seed)
    xs = _decimals(rng, 3, 1)
    truth = 1 / (1 + np.exp(-np.array([float(x) for x in xs])))
    left = "[" + ", ".join(f"\\frac{{1}}{{1+e^{{-{x}}}}}" for x in xs) + "]"
    left = left.replace("--", "")  # e^{--0.3} is e^{0.3}
    shown = [f"{t:.4f}" for t in truth]
    got = _last(f"{left} \\approx [{', '.join(shown)}]")
    assert got.verdict == "proved" and "shown precision" in got.method, got.reason
    shown[1] = f"{truth[1] + 0.01:.4f}"
    got = _last(f"{left} \\approx [{', '.join(shown)}]")
    assert got.verdict == "refuted" and got.reason.startswith("entry (1, 2)"), got.reason
