"""The gradients of one layer, in every form, each proved before it is shown.

This is what ``derivator formulas`` prints and what ``Network.formulas`` returns: for ∂L/∂w,
∂L/∂b, ∂L_i/∂a and δ of a layer, the textbook's chain of partials, the backpropagation rule
(δ-form) and the closed form from the engine, and the matrix form derived from the index form.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

from ..engine import (
    Network,
    NotationError,
    algebra,
    derive,
    index,
    matrix,
    parse_tag,
    proof,
    render,
)
from ..system import deadline
from . import textbook

#: the least time a derivation is given, however short the proofs' timeout (a tiny timeout asks
#: for proofs left undecided, not for no formula at all)
MIN_DERIVE_SECONDS = 5.0


@contextmanager
def _deriving(timeout: float, what: str) -> Iterator[None]:
    """Bound a derivation like a proof: a network too deep to derive within ``timeout`` (at least
    :data:`MIN_DERIVE_SECONDS`) is a ValueError naming the limit, not minutes of work outside
    every deadline."""
    budget = max(timeout, MIN_DERIVE_SECONDS)
    try:
        with deadline.deadline(budget):
            yield
    except deadline.Timeout:
        raise ValueError(
            f"deriving {what} took more than {budget:g} s (--timeout): the network is too deep "
            "to derive within it"
        ) from None


QUANTITY_ORDER = ("w", "b", "a", "delta")
FORM_ORDER = ("chain", "delta", "closed", "matrix")
FORM_TITLES = {
    "chain": "chain rule",
    "delta": "δ-form",
    "closed": "closed form",
    "matrix": "matrix form",
    "assumption": "when each sample's targets sum to 1",
}
FORM_TITLES_LATEX = {**FORM_TITLES, "delta": r"$\delta$-form"}


@dataclass
class Formula:
    """One proved line: ``lhs = rhs`` (``rhs`` is a matrix expression for the matrix form)."""

    quantity: str
    layer: str
    form: str
    lhs: Any
    rhs: Any
    verdict: proof.Verdict
    single: bool = False

    def latex(self) -> str:
        if self.form == "matrix":
            return f"{matrix_lhs(self.quantity, self.layer, True)} = {matrix.to_latex(self.rhs)}"
        return f"{render.to_latex(self.lhs, single=self.single)} = {render.to_latex(self.rhs, single=self.single)}"

    def unicode(self) -> str:
        if self.form == "matrix":
            return f"{matrix_lhs(self.quantity, self.layer, False)} = {matrix.to_unicode(self.rhs)}"
        return f"{render.to_unicode(self.lhs, single=self.single)} = {render.to_unicode(self.rhs, single=self.single)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "layer": self.layer,
            "form": self.form,
            "latex": self.latex(),
            "text": self.unicode(),
            **self.verdict.as_dict(),
        }

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


class FormulaTable(list[Formula]):
    """The formulas of a layer, as :meth:`derivator.Network.formulas` returns them: a list that a
    notebook shows as a table, each formula in the article's notation beside its verdict."""

    def _rows(self) -> list[tuple[str, str, str, proof.Verdict]]:
        return [(f.quantity, FORM_TITLES[f.form], f.latex(), f.verdict) for f in self]

    def _repr_markdown_(self) -> str:
        lines = ["| | form | formula | verdict |", "|---|---|---|---|"]
        for quantity, form, latex, v in self._rows():
            math = latex.replace("|", r"\vert ")  # a bar would end the table's cell
            lines.append(f"| {quantity} | {form} | ${math}$ | {_verdict_text(v)} |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(quantity)}</td><td>{html.escape(form)}</td>"
            f"<td>\\({html.escape(latex)}\\)</td><td>{html.escape(_verdict_text(v))}</td></tr>"
            for quantity, form, latex, v in self._rows()
        )
        head = "<tr><th></th><th>form</th><th>formula</th><th>verdict</th></tr>"
        return f'<table class="derivator-formulas">{head}{rows}</table>'

    def _repr_latex_(self) -> str:
        rows = " \\\\\n".join(
            rf"{latex} & \text{{{form}; {v.verdict}}}" for _, form, latex, v in self._rows()
        )
        return f"$$\\begin{{array}}{{ll}}\n{rows}\n\\end{{array}}$$"


#: verdicts of the proofs made for ``formulas``, by claim, network and timeout (see :func:`_prove`)
_PROVED: dict[tuple[sp.Expr, sp.Expr, Network, float], proof.Verdict] = {}
#: claims kept at most (a few hundred make an article in every layout)
_KEPT = 4096


