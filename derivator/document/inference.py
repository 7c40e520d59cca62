"""What a document's own definitions fix about its notation (notation.md, "Conventions of other
authors", 1).

A forward pass written in the document (``z_j = Σ_i w_ji x_i + b_j``, ``a = f(z)``) fixes which letter
is the activation, which the pre-activation and which the activation function, the order of the
weight's indices, the layer a weight feeds, and — when there are no layer tags — the layer of each
index letter.  A cost definition (``C_0 = (a^{(L)} - y)^2``, ``C = \\frac{1}{n}\\sum_x C_x``,
``E = \\sum_n E_n``) fixes the cost letter, whether the bare letter is one sample's loss, the mean or
the sum, and whether the squared error has its ½.  Only what a definition states is inferred; two
definitions that disagree are reported and nothing is inferred from them.  Directives override
all of it (:func:`conventions.merge`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from . import parse, regularised
from .conventions import UNDEFINED, Conventions, cost_form, split_args
from .parse import walk

#: letters that name a cost in the texts we know (a directive cost=… adds any other)
COST_CANDIDATES = (
    frozenset(
        {"C", "E", "J", "\\mathcal{C}", "\\mathcal{L}", "\\mathcal{E}", "\\mathcal{J}", "ell"}
    )
    | parse.COST_WORDS
)
READING = parse.Reading(call_letters=COST_CANDIDATES)
KNOWN_FUNCTIONS = {"sigma", "tanh", "exp", "log", "max", "min", "Psi", "sinh", "cosh", "sin", "cos"}
#: letters the notation itself gives a meaning (a, z, y, w, W, b, x, δ; e Euler's number, n the
#: sample count): never a name of the document's own for a role it introduces
NOTATION_LETTERS = ("a", "z", "y", "w", "W", "b", "x", "e", "n", "delta")


@dataclass(frozen=True)
class Finding:
    """One inferred convention (or an ambiguity, when ``value`` is empty) and where it comes from."""

    line: int
    key: str
    value: str
    evidence: str

    def text(self, name: str) -> str:
        if not self.value:
            return f"{name}:{self.line}: {self.key} not inferred: {self.evidence}"
        return f"{name}:{self.line}: {self.key}={self.value} (from {self.evidence})"


def _vars(node: object) -> list[parse.Var]:
    return [n for n in walk(node) if isinstance(n, parse.Var)]


def _has_half(node: parse.Node) -> bool:
    """A factor ½ (``\\frac12``, ``\\frac{1}{2n}``, ``/2``, ``0.5``) in a definition."""
    if any(isinstance(n, parse.Num) and n.text == "0.5" for n in walk(node)):
        return True
    for n in walk(node):
        if isinstance(n, parse.Div) and any(
            isinstance(x, parse.Num) and x.text == "2" for x in walk(n.den)
        ):
            return True
    return False


def _squares(node: parse.Node) -> bool:
    return any(
        isinstance(n, parse.Pow) and isinstance(n.exp, parse.Num) and n.exp.text == "2"
        for n in walk(node)
    )


def _averages(node: parse.Node) -> bool:
    """A division by the sample count (n, m, N) somewhere in the definition (``\\frac1n``,
    ``n^{-1}``)."""
    return any(
        (isinstance(n, parse.Div) and any(v.name in ("n", "m", "N") for v in _vars(n.den)))
        or (
            isinstance(n, parse.Pow)
            and isinstance(n.base, parse.Var)
            and n.base.name in ("n", "m", "N")
            and not n.base.sub
            and isinstance(n.exp, parse.Neg)
            and isinstance(n.exp.arg, parse.Num)
            and n.exp.arg.text == "1"
        )
        for n in walk(node)
    )


def _mean_of_partials(lhs: parse.Node, rhs: parse.Node) -> bool:
    """``∂C/∂v = \\frac{1}{n} Σ_k ∂C_k/∂v``: the document says how its bare cost letter is made of
    the per-sample ones (the derivative of C = (1/n) Σ_k C_k), which fixes its meaning."""
    if not (
        isinstance(lhs, parse.Partial)
        and isinstance(lhs.num, parse.Var)
        and lhs.num.name in COST_CANDIDATES
        and not lhs.num.sub
        and _averages(rhs)
    ):
        return False
    letter = lhs.num.name
    return any(
        isinstance(n, parse.SumNode)
        and any(
            isinstance(p, parse.Partial)
            and isinstance(p.num, parse.Var)
            and p.num.name == letter
            and p.num.sub
            and len(p.num.sub) == 1
            and getattr(p.num.sub[0], "name", None) == n.index
            for p in walk(n.body)
        )
        for n in walk(rhs)
    )


def _writes_a_loss(rhs: parse.Node) -> bool:
    """A squared error, a cross-entropy or a binary cross-entropy written out (:func:`loss_form`):
    an equation for the notation's L that writes one is the document's definition of its cost."""
    return _squares(rhs) or loss_form(rhs) in ("cross-entropy", "binary-cross-entropy", "generic")


def _written_out(left: parse.Node, right: parse.Node) -> tuple[parse.Var, parse.Node] | None:
    """``∂u/∂v = ∂(S)/∂v``: (u, S) when both sides are partials by the same written variable and
    the left one differentiates a single letter."""
    if not (isinstance(left, parse.Partial) and isinstance(right, parse.Partial)):
        return None
    num = parse.ungrouped(left.num)
    a, b = parse.ungrouped(left.den), parse.ungrouped(right.den)
    if not (isinstance(num, parse.Var) and isinstance(a, parse.Var) and isinstance(b, parse.Var)):
        return None
    if (a.name, a.sub_raw, a.tag) != (b.name, b.sub_raw, b.tag) or num.name == a.name:
        return None
    return num, parse.ungrouped(right.num)


def _complement(node: parse.Node) -> bool:
    """``1 - a``: one minus a single quantity."""
    node = parse.ungrouped(node)
    return (
        isinstance(node, parse.Add)
        and len(node.terms) == 2
        and isinstance(node.terms[0], parse.Num)
        and node.terms[0].text == "1"
        and isinstance(node.terms[1], parse.Neg)
        and isinstance(parse.ungrouped(node.terms[1].arg), parse.Var)
    )


def loss_call(rhs: parse.Node) -> parse.Var | None:
    """``\\ell(a^L, y)``, ``\\mathcal{L}(\\hat y, y)``: a cost letter called with two arguments (the
    output and the target), a loss the definition names and does not write out.  Which arguments
    they are is checked where the call is read (``conventions._cost``)."""
    f = parse.ungrouped(rhs)
    if (
        isinstance(f, parse.Var)
        and f.name in COST_CANDIDATES
        and f.args is not None
        and not f.sub
        and f.tag is None
        and not f.primes
        and len(split_args(f.args)) == 2
        and all(split_args(f.args))
    ):
        return f
    return None


def _called_with(rhs: parse.Node) -> list[str]:
    """The letters a loss call's arguments are (``\\ell(o, t)`` → o, t); [] for anything else."""
    f = loss_call(rhs)
    if f is None:
        return []
    out = []
    for text in split_args(f.args or ""):
        try:
            chains = parse.parse(text, READING)
        except parse.ReadError:
            return []
        v = parse.ungrouped(chains[0].exprs[0]) if len(chains) == 1 else None
        if not isinstance(v, parse.Var):
            return []
        out.append(v.name)
    return out


def loss_form(rhs: parse.Node) -> str | None:
    """Which loss a cost definition writes, by its shape: a square and no logarithm is the squared
    error; logarithms of single quantities only, ``-Σ y ln a``, the cross-entropy; logarithms of a
    quantity and of one minus a quantity, ``-[y ln a + (1-y) ln(1-a)]``, the binary cross-entropy.
    ``"other"``: a logarithm of anything else (``ln(1+e^{-ya})``, ``ln(e^f/Σe^f)``), a loss that
    could be several things; ``"generic"``: a loss named and left unknown, ``\\ell(a^L, y)``
    (:func:`loss_call`); ``None``: nothing that names a loss (``C = (1/n) Σ_x C_x``)."""
    if loss_call(rhs) is not None:
        return "generic"
    logs = [n for n in walk(rhs) if isinstance(n, parse.Call) and n.func == "log"]
    if not logs:
        return "mse" if _squares(rhs) else None
    plain = sum(
        len(n.args) == 1 and isinstance(parse.ungrouped(n.args[0]), parse.Var) for n in logs
    )
    complement = sum(len(n.args) == 1 and _complement(n.args[0]) for n in logs)
    if plain + complement < len(logs) or not plain or _squares(rhs):
        return "other"
    return "binary-cross-entropy" if complement else "cross-entropy"


#: quantities of one example, which a sample index would be written on (a_{ij}, δ^{(i)})
_PER_EXAMPLE = frozenset({"a", "z", "y", "t", "o", "delta", "x", "h"})


def writes_a_sample(node: parse.Node) -> bool:
    """Whether an expression writes a sample, or anything made of several examples: a sample
    superscript (``x^{(i)}``), a per-example quantity with two subscripts (``a_{ij}``), a cost
    letter with a subscript (``C_x``, ``L_i``), an untagged one subscripted i, n or x (``y_i``),
    the sample count (a bare n, m, N), a batch's matrix (X, A, Z, Y), a sum over x (Nielsen's
    samples) or over the first of two subscripts.
    Conservative: what might be a sample counts as one (the cost then stays ambiguous)."""
    for n in walk(node):
        if isinstance(n, parse.Var):
            if n.sample is not None or (
                n.name in ("X", "A", "Z", "Y", "n", "m", "N") and not n.sub
            ):
                return True
            if n.name in _PER_EXAMPLE and n.sub and len(n.sub) >= 2:
                return True
            if (
                n.name in _PER_EXAMPLE
                and n.tag is None
                and any(getattr(x, "name", None) in ("i", "n", "x") for x in n.sub or [])
            ):
                return True  # y_i, a_n untagged: the sample as often as a unit
            if (n.name in COST_CANDIDATES or n.name == "L") and n.sub:
                return True
        elif isinstance(n, parse.SumNode) and n.index in ("x", "n", "m", "N"):
            return True
    return _over_samples(node)


