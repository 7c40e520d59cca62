"""The syntax tree of a relation → SymPy objects in the network the text describes.

What a symbol means depends on where it stands (notation.md): a^{(L-1)}_{ik} is an activation,
one subscript leaves the sample implicit, ``Σ_{i=1}^{n}`` and ``Σ_{i=0}^{n-1}`` both run over all
samples, a partial stands for its true value.  Bound indices become fresh dummies, so a letter
bound by a Σ can never capture the same letter used free elsewhere in the relation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache

import sympy as sp

from ..engine import (
    SAMPLES,
    Network,
    NotationError,
    Outcome,
    Parameter,
    Partial,
    Tag,
    Upstream,
    index,
    index_ranges,
    matrix,
    parse_tag,
    products,
    unknown_name_message,
    unknown_names,
)
from ..engine.activations import ELEMENTARY, Activation
from . import parse
from .conventions import PER_SAMPLE, Conventions
from .parse import walk

LAYERED = {"a", "z", "w", "b", "delta"}
MATRICES = {
    "W": "W",
    "A": "A",
    "Z": "Z",
    "B": "B",
    "Delta": "Delta",
    "nabla W": "nabla W",
    "nabla B": "nabla B",
}
MAX_EXPONENT = 64
#: bare letters that name indices (notation.md's habit), not real variables
INDEX_LETTERS = set("ijkmtpqrsuv")


class Unreadable(ValueError):
    """A relation that is well formed LaTeX but not a statement in the notation."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


