"""The derived, proved gradients as vectorised NumPy: in memory, and as a standalone module.

Nothing here knows backpropagation.  For every layer p the per-layer rules come from
``derive.local_gradient`` (δ-form, derived once with ``sympy.diff``), ``matrix.from_index`` reads
their matrix form off the index form (Δ^(l) = (Δ^(l+1) W^(l+1)) ⊙ σ′(Z^(l)), ∇W = (1/n) Δᵀ A, …),
and :class:`_TreePrinter` prints each matrix tree as NumPy: a matrix product becomes ``@``, a
Hadamard product ``*``, a sum over samples ``.sum(axis=0)``.  Scalars and the loss are printed by
:class:`_ScalarPrinter`, a SymPy ``NumPyPrinter``.  If the derivation changes, the code changes.

Proofs: every emitted matrix rule is translated back to index form (``matrix.to_index``) and proved
equal to ``sympy.diff`` of the loss by ``proof.prove``, either in this very network ("network") or
once in the generic fragment, whose rules hold at every layer of every network ("rules").  The
verdicts go into the module's header.

Safety: every identifier that reaches generated code is built here from fixed tables (quantity
letters, layer numbers, activation and loss names checked against the registries), and the whole
source is parsed with ``ast`` and checked against a whitelist before it is compiled.  Nothing a
user typed is ever executed; the only ``exec`` runs source that this module generated and checked.

Numerics (pre-activations of ±1000, float32 and float64): σ(z) = (1 or e^(−|z|)) / (1 + e^(−|z|)),
softplus through ``np.logaddexp``, softmax and log-softmax after subtracting the row maximum, the
cross-entropy through log-softmax.  None of these overflows, divides by zero or makes a NaN;
underflow to 0 (e^(−1000)) is the correctly rounded value and NumPy ignores it by default.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .. import __version__
from ..engine import ACTIVATIONS, ActivationFunction, ActivationPrime, Network, derive, losses, matrix, proof

#: the quantities the backward pass computes per layer, in the order they are computed
EMITTED = ("delta", "w", "b")
PROOF_MODES = ("network", "rules", "none")
#: activations with numbers (the generic σ is a symbol only)
NUMERIC_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "generic")
NUMERIC_LOSSES = tuple(k for k in losses.LOSSES if k != "upstream")


class CodegenError(ValueError):
    """A network that has no NumPy code (symbolic widths, the generic σ) or bad inputs."""


# ---------------------------------------------------------------------------------------------
# what each symbol of the derivation becomes in NumPy (the whitelist of functions)

#: helper functions a module may need, by name; fixed source, never built from input
HELPERS: dict[str, str] = {
    "_sigmoid": '''def _sigmoid(Z):
    """σ(z) = 1/(1 + e^(−z)) without overflow: with E = e^(−|z|) ≤ 1 it is 1/(1 + E) for z ≥ 0
    and E/(1 + E) for z < 0."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1, E) / (1 + E)''',
    "_softmax": '''def _softmax(Z):
    """Softmax of each row, after subtracting the row maximum (no overflow; the sum is ≥ 1)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)''',
    "_log_softmax": '''def _log_softmax(Z):
    """ln softmax of each row, without forming the softmax (finite even where it underflows)."""
    S = Z - Z.max(axis=1, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))''',
}

#: σ(Z) for each activation ({Z} is a variable name)
SIGMA_CODE: dict[str, tuple[str, tuple[str, ...]]] = {
    "sigmoid": ("_sigmoid({Z})", ("_sigmoid",)),
    "tanh": ("np.tanh({Z})", ()),
    "relu": ("np.maximum({Z}, 0)", ()),
    "softplus": ("np.logaddexp(0, {Z})", ()),
    "identity": ("{Z}", ()),
}

#: σ′(Z) from Z, for activations whose σ′ is not a polynomial in a = σ(z) (the others are
#: printed from ``Activation.prime_in_a``, the identity the prover also uses)
PRIME_FROM_Z: dict[str, tuple[str, tuple[str, ...], int]] = {
    "sigmoid": ("_sigmoid({Z}) * _sigmoid(-{Z})", ("_sigmoid",), 70),
    "tanh": ("1 - np.tanh({Z}) ** 2", (), 60),
    "relu": ("({Z} > 0)", (), 100),
    "softplus": ("_sigmoid({Z})", ("_sigmoid",), 100),
    "identity": ("1", (), 100),
}

_VARIABLE = re.compile(r"^(?:A|Z|W|B|D|dW|dB)(?:0|[1-9][0-9]{0,3})$|^(?:Y|X|n)$")
_QUANTITY_PREFIX = {"A": "A", "Z": "Z", "W": "W", "B": "B", "Delta": "D"}


