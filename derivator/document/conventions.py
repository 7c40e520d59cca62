"""Other authors' letters and layouts → the notation's quantities (notation.md, "Conventions of
other authors").

Nielsen writes ``a^l_j`` and a per-example cost ``C``, Bishop ``a_j = Σ_i w_ji z_i`` with
``z_j = h(a_j)``, ``E_n`` and targets ``t_k``, UFLDL ``W^{(l)}`` from layer l to l+1.  A
:class:`Conventions` value says what such a document means by its letters (set by directives,
filled in by :mod:`inference`), and :func:`translate` rewrites a relation's syntax tree into the
notation's own letters before it is interpreted.  Why a tree rewrite: the interpreter and the
prover then stay exactly as they are, so every guarantee of soundness.md holds unchanged.  A
translation only *maps* a letter onto a quantity of the network; a letter it does not know is left
as it is, and the interpreter reports it as an unknown quantity, never as a constant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import overload

from ..engine import NotationError, parse_tag
from . import parse, vectors
from .parse import walk
from .regularised import Decay

#: roles of ``letters=role:letter,…`` and the notation's letter for each
ROLES = {
    "activation": "a",
    "preactivation": "z",
    "weight": "w",
    "bias": "b",
    "target": "y",
    "error": "delta",
    "input": "a",
    "output": "a",
    "logit": "z",
    "function": "sigma",
    "width": "n",
}
COST_MEANINGS = ("mean", "sample", "sum")
#: the meaning of a cost letter the document uses but never defines bare (only ∂C/∂v, or only C_x = …):
#: a bare use is an error naming cost-is (reported, not guessed)
UNDEFINED = "undefined"
VALUES: dict[str, tuple[str, ...] | None] = {  # None: a free value, checked by its own reader
    "cost": None,
    "cost-is": COST_MEANINGS,
    "mse-half": ("yes", "no"),
    "letters": None,
    "layer-tags": ("parenthesised", "superscript", "none"),
    "index-layers": None,
    "weights": ("to-from", "from-to"),
    "weight-layer": ("into", "out-of"),
    "samples": None,
    "batch": ("rows", "columns"),
    "bar": ("none", "gradient"),
}
#: a batch's matrices (Ng: examples as columns); X is A^{[0]}
BATCH_LETTERS = ("A", "Z", "X", "Y")
KEYS = tuple(VALUES)
_LETTER = re.compile(
    r"[A-Za-z]|\\[A-Za-z]+|\\mathcal\{[A-Za-z]\}|\\hat\{[A-Za-z]\}|[A-Za-z][A-Za-z]+"
)


Unreadable = parse.ReadError  # a construct that cannot be read, with where it stands


@dataclass(frozen=True)
class Conventions:
    """What a document means by its letters.  ``None`` is "not stated": the notation's default."""

    cost: str | None = None
    cost_is: str | None = None
    #: cost letters whose meaning the document's own definitions fix: (letter, meaning)
    costs: tuple[tuple[str, str], ...] = ()
    #: cost letters a definition of the document writes out (``C = \\sum_x C_x``): what such a
    #: letter means is the definition's, never a cost-is directive's (definitions define; a
    #: directive settles only what the document leaves unsaid or ambiguous); inferred only
    written: tuple[str, ...] = ()
    #: cost letters the document defines twice in different ways: (letter, directive key, explanation);
    #: a directive with that key settles it
    ambiguous: tuple[tuple[str, str, str], ...] = ()
    #: every definition of a bare cost letter, (letter, line, meaning) in reading order, when the
    #: document redefines one (Nielsen's C, the mean, then one example's cost): each governs the
    #: relations after it (:meth:`at`)
    cost_history: tuple[tuple[str, int, str], ...] = ()
    mse_half: str = "yes"
    #: every squared-error definition of a cost, (letter, form, line, "yes"/"no": its ½), when
    #: the document writes the ½ in some and not in others; form is "sample" (L_i) or "bare" (L).
    #: Each governs its form of the letter from its line on (:meth:`at`, :meth:`half`)
    half_history: tuple[tuple[str, str, int, str], ...] = ()
    #: the ½ of each (letter, form) in force at a line (:meth:`at` fills it from half_history)
    halves: tuple[tuple[str, str, str], ...] = ()
    #: (author's letter, role)
    letters: tuple[tuple[str, str], ...] = ()
    layer_tags: str = "parenthesised"
    #: the letter the document counts its layers with when it is not l (``a^m``, ``w^{k+1}``):
    #: read as l (inferred only)
    layer_letter: str = ""
    #: layers numbered in the subscript, ``z_1 = W_1 x + b_1`` (inferred only)
    subscript_layers: bool = False
    #: the document's own pre-activation letters numbered like W (``u_1 = W_1 x``, inferred only)
    subscript_letters: str = ""
    #: (index letter, layer tag) for ``layer-tags=none``
    index_layers: tuple[tuple[str, str], ...] = ()
    weights: str = "to-from"
    #: (line, order) of a forward pass that fixes the weights' order after claims named weights:
    #: the order from that line on (:meth:`at`); before it, ``weights``
    weights_history: tuple[tuple[int, str], ...] = ()
    weight_layer: str = "into"
    samples: str = "i"
    #: how a batch's matrices A, Z, Y hold the examples: as rows (the notation) or as columns (Ng)
    batch: str = "rows"
    #: the loss the document's own cost definition writes (inferred only; the directive loss=… and
    #: --loss set the network's loss, and a definition the document writes beats --loss)
    loss: str | None = None
    #: regularised costs, ``J = L + \frac{\lambda}{2}\sum_l \|W^{(l)}\|^2`` (inferred only;
    #: ``regularised.Decay``): a partial of J is the base cost's plus 2cλw by a weight
    decays: tuple[Decay, ...] = ()
    #: a loss the document names and leaves unknown, ``C = \ell(a^L, y)``: (letter, line of its
    #: definition, its arguments as written); inferred only
    loss_functions: tuple[tuple[str, int, str], ...] = ()
    #: the hidden layers' and the output layer's activation the document's forward pass writes
    #: (``a = \\tanh(z)``, ``y_k = a_k``): inferred only, like ``loss``
    activation: str | None = None
    output_activation: str | None = None
    #: "yes" when the document writes its activation function with a layer tag (``a^m = f^m(n^m)``,
    #: ``a^{[l]} = g^{[l]}(z^{[l]})``): each layer has a function of its own; inferred only
    own_functions: str | None = None
    #: every forward pass that names one numbered layer's function, (line, layer, activation):
    #: ``a^{[1]} = \tanh(z^{[1]})``; "sigma" is the notation's σ.  Each governs its layer from its
    #: line on (the first one before it); inferred only
    layer_history: tuple[tuple[int, str, str], ...] = ()
    #: the function of each layer ``layer_history`` names, in force at a line (:meth:`at`)
    layer_activations: tuple[tuple[str, str], ...] = ()
    #: "none" when the document's forward pass adds no bias (``a_j = Σ_i w_ji z_i``: Bishop
    #: absorbs it into the weights); inferred only, like ``activation``
    bias: str | None = None
    #: δ as the document defines it: "plus" (∂L/∂z, the notation's) or "minus" (−∂E/∂net_j, Rumelhart
    #: and Mitchell); :meth:`at` sets it from ``delta_history``
    delta_sign: str = "plus"
    #: every definition of δ as a partial of the cost, (line, sign), in reading order, when one of
    #: them has the minus sign: each governs from its line on, the first one before it
    delta_history: tuple[tuple[int, str], ...] = ()
    #: every definition of the one cost letter with the loss it writes, (line, loss), when the
    #: document redefines the cost with another loss: each governs from its line on (:meth:`at`)
    loss_history: tuple[tuple[int, str], ...] = ()
    #: a forward pass with a letter per layer (x → h → o): (letter, the notation's quantity,
    #: layer tag, weights' order) for each letter it defines; inferred only
    layers: tuple[tuple[str, str, str, str], ...] = ()
    #: what a bar over a letter means: nothing the notation reads ("none"), or the cost's
    #: derivative by the quantity ("gradient": v̄ = ∂C/∂v, the "error signal" of Grosse's notes)
    bar: str = "none"

    @property
    def reading(self) -> parse.Reading:
        """What the parser must know: digit tags, letters written as functions (J(W,b;x,y)), and the
        names of several letters (net, out, Cost)."""
        names = [letter for letter, _ in self.letters] + self.cost_letters()
        costs = self.cost_letters()
        return parse.Reading(
            digit_tags=self.layer_tags == "superscript",
            call_letters=frozenset(costs),
            words=frozenset(x for x in names if len(x) > 1 and x.isalpha() and x.isascii()),
            layer_letter=self.layer_letter,
            subscript_layers=self.subscript_layers,
            subscript_letters=frozenset(self.subscript_letters),
            bar_cost=(self.cost or (costs[0] if costs else "L"))
            if self.bar == "gradient"
            else None,
        )

    def cost_letters(self) -> list[str]:
        out = [letter for letter, _ in self.costs]
        out += [d.letter for d in self.decays if d.letter not in out]
        if self.cost is not None and self.cost not in out:
            out.append(self.cost)
        return out

    def meaning(self, letter: str) -> str:
        if self.cost_is is not None and self.cost in (None, letter) and letter not in self.written:
            return self.cost_is  # a directive, for a letter no definition writes out
        for name, meaning in self.costs:
            if name == letter:
                return meaning
        return self.cost_is or "mean"

    def role(self, letter: str) -> str | None:
        for name, role in self.letters:
            if name == letter:
                return role
        return None

    def half(self, letter: str, form: str) -> str:
        """Whether the squared error of a cost letter's form ("sample": L_i, "bare": L, or a
        digit subscript: C_0 and C_1 are two costs) has its ½ where these conventions are in
        force: its own last definition, else the bare or one sample's form's, else ``mse_half``."""
        for wanted in dict.fromkeys((form, "sample", "bare")):
            for name, which, value in self.halves:
                if (name, which) == (letter, wanted):
                    return value
        return self.mse_half

    def at(self, line: int) -> Conventions:
        """The conventions in force at a line: a redefined cost letter means what its last
        definition before the line says (its first one before any); so does its ½."""
        if self.half_history or self.weights_history:
            chosen: dict[tuple[str, str], str] = {}
            for letter, form, where, value in self.half_history:
                if where <= line:  # before its first definition a form keeps mse_half
                    chosen[letter, form] = value
            halves = tuple((k[0], k[1], v) for k, v in sorted(chosen.items()))
            conv = replace(self, halves=halves)
        else:
            conv = self
        for where, order in conv.weights_history:
            if where <= line:
                conv = replace(conv, weights=order)
        if conv.layer_history:
            layer: dict[str, str] = {}
            for where, tag, name in conv.layer_history:
                if where <= line or tag not in layer:
                    layer[tag] = name
            conv = replace(conv, layer_activations=tuple(sorted(layer.items())))
        for where, loss in conv.loss_history:
            if where <= line:
                conv = replace(conv, loss=loss)
        if conv.delta_history:
            # a δ used before its definition means what the first definition says
            sign = conv.delta_history[0][1]
            for where, which in conv.delta_history:
                if where <= line:
                    sign = which
            conv = replace(conv, delta_sign=sign)
        if not conv.cost_history:
            return conv
        meaning: dict[str, str] = {}
        for letter, where, what in conv.cost_history:
            if where <= line or letter not in meaning:
                meaning[letter] = what
        costs = tuple((k, meaning.get(k, m)) for k, m in conv.costs)
        return replace(conv, costs=costs)

    @property
    def is_default(self) -> bool:
        return self == Conventions()