def _prove(lhs: sp.Expr, rhs: sp.Expr, net: Network, timeout: float) -> proof.Verdict:
    """``proof.prove``, once per claim in a process: an article proves each layer's formulas
    again for every language and layout, and the verdict is a function of the claim, the network
    and the timeout (the proof's samples are drawn from a fixed seed).  A proof stopped by its
    timeout is not kept (it depends on the machine's load), and each caller gets its own copy (a
    caller may add to the method)."""
    key = (lhs, rhs, net, timeout)
    v = _PROVED.get(key)
    if v is None:
        v = proof.prove(lhs, rhs, net, timeout=timeout)
        if v.method != "timeout":
            if len(_PROVED) >= _KEPT:
                _PROVED.clear()
            _PROVED[key] = v
    return dataclasses.replace(v, hints=list(v.hints))


def _verdict_text(v: proof.Verdict) -> str:
    """``✓ proved: all sizes (normal form)``: the mark, the verdict and how it was reached."""
    text = f"{v.verdict.mark} {v.verdict}"
    return f"{text}: {v.method}" if v.method else text


def matrix_lhs(quantity: str, tag: str, latex: bool) -> str:
    """∇W^(l), ∇B^(l), Δ^(l) and the matrix of ∂L_i/∂a_ik^(l) (rows are samples)."""
    if latex:
        return {
            "w": rf"\nabla W^{{({tag})}}",
            "b": rf"\nabla B^{{({tag})}}",
            "delta": rf"\Delta^{{({tag})}}",
            "a": rf"\frac{{\partial L_i}}{{\partial A^{{({tag})}}}}",
        }[quantity]
    return {"w": f"∇W^({tag})", "b": f"∇B^({tag})", "delta": f"Δ^({tag})", "a": f"∂Lᵢ/∂A^({tag})"}[
        quantity
    ]


def display(net: Network, e: sp.Expr) -> sp.Expr:
    """An engine expression in the article's form: factored, 1/n outside, bound indices named
    i for samples and by the layer's own letter (j for L, k for L-1, …)."""
    by_width: dict[sp.Expr, list[int]] = {}
    for p in range(net.D + 1):
        by_width.setdefault(net.width(p), []).append(p)
    layer_of = {
        w: ps[0] for w, ps in by_width.items() if len(ps) == 1
    }  # concrete widths may repeat

    def layer(lim: algebra.Limit) -> int | None:
        return layer_of.get(lim[2] + 1)

    def namer(lim: algebra.Limit, taken: set[sp.Symbol]) -> sp.Symbol:
        p = layer(lim)
        base = "i" if lim[2] == net.n - 1 else (net.letter(p).name if p is not None else "u")
        name = base
        while index(name) in taken:
            name += "'"
        return index(name)

    def order(lim: algebra.Limit) -> tuple[int, int]:
        if lim[2] == net.n - 1:
            return (0, 0)
        p = layer(lim)
        return (1, -(p if p is not None else -1))

    return algebra.tidy(e, namer, order)


def resolve(net: Network, layer: str | int) -> tuple[Network, int, str]:
    """The network a layer tag refers to (the generic fragment for ``l``), the layer's number,
    and its tag as printed.  Raises NotationError for layers the network does not have."""
    tag = parse_tag(layer)
    if tag.generic:
        if tag.offset != 0:
            raise ValueError("for the generic recurrence ask for layer l")
        g = Network.generic(net.activation)
        return g, g.D - 1, "l"
    p = net.layer(tag, weights=True)
    return net, p, str(net.tag(p))


def _lhs(net: Network, quantity: str, p: int) -> sp.Expr:
    i, X, Y = net.i, net.letter(p), net.letter(p - 1)
    return {
        "w": derive.Partial(net.L, net.w(p)[X, Y]),
        "b": derive.Partial(net.L, net.b(p)[X]),
        "a": derive.Partial(net.Li[i], net.a(p)[i, X]),
        "delta": net.delta(p)[i, X],
    }[quantity]


def _free(net: Network, quantity: str, p: int) -> tuple[sp.Symbol, sp.Symbol | None]:
    X, Y = net.letter(p), net.letter(p - 1)
    return {"w": (X, Y), "b": (X, None), "a": (net.i, X), "delta": (net.i, X)}[quantity]