class Uncheckable(ValueError):
    """A relation that cannot be checked (an ellipsis, a matrix of names): verdict unknown/skipped."""

    def __init__(self, verdict: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.verdict = verdict


@dataclass(frozen=True)
class Settings:
    activation: str = "sigmoid"
    loss: str = "mse"
    network: str = "general"
    #: what the targets satisfy (any, distribution, one-hot): an assumption the document states
    targets: str = "any"
    #: the document's letters and layouts (other authors' conventions): read before interpreting
    conventions: Conventions = field(default_factory=Conventions)
    #: σ of the output layer when it differs from ``activation`` (None: the same)
    output_activation: str | None = None
    #: which of activation, loss and output-activation the document (and the caller) leave
    #: unstated here: derivator's defaults stand in for them (``unstated.choices``)
    unstated: tuple[str, ...] = ()
    #: whether the document's layers add a bias (False: its forward pass writes z = Σ w a)
    bias: bool = True
    #: each layer has an activation function of its own (the document writes f^m, g^{[l]})
    own_functions: bool = False
    #: the function of each layer the document names one for, (tag, activation), "sigma" being
    #: the hidden layers' σ (``activation``)
    layer_activations: tuple[tuple[str, str], ...] = ()


def network(settings: Settings, family: str, depth: int, top: int) -> Network:
    """One Network object per setting, so that proofs cached per network are reused (the
    document's letters do not change the network)."""
    return _network(replace(settings, conventions=Conventions(), unstated=()), family, depth, top)


@cache
def _network(settings: Settings, family: str, depth: int, top: int) -> Network:
    if family == "l":
        return Network(
            depth=depth,
            activation=settings.activation,
            loss="upstream",
            top=Tag("l", top),
            bias=settings.bias,
            own_functions=settings.own_functions,
            layer_activations=_layers(settings),
        )
    if family == "absolute":  # layers 1 … depth-1 of a network of unknown depth and loss (above: Ψ)
        return Network(
            depth=depth,
            activation=settings.activation,
            loss="upstream",
            top=Tag("", depth),
            bias=settings.bias,
            own_functions=settings.own_functions,
            layer_activations=_layers(settings),
        )
    if family == "output":  # absolute tags, the highest of them the output layer
        return Network(
            depth=depth,
            activation=settings.activation,
            loss=settings.loss,
            network=settings.network,
            targets=settings.targets,
            top=Tag("", depth),
            output_activation=settings.output_activation,
            bias=settings.bias,
            own_functions=settings.own_functions,
            layer_activations=_layers(settings),
        )
    return Network(
        depth=depth,
        activation=settings.activation,
        loss=settings.loss,
        network=settings.network,
        targets=settings.targets,
        output_activation=settings.output_activation,
        bias=settings.bias,
        own_functions=settings.own_functions,
        layer_activations=_layers(settings),
    )


def _layers(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The layers' own functions, σ read as the hidden layers' activation."""
    return tuple(
        (tag, settings.activation if name == "sigma" else name)
        for tag, name in settings.layer_activations
    )


# ---------------------------------------------------------------------------------------------
# looking at the tree before converting it


def layer_activation(net: Network, node: parse.Call) -> Activation:
    """The activation of the layer a function is written for (``f^m``, ``g^{[l]}``): the
    function of that layer in the document's model, its own unknown one where the document
    leaves it unsaid; an error at a layer that has none (the input, a softmax output)."""
    try:
        p = net.layer(node.tag or "")
    except NotationError as e:
        raise Unreadable(str(e), node.pos) from None
    act = net.activation_at(p)
    if act is None:
        raise Unreadable(
            f"layer {node.tag} has no activation function applied entry by entry (it is the "
            "input layer or a softmax output)",
            node.pos,
        )
    return act


def tags_of(nodes: list[object]) -> list[tuple[Tag, int]]:
    out = []
    for root in nodes:
        for n in walk(root):
            if isinstance(n, (parse.Var, parse.Call)) and n.tag is not None:
                try:
                    out.append((parse_tag(n.tag), n.pos))
                except NotationError as e:
                    raise Unreadable(str(e), n.pos) from None
            if isinstance(n, parse.Var) and n.name == "n" and n.sub_raw:
                raw = n.sub_raw.strip("()")
                with contextlib.suppress(NotationError):
                    out.append((parse_tag(raw), n.pos))
    return out


def choose_network(settings: Settings, nodes: list[object]) -> Network:
    """The network a relation lives in: deep enough for every layer it names, with the generic
    fragment for l-tags.  Mixing L-tags and l-tags in one relation is an error."""
    tags = tags_of(nodes)
    bases = {t.base for t, _ in tags}
    if len(bases) > 1:
        raise Unreadable(
            "this relation mixes layer tags of different kinds (L…, l…, absolute)", tags[0][1]
        )
    if not tags:
        return network(settings, "L", 1, 0)
    base = bases.pop()
    offsets = [t.offset for t, _ in tags]
    if base == "l":
        # the fragment's top feeds the arbitrary upstream Ψ through its z, so its a feeds nothing:
        # every layer the relation names must sit below the top (∂L_i/∂a^(l+1) is not 0)
        top = max(offsets) + 1
        bottom = min(offsets) - 1
        return network(settings, "l", top - bottom, top)
    if base == "L":
        if max(offsets) > 0:
            raise Unreadable("layers above L do not exist (L is the output layer)", tags[0][1])
        return network(settings, "L", max(1, -min(offsets) + 1), 0)
    # absolute tags: the network's depth is not written.  Targets y live at the output layer, so a
    # relation with y makes its highest layer the output; without y, the layers named may sit
    # anywhere below the output, and the loss above them is an arbitrary function Ψ of the next
    # layer: what is proved there holds for every deeper network and every loss (soundness.md)
    if any(isinstance(n, parse.Var) and n.name == "y" for root in nodes for n in walk(root)):
        return network(settings, "output", max(1, max(offsets)), 0)
    return network(settings, "absolute", max(1, max(offsets)) + 1, 0)


def is_update_rule(op: str, lhs: parse.Node, rhs: parse.Node) -> bool:
    """``w = w - η ∇W``, ``w ← …``, ``w := w - …``: an assignment, not an identity.  ``D := …``
    with a name that does not stand on its right is a definition (``definitions``)."""
    if op == "<-":
        return True
    if op == ":=":
        if not isinstance(lhs, parse.Var):
            return True
        return any(
            isinstance(v, parse.Var) and v.name == lhs.name and v.tag == lhs.tag for v in walk(rhs)
        )
    if increment(lhs):
        return True
    if not isinstance(lhs, parse.Var) or lhs.name not in ("w", "b", "W", "B"):
        return False
    names = [n for n in walk(rhs) if isinstance(n, parse.Var)]
    same = any(v.name == lhs.name and v.tag == lhs.tag for v in names)
    step = any(v.name in ("eta", "nabla W", "nabla B", "alpha") for v in names)
    return same and step


def increment(node: parse.Node) -> bool:
    """``\\Delta w_{jk}``, ``\\Delta W^{(l)}``, ``\\Delta b_j``: the change a training step makes to a
    parameter (Δ without a layer, written against w, b, W or B), an assignment of the update
    rule, not the matrix Δ^{(l)} of δ's nor a product Δ·w."""
    node = parse.ungrouped(node)
    if not (isinstance(node, parse.Mul) and not node.hadamard and len(node.factors) == 2):
        return False
    delta, what = node.factors
    what = parse.ungrouped(what)
    if isinstance(what, parse.Neg):
        what = parse.ungrouped(what.arg)  # Δβ_j of a threshold β_j = −b_j (a letter per layer)
    return (
        isinstance(delta, parse.Var)
        and delta.name == "Delta"
        and delta.tag is None
        and not delta.sub
        and isinstance(what, parse.Var)
        and what.name in ("w", "b", "W", "B")
    )


def has_matrix(node: object) -> bool:
    """Does a side name a matrix (W, A, Z, B, Δ, ∇W, ∇B, Y, the inputs X) or use ⊙ or ᵀ?"""
    for n in walk(node):
        if (
            isinstance(n, parse.Var)
            and (n.name in MATRICES or n.name == "Y")
            and (not n.sub or any(x.name == "·" for x in n.sub))
        ):
            return True
        if isinstance(n, parse.Var) and n.name == "X" and not n.sub and n.tag is None:
            return True  # the batch of inputs, A^{(0)}
        if isinstance(n, parse.Var) and n.name == "b" and n.tag is not None and not n.sub:
            return True  # the bias vector, in a relation with a batch's matrices
        if (
            isinstance(n, parse.Transpose)
            or (isinstance(n, parse.Mul) and n.hadamard)
            or (isinstance(n, parse.Var) and n.name == "ones")
        ):
            return True
    return False


def uncheckable(node: object) -> None:
    for n in walk(node):
        if isinstance(n, parse.Matrix):
            names = all(
                isinstance(c, (parse.Var, parse.Partial, parse.Ellipsis_, parse.Num))
                for row in n.rows
                for c in row
            )
            raise Uncheckable(
                Outcome.SKIPPED if names else Outcome.UNKNOWN,
                "a matrix shown to name its entries"
                if names
                else "matrix literals are not checked",
            )
    for n in walk(node):
        if isinstance(n, parse.Ellipsis_):
            raise Uncheckable(Outcome.UNKNOWN, "an ellipsis (…) cannot be checked")


# ---------------------------------------------------------------------------------------------
# converting


#: why a partial by y is refused, and what gives y the meaning an author who writes one means
_TARGET_PARTIAL = (
    ": y is the target here, and a partial by a target is not read; if y is the network's output, "
    "say so (define it, y_j = a^{(L)}_j, or declare it: directive letters=output:y,target:…)"
)


@dataclass
class Converter:
    net: Network
    settings: Settings
    notes: list[str] = field(default_factory=list)
    chain_variable: sp.Expr | None = None
    bound: list[dict[str, sp.Symbol]] = field(default_factory=list)
    implicit: sp.Expr | None = None
    conventions: set[str] = field(default_factory=set)
    #: letters that are not quantities of the notation, with where they stand (see free_letters)
    letters: dict[sp.Symbol, int] = field(default_factory=dict)

    # ---- indices --------------------------------------------------------------------------
    def letter(self, name: str) -> sp.Symbol:
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        return index(name)

    def index(self, ix: parse.Index) -> sp.Expr:
        if ix.expr is not None:
            value = self.convert(ix.expr)
            if value.atoms(sp.Indexed) or value.atoms(sp.Function):
                raise Unreadable(
                    "an index that is a quantity (p_{y_i}: a class label used as an index) cannot be "
                    "read; with one-hot targets (targets=one-hot) write Σ_k y_ik p_k",
                    ix.pos,
                )
            return value
        assert ix.name is not None
        if ix.name.isdigit():
            if not ix.name.isdecimal():  # ², ³, ¹ are digits that int() does not read
                raise Unreadable(
                    f"the index {ix.name} is a superscript digit: write a power outside the "
                    "index (a_i^2) or a plain digit (a_{i2})",
                    ix.pos,
                )
            return sp.Integer(int(ix.name))
        return self.letter(ix.name)

    def indices(self, v: parse.Var) -> list[sp.Expr]:
        return [self.index(x) for x in (v.sub or [])]

    def sample(self) -> sp.Expr:
        return self.implicit if self.implicit is not None else index("i")

    # ---- quantities -----------------------------------------------------------------------
    def layer(self, v: parse.Var) -> int:
        try:
            return self.net.layer(v.tag)  # type: ignore[arg-type]
        except NotationError as e:
            raise Unreadable(str(e), v.pos) from None

    def quantity(self, v: parse.Var) -> sp.Expr:
        net, name = self.net, v.name
        single = net.network == "single"
        ix = self.indices(v)
        if name in LAYERED and v.tag is None:
            if name == "delta" and len(ix) == 2:
                return sp.KroneckerDelta(*ix)
            return self.plain(v)
        if name in LAYERED:
            p = self.layer(v)
            if name in ("w",):
                if len(ix) == 0 and single:
                    ix = [sp.Integer(0), sp.Integer(0)]
                if len(ix) != 2:
                    raise Unreadable(
                        f"w^{{({v.tag})}} needs two indices (w_{{jk}}: neuron j of this layer, "
                        "k of the layer below)",
                        v.pos,
                    )
                return net.w(p)[ix[0], ix[1]]
            if name == "b":
                if len(ix) == 0 and single:
                    ix = [sp.Integer(0)]
                if len(ix) == 0 and v.sample is None:
                    raise NeedsMatrix(v.pos)  # the vector b^{(l)} beside a batch's matrices
                if len(ix) != 1:
                    raise Unreadable(f"b^{{({v.tag})}} takes one index", v.pos)
                return net.b(p)[ix[0]]
            return net.base(name, p)[self.sample_and_neuron(ix, v)]
        if name == "y":
            return net.y[self.sample_and_neuron(ix, v)]
        if name == "L":
            if v.primes:
                raise Unreadable("L′ has no meaning here", v.pos)
            if not ix:
                return net.L
            if len(ix) == 1:
                return net.Li[ix[0]]
            if len(ix) == 2:
                spec = net.loss_spec
                if spec.term is None:
                    raise Unreadable("L_{ij} needs a loss", v.pos)
                return spec.term(net.a(net.D)[ix[0], ix[1]], net.y[ix[0], ix[1]])
            raise Unreadable("L takes at most two indices (sample, output neuron)", v.pos)
        if name == "n":
            if v.sub_raw is None:
                return net.n
            raw = v.sub_raw.strip()
            raw = raw[1:-1] if raw.startswith("(") and raw.endswith(")") else raw
            try:
                return net.width(net.layer(raw))
            except NotationError as e:
                raise Unreadable(str(e), v.pos) from None
        if name in MATRICES:
            return self.matrix_name(v)
        if name == "e" and not v.sub:
            return sp.E
        if name == "eta":
            return sp.Symbol("eta")
        return self.plain(v)

    def sample_and_neuron(self, ix: list[sp.Expr], v: parse.Var) -> tuple[sp.Expr, sp.Expr]:
        if len(ix) == 2:
            return ix[0], ix[1]
        if len(ix) == 1 and self.net.network == "single" and not ix[0].is_Integer:
            # one neuron per layer: the only index a letter can stand for is the sample's (a_i^(L))
            return ix[0], sp.Integer(0)
        if len(ix) == 1:
            return self.sample(), ix[0]
        if len(ix) == 0 and self.net.network == "single":
            return self.sample(), sp.Integer(0)
        raise Unreadable(
            f"{v.name}{'^{(' + v.tag + ')}' if v.tag else ''} needs a neuron index "
            "(or a directive network=single)",
            v.pos,
        )

    def plain(self, v: parse.Var) -> sp.Expr:
        """A letter that is not a quantity of the notation: an ordinary real variable."""
        if v.sub:
            if v.name.startswith("\\hat{"):
                raise Unreadable(parse.undefined_output(v.name), v.pos)
            if v.name in LAYERED:
                raise Unreadable(
                    f"{v.name}_{{{v.sub_raw}}} has no layer tag: write {v.name}^{{(l)}}_{{{v.sub_raw}}}, "
                    "or state which layer each index letter runs over (directive layer-tags=none "
                    "index-layers=letter:layer,…)",
                    v.pos,
                )
            raise Unreadable(
                f"{v.name} with a subscript is not a quantity of the notation: if it is the "
                f"activation, the pre-activation, the target … state it (directive "
                f"letters=activation:{v.name},…)",
                v.pos,
            )
        if v.name in INDEX_LETTERS:  # a bare i, j, k …: an index, as in "the term with j′ = j"
            return self.letter(v.name)
        if v.name in {d.parameter for d in self.settings.conventions.decays}:
            # λ, introduced by a regularised cost's definition: a free real, every value
            return Parameter(v.name, real=True)
        x = sp.Symbol(v.name, real=True)
        self.letters.setdefault(x, v.pos)
        return x

    def check_letters(self, lhs: sp.Expr, rhs: sp.Expr) -> None:
        """A letter that is no quantity of the notation may only be the variable of an identity
        between functions (σ′(x) = σ(x)(1 − σ(x)), for every real x).  Anywhere else it would be
        an undeclared name taken silently as a constant, whose derivative is 0: that is how
        ``∂C/∂b`` used to vanish from a chain.  The rule is the prover's (``unknown_names``);
        this only says where the letter stands, and which directive would map a capital (a cost?)."""
        net = self.net
        if not net.bias and any(e.has(net.b(p)) for e in (lhs, rhs) for p in range(1, net.D + 1)):
            raise Unreadable(
                "b: the document's forward pass adds no bias (z = Σ w a), so its network has "
                "none to write about",
                0,
            )
        for x in unknown_names(self.net, lhs, rhs):
            if x.name.startswith("\\hat{"):
                raise Unreadable(parse.undefined_output(x.name), self.letters.get(x, 0))
            hint = (
                f" (if {x.name} is the loss, state cost={x.name})"
                if x.name[:1].isupper() or x.name.startswith("\\mathcal")
                else ""
            )
            raise Unreadable(unknown_name_message(x) + hint, self.letters.get(x, 0))

    def matrix_name(self, v: parse.Var) -> sp.Expr:
        """∇W, ∇B, W, … : entries of a one-neuron network, or a matrix (see MatrixRelation)."""
        net = self.net
        if net.network == "single" and v.tag is not None:
            p = self.layer(v)
            s = self.sample()
            table = {
                "nabla W": Partial(net.L, net.w(p)[0, 0]),
                "nabla B": Partial(net.L, net.b(p)[0]),
                "W": net.w(p)[0, 0],
                "B": net.b(p)[0],
                "A": net.a(p)[s, 0],
                "Z": net.z(p)[s, 0],
                "Delta": net.delta(p)[s, 0],
            }
            return table[v.name]
        raise NeedsMatrix(v.pos)

    # ---- the tree -------------------------------------------------------------------------
    def convert(self, node: parse.Node) -> sp.Expr:
        if isinstance(node, parse.Num):
            return sp.Rational(Fraction(node.text))  # a decimal is the exact number it shows
        if isinstance(node, parse.Var):
            if (
                node.primes
                and len(node.name) == 1
                and node.name.islower()
                and not node.sub
                and not node.tag
            ):
                return self.letter(
                    node.name + "'" * node.primes
                )  # j′: another index letter (maybe bound)
            q = self.quantity(node)
            if node.primes and node.name not in ("L",):
                raise Unreadable(
                    f"{node.name}′ has no meaning here (did you mean σ′(…)?)", node.pos
                )
            return q
        if isinstance(node, parse.Group):
            return self.convert(node.body)
        if isinstance(node, parse.Neg):
            return -self.convert(node.arg)
        if isinstance(node, parse.Add):
            return sp.Add(*[self.convert(t) for t in node.terms])
        if isinstance(node, parse.Mul):
            return self.product(node)
        if isinstance(node, parse.Div):
            den = self.convert(node.den)
            if den == 0:
                raise Unreadable("division by zero", node.pos)
            return self.convert(node.num) / den
        if isinstance(node, parse.Pow):
            return self.power(node)
        if isinstance(node, parse.Call):
            return self.call(node)
        if isinstance(node, parse.SumNode):
            return self.sum(node)
        if isinstance(node, parse.ProdNode):
            return self.prod_over(node)
        if isinstance(node, parse.Partial):
            return self.partial(node)
        if isinstance(node, parse.PrimeOf):
            if self.chain_variable is None:
                raise Unreadable(
                    "a prime on a bracket means d/dv, but this chain does not start with ∂X/∂v "
                    "or σ'(v)",
                    node.pos,
                )
            return sp.diff(self.convert(node.body), self.chain_variable)
        if isinstance(node, parse.Iverson):
            return sp.KroneckerDelta(self.convert(node.left), self.convert(node.right))
        if isinstance(node, parse.Entry):
            raise Unreadable(
                "a subscript on a bracket is read only on a vector or matrix expression "
                "((W^{(L)T}\\delta^{(L)})_k); on numbers write the index inside",
                node.pos,
            )
        if isinstance(node, parse.Transpose):
            raise NeedsMatrix(node.pos)
        if isinstance(node, (parse.Ellipsis_, parse.Matrix)):
            raise Uncheckable(Outcome.UNKNOWN, "an ellipsis (…) cannot be checked")
        if isinstance(node, parse.Args):
            raise Unreadable(
                "a list in brackets, (x, y), is read only as the arguments of a function the "
                "document defines: f(x, y) = …",
                node.pos,
            )
        raise Unreadable(f"cannot read {type(node).__name__}", getattr(node, "pos", 0))

    def product(self, node: parse.Mul) -> sp.Expr:
        if node.hadamard:
            raise NeedsMatrix(node.pos)
        out: list[sp.Expr] = []
        fs = node.factors
        k = 0
        while k < len(fs):
            f = fs[k]
            after = fs[k + 1] if k + 1 < len(fs) else None
            # n(l): the width of layer l (notation.md), not n times l
            if (
                isinstance(f, parse.Var)
                and f.name == "n"
                and not f.sub
                and isinstance(after, parse.Group)
                and after.bracket == "("
            ):
                tag = _tag_text(after.body)
                if tag is not None:
                    try:
                        out.append(self.net.width(self.net.layer(tag)))
                        k += 2
                        continue
                    except NotationError:
                        pass
            out.append(self.convert(f))
            k += 1
        return sp.Mul(*out)

    def power(self, node: parse.Pow) -> sp.Expr:
        base = self.convert(node.base)
        exp = self.convert(node.exp)
        if exp.is_Integer and abs(int(exp)) > MAX_EXPONENT:
            raise Unreadable(f"an exponent of {exp} (the limit is {MAX_EXPONENT})", node.pos)
        if (
            exp.is_Number
            and not exp.is_Integer
            and exp.is_Rational
            and exp.q > MAX_EXPONENT
            and 10**parse.MAX_DIGITS % exp.q  # a decimal exponent (e^{-0.3775}) is read
        ):
            raise Unreadable(f"an exponent of {exp}", node.pos)
        if base == sp.E:
            return sp.exp(exp)
        out = base**exp
        if isinstance(out, sp.Pow) and out.exp.is_Integer and abs(int(out.exp)) > MAX_EXPONENT:
            raise Unreadable(f"a power of {out.exp} (the limit is {MAX_EXPONENT})", node.pos)
        return out

    def call(self, node: parse.Call) -> sp.Expr:
        args = [self.convert(a) for a in node.args]
        f = node.func
        if node.primes > 1:
            raise Unreadable("second derivatives σ″ are not part of the notation", node.pos)
        if f == "sigma":
            if len(args) != 1:
                raise Unreadable("σ takes one argument", node.pos)
            if node.tag is not None:
                act = layer_activation(self.net, node)
                return act.prime(args[0]) if node.primes else act.sigma(args[0])
            return self.net.sigma_prime(args[0]) if node.primes else self.net.sigma(args[0])
        if f == "logistic":  # \text{Sigmoid}(x): the logistic function by name, whatever σ is
            if len(args) != 1:
                raise Unreadable("the sigmoid takes one argument", node.pos)
            return self.prime(lambda t: 1 / (1 + sp.exp(-t)), args[0], node.primes)
        if f == "relu":
            if len(args) != 1:
                raise Unreadable("ReLU takes one argument", node.pos)
            # ReLU(x) = max(0, x) by definition; its derivative [x > 0], the convention of the
            # relu activation (activations.py) at the one point where it has none
            return sp.Heaviside(args[0], 0) if node.primes else sp.Max(0, args[0])
        if node.primes and f not in ELEMENTARY and f not in ("sech", "logistic"):
            raise Unreadable(
                f"{f}′ is not part of the notation: write σ′ for the activation's derivative",
                node.pos,
            )
        if f == "Psi":
            return Upstream(args[0], args[1] if len(args) > 1 else sp.Integer(0))
        if f in ("max", "min"):
            return (sp.Max if f == "max" else sp.Min)(*args)
        if len(args) != 1:
            raise Unreadable(f"{f} takes one argument", node.pos)
        if f == "softmax":
            return self.softmax(args[0], node.pos)
        if f == "diag":
            raise Unreadable(
                "diag(v) is a matrix: it is read in a vector form, in a product, diag(v) x = v ⊙ x, "
                "or where the other side is a matrix, ∂a^{(l)}/∂z^{(l)} = diag(σ'(z^{(l)}))",
                node.pos,
            )
        if f == "sech":
            return self.prime(
                lambda t: 1 / sp.cosh(t), args[0], node.primes
            )  # 1/cosh by definition
        return self.prime(ELEMENTARY[f], args[0], node.primes)

    @staticmethod
    def prime(f: Callable[[sp.Expr], sp.Expr], x: sp.Expr, primes: int) -> sp.Expr:
        """f(x), or with a prime f′(x): the derivative of the named function (sin′ = cos,
        log′(x) = 1/x, …) taken by SymPy at a fresh variable, then evaluated at x."""
        if not primes:
            return f(x)
        t = sp.Dummy("t", real=True)
        return sp.diff(f(t), t).subs(t, x)

    def softmax(self, x: sp.Expr, pos: int) -> sp.Expr:
        """softmax(u)_j = e^{u_j} / Σ_k e^{u_k} (its definition), the sum over all of j's range:
        j is the one index of the argument that runs over a layer's units."""
        ranges, _ = index_ranges(self.net, x)
        units = [d for d, r in ranges.items() if r != SAMPLES and d in x.free_symbols]
        if not x.atoms(sp.Indexed):
            raise Unreadable(
                f"softmax({x}) is not read: {x} is no layer's vector (it has no layer tag); "
                "write a^{(L)} = softmax(z^{(L)}), or an entry softmax(z^{(L)})_j",
                pos,
            )
        if len(units) != 1:
            raise Unreadable(
                "softmax(…) needs the entry it gives: write softmax(z^{(L)})_j or softmax(z_j), "
                "one index over a layer's units",
                pos,
            )
        (j,) = units
        k = sp.Dummy("k", integer=True)
        return sp.exp(x) / sp.Sum(sp.exp(x.subs(j, k)), (k, 0, self.net.width(ranges[j]) - 1))

    def sum(self, node: parse.SumNode) -> sp.Expr:
        d, body = self._bound_body(node)
        if node.excluded is not None:
            # Σ_{k≠j} f(k) = Σ_k f(k) − f(j): the definition of leaving one term out
            lo, hi = self._limits(node, d, body)
            return sp.Sum(body, (d, lo, hi)) - body.subs(d, self.convert(node.excluded))
        return sp.Sum(body, (d, *self._limits(node, d, body)))

    def prod_over(self, node: parse.ProdNode) -> sp.Expr:
        """∏_k f_k: exp(Σ_k log f_k) where every factor is positive in the model, else SymPy's
        Product (engine/products.py, docs/soundness.md); ∏_{k≠j} leaves the factor k = j out."""
        d, body = self._bound_body(node)
        lo, hi = self._limits(node, d, body)
        out, as_log = products.product(self.net, body, d, lo, hi)
        if node.excluded is not None:
            j = self.convert(node.excluded)
            if as_log:  # ∏_{k≠j} f_k = (∏_k f_k) / f_j: every f_k > 0, none is 0
                out = out / body.subs(d, j)
            else:  # the factors below j and above it: ∏_{k<j} f_k · ∏_{k>j} f_k
                out = sp.Product(body, (d, lo, j - 1)) * sp.Product(body, (d, j + 1, hi))
        if as_log:
            self.notes.append(
                f"∏_{node.index} read as exp(Σ_{node.index} log …): every factor is positive"
            )
        return out

    def _bound_body(self, node: parse.SumNode | parse.ProdNode) -> tuple[sp.Symbol, sp.Expr]:
        """The fresh dummy of a sum's or product's index and its body read with it bound."""
        d = sp.Dummy(node.index, integer=True)
        self.bound.append({node.index: d})
        try:
            body = self.convert(node.body)
        finally:
            self.bound.pop()
        return d, body

    def _limits(
        self, node: parse.SumNode | parse.ProdNode, d: sp.Symbol, body: sp.Expr
    ) -> tuple[sp.Expr, sp.Expr]:
        """The first and last value of a sum's or product's index: its whole range (the
        layer's units or the samples) when no bound or both of 1 … n or 0 … n−1 are written."""
        what = "sum" if isinstance(node, parse.SumNode) else "product"
        ranges, _ = index_ranges(self.net, body)
        if d not in ranges:
            if d not in body.free_symbols:
                raise Unreadable(
                    f"the {what} over {node.index} has a body without {node.index}", node.pos
                )
            raise Unreadable(f"cannot tell which range {node.index} runs over", node.pos)
        r = ranges[d]
        size = self.net.n if r == SAMPLES else self.net.width(r)
        if node.excluded is not None:
            if node.lower is not None or node.upper is not None:
                raise Unreadable(f"a {what} over {node.index} ≠ … takes no bounds", node.pos)
            return sp.Integer(0), size - 1
        lo = self.convert(node.lower) if node.lower is not None else None
        hi = self.convert(node.upper) if node.upper is not None else None
        if lo is None and hi is None:
            return sp.Integer(0), size - 1
        if lo == 0 and hi == size - 1:
            self.conventions.add("0-based")
            return sp.Integer(0), size - 1
        if lo == 1 and hi == size:
            self.conventions.add("1-based")
            return sp.Integer(0), size - 1
        if lo is None or hi is None:
            raise Unreadable(f"give both bounds of the {what} over {node.index}, or none", node.pos)
        note = f"the {what} over {node.index} runs from {lo} to {hi}, not over all of its range"
        if hi == self.net.n and r != SAMPLES:  # Σ_{i=1}^n over units: n counts the samples here
            note += (
                f" (n is the number of samples; a {what} over the units of a layer is written "
                f"\\{'sum' if what == 'sum' else 'prod'}_{node.index} or up to n_l)"
            )
        self.notes.append(note)
        return lo, hi

    def partial(self, node: parse.Partial) -> sp.Expr:
        num = self.convert(node.num)
        den = self.convert(node.den)
        if not (
            isinstance(den, sp.Indexed)
            and str(den.base.label).split("^")[0] in ("a", "z", "w", "b")
        ):
            what = getattr(node.den, "name", None)
            hint = (
                f": {what} without a layer and an index names no single quantity (write {what}^l_j or "
                f"{what}^{{(l)}}_j)"
                if what in ("a", "z", "w", "b")
                else _TARGET_PARTIAL
                if isinstance(den, sp.Indexed) and str(den.base.label) == "y"
                else ""
            )
            raise Unreadable(
                "a partial derivative must be taken with respect to one a, z, w or b" + hint,
                node.pos,
            )
        # a quantity or an expression written out: either way it stands for its true value,
        # differentiated through the network (an expression that does not name den is not 0)
        return Partial(num, den)


class NeedsMatrix(ValueError):
    def __init__(self, pos: int) -> None:
        super().__init__("matrix")
        self.pos = pos


def _tag_text(node: parse.Node) -> str | None:
    """``L``, ``l``, ``L-1``, ``l+1`` written as an expression, as a tag string."""
    if isinstance(node, parse.Var) and node.name in ("L", "l") and not node.sub:
        return node.name
    if (
        isinstance(node, parse.Add)
        and len(node.terms) == 2
        and isinstance(node.terms[0], parse.Var)
        and node.terms[0].name in ("L", "l")
    ):
        t = node.terms[1]
        if isinstance(t, parse.Neg) and isinstance(t.arg, parse.Num):
            return f"{node.terms[0].name}-{t.arg.text}"
        if isinstance(t, parse.Num):
            return f"{node.terms[0].name}+{t.text}"
    return None


def implicit_sample(nodes: list[parse.Node]) -> sp.Expr | None:
    """The sample that one-subscript quantities (a_j, y_j) refer to: the one named elsewhere in
    the relation when that is a single letter or number (L_{0j} = (a_j − y_j)²/2 is about
    sample 0), else the free index i."""
    seen: set[str] = set()

    def visit(n: object, bound: frozenset[str]) -> None:
        if isinstance(n, parse.SumNode):
            visit(n.body, bound | {n.index})
            return
        if isinstance(n, parse.Var) and n.sub:
            first = n.sub[0]
            kronecker = n.name == "delta" and n.tag is None  # δ_jk: 1 when j = k, no sample
            takes_sample = (n.name in PER_SAMPLE and len(n.sub) == 2 and not kronecker) or (
                n.name == "L" and len(n.sub) >= 1
            )
            if takes_sample and first.name and first.name not in bound:
                seen.add(first.name)
        if hasattr(n, "__dataclass_fields__"):
            for f in n.__dataclass_fields__:
                v = getattr(n, f)
                for x in v if isinstance(v, list) else [v]:
                    if hasattr(x, "__dataclass_fields__"):
                        visit(x, bound)

    for root in nodes:
        visit(root, frozenset())
    if len(seen) == 1:
        (s,) = seen
        return sp.Integer(int(s)) if s.isdecimal() else index(s)
    used = {n.name for root in nodes for n in walk(root) if isinstance(n, parse.Index)} | {
        n.index for root in nodes for n in walk(root) if isinstance(n, parse.SumNode)
    }
    if (
        "i" in used
    ):  # Bishop's z_i, UFLDL's δ_i: i indexes neurons, so the implicit sample is another letter
        return index(next((c for c in "snqxu" if c not in used), "i"))
    return None


# ---------------------------------------------------------------------------------------------
# matrix relations


class MatrixConverter:
    """Both sides of a relation between matrices → index form with shared free indices (r, c)."""

    def __init__(self, net: Network, from_to: bool = False) -> None:
        self.net = net
        #: the document's weights run from-to (``Z = A W + b``: W^{(l)} is n_(l-1) × n_(l)), so its
        #: W^{(l)} and ∂L/∂W^{(l)} are the transposes of the notation's (docs/soundness.md)
        self.from_to = from_to

    def _layer(self, v: parse.Var) -> int:
        try:
            return self.net.layer(v.tag)  # type: ignore[arg-type]
        except NotationError as e:
            raise Unreadable(str(e), v.pos) from None

    def tree(self, node: parse.Node) -> matrix.MatrixExpr | sp.Expr:
        """A matrix expression, or a SymPy scalar for scalar parts (1/n)."""
        found: matrix.MatrixExpr | sp.Expr | None = None
        if isinstance(node, parse.Var):
            found = self._variable(node)
        elif isinstance(node, parse.Num):
            found = sp.Rational(Fraction(node.text))
        elif isinstance(node, parse.Partial):
            found = self.gradient(node)
        elif isinstance(node, parse.Group):
            found = self.tree(node.body)
        elif isinstance(node, parse.Transpose):
            inner = self.tree(node.arg)
            found = matrix.Transpose(inner) if not isinstance(inner, sp.Expr) else inner
        elif isinstance(node, parse.Neg):
            inner = self.tree(node.arg)
            found = -inner if isinstance(inner, sp.Expr) else matrix.Scale(sp.Integer(-1), inner)
        elif isinstance(node, parse.Div):
            found = self._quotient(node)
        elif isinstance(node, parse.Add):
            found = self._terms(node)
        elif isinstance(node, parse.Mul):
            found = self._product(node)
        elif isinstance(node, parse.Pow):
            found = self._power(node)
        elif isinstance(node, parse.Call) and node.func == "sigma":
            found = self._sigma(node)
        elif isinstance(node, parse.SumNode):
            found = self._sum_of_rows(node)
        if found is None:
            raise Unreadable("this cannot be read as a matrix expression", getattr(node, "pos", 0))
        return found

    def _variable(self, node: parse.Var) -> matrix.MatrixExpr | sp.Expr | None:
        """A matrix of the network (W^{(l)}, A^{(l)}, Y), the bias vector b^{(l)}, or n."""
        net = self.net
        if node.name in MATRICES and node.tag is not None and not node.sub:
            try:
                tag = str(net.tag(net.layer(node.tag)))
            except NotationError as e:
                raise Unreadable(str(e), node.pos) from None
            name = MATRICES[node.name]
            if name.startswith("nabla"):
                raise Unreadable(
                    f"∇{name[-1]} can only stand alone on one side of a relation", node.pos
                )
            if name == "W" and self.from_to:
                return matrix.Transpose(matrix.Named(name, tag))
            return matrix.Named(name, tag)
        if node.name == "Y" and not node.sub:
            return matrix.Named("Y")
        if node.name == "X" and not node.sub and node.tag is None:
            # the batch of inputs, a row per sample: A^{(0)} (notation.md, BATCH_LETTERS)
            return self._variable(parse.Var("A", None, "0", 0, node.pos))
        if node.name == "b" and node.tag is not None:
            if node.sub:
                raise Unreadable(
                    "an entry b_j in a matrix relation: write the vector b^{(l)}", node.pos
                )
            return self.tree(parse.Var("B", None, node.tag, 0, node.pos))  # the bias vector
        if node.name == "n" and not node.sub:
            return net.n
        if node.name in MATRICES and node.tag is None:
            shown = "Δ" if node.name == "Delta" else node.name
            raise Unreadable(
                f"{shown} without a layer tag is not read: in a matrix relation {shown}^{{(l)}} is "
                f"a matrix of layer l"
                + (
                    " (Δ^{(l)}: the δ^{(l)} of every sample, a row each; Δw, a change, is an "
                    "update); a name of the document's own takes a letter the notation does not use"
                    if node.name == "Delta"
                    else ""
                ),
                node.pos,
            )
        return None

    def _quotient(self, node: parse.Div) -> matrix.MatrixExpr | sp.Expr:
        """A quotient of numbers, a matrix scaled by 1/x, or Y ⊘ A entry by entry."""
        num, den = self.tree(node.num), self.tree(node.den)
        if not isinstance(den, sp.Expr):
            if isinstance(num, sp.Expr):
                raise Unreadable("a number divided by a matrix", node.pos)
            return matrix.Divide(num, den)  # Y ⊘ A: entry by entry
        return num / den if isinstance(num, sp.Expr) else matrix.Scale(1 / den, num)

    def _terms(self, node: parse.Add) -> matrix.MatrixExpr | sp.Expr:
        """A sum of terms, a term with a minus sign subtracted."""
        parts = [self.tree(t) for t in node.terms]
        acc = parts[0]
        for x in parts[1:]:
            if isinstance(x, matrix.Scale) and x.factor == -1:
                acc = matrix.Sub(acc, x.arg)
            else:
                acc = matrix.Add(acc, x)
        return acc

    def _product(self, node: parse.Mul) -> matrix.MatrixExpr | sp.Expr:
        """Matrix products (or ⊙ products) scaled by the product of the scalar factors; M𝟏 the
        sums of the rows of M."""
        scalar: sp.Expr = sp.Integer(1)
        mats: list[matrix.MatrixExpr] = []
        for f in self._as_functions(node.factors):
            if isinstance(f, parse.Var) and f.name == "ones" and not node.hadamard:
                if not mats:
                    raise Unreadable("𝟏 (the vector of ones) must follow a matrix: Y𝟏", f.pos)
                mats[-1] = matrix.RowSum(mats[-1])  # M𝟏: the sums of the rows
                continue
            t = self.tree(f)
            if isinstance(t, sp.Expr):
                scalar *= t
            else:
                mats.append(t)
        if not mats:
            return scalar
        acc = mats[0]
        for x in mats[1:]:
            acc = matrix.Hadamard(acc, x) if node.hadamard else matrix.MatMul(acc, x)
        return acc if scalar == 1 else matrix.Scale(scalar, acc)

    def _as_functions(self, factors: list[parse.Node]) -> list[parse.Node]:
        """``Z^{(l)}(A^{(l-1)})``, ``A^{(l)}(Z^{(l)})``: a batch's matrix written as a function of
        the matrix the forward pass computes it from is that matrix.  Read as a product it could
        never fit (an n × n_(l) matrix times an n × n_(l-1) one), so no product is misread."""
        out: list[parse.Node] = []
        below = {"Z": ("A", -1), "A": ("Z", 0)}
        for f in factors:
            prev = out[-1] if out else None
            arg = f.body if isinstance(f, parse.Group) else None
            if (
                isinstance(prev, parse.Var)
                and prev.name in below
                and prev.tag is not None
                and not prev.sub
                and isinstance(arg, parse.Var)
                and not arg.sub
                and arg.tag is not None
                and arg.name == below[prev.name][0]
                and self._layer(arg) == self._layer(prev) + below[prev.name][1]
            ):
                continue  # the argument of the function notation: the matrix itself stands
            out.append(f)
        return out

    def _power(self, node: parse.Pow) -> sp.Expr:
        """n^{-1} in front of a matrix product: a scalar; a power of a matrix is unreadable."""
        base, exp = self.tree(node.base), self.tree(node.exp)
        if isinstance(base, sp.Expr) and isinstance(exp, sp.Expr) and exp.is_Integer:
            if abs(int(exp)) > MAX_EXPONENT:
                raise Unreadable(f"an exponent of {exp} (the limit is {MAX_EXPONENT})", node.pos)
            return base**exp
        raise Unreadable("a power of a matrix is not part of the notation", node.pos)

    def _sigma(self, node: parse.Call) -> matrix.MatrixExpr:
        """σ(M) or σ′(M), entry by entry."""
        inner = self.tree(node.args[0])
        if isinstance(inner, sp.Expr):
            raise Unreadable("σ of a number in a matrix relation", node.pos)
        act = layer_activation(self.net, node) if node.tag is not None else self.net.act
        elementwise = act.prime if node.primes else act.sigma
        return matrix.ElementwiseFunction(elementwise, inner)

    def _sum_of_rows(self, node: parse.SumNode) -> matrix.MatrixExpr | None:
        """Σ_i Δ^{(l)} or Σ_i Δ_{i·}^{(l)}: the sum of the rows of a matrix."""
        body = node.body
        if not (isinstance(body, parse.Var) and body.name in MATRICES):
            return None
        if not body.sub and body.tag is not None:
            return matrix.ColumnSum(self.tree(body))  # Σ_i Δ: over the rows
        if body.sub and len(body.sub) == 2:
            row, col = body.sub
            if row.name == node.index and col.name == "·":
                inner = parse.Var(body.name, None, body.tag, 0, node.pos)
                return matrix.ColumnSum(self.tree(inner))
        return None

    def gradient(self, node: parse.Partial) -> matrix.MatrixExpr:
        """``∂L/∂W^{(l)}``, ``∂L/∂b^{(l)}``, ``∂L/∂Z^{(l)}``, ``∂L_i/∂A^{(l)}``: the matrix of
        the loss's partials by the entries.  L is the mean cost (notation.md); L_i the loss of
        each row's sample, which only matrices with a row per sample (A, Z) have."""
        num, den = parse.ungrouped(node.num), parse.ungrouped(node.den)
        letters = {**MATRICES, "b": "B", "w": "W"}
        if not (
            isinstance(num, parse.Var)
            and num.name == "L"
            and num.tag is None
            and isinstance(den, parse.Var)
            and letters.get(den.name) in ("W", "A", "Z", "B")
            and den.tag is not None
            and not den.sub
        ):
            raise Unreadable(
                "in a matrix relation a partial is ∂L/∂M of the loss by a matrix or vector of "
                "the network (∂L/∂W^{(l)}, ∂L/∂b^{(l)}, ∂L/∂Z^{(l)}, ∂L_i/∂A^{(l)})",
                node.pos,
            )
        wrt = self.tree(parse.Var(letters[den.name], None, den.tag, 0, den.pos))
        if isinstance(wrt, matrix.Transpose) and isinstance(wrt.arg, matrix.Named):
            # weights from-to: ∂L/∂W^{(l)} has the shape of the document's W, the notation's ∇Wᵀ
            return matrix.Transpose(matrix.Gradient(wrt.arg, False))
        assert isinstance(wrt, matrix.Named)
        per_sample = bool(num.sub)
        if per_sample and (len(num.sub or []) != 1 or wrt.quantity not in ("A", "Z")):
            raise Unreadable(
                "∂L_i/∂M: L_i is the loss of the sample of each row, so M must have a row per "
                "sample (A^{(l)}, Z^{(l)}); the weights' gradient is ∂L/∂W^{(l)}",
                node.pos,
            )
        return matrix.Gradient(wrt, per_sample)

    def side(self, node: parse.Node, r: sp.Symbol, c: sp.Symbol) -> sp.Expr:
        net = self.net
        node = parse.ungrouped(node)
        if (
            isinstance(node, parse.Var)
            and node.name in ("nabla W", "nabla B")
            and node.tag is not None
            and not node.sub
        ):
            p = self._layer(node)
            if self.from_to:
                r, c = c, r  # the document's ∇W is the notation's transposed
            return (
                Partial(net.L, net.w(p)[r, c])
                if node.name == "nabla W"
                else Partial(net.L, net.b(p)[r])
            )
        t = self.tree(node)
        if isinstance(t, sp.Expr):
            raise Unreadable("a matrix equated with a number", getattr(node, "pos", 0))
        try:
            shape = matrix.shape(net, t)
        except ValueError as e:
            raise Unreadable(f"matrix shapes do not fit: {e}", getattr(node, "pos", 0)) from None
        return matrix.to_index(net, t, r, c if shape is not None and len(shape) == 2 else None)