def _pairs(
    key: str, value: str, roles: tuple[str, ...] | None = None
) -> tuple[tuple[str, str], ...]:
    out = []
    for part in value.split(","):
        left, colon, right = part.partition(":")
        if not colon or not left or not right:
            raise ValueError(
                f"{key}={value}: write {key}=" + ("role:letter,…" if roles else "letter:layer,…")
            )
        out.append((left, right))
    return tuple(out)


def update(conv: Conventions, directive: dict[str, str]) -> Conventions:
    """The conventions after a directive line (only the keys of this module); ValueError names the
    key and value that cannot be read."""
    changes: dict[str, object] = {}
    for key, value in directive.items():
        if key not in VALUES:
            continue
        allowed = VALUES[key]
        if allowed is not None and value not in allowed:
            raise ValueError(f"unknown value {value!r} for {key} (choose {', '.join(allowed)})")
        name = key.replace("-", "_")
        if key == "cost":
            if not _LETTER.fullmatch(value):
                raise ValueError(
                    f"cost={value}: give the cost's letter or command (C, E, J, \\mathcal{{C}}, Cost)"
                )
            changes[name] = value
        elif key == "letters":
            pairs = []
            for role, letter in _pairs(key, value, tuple(ROLES)):
                if role not in ROLES:
                    raise ValueError(
                        f"unknown role {role!r} in letters (roles: {', '.join(ROLES)})"
                    )
                if not _LETTER.fullmatch(letter):
                    raise ValueError(f"letters: {letter!r} is not a letter")
                pairs.append((letter, role))
            changes[name] = tuple(pairs)
        elif key == "index-layers":
            pairs = []
            for letter, tag in _pairs(key, value):
                try:
                    parse_tag(tag)
                except NotationError as e:
                    raise ValueError(f"index-layers: {e}") from None
                if not re.fullmatch(r"[a-zA-Z]", letter):
                    raise ValueError(f"index-layers: {letter!r} is not an index letter")
                pairs.append((letter, tag))
            changes[name] = tuple(pairs)
        elif key == "samples":
            if value not in ("superscript", "none") and not re.fullmatch(r"[a-zA-Z]", value):
                raise ValueError(
                    f"unknown value {value!r} for samples (choose i, another letter, superscript, none)"
                )
            changes[name] = value
        else:
            changes[name] = value
    return replace(conv, **changes)  # type: ignore[arg-type]