def _sums_samples(node: parse.Node, letter: str) -> bool:
    """``Σ_n E_n``: a sum whose body is the cost letter subscripted by the sum's index."""
    for n in walk(node):
        if isinstance(n, parse.SumNode):
            for v in _vars(n.body):
                if (
                    v.name == letter
                    and v.sub
                    and len(v.sub) == 1
                    and getattr(v.sub[0], "name", None) == n.index
                ):
                    return True
            for p in walk(n.body):  # Σ_q E^q: the sample written as a superscript
                if (
                    isinstance(p, parse.Pow)
                    and isinstance(p.base, parse.Var)
                    and p.base.name == letter
                    and not p.base.sub
                    and isinstance(e := parse.ungrouped(p.exp), parse.Var)
                    and e.name == n.index
                ):
                    return True
    return False


def _over_samples(node: parse.Node) -> bool:
    """``Σ_{i=1}^{n} Σ_j (a_{ij} − y_{ij})²``: a sum over the samples, whose index is the first of
    two subscripts of an output or target inside it (a bound n alone says nothing: Σ_{i=1}^n
    (y_i − t_i)² sums over n outputs)."""
    for n in walk(node):
        if not isinstance(n, parse.SumNode):
            continue
        if any(
            v.name in ("a", "y", "t", "o")
            and v.sub
            and len(v.sub) == 2
            and getattr(v.sub[0], "name", None) == n.index
            for v in _vars(n.body)
        ):
            return True
    return False


