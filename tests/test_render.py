"""Tests of the notation printer (derivator.render): exact strings for hand-built expressions, and
well-formed LaTeX for every formula the engine derives."""

from __future__ import annotations

import pytest
import sympy as sp

from derivator.engine import (
    ACTIVATIONS,
    Network,
    Stop,
    Upstream,
    UpstreamPrime,
    derive,
    index,
    to_latex,
    to_unicode,
)

NET = Network()
D = NET.D
i, j, k, m = NET.i, NET.letter(D), NET.letter(D - 1), NET.letter(D - 2)
n = NET.n
a, z, w, b, delta, y = NET.a, NET.z, NET.w, NET.b, NET.delta, NET.y
sig, sigp = NET.sigma, NET.sigma_prime


def both(e: object, latex: str, text: str, **kw: bool) -> None:
    assert to_latex(e, **kw) == latex
    assert to_unicode(e, **kw) == text


# ---- quantities and indices -----------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (a(D - 1)[i, k], "a_{ik}^{(L-1)}", "aᵢₖ⁽ᴸ⁻¹⁾"),
        (w(D)[j, k], "w_{jk}^{(L)}", "wⱼₖ⁽ᴸ⁾"),
        (b(D)[j], "b_{j}^{(L)}", "bⱼ⁽ᴸ⁾"),
        (delta(D - 1)[i, k], r"\delta_{ik}^{(L-1)}", "δᵢₖ⁽ᴸ⁻¹⁾"),
        (y[i, j], "y_{ij}", "yᵢⱼ"),
        (NET.Li[i], "L_i", "Lᵢ"),
        (NET.L, "L", "L"),
        (n, "n", "n"),
        (NET.width(D - 1), "n_{(L-1)}", "n_{(L−1)}"),
        (sp.IndexedBase("w^(l+1)")[j, k], "w_{jk}^{(l+1)}", "wⱼₖ⁽ˡ⁺¹⁾"),
        (sp.IndexedBase("a^(2)")[i, j], "a_{ij}^{(2)}", "aᵢⱼ⁽²⁾"),
    ],
)
def test_quantities(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text)


@pytest.mark.parametrize(
    "idx, latex, text",
    [
        ((j, k - 1), "w_{j(k-1)}^{(L)}", "wⱼ₍ₖ₋₁₎⁽ᴸ⁾"),  # compound: bracketed, juxtaposed
        (
            (j, index("k1")),
            "w_{j,k1}^{(L)}",
            "w_{j,k1}^(L)",
        ),  # multi-character: commas, no subscripts
        (
            (j, index("j'")),
            "w_{jj'}^{(L)}",
            "w_{jj′}^(L)",
        ),  # no subscript prime: whole-symbol fallback
        ((j, 12), "w_{j,12}^{(L)}", "w_{j,12}^(L)"),
        ((j, 0), "w_{j0}^{(L)}", "wⱼ₀⁽ᴸ⁾"),
        ((sp.Symbol("_0_1", integer=True), k), r"w_{\iota_{1},k}^{(L)}", "w_{ι₁,k}^(L)"),
    ],
)
def test_index_styles(idx: tuple, latex: str, text: str) -> None:
    both(w(D)[idx], latex, text)


def test_clashing_dummies_print_distinct() -> None:
    d1, d2 = sp.Dummy("d", integer=True), sp.Dummy("d", integer=True)
    s = to_latex(w(D)[d1, d2])
    assert s in ("w_{dd'}^{(L)}", "w_{d'd}^{(L)}")
    dd = sp.Dummy("i", integer=True)  # a bound i next to the free i
    assert (
        to_latex(sp.Sum(a(D)[dd, j], (dd, 0, n - 1)) * a(D)[i, j])
        == r"a_{ij}^{(L)} \sum_{i'=0}^{n-1} a_{i'j}^{(L)}"
    )


# ---- partials, functions --------------------------------------------------------------------


def test_partial() -> None:
    both(
        derive.Partial(NET.Li[i], a(D - 1)[i, k]),
        r"\frac{\partial L_i}{\partial a_{ik}^{(L-1)}}",
        "∂Lᵢ/∂aᵢₖ⁽ᴸ⁻¹⁾",
    )
    both(
        derive.Partial(NET.L, w(D)[j, k]), r"\frac{\partial L}{\partial w_{jk}^{(L)}}", "∂L/∂wⱼₖ⁽ᴸ⁾"
    )