def merge(inferred: Conventions, stated: Conventions, keys: set[str]) -> Conventions:
    """Directives override inference, key by key (``letters`` letter by letter): ``keys`` are the
    directive keys stated so far (a directive that states the default value overrides an inferred
    one too), and an ambiguity is settled by a directive of its key.  A cost letter the document
    defines keeps its definition's meaning under cost-is (:meth:`Conventions.meaning`)."""
    names = {k.replace("-", "_") for k in keys}
    out = replace(
        inferred,
        **{f.name: getattr(stated, f.name) for f in fields(Conventions) if f.name in names},
    )
    # a stated ½ holds where no definition writes the squared error: each definition's own ½
    # governs its form of the letter from its line on (half_history, kept)
    if "weights" in names:  # a stated order holds for the whole document
        out = replace(out, weights_history=())
    if (
        "letters" in names
    ):  # a letter stated overrides that letter's inferred role, not every inferred letter
        mine = {letter for letter, _ in stated.letters}
        out = replace(
            out, letters=stated.letters + tuple(p for p in inferred.letters if p[0] not in mine)
        )
    # a cost letter defined two ways at once is settled by a cost-is directive: the directive
    # then says what it means; a letter defined one way means what its definition says
    settled = {a[0] for a in inferred.ambiguous if a[1] == "cost-is" and a[1] in keys}
    out = replace(out, written=tuple(x for x in out.written if x not in settled))
    return replace(out, ambiguous=tuple(a for a in inferred.ambiguous if a[1] not in keys))


# ---------------------------------------------------------------------------------------------
# the tree rewrite


@dataclass
class _Context:
    conv: Conventions
    #: the sample index a per-sample cost takes (a letter the relation does not use otherwise)
    sample: str
    #: the relation names a batch's matrices (A, Z, X, Y): Ng's dW, db are then the mean's derivatives
    batch: bool = False
    #: bare letters bound by a function the relation defines (σ(x) = …): left as they are
    bound: frozenset[str] = frozenset()


def translate_relation(nodes: list[parse.Node], conv: Conventions) -> list[parse.Node]:
    """The nodes of one relation in the notation's own letters."""
    used = {n.name for root in nodes for n in walk(root) if isinstance(n, parse.Index) and n.name}
    used |= {n.index for root in nodes for n in walk(root) if isinstance(n, parse.SumNode)}
    candidates = ([conv.samples] if len(conv.samples) == 1 else []) + list("isnqxu")
    sample = (
        next(c for c in candidates if c not in used)
        if any(c not in used for c in candidates)
        else "i"
    )
    batch = any(
        isinstance(n, parse.Var) and n.name in BATCH_LETTERS and not n.sub
        for root in nodes
        for n in walk(root)
    )
    # the function a relation defines stands on its left, or heads its chain (σ(x) = … = …)
    heads = nodes[:1] + nodes[2:3]  # [lhs, rhs, first]: the left side and the chain's head
    ctx = _Context(conv, sample, batch, _bound(heads))
    out = [_tr(n, ctx) for n in nodes]
    if conv.index_layers:
        return out  # layer-tags=none: the directive's letters say the layers
    units = unit_layers(out)
    return [_tag_by_unit(n, units) for n in out] if units else out


#: the quantities of a layer whose last index is one of the layer's units
_UNIT_LAST = ("a", "z", "b", "delta")


def unit_layers(nodes: list[parse.Node]) -> dict[str, str]:
    """The layer each index letter of a relation runs over, as its tagged quantities say it:
    ``b^l_j``, ``a^{(L)}_{ij}``, ``\\delta^{l+1}_k`` put their last index in their layer, ``w^l_{jk}``
    its first (the notation's order: into j of layer l).  A letter that two tags put in two
    layers says nothing (the relation is then an error of its own, one letter in two ranges)."""
    seen: dict[str, set[str]] = {}
    for n in (m for root in nodes for m in walk(root)):
        if not isinstance(n, parse.Var) or n.tag is None or not n.sub:
            continue
        if n.name in _UNIT_LAST and len(n.sub) <= 2:
            unit = n.sub[-1]
        elif n.name == "w" and len(n.sub) == 2:
            unit = n.sub[0]
        else:
            continue
        if unit.name and unit.expr is None and unit.name.isalpha():
            seen.setdefault(unit.name, set()).add(n.tag)
    return {letter: tags.pop() for letter, tags in seen.items() if len(tags) == 1}