def _summed_costs(node: parse.Node) -> set[str]:
    """The cost letters a sum runs over by their subscript (``Σ_n \\mathcal{L}_n``, ``Σ_x C_x``):
    each one sample's cost."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, parse.SumNode):
            for v in _vars(n.body):
                if (
                    v.name in COST_CANDIDATES
                    and v.sub
                    and len(v.sub) == 1
                    and getattr(v.sub[0], "name", None) == n.index
                ):
                    out.add(v.name)
    return out


def _half(node: parse.Node) -> str:
    """Whether a squared-error definition has its ½ (``\\frac12``, ``/2``, ``0.5``)."""
    if _has_half(node) or any(isinstance(n, parse.Num) and n.text == "0.5" for n in walk(node)):
        return "yes"
    return "no"


_WIDTH = re.compile(r"\(?(?:(?:[Ll]|\\ell\s*)(?:[-+]\d+)?|n_l)\)?")


class _Collector:
    def __init__(self) -> None:
        self.found: dict[str, Finding] = {}
        self.conflicts: list[Finding] = []
        #: forward passes naming a numbered layer's function: (line, layer, activation)
        self.layers: list[tuple[int, str, str]] = []

    def layer(self, line: int, lhs: parse.Var, arg: parse.Node, name: str) -> None:
        """``a^{[1]} = \\tanh(z^{[1]})``: the function of one numbered layer (a redefinition
        governs from its line on, so every one is kept)."""
        if (
            isinstance(arg, parse.Var)
            and lhs.tag is not None
            and lhs.tag.isdigit()
            and arg.tag == lhs.tag
            and lhs.tag != "0"
        ):
            self.layers.append((line, lhs.tag, name))

    def add(self, line: int, key: str, value: str, evidence: str) -> None:
        old = self.found.get(key)
        if old is None:
            self.found[key] = Finding(line, key, value, evidence)
        elif old.value != value and not any(c.key == key for c in self.conflicts):
            self.conflicts.append(
                Finding(
                    line, key, "", f"line {old.line} says {old.value}, line {line} says {value}"
                )
            )


@dataclass
class _Scan:
    """What reading a document's relations one by one has gathered (for :func:`infer`)."""

    col: _Collector = field(default_factory=_Collector)
    costs: dict[str, tuple[int, str]] = field(default_factory=dict)
    cost_conflicts: list[Finding] = field(default_factory=list)
    history: list[tuple[str, int, str]] = field(default_factory=list)
    #: every squared-error definition of a cost: (letter, form, line, whether it has ½)
    halves: list[tuple[str, str, int, str]] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)
    weight_pairs: list[tuple[str, str]] = field(default_factory=list)
    #: the weights' order a forward pass fixes after claims already named weights: (line, order)
    weights_later: list[tuple[int, str]] = field(default_factory=list)
    #: every definition of δ as a partial of the cost: (line, its sign)
    deltas: list[tuple[int, str]] = field(default_factory=list)
    #: every definition of a cost that names its loss: (letter, line, loss)
    losses: list[tuple[str, int, str]] = field(default_factory=list)
    #: (cost letter, form) → what its definition in force says (:func:`_restates`)
    first_costs: dict[tuple[str, str], _CostShape] = field(default_factory=dict)
    #: forward steps written with a letter per layer: (output letter, weight, input letter, bias)
    steps: list[Step] = field(default_factory=list)
    cost_bodies: list[parse.Node] = field(default_factory=list)
    output_letters: set[str] = field(default_factory=set)
    tagged: int = 0
    untagged: int = 0
    #: cost letters by use (∂C/∂…), with the first line
    used: dict[str, int] = field(default_factory=dict)
    #: cost letters another cost's definition sums or averages over the samples by their
    #: subscript (J = \\frac1N \\sum_n \\mathcal{L}_n): the bare letter is one sample's cost
    per_sample: set[str] = field(default_factory=set)
    #: letters named by earlier relations: a definition comes before its use
    seen: set[str] = field(default_factory=set)
    #: weighted inputs with a letter of their own, ``u_j = Σ_i v_ji x_i + b_j``, by their letter
    pre_steps: dict[str, Step] = field(default_factory=dict)
    #: activations of a letter's weighted input, ``h_j = σ(u_j)``: h → u
    activations: dict[str, str] = field(default_factory=dict)
    #: the untagged letters the layer numbered 1 is computed from (``z_1 = W_1 x + b_1``)
    first_inputs: set[str] = field(default_factory=set)
    #: the document's own pre-activation letters numbered like W (``u_1 = W_1 x``)
    numbered: set[str] = field(default_factory=set)
    #: whether any relation writes a sample (:func:`writes_a_sample`)
    samples_written: bool = False
    #: regularised costs the document defines (``regularised.read``), in reading order
    decays: list[regularised.Decay] = field(default_factory=list)
    #: a loss the document names and leaves unknown, ``C = \ell(a^L, y)``: letter → (line, the
    #: arguments of its definition)
    loss_functions: dict[str, tuple[int, str]] = field(default_factory=dict)

    def chain(self, line: int, chain: parse.Chain) -> None:
        """Read one relation (a chain a = b = …) for what it fixes."""
        names = {v.name for e in chain.exprs for v in _vars(e)}
        self.sample_marks(chain)
        self.count_tags(line, chain)
        for n in (x for e in chain.exprs for x in walk(e)):
            self.width_bound(line, n)
            self.cost_use(line, n)
        self.untagged_weights(chain)
        _named_sigmoid(line, chain.exprs, self.col, self.letters)
        _sigmoid_definition(line, chain, self.col)
        _function_definition(line, chain, self.col, self.letters)
        self.mean_of_partials(line, chain)
        if len(chain.exprs) >= 2 and chain.ops[0] == "=" and isinstance(chain.exprs[0], parse.Var):
            self.definition(line, chain.exprs[0], chain.exprs[1])
        for left, right in zip(chain.exprs, chain.exprs[1:]):
            written = _written_out(left, right)
            if written is not None:
                self.sum_in_a_partial(line, *written)
        for n in (x for e in chain.exprs for x in walk(e)):
            self.function_of_preactivation(line, n)
        self.seen |= names

    def sample_marks(self, chain: parse.Chain) -> None:
        """Does the relation write a sample anywhere (:func:`writes_a_sample`)?"""
        if not self.samples_written and any(writes_a_sample(e) for e in chain.exprs):
            self.samples_written = True

    def sum_in_a_partial(self, line: int, lhs: parse.Var, body: parse.Node) -> None:
        """``∂u_j^L/∂W_ij^L = ∂(Σ_k h_k^{L-1} W_kj^L + b_j^L)/∂W_ij^L``: the document writes its
        weighted input out where it differentiates it, the only place its forward pass stands.
        That fixes the letters' roles (u the pre-activation, h the activation of the layer
        below) and the weights' order (the index the sum runs over), for the whole document; the
        relation itself stays a claim, judged like any other."""
        if not _is_weighted_sum(lhs, body) or "weights" in self.col.found:
            return
        inputs = [v for v in _vars(body) if v.name not in ("w", "W", "b")]
        _named_by_the_sum(line, lhs, inputs, self.col, self.letters)
        w = next(v for v in _vars(body) if v.name in ("w", "W"))
        order = _order(lhs, w)
        if order is not None and self.letters.get(lhs.name) == "preactivation":
            self.col.add(line, "weights", order, f"{_show(lhs)} = Σ {_show(w)} … written out")

    def function_of_preactivation(self, line: int, n: object) -> None:
        """``\\phi'(u^L)``, ``\\phi(u^l)``: a letter the document never defines, applied to its
        pre-activation, is its activation function; being never defined, it is any function
        (activation=generic): what is proved holds for every φ."""
        if not (isinstance(n, parse.Mul) and len(n.factors) >= 2):
            return
        for f, arg in zip(n.factors, n.factors[1:]):
            if not (
                isinstance(f, parse.Var)
                and not f.sub
                and f.tag is None
                and f.name not in self.letters
                and f.name not in (*NOTATION_LETTERS, "sigma")
                and f.name.isalpha()
                and isinstance(arg, parse.Group)
                and arg.bracket == "("
                and isinstance(v := parse.ungrouped(arg.body), parse.Var)
                and self.letters.get(v.name) == "preactivation"
                and v.name != "z"
            ):
                continue
            self.letters[f.name] = "function"
            self.col.add(line, f"function {f.name}", "the activation", f"{f.name}({_show(v)})")
            self.col.add(
                line, "activation", "generic", f"{f.name}, never defined, applied to {v.name}"
            )

    def count_tags(self, line: int, chain: parse.Chain) -> None:
        """Layer tags written or not on a, z, δ and w; a sample written as a superscript."""
        for v in (x for e in chain.exprs for x in _vars(e)):
            if v.name in ("a", "z", "delta") or (v.name in ("w", "W") and v.sub):
                if v.tag is not None:
                    self.tagged += 1
                elif v.sub:
                    self.untagged += 1
            if v.sample is not None:
                self.col.add(line, "samples", "superscript", f"{_show(v)}")

    def width_bound(self, line: int, n: object) -> None:
        """Σ_{j=1}^{s_{l+1}}: s_l is the width of layer l."""
        bound = n.upper if isinstance(n, parse.SumNode) else None
        if (
            isinstance(bound, parse.Var)
            and bound.name not in ("n", "N")
            and len(bound.name) == 1
            and bound.sub_raw
            and _WIDTH.fullmatch(bound.sub_raw)
            and bound.name not in self.letters
        ):
            self.letters[bound.name] = "width"
            self.col.add(
                line,
                f"width {bound.name}",
                "the number of units of a layer",
                f"the upper bound {_show(bound)} of a sum",
            )

    def cost_use(self, line: int, n: object) -> None:
        """A cost letter by its use: ∂E_n/∂w, ∇_w E."""
        num = (
            n.num if isinstance(n, parse.Partial) else n.of if isinstance(n, parse.Nabla) else None
        )
        if isinstance(num, parse.Var) and num.name in COST_CANDIDATES and num.name not in self.used:
            self.used[num.name] = line

    def untagged_weights(self, chain: parse.Chain) -> None:
        """Without layer tags a weight w_{pq} ties two layers' index letters."""
        for v in (x for e in chain.exprs for x in _vars(e)):
            if v.name in ("w", "W") and v.sub and len(v.sub) == 2 and v.tag is None:
                p, q = (getattr(x, "name", None) for x in v.sub)
                if p and q:
                    self.weight_pairs.append((p, q))

    def mean_of_partials(self, line: int, chain: parse.Chain) -> None:
        """∂C/∂w = (1/n) Σ_k ∂C_k/∂w: C is the mean of the C_k."""
        cost = chain.exprs[0]
        if (
            len(chain.exprs) >= 2
            and chain.ops[0] == "="
            and isinstance(cost, parse.Partial)
            and isinstance(cost.num, parse.Var)
            and _mean_of_partials(cost, chain.exprs[1])
        ):
            letter = cost.num.name
            if self.costs.get(letter, (0, ""))[0] == 0:
                self.costs[letter] = (line, "mean")
                self.col.add(
                    line,
                    f"cost {letter}",
                    "mean",
                    f"∂{letter}/∂… as the mean of the ∂{letter}_k/∂…",
                )

    def definition(self, line: int, lhs: parse.Var, rhs: parse.Node) -> None:
        """A definition ``lhs = rhs``: of a cost, a loss, a forward step, δ, the input."""
        if self.decay(line, lhs, rhs) or any(d.letter == lhs.name for d in self.decays):
            return  # (a later equation for a regularised cost is a claim about it)
        restated = (lhs.name in COST_CANDIDATES or lhs.name == "L") and _restates(
            lhs, rhs, self.first_costs
        )
        if restated:
            pass  # a claim about a cost already defined: judged, it defines nothing
        elif lhs.name in COST_CANDIDATES or (lhs.name == "L" and _writes_a_loss(rhs)):
            # every definition of a cost, the notation's own L written out as a squared
            # error or a cross-entropy too (the cost as written: with ½ or without, a sum over
            # samples or not)
            _cost_definition(
                line,
                lhs,
                rhs,
                self.col,
                self.costs,
                self.cost_conflicts,
                self.output_letters,
                self.letters,
                self.history,
                self.halves,
            )
        if (lhs.name in COST_CANDIDATES or lhs.name == "L") and not restated:
            _loss_definition(line, lhs, rhs, self.col, self.losses)
            self.loss_function(line, lhs, rhs)
        step = _layer_step(lhs, rhs)
        if step is not None and all(x[0] != step[0] for x in self.steps):
            self.steps.append(step)
        pre = _layer_step(lhs, rhs, applied=False)
        if pre is not None and pre[0] not in self.pre_steps:
            self.pre_steps[pre[0]] = pre  # u_j = Σ_i v_ji x_i + b_j: a layer's weighted input
        fed = _activation_of(lhs, rhs)
        if fed is not None and fed[0] not in self.activations:
            self.activations[fed[0]] = fed[1]  # h_j = σ(u_j)
        if lhs.name in COST_CANDIDATES and not restated:
            self.cost_bodies.append(rhs)
            self.per_sample |= _summed_costs(rhs) - {lhs.name}
        sign = _delta_sign(lhs, rhs, self.letters)
        if sign is not None and not self.deltas:
            # the first definition of δ as a partial of the cost fixes its sign; a later
            # one is a claim about δ (a slip of sign must not redefine δ for what follows)
            self.deltas.append((line, sign))
        _forward(
            line,
            lhs,
            rhs,
            self.col,
            self.letters,
            self.weight_pairs,
            first="w" not in self.seen and "W" not in self.seen,
            later=self.weights_later,
        )
        _input(line, lhs, rhs, self.col, self.letters)
        _softmax_definition(line, lhs, rhs, self.col, self.letters)
        _hat_output(line, lhs, rhs, self.col, self.letters)
        if (lhs.name == "z" or lhs.name in self.numbered) and lhs.tag == "1" and not lhs.sub:
            self.first_inputs |= {
                v.name
                for v in _vars(rhs)
                if v.tag is None and not v.sub and len(v.name) == 1 and v.name not in "abwWyzeLn"
            }
        _batch_layout(line, lhs, rhs, self.col)

    def decay(self, line: int, lhs: parse.Var, rhs: parse.Node) -> bool:
        """``J = L + \\frac{\\lambda}{2}\\sum_l \\|W^{(l)}\\|^2``: a regularised cost, the first
        definition of its letter (a later one is a claim about it); it names no loss, no ½ and no
        meaning of the samples of its own (those are its base cost's)."""
        if lhs.name in self.costs or any(d.letter == lhs.name for d in self.decays):
            return False
        found = regularised.read(line, lhs, rhs)
        if found is None:
            return False
        self.decays.append(found)
        self.col.add(
            line,
            f"cost {lhs.name}",
            "regularised",
            f"{lhs.name} = {found.base} + ({found.factor})·{found.parameter}"
            + ("/n" if found.per_sample else "")
            + "·Σ w² over every weight",
        )
        self.col.add(
            line,
            f"parameter {found.parameter}",
            "any real number",
            f"introduced by the definition of {lhs.name}: claims hold for every value",
        )
        return True

    def loss_function(self, line: int, lhs: parse.Var, rhs: parse.Node) -> None:
        """``C = \\ell(a^L, y)``: ℓ is the loss of one example as a function of its output and
        target, left unknown (the network's loss ``generic``); the bare ℓ, and ∂ℓ/∂a, are that
        example's loss and its partials."""
        f = loss_call(rhs)
        if f is None or f.name == lhs.name:
            return
        if f.name not in self.costs:
            self.costs[f.name] = (line, "sample")
            self.col.add(line, f"cost {f.name}", "sample", f"{_show(lhs)} = {f.name}({f.args})")
        self.loss_functions.setdefault(f.name, (line, f.args or ""))

    def two_step_layers(self) -> dict[str, str]:
        """``u_j = Σ_i v_ji x_i + b_j`` and ``h_j = σ(u_j)``: one layer, h its activation and u its
        pre-activation, added to the steps; returns each such activation letter's pre-activation."""
        pre: dict[str, str] = {}
        for h, u in self.activations.items():
            step = self.pre_steps.get(u)
            if step is None or any(x[0] == h for x in self.steps):
                continue
            _, w, order, x, b = step
            self.steps.append((h, w, order, x, b))
            pre[h] = u
        return pre

    def numbered_input(self) -> None:
        """``z_1 = W_1 x + b_1``: the letter the first numbered layer is computed from, x, is
        the input layer's activation a^{(0)}."""
        for letter in self.first_inputs:
            if letter not in self.letters:
                self.letters[letter] = "input"
                self.col.add(
                    0, f"input {letter}", "the input layer's activation", "z_1 = W_1 " + letter
                )

    def numbered_preactivations(self, own: set[str]) -> None:
        """``u_1 = W_1 x + b_1``: the letter a numbered forward step computes with the weight
        matrix of its own number is the pre-activation of that layer, whatever its letter; that
        definition fixes its role (a role read elsewhere for the same letter gives way to it)."""
        for letter in sorted(own):
            self.letters[letter] = "preactivation"
            self.col.add(
                0,
                f"preactivation {letter}",
                "the layer's pre-activation",
                f"{letter}_1 = W_1 …: computed by the weight matrix of its number",
            )

    def undefined_cost(self) -> None:
        """A letter differentiated like a cost but never defined: the cost when it is the only
        one (its bare meaning the loss), ambiguous when there are several."""
        undefined = {k: v for k, v in self.used.items() if k not in self.costs}
        if len(undefined) == 1:
            ((letter, line),) = undefined.items()
            if letter in self.per_sample:
                # J = (1/N) Σ_n L_n: the mean is J, so the bare L is one example's (the sample
                # index left implicit, as on every per-sample quantity)
                self.costs[letter] = (0, "sample")
                self.col.add(
                    line, f"cost {letter}", "sample", f"{letter}_n summed over the samples"
                )
                return
            if not self.samples_written:
                # a document that writes no sample anywhere describes one example: there the
                # mean, the sum and that example's loss are one quantity (n = 1), read as L_i
                self.costs[letter] = (0, "sample")
                self.col.add(
                    line, f"cost {letter}", "sample", "one example: no sample is written anywhere"
                )
                return
            self.costs[letter] = (0, UNDEFINED)  # reported where used
            self.col.add(line, f"cost {letter}", "the loss", f"∂{letter}/∂… on line {line}")
        elif len(undefined) > 1:
            self.col.conflicts.append(
                Finding(
                    min(undefined.values()),
                    "cost",
                    "",
                    "several letters are differentiated like a "
                    f"cost ({', '.join(sorted(undefined))}): state which with cost=…",
                )
            )


