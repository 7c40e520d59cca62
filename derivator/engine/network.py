"""A fully connected network in the article's index notation, as SymPy objects.

Layers are numbered 0 (input) … D (output) inside, and tagged for people: L, L-1, … counting back
from the top, or l-2 … l+1 for the generic fragment.  Sizes are symbols (n, n_(L-1), …) unless the
caller gives concrete widths.  The network only *builds* expressions: the forward definitions, the
loss, and the loss expanded down to any layer so that ``sympy.diff`` can differentiate it.  Bound
indices are always fresh ``Dummy`` symbols so that they never capture a free index (see design.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import activations as acts
from . import losses
from .notation import (
    DEFAULT_LETTERS,
    MAX_LAYERS,
    NotationError,
    Tag,
    base_name,
    index,
    layer_letter,
    parse_tag,
    split_name,
)


class Indexed(sp.Indexed):
    """An entry of a quantity of the network (``a^(L)[i, j]``): SymPy's ``Indexed``, which SymPy's
    own LaTeX printer (what a notebook shows) writes in the article's notation, a_{ij}^{(L)},
    not {a^{(L)}}_{i,j}.  It keeps SymPy's class name, so that SymPy orders and writes
    (``srepr``) sums and products of entries exactly as before; a printer of derivator's own
    (``render``) writes it as it always did."""

    def __eq__(self, other: object) -> bool:
        # SymPy's own Indexed of the same base and indices is the same entry (the hash, of the
        # class name and the arguments, is the same too)
        if isinstance(other, sp.Indexed) and type(other) is sp.Indexed:
            return self.args == other.args
        return super().__eq__(other)

    __hash__ = sp.Indexed.__hash__

    def _latex(self, printer: Any) -> str:
        own = type(printer)._print_Indexed
        if own is not LatexPrinter._print_Indexed:  # a printer with its own way: render's
            return str(own(printer, self))
        indices = [str(printer._print(x)) for x in self.indices]
        sub = "".join(indices) if all(len(x) == 1 for x in indices) else ",".join(indices)
        parts = split_name(str(self.base.label))
        if parts is None:
            return f"{printer._print(self.base.label)}_{{{sub}}}"
        quantity, tag = parts
        stem = r"\delta" if quantity == "delta" else quantity
        return f"{stem}_{{{sub}}}^{{({tag})}}"


class IndexedBase(sp.IndexedBase):
    """A quantity of the network (a^(p), w^(p), y, L_i) whose entries are :class:`Indexed`."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, sp.IndexedBase) and type(other) is sp.IndexedBase:
            return self.args == other.args
        return super().__eq__(other)

    __hash__ = sp.IndexedBase.__hash__

    def __getitem__(self, indices: Any, **kw_args: Any) -> Indexed:
        entry = super().__getitem__(indices, **kw_args)
        return Indexed(*entry.args)


IndexedBase.__name__ = IndexedBase.__qualname__ = "IndexedBase"
Indexed.__name__ = Indexed.__qualname__ = "Indexed"

NETWORK_KINDS = ("general", "single")
#: the activations an output layer may have besides the hidden layers' (its σ′ is a polynomial in
#: a^(L), so the printed formulas never show a σ′ that is not the hidden one)
OUTPUT_ACTIVATIONS = tuple(
    name for name, act in acts.ACTIVATIONS.items() if act.prime_in_a is not None
)
#: what the targets satisfy (notation.md): nothing; Σ_j y_ij = 1 with y_ij ≥ 0; one-hot
TARGETS = ("any", "distribution", "one-hot")


@dataclass(frozen=True)
class Stop:
    """Where the expansion of the forward pass stops: ``Stop("a", p)`` keeps a^(p) atomic,
    ``Stop("z", p)`` keeps z^(p) atomic (so a^(p) = σ(z^(p)) is still written out)."""

    kind: str
    layer: int