def _tag_by_unit(node: parse.Node, units: dict[str, str]) -> parse.Node:
    """An untagged a, z, b or δ whose unit index another quantity of the relation tags (``u_j``
    beside ``b^l_j``) is in that layer: in one relation a letter runs over one layer's units.
    δ with two indices and no tag stays the Kronecker delta."""
    if isinstance(node, parse.Var):
        unit = node.sub[-1] if node.sub else None
        if (
            node.tag is None
            and node.name in _UNIT_LAST
            and unit is not None
            and unit.name in units
            and unit.expr is None
            and len(node.sub or []) <= (1 if node.name in ("b", "delta") else 2)
        ):
            return replace(node, tag=units[unit.name])
        return node
    return parse.map_children(node, lambda x: _tag_by_unit(x, units))


def _bound(nodes: list[parse.Node]) -> frozenset[str]:
    """The variable of a function defined by the relation, ``σ(x) = \\frac{1}{1+e^{-x}}``: a
    bare letter bound by the definition, never the document's quantity of that letter (x the
    input of a forward pass written x_i)."""
    out = set()
    for n in nodes:
        n = parse.ungrouped(n)
        if isinstance(n, parse.Call) and len(n.args) == 1:
            arg = parse.ungrouped(n.args[0])
            if isinstance(arg, parse.Var) and not arg.sub and arg.tag is None:
                out.add(arg.name)
    return frozenset(out)


@overload
def _tr(node: parse.Index, ctx: _Context) -> parse.Index: ...
@overload
def _tr(node: parse.Node, ctx: _Context) -> parse.Node: ...
def _tr(node: parse.Node | parse.Index, ctx: _Context) -> parse.Node | parse.Index:
    """The node in the notation's letters; a subscript's entries (Index) stay entries."""
    if isinstance(node, parse.Var):
        return _var(node, ctx)
    sample = _sample_cost(node, ctx.conv) if isinstance(node, parse.Pow) else None
    if sample is not None:
        return _var(sample, ctx)
    if isinstance(node, parse.Mul):
        factors, stars = _functions([_tr(f, ctx) for f in node.factors], ctx, node.stars)
        if len(factors) == 1:
            return factors[0]  # f(x) merged into σ(x): no product left
        return replace(node, factors=factors, stars=stars)
    if isinstance(node, parse.Div):
        derivative = _d_dx(node)
        if derivative is not None:
            return _tr(derivative, ctx)
    if isinstance(node, parse.Nabla):
        wrt = _tr(node.wrt, ctx)
        if isinstance(wrt, parse.Var) and wrt.name == "a" and wrt.tag is None:
            wrt = replace(wrt, tag="L")  # Nielsen's ∇_a C: the output activations
        return _cost_partial(node.of, wrt, node.pos, ctx)
    if isinstance(node, parse.Partial):
        return _cost_partial(node.num, _tr(node.den, ctx), node.pos, ctx)
    if isinstance(node, parse.Index):
        return replace(node, expr=_tr(node.expr, ctx)) if node.expr is not None else node
    if isinstance(node, parse.SumNode) and _implicit_sample_sum(node, ctx.conv):
        return replace(node, body=_per_sample(_tr(node.body, ctx), node.index))
    return parse.map_children(node, lambda x: _tr(x, ctx))


#: quantities that belong to one sample: an implicit sample sum gives them its index
PER_SAMPLE = ("a", "z", "y", "delta")


def _implicit_sample_sum(node: parse.SumNode, conv: Conventions) -> bool:
    """Nielsen's ``\\frac{1}{n}\\sum_x a^{L-1}_k(a^L_j - y_j)``: a sum over the sample letter (the
    one ``samples=`` names, or Nielsen's x) whose body never writes that letter, because a, z, y
    and δ stand for their values at the sample x (the notation's own definition of them)."""
    letter = conv.samples if len(conv.samples) == 1 else "x"
    if node.index not in (letter, "x") or node.lower is not None or node.upper is not None:
        return False
    return not any(
        (isinstance(n, parse.Index) and n.name == node.index)
        or (isinstance(n, parse.Var) and (n.name == node.index or n.sample is not None))
        or (isinstance(n, parse.SumNode) and n.index == node.index)
        for n in walk(node.body)
    )


def _per_sample(node: parse.Node, index: str) -> parse.Node:
    """The body of an implicit sample sum with the sample index on every per-sample quantity
    (the notation puts it first: a_{ij}^{(L)}); weights, biases and sizes stay as they are."""
    if isinstance(node, parse.Var):
        if node.name in PER_SAMPLE and node.sub:
            return replace(
                node,
                sub=[parse.Index(index, None, node.pos)] + list(node.sub),
                sub_raw=index + (node.sub_raw or ""),
            )
        return node
    if isinstance(node, parse.Index):
        return node  # an index names a neuron, never a per-sample quantity
    return parse.map_children(node, lambda x: _per_sample(x, index))


def _decay(node: parse.Node, conv: Conventions) -> Decay | None:
    """The regularised cost a bare cost letter names (``J`` after ``J = L + λ/2 Σ w²``)."""
    node = parse.ungrouped(node)
    if not isinstance(node, parse.Var) or node.sub or node.tag is not None:
        return None
    return next((d for d in conv.decays if d.letter == node.name), None)


def _cost_partial(num: parse.Node, den: parse.Node, pos: int, ctx: _Context) -> parse.Node:
    """∂X/∂v with v already in the notation's letters.  Of a regularised cost J = B + cλ Σ w²
    (``regularised``): ∂B/∂v, plus 2cλ·v when v is a weight (an entry w_jk^(l) or a layer's
    matrix W^(l)), by the sum rule and d/dw Σ w² = 2w; the sum holds no a, z or b."""
    decay = _decay(num, ctx.conv)
    if decay is None:
        return _partial(_tr(num, ctx), den, pos)
    base = _partial(_tr(parse.Var(decay.base, None, None, 0, pos), ctx), den, pos)
    by = parse.ungrouped(den)
    if not (isinstance(by, parse.Var) and by.name in ("w", "W") and by.tag is not None):
        return base
    twice = 2 * decay.factor
    term: parse.Node = parse.Mul(
        [
            parse.Num(str(twice.numerator), pos),
            parse.Var(decay.parameter, None, None, 0, pos),
            by,
        ],
        pos,
    )
    under = twice.denominator
    if under != 1 or decay.per_sample:
        den_factors: list[parse.Node] = [parse.Num(str(under), pos)]
        if decay.per_sample:
            den_factors.append(parse.Var("n", None, None, 0, pos))
        term = parse.Div(term, parse.Mul(den_factors, pos), pos)
    return parse.Group(parse.Add([base, term], pos), "(", pos)