def infer(blocks: list[tuple[int, str]]) -> tuple[Conventions, list[Finding]]:
    """The conventions the blocks (line, text) define, and the findings (with ambiguities)."""
    scan = _Scan()
    layer = layer_letter([text for _, text in blocks])
    own = numbered_letters([text for _, text in blocks])
    numbered = bool(own)
    own.discard("z")
    reading = replace(
        READING, layer_letter=layer, subscript_layers=numbered, subscript_letters=frozenset(own)
    )
    scan.numbered = set(own)
    numbers = _Numbers()
    for line, text in blocks:
        try:
            chains = parse.parse(text, reading)
        except (parse.ReadError, RecursionError):
            continue
        for chain in chains:
            scan.chain(line, chain)
            numbers.chain(line, chain)
    scan.undefined_cost()
    if scan.seen & {"b", "B"}:  # a bias written anywhere: the forward pass only left it out
        scan.col.found.pop("bias", None)
    findings = list(scan.col.found.values())
    if numbers.single():
        findings.append(numbers.finding())
    if layer:
        findings.append(
            Finding(0, "layer letter", layer, f"{layer}-1 or {layer}+1 in a quantity's superscript")
        )
    if numbered:
        findings.append(
            Finding(0, "layers", "subscript", "z_1 = W_1 … : the layer in the subscript")
        )
        scan.numbered_input()
        scan.numbered_preactivations(own)
    conv = _cost_conventions(
        scan,
        Conventions(
            layer_letter=layer,
            subscript_layers=numbered,
            subscript_letters="".join(sorted(own)),
        ),
    )
    conv = _half_conventions(scan, conv)
    conv = _loss_conventions(scan, conv)
    if scan.decays:
        conv = replace(conv, decays=tuple(scan.decays))
    if scan.loss_functions:
        conv = replace(
            conv,
            loss_functions=tuple((k, w, a) for k, (w, a) in sorted(scan.loss_functions.items())),
        )
    conv = _layer_conventions(scan, conv, findings)
    layers = scan.col.layers
    if len({name for _, _, name in layers}) > 1 or conv.own_functions == "yes":
        # numbered layers with different functions (or beside a function of every layer's
        # own): each layer's is its own; one function written for every layer is `activation`
        conv = replace(conv, layer_history=tuple(layers))
        findings += [
            Finding(w, f"activation of layer {t}", n, "its forward pass") for w, t, n in layers
        ]
    return conv, sorted(
        findings + scan.col.conflicts + scan.cost_conflicts, key=lambda f: (f.line, f.key)
    )


#: the notation's quantities of a layer
_LAYER_QUANTITIES = frozenset({"a", "z", "w", "b", "delta"})


class _Numbers:
    """Does the document write a network whose every layer has one neuron?  A careful reader
    concludes so when every quantity of a layer is used as a number: none has an index, none is
    transposed, no ⊙, no norm, no matrix letter, no sum over a layer's units, and the output
    error is squared as a number, ``(a^{(L)} - y)^2``, which a vector cannot be (3Blue1Brown's
    one-neuron chain).  One index, transpose or norm anywhere and the network stays general."""

    def __init__(self) -> None:
        self.square: int | None = None  # the line of a square of an unindexed layer quantity
        self.vector = False  # something only vectors or matrices have

    def chain(self, line: int, chain: parse.Chain) -> None:
        for root in chain.exprs:
            for n in parse.walk(root):
                if isinstance(n, (parse.Transpose, parse.Norm, parse.Matrix, parse.Entry)) or (
                    isinstance(n, parse.Mul) and n.hadamard
                ):
                    self.vector = True
                elif isinstance(n, parse.Var):
                    if (
                        n.transposed
                        or n.name in ("W", "A", "Z", "B", "Delta", "nabla")
                        or (n.name in _LAYER_QUANTITIES and n.tag is not None and n.sub)
                    ):
                        self.vector = True
                elif isinstance(n, parse.Pow) and self.square is None and _squared_layer(n):
                    self.square = line

    def single(self) -> bool:
        return self.square is not None and not self.vector

    def finding(self) -> Finding:
        return Finding(
            self.square or 0,
            "network",
            "single",
            "(a^{(L)} - y)^2: a layer quantity squared as a number, and no index, transpose, "
            "⊙ or norm on any layer quantity",
        )


def _squared_layer(n: parse.Pow) -> bool:
    """``(a^{(L)} - y)^2``: a square of an expression holding a layer quantity without index."""
    if not (isinstance(n.exp, parse.Num) and n.exp.text == "2"):
        return False
    return any(
        isinstance(v, parse.Var) and v.name in _LAYER_QUANTITIES and v.tag is not None and not v.sub
        for v in parse.walk(n.base)
    )


def _cost_conventions(scan: _Scan, conv: Conventions) -> Conventions:
    """The cost letters and what each bare letter means; a letter redefined, or called two
    things at once."""
    if scan.costs:
        conv = replace(conv, costs=tuple((k, m) for k, (_, m) in sorted(scan.costs.items())))
    written = sorted({letter for letter, _, meaning in scan.history if meaning != UNDEFINED})
    if written:
        conv = replace(conv, written=tuple(written))
    history = scan.history
    if len({(letter, m) for letter, _, m in history}) > len({letter for letter, _, _ in history}):
        conv = replace(conv, cost_history=tuple(history))
    if scan.cost_conflicts:
        conv = replace(
            conv,
            ambiguous=tuple(
                (c.evidence.split(" ", 1)[0], "cost-is", c.evidence) for c in scan.cost_conflicts
            ),
        )
    return conv


def _half_conventions(scan: _Scan, conv: Conventions) -> Conventions:
    """Whether the squared error has its ½: once, per definition, or ambiguous."""
    col = scan.col
    half_conflict = next((c for c in col.conflicts if c.key == "mse-half"), None)
    if len({h for _, _, _, h in scan.halves}) > 1:
        # with ½ in one definition and without in another: each definition governs its form of
        # the letter (one sample's, or the bare one) from its line on (Conventions.at)
        return replace(conv, half_history=tuple(scan.halves))
    if half_conflict is not None:  # with or without ½: reported, not guessed
        return replace(
            conv,
            ambiguous=conv.ambiguous
            + tuple(
                (
                    k,
                    "mse-half",
                    f"its squared error has ½ in one definition and not in another "
                    f"({half_conflict.evidence}); state mse-half=yes|no",
                )
                for k in scan.costs
            ),
        )
    if "mse-half" in col.found:
        # each definition's ½ governs its form of the letter from its line on, under an
        # mse-half directive too (definitions define: a directive settles what they leave unsaid)
        return replace(conv, mse_half=col.found["mse-half"].value, half_history=tuple(scan.halves))
    return conv


def _loss_conventions(scan: _Scan, conv: Conventions) -> Conventions:
    """The loss: one, one per stretch of the document (a letter redefined), or ambiguous; then
    the activations when only one definition names each."""
    col, losses = scan.col, scan.losses
    loss = col.found.get("loss")
    loss_conflict = next((c for c in col.conflicts if c.key == "loss"), None)
    if (
        loss_conflict is not None
        and len({letter for letter, _, _ in losses}) == 1
        and all(form != "other" for _, _, form in losses)
    ):
        # one cost letter defined with one loss, then redefined with another: each definition
        # governs the relations after it (Conventions.at); two letters with two losses at once
        # stay ambiguous (the network has one loss)
        conv = replace(conv, loss=losses[0][2], loss_history=tuple((w, f) for _, w, f in losses))
    elif loss_conflict is not None or (loss is not None and loss.value == "other"):
        why = (
            f"the document defines its loss in two ways ({loss_conflict.evidence})"
            if loss_conflict
            else f"line {loss.line} defines it as a loss derivator does not recognise (not the squared error, "  # type: ignore[union-attr]
            "the cross-entropy -Σ y ln a or the binary cross-entropy)"
        )
        conv = replace(
            conv,
            ambiguous=conv.ambiguous
            + tuple(
                (k, "loss", f"{why}; state the loss with a directive loss=…") for k in scan.costs
            ),
        )
    elif loss is not None:
        conv = replace(conv, loss=loss.value)
    return _unambiguous(
        scan,
        conv,
        (
            ("activation", "activation"),
            ("output-activation", "output_activation"),
            ("own-functions", "own_functions"),
        ),
    )


def _unambiguous(scan: _Scan, conv: Conventions, keys: tuple[tuple[str, str], ...]) -> Conventions:
    """Each finding ``key`` no other definition contradicts, as the convention ``field``."""
    for key, name in keys:
        if key in scan.col.found and not any(c.key == key for c in scan.col.conflicts):
            found: dict[str, Any] = {name: scan.col.found[key].value}
            conv = replace(conv, **found)
    return conv


def _layer_conventions(scan: _Scan, conv: Conventions, findings: list[Finding]) -> Conventions:
    """What the forward pass fixes: a letter per layer, δ's sign, the weights' order, the
    letters' roles and, without layer tags, the layer of each index letter."""
    pre = scan.two_step_layers()
    layered = _letter_per_layer(scan.steps, scan.cost_bodies, pre)
    if layered:
        conv = replace(conv, layers=layered)
        shown = ",".join(f"{x}:{q}^({t})" if t else f"{x}:{q}" for x, q, t, _ in layered)
        findings.append(Finding(0, "layers", shown, "the forward pass, one letter per layer"))
    if any(sign == "minus" for _, sign in scan.deltas):
        conv = replace(conv, delta_history=tuple(scan.deltas))
        first = next(line for line, sign in scan.deltas if sign == "minus")
        findings.append(Finding(first, "delta", "minus", "δ defined as −∂(cost)/∂z"))
    later = scan.weights_later
    if later and later[0][1] != "to-from" and "weights" not in scan.col.found:
        conv = replace(conv, weights_history=tuple(later))
    conv = _unambiguous(
        scan,
        conv,
        (
            ("weights", "weights"),
            ("weight-layer", "weight_layer"),
            ("batch", "batch"),
            ("bias", "bias"),
        ),
    )
    pairs = tuple((letter, role) for letter, role in sorted(scan.letters.items()))
    if pairs:
        conv = replace(conv, letters=pairs)
    if scan.untagged and not scan.tagged and scan.weight_pairs and scan.output_letters:
        layers = _index_layers(scan.weight_pairs, scan.output_letters, conv.weights)
        if isinstance(layers, str):
            findings.append(Finding(0, "index-layers", "", layers))
        elif layers:
            conv = replace(conv, layer_tags="none", index_layers=layers)
            findings.append(
                Finding(
                    0,
                    "index-layers",
                    ",".join(f"{k}:{t}" for k, t in layers),
                    "the weights' indices, counted back from the output's index",
                )
            )
    return conv


