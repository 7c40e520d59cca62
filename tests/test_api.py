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