def _partial(num: parse.Node, den: parse.Node, pos: int) -> parse.Node:
    """∂(c·X)/∂v = c·∂X/∂v for the constant a cost letter brings (2 under mse-half=no, n for a sum):
    linearity of the derivative, so that the partial is again one of a quantity."""
    by = parse.ungrouped(den)
    if isinstance(by, parse.Neg):
        # ∂X/∂β for a threshold β = −b (a letter per layer): −∂X/∂b, the chain rule through
        # that definition
        inner_partial = _partial(num, by.arg, pos)
        return parse.Group(parse.Neg(inner_partial, pos), "(", pos)
    inner = num.body if isinstance(num, parse.Group) else num
    if (
        isinstance(inner, parse.Mul)
        and len(inner.factors) == 2
        and isinstance(inner.factors[1], parse.Var)
        and inner.factors[1].name == "L"
        and (
            isinstance(inner.factors[0], parse.Num)
            or (isinstance(inner.factors[0], parse.Var) and inner.factors[0].name == "n")
        )
    ):
        return parse.Mul([inner.factors[0], parse.Partial(inner.factors[1], den, pos)], pos)
    return parse.Partial(num, den, pos)


def _d_dx(node: parse.Div) -> parse.Node | None:
    """``\\frac{d\\sigma(x)}{dx}``: the derivative of a function of one variable x is σ′(x)."""
    num, den = node.num, node.den
    if not (
        isinstance(num, parse.Mul)
        and isinstance(den, parse.Mul)
        and len(num.factors) == 2
        and len(den.factors) == 2
    ):
        return None
    (d1, f), (d2, x) = num.factors, den.factors
    if not all(isinstance(d, parse.Var) and d.name == "d" and not d.sub for d in (d1, d2)):
        return None
    arg = f.args[0] if isinstance(f, parse.Call) and len(f.args) == 1 else None
    if (
        isinstance(f, parse.Call)
        and isinstance(arg, parse.Var)
        and isinstance(x, parse.Var)
        and arg.name == x.name
        and not arg.sub
        and not x.sub
        and arg.tag is None
        and x.tag is None
    ):
        return replace(f, primes=f.primes + 1)
    return None


def _functions(
    factors: list[parse.Node], ctx: _Context, stars: tuple[int, ...] = ()
) -> tuple[list[parse.Node], tuple[int, ...]]:
    """``f(z)``, ``h'(a_j)``, ``g'^{[l]}(z)``: a declared function letter applied to a bracket is
    the activation σ (or σ′).  ``a^L(x)``: a quantity of the sample x.  Ng's ``dz^{[l]}``: the
    partial of one example's loss with respect to z^{[l]} (a quantity after d; :func:`_ng_d`).
    Returns the factors and where the ``*`` of the written product now stand."""
    out: list[parse.Node] = []
    moved: dict[int, int] = {}
    k = 0
    while k < len(factors):
        moved[k] = len(out)
        f = factors[k]
        nxt = factors[k + 1] if k + 1 < len(factors) else None
        if (
            isinstance(f, parse.Var)
            and f.name in ("a", "z", "y", "delta", "b")
            and f.sample is None
            and isinstance(nxt, parse.Group)
            and nxt.bracket == "("
            and isinstance(nxt.body, parse.Var)
            and len(nxt.body.name) == 1
            and nxt.body.name.islower()
            and not nxt.body.sub
            and nxt.body.name not in ("a", "z", "w", "b", "y", "e", "n")
        ):
            out.append(
                replace(f, sample=nxt.body.name)
                if not f.sub
                else replace(f, sub=[parse.Index(nxt.body.name, None, nxt.pos)] + list(f.sub))
            )
            k += 2
            continue
        if (
            isinstance(f, parse.Var)
            and f.sub
            and {getattr(x, "name", None) for x in f.sub} == {"W", "b"}
            and isinstance(nxt, parse.Group)
            and nxt.bracket == "("
            and isinstance(nxt.body, parse.Var)
        ):
            out.append(
                parse.Var("a", None, "L", 0, f.pos)
            )  # the hypothesis h_{W,b}(x): the network's output for x
            k += 2
            continue
        if (
            isinstance(f, parse.Var)
            and f.name == "d"
            and not f.sub
            and not f.tag
            and isinstance(nxt, parse.Var)
            and nxt.name in ("a", "z", "w", "b", "W", "A", "Z")
            and nxt.tag is not None
            and ctx.conv.role("d") is None
        ):
            out.append(_ng_d(nxt, ctx, f.pos))
            k += 2
            continue
        if (
            isinstance(f, parse.Var)
            and ctx.conv.role(f.name) == "function"
            and not f.sub
            and isinstance(nxt, parse.Group)
            and nxt.bracket == "("
        ):
            out.append(parse.Call("sigma", [nxt.body], f.primes, f.pos, f.tag))
            k += 2
            continue
        out.append(f)
        k += 1
    return out, tuple(moved[k] for k in stars if k in moved)


def _ng_d(v: parse.Var, ctx: _Context, pos: int) -> parse.Node:
    """Ng's ``d`` before a quantity: the partial of a loss with respect to it.  Of one example's loss
    for the quantities of one example (``dz^{[l]}``, and ``dW^{[l]}``, ``db^{[l]}`` among them) and for
    the columns of a batch (``dZ^{[l]}``: column i is ∂L_i/∂z^{[l](i)}; ``dZ^{[l](i)}`` is that column);
    of the cost J = (1/m) Σ_i L_i, the mean, for ``dW^{[l]}``, ``db^{[l]}`` in a relation of a batch
    (docs/notation-conventions.md, "Ng's d")."""
    if v.name in ("A", "Z") and v.sample is None:
        if ctx.conv.batch != "columns":
            raise Unreadable(
                f"d{v.name}^{{[{v.tag}]}}: a derivative of a batch's matrix, whose layout is not "
                "known; state it with a directive batch=columns (examples as columns, Ng) or write "
                "Z = W A + b before it",
                pos,
            )
        return parse.Partial(parse.Var("L", None, None, 0, pos, sample=vectors.COLUMN), v, pos)
    target = replace(v, name=v.name.lower() if v.name != "W" else "w")
    if ctx.batch and v.name in ("W", "w", "b") and v.sample is None:
        return parse.Partial(parse.Var("L", None, None, 0, pos), target, pos)
    sample = v.sample or ctx.sample
    return parse.Partial(
        parse.Var("L", [parse.Index(sample, None, pos)], None, 0, pos, sample), target, pos
    )