#: ``a^{m-1}``, ``w^{(k+1)}_{jk}``, ``\delta^{[m+1]}``: a quantity of the notation (a, z, w, b, δ
#: and their capitals, bold or not: ``\\mathbf{A}^{(k-1)}``) whose superscript is a letter plus or
#: minus one
_LAYER_STEP = re.compile(
    r"(?:(?<![A-Za-z\\])[azwbAZWB]|\\delta|\\Delta"
    r"|\\(?:mathbf|bm|boldsymbol)\{\s*(?:[azwbAZWB]|\\delta|\\Delta)\s*\})"
    r"(?:_\{[^{}]*\}|_[A-Za-z0-9])?"
    r"\^\{\s*[(\[]?\s*([A-Za-z])\s*[-+]\s*1\s*[)\]]?\s*\}"
)
#: letters that are never a layer counter: l (the notation's own), the sample, e, the sample
#: count, time (t: a recurrent network's step), the transpose, the input and the output
_NO_LAYER_LETTER = set("lLienNtTxy")


#: ``z_1 = W_1 x + b_1``, ``u_{2} = W_{2} a_{1} + …``: a
#: pre-activation (any one letter) and the weight matrix that computes it, numbered alike in
#: their subscripts
_NUMBERED_STEP = re.compile(
    r"(?<![A-Za-z\\])([A-Za-z])_\{?\s*(\d)\s*\}?\s*=\s*"
    r"(?:\\mathbf\{W\}|W)_\{?\s*\2\s*\}?(?!\d)"
)
#: letters that never name a pre-activation: weights, biases, activations, targets, the input,
#: costs, δ
_NOT_PREACTIVATION = set("abwWyxeCEJLn")


def subscript_layers(texts: list[str]) -> bool:
    """Does the document number its layers in the subscript: a forward step ``z_1 = W_1 …``
    (a neuron's number would not stand on the weight matrix W)."""
    return bool(numbered_letters(texts))


def numbered_letters(texts: list[str]) -> set[str]:
    """The letters of the forward steps ``u_1 = W_1 …`` (the pre-activation computed by the
    weight matrix of the same number, whatever its letter): each such letter's subscript
    numbers its layer, as it does the notation's a, z, b, W, δ."""
    found = {m.group(1) for t in texts for m in _NUMBERED_STEP.finditer(t)}
    return found - _NOT_PREACTIVATION


def layer_letter(texts: list[str]) -> str:
    """The letter a document counts its layers with when it is not l: the one letter X that
    stands as ``X-1`` or ``X+1`` in the superscript of a quantity (``a^{m-1}``, ``w^{k+1}``), which
    only a layer counter does (a power m-1 of an activation or a weight is no step of a
    derivation).  "" when there is none, or more than one."""
    found = {m.group(1) for t in texts for m in _LAYER_STEP.finditer(t)} - _NO_LAYER_LETTER
    return found.pop() if len(found) == 1 else ""


def _show(v: parse.Var) -> str:
    s = v.name
    if v.sub_raw:
        s += f"_{{{v.sub_raw}}}"
    if v.tag:
        s += f"^{{{v.tag}}}"
    return s


def _loss_definition(
    line: int,
    lhs: parse.Var,
    rhs: parse.Node,
    col: _Collector,
    losses: list[tuple[str, int, str]],
) -> None:
    """The loss a definition writes (:func:`loss_form`); a definition with weights in it (a weight
    decay term) or in terms of other cost letters says nothing about it."""
    if any(v.name in ("w", "W") for v in _vars(rhs)):
        return
    form = loss_form(rhs)
    if form is not None:
        col.add(line, "loss", form, f"the definition of {_show(lhs)}")
        losses.append((lhs.name, line, form))


#: what a cost definition says: (over the samples: "mean", "sum", "sample" or None when not
#: read; its loss, :func:`loss_form`; its squared error's ½, "yes"/"no", or None)
_CostShape = tuple[str | None, str | None, str | None]


def _cost_meaning(lhs: parse.Var, rhs: parse.Node) -> str | None:
    """What a bare cost letter's definition makes of the samples (as :func:`_cost_definition`
    reads it): their mean, their sum, or one sample's cost; None for one sample's letter (L_i)
    and for ``J(W,b) = …`` with more than the loss."""
    if lhs.sub:
        return None
    if _averages(rhs):
        return "mean"
    if _sums_samples(rhs, lhs.name) or _over_samples(rhs):
        return "sum"
    if (
        lhs.args is not None
        and ";" not in lhs.args
        and any(v.name in ("w", "W") for v in _vars(rhs))
    ):
        return None
    return "sample"


def _restates(lhs: parse.Var, rhs: parse.Node, firsts: dict[tuple[str, str], _CostShape]) -> bool:
    r"""Whether an equation for a cost letter restates a cost already defined, and so is a claim
    about it (judged in the model the definition in force builds), not a definition.

    The first equation of a cost letter (per form: the bare letter, one sample's L_i, C_0)
    defines it.  A later one defines it anew only when it cannot be a slip: it writes another
    loss (the squared error, then the cross-entropy), it names a loss where the definition in
    force named none (``J = \frac1m Σ_i L(a, y)``, then written out; Nielsen's
    ``C = \frac1n Σ_x C_x``, then ``½‖y − a‖²`` for one example), or it specialises the cost to
    one example with the same per-example term (``\frac{1}{2n}Σ_x‖y − a‖²``, then
    ``½‖y − a‖²``).  Anything else (a factor ½ dropped or added, a sum over the samples turned
    into a mean) is a claim: a wrong factor is refuted, never the cost of what follows."""
    meaning = _cost_meaning(lhs, rhs)
    loss = loss_form(rhs)
    shape: _CostShape = (meaning, loss, _half(rhs) if _squares(rhs) else None)
    key = (lhs.name, cost_form(lhs))
    first = firsts.get(key)
    if first is None:
        firsts[key] = shape
        return False
    was_meaning, was_loss, was_half = first
    known = {None, "other"}
    if loss not in known and was_loss not in known and loss != was_loss:
        firsts[key] = shape  # another loss
        return False
    if was_loss is None and loss is not None:
        # the loss written out where the definition in force named none (C = (1/n) Σ_x C_x,
        # then ½‖y − a‖²: the first saying of the per-example term), itself a definition
        firsts[key] = shape
        return False
    if (
        meaning == "sample"
        and was_meaning in ("mean", "sum")
        and (loss, shape[2])
        == (
            was_loss,
            was_half,
        )
    ):
        firsts[key] = shape  # one example's cost, with the same per-example term
        return False
    return True


def _cost_definition(
    line: int,
    lhs: parse.Var,
    rhs: parse.Node,
    col: _Collector,
    costs: dict[str, tuple[int, str]],
    conflicts: list[Finding],
    outputs: set[str],
    letters: dict[str, str],
    history: list[tuple[str, int, str]],
    halves: list[tuple[str, str, int, str]],
) -> None:
    letter = lhs.name
    if letter == "L" and not any(x[0] == "L" for x in history):
        history.append(("L", 0, "mean"))  # the notation's L, the mean, until the document's own
    # the ½ of the squared error, read only where the definition is one (a square beside a
    # logarithm, as in a cross-entropy plus a term that is zero, says nothing of a ½)
    squared = loss_form(rhs) == "mse"
    if squared:
        halves.append((letter, cost_form(lhs), line, _half(rhs)))
    if squared and not _sums_samples(rhs, letter):
        col.add(
            line, "mse-half", "yes" if _has_half(rhs) else "no", f"the definition of {_show(lhs)}"
        )
        names = [v for v in _vars(rhs) if v.name not in ("n", "m", "N")]
        # the squared difference of the output and the target: (a - y)², (y_k - t_k)²
        if any(v.name == "t" for v in names) and any(v.name == "y" for v in names):
            col.add(line, "letters", "output:y,target:t", f"the definition of {_show(lhs)}")
            letters.setdefault("y", "output")
            letters.setdefault("t", "target")
            outputs.update(
                v.sub[-1].name for v in names if v.name in ("y", "t") and v.sub and v.sub[-1].name
            )
    if lhs.sub:
        # a cost letter; what the bare letter means is not defined here (the notation's own L
        # keeps its meaning, the mean)
        costs.setdefault(letter, (0, "mean" if letter == "L" else UNDEFINED))
        return
    if _averages(rhs):
        meaning = "mean"
    elif _sums_samples(rhs, letter) or _over_samples(rhs):
        meaning = "sum"
    elif (
        lhs.args is not None
        and ";" not in lhs.args
        and any(v.name in ("w", "W") for v in _vars(rhs))
    ):
        return  # J(W,b) defined with more than the loss (UFLDL's weight decay): not inferred
    else:
        meaning = "sample"
    old = costs.get(letter)
    history.append((letter, line, meaning))
    if old is not None and old[1] != meaning and old[0] != 0:
        # a redefinition: it governs what follows it (Conventions.at)
        col.add(line, f"cost {letter}", meaning, f"the definition of {letter} (from here on)")
        return
    costs[letter] = (line, meaning)
    col.add(line, f"cost {letter}", meaning, f"the definition of {letter}")