@dataclass(frozen=True)
class _Layer:
    """What every form of one layer's gradients is derived and proved with."""

    net: Network
    p: int
    tag: str
    timeout: float
    only: Collection[tuple[str, str]] | None

    @property
    def single(self) -> bool:
        return self.net.network == "single"

    def wanted(self, q: str, form: str) -> bool:
        return self.only is None or (q, form) in self.only

    def formula(self, q: str, form: str, lhs: Any, rhs: Any, shown: Any = None) -> Formula:
        """``lhs = shown`` (``rhs`` by default), proved as ``lhs = rhs``."""
        verdict = _prove(lhs, rhs, self.net, self.timeout)
        return Formula(
            q, self.tag, form, lhs, rhs if shown is None else shown, verdict, self.single
        )


def formulas(
    net: Network,
    layer: str | int,
    *,
    index_form: bool = True,
    matrix_form: bool = False,
    closed: bool = True,
    timeout: float = 10.0,
    only: Collection[tuple[str, str]] | None = None,
) -> FormulaTable:
    """Every gradient of ``layer`` of ``net``, each form proved against ``sympy.diff``; with
    ``only``, just those (quantity, form) pairs (a template's call needs one formula: deriving and
    proving the layer's other ten took most of a short template's render time)."""
    net, p, tag = resolve(net, layer)
    at = _Layer(net, p, tag, timeout, only)
    chains = _chain_entries(at)
    out = FormulaTable()
    for q in QUANTITY_ORDER:
        if q == "a" and net.loss == "upstream" and p == net.D:
            continue
        if only is not None and not any(q == oq for oq, _ in only):
            continue
        if only is not None and not any(
            at.wanted(q, f) for f in ("delta", "closed", "assumption", "matrix")
        ):
            if q in chains:  # the chain rule alone: nothing to derive
                out.append(at.formula(q, "chain", chains[q].lhs, chains[q].rhs))
            continue
        if index_form:
            out.extend(_index_forms(at, q, chains.get(q), closed=closed))
        if matrix_form and at.wanted(q, "matrix"):
            out.extend(_matrix_form(at, q))
    return out


def _chain_entries(at: _Layer) -> dict[str, Any]:
    """The textbook's chain of partials of each quantity asked for, by quantity."""
    if not any(at.wanted(q, "chain") for q in QUANTITY_ORDER):
        return {}
    with _deriving(at.timeout, f"the chain rule of layer {at.tag}"):
        return {
            e.quantity: e
            for e in textbook.ChainWriter(at.net).entries(at.p, at.tag, closed=False)
            if e.form == "chain" and at.wanted(e.quantity, "chain")
        }


def _index_forms(at: _Layer, q: str, chain: Any, *, closed: bool) -> list[Formula]:
    """The index forms of ∂L/∂q: chain rule, δ-form, the softmax's δ = a − y under its assumption,
    and the closed form where it differs from the δ-form."""
    net, p = at.net, at.p
    with _deriving(at.timeout, f"∂L/∂{q} of layer {at.tag}"):
        lhs = _lhs(net, q, p)
        rule = derive.local_gradient(net, q, p)
        full = (
            derive.gradient(net, q, p, closed=True)
            if closed and net.loss != "upstream" and at.wanted(q, "closed")
            else None
        )
        distinct = full is not None and not algebra.equal(full, rule)
    out = []
    if chain is not None:
        out.append(at.formula(q, "chain", chain.lhs, chain.rhs))
    # the δ form: also what "closed" falls back to where it is not a distinct formula
    if at.wanted(q, "delta") or (at.wanted(q, "closed") and not distinct):
        out.append(at.formula(q, "delta", lhs, rule, shown=display(net, rule)))
    if q == "delta" and p == net.D and net.softmax_output and at.wanted(q, "assumption"):
        out.append(_softmax_delta(at))
    if full is not None and distinct:
        out.append(at.formula(q, "closed", lhs, full, shown=display(net, full)))
    return out


def _softmax_delta(at: _Layer) -> Formula:
    """δ = a − y needs Σ_j y_ij = 1: prove δ = a − y + a(Σ_j y_ij − 1), which holds always."""
    e = textbook.one_hot_entry(at.net)
    assert e.assumption is not None
    v = _prove(e.lhs, e.rhs + e.assumption[2] * e.assumption[1], at.net, at.timeout)
    if v.proved:
        v.method += f", given {e.assumption[0]}"
    return Formula("delta", at.tag, "assumption", e.lhs, e.rhs, v, at.single)


