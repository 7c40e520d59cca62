"""The worked example a reader can move (the "nudge" of 3Blue1Brown): sliders for a^(L-1), w, b
and y on the HTML page recompute the forward values, each arrow's local derivative and the two
gradients, on the computational graph (Figure 2) and in a table beside the sliders.

The JavaScript is generated here from the same relations the article proves, never typed in: z
from the network's definition, a = σ(z) with σ's explicit form, the loss term, and each local
derivative as ``derive.truth`` (``sympy.diff``) finds it, σ′ written with the relation that the
article proves (σ′ = σ(1 − σ) …), all printed by SymPy's JavaScript printer.  The page needs no
library and no network; the tests set the sliders in Chromium and compare every number with the
engine's evaluator (``worked.values``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sympy as sp
from sympy.printing.jscode import jscode

from ..engine import Network, derive
from .worked import INPUTS, KEYS, quantities


@dataclass(frozen=True)
class Slider:
    key: str  # the value's name in worked.KEYS
    label: sp.Expr  # the quantity, printed as math beside the slider
    low: float
    high: float
    value: float


def sliders(net: Network) -> tuple[Slider, ...]:
    """The four inputs of the example, each with a range a reader can explore."""
    q = quantities(net)
    a0, w, b, y = (float(x) for x in INPUTS)
    return (
        Slider("a_below", q.a_below, -1.0, 1.0, a0),
        Slider("w", q.w, -2.0, 2.0, w),
        Slider("b", q.b, -1.0, 1.0, b),
        Slider("y", q.y, 0.0, 1.0, y),
    )


def _js(e: sp.Expr) -> str:
    return str(jscode(e, user_functions={"sigma": "sigma", "sigmaPrime": "sigmaPrime"}))


def script(net: Network, sigma: sp.Expr, prime: sp.Expr, x: sp.Symbol) -> str:
    """The page's JavaScript for the example's network ``net`` (one neuron, one sample).
    ``sigma`` is σ(x) written out and ``prime`` σ′(x) as the article proves it (it may contain
    σ(x) itself, printed as a call of ``sigma``)."""
    q = quantities(net)
    a_in, w, b, z, a, y, L0 = q
    names = {getattr(q, k): k for k in ("a_below", "w", "b", "z", "a", "y")}
    symbol = {e: sp.Symbol(n) for e, n in names.items()}
    call_sigma, call_prime = sp.Function("sigma"), sp.Function("sigmaPrime")
    sx = net.sigma(x)

    def plain(e: sp.Expr) -> str:
        """``e`` in the JavaScript names: σ and σ′ as the helper functions, the quantities as
        variables."""
        e = e.replace(lambda f: f.func == sx.func, lambda f: call_sigma(*f.args))
        e = e.replace(lambda f: f.func == net.sigma_prime(x).func, lambda f: call_prime(*f.args))
        return _js(e.xreplace(symbol))

    term = net.loss_spec.term
    assert term is not None
    forward = {
        "z": plain(sp.expand(net.z_definition(1, sp.Integer(0), 0).doit())),
        "a": plain(net.sigma(z)),
        "L0": plain(term(a, y)),
    }
    local = {
        "a-L0": plain(derive.truth(net, L0, a)),
        "z-a": plain(derive.truth(net, a, z)),
        "w-z": plain(derive.truth(net, z, w)),
        "b-z": plain(derive.truth(net, z, b)),
        "a_below-z": plain(derive.truth(net, z, a_in)),
    }
    body = [f"const sigma = (x) => {_js(sigma)};"]
    body.append(f"const sigmaPrime = (x) => {plain(prime.subs(sx, call_sigma(x)))};")
    body.append("function compute(a_below, w, b, y) {")
    body += [f"  const {k} = {v};" for k, v in forward.items()]
    body.append("  const v = { a_below, w, b, y, z, a, L0 };")
    body += [f'  v["{k}"] = {v};' for k, v in local.items()]
    body.append('  v.dw = v["a-L0"] * v["z-a"] * v["w-z"];')
    body.append('  v.db = v["a-L0"] * v["z-a"] * v["b-z"];')
    body.append("  return v;")
    body.append("}")
    return _FRAME.replace("BODY", "\n".join(body)).replace("KEYS", json.dumps(list(KEYS)))


#: the page's side: read the sliders, compute, write every [data-q] (figure and table), four
#: significant digits as the article prints them (worked.number), a real minus sign
_FRAME = """(function () {
BODY
const keys = KEYS;
function fmt(x) {
  let t = Number(x.toPrecision(4)).toString();
  if (t === "-0") t = "0";
  return t.replace("-", "\\u2212");
}
function update() {
  const get = (k) => Number(document.querySelector('input[data-slider="' + k + '"]').value);
  const v = compute(get("a_below"), get("w"), get("b"), get("y"));
  for (const k of keys) {
    for (const el of document.querySelectorAll('[data-q="' + k + '"]')) el.textContent = fmt(v[k]);
  }
}
for (const el of document.querySelectorAll("input[data-slider]")) el.addEventListener("input", update);
update();
})();
"""