def _forward(
    line: int,
    lhs: parse.Var,
    rhs: parse.Node,
    col: _Collector,
    letters: dict[str, str],
    weight_pairs: list[tuple[str, str]],
    first: bool,
    later: list[tuple[int, str]] | None = None,
) -> None:
    """``a = f(z)`` and ``z = Σ w a + b`` (or ``z = W a + b``).  The weights' order and layer are
    read only from the first relation that names a weight (a definition precedes its use: a later
    ``z = Σ_k w_kj a_k`` is a claim, maybe a mistake, not a convention), and the letters only from
    an activation function the document names by its own letter (``z_j = h(a_j)``)."""
    body = rhs.body if isinstance(rhs, parse.Group) else rhs
    _activation_definition(line, lhs, body, col, letters)
    applied = _applied(body)
    if (
        applied is not None
        and isinstance(arg := applied[1], parse.Var)
        and len(lhs.name) == 1
        and lhs.name.lower() != arg.name.lower()
        and ((lhs.name.islower() and arg.name.islower()) or (lhs.name, arg.name) == ("A", "Z"))
    ):  # Ng's batch: A = g(Z)
        func, _, tag = applied
        if tag is not None:
            # a^m = f^m(n^m): the function is written for its layer, so each layer has its own
            col.add(line, "own-functions", "yes", f"{_show(lhs)} = {func}^{tag}(…)")
        if func == "sigma":
            if tag is None:
                col.layer(line, lhs, arg, "sigma")
            return
        if func not in letters:
            letters[func] = "function"
            col.add(line, f"function {func}", "the activation", f"{_show(lhs)} = {func}(…)")
        if (
            (lhs.name.lower(), arg.name.lower()) != ("a", "z")
            and lhs.name not in letters
            and arg.name not in letters
        ):
            letters[lhs.name] = "activation"
            letters[arg.name] = "preactivation"
            col.add(
                line,
                "letters",
                f"activation:{lhs.name},preactivation:{arg.name}",
                f"{_show(lhs)} = {func}(…)",
            )
        return
    if not _is_weighted_sum(lhs, body):
        return
    weights = [v for v in _vars(rhs) if v.name in ("w", "W")]
    w = weights[0]
    if first and isinstance(body, (parse.SumNode, parse.Mul)):
        # the document's forward pass is a weighted sum alone: its layers add no bias (unless
        # a bias is written anywhere else: :func:`infer` drops this then)
        col.add(line, "bias", "none", f"{_show(lhs)} = {_show(w)}·… with no bias")
    if not first:
        # claims named weights before the document's forward pass: the order its first forward
        # pass writes governs from its line on (Conventions.at), the claims before it keep the
        # notation's (a definition defines what follows it)
        if later is not None and not later and "weights" not in col.found:
            order = _order(lhs, w)
            if order is not None:
                later.append((line, order))
        return
    _named_by_the_sum(
        line, lhs, [v for v in _vars(rhs) if v.name not in ("w", "W", "b")], col, letters
    )
    if lhs.tag is not None and w.tag is not None and lhs.tag != w.tag:
        col.add(line, "weight-layer", "out-of", f"{_show(lhs)} is computed with {_show(w)}")
    elif lhs.tag is not None and w.tag is not None:
        col.add(line, "weight-layer", "into", f"{_show(lhs)} is computed with {_show(w)}")
    if lhs.sub and w.sub and len(w.sub) == 2:
        j = getattr(lhs.sub[-1], "name", None)
        first_index, second_index = (x.name for x in w.sub)
        if j is not None and first_index == j and second_index != j:
            col.add(line, "weights", "to-from", f"{_show(lhs)} = Σ {_show(w)} …")
        elif j is not None and second_index == j and first_index != j:
            col.add(line, "weights", "from-to", f"{_show(lhs)} = Σ {_show(w)} …")


def _applied(body: parse.Node) -> tuple[str, parse.Node, str | None] | None:
    """``σ(z)``, ``f(z)``, ``g^{[l]}(z)``: a function applied to one argument, as (its name, the
    argument, the layer it is written for)."""
    if (
        isinstance(body, parse.Call)
        and body.func == "sigma"
        and not body.primes
        and len(body.args) == 1
    ):
        return "sigma", body.args[0], body.tag
    if (
        isinstance(body, parse.Mul)
        and len(body.factors) == 2
        and isinstance(f := body.factors[0], parse.Var)
        and isinstance(arg := body.factors[1], parse.Group)
        and arg.bracket == "("
        and not f.sub
        and ((len(f.name) == 1 and f.name.islower()) or f.name in parse.FUNCTION_GREEK)
        and not f.primes
    ):
        return f.name, arg.body, f.tag
    return None


#: one layer of a forward pass written with a letter per layer: (its activation's letter, its
#: weight's letter, the weights' order, its input's letter, its bias's letter)
Step = tuple[str, str, str, str, str | None]


def _activation_of(lhs: parse.Var, rhs: parse.Node) -> tuple[str, str] | None:
    """``h_j = σ(u_j)``: (h, u), two letters of their own with the same one index."""
    body = parse.ungrouped(rhs)
    if not (
        lhs.tag is None
        and lhs.sample is None
        and lhs.sub
        and len(lhs.sub) == 1
        and isinstance(body, parse.Call)
        and body.func == "sigma"
        and not body.primes
        and len(body.args) == 1
    ):
        return None
    u = parse.ungrouped(body.args[0])
    if not (
        isinstance(u, parse.Var)
        and u.tag is None
        and not u.primes
        and u.sub
        and len(u.sub) == 1
        and u.sub[0].name == lhs.sub[0].name
        and u.name != lhs.name
        and u.name not in ("a", "z")
        and lhs.name not in ("a", "z")
    ):
        return None
    return lhs.name, u.name


def _layer_step(lhs: parse.Var, rhs: parse.Node, applied: bool = True) -> Step | None:
    """``h_j = σ(Σ_i v_ji x_i + b_j)``: a layer whose activation has a letter of its own, read as
    (h, v, "to-from", x, b); with ``applied=False``, ``u_j = Σ_i v_ji x_i + b_j``, a layer's
    weighted input with a letter of its own, read as (u, v, "to-from", x, b); None for any other
    shape."""
    if lhs.tag is not None or lhs.sample is not None or not lhs.sub or len(lhs.sub) != 1:
        return None
    body = parse.ungrouped(rhs)
    if applied:
        if not (isinstance(body, parse.Call) and body.func == "sigma" and len(body.args) == 1):
            return None
        if body.primes:
            return None
        arg = parse.ungrouped(body.args[0])
    else:
        if lhs.name in ("a", "z"):
            return None
        arg = body
    terms = arg.terms if isinstance(arg, parse.Add) else [arg]
    sums = [t for t in terms if isinstance(t, parse.SumNode)]
    rest = [parse.ungrouped(t) for t in terms if not isinstance(t, parse.SumNode)]
    if len(sums) != 1 or len(rest) > 1:
        return None
    product = parse.ungrouped(sums[0].body)
    if not (isinstance(product, parse.Mul) and len(product.factors) == 2):
        return None
    w, x = product.factors
    if isinstance(x, parse.Var) and x.sub and len(x.sub) == 2:
        w, x = x, w  # Σ_i x_i w_ij: the weight (two indices) written second
    bias = rest[0] if rest else None
    subtracted = isinstance(bias, parse.Neg)
    if isinstance(bias, parse.Neg):
        bias = parse.ungrouped(bias.arg)  # a threshold subtracted, σ(Σ_i x_i w_ij − β_j)
    j, i = lhs.sub[0].name, sums[0].index
    if not (
        isinstance(w, parse.Var)
        and isinstance(x, parse.Var)
        and w.sub
        and len(w.sub) == 2
        and x.sub
        and len(x.sub) == 1
        and x.sub[0].name == i
        and j is not None
        and j != i
        and [w.sub[0].name, w.sub[1].name] in ([j, i], [i, j])
        and w.tag is None
        and x.tag is None
        and not w.primes
        and not x.primes
    ):
        return None
    b: str | None = None
    if bias is not None:
        if not (
            isinstance(bias, parse.Var)
            and bias.tag is None
            and bias.sub
            and len(bias.sub) == 1
            and bias.sub[0].name == j
        ):
            return None
        b = bias.name
    names = [lhs.name, w.name, x.name] + ([b] if b else [])
    if len(set(names)) != len(names):
        return None
    order = "to-from" if w.sub[0].name == j else "from-to"
    if b is not None and subtracted:
        b = "-" + b  # the threshold β_j = −b_j
    return lhs.name, w.name, order, x.name, b


def _letter_per_layer(
    steps: list[Step], costs: list[parse.Node], pre: dict[str, str] | None = None
) -> tuple[tuple[str, str, str, str], ...]:
    """The layers a forward pass with a letter per layer defines (x → h → o): each letter as
    (letter, the notation's quantity, its layer tag, the weights' order), the output at L and each
    layer below it one lower, and the target the letter a cost subtracts from the output.  Empty
    unless the steps form one chain of two or more layers whose letters all differ."""
    if len(steps) < 2:
        return ()
    by_input = {step[3]: step for step in steps}
    outputs = {step[0] for step in steps}
    tops = [out for out in outputs if out not in by_input]
    bottoms = [x for x in by_input if x not in outputs]
    if len(tops) != 1 or len(bottoms) != 1 or len(by_input) != len(steps):
        return ()
    depth = len(steps)
    letter = bottoms[0]
    out: list[tuple[str, str, str, str]] = [(letter, "a", f"L-{depth}", "")]
    for level in range(depth - 1, -1, -1):
        if letter not in by_input:
            return ()
        top, w, order, _, b = by_input[letter]
        tag = "L" if level == 0 else f"L-{level}"
        out.append((top, "a", tag, ""))
        if pre and top in pre:
            out.append((pre[top], "z", tag, ""))  # u_j = Σ v_ji x_i + b_j, h_j = σ(u_j)
        out.append((w, "w", tag, order))
        if b is not None and b.startswith("-"):
            out.append((b[1:], "-b", tag, ""))  # a threshold subtracted: −b of its layer
        elif b is not None:
            out.append((b, "b", tag, ""))
        letter = top
    letters = [x for x, _, _, _ in out]
    target = _target(costs, tops[0])
    if target is not None and target not in letters:
        out.append((target, "y", "", ""))
    if len(set(letters)) != len(letters):
        return ()
    return tuple(out)


