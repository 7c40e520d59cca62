"""Gradients by ``sympy.diff``, cleaned to the article's form, and the per-layer rules.

Two routes, one truth:

* :func:`truth` differentiates the loss (expanded down to the layer in question, at symbolic or
  concrete sizes) with ``sympy.diff``, contracts the Kronecker deltas and folds the forward
  expressions back into a, z, σ′(z).  This is what every hand-written formula is proved against.
* :func:`rules` derives, also with ``sympy.diff``, the four per-layer rules once, on the generic
  fragment (see ``Network.generic``), and :func:`gradients` applies them layer by layer.  Cost is
  linear in depth, where differentiating a concrete deep network element by element explodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import sympy as sp

from . import algebra
from .activations import ActivationFunction
from .losses import UpstreamPrime
from .network import Network, Stop
from .notation import NotationError, split_name

QUANTITIES = ("w", "b", "a", "delta")


class Partial(sp.Expr):
    """∂num/∂den, unevaluated: it stands for its true value (see :func:`substitute_partials`)."""

    is_commutative = True

    def __new__(cls, num: sp.Expr, den: sp.Expr) -> Partial:
        return sp.Expr.__new__(cls, num, den)

    @property
    def num(self) -> sp.Expr:
        return self.args[0]

    @property
    def den(self) -> sp.Expr:
        return self.args[1]

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return f"∂({printer.doprint(self.num)})/∂({printer.doprint(self.den)})"

    def _latex(self, printer: Any, exp: Any = None) -> str:
        """∂num/∂den as a fraction, for SymPy's latex() and a notebook's display."""
        s = rf"\frac{{\partial {printer._print(self.num)}}}{{\partial {printer._print(self.den)}}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


# ---------------------------------------------------------------------------------------------
# naming what an expression is


@dataclass(frozen=True)
class Ref:
    """What an Indexed (or L) stands for: quantity, absolute layer, indices."""

    quantity: str
    layer: int | None
    indices: tuple[sp.Expr, ...]

    @property
    def at(self) -> int:
        """The layer of a quantity that has one (a, z, w, b, δ); L, L_i and y belong to none."""
        if self.layer is None:
            raise ValueError(f"{self.quantity} belongs to no layer")
        return self.layer


def classify(net: Network, e: sp.Expr) -> Ref | None:
    if e == net.L:
        return Ref("L", None, ())
    if not isinstance(e, sp.Indexed):
        return None
    label = e.base.label
    # a Symbol prints as its name (str() goes through the printer: a tenth of classify's cost)
    name = label.name if type(label) is sp.Symbol else str(label)
    if name == "L":
        return Ref("Li", None, e.indices)
    if name == "y":
        return Ref("y", None, e.indices)
    parts = split_name(name)
    if parts is None:
        return None
    q, tag = parts
    return Ref(q, net.layer(tag), e.indices)


# ---------------------------------------------------------------------------------------------
# folding expanded forward expressions back into a and z


# ---------------------------------------------------------------------------------------------
# indices and their ranges


def is_index(s: sp.Symbol) -> bool:
    """Indices are the integer symbols that are not sizes.  Read the declared assumptions only:
    asking SymPy to infer them costs more than everything else in a proof."""
    a = s.assumptions0
    return bool(a.get("integer")) and not a.get("positive")


SAMPLES = -1


def index_ranges(
    net: Network, *exprs: sp.Expr, numbers: dict[sp.Integer, set[int]] | None = None
) -> tuple[dict[sp.Symbol, int], dict[sp.Symbol, set[int]]]:
    """Which range each index runs over (a layer number, or SAMPLES), inferred from where it
    stands, and the letters that stand in two different ranges (notation.md: an error, and in
    practice often a transposed index)."""
    found: dict[sp.Symbol, int] = {}
    conflicts: dict[sp.Symbol, set[int]] = {}

    def put(x: sp.Expr, r: int) -> None:
        if numbers is not None and isinstance(x, sp.Integer):  # a_{01}: 1 in layer r's range
            numbers.setdefault(x, set()).add(r)
        if isinstance(x, sp.Symbol) and is_index(x):
            if x in found and found[x] != r:
                conflicts.setdefault(x, {found[x]}).add(r)
            found.setdefault(x, r)

    deltas: list[sp.KroneckerDelta] = []
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if isinstance(f, sp.KroneckerDelta):
                deltas.append(f)
            if not isinstance(f, sp.Indexed):
                continue
            ref = classify(net, f)
            if ref is None:
                continue
            idx = ref.indices
            if ref.quantity in ("a", "z", "delta") and len(idx) == 2:
                put(idx[0], SAMPLES)
                put(idx[1], ref.at)
            elif ref.quantity == "w" and len(idx) == 2:
                put(idx[0], ref.at)
                put(idx[1], ref.at - 1)
            elif ref.quantity == "b" and len(idx) == 1:
                put(idx[0], ref.at)
            elif ref.quantity == "y" and len(idx) == 2:
                put(idx[0], SAMPLES)
                put(idx[1], net.D)
            elif ref.quantity == "Li" and len(idx) == 1:
                put(idx[0], SAMPLES)
            else:
                raise NotationError(f"{f}: wrong number of indices")
    for _ in range(2):  # [j = k]: both indices run over the same range
        for d in deltas:
            x, y = d.args
            if x in found:
                put(y, found[x])
            elif y in found:
                put(x, found[y])
    return found, conflicts


def bounds(net: Network, *exprs: sp.Expr) -> dict[sp.Expr, algebra.Range]:
    """The range (first, last) of every index that stands in a quantity of these expressions
    (or beside one in a [j = k]): what a Kronecker contraction must know to remove a sum
    (docs/soundness.md, "Sums, brackets and δ").  A letter in two ranges gets none: the prover
    reports it before any contraction.  A number written as an index gets the range of its
    slot: the relation presupposes the sizes at which that entry exists."""
    numbers: dict[sp.Integer, set[int]] = {}
    found, conflicts = index_ranges(net, *exprs, numbers=numbers)

    def span(r: int) -> algebra.Range:
        return (sp.Integer(0), sp.S(net.n if r == SAMPLES else net.width(r)) - 1)

    out: dict[sp.Expr, algebra.Range] = {s: span(r) for s, r in found.items() if s not in conflicts}
    # a number written as an index (a_{01}^{(L)}) names an entry that exists only where the
    # range holds it: the relation presupposes n_(L) ≥ 2, and speaks of no other sizes
    out |= {k: span(next(iter(rs))) for k, rs in numbers.items() if len(rs) == 1}
    return out


def _fold_add(net: Network, e: sp.Add) -> sp.Expr:
    """b_X + Σ_d w_Xd a_Id → z_IX, also when negated (−b − Σ … from e^(−z))."""
    folded = _fold_add_once(net, e)
    if folded is e:
        neg = -e
        if isinstance(neg, sp.Add):
            again = _fold_add_once(net, neg)
            if again is not neg:
                return -again
    return folded


def _fold_add_once(net: Network, e: sp.Add) -> sp.Expr:
    args = list(e.args)
    for bterm in e.args:
        ref = classify(net, bterm) if isinstance(bterm, sp.Indexed) else None
        if ref is None or ref.quantity != "b":
            continue
        p, (X,) = ref.at, ref.indices
        for s in args:
            if not (isinstance(s, sp.Sum) and len(s.limits) == 1):
                continue
            d, lo, hi = s.limits[0]
            if lo != 0 or hi != net.width(p - 1) - 1:
                continue
            factors = sp.Mul.make_args(s.function)
            if len(factors) != 2 or net.w(p)[X, d] not in factors:
                continue
            other = factors[0] if factors[1] == net.w(p)[X, d] else factors[1]
            if (
                isinstance(other, sp.Indexed)
                and other.base == net.a(p - 1)
                and other.indices[1] == d
                and d not in other.indices[0].free_symbols
            ):
                rest = [x for x in args if x is not s and x is not bterm]
                return sp.Add(net.z(p)[other.indices[0], X], *rest)
    return e


def _softmax_denominator(net: Network, e: sp.Expr) -> sp.Expr | None:
    """The sample index I when e is Σ_d exp(z_Id^(L)) over the output layer."""
    if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
        return None
    d, lo, hi = e.limits[0]
    f = e.function
    if lo == 0 and hi == net.width(net.D) - 1 and isinstance(f, sp.exp):
        arg = f.args[0]
        if isinstance(arg, sp.Indexed) and arg.base == net.z(net.D) and arg.indices[1] == d:
            return arg.indices[0]
    return None


def _fold_mul(net: Network, e: sp.Mul) -> sp.Expr:
    """e^{c z_IX} · (Σ_d e^{z_Id})^{-s} with Σc = s  →  Π a_IX^c (the softmax output)."""
    dens: dict[sp.Expr, tuple[sp.Expr, sp.Expr]] = {}
    exps: dict[sp.Expr, list[tuple[sp.Expr, sp.Expr, sp.Expr]]] = {}
    for f in e.args:
        base, ex = (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.Integer(1))
        I = _softmax_denominator(net, base)
        if I is not None:
            dens[I] = (f, ex)
            continue
        if isinstance(f, sp.exp):
            c, arg = f.args[0].as_coeff_Mul()
            if isinstance(arg, sp.Indexed) and arg.base == net.z(net.D):
                exps.setdefault(arg.indices[0], []).append((f, c, arg.indices[1]))
    out = list(e.args)
    for I, (df, s) in dens.items():
        items = exps.get(I, [])
        if items and sum(c for _, c, _ in items) == -s:
            drop = {id(df)} | {id(f) for f, _, _ in items}
            out = [f for f in out if id(f) not in drop] + [
                net.a(net.D)[I, X] ** c for _, c, X in items
            ]
    return sp.Mul(*out) if len(out) != len(e.args) else e


def _fold_node(net: Network, e: sp.Expr) -> sp.Expr:
    if isinstance(e, sp.Add):
        return _fold_add(net, e)
    if (
        isinstance(e, sp.Mul) and net.softmax_output
    ):  # a^(L) is the softmax only where it is defined so
        return _fold_mul(net, e)
    if isinstance(e, ActivationFunction) and isinstance(e.args[0], sp.Indexed):
        ref = classify(net, e.args[0])
        act = net.activation_at(ref.at) if ref is not None and ref.quantity == "z" else None
        if (
            ref is not None and act is not None and e.activation == act.name
        ):  # a^(p) = σ_p(z^(p)), σ_p the activation of layer p
            return net.a(ref.at)[ref.indices]
    return e


def fold(net: Network, e: sp.Expr) -> sp.Expr:
    """Rewrite expanded forward subexpressions as a^(p) and z^(p), bottom up."""
    if e.is_Atom or isinstance(e, sp.Indexed):
        return e
    if isinstance(e, sp.Sum):
        new = sp.Sum(fold(net, e.function), *e.limits)
    else:
        new = e.func(*[fold(net, x) for x in e.args])
    return _fold_node(net, new)


def clean(net: Network, raw: sp.Expr, *context: sp.Expr) -> sp.Expr:
    """A raw ``sympy.diff`` result in normal form, in terms of a, z, σ′(z).  Its Kronecker deltas
    are contracted where the ranges of the indices, read from the quantities they stand in (in
    ``raw`` and in the ``context``: the numerator and the variable), allow it."""
    ranges = bounds(net, raw, *context)
    once = algebra.normal_expr(fold(net, raw), ranges=ranges)
    return algebra.normal_expr(fold(net, once), ranges=ranges)


# ---------------------------------------------------------------------------------------------
# the truth


def _stop_for(ref: Ref) -> Stop:
    if ref.quantity == "a":
        return Stop("a", ref.at)
    if ref.quantity == "z":
        return Stop("z", ref.at)
    if ref.quantity in ("w", "b"):
        return Stop("a", ref.at - 1)
    raise ValueError(f"cannot differentiate with respect to {ref.quantity}")


def expand_for(net: Network, num: sp.Expr, stop: Stop) -> sp.Expr:
    """The numerator of a partial, written out in the forward definitions down to ``stop``."""
    ref = classify(net, num)
    if ref is None:
        return _expand_inside(net, num, stop)
    if ref.quantity == "L":
        return net.loss_mean(stop)
    if ref.quantity == "Li":
        return net.loss_i(ref.indices[0], stop)
    if ref.quantity == "a":
        sample, neuron = ref.indices
        return net.expand_a(ref.at, sample, neuron, stop)
    if ref.quantity == "z":
        sample, neuron = ref.indices
        return net.expand_z(ref.at, sample, neuron, stop)
    if ref.quantity == "delta":  # by definition ∂L_i/∂z^(p), itself written out down to the stop
        value = truth(net, net.Li[ref.indices[0]], net.z(ref.at)[ref.indices])
        return _expand_inside(net, value, stop)
    return num  # w, b, y and the inputs a^(0) are independent variables


def _expand_inside(net: Network, e: sp.Expr, stop: Stop) -> sp.Expr:
    """An expression written out by hand (½Σ_j (y_ij − a_ij)², an L_ij, a δ's value): every
    quantity in it written out down to ``stop``, so that it is differentiated through the network
    and never as a constant.  Its bound indices are renamed first: ½Σ_j (…)² differentiated by
    z_ij must not confuse the bound j with the free one (design.md)."""
    e = algebra.freshen(e)

    def is_quantity(f: sp.Basic) -> bool:
        if f == net.L:
            return True
        ref = classify(net, f) if isinstance(f, sp.Indexed) else None
        return ref is not None and ref.quantity in ("Li", "a", "z", "delta")

    return e.replace(is_quantity, lambda f: expand_for(net, f, stop))


def truth(net: Network, num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """∂num/∂den by ``sympy.diff`` of the expanded numerator, cleaned (normal form).

    Derived once per shape: the free index letters of ``num`` and ``den`` are renamed to fixed
    placeholders (in order of appearance, with the same assumptions) before the cached
    derivation and renamed back after, so ∂L_i/∂a_ik and ∂L_s/∂a_sm are one derivation.  A
    derivative does not depend on what its free indices are called: the renaming is injective,
    the placeholders occur nowhere else, and the result is the derivative of the renamed
    expression with the names put back; when the result already holds one of the original
    names (a bound index the normal form named so), putting them back would capture it, and
    the derivation is done with the original names instead (docs/soundness.md)."""
    places = _placeholders(net, num, den)
    if not places:
        return _truth_cached(net, num, den)
    value = _truth_cached(net, num.xreplace(places), den.xreplace(places))
    if value.has(*places):
        # the derivation made a symbol of the same name (the normal form names bound indices
        # _0_0, _0_1, … avoiding only the names it sees): putting the names back would capture
        return _truth_cached(net, num, den)
    return value.xreplace({v: k for k, v in places.items()})


def _placeholders(net: Network, num: sp.Expr, den: sp.Expr) -> dict[sp.Symbol, sp.Symbol]:
    """The free index symbols of ``num`` and ``den`` (in the indices of their quantities, not
    the sizes), each to the placeholder of its position and assumptions."""
    sizes = {net.n} | {net.width(p) for p in range(net.D + 1)}
    out: dict[sp.Symbol, sp.Symbol] = {}
    for e in (num, den):
        for f in sorted(e.atoms(sp.Indexed), key=sp.default_sort_key):
            for x in f.indices:
                for s in sorted(x.free_symbols, key=sp.default_sort_key):
                    if isinstance(s, sp.Symbol) and s not in sizes and s not in out:
                        out[s] = _placeholder(len(out), tuple(sorted(s.assumptions0.items())))
    return out


@cache
def _placeholder(k: int, assumptions: tuple[tuple[str, bool], ...]) -> sp.Symbol:
    return sp.Dummy(f"free{k}", **dict(assumptions))


@lru_cache(maxsize=4096)
def _truth_cached(net: Network, num: sp.Expr, den: sp.Expr) -> sp.Expr:
    dref = classify(net, den)
    if dref is None or dref.quantity not in ("a", "z", "w", "b"):
        raise ValueError(f"cannot differentiate with respect to {den}")
    expanded = expand_for(net, num, _stop_for(dref))
    return clean(net, sp.diff(expanded, den), num, den)


# ---------------------------------------------------------------------------------------------
# per-layer rules


@dataclass(frozen=True)
class Rules:
    """The rules of one activation, in the generic fragment's tags (l-2 … l+1), plus the output
    layer's δ and ∂L_i/∂a of one loss in the network's own tags.

    ``w``, ``b``: ∂L/∂w_jk^(l+1), ∂L/∂b_j^(l+1) in terms of δ^(l+1);
    ``a``, ``delta``: ∂L_i/∂a_ik^(l), δ_ik^(l) in terms of δ^(l+1)."""

    fragment: Network
    w: sp.Expr
    b: sp.Expr
    a: sp.Expr
    delta: sp.Expr
    out_delta: sp.Expr
    out_a: sp.Expr


def _upstream_to_delta(g: Network, e: sp.Expr) -> sp.Expr:
    """Ψ′(z_IX^(l+1), X) is δ_IX^(l+1) by definition."""
    top = g.D

    def swap(f: sp.Expr) -> sp.Expr:
        z = f.args[0]
        return g.delta(top)[z.indices] if isinstance(z, sp.Indexed) and z.base == g.z(top) else f

    return e.replace(lambda f: isinstance(f, UpstreamPrime), swap)


@cache
def rules(
    activation: str, loss: str, network: str = "general", output_activation: str | None = None
) -> Rules:
    """Derive the per-layer rules with ``sympy.diff`` (cached: once per activation and loss).  The
    hidden rules are the fragment's (its layers have the hidden σ); only δ^(L) and ∂L_i/∂a^(L)
    see the output layer's activation."""
    g = Network.generic(activation)
    top, mid = g.D, g.D - 1
    i, j, k = g.i, g.letter(top), g.letter(mid)
    w = _upstream_to_delta(g, truth(g, g.L, g.w(top)[j, k]))
    b = _upstream_to_delta(g, truth(g, g.L, g.b(top)[j]))
    a = _upstream_to_delta(g, truth(g, g.Li[i], g.a(mid)[i, k]))
    d = _upstream_to_delta(g, truth(g, g.Li[i], g.z(mid)[i, k]))
    net = Network(
        activation=activation,
        loss=loss,
        network=network,
        depth=1,
        output_activation=output_activation,
    )
    L = net.D
    out_delta = output_closed_form(net, truth(net, net.Li[i], net.z(L)[i, net.letter(L)]))
    out_a = truth(net, net.Li[i], net.a(L)[i, net.letter(L)])
    return Rules(g, w, b, a, d, out_delta, out_a)


def output_closed_form(net: Network, e: sp.Expr) -> sp.Expr:
    """δ^(L) as the output layer's definitions make it simplest.

    Under an output activation of its own (``output_activation``) or a loss defined for one
    output activation only (the binary cross-entropy: sigmoid outputs), σ′(z^(L)) is written in
    a^(L) where σ′ is a polynomial in σ (identity: 1, sigmoid: a(1 − a), tanh: 1 − a²), because
    a^(L) = σ_L(z^(L)) by the definition of the output layer; so no σ′ of another activation
    than the hidden layers' is left to print.  Under such a loss the fraction is then cancelled,
    δ^(L) = a^(L) − y: the cancellation divides by a^(L) and 1 − a^(L), which lie in (0, 1) for a
    sigmoid output, so it is exact for every input (docs/soundness.md)."""
    act = net.activation_at(net.D)
    bound = net.loss_spec.activation is not None
    if not (bound or net.output_activation) or act is None or act.prime_in_a is None:
        return e
    z, in_a = net.z(net.D), act.prime_in_a

    def closed(f: sp.Expr) -> sp.Expr:
        return in_a(net.a(net.D)[f.args[0].indices])

    e = e.replace(
        lambda f: (
            isinstance(f, act.prime) and isinstance(f.args[0], sp.Indexed) and f.args[0].base == z
        ),
        closed,
    )
    return algebra.normal_expr(sp.cancel(e), ranges=bounds(net, e)) if bound else e


def retag(src: Network, dst: Network, shift: int, e: sp.Expr) -> sp.Expr:
    """Move an expression from ``src``'s layers to ``dst``'s: src layer q becomes dst layer q+shift.

    Bases, widths and free index letters all move; bound indices are untouched (they are dummies)."""
    mapping: dict[sp.Expr, sp.Expr] = {}
    for q in range(src.D + 1):
        p = q + shift
        if not 0 <= p <= dst.D:
            continue
        for qty in ("a", "z", "w", "b", "delta"):
            mapping[src.base(qty, q)] = dst.base(qty, p)
        mapping[src.width(q)] = dst.width(p)
        mapping[src.letter(q)] = dst.letter(p)
    mapping[src.n] = dst.n
    return e.xreplace(mapping)


def local_gradient(net: Network, quantity: str, p: int) -> sp.Expr:
    """The rule at layer p of ``net``, in terms of the δ of the layer it needs (δ-form)."""
    lowest = 0 if quantity == "a" else 1  # the input layer has activations but no z, w, b
    if not lowest <= p <= net.D:
        raise NotationError(
            f"layer {p} of a network with layers 0…{net.D} has no {quantity} gradient"
        )
    activation, output = net.activation, net.output_activation
    if net.per_layer:
        # the rules of the activation of layer p (δ^(p) holds σ_p′), and of the output layer's
        # (δ^(L) holds σ_L′): a rule derived for one σ, moved to a layer whose σ it is
        act = net.activation_at(p)
        if act is not None:
            activation, output = act.name, None
    r = rules(activation, net.loss, net.network, output)
    g = r.fragment
    if quantity in ("w", "b"):
        return retag(g, net, p - g.D, getattr(r, quantity))
    if p == net.D:
        out = Network(
            activation=activation,
            loss=net.loss,
            network=net.network,
            depth=1,
            output_activation=output,
        )
        return retag(out, net, net.D - out.D, r.out_delta if quantity == "delta" else r.out_a)
    return retag(g, net, p - (g.D - 1), getattr(r, quantity))


def closed_delta(net: Network, p: int) -> sp.Expr:
    """δ^(p) with every δ above it substituted: a closed form in a, z, w, y, σ′."""
    expr = local_gradient(net, "delta", net.D)
    for q in range(net.D - 1, p - 1, -1):
        expr = substitute_delta(net, local_gradient(net, "delta", q), q + 1, expr)
    return expr


def substitute_delta(net: Network, e: sp.Expr, p: int, value: sp.Expr) -> sp.Expr:
    """Replace δ_IX^(p) in ``e`` by ``value`` (written for I = i and X = the letter of layer p)."""
    base, i, X = net.delta(p), net.i, net.letter(p)

    def put(f: sp.Indexed) -> sp.Expr:
        return algebra.freshen(value).xreplace({i: f.indices[0], X: f.indices[1]})

    return e.replace(lambda f: isinstance(f, sp.Indexed) and f.base == base, put)


@lru_cache(maxsize=1024)
def gradient(net: Network, quantity: str, p: int, *, closed: bool = True) -> sp.Expr:
    """∂L/∂w^(p) (``"w"``), ∂L/∂b^(p), ∂L_i/∂a^(p) or δ^(p), built from the rules.

    ``closed=False`` leaves the δ of the layer the rule needs (δ^(p) for w and b, δ^(p+1) for a
    and δ), which is how backpropagation computes them; ``closed=True`` substitutes all of them.

    Kept per network (an article asks for the same closed forms in every chapter, language and
    format: a fifth of its time was deriving them again)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}: choose one of {', '.join(QUANTITIES)}")
    e = local_gradient(net, quantity, p)
    if not closed:
        return e
    need = p if quantity in ("w", "b") else p + 1
    if need <= net.D and e.has(net.delta(need)):
        e = substitute_delta(net, e, need, closed_delta(net, need))
    return algebra.normal_expr(e, ranges=bounds(net, e))


def gradients(net: Network) -> dict[tuple[str, int], sp.Expr]:
    """Every gradient of every layer in δ-form: the backpropagation algorithm, derived."""
    out = {}
    for p in range(net.D, 0, -1):
        for q in QUANTITIES:
            out[(q, p)] = local_gradient(net, q, p)
    return out


def substitute_partials(net: Network, e: sp.Expr) -> sp.Expr:
    """Put the true value in place of every ∂X/∂Y and every δ (innermost first)."""

    def value(f: Partial) -> sp.Expr:
        return truth(net, f.num, f.den)

    e = e.replace(lambda f: isinstance(f, Partial), value)

    def delta_value(f: sp.Indexed) -> sp.Expr:
        ref = classify(net, f)
        assert ref is not None
        return truth(net, net.Li[f.indices[0]], net.z(ref.at)[f.indices])

    e = e.replace(lambda f: isinstance(f, sp.Indexed) and _is_delta(f), delta_value)
    return substitute_losses(net, e)


def cut_partials(net: Network, e: sp.Expr) -> sp.Expr:
    """Every ∂L_I/∂v and ∂L/∂v through the layer q just above v, the rest by their true values.

    v = w^(p), b^(p) or z^(p) reaches the loss only through z^(p), and v = a^(p) (p < L) only
    through z^(p+1) (definition of z), so by the chain rule ∂L_I/∂v = Σ_d δ_Id^(q) ∂z_Id^(q)/∂v
    and ∂L/∂v = (1/n) Σ_s Σ_d δ_sd^(q) ∂z_sd^(q)/∂v, with δ^(q) = ∂L_I/∂z^(q) left standing and
    only the local ∂z/∂v differentiated.  The work no longer grows with the number of layers
    between v and the loss (deep layers); δ^(q) is decided by the proved rules above it."""

    def value(f: Partial) -> sp.Expr:
        nref, dref = classify(net, f.num), classify(net, f.den)
        if nref is None or nref.quantity not in ("L", "Li") or dref is None or dref.layer is None:
            return truth(net, f.num, f.den)
        q = dref.layer + (1 if dref.quantity == "a" else 0)
        if q >= net.D or dref.quantity not in ("a", "z", "w", "b"):
            return truth(net, f.num, f.den)  # at the top the true value is cheap
        d = sp.Dummy("d", integer=True)
        if nref.quantity == "Li":
            I = nref.indices[0]
            return sp.Sum(
                net.delta(q)[I, d] * truth(net, net.z(q)[I, d], f.den), (d, 0, net.width(q) - 1)
            )
        s = sp.Dummy("i", integer=True)
        return (
            sp.Sum(
                net.delta(q)[s, d] * truth(net, net.z(q)[s, d], f.den),
                (d, 0, net.width(q) - 1),
                (s, 0, net.n - 1),
            )
            / net.n
        )

    return substitute_losses(net, e.replace(lambda f: isinstance(f, Partial), value))


def delta_layers(net: Network, e: sp.Expr) -> list[int]:
    """The layers whose δ stands in e, lowest first."""
    out = set()
    for f in e.atoms(sp.Indexed):
        ref = classify(net, f)
        if ref is not None and ref.quantity == "delta":
            out.add(ref.layer)
    return sorted(out)  # type: ignore[arg-type]


def raise_deltas(net: Network, e: sp.Expr, top: int) -> sp.Expr:
    """Every δ^(p) below layer ``top`` written by the proved rule in terms of δ^(p+1), up to
    δ^(top); with top = L, δ^(L) by its true value as well (a closed form, linear in depth)."""
    layers = delta_layers(net, e)
    for p in range(layers[0] if layers else top, min(top, net.D + 1)):
        if e.has(net.delta(p)):
            e = substitute_delta(net, e, p, local_gradient(net, "delta", p))
    if top >= net.D and e.has(net.delta(net.D)):
        e = substitute_delta(net, e, net.D, local_gradient(net, "delta", net.D))
    return e


def substitute_losses(net: Network, e: sp.Expr) -> sp.Expr:
    """Put the definitions of L and L_i (in terms of a^(L) and y) in place of the symbols."""
    top = Stop("a", net.D)
    if e.has(net.Li):
        e = e.replace(
            lambda f: isinstance(f, sp.Indexed) and f.base == net.Li,
            lambda f: net.loss_i(f.indices[0], top),
        )
    if net.L in e.free_symbols:
        e = e.xreplace({net.L: net.loss_mean(top)})
    return e


def _is_delta(f: sp.Indexed) -> bool:
    parts = split_name(str(f.base.label))
    return parts is not None and parts[0] == "delta"
