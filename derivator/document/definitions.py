"""What is a definition, and the scalar model a document's definitions build.

A definition gives a name its meaning; a claim says something about names that already have
one.  Read from the syntax tree, before anything is judged:

* anything written as a definition, ``:=``, ``\\coloneqq``, ``\\equiv``, ``\\triangleq`` (unless
  the name stands on its right too: ``w := w − η ∂E/∂w`` is an update, not a definition);
* an equation whose left side is a name the document has not defined yet (the forward pass
  ``net_{h1} = w_1 i_1 + …``, the cost ``E_{total} = …``, a given value ``w_1 = 0.15``, a named
  intermediate ``e = a − y``, a function ``g(x) = x^2``), except δ, which is defined only as a
  partial of the cost (``δ_{o1} = ∂E/∂net_{o1}``, with its sign): a formula for δ is a claim;
* never a formula for a standard function (σ, tanh, exp: ``σ(z) = 1/(1+e^{z})`` is a claim and
  is refuted), a partial derivative, or a name already defined (a restatement is a claim about
  it, judged against the first definition: Mazur's second ``net_{h1}`` with ``w_3`` is refuted).

Definitions whose two sides are scalars (no index that runs over a layer, no layer tag) build a
:class:`engine.scalar.ScalarModel`, in which the relations about those names are judged.  A
definition the scalar model cannot take (a sum over units, an indexed weight) is left to the
network reading (``interpret``), where it is a definition of the network's model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef

from ..engine import Outcome, precision, scalar_audit
from ..engine.activations import ELEMENTARY
from ..engine.notation import LAYERED
from ..engine.scalar import (
    Judgement,
    NotBuilt,
    ScalarModel,
    ScalarPartial,
    applied_prime,
    rounding_slack,
    unit_of,
)
from ..engine.scalar import siblings as scalar_siblings
from . import cases, decimals, inference, parse
from .parse import walk

#: operators that say "is defined as"
DEFINING_OPS = (":=", "≡", "≜")
#: cost letters written as one capital
COST_CAPITALS = {"C", "E", "J", "L"}
#: words a document writes with subscripts that are no names (\text{…} is read apart)
NOT_WORDS = {"exp", "log", "ln", "max", "min", "tanh", "sin", "cos", "sum", "lim", "arg", "in"}
_WORD = re.compile(r"(?<![\\A-Za-z])([A-Za-z]{2,})(?=\s*_)")


class NotScalar(ValueError):
    """A relation the scalar model cannot read (a sum, an indexed quantity, a matrix …)."""


def words(texts: list[str]) -> frozenset[str]:
    """Names of several letters the document writes with a subscript (``net_{h1}``, ``out_{o1}``,
    ``target_{o1}``): one name each in the scalar reading."""
    found = {m.group(1) for t in texts for m in _WORD.finditer(t)}
    return frozenset(w for w in found if w.lower() not in NOT_WORDS)


def name_of(v: parse.Var) -> str | None:
    """The scalar name a letter stands for (``out_{o1}``, ``w_5``, ``x``), or None when it is not
    a scalar: a layer tag, a sample, an index that runs (``a_j``), a capital that is a matrix."""
    if v.tag is not None or v.sample is not None or v.transposed or v.args is not None:
        return None
    if len(v.name) == 1 and v.name.isupper() and v.name not in COST_CAPITALS:
        return None
    raw = v.sub_raw
    if raw is not None:
        raw = raw.strip()
        plain = re.fullmatch(r"[A-Za-z0-9]+", raw)
        if not plain or not (any(c.isdigit() for c in raw) or len(raw) >= 3):
            return None
    base = v.name.removeprefix("\\mathcal{").removesuffix("}") if "mathcal" in v.name else v.name
    mark = "^{+}" if base.endswith("^{+}") else ""  # w_5^{+}: the updated value, a name apart
    return base.removesuffix(mark) + (f"_{{{raw}}}" if raw else "") + mark


def kind_of(name: str) -> str:
    """The kind of a name: its letters before the subscript (``out`` for ``out_{o1}``)."""
    mark = "^{+}" if name.endswith("^{+}") else ""  # w_5^{+} is of a kind of its own
    return name.split("_", 1)[0].removesuffix(mark) + mark


@dataclass
class Site:
    """One definition: its place, the name it defines, and whether the model holds it."""

    line: int
    step: int
    name: str
    built: bool = True
    why: str = ""
    #: the operator it is written with (``=``, ``:=`` …)
    written: str = "="


@dataclass(frozen=True)
class Conflict:
    """A defined name restated differently at ``place``: a new definition or a wrong
    restatement, which the text does not tell apart.  ``line``: the line of the definition in
    force there; ``again``: what the restatement says the name is (the second reading).  It holds
    from its place until the name's next definition (a redefinition governs what follows it)."""

    name: str
    place: tuple[int, int]
    line: int
    again: sp.Expr