def _target(costs: list[parse.Node], output: str) -> str | None:
    """The letter a cost subtracts from the output, or the output from (``(o_k − t_k)^2``), or
    that it names beside the output as a loss's arguments (``\\ell(o, t)``)."""
    for cost in costs:
        called = _called_with(cost)
        if len(called) == 2 and called[0] == output and called[1] != output:
            return called[1]
        for n in walk(cost):
            if isinstance(n, parse.Add) and len(n.terms) == 2:
                first, second = n.terms
                if isinstance(second, parse.Neg):
                    pair = [parse.ungrouped(first), parse.ungrouped(second.arg)]
                    if all(isinstance(v, parse.Var) and v.sub for v in pair):
                        names = [v.name for v in pair if isinstance(v, parse.Var)]
                        if output in names and len(set(names)) == 2:
                            return next(x for x in names if x != output)
    return None


def _delta_sign(lhs: parse.Var, rhs: parse.Node, letters: dict[str, str]) -> str | None:
    """The sign of a definition of δ as a partial of the cost: ``δ_j = −∂E/∂net_j`` (Rumelhart,
    Mitchell, many course notes) is "minus", ``δ_j = ∂C/∂z_j`` "plus"; None when the relation is
    not such a definition (a formula for δ is a claim, never a definition of its sign)."""
    if lhs.name != "delta" and letters.get(lhs.name) != "error":
        return None
    body = rhs.body if isinstance(rhs, parse.Group) else rhs
    sign = "plus"
    if isinstance(body, parse.Neg):
        sign, body = "minus", body.arg
        body = body.body if isinstance(body, parse.Group) else body
        if not isinstance(body, parse.Partial):
            # −∂L/∂a · ∂a/∂z is a formula (the chain rule's, negated), not the author's sign:
            # only δ = −∂C/∂z itself defines δ with a minus sign
            return None
    factors = body.factors if isinstance(body, parse.Mul) else [body]
    if not factors or not all(isinstance(f, parse.Partial) for f in factors):
        return None
    first = factors[0]
    assert isinstance(first, parse.Partial)
    num = first.num
    if not (isinstance(num, parse.Var) and (num.name in COST_CANDIDATES or num.name == "L")):
        return None
    return sign


def _order(lhs: parse.Var, w: parse.Var) -> str | None:
    """The weights' order ``z_j = Σ w a`` writes: to-from (w_ji) or from-to (w_ij), or None."""
    if not (lhs.sub and w.sub and len(w.sub) == 2):
        return None
    j = getattr(lhs.sub[-1], "name", None)
    first_index, second_index = (getattr(x, "name", None) for x in w.sub)
    if j is not None and first_index == j and second_index != j:
        return "to-from"
    if j is not None and second_index == j and first_index != j:
        return "from-to"
    return None


def _role(v: parse.Var, letters: dict[str, str]) -> str | None:
    """What a letter is: the document's own name for it, else the notation's (a, z; A, Z)."""
    return letters.get(v.name) or {
        "a": "activation",
        "A": "activation",
        "z": "preactivation",
        "Z": "preactivation",
    }.get(v.name)


def _activation_definition(
    line: int, lhs: parse.Var, body: parse.Node, col: _Collector, letters: dict[str, str]
) -> None:
    """``a = \\tanh(z)`` and ``a = \\max(0, z)`` fix the hidden layers' activation; an output equal
    to its weighted input, ``y_k = a_k`` (Bishop's linear outputs, ``a^L = z^L``), fixes the output
    layer's as the identity.  σ is the notation's own letter and fixes nothing."""
    arg: parse.Node | None = None
    found = None
    if (
        isinstance(body, parse.Call)
        and not body.primes
        and body.func == "tanh"
        and len(body.args) == 1
    ):
        found, arg = "tanh", body.args[0]
    elif (
        isinstance(body, parse.Call)
        and not body.primes
        and body.func == "max"
        and len(body.args) == 2
        and isinstance(body.args[0], parse.Num)
        and body.args[0].text == "0"
    ):
        found, arg = "relu", body.args[1]
    elif (
        isinstance(body, parse.Call)
        and not body.primes
        and body.func in ("relu", "logistic")
        and len(body.args) == 1
    ):
        found, arg = "relu" if body.func == "relu" else "sigmoid", body.args[0]
    if (
        found is not None
        and isinstance(arg, parse.Var)
        and _role(lhs, letters) == "activation"
        and _role(arg, letters) == "preactivation"
    ):
        col.add(line, "activation", found, f"{_show(lhs)} = {found}(…)")
        col.layer(line, lhs, arg, found)
        return
    output = letters.get(lhs.name) == "output" or (
        _role(lhs, letters) == "activation" and lhs.tag == "L"
    )
    if (
        output
        and isinstance(body, parse.Var)
        and _role(body, letters) == "preactivation"
        and (lhs.sub_raw or "") == (body.sub_raw or "")
        and (lhs.tag or "L") == (body.tag or "L")
    ):
        col.add(line, "output-activation", "identity", f"{_show(lhs)} = {_show(body)}")


def _named_by_the_sum(
    line: int, lhs: parse.Var, inputs: list[parse.Var], col: _Collector, letters: dict[str, str]
) -> None:
    """``\\text{net}_j = Σ_k w_jk \\mathit{out}_k + b_j``: the first weighted sum defines the
    pre-activation, so a letter of the document's own on its left is the pre-activation, and the
    one tagged letter it weighs is the activation (of the layer below)."""
    own = ("a", "z", "y", "b", "w", "W", "delta", "x", "n")
    if lhs.name in own or lhs.name in letters or lhs.tag is None or not lhs.name.isalpha():
        return
    names = {v.name for v in inputs if v.tag is not None}
    if len(names) != 1 or len(inputs) != len([v for v in inputs if v.tag is not None]):
        return
    (act,) = names
    letters[lhs.name] = "preactivation"
    found = f"preactivation:{lhs.name}"
    if act not in own and act not in letters and act.isalpha():
        letters[act] = "activation"
        found += f",activation:{act}"
    col.add(line, "letters", found, f"the weighted sum {_show(lhs)} = Σ w … + b")


def _named_sigmoid(
    line: int, exprs: list[parse.Node], col: _Collector, letters: dict[str, str]
) -> None:
    """``Sigmoid(x) = f(x) = …``: a letter applied to x, equated with σ(x) itself, names σ."""
    sigma = [
        e.args[0]
        for e in exprs
        if isinstance(e, parse.Call)
        and e.func == "sigma"
        and not e.primes
        and len(e.args) == 1
        and isinstance(e.args[0], parse.Var)
    ]
    for e in exprs:
        if (
            sigma
            and isinstance(e, parse.Mul)
            and len(e.factors) == 2
            and isinstance(e.factors[0], parse.Var)
            and isinstance(e.factors[1], parse.Group)
            and isinstance(e.factors[1].body, parse.Var)
        ):
            f, x = e.factors[0], e.factors[1].body
            if (
                len(f.name) == 1
                and f.name.islower()
                and not f.sub
                and f.tag is None
                and not f.primes
                and f.name not in letters
                and f.name not in ("a", "z", "w", "b", "y", "e")
                and any(s.name == x.name for s in sigma)
            ):
                letters[f.name] = "function"
                col.add(
                    line,
                    f"function {f.name}",
                    "the activation",
                    f"{f.name}({x.name}) = σ({x.name})",
                )


def _function_definition(
    line: int, chain: parse.Chain, col: _Collector, letters: dict[str, str]
) -> None:
    """``f(x) = \\max(0, x)``, ``g^{[1]}(x) = \\tanh(x)``, ``f(x) = x``: the document says which
    function its activation letter (a letter its forward pass applies, ``a = f(z)``) is; for every
    layer, or, written with a numbered layer, for that layer.  Only a bare variable, and only a
    function the engine has (tanh, ReLU, the logistic function, the identity)."""
    if len(chain.exprs) < 2 or chain.ops[0] != "=":
        return
    lhs, rhs = parse.ungrouped(chain.exprs[0]), parse.ungrouped(chain.exprs[1])
    if not (
        isinstance(lhs, parse.Mul)
        and len(lhs.factors) == 2
        and isinstance(f := lhs.factors[0], parse.Var)
        and letters.get(f.name) == "function"
        and not f.sub
        and not f.primes
        and isinstance(group := lhs.factors[1], parse.Group)
        and isinstance(x := parse.ungrouped(group.body), parse.Var)
        and not x.sub
        and x.tag is None
    ):
        return
    named = _named_function(rhs, x.name)
    if named is None:
        return
    if f.tag is None:
        col.add(line, "activation", named, f"{f.name}({x.name}) = …")
    elif f.tag.isdigit() and f.tag != "0":
        col.layers.append((line, f.tag, named))


def _named_function(body: parse.Node, x: str) -> str | None:
    """Which activation a formula in the variable x is: tanh(x), max(0, x), ReLU(x), x,
    1/(1+e^{-x}) (the logistic function; σ(x) is the notation's own σ, not named here)."""
    body = parse.ungrouped(body)
    if isinstance(body, parse.Var) and body.name == x and not body.sub and body.tag is None:
        return "identity"
    if isinstance(body, parse.Call) and not body.primes and body.tag is None:
        args = [parse.ungrouped(a) for a in body.args]
        bare = [isinstance(a, parse.Var) and a.name == x and not a.sub for a in args]
        if body.func in ("tanh", "relu", "logistic") and bare == [True]:
            return "sigmoid" if body.func == "logistic" else body.func
        zero = bool(args) and isinstance(args[0], parse.Num) and args[0].text == "0"
        if body.func == "max" and len(args) == 2 and (zero and bare[1]):
            return "relu"
    if _is_logistic(body, x):
        return "sigmoid"
    return None


def _is_logistic(body: parse.Node, x: str) -> bool:
    """``\\frac{1}{1+e^{-x}}``: the logistic function of x."""
    if not (
        isinstance(body, parse.Div) and isinstance(body.num, parse.Num) and body.num.text == "1"
    ):
        return False
    den = parse.ungrouped(body.den)
    if not (
        isinstance(den, parse.Add)
        and len(den.terms) == 2
        and isinstance(den.terms[0], parse.Num)
        and den.terms[0].text == "1"
    ):
        return False
    e = den.terms[1]
    return (
        isinstance(e, parse.Pow)
        and isinstance(e.base, parse.Var)
        and e.base.name == "e"
        and isinstance(e.exp, parse.Neg)
        and isinstance(exponent := parse.ungrouped(e.exp.arg), parse.Var)
        and exponent.name == x
    )