def test_chain_of_partials_reads_top_down() -> None:
    e = (
        derive.Partial(z(D)[i, j], w(D)[j, k])
        * derive.Partial(a(D)[i, j], z(D)[i, j])
        * derive.Partial(NET.Li[i], a(D)[i, j])
    )
    assert to_unicode(e) == "∂Lᵢ/∂aᵢⱼ⁽ᴸ⁾·∂aᵢⱼ⁽ᴸ⁾/∂zᵢⱼ⁽ᴸ⁾·∂zᵢⱼ⁽ᴸ⁾/∂wⱼₖ⁽ᴸ⁾"


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (sig(z(D)[i, j]), r"\sigma(z_{ij}^{(L)})", "σ(zᵢⱼ⁽ᴸ⁾)"),
        (sigp(z(D)[i, j]), r"\sigma'(z_{ij}^{(L)})", "σ′(zᵢⱼ⁽ᴸ⁾)"),
        (ACTIVATIONS["relu"].prime(z(D)[i, j]), r"\sigma'(z_{ij}^{(L)})", "σ′(zᵢⱼ⁽ᴸ⁾)"),
        (Upstream(z(D)[i, j], j), r"\Psi(z_{ij}^{(L)})", "Ψ(zᵢⱼ⁽ᴸ⁾)"),
        (UpstreamPrime(z(D)[i, j], j), r"\Psi'(z_{ij}^{(L)})", "Ψ′(zᵢⱼ⁽ᴸ⁾)"),
        (sp.exp(-z(D)[i, j]), "e^{-z_{ij}^{(L)}}", "e^(−zᵢⱼ⁽ᴸ⁾)"),
        (sp.exp(index("x")), "e^{x}", "eˣ"),
        (sp.log(a(D)[i, j]), r"\ln(a_{ij}^{(L)})", "ln(aᵢⱼ⁽ᴸ⁾)"),
        (sp.KroneckerDelta(j, k), "[j = k]", "[j = k]"),
        (sp.KroneckerDelta(0, j), "[j = 0]", "[j = 0]"),
    ],
)
def test_functions(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text)


# ---- sums, products, powers -----------------------------------------------------------------


def test_article_example_in_chain_order() -> None:
    body = (
        (a(D)[i, j] - y[i, j])
        * sigp(z(D)[i, j])
        * w(D)[j, k]
        * sigp(z(D - 1)[i, k])
        * a(D - 2)[i, m]
    )
    e = sp.Sum(body, (j, 0, NET.width(D) - 1), (i, 0, n - 1)) / n
    both(
        e,
        r"\frac{1}{n} \sum_{i=0}^{n-1} \sum_{j=0}^{n_{(L)}-1} (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) "
        r"w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)}) a_{im}^{(L-2)}",
        "(1/n)·Σᵢ Σⱼ (aᵢⱼ⁽ᴸ⁾ − yᵢⱼ)·σ′(zᵢⱼ⁽ᴸ⁾)·wⱼₖ⁽ᴸ⁾·σ′(zᵢₖ⁽ᴸ⁻¹⁾)·aᵢₘ⁽ᴸ⁻²⁾",
    )


def test_delta_rule_order() -> None:
    e = sp.Sum(sigp(z(D - 1)[i, k]) * w(D)[j, k] * delta(D)[i, j], (j, 0, NET.width(D) - 1))
    both(
        e,
        r"\sum_{j=0}^{n_{(L)}-1} \delta_{ij}^{(L)} w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)})",
        "Σⱼ δᵢⱼ⁽ᴸ⁾·wⱼₖ⁽ᴸ⁾·σ′(zᵢₖ⁽ᴸ⁻¹⁾)",
    )


def test_generic_layer_order() -> None:
    A, W, Dl = sp.IndexedBase("a^(l)"), sp.IndexedBase("w^(l+1)"), sp.IndexedBase("delta^(l+1)")
    both(
        A[i, k] * W[j, k] * Dl[i, j],
        r"\delta_{ij}^{(l+1)} w_{jk}^{(l+1)} a_{ik}^{(l)}",
        "δᵢⱼ⁽ˡ⁺¹⁾·wⱼₖ⁽ˡ⁺¹⁾·aᵢₖ⁽ˡ⁾",
    )


def test_mean_pulled_out_of_the_sum() -> None:
    # the engine keeps 1/n and signs inside sums; the printer shows them in front
    e = sp.Sum(-a(D - 1)[i, k] * delta(D)[i, j] / n, (i, 0, n - 1))
    both(
        e,
        r"-\frac{1}{n} \sum_{i=0}^{n-1} \delta_{ij}^{(L)} a_{ik}^{(L-1)}",
        "−(1/n)·Σᵢ δᵢⱼ⁽ᴸ⁾·aᵢₖ⁽ᴸ⁻¹⁾",
    )