def variable(quantity: str, layer: int | None = None) -> str:
    """The NumPy name of a matrix of the network: ``W2``, ``D1`` (Δ), ``Y``; checked."""
    name = "Y" if quantity == "Y" else f"{_QUANTITY_PREFIX[quantity]}{layer}"
    if not _VARIABLE.match(name):
        raise CodegenError(f"refusing the name {name!r} in generated code")
    return name


def check_kind(activation: str, loss: str) -> None:
    """Raise CodegenError unless the activation and the loss have numbers."""
    if activation not in NUMERIC_ACTIVATIONS:
        raise CodegenError(f"the {activation} activation σ is a symbol without numbers: code can only be "
                           f"generated for {', '.join(NUMERIC_ACTIVATIONS)}")
    if loss not in NUMERIC_LOSSES:
        raise CodegenError(f"loss {loss!r}: code can only be generated for {', '.join(NUMERIC_LOSSES)}")


def check_network(net: Network) -> None:
    """Raise CodegenError unless ``net`` has numbers: concrete widths, a numeric σ, a real loss."""
    check_kind(net.activation, net.loss)
    if net.widths is None:
        raise CodegenError("give concrete widths (input first, e.g. 784,128,10): the code checks shapes")
    if net.network != "general":
        raise CodegenError("generate code for the general network (a single-neuron network is widths 1,1,…)")


# ---------------------------------------------------------------------------------------------
# printing