@dataclass
class Model:
    """A document's scalar model and where its definitions stand (picklable: it goes to the
    workers with each block)."""

    #: (block line, step) → the definition there
    sites: dict[tuple[int, int], Site] = field(default_factory=dict)
    words: frozenset[str] = frozenset()
    #: the names of functions the document applies (``f(g(x))``) and those it defines
    functions: set[str] = field(default_factory=set)
    #: every definition in reading order: (place, name, formula, value or function)
    versions: list[tuple[tuple[int, int], str, sp.Expr | sp.Lambda]] = field(default_factory=list)
    #: equations that restate a defined name differently (:class:`Conflict`), in reading order:
    #: from each on, until the name's next definition, what uses the name is judged in both
    #: readings (``judge_restated``)
    conflicts: list[Conflict] = field(default_factory=list)
    #: places of restatements refuted in the model in force and made only of names it knows:
    #: a claim (a slip such as Mazur's w_3 for w_2), reported refuted
    slips: set[tuple[int, int]] = field(default_factory=set)
    #: name → (place of its definition, value): the number a definition's chain ends with
    #: (``net_{h1} = w_1 i_1 + … = 0.15 · 0.05 + … = 0.3775``), the value the document states
    stated: dict[str, tuple[tuple[int, int], sp.Expr]] = field(default_factory=dict)
    #: (the place stored with each stated value is the chain's last step: the value is used
    #: only after it, so a chain's own steps are never judged by the value it ends with)
    #: (block line, step) → the name a definition of the network's model defines there (the
    #: forward pass, the cost, δ as a partial, a new name): judged in the network reading, it is
    #: ``defined`` when the model satisfies it, and what uses its name is not judged otherwise
    network: dict[tuple[int, int], str] = field(default_factory=dict)
    #: (block line, step) → the text of each definition of the network's model, as written
    said: dict[tuple[int, int], str] = field(default_factory=dict)
    #: the letters the document uses as indices (:func:`cases.index_letters`): one given a
    #: whole number (``j = 1``) states a case, no definition, no claim, no value for anything
    indices: frozenset[str] = frozenset()
    #: whether the document states any such case
    has_cases: bool = False

    def fingerprint(self, place: tuple[int, int]) -> str:
        """What a relation at ``place`` is judged with from the document's definitions, as one
        string for the cache key of its verdict: every definition (scalar and network, as read or
        as written), in reading order, and how many stand before the place (a redefinition
        governs what follows it).  Two documents that share a relation's text but define its
        names differently never share its verdict."""
        defs = sorted(
            [(where, name, sp.srepr(payload)) for where, name, payload in self.versions]
            + [(where, name, self.said.get(where, "")) for where, name in self.network.items()]
        )
        before = sum(where < place for where, _, _ in defs)
        data = [
            [[name, text] for _, name, text in defs],
            before,
            [[c.name, list(c.place), c.line, sp.srepr(c.again)] for c in self.conflicts],
            sorted((k, list(w), sp.srepr(v)) for k, (w, v) in self.stated.items()),
            sorted(self.words),
            sorted(self.functions),
        ]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def at(self, place: tuple[int, int], restated: frozenset[str] = frozenset()) -> ScalarModel:
        """The model in force at a place: each name's last definition before it (a redefinition
        governs what follows it), or its first one when the document defines it only later.
        ``restated``: names taken as their conflicting restatement says instead (the second
        reading of a name restated differently)."""
        chosen: dict[str, tuple[tuple[int, int], sp.Expr | sp.Lambda]] = {}
        for where, name, payload in self.versions:
            ahead = isinstance(payload, sp.Lambda) or payload.is_number
            if where < place or (name not in chosen and not ahead):
                # a formula defined further on still gives its name a meaning; a function or a
                # given value counts only from where it is written (f is often reused)
                chosen[name] = (where, payload)
        for name in restated:
            hit = self.conflict_at(name, place)
            assert hit is not None
            chosen[name] = (hit.place, hit.again)
        stated = {
            sp.Symbol(name): (value, where[0])
            for name, (where, value) in self.stated.items()
            if where < place and name not in restated
        }
        scalar = ScalarModel(stated=stated)
        for name, (where, payload) in chosen.items():
            sym = sp.Symbol(name)
            scalar.lines[sym] = where[0]
            if isinstance(payload, sp.Lambda):
                scalar.functions[name] = payload
            elif payload.is_number:
                scalar.values[sym] = payload
            else:
                scalar.formulas[sym] = payload
        # out_{h2} = 0.5968… beside out_{h1} = σ(net_{h1}), or E_{o1} used in E_{total} = E_{o1} +
        # E_{o2} but never written out: a quantity of a kind the document computes, whose own
        # dependence on the others is not written
        kinds = {kind_of(str(x)) for x in scalar.formulas}
        for x in scalar.known() - set(scalar.formulas):
            if kind_of(str(x)) in kinds:
                scalar.opaque.add(x)
        # z_2 = a_1 \cdot W_2^T + b_2 read (or refused) as the network's: not a leaf of its own here
        elsewhere = {_plain(name): where[0] for where, name in self.network.items()}
        for x in scalar.known() - set(scalar.formulas) - set(scalar.values):
            if _plain(str(x)) in elsewhere:
                scalar.unread.add(x)
                scalar.lines.setdefault(x, elsewhere[_plain(str(x))])
        return scalar

    def in_force(
        self, name: str, place: tuple[int, int]
    ) -> tuple[tuple[int, int], sp.Expr | sp.Lambda]:
        """The definition of ``name`` in force at ``place`` (its last before it, or its first when
        the document defines it only later): (its place, its formula)."""
        mine = [(where, payload) for where, n, payload in self.versions if n == name]
        before = [v for v in mine if v[0] < place]
        return before[-1] if before else mine[0]

    def conflict_at(self, name: str, place: tuple[int, int]) -> Conflict | None:
        """The restatement of ``name`` that differs and is in force at ``place``: the last one at
        or before it, unless a definition of the name stands between (it governs from there)."""
        hits = [c for c in self.conflicts if c.name == name and c.place <= place]
        if not hits:
            return None
        hit = hits[-1]
        if any(n == name and hit.place < where < place for where, n, _ in self.versions):
            return None
        return hit

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.sites.values() if s.built}

    def reading(self, base: parse.Reading) -> parse.Reading:
        return replace(base, words=base.words | self.words)

    def explain(self) -> list[str]:
        """What ``check --explain`` prints about the scalar model."""
        out = []
        for (line, _), name, payload in self.versions:
            if isinstance(payload, sp.Lambda):
                out.append(f"{line}: {name} := {payload}")
            elif payload.is_number:
                out.append(f"{line}: {name} = {payload} (given)")
            else:
                out.append(f"{line}: {name} := {payload}")
        return out


def _plain(name: str) -> str:
    """A name without the braces of its subscript (z_{2} and z_2 are one name)."""
    return name.replace("{", "").replace("}", "")


# ---------------------------------------------------------------------------------------------
# reading a side in the scalar model