@dataclass(frozen=True)
class Network:
    """The network.  Construct it with keywords; ``widths`` fixes every width (and the depth).

    Compared and hashed by value (its fields, normalised in ``__post_init__``): everything derived
    from a network is a function of them, so what is remembered by network (derivations, proofs,
    an article's formulas) is found again for an equal network built elsewhere, e.g. an article
    in another layout or language, or the same network in the next test."""

    depth: int = 3
    widths: tuple[int, ...] | None = None
    activation: str = "sigmoid"
    loss: str = "mse"
    network: str = "general"
    samples: int | None = None
    letters: tuple[str, ...] = DEFAULT_LETTERS
    top: Tag = field(default_factory=lambda: Tag("L", 0))
    targets: str = "any"
    #: σ of the output layer when it differs from the hidden layers' (None: the same); "softmax"
    #: is the cross-entropy's output layer, which is that loss's default
    output_activation: str | None = None
    #: whether each layer adds a bias (False: z = Σ w a, the forward pass of a document that
    #: absorbs its biases into the weights, Bishop's (5.48)); the network with b = 0
    bias: bool = True
    #: each layer's activation where a document gives its layers different ones: (tag, name),
    #: the name "generic" being that layer's own unknown function (activations.own)
    layer_activations: tuple[tuple[str, str], ...] = ()
    #: every layer the loss leaves free and ``layer_activations`` does not name has an unknown
    #: function of its own (a document writing f^m, g^{[l]}, φ_k: one function per layer)
    own_functions: bool = False

    def __post_init__(self) -> None:
        if self.targets not in TARGETS:
            raise ValueError(f"unknown targets {self.targets!r}: choose {', '.join(TARGETS)}")
        acts.get(self.activation)
        for tag, name in self.layer_activations:
            parse_tag(tag)
            acts.get(name)
        object.__setattr__(self, "layer_activations", tuple(sorted(set(self.layer_activations))))
        out = self.output_activation
        if (
            out is not None
            and out not in ("softmax", self.activation)
            and acts.get(out).prime_in_a is None
        ):
            # σ and σ′ print alike for every activation: the output's σ′ is written in a^(L) instead
            # (derive.output_closed_form), which needs σ′ = P(σ)
            raise ValueError(
                f"output activation {out}: an output layer of its own may be "
                f"{', '.join(OUTPUT_ACTIVATIONS)} (σ′ written in a^(L)), or the hidden activation"
            )
        if self.loss == "upstream" and out is not None:
            raise ValueError("a generic fragment has no output layer: no output activation")
        if self.loss != "upstream":
            spec = losses.get(self.loss)
            if spec.softmax and out not in (None, "softmax"):
                raise ValueError(f"the {self.loss} loss needs a softmax output layer, not {out}")
            if not spec.softmax and out == "softmax":
                raise ValueError(
                    f"a softmax output layer goes with the cross-entropy loss, not {self.loss}"
                )
            if spec.activation is not None and self.output_name != spec.activation:
                raise ValueError(
                    f"the {self.loss} loss needs σ = {spec.activation} at the output layer (its a^(L) "
                    f"must lie in (0, 1)), not {self.output_name}"
                )
        if (
            out == self.activation or out == "softmax"
        ):  # one network, one cache key, one description
            object.__setattr__(self, "output_activation", None)
        if self.network not in NETWORK_KINDS:
            raise ValueError(f"unknown network {self.network!r}: choose general or single")
        if self.widths is not None:
            if len(self.widths) > MAX_LAYERS + 1:
                raise ValueError(
                    f"{len(self.widths)} widths: derivator handles networks of at most {MAX_LAYERS} "
                    "layers of weights"
                )
            ws = tuple(int(w) for w in self.widths)
            if len(ws) < 2 or min(ws) < 1:
                raise ValueError(
                    f"widths {list(self.widths)}: give at least two layers, each at least 1 wide"
                )
            object.__setattr__(self, "widths", ws)
            object.__setattr__(self, "depth", len(ws) - 1)
        if self.depth > MAX_LAYERS:
            raise ValueError(
                f"depth {self.depth}: derivator handles networks of at most {MAX_LAYERS} layers of "
                "weights"
            )
        if self.network == "single":
            object.__setattr__(self, "widths", (1,) * (self.depth + 1))
        if self.depth < 1:
            raise ValueError(f"depth {self.depth}: a network needs at least one layer of weights")
        if self.samples is not None and self.samples < 1:
            raise ValueError("samples must be at least 1")

    # ---- construction helpers -------------------------------------------------------------
    @classmethod
    def generic(cls, activation: str = "sigmoid", **kw: object) -> Network:
        """The fragment l-2 … l+1 whose top feeds an arbitrary upstream Ψ (see losses.Upstream):
        what is proved here holds at every layer of every network."""
        return cls(depth=3, activation=activation, loss="upstream", top=Tag("l", 1), **kw)  # type: ignore[arg-type]

    def with_sizes(self, widths: Sequence[int], samples: int) -> Network:
        """The same network at concrete sizes (for exact checks and numbers)."""
        return Network(
            widths=tuple(widths),
            activation=self.activation,
            loss=self.loss,
            network="general",
            samples=samples,
            letters=self.letters,
            top=self.top,
            targets=self.targets,
            output_activation=self.output_activation,
            bias=self.bias,
            layer_activations=self.layer_activations,
            own_functions=self.own_functions,
        )

    # ---- layers and tags ------------------------------------------------------------------
    @property
    def D(self) -> int:
        return self.depth

    @property
    def symbolic(self) -> bool:
        return self.widths is None

    @property
    def act(self) -> acts.Activation:
        """σ of the hidden layers (and of the output layer unless ``output_activation`` says otherwise)."""
        return acts.get(self.activation)

    @property
    def output_name(self) -> str:
        """The name of the output layer's activation: "softmax" under the cross-entropy."""
        if self.loss != "upstream" and self.loss_spec.softmax:
            return "softmax"
        return self.output_activation or self.activation

    def activation_at(self, p: int) -> acts.Activation | None:
        """σ of layer p where a^(p) = σ(z^(p)) by definition; None at the input layer and at a
        softmax output layer (no elementwise σ there).  A layer the document gives an activation
        of its own (``layer_activations``, ``own_functions``) has that one, unless the loss fixes
        the output layer's (the binary cross-entropy's sigmoid)."""
        if p < 1 or (p == self.D and self.softmax_output):
            return None
        tag = str(self.tag(p))
        for t, name in self.layer_activations:
            if t == tag:
                return acts.own(tag) if name == "generic" else acts.get(name)
        if p == self.D and self.output_activation is not None:
            return acts.get(self.output_activation)
        if p == self.D and self.loss != "upstream" and self.loss_spec.activation is not None:
            return acts.get(self.loss_spec.activation)
        if self.own_functions:
            return acts.own(tag)
        return self.act

    @property
    def activation_names(self) -> frozenset[str]:
        """The activations of the network's layers (and its hidden σ, the one an untagged σ
        names)."""
        layers = (self.activation_at(p) for p in range(1, self.D + 1))
        return frozenset({self.activation} | {a.name for a in layers if a is not None})

    @property
    def per_layer(self) -> bool:
        """Do the layers have activations of their own (not one σ for every hidden layer)?"""
        return bool(self.layer_activations) or self.own_functions

    @property
    def loss_spec(self) -> losses.Loss:
        return losses.LOSSES[self.loss]

    def tag(self, p: int) -> Tag:
        return self.top.shift(p - self.D)

    def layer(self, tag: str | int | Tag, *, weights: bool = False) -> int:
        """Absolute layer number of a tag; NotationError when this network has no such layer."""
        t = parse_tag(tag)
        if t.base == "":
            p = t.offset
        elif t.base == self.top.base:
            p = self.D + t.offset - self.top.offset
        else:
            kind = "generic layer" if t.base == "l" else "layer"
            raise NotationError(
                f"{kind} {t} does not belong to this network (its top layer is {self.top})"
            )
        lowest = 1 if weights else 0
        if weights and p == 0:
            raise NotationError(
                f"layer {t} is the input layer of this network: it has no weights or biases "
                f"(a network with {self.D + 1} layers of weights has them)"
            )
        if not lowest <= p <= self.D:
            have = ", ".join(str(self.tag(q)) for q in range(self.D, lowest - 1, -1))
            raise NotationError(f"no layer {t} in this network: it has {have}")
        return p

    # ---- sizes and indices ----------------------------------------------------------------
    @property
    def n(self) -> sp.Expr:
        return (
            sp.Integer(self.samples)
            if self.samples is not None
            else sp.Symbol("n", integer=True, positive=True)
        )

    def width(self, p: int) -> sp.Expr:
        if self.widths is not None:
            return sp.Integer(self.widths[p])
        return sp.Symbol(f"n_({self.tag(p)})", integer=True, positive=True)

    def letter(self, p: int) -> sp.Expr:
        """The free index of layer p's neurons (j for L, k for L-1, …); 0 when every layer has
        one neuron, so that single-neuron formulas carry no index that could only be 0."""
        if self.network == "single":
            return sp.Integer(0)
        return index(layer_letter(self.D - p, self.letters))

    @property
    def i(self) -> sp.Symbol:
        return index("i")

    # ---- quantities -----------------------------------------------------------------------
    def base(self, quantity: str, p: int) -> sp.IndexedBase:
        return _indexed_base(base_name(quantity, self.tag(p)))

    def a(self, p: int) -> sp.IndexedBase:
        return self.base("a", p)

    def z(self, p: int) -> sp.IndexedBase:
        return self.base("z", p)

    def w(self, p: int) -> sp.IndexedBase:
        return self.base("w", p)

    def b(self, p: int) -> sp.IndexedBase:
        return self.base("b", p)

    def delta(self, p: int) -> sp.IndexedBase:
        return self.base("delta", p)

    y = IndexedBase("y")
    #: L_i, the loss of one sample
    Li = IndexedBase("L")
    #: L, the mean loss
    L = sp.Symbol("L")

    def sigma(self, x: sp.Expr) -> sp.Expr:
        return self.act.sigma(x)

    def sigma_prime(self, x: sp.Expr) -> sp.Expr:
        return self.act.prime(x)

    @property
    def softmax_output(self) -> bool:
        return self.loss_spec.softmax

    # ---- forward definitions --------------------------------------------------------------
    def z_definition(self, p: int, I: sp.Expr, X: sp.Expr) -> sp.Expr:
        """z_IX^(p) = Σ_d w_Xd^(p) a_Id^(p-1) + b_X^(p), one level, with a fresh bound index."""
        return self.expand_z(p, I, X, Stop("a", p - 1))

    def a_definition(self, p: int, I: sp.Expr, X: sp.Expr) -> sp.Expr:
        """a_IX^(p) in terms of z^(p): σ(z_IX) or the softmax of the output layer."""
        return self.expand_a(p, I, X, Stop("z", p))

    def expand_a(self, p: int, I: sp.Expr, X: sp.Expr, stop: Stop) -> sp.Expr:
        if p == 0 or (stop.kind == "a" and p <= stop.layer):
            return self.a(p)[I, X]
        if self.softmax_output and p == self.D:
            d = sp.Dummy("d", integer=True)
            return sp.exp(self.expand_z(p, I, X, stop)) / sp.Sum(
                sp.exp(self.expand_z(p, I, d, stop)), (d, 0, self.width(p) - 1)
            )
        act = self.activation_at(p)
        assert act is not None
        return act.sigma(self.expand_z(p, I, X, stop))

    def expand_z(self, p: int, I: sp.Expr, X: sp.Expr, stop: Stop) -> sp.Expr:
        if stop.kind == "z" and p <= stop.layer:
            return self.z(p)[I, X]
        d = sp.Dummy("d", integer=True)
        weighted = sp.Sum(
            self.w(p)[X, d] * self.expand_a(p - 1, I, d, stop), (d, 0, self.width(p - 1) - 1)
        )
        return weighted + self.b(p)[X] if self.bias else weighted

    def loss_i(self, I: sp.Expr, stop: Stop) -> sp.Expr:
        """L_I expanded down to ``stop``."""
        d = sp.Dummy("d", integer=True)
        top = self.width(self.D) - 1
        if self.loss == "upstream":
            return sp.Sum(losses.Upstream(self.expand_z(self.D, I, d, stop), d), (d, 0, top))
        if self.loss == "generic":
            a = self.expand_a(self.D, I, d, stop)
            return sp.Sum(losses.AnyLoss(a, self.y[I, d], I, d), (d, 0, top))
        term = self.loss_spec.term
        assert term is not None
        return sp.Sum(term(self.expand_a(self.D, I, d, stop), self.y[I, d]), (d, 0, top))

    def loss_mean(self, stop: Stop) -> sp.Expr:
        I = sp.Dummy("i", integer=True)
        return sp.Sum(self.loss_i(I, stop), (I, 0, self.n - 1)) / self.n

    def describe(self) -> str:
        sizes = (
            "symbolic widths"
            if self.symbolic
            else "widths " + "-".join(map(str, self.widths or ()))
        )
        out = f", output activation {self.output_activation}" if self.output_activation else ""
        if self.per_layer:
            names = (self.activation_at(p) for p in range(1, self.D + 1))
            out += ", per layer " + ", ".join(
                f"{self.tag(p)}: {a.name if a else 'softmax'}" for p, a in enumerate(names, 1)
            )
        return (
            f"{self.network} network, {self.D} layers of weights ({sizes}), activation {self.activation}{out}, "
            f"loss {self.loss}"
        )


@cache
def _indexed_base(name: str) -> sp.IndexedBase:
    """One ``IndexedBase`` per name: a proof asks for a^(p), z^(p), … thousands of times, and
    building one (its label Symbol, its assumptions) was a twentieth of the proving time.  SymPy
    expressions are immutable and compare by value, so sharing one changes nothing else."""
    return IndexedBase(name)