def _matrix_form(at: _Layer, q: str) -> list[Formula]:
    """The matrix form of ∂L/∂q, derived from the index form and proved back in index form (none
    for ∂L/∂a of the binary cross-entropy, whose 1/(1 − a) has no ones matrix)."""
    net, p = at.net, at.p
    # one neuron per layer makes every index 0; the matrix form is the general network's,
    # proved there (it covers the single-neuron case)
    mnet = (
        net
        if not at.single
        else Network(
            depth=net.D,
            activation=net.activation,
            loss=net.loss,
            output_activation=net.output_activation,
        )
    )
    rows, cols = _free(mnet, q, p)
    what = f"the matrix form of ∂L/∂{q} of layer {at.tag}"
    try:
        with _deriving(at.timeout, what):
            m = matrix.from_index(mnet, derive.local_gradient(mnet, q, p), rows, cols)
    except ValueError as e:
        if q == "a" and p == net.D and "took more than" not in str(e):
            return []
        raise
    with _deriving(at.timeout, what):
        back = matrix.to_index(mnet, m, rows, cols)
    lhs = _lhs(mnet, q, p)
    verdict = _prove(lhs, back, mnet, at.timeout)
    return [Formula(q, at.tag, "matrix", lhs, m, verdict)]


#: the forms a writer's template may ask for (``gradient(..., form=…)``)
PICK_FORMS = ("chain", "delta", "closed", "matrix")
#: the quantities a template may name, and the names ``formulas`` gives them
PICK_QUANTITIES = {"w": "w", "b": "b", "a": "a", "delta": "delta", "δ": "delta"}


def pick(net: Network, quantity: str, layer: str, form: str, timeout: float = 10.0) -> Formula:
    """The one proved formula a template asks for: ``gradient("w", layer="L-1", form="closed")``.

    Shared by a writer's post (``derivator render``) and the article's templates, so that the same
    call means the same formula in both.  ``ValueError`` says why there is none (an unknown name, a
    layer the network does not have, a formula that was not proved)."""
    q = PICK_QUANTITIES.get(quantity)
    if q is None:
        raise ValueError(f"quantity {quantity!r}: choose w, b, a or delta")
    if str(layer).strip().lstrip("+-").isdigit():
        # a number counts layers from the input: layer=2 is L-1 at depth 3 and L-2 at depth 4, so a
        # template that means "the layer below the output" would silently print another one
        raise ValueError(
            f"layer {layer!r}: name the layer by its tag (L, L-1, L-2, … or l for any layer); "
            "a number counts from the input and names another layer at another depth"
        )
    if form not in PICK_FORMS:
        raise ValueError(f"form {form!r}: choose {', '.join(PICK_FORMS)}")
    try:
        rows = list(_rows(net, str(layer), form == "matrix", timeout, q, form))
    except ValueError as e:
        raise ValueError(f"layer {layer!r}: {e}") from None
    chosen = [r for r in rows if r.form == form]
    if not chosen and form == "closed":
        # at the output layer the δ-form is the closed form (δ^(L) is written out); at the generic
        # layer l the δ-form is all there is, and giving it for "closed" would hide that
        if parse_tag(str(layer)).generic:
            raise ValueError(
                f"no closed form of {quantity} at layer {layer}: at a generic layer the formula "
                'is the recursion through δ; ask for form="delta"'
            )
        chosen = [r for r in rows if r.form == "delta"]
    if not chosen:
        raise ValueError(f"no {form} form of {quantity} at layer {layer} in this network")
    r = chosen[0]
    if not r.verdict.proved:
        raise ValueError(f"not proved, so not printed: {r.unicode()}  [{r.verdict}]")
    return r


@lru_cache(maxsize=256)
def _rows(
    net: Network, layer: str, matrix_form: bool, timeout: float, quantity: str, form: str
) -> tuple[Formula, ...]:
    """The formulas of ``quantity`` at ``layer`` that a call asking for ``form`` may print (for
    "closed", the δ form where it is the closed form: ``formulas`` keeps it then), derived and
    proved once per render."""
    only = [(quantity, form)]
    try:
        return tuple(
            formulas(
                net,
                layer,
                index_form=not matrix_form,
                matrix_form=matrix_form,
                timeout=timeout,
                only=only,
            )
        )
    except NotationError as e:
        raise ValueError(str(e)) from None