@dataclass
class Reader:
    """Syntax tree → SymPy in a scalar model: names are symbols, functions applied or generic."""

    model: Model
    #: the model in force where the relation stands (its functions' variables)
    scalar: ScalarModel = field(default_factory=ScalarModel)

    def symbol(self, v: parse.Var) -> sp.Expr:
        name = name_of(v)
        if name is None or v.primes:
            raise NotScalar(v.name)
        if name == "e":
            raise NotScalar("e")
        if name in self.model.functions:
            lam = self.scalar.functions.get(name)
            if (
                lam is None
            ):  # a function the document applies but never defines: ∂f/∂x means nothing
                raise NotScalar(name)
            return sp.Function(name)(*lam.variables)  # f of ∂f/∂x: f of its own variables
        return sp.Symbol(name)

    def read(self, node: parse.Node) -> sp.Expr:
        if isinstance(node, parse.Num):
            return sp.Rational(Fraction(node.text))
        if isinstance(node, parse.Var):
            if node.name == "e" and not node.sub:
                return sp.E
            return self.symbol(node)
        if isinstance(node, parse.Group):
            return self.read(node.body)
        if isinstance(node, parse.Neg):
            return -self.read(node.arg)
        if isinstance(node, parse.Add):
            return sp.Add(*[self.read(t) for t in node.terms])
        if isinstance(node, parse.Mul):
            return self.product(node)
        if isinstance(node, parse.Div):
            d = self.derivative(node)
            if d is not None:
                return d
            den = self.read(node.den)
            if den == 0:
                raise NotScalar("division by zero")
            return self.read(node.num) / den
        if isinstance(node, parse.Norm):
            # ‖x‖ of a scalar is its absolute value (the Euclidean norm of one entry)
            return sp.Abs(self.read(node.arg))
        if isinstance(node, parse.Pow):
            exp = self.read(node.exp)
            if (
                isinstance(parse.ungrouped(node.base), parse.Norm)
                and exp.is_Integer
                and exp % 2 == 0
            ):
                # ‖x‖² of a scalar is x² (an even power of |x|): the squared error as written
                base = self.read(parse.ungrouped(node.base).arg)  # type: ignore[union-attr]
                return base**exp
            base = self.read(node.base)
            if exp.is_Integer and abs(int(exp)) > 64:
                raise NotScalar("power")
            return sp.exp(exp) if base == sp.E else base**exp
        if isinstance(node, parse.Call):
            return self.call(node)
        if isinstance(node, parse.Partial):
            return self.partial(self.read(node.num), node.den)
        raise NotScalar(type(node).__name__)

    def product(self, node: parse.Mul) -> sp.Expr:
        if node.hadamard:
            raise NotScalar("⊙")
        out: list[sp.Expr] = []
        fs = node.factors
        k = 0
        while k < len(fs):
            f, after = fs[k], fs[k + 1] if k + 1 < len(fs) else None
            if (
                isinstance(f, parse.Var)
                and isinstance(after, parse.Group)
                and after.bracket == "("
                and self.is_function(f)
            ):
                out.append(self.apply(f, after.body))
                k += 2
                continue
            out.append(self.read(f))
            k += 1
        return sp.Mul(*out)

    def is_function(self, v: parse.Var) -> bool:
        name = name_of(replace_primes(v))
        return name is not None and name in self.model.functions

    def apply(self, f: parse.Var, arg: parse.Node) -> sp.Expr:
        name = name_of(replace_primes(f))
        assert name is not None
        inner = parse.ungrouped(arg)
        if isinstance(inner, parse.Args):  # f(x, y): a function of several variables
            if f.primes:
                raise NotScalar(name + "′ of several variables")
            return sp.Function(name)(*[self.read(x) for x in inner.items])
        x = self.read(arg)
        if f.primes:
            return applied_prime(name, x, f.primes)
        return sp.Function(name)(x)

    def call(self, node: parse.Call) -> sp.Expr:
        args = [self.read(a) for a in node.args]
        if node.func == "sigma" and len(args) == 1:
            # σ of a scalar note is the logistic function (written out: the model goes to the
            # workers, and a SymPy function class of our own does not travel)
            s = 1 / (1 + sp.exp(-args[0]))
            return s * (1 - s) if node.primes else s
        if node.primes:
            raise NotScalar(node.func + "′")
        if node.func in ("max", "min"):
            return (sp.Max if node.func == "max" else sp.Min)(*args)
        if node.func not in ELEMENTARY or len(args) != 1:
            raise NotScalar(node.func)
        return ELEMENTARY[node.func](args[0])

    def derivative(self, node: parse.Div) -> sp.Expr | None:
        """``\\frac{dz}{dx}``, read as d·z / d·x by the parser: the derivative dz/dx."""
        num, den = parse.ungrouped(node.num), parse.ungrouped(node.den)
        if not (
            isinstance(den, parse.Mul)
            and len(den.factors) == 2
            and isinstance(den.factors[0], parse.Var)
            and den.factors[0].name == "d"
            and not den.factors[0].sub
            and isinstance(den.factors[1], parse.Var)
        ):
            return None
        if isinstance(num, parse.Mul) and len(num.factors) == 2:
            d, what = num.factors
            if isinstance(d, parse.Var) and d.name == "d" and not d.sub:
                return self.partial(self.read(what), den.factors[1])
        return None

    def partial(self, num: sp.Expr, den: parse.Node) -> sp.Expr:
        den = parse.ungrouped(den)
        if not isinstance(den, parse.Var):
            raise NotScalar("∂/∂(expression)")
        x = self.symbol(den)
        if not isinstance(x, sp.Symbol):
            raise NotScalar("∂/∂f")
        return ScalarPartial(num, x)


def replace_primes(v: parse.Var) -> parse.Var:
    return parse.Var(v.name, v.sub, v.tag, 0, v.pos, v.sub_raw, v.transposed, v.sample, v.args)


# ---------------------------------------------------------------------------------------------
# the first walk: which relations are definitions, and the scalar model they build


def defined_name(lhs: parse.Node, model: Model) -> tuple[str, list[str]] | None:
    """The name a left side would define, and a function's variables (``g(x)``: ("g", ["x"]))."""
    lhs = parse.ungrouped(lhs)
    if isinstance(lhs, parse.Var) and not lhs.primes:
        name = name_of(lhs)
        return (name, []) if name else None
    if (
        isinstance(lhs, parse.Mul)
        and len(lhs.factors) == 2
        and isinstance(lhs.factors[0], parse.Var)
        and not lhs.factors[0].primes
        and isinstance(lhs.factors[1], parse.Group)
        and lhs.factors[1].bracket == "("
    ):
        f, arg = lhs.factors[0], parse.ungrouped(lhs.factors[1].body)
        items = arg.items if isinstance(arg, parse.Args) else [arg]  # f(x, y): several
        names = [name_of(x) if isinstance(x, parse.Var) else None for x in items]
        fname = name_of(f) or _parametrised(f, names)
        distinct = len(set(names)) == len(names)  # f(x, x) names no function
        if (
            fname
            and len(fname) <= 4
            and all(names)
            and distinct
            and _free_for_function(fname, model)
        ):
            return fname, [x for x in names if x]
    return None


def _names_in(node: parse.Node) -> set[str]:
    """The scalar names and the functions a side writes."""
    names = {
        name_of(replace_primes(n))
        for n in walk(node)
        if isinstance(n, parse.Var) and not (n.name == "e" and not n.sub)  # e: Euler's number
    }
    return {n for n in names if n} | _applied(node)