class _ScalarPrinter(NumPyPrinter):
    """SymPy's NumPy printer with ``np.`` for ``numpy.`` and 1/n written as a quotient; symbols
    must be whitelisted variable names, and ``log`` of the softmax output becomes log-softmax."""

    def __init__(self, log_of: dict[str, str] | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
        self.log_of = log_of or {}
        self.helpers: set[str] = set()

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if fqn.startswith("numpy."):
            return "np." + fqn[len("numpy."):]
        raise CodegenError(f"refusing the function {fqn!r} in generated code")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if not _VARIABLE.match(expr.name):
            raise CodegenError(f"refusing the name {expr.name!r} in generated code")
        return expr.name

    def _print_log(self, expr: sp.Expr) -> str:
        arg = expr.args[0]
        if isinstance(arg, sp.Symbol) and arg.name in self.log_of:
            self.helpers.add("_log_softmax")
            return f"_log_softmax({self.log_of[arg.name]})"
        return f"np.log({self._print(arg)})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < 0:
            base = self.parenthesize(expr.base, 60) if expr.exp == -1 else self._print(expr.base ** -expr.exp)
            return f"1/{base}" if expr.exp == -1 else f"1/({base})"
        return super()._print_Pow(expr, rational=rational)


def scalar_code(c: sp.Expr) -> str:
    """A scalar factor such as 1/n as Python source."""
    num, den = sp.fraction(sp.together(c))
    printer = _ScalarPrinter()
    if den == 1:
        return printer.doprint(num)
    return f"{printer.doprint(num)} / {printer.doprint(den) if den.is_Atom else '(' + printer.doprint(den) + ')'}"


_ATOM, _POW, _UNARY, _MUL, _ADD = 100, 90, 80, 70, 60


@dataclass
class _TreePrinter:
    """A matrix tree → one NumPy expression.  Records the variables and helpers it used."""

    net: Network
    activation: str
    #: layers whose A is σ(Z) (so that σ′(Z) may be written in A)
    sigma_layers: frozenset[int]
    used: set[str] = field(default_factory=set)
    helpers: set[str] = field(default_factory=set)

    def code(self, m: matrix.MatrixExpr) -> str:
        return self._code(m)[0]

    def _wrap(self, m: matrix.MatrixExpr, need: int) -> str:
        s, prec = self._code(m)
        return f"({s})" if prec < need else s

    def _var(self, m: matrix.Named) -> str:
        name = variable(m.quantity, None if m.quantity == "Y" else self.net.layer(m.tag or ""))
        self.used.add(name)
        return name

    def _is_vector(self, m: matrix.MatrixExpr) -> bool:
        s = matrix.shape(self.net, m)
        return s is not None and len(s) == 1

    def _code(self, m: matrix.MatrixExpr) -> tuple[str, int]:
        if isinstance(m, matrix.Named):
            return self._var(m), _ATOM
        if isinstance(m, matrix.Transpose):
            return f"{self._wrap(m.arg, _ATOM)}.T", _ATOM
        if isinstance(m, matrix.MatMul):
            return f"{self._wrap(m.left, _MUL)} @ {self._wrap(m.right, _MUL + 1)}", _MUL
        if isinstance(m, (matrix.Hadamard, matrix.Divide)):
            right, rprec = self._broadcast(m.right) if self._is_vector(m.right) else self._code(m.right)
            if isinstance(m, matrix.Hadamard) and right == "1":
                return self._code(m.left)
            op = "*" if isinstance(m, matrix.Hadamard) else "/"
            right = f"({right})" if rprec < _MUL + 1 else right
            # a product inside ⊙ gets parentheses, as in the article's (Δ W) ⊙ σ′(Z)
            left = self._wrap(m.left, _MUL + 1 if isinstance(m.left, matrix.MatMul) else _MUL)
            return f"{left} {op} {right}", _MUL
        if isinstance(m, matrix.Power):
            return f"{self._wrap(m.arg, _POW + 1)} ** {m.exponent}" if m.exponent > 0 else \
                f"1 / {self._wrap(m.arg, _POW + 1)} ** {-m.exponent}", (_POW if m.exponent > 0 else _MUL)
        if isinstance(m, matrix.ElementwiseFunction):
            return self._function(m)
        if isinstance(m, matrix.Scale):
            if m.factor == -1:
                return f"-{self._wrap(m.arg, _UNARY)}", _UNARY
            if m.factor.free_symbols - {self.net.n} or m.factor.has(sp.Indexed):
                raise CodegenError(f"cannot print the factor {m.factor}")
            if self.net.n in m.factor.free_symbols:
                self.used.add("n")
            return f"({scalar_code(m.factor)}) * {self._wrap(m.arg, _MUL + 1)}", _MUL
        if isinstance(m, matrix.Add):
            return f"{self._wrap(m.left, _ADD)} + {self._wrap(m.right, _ADD + 1)}", _ADD
        if isinstance(m, matrix.Sub):
            return f"{self._wrap(m.left, _ADD)} - {self._wrap(m.right, _ADD + 1)}", _ADD
        if isinstance(m, matrix.ColumnSum):
            return f"{self._wrap(m.arg, _ATOM)}.sum(axis=0)", _ATOM
        if isinstance(m, matrix.RowSum):
            return f"{self._wrap(m.arg, _ATOM)}.sum(axis=1)", _ATOM
        raise CodegenError(f"no NumPy form for {type(m).__name__} in {matrix.to_unicode(m)}")

    def _broadcast(self, v: matrix.MatrixExpr) -> tuple[str, int]:
        """A vector in a Hadamard product scales each row (matrix.py): make it a column."""
        if isinstance(v, matrix.RowSum):
            return f"{self._wrap(v.arg, _ATOM)}.sum(axis=1, keepdims=True)", _ATOM
        return f"{self._wrap(v, _ATOM)}[:, None]", _ATOM

    def _function(self, m: matrix.ElementwiseFunction) -> tuple[str, int]:
        f = m.func
        if m.column_arg or not issubclass(f, (ActivationFunction, ActivationPrime)):
            raise CodegenError(f"no NumPy form for {f.__name__}: the generic fragment's Ψ has no numbers")
        if f.activation != self.activation:
            raise CodegenError(f"σ of {f.activation} in a {self.activation} network")
        if issubclass(f, ActivationFunction):
            code, helpers = SIGMA_CODE[f.activation]
            self.helpers.update(helpers)
            return code.format(Z=self._wrap(m.arg, _ATOM)), _ATOM
        prime_in_a = ACTIVATIONS[f.activation].prime_in_a
        if prime_in_a is not None and isinstance(m.arg, matrix.Named) and m.arg.quantity == "Z":
            p = self.net.layer(m.arg.tag or "")
            if p in self.sigma_layers:
                # σ′(z) written in a = σ(z): the identity the prover uses (Activation.prime_in_a)
                a = variable("A", p)
                self.used.add(a)
                expr = sp.sympify(prime_in_a(sp.Symbol(a)))
                return _ScalarPrinter().doprint(expr), (_ATOM if expr.is_Atom else _ADD)
        code, helpers, prec = PRIME_FROM_Z[f.activation]
        self.helpers.update(helpers)
        return code.format(Z=self._wrap(m.arg, _ATOM)), prec


# ---------------------------------------------------------------------------------------------
# the derivation, layer by layer


@dataclass(frozen=True)
class Rule:
    """One emitted rule: layer p's Δ, ∇W or ∇B as a matrix tree, the code that computes it, and
    the proof of its index translation against ``sympy.diff``."""

    quantity: str
    layer: int
    tag: str
    tree: matrix.MatrixExpr
    target: str
    code: str
    uses: tuple[str, ...]
    verdict: proof.Verdict | None = None
    #: in the "rules" proof mode: the rule that was proved (at layer l or L) and prints as this one
    proved_as: str = ""

    @property
    def formula(self) -> str:
        lhs = {"delta": f"Δ^({self.tag})", "w": f"∇W^({self.tag})", "b": f"∇B^({self.tag})"}[self.quantity]
        return f"{lhs} = {matrix.to_unicode(self.tree)}"


def _free(net: Network, quantity: str, p: int) -> tuple[sp.Symbol, sp.Symbol | None]:
    X, Y = net.letter(p), net.letter(p - 1)
    return {"w": (X, Y), "b": (X, None), "delta": (net.i, X)}[quantity]  # type: ignore[return-value]


def _lhs(net: Network, quantity: str, p: int) -> sp.Expr:
    rows, cols = _free(net, quantity, p)
    return {"w": derive.Partial(net.L, net.w(p)[rows, cols]), "b": derive.Partial(net.L, net.b(p)[rows]),
            "delta": net.delta(p)[rows, cols]}[quantity]


def tree(net: Network, quantity: str, p: int) -> matrix.MatrixExpr:
    """The matrix form of layer p's rule, read off the derived index form."""
    rows, cols = _free(net, quantity, p)
    return matrix.from_index(net, derive.local_gradient(net, quantity, p), rows, cols)


def prove_tree(net: Network, quantity: str, p: int, m: matrix.MatrixExpr, timeout: float = 30.0) -> proof.Verdict:
    """Prove the matrix rule, entry by entry (``matrix.to_index``), equal to ``sympy.diff``."""
    rows, cols = _free(net, quantity, p)
    return proof.prove(_lhs(net, quantity, p), matrix.to_index(net, m, rows, cols), net, timeout=timeout)


@dataclass(frozen=True)
class Forward:
    """Layer p of the forward pass, printed from the network's own definitions."""

    layer: int
    z_code: str
    a_code: str
    helpers: tuple[str, ...]


def _forward(net: Network, p: int) -> Forward:
    """Z^(p) = A^(p-1) W^(p)ᵀ + B^(p) from ``Network.z_definition`` (the Σ part through
    ``matrix.from_index``, the bias broadcast over the rows), A^(p) from ``a_definition``."""
    i, X = net.i, net.letter(p)
    zdef = net.z_definition(p, i, X)
    bias = net.b(p)[X]
    rest = sp.Add(*[t for t in sp.Add.make_args(zdef) if t != bias])
    if rest == zdef:
        raise CodegenError(f"z^({net.tag(p)}) has no bias term: the forward pass no longer matches")
    pr = _TreePrinter(net, net.activation, frozenset())
    z = f"{pr.code(matrix.from_index(net, rest, i, X))} + {variable('B', p)}"
    helpers = set(pr.helpers)
    if net.softmax_output and p == net.D:
        a = f"_softmax({variable('Z', p)})"
        helpers.add("_softmax")
    else:
        am = matrix.from_index(net, net.a_definition(p, i, X), i, X)
        a = pr.code(am)
        helpers |= pr.helpers
    return Forward(p, z, a, tuple(sorted(helpers)))


@dataclass(frozen=True)
class Plan:
    """Everything the code of one network is printed from (independent of the concrete widths:
    the rules are derived at symbolic sizes, so one plan serves every width)."""

    depth: int
    activation: str
    loss: str
    rules: tuple[Rule, ...]
    forward: tuple[Forward, ...]
    loss_code: str
    helpers: tuple[str, ...]
    proof_mode: str
    generic_proofs: tuple[tuple[str, proof.Verdict], ...] = ()

    def layer_rules(self, p: int) -> list[Rule]:
        return [r for r in self.rules if r.layer == p]


@lru_cache(maxsize=128)
def plan(depth: int, activation: str, loss: str, proof_mode: str = "rules") -> Plan:
    """Derive, translate, (prove) and print the rules of a network of this depth (cached)."""
    if proof_mode not in PROOF_MODES:
        raise CodegenError(f"unknown proof mode {proof_mode!r}: choose {', '.join(PROOF_MODES)}")
    check_kind(activation, loss)
    net = Network(depth=depth, activation=activation, loss=loss)
    sigma_layers = frozenset(p for p in range(1, depth + 1) if not (net.softmax_output and p == depth))
    rules: list[Rule] = []
    helpers: set[str] = set()
    for p in range(depth, 0, -1):
        for q in EMITTED:
            m = tree(net, q, p)
            pr = _TreePrinter(net, activation, sigma_layers)
            code = pr.code(m)
            helpers |= pr.helpers
            target = {"delta": variable("Delta", p), "w": f"dW{p}", "b": f"dB{p}"}[q]
            verdict = prove_tree(net, q, p, m) if proof_mode == "network" else None
            rules.append(Rule(q, p, str(net.tag(p)), m, target, code, tuple(sorted(pr.used)), verdict))
    generic = generic_proofs(activation, loss) if proof_mode == "rules" else ()
    if generic:
        hidden, output = generic[:len(EMITTED)], generic[len(EMITTED):]
        rules = [replace(r, verdict=(output if r.layer == depth else hidden)[EMITTED.index(r.quantity)][1],
                         proved_as=(output if r.layer == depth else hidden)[EMITTED.index(r.quantity)][0])
                 for r in rules]
    forward = tuple(_forward(net, p) for p in range(1, depth + 1))
    for f in forward:
        helpers |= set(f.helpers)
    out = variable("A", depth)
    lp = _ScalarPrinter({out: variable("Z", depth)} if net.softmax_output else None)
    term = losses.LOSSES[loss].term
    assert term is not None
    loss_code = lp.doprint(term(sp.Symbol(out), sp.Symbol("Y")))
    helpers |= lp.helpers
    return Plan(depth, activation, loss, tuple(rules), forward, loss_code, tuple(sorted(helpers)), proof_mode,
                generic)


def generic_proofs(activation: str, loss: str) -> tuple[tuple[str, proof.Verdict], ...]:
    """The rules that every layer's code is printed from, proved once: Δ, ∇W, ∇B at the generic
    layer l (below an arbitrary upstream Ψ, so they hold at every hidden layer of every network)
    and at the output layer L of this loss.  The code of layer p prints the same trees with the
    layer tags moved (``derive.retag``), which renames and proves nothing new."""
    return _hidden_proofs(activation) + _output_proofs(activation, loss)


def _proofs(net: Network, p: int) -> tuple[tuple[str, proof.Verdict], ...]:
    out = []
    for q in EMITTED:
        m = tree(net, q, p)
        lhs = {"delta": f"Δ^({net.tag(p)})", "w": f"∇W^({net.tag(p)})", "b": f"∇B^({net.tag(p)})"}[q]
        out.append((f"{lhs} = {matrix.to_unicode(m)}", prove_tree(net, q, p, m)))
    return tuple(out)


@lru_cache(maxsize=None)
def _hidden_proofs(activation: str) -> tuple[tuple[str, proof.Verdict], ...]:
    g = Network.generic(activation)
    return _proofs(g, g.D - 1)


@lru_cache(maxsize=None)
def _output_proofs(activation: str, loss: str) -> tuple[tuple[str, proof.Verdict], ...]:
    return _proofs(Network(depth=1, activation=activation, loss=loss), 1)


# ---------------------------------------------------------------------------------------------
# the module


def _indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _args(names: set[str] | Sequence[str]) -> list[str]:
    """Arguments in a fixed, readable order: Δ above, W above, A, Z of this layer down, Y, n."""
    def key(s: str) -> tuple[int, int, str]:
        order = {"D": 0, "W": 1, "A": 2, "Z": 3, "Y": 4, "n": 5}
        head = s.rstrip("0123456789")
        num = int(s[len(head):]) if s[len(head):] else 0
        return order.get(head, 9), -num, s
    return sorted(set(names), key=key)


def _verdict_text(v: proof.Verdict | None) -> str:
    if v is None:
        return "not proved (proofs were switched off)"
    return f"{v.verdict} ({v.method})" if v.method else v.verdict


def _layer_function(pl: Plan, net: Network, p: int) -> str:
    rules = pl.layer_rules(p)
    delta = variable("Delta", p)
    args = _args({u for r in rules for u in r.uses} - {delta})
    widths = net.widths
    assert widths is not None
    doc = [f"Layer {net.tag(p)} (p = {p}, {widths[p - 1]} → {widths[p]} neurons): Δ, ∇W, ∇B.", ""]
    for r in rules:
        doc.append(f"{r.formula}")
        same = r.proved_as.split(" = ")[0] == r.formula.split(" = ")[0]
        doc.append(f"    {_verdict_text(r.verdict)}" + (f", as {r.proved_as.split(' = ')[0]}"
                                                         if r.proved_as and not same else ""))
    body = [f"def layer_{p}({', '.join(args)}):", _indent('"""' + "\n".join(doc) + '\n"""')]
    for r in rules:
        body.append(f"    {r.target} = {r.code}")
    body.append(f"    return {', '.join(r.target for r in rules)}")
    return "\n".join(body)


def _header(pl: Plan, net: Network) -> str:
    widths = "-".join(map(str, net.widths or ()))
    lines = [
        f"Gradients of a {widths} network ({pl.activation}, {pl.loss} loss), generated by derivator {__version__}.",
        "",
        "How this code was derived:",
        "  The four per-layer rules of backpropagation were derived with sympy.diff of the loss on a",
        "  generic layer (derivator.derive.rules); their matrix form was read off the index form",
        "  (derivator.matrix.from_index) and printed as NumPy: a matrix product is @, a Hadamard",
        "  product *, a sum over the samples .sum(axis=0).  Nothing in it was written by hand.",
        "  Conventions: rows are samples; A^(p), Z^(p), Δ^(p) (D<p>) are n × n_p; W^(p) is n_p × n_(p-1)",
        "  (row j holds the weights of neuron j); B^(p) has n_p entries; layer 0 is the input X.",
        f"  Loss: {losses.LOSSES[pl.loss].description}.",
        f"  Activation: {ACTIVATIONS[pl.activation].description}.",
        "",
    ]
    if pl.proof_mode == "network":
        lines.append("How it was proved: each rule below, translated back entry by entry (matrix.to_index), against")
        lines.append("sympy.diff of this network's loss (derivator.proof.prove):")
        for r in pl.rules:
            lines.append(f"  {r.formula:<44} {_verdict_text(r.verdict)}")
    elif pl.proof_mode == "rules":
        lines.append("How it was proved: the rules the code is printed from, translated back entry by entry")
        lines.append("(matrix.to_index), against sympy.diff of the loss (derivator.proof.prove), at the generic")
        lines.append("layer l (below any layers, so at every hidden layer) and at the output layer L:")
        for text, v in pl.generic_proofs:
            lines.append(f"  {text:<44} {_verdict_text(v)}")
        lines.append("Layer p's code prints the same trees with the layer tags moved.")
    else:
        lines.append("Not proved (generated with proofs switched off).")
    lines += ["", "Use: gradients(params, X, Y) -> [(dW1, dB1), …]; forward(params, X); loss(params, X, Y).",
              "params is [(W1, B1), (W2, B2), …], layer 1 first; float32 arrays give float32 gradients."]
    return '"""' + "\n".join(lines) + '\n"""'


_EXPLAIN = '''def _explain(params, X, Y):
    """Raise ValueError naming the first array whose shape does not fit WIDTHS."""
    if not isinstance(params, (list, tuple)) or len(params) != len(WIDTHS) - 1:
        raise ValueError(f"params: expected a list of {len(WIDTHS) - 1} (W, B) pairs, layer 1 first, "
                         f"for this {WIDTHS_TEXT} network")
    arrays = [("X", X, (None, WIDTHS[0]))]
    for p, pair in enumerate(params, 1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"params[{p - 1}]: expected a pair (W{p}, B{p})")
        arrays.append((f"W{p}", pair[0], (WIDTHS[p], WIDTHS[p - 1])))
        arrays.append((f"B{p}", pair[1], (WIDTHS[p],)))
    if Y is not None:
        arrays.append(("Y", Y, (X.shape[0], WIDTHS[-1])))
    for name, a, want in arrays:
        if not isinstance(a, np.ndarray):
            raise ValueError(f"{name} is a {type(a).__name__}: expected a numpy array")
        if a.ndim != len(want) or any(w is not None and s != w for s, w in zip(a.shape, want)):
            shown = "(" + ", ".join("n" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
            raise ValueError(f"{name} has shape {a.shape}; this {WIDTHS_TEXT} network needs {shown}"
                             + (" (W^(p) is n_p x n_(p-1))" if name.startswith("W") else "")
                             + (" (one row per sample of X)" if name == "Y" else ""))
    raise ValueError("params: the arrays do not fit WIDTHS")'''


def _check_source(depth: int, widths: Sequence[int]) -> str:
    """``_check``: one tuple comparison of every shape (it runs on every call, so it is cheap);
    only when it fails does ``_explain`` find the array to blame.  Dtypes are NumPy's business:
    the gradients come out in the dtype the inputs promote to (float32 in, float32 out)."""
    names = [n for p in range(1, depth + 1) for n in (variable("W", p), variable("B", p))]
    want = [(widths[p], widths[p - 1]) if k == 0 else (widths[p],)
            for p in range(1, depth + 1) for k in (0, 1)]
    got = ", ".join(f"{n}.shape" for n in names)
    expect = ", ".join(repr(w) for w in want)
    return "\n".join([
        "def _check(params, X, Y=None):",
        '    """Return quietly when every array has the shape WIDTHS asks for, else explain which does not."""',
        "    try:",
        "        " + _unpack(depth),
        f"        if ({got}, X.shape[1:]) == ({expect}, ({widths[0]},)) and (",
        f"                Y is None or Y.shape == (X.shape[0], {widths[-1]})):",
        "            return",
        "    except (TypeError, ValueError, AttributeError):",
        "        pass",
        "    _explain(params, X, Y)",
    ])


def _forward_lines(pl: Plan) -> list[str]:
    lines = ["    A0 = X"]
    for f in pl.forward:
        p = f.layer
        lines.append(f"    {variable('Z', p)} = {f.z_code}")
        lines.append(f"    {variable('A', p)} = {f.a_code}")
    return lines


def _unpack(depth: int) -> str:
    return ", ".join(f"({variable('W', p)}, {variable('B', p)})" for p in range(1, depth + 1)) + \
        ("," if depth == 1 else "") + " = params"


def module_source(net: Network, proof_mode: str = "network") -> str:
    """The standalone module for ``net``: readable, NumPy only, deterministic."""
    check_network(net)
    pl = plan(net.D, net.activation, net.loss, proof_mode)
    D = net.D
    widths = net.widths
    assert widths is not None
    all_vars = ["A0"] + [v for p in range(1, D + 1) for v in (variable("Z", p), variable("A", p))]
    head = "\n".join([
        _header(pl, net),
        "",
        "import numpy as np",
        "",
        f"WIDTHS = {tuple(widths)!r}",
        f"WIDTHS_TEXT = {'-'.join(map(str, widths))!r}",
        f"ACTIVATION = {pl.activation!r}",
        f"LOSS = {pl.loss!r}",
    ])
    parts = [HELPERS[h] for h in pl.helpers]
    parts.append(_check_source(D, widths))
    parts.append(_EXPLAIN)
    fwd_doc = ["Every Z^(p) = A^(p-1) W^(p)ᵀ + B^(p) and A^(p) of the network (A0 is X), from its definitions."]
    parts.append("\n".join([
        "def _forward(params, X):",
        _indent('"""' + "\n".join(fwd_doc) + '"""'),
        "    " + _unpack(D),
        *_forward_lines(pl),
        f"    return {', '.join(all_vars)}",
    ]))
    parts.append("\n".join([
        "def forward(params, X):",
        '    """The output activations A^(L) of the network for the samples in the rows of X."""',
        "    _check(params, X)",
        "    return _forward(params, X)[-1]",
    ]))
    loss_desc = losses.LOSSES[pl.loss].description
    parts.append("\n".join([
        "def loss(params, X, Y):",
        f'    """{loss_desc}."""',
        "    _check(params, X, Y)",
        f"    {', '.join(all_vars)} = _forward(params, X)",
        f"    return float(np.sum({pl.loss_code})) / X.shape[0]",
    ]))
    for p in range(D, 0, -1):
        parts.append(_layer_function(pl, net, p))
    grad = [
        "def gradients(params, X, Y):",
        '    """∂L/∂W^(p) and ∂L/∂B^(p) of every layer, [(dW1, dB1), …], for the batch X (samples × inputs)."""',
        "    _check(params, X, Y)",
        "    " + _unpack(D),
        "    n = X.shape[0]",
        f"    {', '.join(all_vars)} = _forward(params, X)",
    ]
    for p in range(D, 0, -1):
        rules = pl.layer_rules(p)
        args = _args({u for r in rules for u in r.uses} - {variable("Delta", p)})
        grad.append(f"    {', '.join(r.target for r in rules)} = layer_{p}({', '.join(args)})")
    grad.append(f"    return [{', '.join(f'(dW{p}, dB{p})' for p in range(1, D + 1))}]")
    parts.append("\n".join(grad))
    source = head + "\n\n\n" + "\n\n\n".join(parts) + "\n"
    validate(source)
    return source


# ---------------------------------------------------------------------------------------------
# the whitelist


_BUILTINS = {"len", "enumerate", "zip", "any", "isinstance", "type", "tuple", "list", "float", "str", "ValueError",
             "TypeError", "AttributeError"}
_NP_ATTRS = {"exp", "abs", "where", "tanh", "maximum", "logaddexp", "log", "sum", "ndarray"}
_ARRAY_ATTRS = {"T", "sum", "shape", "ndim", "max", "startswith", "append", "join", "__name__"}
_NAMES = {"_explain", "np", "params", "pair", "p", "a", "name", "want", "arrays", "shown", "s", "w", "E", "S", "Z",
          "WIDTHS", "WIDTHS_TEXT", "ACTIVATION", "LOSS", "forward", "loss", "gradients", "_forward", "_check"}
_LOCAL = re.compile(r"^layer_[1-9][0-9]{0,3}$")


def validate(source: str) -> None:
    """Refuse generated source with any name, attribute, import or statement outside the whitelist."""
    tree_ = ast.parse(source)
    allowed_stmt = (ast.FunctionDef, ast.Return, ast.Assign, ast.If, ast.For, ast.Raise, ast.Expr, ast.Import,
                    ast.Try, ast.Pass)
    for node in ast.walk(tree_):
        if isinstance(node, ast.stmt) and not isinstance(node, allowed_stmt):
            raise CodegenError(f"generated code contains a {type(node).__name__} statement")
        if isinstance(node, ast.Import):
            if [(a.name, a.asname) for a in node.names] != [("numpy", "np")]:
                raise CodegenError("generated code may import numpy as np only")
        elif isinstance(node, ast.Name):
            ok = node.id in _BUILTINS or node.id in _NAMES or node.id in HELPERS or _VARIABLE.match(node.id) \
                or _LOCAL.match(node.id)
            if not ok:
                raise CodegenError(f"refusing the name {node.id!r} in generated code")
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id == "np":
                if node.attr not in _NP_ATTRS:
                    raise CodegenError(f"refusing np.{node.attr} in generated code")
            elif node.attr not in _ARRAY_ATTRS:
                raise CodegenError(f"refusing the attribute .{node.attr} in generated code")
        elif isinstance(node, ast.FunctionDef):
            if not (node.name in _NAMES or node.name in HELPERS or _LOCAL.match(node.name)):
                raise CodegenError(f"refusing the function name {node.name!r} in generated code")
            for a in node.args.args:
                if not (_VARIABLE.match(a.arg) or a.arg in _NAMES):
                    raise CodegenError(f"refusing the argument name {a.arg!r} in generated code")


# ---------------------------------------------------------------------------------------------
# in memory


class NumpyGradients:
    """The generated functions of one network, compiled in memory, in one dtype.

    ``grad(params, X, Y)`` → [(∂L/∂W^(1), ∂L/∂b^(1)), …]; ``grad.forward(params, X)`` → A^(L);
    ``grad.loss(params, X, Y)`` → L.  Inputs are converted to ``dtype`` (a no-op when they have it).
    ``source`` is the module text, ``plan`` the rules with their proofs."""

    def __init__(self, net: Network, dtype: Any = np.float64, proof_mode: str = "rules") -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise CodegenError(f"dtype {self.dtype}: choose float32 or float64")
        self.net = net
        self.source = module_source(net, proof_mode)
        self.plan = plan(net.D, net.activation, net.loss, proof_mode)
        namespace: dict[str, Any] = {"__name__": "derivator_generated"}
        exec(compile(self.source, f"<derivator: {'-'.join(map(str, net.widths or ()))} {net.activation}>", "exec"),
             namespace)  # our own source, checked by validate()
        #: the generated functions themselves (no conversion: NumPy's dtype promotion applies)
        self.gradients: Callable[..., Any] = namespace["gradients"]
        self._forward: Callable[..., Any] = namespace["forward"]
        self._loss: Callable[..., Any] = namespace["loss"]

    def _array(self, a: Any) -> np.ndarray:
        return a if type(a) is np.ndarray and a.dtype == self.dtype else np.asarray(a, dtype=self.dtype)

    def _params(self, params: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """``params`` itself when every array already has the dtype (the common case costs
        nothing), else a converted copy."""
        dt = self.dtype
        for pair in params:
            for a in pair:
                if type(a) is not np.ndarray or a.dtype != dt:
                    return [tuple(np.asarray(x, dtype=dt) for x in pair) for pair in params]
        return params

    def __call__(self, params: Sequence[Sequence[Any]], X: Any, Y: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.gradients(self._params(params), self._array(X), self._array(Y))

    def forward(self, params: Sequence[Sequence[Any]], X: Any) -> np.ndarray:
        return self._forward(self._params(params), self._array(X))

    def loss(self, params: Sequence[Sequence[Any]], X: Any, Y: Any) -> float:
        return self._loss(self._params(params), self._array(X), self._array(Y))

    def init_params(self, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """Weights ~ N(0, 1/n_(p-1)) (a unit-variance Z for unit-variance inputs), biases 0."""
        return init_params(self.net.widths or (), seed, self.dtype)

    @property
    def proofs(self) -> list[tuple[str, proof.Verdict]]:
        """(formula, verdict) of what was proved for this code."""
        if self.plan.proof_mode == "network":
            return [(r.formula, r.verdict) for r in self.plan.rules if r.verdict is not None]
        return list(self.plan.generic_proofs)


def init_params(widths: Sequence[int], seed: int = 0, dtype: Any = np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random parameters for ``widths`` (deterministic in ``seed``), layer 1 first."""
    rng = np.random.default_rng(seed)
    out = []
    for p in range(1, len(widths)):
        W = rng.normal(0.0, 1.0 / np.sqrt(widths[p - 1]), size=(widths[p], widths[p - 1])).astype(dtype)
        out.append((W, np.zeros(widths[p], dtype=dtype)))
    return out


def numpy_gradients(net: Network, dtype: Any = np.float64, proof_mode: str = "rules") -> NumpyGradients:
    """The gradients of ``net`` as NumPy functions compiled in memory (cached per network shape)."""
    check_network(net)
    return _cached(tuple(net.widths or ()), net.activation, net.loss, np.dtype(dtype).name, proof_mode)


@lru_cache(maxsize=64)
def _cached(widths: tuple[int, ...], activation: str, loss: str, dtype: str, proof_mode: str) -> NumpyGradients:
    return NumpyGradients(Network(widths=widths, activation=activation, loss=loss), np.dtype(dtype), proof_mode)


def write_module(net: Network, path: str, proof_mode: str = "network") -> str:
    """Write the standalone module to ``path`` (byte-identical for the same network); returns it."""
    source = module_source(net, proof_mode)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(source)
    return source
