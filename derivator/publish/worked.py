"""The worked example: the single-neuron chain with numbers, every number computed by the engine.

A reader who has followed the symbols wants to see them become numbers once: the forward pass
(z, a, the loss), the local derivative on each arrow of the computational graph, their product,
and a finite-difference quotient of the loss that agrees with the product.  All values come from
``evaluate.forward`` / ``evaluate.evaluate`` on the network's own definitions and ``derive.truth``
(``sympy.diff``), in floating point; nothing here knows the formula of σ′.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import sympy as sp

from ..engine import Network, derive, evaluate

#: the chosen inputs: a^(L-1), w^(L), b^(L), y (small rationals, so that a reader can redo them)
INPUTS = (sp.Rational(4, 5), sp.Rational(1, 2), sp.Rational(-1, 4), sp.Integer(1))
#: step of the central difference quotient (its error is O(h²), far below the digits shown)
STEP = 1e-5


@dataclass(frozen=True)
class Row:
    """One line of the example's table: a quantity (a SymPy expression) and its value."""

    quantity: Any
    value: float


@dataclass(frozen=True)
class Example:
    net: Network
    forward: tuple[Row, ...]  # a^(L-1), w, b, z, a, y, L_0
    local: tuple[Row, ...]  # ∂L_0/∂a, ∂a/∂z, ∂z/∂w, ∂z/∂b, ∂z/∂a^(L-1): one per arrow of the graph
    product_w: Row  # ∂L_0/∂w as the product of the local derivatives
    product_b: Row
    difference_w: float  # (L_0(w + h) − L_0(w − h)) / 2h
    difference_b: float


class Quantities(NamedTuple):
    """The example's quantities in its one-neuron, one-sample network: the graph's nodes, named
    as in :data:`KEYS` (the table, the figure and the page's sliders all start from these)."""

    a_below: sp.Expr
    w: sp.Expr
    b: sp.Expr
    z: sp.Expr
    a: sp.Expr
    y: sp.Expr
    L0: sp.Expr


def quantities(net: Network) -> Quantities:
    """The nodes of the example's computational graph in ``net`` (sample 0, neuron 0)."""
    s = sp.Integer(0)
    return Quantities(
        net.a(0)[s, 0],
        net.w(1)[0, 0],
        net.b(1)[0],
        net.z(1)[s, 0],
        net.a(1)[s, 0],
        net.y[s, 0],
        net.Li[s],
    )


def _instance(
    net: Network,
    w_shift: float = 0.0,
    b_shift: float = 0.0,
    inputs: tuple[float, float, float, float] | None = None,
) -> evaluate.Instance:
    a0, w, b, y = inputs if inputs is not None else (float(x) for x in INPUTS)
    values: dict[str, evaluate.Array] = {
        str(net.a(0).label): {(0, 0): a0},
        str(net.w(1).label): {(0, 0): w + w_shift},
        str(net.b(1).label): {(0,): b + b_shift},
        "y": {(0, 0): float(y)},
    }
    inst = evaluate.Instance(net, evaluate.FLOAT, values)
    evaluate.forward(inst)
    return inst


def example(activation: str) -> Example | None:
    """The example for ``activation``; None for the generic σ, which has no values."""
    if activation == "generic":
        return None
    net = Network(widths=(1, 1), network="single", samples=1, activation=activation)
    inst = _instance(net)
    a_in, w, b, z, a, y, L0 = quantities(net)

    def value(e: sp.Expr) -> float:
        return float(evaluate.evaluate(e, inst))

    forward = tuple(Row(q, value(q)) for q in (a_in, w, b, z, a, y, L0))
    pairs = ((L0, a), (a, z), (z, w), (z, b), (z, a_in))
    local = tuple(
        Row(derive.Partial(num, den), value(derive.truth(net, num, den))) for num, den in pairs
    )
    dw = local[0].value * local[1].value * local[2].value
    db = local[0].value * local[1].value * local[3].value

    def loss(w_shift: float = 0.0, b_shift: float = 0.0) -> float:
        return float(evaluate.evaluate(L0, _instance(net, w_shift, b_shift)))

    return Example(
        net,
        forward,
        local,
        Row(derive.Partial(L0, w), dw),
        Row(derive.Partial(L0, b), db),
        (loss(w_shift=STEP) - loss(w_shift=-STEP)) / (2 * STEP),
        (loss(b_shift=STEP) - loss(b_shift=-STEP)) / (2 * STEP),
    )


def numbers(ex: Example) -> dict[Any, float]:
    """Every value of the example by what it is the value of: a quantity (a node of the graph) or
    a local derivative ``Partial(head, tail)`` (an arrow), as the graph figure looks them up."""
    return {r.quantity: r.value for r in ex.forward + ex.local}


def number(x: float) -> str:
    """Four significant digits as LaTeX, as a reader would write them down (−0 printed as 0)."""
    text = f"{x:.4g}"
    return "0" if text in ("-0", "0") else latex_number(x) if "e" in text else text


def latex_number(x: float) -> str:
    """``2e-05`` → ``2 \\cdot 10^{-5}``."""
    mantissa, _, exponent = f"{x:.4g}".partition("e")
    if not exponent:
        return mantissa
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}".replace("1 \\cdot ", "")


#: the names of the values :func:`values` returns: the graph's nodes, its arrows (head-tail as in the
#: figure: ``"w-z"`` is ∂z/∂w) and the two gradients
KEYS = (
    "a_below",
    "w",
    "b",
    "z",
    "a",
    "y",
    "L0",
    "a-L0",
    "z-a",
    "w-z",
    "b-z",
    "a_below-z",
    "dw",
    "db",
)


def values(activation: str, a0: float, w: float, b: float, y: float) -> dict[str, float]:
    """Every number of the example at other inputs, by :data:`KEYS`, from the engine's evaluator
    (the page's sliders recompute the same numbers in JavaScript; the tests compare the two)."""
    net = Network(widths=(1, 1), network="single", samples=1, activation=activation)
    inst = _instance(net, inputs=(a0, w, b, y))
    a_in, wq, bq, z, a, _, L0 = quantities(net)

    def value(e: sp.Expr) -> float:
        return float(evaluate.evaluate(e, inst))

    out = {
        "a_below": a0,
        "w": w,
        "b": b,
        "z": value(z),
        "a": value(a),
        "y": y,
        "L0": value(L0),
        "a-L0": value(derive.truth(net, L0, a)),
        "z-a": value(derive.truth(net, a, z)),
        "w-z": value(derive.truth(net, z, wq)),
        "b-z": value(derive.truth(net, z, bq)),
        "a_below-z": value(derive.truth(net, z, a_in)),
    }
    out["dw"] = out["a-L0"] * out["z-a"] * out["w-z"]
    out["db"] = out["a-L0"] * out["z-a"] * out["b-z"]
    return out