def _parametrised(f: parse.Var, variables: list[str | None]) -> str | None:
    """``f_c(x) = c + x``, ``f_a(x) = a x`` (CS231n): the function f of x, with the letter in
    its subscript a parameter the definition names (any real value: a claim about f holds for
    every c), never a variable of the function nor a layer; the notation's own quantities (a_j,
    z_j, y_j …) take an index in the subscript, never a parameter."""
    raw = (f.sub_raw or "").strip()
    if (
        len(f.name) == 1
        and f.name.islower()
        and f.name not in (*LAYERED, "y", "x")
        and f.tag is None
        and f.sample is None
        and re.fullmatch(r"[A-Za-z]", raw)
        and raw not in variables
    ):
        return f.name
    return None


def _free_for_function(name: str, model: Model) -> bool:
    """May ``name(x, …) = …`` define the function ``name`` here?  When the name is not defined
    yet, or is a function already: a letter such as f is reused from one example to the next
    (f(x) = 1/x, then f(x) = e^x), and each definition governs what follows it (``Model.at``)."""
    if name not in model.names:
        return True
    return any(n == name and isinstance(p, sp.Lambda) for _, n, p in model.versions)


def defines_delta(rhs: parse.Node) -> bool:
    """Whether ``δ = rhs`` can define δ: only as a partial of the cost (with its sign); any other
    formula for δ is a claim about it, never a definition (nor a redefinition)."""
    return _only_partials(rhs)


def _only_partials(node: parse.Node) -> bool:
    """δ's right side when it defines δ: a partial, its negative, or a product of partials."""
    node = parse.ungrouped(node)
    if isinstance(node, parse.Neg):
        return _only_partials(node.arg)
    if isinstance(node, parse.Partial):
        return True
    if isinstance(node, parse.Div):
        return Reader(Model()).derivative(node) is not None
    return isinstance(node, parse.Mul) and all(_only_partials(f) for f in node.factors)


def _applied(node: parse.Node) -> set[str]:
    """Names applied to a bracket as functions (``f(g(x))``, ``\\phi_1(u_1)``, ``f'(u)``)."""
    out = set()
    for n in walk(node):
        if isinstance(n, parse.Mul):
            for f, after in zip(n.factors, n.factors[1:]):
                if (
                    isinstance(f, parse.Var)
                    and isinstance(after, parse.Group)
                    and after.bracket == "("
                    and (f.primes or len(f.name) == 1 or f.name in ("phi", "psi", "ell"))
                    and f.name.islower()
                    and f.name != "e"
                ):
                    name = name_of(replace_primes(f))
                    if name:
                        out.add(name)
    return out


_INDEXES = set("ijklmnpq")


def _bare(node: parse.Node) -> str | None:
    node = parse.ungrouped(node)
    return node.name if isinstance(node, parse.Var) and not node.sub and node.tag is None else None


def build(
    relations: list[tuple[int, int, parse.Node, str, parse.Node]],
    texts: list[str],
    indices: frozenset[str] = frozenset(),
) -> Model:
    """The scalar model of a document from its relations in reading order,
    ``(block line, step, left side, operator, right side)``.

    A name is defined once; an equation for it after that restates it (a claim), except a
    function (``f(x) = 1/x``, later ``f(x) = e^x``: each example's f governs what follows it) and
    a name restated beside new names it is now made of (``u = g(x), v = m(u), z = f(v)`` after
    ``z = f(g(x))``): a new example, which governs what follows it too.  ``indices``: the
    document's index letters, whose case statements (``j = 1``, :mod:`cases`) define nothing."""
    model = Model(words=words(texts), indices=indices)
    model.has_cases = cases.any_case(relations, indices)
    for *_, lhs, _, rhs in relations:
        model.functions |= _applied(lhs) | _applied(rhs)
    reader = Reader(model)
    restated = _define(relations, model, reader)
    _settle(restated, model, reader)
    return model


Restated = list[tuple[int, int, str, parse.Node, parse.Node]]


def _define(
    relations: list[tuple[int, int, parse.Node, str, parse.Node]], model: Model, reader: Reader
) -> Restated:
    """The definitions in reading order, into ``model``; returns the restatements of names
    already defined (claims, settled by :func:`_settle` once every definition is known)."""
    fresh: dict[int, set[str]] = {}  # block line → names first defined in that block
    at_place = {(ln, st): (lhs, op, rhs) for ln, st, lhs, op, rhs in relations}
    restated: Restated = []
    seen: set[str] = set()  # every name written in the blocks before the current one
    seen_line, block_names = -1, set[str]()
    for line, step, lhs, op, rhs in relations:
        if line != seen_line:
            seen |= block_names
            seen_line, block_names = line, set()
        block_names |= _names_in(lhs) | _names_in(rhs)
        if op not in ("=", *DEFINING_OPS) or cases.case_of(lhs, op, rhs, model.indices):
            continue
        target = defined_name(lhs, model)
        if target is None:
            continue
        name, variables = target
        if name in _INDEXES and _bare(rhs) in _INDEXES:
            continue  # i = j: which indices a formula is stated for, not a quantity
        if name.startswith("delta") and not _only_partials(rhs):
            continue  # a formula for δ is a claim; δ is defined as a partial of the cost
        if not variables and any(
            isinstance(n, parse.Var) and name_of(n) == name for n in walk(rhs)
        ):
            continue  # an update (w := w − η …), not a definition
        known = name in model.names
        if known and not variables and op not in DEFINING_OPS:
            # (written as a definition, := or \equiv, it defines the name anew from its line on)
            around = fresh.get(line, set()) - {name}
            uses = {name_of(n) for n in walk(rhs) if isinstance(n, parse.Var)}
            # made of a name no block before wrote (z = f(h(m(g(x)))) after z = f(g(x))): a
            # new example, never a claim about the old one, whose model has no such name
            unseen = _names_in(rhs) - seen
            if not (around & uses) and not unseen:
                restated.append((line, step, name, lhs, rhs))
                continue  # a restatement: a claim about a name already defined
        try:
            if variables:
                body = reader.read(rhs)
                payload: sp.Expr | sp.Lambda = sp.Lambda(
                    tuple(sp.Symbol(x) for x in variables), body
                )
                model.functions.add(name)
            else:
                payload = reader.read(rhs)
                if not (payload.free_symbols or payload.atoms(sp.Function) or payload.is_number):
                    continue
                if (
                    name == "L"
                    and not payload.atoms(sp.Function)
                    and {str(x) for x in payload.free_symbols} <= {"n"}
                ):
                    # the notation's mean cost given as a number (L = 1/n): the network has its
                    # own L, which the network reading judges this definition against
                    continue
        except (NotScalar, NotBuilt, parse.ReadError, TypeError, ValueError, ZeroDivisionError):
            # not a scalar definition: the network reading has it; the value its chain ends
            # with (z_2 = a_1 \cdot W_2^T + b_2 = … ≈ 1.1835) is still the value the document
            # states for it, from which what the scalar model computes from z_2 is judged
            end = _chain_value(at_place, line, step, rhs)
            if end is not None and not variables:
                model.stated.setdefault(name, ((line, end[0]), end[1]))
            continue
        if not known:
            fresh.setdefault(line, set()).add(name)
        model.sites[line, step] = Site(line, step, name, written=op)
        model.versions.append(((line, step), name, payload))
        end = _chain_value(at_place, line, step, rhs)
        if end is not None and isinstance(payload, sp.Expr) and not payload.is_number:
            model.stated.setdefault(name, ((line, end[0]), end[1]))
    return restated