def test_sum_brackets() -> None:
    # a body that is a sum of terms is bracketed; a Σ that is not the last factor is bracketed
    both(
        sp.Sum(a(D)[i, j] - y[i, j], (j, 0, 2)),
        r"\sum_{j=0}^{2} (a_{ij}^{(L)} - y_{ij})",
        "Σⱼ (aᵢⱼ⁽ᴸ⁾ − yᵢⱼ)",
    )
    e = sp.Sum(a(D)[i, j], (j, 0, 2)) * sp.Sum(a(D - 1)[i, k], (k, 0, 3))
    both(
        e,
        r"\left(\sum_{j=0}^{2} a_{ij}^{(L)}\right) \sum_{k=0}^{3} a_{ik}^{(L-1)}",
        "(Σⱼ aᵢⱼ⁽ᴸ⁾)·Σₖ aᵢₖ⁽ᴸ⁻¹⁾",
    )
    both(sp.Sum(a(D)[i, j], (j, 1, n)), r"\sum_{j=1}^{n} a_{ij}^{(L)}", "Σ_{j=1..n} aᵢⱼ⁽ᴸ⁾")


def test_mse_loss() -> None:
    e = NET.Li[i] - sp.Rational(1, 2) * sp.Sum(
        (a(D)[i, j] - y[i, j]) ** 2, (j, 0, NET.width(D) - 1)
    )
    both(
        e,
        r"L_i - \frac{1}{2} \sum_{j=0}^{n_{(L)}-1} (a_{ij}^{(L)} - y_{ij})^{2}",
        "Lᵢ − (1/2)·Σⱼ (aᵢⱼ⁽ᴸ⁾ − yᵢⱼ)²",
    )


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (a(D)[i, j] ** 2, "(a_{ij}^{(L)})^{2}", "(aᵢⱼ⁽ᴸ⁾)²"),
        (y[i, j] ** 2, "y_{ij}^{2}", "yᵢⱼ²"),
        ((a(D)[i, j] - y[i, j]) ** 2, "(a_{ij}^{(L)} - y_{ij})^{2}", "(aᵢⱼ⁽ᴸ⁾ − yᵢⱼ)²"),
        (1 - a(D)[i, j] ** 2, "1 - (a_{ij}^{(L)})^{2}", "1 − (aᵢⱼ⁽ᴸ⁾)²"),
        (
            sp.Sum(a(D)[i, j], (j, 0, 2)) ** 2,
            r"\left(\sum_{j=0}^{2} a_{ij}^{(L)}\right)^{2}",
            "(Σⱼ aᵢⱼ⁽ᴸ⁾)²",
        ),
        (index("x") ** (k + 1), "x^{k+1}", "xᵏ⁺¹"),
        (index("x") ** (k + index("j'")), "x^{j'+k}", "x^(j′+k)"),
    ],
)
def test_powers(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text)


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (-y[i, j] / a(D)[i, j], r"-\frac{y_{ij}}{a_{ij}^{(L)}}", "−yᵢⱼ/aᵢⱼ⁽ᴸ⁾"),
        (1 / (a(D)[i, j] + 1), r"\frac{1}{a_{ij}^{(L)} + 1}", "1/(aᵢⱼ⁽ᴸ⁾ + 1)"),
        (
            y[i, j] / (a(D)[i, j] * w(D)[j, k]),
            r"\frac{y_{ij}}{a_{ij}^{(L)} w_{jk}^{(L)}}",
            "yᵢⱼ/(aᵢⱼ⁽ᴸ⁾·wⱼₖ⁽ᴸ⁾)",
        ),
        (sp.Rational(3, 2) * y[i, j] / n, r"\frac{3}{2 n} y_{ij}", "(3/(2·n))·yᵢⱼ"),
        (sp.Rational(-1, 2), r"-\frac{1}{2}", "−1/2"),
        (
            sp.exp(z(D)[i, j]) / sp.Sum(sp.exp(z(D)[i, k]), (k, 0, 2)),
            r"\frac{e^{z_{ij}^{(L)}}}{\sum_{k=0}^{2} e^{z_{ik}^{(L)}}}",
            "e^(zᵢⱼ⁽ᴸ⁾)/(Σₖ e^(zᵢₖ⁽ᴸ⁾))",
        ),
        (
            sp.Symbol("eta") * derive.Partial(NET.L, w(D)[j, k]),
            r"\eta \frac{\partial L}{\partial w_{jk}^{(L)}}",
            "η·∂L/∂wⱼₖ⁽ᴸ⁾",
        ),
        (2 * sp.Integer(3) ** sp.Rational(1, 2), r"2 \sqrt{3}", "2·√3"),
    ],
)
def test_fractions_and_coefficients(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text)