def _sigmoid_definition(line: int, chain: parse.Chain, col: _Collector) -> None:
    """``\\sigma(x) = \\frac{1}{1+e^{-x}}``: the document states that its σ is the logistic function."""
    if len(chain.exprs) < 2 or chain.ops[0] != "=":
        return
    lhs, rhs = chain.exprs[0], parse.ungrouped(chain.exprs[1])
    if not (
        isinstance(lhs, parse.Call)
        and lhs.func == "sigma"
        and not lhs.primes
        and len(lhs.args) == 1
        and isinstance(lhs.args[0], parse.Var)
        and isinstance(rhs, parse.Div)
        and isinstance(rhs.num, parse.Num)
        and rhs.num.text == "1"
    ):
        return
    den = parse.ungrouped(rhs.den)
    x = lhs.args[0].name
    if (
        isinstance(den, parse.Add)
        and len(den.terms) == 2
        and isinstance(den.terms[0], parse.Num)
        and den.terms[0].text == "1"
    ):
        e = den.terms[1]
        if (
            isinstance(e, parse.Pow)
            and isinstance(e.base, parse.Var)
            and e.base.name == "e"
            and isinstance(e.exp, parse.Neg)
            and isinstance(exponent := parse.ungrouped(e.exp.arg), parse.Var)
            and exponent.name == x
        ):
            col.add(line, "activation", "sigmoid", f"σ({x}) = 1/(1 + e^(-{x}))")


def _exponent(node: parse.Node) -> parse.Var | None:
    """x of ``e^{x}`` or ``\\exp(x)`` when x is one quantity."""
    node = parse.ungrouped(node)
    arg: parse.Node | None = None
    if isinstance(node, parse.Pow) and isinstance(node.base, parse.Var) and node.base.name == "e":
        if not node.base.sub and node.base.tag is None:
            arg = node.exp
    elif isinstance(node, parse.Call) and node.func == "exp" and len(node.args) == 1:
        arg = node.args[0]
    arg = parse.ungrouped(arg) if arg is not None else None
    return arg if isinstance(arg, parse.Var) else None


def _softmax_definition(
    line: int, lhs: parse.Var, rhs: parse.Node, col: _Collector, letters: dict[str, str]
) -> None:
    """``p_j = \\frac{e^{o_j}}{\\sum_k e^{o_k}}``: a softmax over the units of one layer, which
    defines p as that layer's activations and o as its weighted inputs.  Read as the output layer
    (a softmax stands there: its activations sum to 1 and feed the loss); only for two letters of
    the document's own, with the same subscripts but for the unit the sum runs over, and
    untagged (tagged letters name their layer themselves)."""
    body = parse.ungrouped(rhs)
    if not (
        isinstance(body, parse.Div)
        and lhs.tag is None
        and lhs.sample is None
        and lhs.sub
        and not lhs.primes
        and lhs.args is None
    ):
        return
    top, den = _exponent(body.num), parse.ungrouped(body.den)
    if top is None or not isinstance(den, parse.SumNode) or den.excluded is not None:
        return
    inner = _exponent(den.body)
    same = (
        inner is not None
        and inner.name == top.name
        and top.tag is None
        and inner.tag is None
        and top.sub
        and inner.sub
        and len(top.sub) == len(inner.sub) == len(lhs.sub)
        and [x.name for x in top.sub] == [x.name for x in lhs.sub]
        and [x.name for x in inner.sub[:-1]] == [x.name for x in top.sub[:-1]]
        and inner.sub[-1].name == den.index
        and top.sub[-1].name != den.index
    )
    own = NOTATION_LETTERS
    if not same or top.name == lhs.name or top.name in own or lhs.name in own:
        return
    if lhs.name in letters or top.name in letters:
        return
    letters[lhs.name] = "output"
    letters[top.name] = "logit"
    col.add(
        line,
        "letters",
        f"output:{lhs.name},logit:{top.name}",
        f"the softmax {_show(lhs)} = e^{{{_show(top)}}} / Σ …",
    )


def _input(
    line: int, lhs: parse.Var, rhs: parse.Node, col: _Collector, letters: dict[str, str]
) -> None:
    """``x = a^{[0]}`` (or the other way round): x is the input layer's activation."""
    for x, a in ((lhs, rhs), (rhs, lhs)):
        if (
            isinstance(x, parse.Var)
            and isinstance(a, parse.Var)
            and a.name == "a"
            and a.tag == "0"
            and len(x.name) == 1
            and x.name not in ("a", "z", "w", "b", "y")
            and not x.sub
            and x.tag is None
            and x.name not in letters
        ):
            letters[x.name] = "input"
            col.add(
                line, f"input {x.name}", "the input layer's activation", f"{_show(x)} = {_show(a)}"
            )


def _hat_output(
    line: int, lhs: parse.Var, rhs: parse.Node, col: _Collector, letters: dict[str, str]
) -> None:
    """``\\hat{y}_j = σ(z^{(L)}_j)`` or ``\\hat{y} = a^L``: a letter with a hat that the document
    defines as the output layer's activation (or as a function of its weighted input) is its
    name for the output a^{(L)}, with the same subscripts.  Only its definition makes it so: a ŷ
    the displays never define stays an error (docs/soundness.md, "A prediction with a hat")."""
    if not lhs.name.startswith("\\hat{") or lhs.name in letters or lhs.tag is not None:
        return
    body = parse.ungrouped(rhs)
    inner = body
    if isinstance(body, parse.Call) and not body.primes and len(body.args) == 1:
        inner = parse.ungrouped(body.args[0])
        wanted = "preactivation"
    else:
        wanted = "activation"
    if (
        isinstance(inner, parse.Var)
        and inner.tag == "L"
        and _role(inner, letters) == wanted
        and not inner.primes
        and (inner.sub_raw or "") == (lhs.sub_raw or "")
    ):
        letters[lhs.name] = "output"
        col.add(line, f"output {lhs.name}", "the output layer's activation", _show(lhs))


def _batch_layout(line: int, lhs: parse.Var, rhs: parse.Node, col: _Collector) -> None:
    """``Z = W A + b`` (Ng): W multiplies from the left, so a batch's examples are its columns;
    ``Z = A W^T + B``: its rows.  Read from the forward pass of a batch (capital Z on the left),
    or from the activation of one, ``A = σ(W A + b)`` (capital A on the left, the activation's
    argument read the same way)."""
    if lhs.name not in ("Z", "A") or lhs.tag is None or lhs.sub:
        return
    if lhs.name == "A":
        while isinstance(rhs, parse.Group):
            rhs = rhs.body
        if isinstance(rhs, parse.Call) and len(rhs.args) == 1 and not rhs.primes:
            rhs = rhs.args[0]
        elif (  # g^{[l]}(…): a letter applied to a bracket
            isinstance(rhs, parse.Mul)
            and len(rhs.factors) == 2
            and isinstance(rhs.factors[0], parse.Var)
            and not rhs.factors[0].sub
            and isinstance(rhs.factors[1], parse.Group)
        ):
            rhs = rhs.factors[1]
        else:
            return
    while isinstance(rhs, parse.Group):
        rhs = rhs.body
    terms = rhs.terms if isinstance(rhs, parse.Add) else [rhs]
    for t in terms:
        names = [
            f.arg.name + "T"
            if isinstance(f, parse.Transpose) and isinstance(f.arg, parse.Var)
            else getattr(f, "name", "")
            for f in (t.factors if isinstance(t, parse.Mul) else [])
        ]
        for w, x in (("W", "A"), ("W", "X")):
            if names[:2] == [w, x]:
                col.add(line, "batch", "columns", f"{_show(lhs)} = {w} {x} + …")
            elif names[:2] == [x, w + "T"]:
                col.add(line, "batch", "rows", f"{_show(lhs)} = {x} {w}ᵀ + …")
            elif names[:2] == [x, w]:
                # A W with examples as rows: W^{(l)} is n_(l-1) × n_(l), its rows the units it
                # comes from, so the weights run from-to (w_{jk} joins j below to k above)
                col.add(line, "batch", "rows", f"{_show(lhs)} = {x} {w} + …")
                col.add(line, "weights", "from-to", f"{_show(lhs)} = {x} {w} + …")


def _is_weighted_sum(lhs: parse.Var, body: parse.Node) -> bool:
    """``Σ_d w x_d + b``, ``W x + b`` or ``Σ_d w x_d``: one weight, no derivative, no function, no
    error term, and the left side a letter that is not the loss or an error term."""
    if lhs.name in ("delta", "L", "Delta") or lhs.name in COST_CANDIDATES or lhs.name.isupper():
        return False
    nodes = list(walk(body))
    if any(
        isinstance(n, (parse.Partial, parse.Call, parse.Nabla, parse.PrimeOf, parse.Norm))
        for n in nodes
    ):
        return False
    names = [v.name for v in _vars(body)]
    return (
        names.count("w") + names.count("W") == 1 and lhs.name not in names and "delta" not in names
    )


def _index_layers(
    pairs: list[tuple[str, str]], outputs: set[str], order: str
) -> tuple[tuple[str, str], ...] | str:
    """Layers of index letters from the weights (to-from: w_pq ties p to the layer above q),
    anchored at the output's index; a letter at two layers is an ambiguity."""
    if len(outputs) != 1:
        return f"the output's index is not one letter ({', '.join(sorted(outputs))})"
    (top,) = outputs
    layer = {top: 0}
    edges = [(p, q) if order == "to-from" else (q, p) for p, q in pairs]
    for _ in range(len(edges) + 1):
        for upper, lower in edges:
            for a, b, d in ((upper, lower, -1), (lower, upper, 1)):
                if a in layer:
                    if b in layer and layer[b] != layer[a] + d:
                        return f"the index {b} stands for two layers"
                    layer.setdefault(b, layer[a] + d)
    return tuple(
        (k, "L" if v == 0 else f"L{v:+d}") for k, v in sorted(layer.items(), key=lambda kv: -kv[1])
    )