def _shifted(tag: str, k: int, pos: int) -> str:
    try:
        return str(parse_tag(tag).shift(k))
    except NotationError as e:
        raise Unreadable(str(e), pos) from None


def _var(v: parse.Var, ctx: _Context) -> parse.Node:
    conv = ctx.conv
    if v.name in conv.cost_letters() and not (v.name == "L" and v.sub and len(v.sub) != 1):
        # (the notation's own L with two subscripts, L_{0j}, is its own quantity, not a cost)
        return _cost(v, ctx)
    if conv.batch == "columns" and not v.sub:
        if v.name == "X" and v.tag is None:
            return replace(v, name="A", tag="0")  # Ng: X = A^{[0]}
        if v.name == "m" and v.tag is None and v.sample is None:
            return replace(v, name="n")  # Ng's m examples: the notation's n
    if v.name in BATCH_LETTERS and v.sample is not None and not v.sub:
        return replace(
            v, name="a" if v.name == "X" else v.name.lower(), tag="0" if v.name == "X" else v.tag
        )
    if v.name in ctx.bound and not v.sub and v.tag is None:
        return v
    layered = _layered(v, conv)
    if layered is not None:
        return layered
    role = conv.role(v.name)
    batch = _batch_of(v, conv)
    if batch is not None:
        return batch
    if role is None:
        taken = _taken(conv).get(v.name)
        if taken is not None:
            raise Unreadable(
                f"{v.name} is not the notation's {v.name} here: the document's {taken[0]} is "
                f"({taken[1]}), and what {v.name} is the document does not define; state it "
                f"(directive letters=role:{v.name},…)",
                v.pos,
            )
    name = ROLES[role] if role is not None and role != "function" else v.name
    if role is None and v.name == "W" and v.sub and len(v.sub) == 2:
        name = "w"  # W^{(l)}_{ij}: an entry of the weight matrix
    sub = list(v.sub) if v.sub else []
    tag = v.tag
    if role in ("output", "logit") and tag is None:
        tag = "L"  # the output layer's activation, and its weighted input (softmax's o_j)
    if role == "input" and tag is None:
        tag = "0"  # Ng's x = a^{[0]}
    if name == "w" and conv.weights == "from-to" and len(sub) == 2:
        sub = [sub[1], sub[0]]
    if tag is None and conv.index_layers and name in ("a", "z", "w", "b", "delta") and sub:
        letter = sub[0] if name == "w" else sub[-1]
        layers = dict(conv.index_layers)
        if letter.name in layers:
            tag = layers[letter.name]
        elif (name in ("a", "z", "delta") or role is not None) and getattr(
            letter, "expr", None
        ) is None:
            raise Unreadable(
                f"{v.name}_{{{v.sub_raw}}}: its index names no layer; state it with a directive "
                "index-layers=letter:layer,…",
                v.pos,
            )
    elif tag is not None and name in ("w", "b", "W") and conv.weight_layer == "out-of":
        tag = _shifted(tag, 1, v.pos)  # UFLDL: W^{(l)}, b^{(l)} feed layer l+1
    if name == "n" and role == "width" and v.sub_raw:  # s_{l+1}: the width of layer l+1
        layer = re.sub(r"\\ell\s*", "l", v.sub_raw)  # d_{\ell+1}: ℓ is the layer letter l
        return replace(v, name="n", sub_raw=_shifted(parse.output_tag(layer), 0, v.pos))
    if v.sample is not None and sub:
        out = replace(
            v, name=name, sub=[parse.Index(v.sample, None, v.pos)] + sub, tag=tag, sample=None
        )
    else:
        out = replace(v, name=name, sub=sub or None, tag=tag)  # a vector keeps its sample
    if name == "delta" and conv.delta_sign == "minus":
        # the document defines δ_j = −∂E/∂z_j: its δ is the notation's δ (∂L/∂z) with the sign
        # turned, by that definition (soundness.md, "δ with the author's sign")
        return parse.Group(parse.Neg(out, v.pos), "(", v.pos)
    return out


def _sample_cost(node: parse.Node, conv: Conventions) -> parse.Var | None:
    """``E^q`` beside ``E = \\sum_q E^q``: a cost letter with a bare index letter as its
    superscript is the loss of sample q (the cost's own subscript, E_q), never a power of the
    cost (a power is a number or a bracket: E^2, E^{1/2})."""
    if not isinstance(node, parse.Pow):
        return None
    base, exp = node.base, parse.ungrouped(node.exp)
    if not (
        isinstance(base, parse.Var)
        and base.name in conv.cost_letters()
        and not base.sub
        and base.tag is None
        and base.sample is None
        and not base.primes
        and isinstance(exp, parse.Var)
        and len(exp.name) == 1
        and exp.name.isalpha()
        and exp.name not in ("T", "e")
        and not exp.sub
        and exp.tag is None
        and not exp.primes
    ):
        return None
    return replace(base, sub=[parse.Index(exp.name, None, exp.pos)], sub_raw=exp.name)