# ---- single mode ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (a(D)[i, 0], "a_{i}^{(L)}", "aᵢ⁽ᴸ⁾"),
        (w(D)[0, 0], "w^{(L)}", "w⁽ᴸ⁾"),
        (b(D)[0], "b^{(L)}", "b⁽ᴸ⁾"),
        (y[i, 0], "y_{i}", "yᵢ"),
        (delta(D)[i, 0], r"\delta_{i}^{(L)}", "δᵢ⁽ᴸ⁾"),
        (
            w(D)[0, k],
            "w_{0k}^{(L)}",
            "w₀ₖ⁽ᴸ⁾",
        ),  # only when all neuron indices are 0: position matters
        (NET.Li[i], "L_i", "Lᵢ"),
    ],
)
def test_single(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text, single=True)
    assert to_latex(a(D)[i, 0]) == "a_{i0}^{(L)}"  # not in single mode


# ---- the engine's formulas ------------------------------------------------------------------


def balanced(s: str) -> bool:
    depth = 0
    s = s.replace(r"\{", "").replace(r"\}", "")
    for c in s:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0 and s.count(r"\left") == s.count(r"\right") and s.count("(") == s.count(")")


PYTHONISMS = ("**", "Sum(", "Prime(", "_0_", "Indexed", "KroneckerDelta", "Dummy")


def engine_formulas() -> list[tuple[str, sp.Expr, bool]]:
    out = []
    for act in ACTIVATIONS:
        for loss in ("mse", "cross-entropy"):
            net = Network(activation=act, loss=loss)
            for p in (net.D, net.D - 1, net.D - 2):
                for q in derive.QUANTITIES:
                    out.append((f"{act}/{loss}/{q}{p}", derive.gradient(net, q, p), False))
        r = derive.rules(act, "mse")
        out += [(f"{act}/rule/{q}", getattr(r, q), False) for q in ("w", "b", "a", "delta")]
    single = Network(network="single")
    for p in (single.D, single.D - 1, single.D - 2):
        out += [(f"single/{q}{p}", derive.gradient(single, q, p), True) for q in derive.QUANTITIES]
    out.append(("raw loss", NET.loss_mean(Stop("a", D - 1)), False))
    out.append(("raw softmax", Network(loss="cross-entropy").loss_i(i, Stop("a", D - 1)), False))
    return out


def test_engine_formulas_print_cleanly() -> None:
    for name, e, single in engine_formulas():
        s = to_latex(e, single=single)
        assert balanced(s), (name, s)
        assert not any(p in s for p in PYTHONISMS), (name, s)
        u = to_unicode(e, single=single)
        assert not any(p in u for p in PYTHONISMS), (name, u)
        assert "-" not in u, (name, u)  # minus is U+2212


def test_deterministic_across_constructions() -> None:
    def build() -> sp.Expr:
        return derive.truth(NET, NET.L, w(D - 1)[k, m])

    assert to_latex(build()) == to_latex(build())
    assert to_unicode(build()) == to_unicode(build())


# ---- functions as a textbook writes them ------------------------------------------------------


@pytest.mark.parametrize(
    "expr, latex, text",
    [
        (sp.tanh(z(D)[i, j]), r"\tanh(z_{ij}^{(L)})", "tanh(zᵢⱼ⁽ᴸ⁾)"),
        (1 - sp.tanh(z(D)[i, j]) ** 2, r"1 - \tanh(z_{ij}^{(L)})^{2}", "1 − tanh(zᵢⱼ⁽ᴸ⁾)²"),
        (sp.cosh(z(D)[i, j]), r"\cosh(z_{ij}^{(L)})", "cosh(zᵢⱼ⁽ᴸ⁾)"),
        # the cross-entropy term: the target first, the logarithm last (−y ln a, not −ln(a) y)
        (-y[i, j] * sp.log(a(D)[i, j]), r"-y_{ij} \ln(a_{ij}^{(L)})", "−yᵢⱼ·ln(aᵢⱼ⁽ᴸ⁾)"),
        (
            Network(loss="cross-entropy").loss_spec.term(a(D)[i, j], y[i, j]),
            r"-y_{ij} \ln(a_{ij}^{(L)})",
            "−yᵢⱼ·ln(aᵢⱼ⁽ᴸ⁾)",
        ),
    ],
)
def test_functions_print_as_in_a_textbook(expr: sp.Expr, latex: str, text: str) -> None:
    both(expr, latex, text)
