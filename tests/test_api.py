"""The Python API a notebook user meets."""

from __future__ import annotations

import sympy as sp

import derivator
from derivator import Network, Partial, prove


def test_gradient_returns_the_article_form_with_readable_bound_indices() -> None:
    net = Network(activation="tanh")
    g = net.gradient("w", layer="L-1")
    assert isinstance(g, sp.Expr)
    names = {s.name for s in g.free_symbols}
    assert {"k", "m", "n"} <= names
    bound = {lim[0].name for s in g.atoms(sp.Sum) for lim in s.limits}
    assert bound == {"i", "j"}
    assert "TanhPrime" in sp.srepr(g)


def test_gradient_delta_form_is_the_backprop_rule() -> None:
    net = Network()
    rule = net.gradient("delta", layer="L-2", closed=False)
    assert rule.has(net.delta(net.D - 1)) and not rule.has(net.y)


def test_formulas_are_proved_objects_that_render_in_jupyter() -> None:
    rows = Network(network="single").formulas(layer="L", form="both")
    assert rows and all(r.verdict.proved for r in rows)
    latex = rows[0]._repr_latex_()
    assert latex.startswith("$") and r"\frac{\partial L}{\partial w^{(L)}}" in latex
    assert "proved" in rows[0].verdict._repr_latex_()


def test_prove_defaults_to_the_article_network() -> None:
    net = Network()
    D, i, j = net.D, net.i, net.letter(net.D)
    v = prove(Partial(net.Li[i], net.a(D)[i, j]), net.a(D)[i, j] - net.y[i, j])
    assert v.proved and str(v).startswith("proved")
    assert derivator.__version__


def test_a_gradient_renders_its_entries_as_the_formulas_table_does() -> None:
    """SymPy's own LaTeX printer (a notebook's) writes the entries as the article: a_{ij}^{(L)},
    never SymPy's {a^{(L)}}_{i,j}; the expression is SymPy's as before (str, equality)."""
    net = Network()
    g = net.gradient("w", layer="L")
    latex = g._repr_latex_()
    assert r"a_{ij}^{(L)}" in latex and r"a_{ik}^{(L-1)}" in latex and "y_{ij}" in latex, latex
    assert "{a^{(L)}}" not in latex and "_{i,j}" not in latex, latex
    table = net.formulas("L")[2].latex()  # the closed form, as the formulas table writes it
    assert r"a_{ij}^{(L)}" in table and r"a_{ik}^{(L-1)}" in table
    rule = net.gradient("delta", layer="L-1", closed=False)._repr_latex_()
    assert r"\delta_{ij}^{(L)}" in rule and r"w_{jk}^{(L)}" in rule, rule
    i, j = net.i, net.letter(net.D)
    assert net.a(net.D)[i, j] == sp.Indexed(sp.IndexedBase("a^(L)"), i, j)
    assert str(net.a(net.D)[i, j]) == "a^(L)[i, j]"
    assert sp.srepr(net.y[i, j]).startswith("Indexed(IndexedBase(Symbol('y')")


def test_a_refuted_proof_shows_its_reason_in_a_notebook() -> None:
    net = Network(activation="tanh")
    i, k, D = net.i, net.letter(net.D - 1), net.D
    v = prove(Partial(net.Li[i], net.a(D - 1)[i, k]), net.a(D)[i, 0] - net.y[i, 0], net)
    assert not v.proved
    latex = v._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert "refuted" in latex and "free on the left only" in latex, latex
    assert "left -0.977404" in latex and "right 1.29452" in latex, latex
    # text mode holds no _ or ^ (KaTeX rejects them there): written in math mode between
    for piece in latex.split(r"\text{")[1:]:
        assert "_" not in piece.split("}")[0] and "^" not in piece.split("}")[0], piece