def _anew(model: Model, name: str, place: tuple[int, int], op: str) -> str:
    """Why a definition of a name defined before defines it anew (what ``check`` says beside
    it), or "" for a first definition."""
    before = [where for where, n, _ in model.versions if n == name and where < place]
    if not before:
        return ""
    if name in model.functions:
        how = "a function defined again"
    elif op in DEFINING_OPS:
        how = "written as a definition"
    else:
        how = "a new example, in names new here"
    return f"{how}: it governs from here on (line {before[-1][0]} defined it before)"


@dataclass
class _Differs:
    """A restatement that differs from the definition in force at its place."""

    place: tuple[int, int]
    name: str
    line: int  # the line of the definition in force
    again: sp.Expr
    verdict: Outcome


def _settle(restated: Restated, model: Model, reader: Reader) -> None:
    """Each restatement against the definition in force at its place, a display at a time:
    proved ones are claims that hold; one that writes the name out anew (a sub-cost written out),
    an example of a general form or the general form of an example, and the restatements that
    write a whole example anew in one display (a name beside what it is computed from) become
    versions; a value for a computed name stays a claim; any other difference is a conflict (a
    slip when refuted in known names), whose claims are judged in both readings."""
    for line in dict.fromkeys(ln for ln, *_ in restated):
        differs = []
        for _, step, name, lhs, rhs in (r for r in restated if r[0] == line):
            found = _settle_one((line, step), name, lhs, rhs, model, reader)
            if found is not None:
                differs.append(found)
        whole = _whole_example(differs)
        for d in differs:
            if d.place in whole:
                _version(model, d.place, d.name, d.again, whole[d.place])
            elif model.conflict_at(d.name, d.place) is None:
                if d.verdict == Outcome.REFUTED and _known(d.again, model, d.place):
                    model.slips.add(d.place)
                model.conflicts.append(Conflict(d.name, d.place, d.line, d.again))


def _version(model: Model, place: tuple[int, int], name: str, again: sp.Expr, why: str) -> None:
    """A restatement that defines its name anew from its place on."""
    model.sites[place] = Site(place[0], place[1], name, why=why)
    model.versions.append((place, name, again))
    # ``Model.at`` takes each name's last version before a place: versions stand in reading
    # order (a stable sort keeps one place's versions as they came)
    model.versions.sort(key=lambda version: version[0])


