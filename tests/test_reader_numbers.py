"""Worked numeric examples: decimals are judged at the precision they show.
Truth comes from Python's own exact arithmetic (fractions) and ``math``, never from derivator:
a rounded result within one unit of its last digit is "proved at the shown precision", beyond it
"refuted" with the difference; exact equality stays an ordinary proof."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from derivator.document import Run, check_text


def _verdicts(text: str) -> list[tuple[str, str, str]]:
    with Run(jobs=1) as run:
        return [(r.verdict, r.method, r.reason) for r in check_text("n.md", text, run)]


def _cases(seed: int) -> list[tuple[str, bool]]:
    """(relation, holds at the shown precision) for random products and sums rounded by hand."""
    rng = random.Random(seed)
    out = []
    for _ in range(6):
        a = Fraction(rng.randrange(10**7, 10**8), 10**8)
        b = Fraction(rng.randrange(10**3, 10**4), 10**4)
        exact = a * (1 - a) + b
        places = rng.choice([6, 7, 9])
        shown = Fraction(round(exact * 10**places), 10**places)  # rounded: within half a unit
        off = Fraction(rng.choice([0, 3, 7]), 10**places)  # a wrong digit moves it by 3 or 7 units
        text = (
            f"{float(a):.8f}(1 - {float(a):.8f}) + {float(b):.4f} = {float(shown + off):.{places}f}"
        )
        out.append((text, off == 0))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_rounded_results_hold_at_the_precision_shown(seed: int) -> None:
    cases = _cases(seed)
    got = _verdicts("\n\n".join(f"$${t}$$" for t, _ in cases))
    for (text, holds), (verdict, method, reason) in zip(cases, got):
        assert method == "at the shown precision", (text, reason)
        assert verdict == ("proved" if holds else "refuted"), (text, reason)
        assert "differ by" in reason


def test_a_non_integer_exponent_is_read() -> None:
    value = 1 / (1 + math.exp(-0.3775))  # 0.59326999210…
    (good, bad) = _verdicts(
        f"$$\\frac{{1}}{{1+e^{{-0.3775}}}} = {value:.9f}$$\n\n"
        f"$$\\frac{{1}}{{1+e^{{-0.3775}}}} = {value + 2e-6:.9f}$$"
    )
    assert good[:2] == ("proved", "at the shown precision")
    assert bad[:2] == ("refuted", "at the shown precision")


def test_exact_decimals_are_an_ordinary_identity() -> None:
    ((verdict, method, _),) = _verdicts("$$0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 = 0.0275$$")
    assert verdict == "proved" and "precision" not in method


def test_a_refutation_says_by_how_much_in_the_report() -> None:
    with Run(jobs=1) as run:
        (r,) = check_text("n.md", "$$0.5 + 0.5 = 1.2$$", run)
    assert r.verdict == "refuted" and r.counterexample is not None
    assert r.counterexample["difference"] == "0.2" and r.counterexample["unit"] == "0.1"


@pytest.mark.parametrize("op", ["*", r"\cdot", r"\times", r"\ast"])
@pytest.mark.parametrize("seed", range(2))
def test_a_signed_factor_after_a_product_sign(op: str, seed: int) -> None:
    """``0.1 * -1`` is 0.1 · (−1), never 0.1 − 1: the sign after a product sign belongs to the
    factor (a worked example's weighted sum with a negative input).  Truth: exact fractions."""
    rng = random.Random(seed)
    ws = [Fraction(rng.randrange(1, 100), 100) for _ in range(4)]
    xs = [rng.choice([-2, -1, 1, 2]) for _ in range(4)]
    total = sum(w * x for w, x in zip(ws, xs))
    left = " + ".join(f"({float(w):.2f} {op} {x})" for w, x in zip(ws, xs))
    wrong = total + Fraction(1, 10)
    got = _verdicts(
        f"$${left} = {float(total):.2f}$$\n\n$${left} = {float(wrong):.2f}$$\n\n"
        f"$$2 {op} -3 + 1 = -5$$\n\n$$2 {op} --3 = 6$$"
    )
    assert [v for v, _, _ in got] == ["proved", "refuted", "proved", "proved"], got


@pytest.mark.parametrize("seed", range(2))
def test_numbers_after_a_chain_head_that_only_the_model_reads(seed: int) -> None:
    """``E_{o1} = ½(t − o)² = ½(0.01 − 0.75)² = 0.27…``: the network reading cannot read the head
    E_{o1} (a cost with a unit, not a sample, as subscript), but the last step is arithmetic; it is
    judged at the precision shown (truth: exact fractions), not refused for the head."""
    rng = random.Random(seed)
    t, o = Fraction(rng.randrange(1, 99), 100), Fraction(rng.randrange(10**7, 10**8), 10**8)
    exact = (t - o) ** 2 / 2
    shown = Fraction(round(exact * 10**9), 10**9)
    text = (
        f"$$E_{{o1}} = \\frac{{1}}{{2}}(target_{{o1}} - out_{{o1}})^{{2}} = "
        f"\\frac{{1}}{{2}}({float(t):.2f} - {float(o):.8f})^{{2}} = {float(shown):.9f}$$"
    )
    got = _verdicts(text)
    assert got[-1][:2] == ("proved", "at the shown precision"), got[-1]
    wrong = text.replace(f"{float(shown):.9f}", f"{float(shown + Fraction(5, 10**9)):.9f}")
    assert _verdicts(wrong)[-1][:2] == ("refuted", "at the shown precision")


def test_an_updated_value_is_a_name_of_its_own() -> None:
    """``w_5^{+} = w_5 − η ∂E/∂w_5 = 0.4 − 0.5 · g = …`` and ``w_6^{+} = 0.408…``: w^+ names the
    weight after the update (defined), and the arithmetic is judged (truth: exact fractions)."""
    g = Fraction(82167041, 10**9)
    new = Fraction(4, 10) - g / 2
    got = _verdicts(
        "$$w_5 = 0.4, \\quad \\eta = 0.5$$\n\n"
        f"$$w_5^{{+}} = w_5 - \\eta * {float(g):.9f} = 0.4 - 0.5 * {float(g):.9f} = {float(new):.8f}$$"
        "\n\n$$w_6^{+} = 0.408666186$$\n"
    )
    verdicts = [v for v, _, _ in got]
    assert verdicts == ["defined", "defined", "defined", "proved", "proved", "defined"], got
    assert "w_{5}^{+}" in got[2][2] and "w_{6}^{+}" in got[-1][2]


@pytest.mark.parametrize("seed", range(2))
def test_approx_between_decimals_is_judged_at_the_digits_shown(seed: int) -> None:
    """``\\approx`` in a worked example claims agreement to the digits shown: judged as such
    (it was not reported at all), refuted when the rounding is off by more than a unit; ≈ between
    expressions without decimals is no identity and is skipped, saying why.  Truth: math.exp."""
    rng = random.Random(seed)
    z = round(rng.uniform(0.5, 2.5), 4)
    value = 1 / (1 + math.exp(-z))
    got = _verdicts(
        f"$$\\frac{{1}}{{1+e^{{-{z}}}}} \\approx {value:.4f}$$\n\n"
        f"$$\\frac{{1}}{{1+e^{{-{z}}}}} \\approx {value + 0.005:.4f}$$\n\n"
        "$$\\sin(x) \\approx x$$\n"
    )
    assert [(v, m) for v, m, _ in got] == [
        ("proved", "at the shown precision"),
        ("refuted", "at the shown precision"),
        ("skipped", ""),
    ], got
    assert "approximation" in got[2][2]


@pytest.mark.parametrize("seed", range(2))
def test_a_row_vector_written_with_commas(seed: int) -> None:
    """``[a, b]`` is a row vector (it was "unbalanced brackets"): a scalar times it, and two of
    them, compared entry by entry (truth: exact fractions)."""
    rng = random.Random(seed)
    c = Fraction(rng.randrange(100, 999), 10**4)
    v = [Fraction(rng.randrange(1000, 9999), 10**4) for _ in range(2)]
    shown = [round(c * x, 4) for x in v]
    text = (
        f"$${float(c):.4f} \\times [{float(v[0]):.4f}, {float(v[1]):.4f}] \\approx "
        f"[{float(shown[0]):.4f}, {float(shown[1]):.4f}]$$\n\n"
        f"$$[{float(v[0]):.4f} - {float(c):.4f}, \\, {float(v[1]):.4f} - {float(c):.4f}] = "
        f"[{float(v[0] - c):.4f}, {float(v[1] - c + Fraction(1, 100)):.4f}]$$\n"
    )
    got = _verdicts(text)
    assert [v for v, _, _ in got] == ["proved", "refuted"], got


def test_a_subscript_written_inside_braces() -> None:
    """``\\delta{_2}``, ``u{_2}`` are δ_2, u_2 (it was "unexpected _"): the same relations as
    with the subscript written plainly (truth: u_2 = 3y = 6x_1, not 5x_1)."""
    doc = "$$y = 2 x_1, \\quad u{_2} = 3 y$$\n\n$$u{_2} = 6 x_1$$\n\n$$u{_2} = 5 x_1$$\n"
    braced = [v for v, _, _ in _verdicts(doc)]
    plain = [v for v, _, _ in _verdicts(doc.replace("u{_2}", "u_2"))]
    assert braced == plain
    assert braced[-2:] == ["proved", "refuted"]


@pytest.mark.parametrize("seed", range(2))
def test_the_norm_of_a_number_is_its_absolute_value(seed: int) -> None:
    """``\\|0.01 - 0.75\\|`` is |0.01 − 0.75| and ``\\frac12\\|…\\|^2`` half its square (they were
    "only the squared norm is read" and an empty sum): truth from exact fractions."""
    rng = random.Random(seed)
    t, o = Fraction(rng.randrange(1, 99), 100), Fraction(rng.randrange(10**7, 10**8), 10**8)
    half_square = Fraction(round((t - o) ** 2 / 2 * 10**9), 10**9)
    got = _verdicts(
        f"$$\\frac{{1}}{{2}}\\|{float(t):.2f}-{float(o):.8f}\\|^2 = {float(half_square):.9f}$$\n\n"
        f"$$\\|{float(t):.2f}-{float(o):.8f}\\| = {float(abs(t - o)):.8f}$$\n\n"
        f"$$\\|{float(t):.2f}-{float(o):.8f}\\| = {float(-abs(t - o)):.8f}$$\n"
    )
    assert [v for v, _, _ in got] == ["proved", "proved", "refuted"], got


@pytest.mark.parametrize("seed", range(3))
def test_a_value_restated_to_fewer_digits_holds_at_those_digits(seed: int) -> None:
    """``net = w_1 i_1 + b_1`` at given values, then ``net = 0.36`` and ``out = σ(net) = 0.59``: the
    restated value and the rounded output hold to the digits they show (truth: exact fractions
    and math.exp), so they are proved at the shown precision, and the independent audit checks
    them to that precision too (it compared them exactly and called the proofs false); a value
    off by more than a unit of its last digit is refuted."""
    rng = random.Random(seed)
    w, i, b = (Fraction(rng.randrange(5, 95), 100) for _ in range(3))
    net = w * i + b
    out = 1 / (1 + math.exp(-float(net)))
    net2, out2 = round(float(net), 2), round(out, 2)
    assert abs(Fraction(net2) - net) < Fraction(1, 100) and abs(out2 - out) < 0.01
    text = (
        f"$$w_1 = {float(w)}, \\quad i_1 = {float(i)}, \\quad b_1 = {float(b)}$$\n\n"
        "$$net_{h1} = w_1 i_1 + b_1$$\n\n"
        f"$$net_{{h1}} = {net2:.2f}$$\n\n"
        f"$$out_{{h1}} = \\frac{{1}}{{1+e^{{-net_{{h1}}}}}} = {out2:.2f}$$\n"
    )
    got = _verdicts(text)
    assert [v for v, _, _ in got[-3:]] == ["proved", "defined", "proved"], got
    assert all(m.startswith("at the shown precision") for _, m, _ in (got[-3], got[-1])), got
    off = text.replace(f"= {out2:.2f}$$", f"= {out2 + 0.03:.2f}$$")
    assert _verdicts(off)[-1][:1] == ("refuted",), _verdicts(off)[-1]