def _batch_of(v: parse.Var, conv: Conventions) -> parse.Var | None:
    """``U^L``, ``H_{qj}^{l-1}``: the capital of a letter the document gives the role of the
    activation or the pre-activation (u, h) is the matrix of that quantity over a batch, a sample
    per row (the notation's A and Z, ``batch=rows``), and its entry ``U_{qj}`` is sample q's unit j
    (the notation's z_{qj}).  Only for a capital the document gives no role itself, with a layer
    tag, and never under ``batch=columns`` (Ng's columns are read by their own rule)."""
    lower = v.name.lower()
    if (
        len(v.name) != 1
        or not v.name.isupper()
        or conv.role(v.name) is not None
        or conv.batch == "columns"
        or v.tag is None
        or v.primes
    ):
        return None
    role = conv.role(lower)
    if role not in ("activation", "preactivation") or lower in ("a", "z"):
        return None
    name = ROLES[role]
    if not v.sub:
        return replace(v, name=name.upper())
    if len(v.sub) == 2 and all(x.expr is None and x.name for x in v.sub):
        return replace(v, name=name)
    return None


#: roles whose letter stands for one quantity only: a document letter given such a role takes the
#: notation's letter from the document's own.  The target only: y is the one letter the notation
#: gives a single quantity that authors commonly use for another (the outputs, beside targets t);
#: a, z, w stay the notation's quantities of every layer beside a document's letters for some
#: layers (x → h → o, u = g(x) composed with a = φ(u))
_EXCLUSIVE = ("target",)


def _taken(conv: Conventions) -> dict[str, tuple[str, str]]:
    """The notation's letters that another letter of the document stands for (t as the target
    takes y): {notation letter: (the document's letter, its role)}.  The document's own use of
    such a letter (y_qj = softmax(U_qj), the outputs, beside targets t) is not the notation's
    quantity; read as it, a relation between the outputs and the targets became one between the
    targets and themselves, and a true step was refuted."""
    out: dict[str, tuple[str, str]] = {}
    mine = {letter for letter, _ in conv.letters} | {x for x, _, _, _ in conv.layers}
    for letter, role in conv.letters:
        notation = ROLES.get(role, "")
        if role in _EXCLUSIVE and letter != notation and notation not in mine:
            out.setdefault(notation, (letter, role))
    for letter, quantity, _, _ in conv.layers:
        if quantity == "y" and letter != "y" and "y" not in mine:
            out.setdefault("y", (letter, "target"))
    return out


def _layered(v: parse.Var, conv: Conventions) -> parse.Node | None:
    """A letter of a forward pass with a letter per layer, as the quantity its definition makes
    it: ``o_k`` is a^{(L)}_k, ``v_{ji}`` w^{(L-1)}_{ji} (soundness.md, "a letter per layer")."""
    if v.tag is not None or not conv.layers:
        return None
    for letter, quantity, tag, order in conv.layers:
        if letter != v.name:
            continue
        sub = list(v.sub) if v.sub else []
        if quantity == "w" and order == "from-to" and len(sub) == 2:
            sub = [sub[1], sub[0]]
        name = "b" if quantity == "-b" else quantity
        out: parse.Node
        if v.sample is not None and sub:
            sub = [parse.Index(v.sample, None, v.pos)] + sub
            out = replace(v, name=name, sub=sub, tag=tag or None, sample=None)
        else:
            out = replace(v, name=name, sub=sub or None, tag=tag or None)
        if quantity == "-b":
            # a threshold the forward pass subtracts, σ(Σ_i x_i w_ij − β_j): β_j is −b_j of
            # its layer by that definition (soundness.md, "a letter per layer")
            out = parse.Group(parse.Neg(out, v.pos), "(", v.pos)
        return out
    return None


def cost_form(v: parse.Var, meaning: str = "") -> str:
    """Which of a cost letter's quantities ``v`` names, for its ½ (:meth:`Conventions.half`): a
    digit subscript (C_0, C_1: costs of their own), one sample's (L_i), or the bare letter."""
    raw = (v.sub_raw or "").strip()
    if raw.isdigit():
        return raw
    return "sample" if v.sub or meaning == "sample" else "bare"


def _cost(v: parse.Var, ctx: _Context) -> parse.Node:
    """A cost letter → L (mean), L_i (one sample) or n·L (the sum), times 2 under ``mse-half=no``
    (a squared error without ½ is twice the notation's L_i)."""
    conv = ctx.conv
    decay = _decay(v, conv)
    if decay is not None:
        raise Unreadable(
            f"{v.name}, the regularised cost of line {decay.line}, is read only in its partials "
            f"(∂{v.name}/∂w, ∂{v.name}/∂b): its value holds every weight of the network, and "
            "the network a relation is judged in holds only the layers it names",
            v.pos,
        )
    meaning = conv.meaning(v.name)
    _loss_arguments(v, ctx)
    if meaning == UNDEFINED and not v.sub and not (v.args is not None and ";" in v.args):
        raise Unreadable(
            f"what {v.name} means is ambiguous: the document never defines the bare {v.name} (the mean "
            f"loss over the samples, or one sample's loss?); state it with a directive "
            f"cost-is=mean or cost-is=sample",
            v.pos,
        )
    for letter, key, why in conv.ambiguous:  # reported, not guessed
        if letter == v.name and (
            key in ("mse-half", "loss")
            or (key == "cost-is" and not v.sub and not (v.args is not None and ";" in v.args))
        ):
            raise Unreadable(f"what {v.name} means is ambiguous: {why}", v.pos)
    if v.sub:
        if len(v.sub) != 1:
            raise Unreadable(
                f"{v.name}_{{{v.sub_raw}}}: a cost takes one subscript, the sample", v.pos
            )
        sub = list(v.sub)
        if sub[0].name in ("n", "N", "m"):
            # Bishop's E_n: n is the pattern here, but in the notation n is the number of samples
            sub = [parse.Index(ctx.sample, None, sub[0].pos)]
        node: parse.Node = parse.Var(
            "L", sub, None, v.primes, v.pos, getattr(sub[0], "name", None) or v.sub_raw
        )
    else:
        if v.args is not None and ";" in v.args:
            meaning = "sample"  # J(W,b;x,y): one example (x, y)
        if meaning == "sample":
            node = parse.Var(
                "L", [parse.Index(ctx.sample, None, v.pos)], None, v.primes, v.pos, ctx.sample
            )
        elif meaning == "sum":
            node = parse.Mul(
                [parse.Var("n", None, None, 0, v.pos), parse.Var("L", None, None, 0, v.pos)], v.pos
            )
        else:
            node = parse.Var("L", None, None, v.primes, v.pos)
    if conv.half(v.name, cost_form(v, meaning)) == "no":
        node = parse.Group(parse.Mul([parse.Num("2", v.pos), node], v.pos), "(", v.pos)
    return node