def _settle_one(
    place: tuple[int, int],
    name: str,
    lhs: parse.Node,
    rhs: parse.Node,
    model: Model,
    reader: Reader,
) -> _Differs | None:
    """One restatement: settled here (a claim that holds, a version, a value), or what differs."""
    first = model.in_force(name, place)
    try:
        again = reader.read(rhs)
    except (NotScalar, NotBuilt, TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    try:
        verdict: Outcome | None = judge(lhs, rhs, model, place).verdict
    except (NotScalar, NotBuilt, TypeError, ValueError, ArithmeticError, RecursionError):
        verdict = None  # (a leaf first met here: target_{o2} in the written-out sub-cost)
    if verdict == Outcome.PROVED:
        return None
    why = (
        _writes_out(first[1], again, model, place, first[0][0])
        or _specialises(first[1], again, model, place, first[0][0])
        if verdict in (Outcome.UNKNOWN, None)
        else ""
    )
    if why:
        _version(model, place, name, again, why)
        return None
    if verdict is None:
        return None
    if (
        again.is_number
        and isinstance(first[1], sp.Expr)
        and not first[1].is_number
        and not first[1].atoms(AppliedUndef)
    ):
        # a number for a name the document computes (out_{h1} = 0.5932… after its formula):
        # a claim about its value, judged at the precision shown, never a new example
        return None
    return _Differs(place, name, first[0][0], again, verdict)


def _whole_example(differs: list[_Differs]) -> dict[tuple[int, int], str]:
    """The restatements of one display that write a whole example anew, each with why: a name
    restated differently beside a different restatement of a name its formula is computed from
    (``z = x + y, x = 1, y = 4`` after ``z = x y, x = 2, y = 3``).  A slip is one formula gone
    wrong; a display that changes a quantity and what it is computed from, together, sets up
    another example (docs/soundness.md, "When an equation defines")."""
    out: dict[tuple[int, int], str] = {}
    for d in differs:
        linked = sorted(
            e.name
            for e in differs
            if e is not d
            and (
                sp.Symbol(e.name) in d.again.free_symbols
                or sp.Symbol(d.name) in e.again.free_symbols
            )
        )
        if linked:
            out[d.place] = (
                f"a new example, written whole with {', '.join(linked)} on this line: it governs "
                f"from here on (line {d.line} defined it before)"
            )
    return out


def _specialises(
    first: sp.Expr | sp.Lambda,
    again: sp.Expr,
    model: Model,
    place: tuple[int, int],
    line: int,
) -> str:
    """Why a restatement that the definition in force cannot decide defines its name anew from
    its place on (an example of a general form, or the general form of an example), or "".

    ``z = f(x, y)`` with f a function the document applies but has not defined there, then
    ``z = \\sin(x^2 + y^2)``; or the other way round.  Exactly one of the two formulas applies a
    function left open, and the restatement writes only names the definition in force depends
    on: it speaks of the same quantity in the same variables, and it cannot be a step computed
    from the definition (no computation turns an arbitrary f into a sine, nor a sine into an
    arbitrary f).  Nor can the definition in force refute it: f is arbitrary there.  So it says
    what the definition left open (the text's "take f = sin"), or leaves open what it fixed (a
    general form after its example); docs/soundness.md, "When an equation defines"."""
    if isinstance(first, sp.Lambda) or first.is_number or again.is_number:
        return ""
    scalar = model.at(place)

    def open_functions(e: sp.Expr) -> set[str]:
        return {str(f.func) for f in e.atoms(AppliedUndef)} - set(scalar.functions)

    # each written out down to the names the restatement writes (z = f(w), w = h(v) … in force,
    # z = 9x^2 restated: f(h(m(g(x)))), with the functions defined by then applied)
    keep = frozenset(s for s in again.free_symbols if isinstance(s, sp.Symbol))
    try:
        before = open_functions(scalar.expand(first, keep))
        after = open_functions(scalar.expand(again, keep))
    except (NotBuilt, TypeError, ValueError, ArithmeticError, RecursionError):
        return ""
    if bool(before) == bool(after) or not again.free_symbols <= _reach(first, scalar):
        return ""
    if before:
        return (
            f"an example of its definition (line {line}), which leaves "
            + ", ".join(sorted(before))
            + " open"
        )
    return f"the general form of its definition (line {line}), with " + ", ".join(sorted(after))


def _reach(e: sp.Expr, scalar: ScalarModel) -> set[sp.Basic]:
    """The names e depends on through the definitions in force (e's own, and theirs)."""
    out: set[sp.Basic] = set()
    todo = list(e.free_symbols)
    while todo:
        x = todo.pop()
        if x in out:
            continue
        out.add(x)
        formula = scalar.formulas.get(x)
        if formula is not None:
            todo += list(formula.free_symbols)
    return out


def _writes_out(
    first: sp.Expr | sp.Lambda,
    again: sp.Expr,
    model: Model,
    place: tuple[int, int],
    line: int,
) -> str:
    """Why a restatement that the model cannot decide writes its name out (a refinement, which
    then defines the name from its place on), or "".  ``E_{total} = E_{o1} + E_{o2}`` with
    E_{o2} given only by its value, then ``E_{total} = ½(target_{o1} − out_{o1})² +
    ½(target_{o2} − out_{o2})²``: the restatement is the definition with each value-only quantity
    written as its numbered sibling is (E_{o2} as E_{o1}, o2 for o1), exactly, and it agrees
    with the definition at the document's values wherever those give both a value."""
    if isinstance(first, sp.Lambda) or first.is_number:
        return ""
    scalar = model.at(place)
    written: dict[sp.Symbol, sp.Expr] = {}
    twins: list[str] = []
    for y in sorted(first.free_symbols & scalar.opaque, key=str):
        assert isinstance(y, sp.Symbol)
        twin = next((x for x in sorted(scalar.formulas, key=str) if scalar_siblings(x, y)), None)
        if twin is None:
            return ""
        written[y] = _renamed_unit(scalar.formulas[twin], twin, y)
        twins.append(f"{y} as {twin} is written")
    if not written:
        return ""
    try:
        if sp.simplify(scalar.expand(first.xreplace(written)) - scalar.expand(again)) != 0:
            return ""
    except (NotBuilt, TypeError, ValueError, ArithmeticError, RecursionError):
        return ""
    if _differs_at_values(first, again, scalar):
        return ""
    return f"writes out its definition (line {line}) with " + ", ".join(twins)


def _renamed_unit(formula: sp.Expr, twin: sp.Symbol, y: sp.Symbol) -> sp.Expr:
    """``formula`` of the unit ``twin`` written for the unit of ``y``: every quantity at twin's
    unit (its subscript) taken at y's (target_{o1} → target_{o2})."""
    a, b = unit_of(twin), unit_of(y)
    assert a is not None and b is not None
    old, new = f"_{{{a[1]}{a[2]}}}", f"_{{{b[1]}{b[2]}}}"
    return formula.xreplace(
        {
            s: sp.Symbol(s.name.removesuffix(old) + new)
            for s in formula.free_symbols
            if isinstance(s, sp.Symbol) and s.name.endswith(old)
        }
    )


def _differs_at_values(first: sp.Expr, again: sp.Expr, scalar: ScalarModel) -> bool:
    """Do the two formulas differ at the document's values, by more than the rounding of the
    value-only quantities (one unit of each one's last digit, through its slope) allows?  False
    when the values do not give both."""
    try:
        a, b = scalar.expand(first), scalar.expand(again)
    except (NotBuilt, TypeError, ValueError):
        return False
    diff = a - b
    if diff.xreplace(scalar.values).free_symbols:
        return False
    slack = rounding_slack(diff, scalar.values, scalar.opaque)
    gap = abs(diff.xreplace(scalar.values))
    try:
        return bool(sp.N(gap, 30) > sp.N(slack, 30) + sp.Float("1e-25"))
    except (TypeError, ValueError):
        return False


def _chain_value(
    at_place: dict[tuple[int, int], tuple[parse.Node, str, parse.Node]],
    line: int,
    step: int,
    rhs: parse.Node,
) -> tuple[int, sp.Expr] | None:
    """The number a definition's chain ends with (``X = formula = … = 0.3775``, or ``≈ 0.7692``),
    and the step it ends at: the steps after it in the same chain, each starting where the last
    one ended (``at_place``: the relations by (block line, step), indexed once per document)."""
    node, k = rhs, step + 1
    while (nxt := at_place.get((line, k))) is not None and nxt[0] is node and nxt[1] in ("=", "≈"):
        node, k = nxt[2], k + 1
    if node is rhs:
        return None
    bare = parse.ungrouped(node)
    negative = isinstance(bare, parse.Neg)
    if isinstance(bare, parse.Neg):
        bare = parse.ungrouped(bare.arg)
    if not isinstance(bare, parse.Num):
        return None
    value = sp.Rational(Fraction(bare.text))
    return k - 1, -value if negative else value


def _known(e: sp.Expr, model: Model, place: tuple[int, int]) -> bool:
    """Is e made only of names the model in force knows (defined, or leaves of its definitions)?
    A restatement that brings a new name (x = e^t after x = g(t)) may start a new example."""
    scalar = model.at(place)
    return e.free_symbols <= scalar.known() and not e.atoms(AppliedUndef)


def uses_model(nodes: list[parse.Node], model: Model) -> bool:
    """Does a relation name a quantity the scalar model defines?"""
    return bool(used(nodes, model))


def used(nodes: list[parse.Node], model: Model) -> set[str]:
    """The names of the scalar model a relation uses."""
    names = model.names
    return {
        name
        for root in nodes
        for n in walk(root)
        if isinstance(n, parse.Var) and (name := name_of(replace_primes(n))) in names
    }


def conflict(nodes: list[parse.Node], model: Model, place: tuple[int, int]) -> str | None:
    """Why a relation is not judged: it uses (or restates) a name the document defines twice in
    different ways, at or before this place."""
    for name in sorted(used(nodes, model)):
        hit = model.conflict_at(name, place)
        if hit is not None:
            return (
                f"{name} is defined on line {hit.line} and stated differently on line {hit.place[0]}: "
                f"a new definition or a wrong restatement? derivator cannot tell, and does not "
                f"judge what uses {name} from there on unless the claim holds (or fails) either "
                "way (write the new example with new names, whole in one display, or with :=)"
            )
    return None


def judge_restated(
    lhs: parse.Node, rhs: parse.Node, model: Model, place: tuple[int, int]
) -> Judgement | None:
    """A claim that uses a name restated differently before it (a new definition or a slip,
    which the text does not tell apart): judged in both readings, the first definition in force
    and the restatement in force; a verdict both readings give holds whichever the author meant.
    None: the readings disagree, or neither decides.  The restatement itself, when it is a slip
    (refuted, made of known names), is a claim judged against the definition in force."""
    if place in model.slips:
        return judge(lhs, rhs, model, place)
    restated = {n: hit for n in used([lhs, rhs], model) if (hit := model.conflict_at(n, place))}
    names = frozenset(n for n, hit in restated.items() if hit.place < place)
    if not names or any(hit.place == place for hit in restated.values()):
        return None
    first = judge(lhs, rhs, model, place)
    second = judge(lhs, rhs, model, place, model.at(place, names))
    lines = ", ".join(str(restated[n].place[0]) for n in sorted(names))
    if first.verdict == second.verdict and first.verdict in (Outcome.PROVED, Outcome.REFUTED):
        return dataclasses.replace(
            first,
            method=f"{first.method}; in both readings of what is restated on line {lines}",
        )
    if first.verdict == second.verdict == Outcome.UNKNOWN:
        # undecided either way: what leaves it open is the model, not the restatement
        return dataclasses.replace(
            first, reason=f"{first.reason} (in both readings of what is restated on line {lines})"
        )
    return None


def judge(
    lhs: parse.Node,
    rhs: parse.Node,
    model: Model,
    place: tuple[int, int],
    scalar: ScalarModel | None = None,
) -> Judgement:
    """A claim in the scalar model in force at its place (or in ``scalar``)."""
    scalar = model.at(place) if scalar is None else scalar
    reader = Reader(model, scalar)
    left, right = reader.read(lhs), reader.read(rhs)
    try:
        scalar.check_known(left - right)
    except NotBuilt as e:
        raise NotScalar(str(e)) from None  # a name the scalar model does not hold: not its claim
    unit = decimals.shown_unit(lhs, rhs)
    try:
        j = scalar.judge(left, right, unit)
    except NotBuilt as e:
        return Judgement(Outcome.UNKNOWN, reason=str(e))
    if j.verdict == Outcome.PROVED and "values the document states" not in j.method:
        # (at the stated values the verdict is itself an evaluation, at the shown precision,
        # of the sides as read: no rewrite to audit)
        within = unit if j.method.startswith(precision.METHOD) else None
        j = _audited(j, left, right, scalar, within)
    functions = scalar.touched | {f for f in model.functions if f in used_functions([lhs, rhs])}
    if j.verdict == Outcome.REFUTED and functions:
        # a letter such as f is reused for one example after another (f(x) = 1/x, then
        # f(x) = e^x), and which one a claim means is not written: a refutation through a
        # document's function is not trusted
        j = Judgement(
            Outcome.UNKNOWN,
            reason=f"not proved; {j.reason} (through the function {sorted(functions)[0]}, whose "
            "definition in force derivator cannot be sure of)",
        )
    return _said_in_force(j, model, [lhs, rhs], place)


def _said_in_force(
    j: Judgement, model: Model, nodes: list[parse.Node], place: tuple[int, int]
) -> Judgement:
    """The verdict, saying which definition of each name the document defines more than once
    it was judged with (the one in force at its place: a redefinition governs what follows)."""
    said = []
    for name in sorted(used(nodes, model)):
        if sum(n == name for _, n, _ in model.versions) > 1:
            said.append(f"{name} as defined on line {model.in_force(name, place)[0][0]}")
    if not said:
        return j
    if j.method:
        return dataclasses.replace(j, method=f"{j.method}; " + ", ".join(said))
    return dataclasses.replace(j, reason=f"{j.reason} (" + ", ".join(said) + ")")


def _audited(
    j: Judgement,
    left: sp.Expr,
    right: sp.Expr,
    scalar: ScalarModel,
    within: Fraction | None = None,
) -> Judgement:
    """A proof in the scalar model, audited: both sides as read, evaluated from the definitions
    at random values (``engine.scalar_audit``); a disagreement is an error, never ``proved``.
    ``within``: a proof at the shown precision is audited to that precision."""
    found = scalar_audit.audit(
        left, right, scalar, at_values="document's values" in j.method, within=within
    )
    if found.status != "disagreed":
        return dataclasses.replace(j, audit=str(found))
    at = ", ".join(f"{k} = {v}" for k, v in found.where["variables"].items())
    return Judgement(
        Outcome.ERROR,
        "audit",
        f"proof and evaluation disagree: the model proved it ({j.method}), but at {at} the two "
        "sides differ",
        audit="disagreed",
    )


def used_functions(nodes: list[parse.Node]) -> set[str]:
    return {
        name
        for root in nodes
        for n in walk(root)
        if isinstance(n, parse.Var) and (name := name_of(replace_primes(n))) is not None
    }


def defined(site: Site, model: Model) -> Judgement:
    """The verdict of a definition the scalar model holds."""
    payload = next(p for where, _, p in model.versions if where == (site.line, site.step))
    if isinstance(payload, sp.Lambda):
        what = "defines the function"
    elif payload.is_number:
        what = "gives the value of"
    else:
        what = "defines"
    why = site.why or _anew(model, site.name, (site.line, site.step), site.written)
    return Judgement(
        Outcome.DEFINED, "definition", f"{what} {site.name}" + (f": {why}" if why else "")
    )


def steps(chains: list[parse.Chain]) -> list[tuple[int, parse.Chain, int]]:
    """(step, chain, operator) of every relation of a block, numbered as ``check`` numbers them
    (an unreadable expression with no relation after it takes a step of its own)."""
    out = []
    step = 0
    for chain in chains:
        if not chain.ops and isinstance(chain.exprs[0], parse.Unread):
            step += 1
            continue
        for k, op in enumerate(chain.ops):
            if op in parse.CHECKED_OPS:
                out.append((step, chain, k))
                step += 1
    return out


def network_name(node: parse.Node) -> str | None:
    """The name a network quantity on a left side defines: its letter (``z`` of ``z^l_j``)."""
    node = parse.ungrouped(node)
    if (
        isinstance(node, parse.Var)
        and not node.primes
        and node.name not in ("e", "nabla W", "nabla B")
    ):
        return _key(node)
    return None


def _key(v: parse.Var) -> str:
    """A quantity's name: its letter, with a subscript of digits (C_0 and C_1 are two costs; a_j
    and a_k one activation)."""
    raw = (v.sub_raw or "").strip()
    return f"{v.name}_{raw}" if raw.isdigit() else v.name


def uses(nodes: list[parse.Node]) -> set[str]:
    """The names a relation uses (what a broken definition takes with it)."""
    return {_key(n) for root in nodes for n in walk(root) if isinstance(n, parse.Var)}


def _network_sites(
    model: Model,
    relations: list[tuple[int, int, parse.Node, str, parse.Node]],
    anew: frozenset[tuple[str, int]] = frozenset(),
) -> None:
    """Which relations the scalar model did not take define a name of the network's model.
    ``anew``: (cost letter, line) where the cost is redefined to mean another thing (Nielsen's
    C, the mean, then one example's cost: ``Conventions.cost_history``)."""
    seen: set[str] = set()
    for line, step, lhs, op, rhs in relations:
        if op not in ("=", *DEFINING_OPS) or (line, step) in model.sites:
            continue
        if cases.case_of(lhs, op, rhs, model.indices):
            continue
        if isinstance(lhs, parse.Unread):
            continue  # a left side that cannot be read names nothing
        name = network_name(lhs)
        form = name or ""
        if name in COST_CAPITALS and isinstance(lhs, parse.Var):
            # one sample's cost (L_i) and the bare letter (L, the mean or the sum) are defined
            # apart: the first definition of each is a definition of the network's model
            form = f"{name} {'sample' if lhs.sub else 'bare'}"
            loss = inference.loss_form(rhs)
            if loss not in (None, "other"):
                # a redefinition with another loss (the squared error, then the cross-entropy)
                # defines the cost anew from its line on (Conventions.at)
                if any(f.startswith(f"{name} loss ") for f in seen) and (
                    f"{name} loss {loss}" not in seen
                ):
                    seen.discard(form)
                seen.add(f"{name} loss {loss}")
            if (name, line) in anew:
                seen.discard(form)
        if name is not None:
            _another_function(name, form, rhs, seen)
        if name is None or form in seen or (name in _INDEXES and _bare(rhs) in _INDEXES):
            continue
        if name.split("_")[0] in ("delta", "Delta") and not _only_partials(rhs):
            # a formula for δ (or its matrix Δ, a propagation step) is a claim, and so is one
            # for an entry of it (δ^L_1, its unit 1)
            continue
        target = parse.ungrouped(lhs)  # network_name reads (z_ij) as z_ij: a Var inside brackets
        assert isinstance(target, parse.Var)
        bounds = {
            id(b)
            for n in walk(rhs)
            if isinstance(n, parse.SumNode)
            for edge in (n.lower, n.upper)
            if edge is not None
            for b in walk(edge)
        }  # n_{(L)} in a sum's bound names a width, not the cost L
        bounds |= _superscript_indexed(rhs)  # E = Σ_p E^p: E^p is pattern p's cost, not E
        if any(
            isinstance(n, parse.Var)
            and id(n) not in bounds
            and _key(n) == name
            and (n.sub_raw, n.tag) == (target.sub_raw, target.tag)
            for n in walk(rhs)
        ):
            continue  # an update, or a recursion: not a definition (C = Σ_x C_x is one)
        seen.add(form)
        model.network[line, step] = name


def _another_function(name: str, form: str, rhs: parse.Node, seen: set[str]) -> None:
    """``a = σ(z)``, later ``a = \\tanh(z)``: a forward step applying another function than the
    name's step before it fixes the activation anew.  It is a definition (the name is forgotten
    from ``seen``), never a claim: as a claim it was proved by the very activation it fixes (σ
    read as the tanh inferred from it).  Like a cost redefined with another loss.  σ itself is
    the notation's letter for the activation in force, so ``a = σ(z)`` after ``a = \\tanh(z)``
    restates it (a claim)."""
    body = parse.ungrouped(rhs)
    if not (isinstance(body, parse.Call) and len(body.args) == 1 and not body.primes):
        return
    key = f"{name} function "
    named = body.func != "sigma"  # σ names the activation in force: a = σ(z) restates it
    if named and any(f.startswith(key) for f in seen) and key + body.func not in seen:
        seen.discard(form)
    seen.add(key + body.func)


def _superscript_indexed(rhs: parse.Node) -> set[int]:
    """The letters raised to a sum's index (``\\sum_p E^p``): the p-th E (a pattern's cost, as
    the network reading takes it), never a power of E itself."""
    indices = {n.index for n in walk(rhs) if isinstance(n, (parse.SumNode, parse.ProdNode))}
    return {
        id(n.base)
        for n in walk(rhs)
        if isinstance(n, parse.Pow)
        and isinstance(n.exp, parse.Var)
        and n.exp.name in indices
        and not n.exp.sub
    }


def first_walk(
    blocks: list[tuple[int, str, parse.Reading, parse.Node | None]],
    anew: frozenset[tuple[str, int]] = frozenset(),
) -> Model:
    """The scalar model of a document's blocks ``(line, text, reading, lead)`` in reading order;
    ``anew``: where a cost letter is redefined to mean another thing (``_network_sites``)."""
    texts = [text for _, text, _, _ in blocks]
    extra = words(texts)
    relations = []
    for line, text, reading, lead in blocks:
        try:
            chains = parse.parse(
                text,
                replace(reading, words=reading.words | extra),
                lead,
            )
        except (parse.ReadError, RecursionError):
            continue
        for step, chain, k in steps(chains):
            relations.append((line, step, chain.exprs[k], chain.ops[k], chain.exprs[k + 1]))
    indices = cases.index_letters((lhs, op, rhs) for _, _, lhs, op, rhs in relations)
    model = build(relations, texts, indices)
    plain = []
    said: dict[tuple[int, int], str] = {}
    for line, text, reading, lead in blocks:
        try:
            chains = parse.parse(text, reading, lead)
        except (parse.ReadError, RecursionError):
            continue
        for step, chain, k in steps(chains):
            plain.append((line, step, chain.exprs[k], chain.ops[k], chain.exprs[k + 1]))
            start = max(chain.starts[k], 0)
            said[line, step] = text[start : chain.ends[k + 1]] if chain.ends[k + 1] >= 0 else text
    _network_sites(model, plain, anew)
    model.said = {where: said.get(where, "") for where in model.network}
    return model