def split_args(args: str) -> list[str]:
    """``a^L, y`` → ``["a^L", "y"]``: the arguments of a function written as text, split at the
    commas outside brackets."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(args):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(args[start:k].strip())
            start = k + 1
    out.append(args[start:].strip())
    return out


def letter_shown(name: str) -> str:
    """A letter as a reader writes it in a message (``ell`` → ℓ)."""
    return {"ell": "ℓ"}.get(name, name)


def _loss_arguments(v: parse.Var, ctx: _Context) -> None:
    """``\\ell(a^L, y)``, the loss a definition names and leaves unknown: the letter stands for one
    example's loss, so it is read only as a function of the output a^{(L)} and the target y (the
    arguments are checked, never ignored: ℓ(a^{L-1}, y) is no cost of this model), and ℓ′ is not
    read (by which argument it differentiates, the text does not say)."""
    line = next((w for k, w, _ in ctx.conv.loss_functions if k == v.name), None)
    if line is None:
        return
    name = letter_shown(v.name)
    if v.primes:
        raise Unreadable(
            f"{name}′: the loss defined on line {line} is a function of the output and the "
            f"target; write its partial by the output, ∂{name}/∂a",
            v.pos,
        )
    if v.args is None:
        return
    wanted = (("a", "L"), ("y", None))
    parts = split_args(v.args)
    got: list[tuple[str, str | None] | None] = []
    for text in parts:
        try:
            chains = parse.parse(text, ctx.conv.reading)
        except parse.ReadError:
            chains = []
        node = _tr(chains[0].exprs[0], ctx) if len(chains) == 1 and chains[0].exprs else None
        node = parse.ungrouped(node) if node is not None else None
        ok = isinstance(node, parse.Var) and not node.sub and not node.primes
        got.append((node.name, node.tag) if ok else None)  # type: ignore[union-attr]
    if [g if g is None else (g[0], g[1] if g[0] == "a" else None) for g in got] != list(wanted):
        raise Unreadable(
            f"{name}({v.args}): the loss defined on line {line} is read only as a function of "
            "the output layer's activation and the target, ℓ(a^{(L)}, y)",
            v.pos,
        )


def read_relation(
    lhs: parse.Node,
    rhs: parse.Node,
    first: parse.Node,
    conv: Conventions,
    network: str,
    denominator: bool = False,
) -> tuple[parse.Node, parse.Node, parse.Node]:
    """One relation (and the first expression of its chain) in the notation's letters, and in index
    form when it is written with vectors or matrices of one example (``denominator``: a Jacobian
    across layers in the layout with a row per entry of its denominator)."""
    try:
        lhs, rhs, first = translate_relation([lhs, rhs, first], conv)
    except (Unreadable, NotationError):
        if first is lhs:
            raise
        # the chain's head is read only for the variable a chain differentiates by; a relation
        # further on that reads without it (``½(0.01 − 0.75)² = 0.27`` after ``E_{o1} = …``)
        # is not refused for a head it does not contain
        lhs, rhs, first = translate_relation([lhs, rhs, lhs], conv)
    lhs, rhs, first = _entrywise([lhs, rhs, first])
    columns = conv.batch == "columns"
    if network != "single" and not columns:
        lhs, rhs = vectors.delta_as_vector(lhs, rhs)
    if network != "single" and (
        vectors.is_vector_relation(lhs, rhs) or (columns and vectors.is_batch(lhs, rhs))
    ):
        lhs, rhs = vectors.index_form(lhs, rhs, columns, denominator)
    return lhs, rhs, first


def _entrywise(nodes: list[parse.Node]) -> list[parse.Node]:
    """``\\tanh(Z^{(k)}) = \\frac{1 - \\exp(-2Z^{(k)})}{1 + \\exp(-2Z^{(k)})}``,
    ``\\text{ReLU}(Z) = \\max(Z, 0)``: a relation whose one matrix, a batch's A or Z, stands only
    under functions applied entry by entry and arithmetic with numbers states the identity at
    every entry; it is read at the entry z_{ij} (soundness.md, "Functions of a matrix, entry by
    entry").  Anything else (a product of two matrix terms, a power or a transpose of the
    matrix, another quantity) is left to the matrix reading."""
    found = {
        (n.name, n.tag)
        for root in nodes
        for n in walk(root)
        if isinstance(n, parse.Var) and n.name in ("A", "Z") and not n.sub and n.tag is not None
    }
    if len(found) != 1:
        return nodes
    ((name, tag),) = found

    def is_matrix(n: object) -> bool:
        return isinstance(n, parse.Var) and (n.name, n.tag) == (name, tag) and not n.sub

    def holds(n: object) -> bool:
        return any(is_matrix(x) for x in walk(n))

    for root in nodes:
        for n in walk(root):
            if isinstance(n, parse.Var) and not is_matrix(n) and n.name != "e":
                return nodes
            if isinstance(n, (parse.Partial, parse.Nabla, parse.Transpose, parse.SumNode)):
                return nodes
            if isinstance(n, parse.Matrix) or (isinstance(n, parse.Var) and n.transposed):
                return nodes
            if isinstance(n, parse.Mul) and (n.hadamard or sum(map(holds, n.factors)) > 1):
                return nodes
            if isinstance(n, parse.Pow) and holds(n.base) and not isinstance(n.base, parse.Var):
                return nodes
            if (isinstance(n, parse.Pow) and is_matrix(n.base)) or (
                isinstance(n, parse.Call) and n.func in ("softmax", "diag")
            ):
                return nodes
    if not any(isinstance(n, parse.Call) for root in nodes for n in walk(root)):
        return nodes

    def entry(n: parse.Node) -> parse.Node:
        if is_matrix(n):
            assert isinstance(n, parse.Var)
            sub = [parse.Index("i", None, n.pos), parse.Index("j", None, n.pos)]
            return replace(n, name=name.lower(), sub=sub, sub_raw="ij")
        return parse.map_children(n, entry)

    return [entry(n) for n in nodes]
