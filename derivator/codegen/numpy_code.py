"""The derived, proved gradients as vectorised NumPy: in memory, and as a standalone module.

Nothing here knows backpropagation.  For every layer p the per-layer rules come from
``derive.local_gradient`` (δ-form, derived once with ``sympy.diff``), ``matrix.from_index`` reads
their matrix form off the index form (Δ^(l) = (Δ^(l+1) W^(l+1)) ⊙ σ′(Z^(l)), ∇W = (1/n) Δᵀ A, …),
and the code carries G^(p) = ∂L/∂Z^(p) = Δ^(p)/n instead of Δ (``tree``), so that the mean's 1/n
is multiplied in once.  :class:`_TreePrinter` prints each matrix tree as NumPy: a matrix product
becomes ``@``, a Hadamard product ``*``, a sum over samples ``.sum(axis=0)``; ``statements`` turns
a product with σ′(Z) and the factor 1/n into in-place statements.  Scalars and the loss are printed
by :class:`_ScalarPrinter`, a SymPy ``NumPyPrinter``.  If the derivation changes, the code changes.

Proofs: every emitted matrix rule is translated back to index form (``matrix.to_index``, G^(q) read
as ∂L/∂z^(q)) and proved equal to ``sympy.diff`` of the mean loss by ``proof.prove``, either once in
the generic fragment, whose rules hold at every layer of every network ("rules", the default,
linear in depth), or in this very network ("network", up to NETWORK_PROOF_MAX_DEPTH layers).  The
verdicts go into the module's header.

Safety: every identifier that reaches generated code is built here from fixed tables (quantity
letters, layer numbers, activation and loss names checked against the registries), and the whole
source is parsed with ``ast`` and checked against a whitelist before it is compiled.  Nothing a
user typed is ever executed; the only ``exec`` runs source that this module generated and checked.

Numerics: the statements for σ, σ′ and the softmax are fixed templates (``templates``, where their
accuracy is argued); the losses' ln a is printed in terms of Z (log-softmax, −ln(1 + e^(∓z))), so
it stays finite where a underflows or rounds to 1.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .. import __version__
from ..engine import (
    ACTIVATIONS,
    ActivationFunction,
    ActivationPrime,
    Network,
    derive,
    losses,
    matrix,
    proof,
)
from ..system import files
from . import templates

#: the quantities the backward pass computes per layer, in the order they are computed
EMITTED = ("delta", "w", "b")
PROOF_MODES = ("network", "rules", "none")
#: activations with numbers (the generic σ is a symbol only)
NUMERIC_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "generic")
NUMERIC_LOSSES = losses.OFFERED


class CodegenError(ValueError):
    """A network that has no NumPy code (symbolic widths, the generic σ) or bad inputs."""


_VARIABLE = re.compile(
    r"^(?:A|Z|W|B|D|dW|dB|E|C|ones_)(?:0|[1-9][0-9]{0,3})$|^(?:Y|X|n|lim|one|zero|ones_n)$"
)
_QUANTITY_PREFIX = {"A": "A", "Z": "Z", "W": "W", "B": "B", "Delta": "D", "ones": "ones_"}


def variable(quantity: str, layer: int | None = None) -> str:
    """The NumPy name of a matrix of the network: ``W2``, ``D1`` (Δ), ``Y``; checked."""
    name = "Y" if quantity == "Y" else f"{_QUANTITY_PREFIX[quantity]}{layer}"
    if not _VARIABLE.match(name):
        raise CodegenError(f"refusing the name {name!r} in generated code")
    return name


def check_kind(activation: str, loss: str) -> None:
    """Raise CodegenError unless the activation and the loss have numbers."""
    if activation not in NUMERIC_ACTIVATIONS:
        raise CodegenError(
            f"the {activation} activation σ is a symbol without numbers: code can only be "
            f"generated for {', '.join(NUMERIC_ACTIVATIONS)}"
        )
    if loss not in NUMERIC_LOSSES:
        raise CodegenError(
            f"loss {loss!r}: code can only be generated for {', '.join(NUMERIC_LOSSES)}"
        )
    needs = losses.get(loss).activation
    if needs is not None and activation != needs:
        raise CodegenError(
            f"the {loss} loss needs the {needs} activation (a^(L) in (0, 1)), not {activation}"
        )


#: bounds on a network that gets code (and is trained), checked before any work starts
MAX_DEPTH = 256
MAX_WIDTH = 100_000
MAX_PARAMETERS = 50_000_000  # 400 MB of float64 weights


def check_size(widths: Sequence[int]) -> None:
    """Raise CodegenError when the depth, a width or the number of parameters is out of bounds."""
    if len(widths) - 1 > MAX_DEPTH:
        raise CodegenError(f"widths: {len(widths) - 1} layers of weights; at most {MAX_DEPTH}")
    if max(widths) > MAX_WIDTH:
        raise CodegenError(
            f"widths: a layer of {max(widths)} neurons; at most {MAX_WIDTH:,} per layer"
        )
    parameters = sum(widths[p] * (widths[p - 1] + 1) for p in range(1, len(widths)))
    if parameters > MAX_PARAMETERS:
        raise CodegenError(
            f"widths {'-'.join(map(str, widths))}: {parameters:,} parameters; at most {MAX_PARAMETERS:,}"
        )


def check_network(net: Network) -> None:
    """Raise CodegenError unless ``net`` has numbers: concrete widths, a numeric σ, a real loss."""
    if net.output_activation is not None:
        raise CodegenError(
            f"code is generated for one activation in every layer: an output activation "
            f"{net.output_activation} under {net.activation} hidden layers is not supported"
        )
    check_kind(net.activation, net.loss)
    if net.widths is None:
        raise CodegenError(
            "give concrete widths (input first, e.g. 784,128,10): the code checks shapes"
        )
    check_size(net.widths)
    if net.network != "general":
        raise CodegenError(
            "generate code for the general network (a single-neuron network is widths 1,1,…)"
        )
    if net.targets != "any" and not net.softmax_output:
        raise CodegenError(
            f"targets {net.targets}: what the targets satisfy changes only the softmax output layer's "
            "rule (--loss cross-entropy); leave it at any"
        )
    if net.softmax_output and net.widths[-1] == 1:
        raise CodegenError(
            f"a softmax over ONE output neuron is the constant 1: the {net.loss} loss is then 0 "
            "and teaches nothing; for two classes with one output use the sigmoid activation and "
            "--loss binary-cross-entropy (or give the last layer one neuron per class)"
        )


# ---------------------------------------------------------------------------------------------
# printing


class _ScalarPrinter(NumPyPrinter):
    """SymPy's NumPy printer with ``np.`` for ``numpy.`` and 1/n written as a quotient; symbols
    must be whitelisted variable names, and ``log`` of the softmax output becomes log-softmax."""

    def __init__(self, log_of: dict[sp.Expr, str] | None = None) -> None:
        super().__init__(
            {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
        )
        self.log_of = log_of or {}
        self.helpers: set[str] = set()

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if fqn.startswith("numpy."):
            return "np." + fqn[len("numpy.") :]
        raise CodegenError(f"refusing the function {fqn!r} in generated code")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if not _VARIABLE.match(expr.name):
            raise CodegenError(f"refusing the name {expr.name!r} in generated code")
        return expr.name

    def _print_log(self, expr: sp.Expr) -> str:
        arg = expr.args[0]
        if arg in self.log_of:
            code = self.log_of[arg]
            self.helpers.update(h for h in templates.HELPERS if code.startswith(h + "("))
            return code
        return f"np.log({self._print(arg)})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < 0:
            base = (
                self.parenthesize(expr.base, 60)
                if expr.exp == -1
                else self._print(expr.base**-expr.exp)
            )
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
    """A matrix tree → one NumPy expression.  Records the variables it used."""

    net: Network
    used: set[str] = field(default_factory=set)

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
            right, rprec = (
                self._broadcast(m.right) if self._is_vector(m.right) else self._code(m.right)
            )
            if isinstance(m, matrix.Hadamard) and right == "1":
                return self._code(m.left)
            op = "*" if isinstance(m, matrix.Hadamard) else "/"
            right = f"({right})" if rprec < _MUL + 1 else right
            # a product inside ⊙ gets parentheses, as in the article's (Δ W) ⊙ σ′(Z)
            left = self._wrap(m.left, _MUL + 1 if isinstance(m.left, matrix.MatMul) else _MUL)
            return f"{left} {op} {right}", _MUL
        if isinstance(m, matrix.Power):
            return (
                f"{self._wrap(m.arg, _POW + 1)} ** {m.exponent}"
                if m.exponent > 0
                else f"1 / {self._wrap(m.arg, _POW + 1)} ** {-m.exponent}",
                (_POW if m.exponent > 0 else _MUL),
            )
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
        if isinstance(m, matrix.ColumnSum):  # 𝟏ᵀM: BLAS sums faster than .sum(axis=0) (templates)
            self.used.add("ones_n")
            return f"ones_n @ {self._wrap(m.arg, _MUL + 1)}", _MUL
        if isinstance(m, matrix.RowSum):
            return f"{self._wrap(m.arg, _ATOM)}.sum(axis=1)", _ATOM
        raise CodegenError(f"no NumPy form for {type(m).__name__} in {matrix.to_unicode(m)}")

    def _broadcast(self, v: matrix.MatrixExpr) -> tuple[str, int]:
        """A vector in a Hadamard product scales each row (matrix.py): make it a column."""
        if isinstance(
            v, matrix.RowSum
        ):  # M𝟏 as a column: a product with a column of ones (templates)
            ones = ones_column(self.net, v.arg)
            self.used.add(ones)
            return f"({self._wrap(v.arg, _MUL)} @ {ones})", _ATOM
        return f"{self._wrap(v, _ATOM)}[:, None]", _ATOM

    def _function(self, m: matrix.ElementwiseFunction) -> tuple[str, int]:
        """σ and σ′ are printed as statements (``statements``), where they can work in place."""
        raise CodegenError(
            f"no NumPy expression for {m.func.__name__} in {matrix.to_unicode(m)}: σ and σ′ "
            "are computed by statements"
        )


def ones_column(net: Network, m: matrix.MatrixExpr) -> str:
    """``ones_<p>``, the column of n_p ones that sums the rows of ``m`` (n × n_p) by a product."""
    s = matrix.shape(net, m)
    for p in range(net.D + 1):
        if s is not None and len(s) == 2 and s[1] == net.width(p):
            return variable("ones", p)
    raise CodegenError(f"no layer has the width of the rows of {matrix.to_unicode(m)}")


def _prime_factor(net: Network, m: matrix.MatrixExpr) -> int | None:
    """Layer p when ``m`` is σ′(Z^(p)) of the network's activation, else None."""
    if (
        isinstance(m, matrix.ElementwiseFunction)
        and issubclass(m.func, ActivationPrime)
        and not m.column_arg
        and m.func.activation == net.activation
        and isinstance(m.arg, matrix.Named)
        and m.arg.quantity == "Z"
    ):
        return net.layer(m.arg.tag or "")
    return None


def statements(pr: _TreePrinter, target: str, m: matrix.MatrixExpr) -> list[str]:
    """``target`` = the matrix tree ``m``, as statements that allocate ``target`` once and then
    work on it in place: a Hadamard product with σ′(Z^(p)) becomes the activation's in-place
    statements (templates.PRIME_STATEMENTS), the mean's factor 1/n a final ``*=``."""
    net = pr.net
    if isinstance(m, matrix.Scale) and m.factor != -1 and net.n in m.factor.free_symbols:
        if m.factor.free_symbols - {net.n} or m.factor.has(sp.Indexed):
            raise CodegenError(f"cannot print the factor {m.factor}")
        pr.used.add("n")
        return statements(pr, target, m.arg) + [f"{target} *= {scalar_code(m.factor)}"]
    if isinstance(m, matrix.Hadamard):
        p = _prime_factor(net, m.right)
        if p is not None:
            fill = {"D": target, "p": p}
            pr.used.update(x.format(**fill) for x in templates.PRIME_NEEDS[net.activation])
            return statements(pr, target, m.left) + [
                x.format(**fill) for x in templates.PRIME_STATEMENTS[net.activation]
            ]
    code = pr.code(m)
    # a bare name would make the in-place statements above write into another array: copy it
    return [f"{target} = {code}.copy()" if _VARIABLE.match(code) else f"{target} = {code}"]


# ---------------------------------------------------------------------------------------------
# the derivation, layer by layer


@dataclass(frozen=True)
class Rule:
    """One emitted rule: layer p's G, ∇W or ∇B as a matrix tree, the statements that compute it,
    and the proof of its index translation against ``sympy.diff``."""

    quantity: str
    layer: int
    tag: str
    tree: matrix.MatrixExpr
    target: str
    code: tuple[str, ...]
    uses: tuple[str, ...]
    verdict: proof.Verdict | None = None
    #: in the "rules" proof mode: the rule that was proved (at layer l or L) and prints as this one
    proved_as: str = ""

    @property
    def formula(self) -> str:
        return formula(self.quantity, self.tag, self.tree)


def formula(quantity: str, tag: object, m: matrix.MatrixExpr) -> str:
    """``G^(L) = (1/n) (A^(L) − Y) ⊙ σ′(Z^(L))``: the rule as the header and the docstrings show it
    (the matrix printer names the error term Δ; the code's D<p> is G^(p) = Δ^(p)/n)."""
    lhs = {"delta": f"G^({tag})", "w": f"∇W^({tag})", "b": f"∇B^({tag})"}[quantity]
    return f"{lhs} = {matrix.to_unicode(m).replace('Δ^(', 'G^(')}"


def _free(net: Network, quantity: str, p: int) -> tuple[sp.Symbol, sp.Symbol | None]:
    X, Y = net.letter(p), net.letter(p - 1)
    return {"w": (X, Y), "b": (X, None), "delta": (net.i, X)}[quantity]


def _lhs(net: Network, quantity: str, p: int) -> sp.Expr:
    """∂L/∂z^(p)_iX (G), ∂L/∂w^(p)_XY or ∂L/∂b^(p)_X: the mean loss's gradients."""
    rows, cols = _free(net, quantity, p)
    den = {"w": net.w(p)[rows, cols], "b": net.b(p)[rows], "delta": net.z(p)[rows, cols]}[quantity]
    return derive.Partial(net.L, den)


def _delta_tree(net: Network, p: int) -> matrix.MatrixExpr:
    """Δ^(p) as derived, except at the output of the binary cross-entropy, whose derived form
    (−y/a + (1−y)/(1−a)) σ′(z) is 0·∞ where a rounds to 0 or 1: there A^(L) − Y, the same value
    (σ′ = a(1−a)), which ``prove_tree`` proves equal to ``sympy.diff`` like every other rule."""
    if p == net.D and (
        net.loss == "binary-cross-entropy" or (net.softmax_output and net.targets != "any")
    ):
        return matrix.Sub(matrix.Named("A", str(net.tag(p))), matrix.Named("Y"))
    rows, cols = _free(net, "delta", p)
    return matrix.from_index(net, derive.local_gradient(net, "delta", p), rows, cols)


def tree(net: Network, quantity: str, p: int) -> matrix.MatrixExpr:
    """The matrix form of layer p's rule in terms of G^(p) = ∂L/∂Z^(p) = Δ^(p)/n, read off the
    derived index form: G^(L) = (1/n) Δ^(L), G^(l) = (G^(l+1) W^(l+1)) ⊙ σ′(Z^(l)) (the Δ
    recurrence is linear, so it carries the 1/n along), ∇W^(p) = G^(p)ᵀ A^(p-1) and ∇B^(p) = Σᵢ G^(p)
    (the derived (1/n) Δᵀ A, …, with 1/n taken out).  So the mean's 1/n is multiplied in once,
    at the output layer, not twice per layer."""
    if quantity == "delta":
        m = _delta_tree(net, p)
        return matrix.Scale(1 / net.n, m) if p == net.D else m
    rows, cols = _free(net, quantity, p)
    m = matrix.from_index(net, derive.local_gradient(net, quantity, p), rows, cols)
    if not (isinstance(m, matrix.Scale) and net.n in m.factor.free_symbols):
        raise CodegenError(
            f"∇{quantity.upper()}^({net.tag(p)}) = {matrix.to_unicode(m)} is not a mean over the samples"
        )
    rest = sp.simplify(m.factor * net.n)
    return m.arg if rest == 1 else matrix.Scale(rest, m.arg)


def _as_partials(net: Network, e: sp.Expr) -> sp.Expr:
    """δ^(q)_IX in a translated tree (the G^(q) of the code) → ∂L/∂z^(q)_IX, what G^(q) stands for."""

    def swap(f: sp.Indexed) -> sp.Expr:
        ref = derive.classify(net, f)
        assert ref is not None and ref.layer is not None
        return derive.Partial(net.L, net.z(ref.layer)[f.indices])

    def is_delta(f: sp.Expr) -> bool:
        if not isinstance(f, sp.Indexed):
            return False
        ref = derive.classify(net, f)
        return ref is not None and ref.quantity == "delta"

    return e.replace(is_delta, swap)


def prove_tree(
    net: Network, quantity: str, p: int, m: matrix.MatrixExpr, timeout: float = 30.0
) -> proof.Verdict:
    """Prove the matrix rule, entry by entry (``matrix.to_index``, G^(q) read as ∂L/∂z^(q)),
    equal to ``sympy.diff`` of the mean loss."""
    rows, cols = _free(net, quantity, p)
    rhs = _as_partials(net, matrix.to_index(net, m, rows, cols))
    return proof.prove(_lhs(net, quantity, p), rhs, net, timeout=timeout)


@dataclass(frozen=True)
class Forward:
    """Layer p of the forward pass, printed from the network's own definitions."""

    layer: int
    code: tuple[str, ...]


def _forward(net: Network, p: int, narrow_output: bool = False) -> Forward:
    """Z^(p) = A^(p-1) W^(p)ᵀ + B^(p) from ``Network.z_definition`` (the Σ part through
    ``matrix.from_index``, then the bias added in place), A^(p) from ``a_definition``: σ(Z^(p))
    or the softmax, by the fixed statements of ``templates`` (``narrow_output``: the softmax's row
    maximum from a column-major copy, faster for a few columns)."""
    i, X = net.i, net.letter(p)
    zdef = net.z_definition(p, i, X)
    bias = net.b(p)[X]
    rest = sp.Add(*[t for t in sp.Add.make_args(zdef) if t != bias])
    if rest == zdef:
        raise CodegenError(f"z^({net.tag(p)}) has no bias term: the forward pass no longer matches")
    pr = _TreePrinter(net)
    Z = variable("Z", p)
    code = [f"{Z} = {pr.code(matrix.from_index(net, rest, i, X))}", f"{Z} += {variable('B', p)}"]
    if net.softmax_output and p == net.D:
        row_max = (templates.ROW_MAX_NARROW if narrow_output else templates.ROW_MAX).format(p=p)
        code += [x.format(p=p, row_max=row_max) for x in templates.SOFTMAX_STATEMENTS]
    else:
        am = matrix.from_index(net, net.a_definition(p, i, X), i, X)
        if not (
            isinstance(am, matrix.ElementwiseFunction)
            and issubclass(am.func, ActivationFunction)
            and am.arg == matrix.Named("Z", str(net.tag(p)))
        ):
            raise CodegenError(
                f"a^({net.tag(p)}) = {matrix.to_unicode(am)} is not σ(Z^({net.tag(p)}))"
            )
        code += [x.format(p=p) for x in templates.SIGMA_STATEMENTS[net.activation]]
    return Forward(p, tuple(code))


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

    @property
    def verdicts(self) -> list[proof.Verdict]:
        """What was proved for this code: one verdict per rule, or per generic rule."""
        if self.proof_mode == "network":
            return [r.verdict for r in self.rules if r.verdict is not None]
        return [v for _, v in self.generic_proofs]


#: deepest network whose every rule ``--proof network`` proves one by one (the cost roughly doubles per
#: layer: about 26 s at depth 8 on a 2-core machine); the default "rules" mode is linear in depth
NETWORK_PROOF_MAX_DEPTH = 6


@lru_cache(maxsize=128)
def plan(
    depth: int,
    activation: str,
    loss: str,
    proof_mode: str = "rules",
    narrow_output: bool = False,
    targets: str = "any",
) -> Plan:
    """Derive, translate, (prove) and print the rules of a network of this depth (cached);
    ``narrow_output``: at most templates.NARROW_ROWS output neurons (see ``_forward``); ``targets``:
    what the rows of Y satisfy (Network.targets), which the output layer's rule may use."""
    if proof_mode not in PROOF_MODES:
        raise CodegenError(f"unknown proof mode {proof_mode!r}: choose {', '.join(PROOF_MODES)}")
    if proof_mode == "network" and depth > NETWORK_PROOF_MAX_DEPTH:
        raise CodegenError(
            f"--proof network proves every rule of this network one by one, at a cost that doubles "
            f"per layer: at most {NETWORK_PROOF_MAX_DEPTH} layers of weights (this one has {depth}); "
            f"--proof rules proves the per-layer rules once, for any depth"
        )
    check_kind(activation, loss)
    net = Network(depth=depth, activation=activation, loss=loss, targets=targets)
    rules: list[Rule] = []
    for p in range(depth, 0, -1):
        for q in EMITTED:
            m = tree(net, q, p)
            pr = _TreePrinter(net)
            target = {"delta": variable("Delta", p), "w": f"dW{p}", "b": f"dB{p}"}[q]
            code = statements(pr, target, m)
            verdict = prove_tree(net, q, p, m) if proof_mode == "network" else None
            rules.append(
                Rule(q, p, str(net.tag(p)), m, target, tuple(code), tuple(sorted(pr.used)), verdict)
            )
    generic = generic_proofs(activation, loss, targets) if proof_mode == "rules" else ()
    if generic:
        hidden, output = generic[: len(EMITTED)], generic[len(EMITTED) :]
        rules = [
            replace(
                r,
                verdict=(output if r.layer == depth else hidden)[EMITTED.index(r.quantity)][1],
                proved_as=(output if r.layer == depth else hidden)[EMITTED.index(r.quantity)][0],
            )
            for r in rules
        ]
    forward = tuple(_forward(net, p, narrow_output) for p in range(1, depth + 1))
    out, zout = variable("A", depth), variable("Z", depth)
    log_of: dict[sp.Expr, str] = {}
    if net.softmax_output:
        log_of[sp.Symbol(out)] = f"_log_softmax({zout})"
    elif loss == "binary-cross-entropy":
        log_of[sp.Symbol(out)] = templates.LOG_SIGMOID.format(p=depth)
        log_of[1 - sp.Symbol(out)] = templates.LOG_ONE_MINUS_SIGMOID.format(p=depth)
    lp = _ScalarPrinter(log_of)
    term = net.loss_spec.term
    assert term is not None
    loss_code = lp.doprint(term(sp.Symbol(out), sp.Symbol("Y")))
    return Plan(
        depth,
        activation,
        loss,
        tuple(rules),
        forward,
        loss_code,
        tuple(sorted(lp.helpers)),
        proof_mode,
        generic,
    )


def network_plan(net: Network, proof_mode: str) -> Plan:
    """The plan of a network with concrete widths (which say whether its output layer is narrow)."""
    assert net.widths is not None
    return plan(
        net.D,
        net.activation,
        net.loss,
        proof_mode,
        net.widths[-1] <= templates.NARROW_ROWS,
        net.targets,
    )


def generic_proofs(
    activation: str, loss: str, targets: str = "any"
) -> tuple[tuple[str, proof.Verdict], ...]:
    """The rules that every layer's code is printed from, proved once: G, ∇W, ∇B at the generic
    layer l (below an arbitrary upstream Ψ, so they hold at every hidden layer of every network)
    and at the output layer L of this loss.  The code of layer p prints the same trees with the
    layer tags moved (``derive.retag``), which renames and proves nothing new."""
    return _hidden_proofs(activation) + _output_proofs(activation, loss, targets)


def _proofs(net: Network, p: int) -> tuple[tuple[str, proof.Verdict], ...]:
    out = []
    for q in EMITTED:
        m = tree(net, q, p)
        out.append((formula(q, net.tag(p), m), prove_tree(net, q, p, m)))
    return tuple(out)


@cache
def _hidden_proofs(activation: str) -> tuple[tuple[str, proof.Verdict], ...]:
    g = Network.generic(activation)
    return _proofs(g, g.D - 1)


@cache
def _output_proofs(
    activation: str, loss: str, targets: str
) -> tuple[tuple[str, proof.Verdict], ...]:
    return _proofs(Network(depth=1, activation=activation, loss=loss, targets=targets), 1)


# ---------------------------------------------------------------------------------------------
# the module


def _indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _args(names: set[str] | Sequence[str]) -> list[str]:
    """Arguments in a fixed, readable order: G above, W above, A, E, Z of this layer down, Y, n."""

    def key(s: str) -> tuple[int, int, str]:
        order = {
            "D": 0,
            "W": 1,
            "A": 2,
            "E": 3,
            "Z": 4,
            "Y": 5,
            "n": 6,
            "ones_n": 7,
            "ones_": 8,
            "one": 9,
            "zero": 9,
        }
        head = s.rstrip("0123456789")
        num = int(s[len(head) :]) if s[len(head) :] else 0
        return order.get(head, 9), -num, s

    return sorted(set(names), key=key)


def _verdict_text(v: proof.Verdict | None) -> str:
    if v is None:
        return "not proved (proofs were switched off)"
    return f"{v.verdict} ({v.method})" if v.method else v.verdict


def _shape(net: Network, name: str) -> str:
    """The shape of a variable of the generated code, for docstrings: ``n × 128``."""
    widths = net.widths
    assert widths is not None
    head = name.rstrip("0123456789")
    p = int(name[len(head) :]) if name[len(head) :] else net.D
    return {
        "W": f"{widths[p]} × {widths[p - 1] if p else '?'}",
        "B": f"({widths[p]},)",
        "dW": f"{widths[p]} × {widths[p - 1] if p else '?'}",
        "dB": f"({widths[p]},)",
        "n": "the number of samples",
    }.get(head, f"n × {widths[p]}")


def _layer_function(pl: Plan, net: Network, p: int) -> str:
    rules = pl.layer_rules(p)
    args = _args({u for r in rules for u in r.uses} - {r.target for r in rules})
    widths = net.widths
    assert widths is not None
    doc = [f"Layer {net.tag(p)} (p = {p}, {widths[p - 1]} → {widths[p]} neurons): G, ∇W, ∇B.", ""]
    for r in rules:
        doc.append(f"{r.formula}")
        same = r.proved_as.split(" = ")[0] == r.formula.split(" = ")[0]
        doc.append(
            f"    {_verdict_text(r.verdict)}"
            + (f", as {r.proved_as.split(' = ')[0]}" if r.proved_as and not same else "")
        )
    doc.append("")
    doc.append(
        "Shapes: "
        + ", ".join(f"{a} {_shape(net, a)}" for a in args if a != "n")
        + "; returns "
        + ", ".join(f"{r.target} {_shape(net, r.target)}" for r in rules)
        + "."
    )
    body = [f"def layer_{p}({', '.join(args)}):", _indent('"""' + "\n".join(doc) + '\n"""')]
    for r in rules:
        body += [f"    {line}" for line in r.code]
    body.append(f"    return {', '.join(r.target for r in rules)}")
    return "\n".join(body)


def comment_text(text: str) -> str:
    """``text`` as it may stand in the module's docstring: a character that is not printable (a
    newline: it cannot end the line) as its escape, quoted for a shell when it holds anything but
    plain path characters, and every backslash and double quote escaped, so that no ``\"\"\"``
    can close the docstring.  Why: the ``-o`` path is a user's text, and before it could close the
    docstring and add code that ran when the module was imported."""
    shown = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )
    if not re.fullmatch(r"[\w./+,=:@%-]+", shown):
        shown = "'" + shown.replace("'", "'\\''") + "'"
    return shown.replace("\\", "\\\\").replace('"', '\\"')


def command(net: Network, proof_mode: str, output: str | None) -> str:
    """The command line that writes this module (it goes into the header; the output path as
    :func:`comment_text`)."""
    widths = ",".join(map(str, net.widths or ()))
    out = "" if output is None else f" -o {comment_text(output)}"
    targets = "" if net.targets == "any" else f" --targets {net.targets}"
    return (
        f"derivator codegen --widths {widths} --activation {net.activation} --loss {net.loss}{targets} "
        f"--proof {proof_mode}{out}"
    )


def _header(pl: Plan, net: Network, output: str | None) -> str:
    widths = "-".join(map(str, net.widths or ()))
    lines = [
        f"Gradients of a {widths} network ({pl.activation}, {pl.loss} loss).",
        "",
        f"Generated by derivator {__version__} with SymPy {sp.__version__}; regenerate with",
        f"  {command(net, pl.proof_mode, output)}",
        "",
        "How this code was derived:",
        "  The per-layer rules of backpropagation were derived with sympy.diff of the loss on a generic",
        "  layer (derivator.engine.derive.rules); their matrix form was read off the index form",
        "  (derivator.engine.matrix.from_index) and printed as NumPy: a matrix product is @, a Hadamard",
        "  product *, a sum over the samples .sum(axis=0).  The code carries G^(p) = ∂L/∂Z^(p) = Δ^(p)/n",
        "  (D<p>), so that the mean's 1/n is multiplied in once, at the output layer.",
        "  Conventions: rows are samples; A^(p), Z^(p), G^(p) are n × n_p; W^(p) is n_p × n_(p-1)",
        "  (row j holds the weights of neuron j); B^(p) has n_p entries; layer 0 is the input X.",
        f"  Loss: {net.loss_spec.description}.",
        *(
            [
                f"  Targets: {net.targets} (every row of Y sums to 1), which the output layer's rule assumes and the",
                "  code does not check: with other targets its gradients are not those of the loss.",
            ]
            if net.targets != "any"
            else []
        ),
        f"  Activation: {ACTIVATIONS[pl.activation].description}.",
        "",
        "What is a fixed template, written by hand and the same for every network",
        "(derivator/codegen/templates.py): how σ(Z), the softmax and σ′(Z) are computed (in place, and",
        "accurately where they saturate: σ′ from z, not from a), the shape and dtype checks, the loss's",
        "ln a in terms of Z, init_params, save_params and load_params.",
        "",
    ]
    if pl.proof_mode == "network":
        lines.append(
            "How it was proved: each rule below, translated back entry by entry (matrix.to_index, G^(p) read"
        )
        lines.append(
            "as ∂L/∂z^(p)), against sympy.diff of this network's loss (derivator.engine.proof.prove):"
        )
        for r in pl.rules:
            lines.append(f"  {r.formula:<50} {_verdict_text(r.verdict)}")
    elif pl.proof_mode == "rules":
        lines.append(
            "How it was proved: the rules the code is printed from, translated back entry by entry"
        )
        lines.append("(matrix.to_index, G^(p) read as ∂L/∂z^(p)), against sympy.diff of the loss")
        lines.append(
            "(derivator.engine.proof.prove), at the generic layer l (below any layers, so at every hidden"
        )
        lines.append("layer) and at the output layer L:")
        for text, v in pl.generic_proofs:
            lines.append(f"  {text:<50} {_verdict_text(v)}")
        lines.append("Layer p's code prints the same trees with the layer tags moved.")
    else:
        lines.append("Not proved (generated with proofs switched off).")
    lines += [
        "",
        "Use: gradients(params, X, Y) -> [(dW1, dB1), …]; loss_and_gradients(params, X, Y) -> (L, [...]);",
        "forward(params, X); loss(params, X, Y); init_params(seed); save_params / load_params (.npz).",
        "params is [(W1, B1), (W2, B2), …], layer 1 first.  Every array is float32 or float64, all of one",
        "dtype, and the results keep it; X has n ≥ 1 rows.  Like PyTorch, nothing here warns: an inf or",
        "NaN input propagates to the results it reaches.",
    ]
    return '"""' + "\n".join(lines) + '\n"""'


def _unpack(depth: int) -> str:
    return (
        ", ".join(f"({variable('W', p)}, {variable('B', p)})" for p in range(1, depth + 1))
        + ("," if depth == 1 else "")
        + " = params"
    )


def _check_source(depth: int, widths: Sequence[int]) -> str:
    """``_check``: one chain of comparisons of every shape and dtype (it runs on every call, so it is
    cheap: it stops at the first difference); only when it fails does ``_explain`` find the array to blame."""
    names = [n for p in range(1, depth + 1) for n in (variable("W", p), variable("B", p))]
    want = [
        (widths[p], widths[p - 1]) if k == 0 else (widths[p],)
        for p in range(1, depth + 1)
        for k in (0, 1)
    ]
    tests = [f"{n}.shape == {w!r}" for n, w in zip(names, want)]
    shapes = " \\\n                and ".join(
        " and ".join(tests[k : k + 4]) for k in range(0, len(tests), 4)
    )
    return templates.CHECK.format(
        unpack=_unpack(depth),
        shapes=shapes,
        inputs=widths[0],
        outputs=widths[-1],
        same=" ".join(f"is {n}.dtype" for n in names),
    )


#: what a public function runs under: like PyTorch, never a warning (a decorator costs less per call
#: than a ``with`` block: the wrapper builds NumPy's error state without constructing an errstate)
ERRSTATE = '@np.errstate(all="ignore")'


def _constants(names: set[str]) -> list[str]:
    """The constants among ``names`` that a function looks up by the data's dtype, in a fixed order."""
    return sorted(n for n in names if _CONSTANT_NAME.fullmatch(n))


def _tables(names: set[str], widths: Sequence[int]) -> list[str]:
    """The module's per-dtype tables of the constants its statements use (templates.CONSTANTS, the
    columns of ones), so that a function looks one up by the data's dtype instead of mixing in a
    Python number or building the array on every call."""
    lines = []
    for name in _constants(names):
        if name in templates.CONSTANTS:
            v64, v32, why = templates.CONSTANTS[name]
            lines.append(
                f"_{name.upper()} = {{"
                + (f"  # {why}" if why else "")
                + "\n"  # short lines: articles print them
                f"    np.dtype(np.float64): np.array({v64}, np.float64),\n"
                f"    np.dtype(np.float32): np.array({v32}, np.float32),\n}}"
            )
        else:
            p = int(name[len("ones_") :])
            lines.append(
                f"_{name.upper()} = {{dt: np.ones(({widths[p]}, 1), dt) for dt in _FLOATS}}"
                f"  # a column of n_{p} ones"
            )
    if lines:
        lines.insert(
            0,
            "#: per dtype, the constants of the statements below (0-d arrays of the data's dtype: NumPy\n"
            "#: combines them with an array faster than with a Python number, and float32 stays float32)",
        )
    return lines


def _lookups(names: set[str], array: str) -> list[str]:
    """``one, zero = _ONE[X.dtype], _ZERO[X.dtype]``: the constants a function uses, for the data's dtype."""
    got = _constants(names)
    return (
        [f"    {', '.join(got)} = {', '.join(f'_{n.upper()}[{array}.dtype]' for n in got)}"]
        if got
        else []
    )


def module_source(net: Network, proof_mode: str = "rules", output: str | None = None) -> str:
    """The standalone module for ``net``: readable, NumPy only, deterministic.  ``output`` is the
    path the module is written to, for the regeneration command in its header."""
    check_network(net)
    pl = network_plan(net, proof_mode)
    widths = net.widths
    assert widths is not None  # check_network: concrete widths
    arrays = _arrays(pl, net.D)
    parts = [templates.HELPERS[h] for h in pl.helpers]
    parts += [
        _check_source(net.D, widths),
        templates.EXPLAIN,
        templates.INIT_PARAMS,
        templates.SAVE_LOAD,
    ]
    parts += _forward_functions(pl, net, widths, arrays)
    parts += [_layer_function(pl, net, p) for p in range(net.D, 0, -1)]
    parts.append(_backward_function(pl, net.D, arrays))
    parts += _gradient_functions(pl, widths, arrays)
    head = _module_head(pl, net, output, widths, arrays)
    source = head + "\n\n\n" + "\n\n\n".join(parts) + "\n"
    validate(source)
    return source


@dataclass(frozen=True)
class _Arrays:
    """What the generated functions hand each other: the arrays the forward pass returns (in the
    order computed: what the backward pass and the loss read), those the backward pass takes,
    the forward pass's code, and the constants each side looks up."""

    forward: list[str]
    backward: list[str]
    forward_code: list[str]
    forward_uses: set[str]
    backward_uses: set[str]


def _arrays(pl: Plan, D: int) -> _Arrays:
    needed = {u for r in pl.rules for u in r.uses if u[0] in "AEZ"} | {variable("A", D)}
    if re.search(rf"\bZ{D}\b", pl.loss_code):
        needed.add(variable("Z", D))
    forward = sorted(needed, key=lambda v: (int(v[1:]), "ZEA".index(v[0])))
    forward_code = [line for f in pl.forward for line in f.code]
    backward_uses = {u for r in pl.rules for u in r.uses}
    return _Arrays(
        forward,
        [v for v in forward if v in backward_uses],
        forward_code,
        set(_CONSTANT_NAME.findall("\n".join(forward_code))),
        backward_uses,
    )


def _module_head(
    pl: Plan, net: Network, output: str | None, widths: tuple[int, ...], arrays: _Arrays
) -> str:
    """The header (how the module was made and proved), the import, the network's constants and
    the tables the code looks up."""
    return "\n".join(
        [
            _header(pl, net, output),
            "",
            "import numpy as np",
            "",
            f"WIDTHS = {tuple(widths)!r}",
            f"WIDTHS_TEXT = {'-'.join(map(str, widths))!r}",
            f"ACTIVATION = {pl.activation!r}",
            f"LOSS = {pl.loss!r}",
            "_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))",
            *_tables(arrays.forward_uses | arrays.backward_uses, widths),
        ]
    )


def _loss_line(pl: Plan) -> str:
    return f"    L = float(np.sum({pl.loss_code})) / X.shape[0]"


def _forward_functions(
    pl: Plan, net: Network, widths: tuple[int, ...], arrays: _Arrays
) -> list[str]:
    """``_forward`` (the definitions, computed), ``forward`` (the outputs) and ``loss``."""
    D, fwd = net.D, arrays.forward
    body = ["    " + _unpack(D), "    A0 = X", *_lookups(arrays.forward_uses, "X")]
    body += ["    " + line for line in arrays.forward_code]
    private = "\n".join(
        [
            "def _forward(params, X):",
            f'    """{", ".join(fwd)}: the forward pass, from the definitions Z^(p) = A^(p-1) W^(p)ᵀ + B^(p), A^(p) = σ(Z^(p))'
            + (" (the softmax at the output)" if net.softmax_output else "")
            + '."""',
            *body,
            f"    return {', '.join(fwd)}",
        ]
    )
    public = "\n".join(
        [
            ERRSTATE,
            "def forward(params, X):",
            f'    """The output activations A^(L) (n × {widths[-1]}) for the samples in the rows of X (n × {widths[0]})."""',
            "    _check(params, X)",
            f"    return _forward(params, X)[{fwd.index(variable('A', D))}]",
        ]
    )
    loss = "\n".join(
        [
            ERRSTATE,
            "def loss(params, X, Y):",
            f'    """The mean loss L: {net.loss_spec.description}."""',
            "    _check(params, X, Y)",
            f"    {', '.join(fwd)} = _forward(params, X)",
            _loss_line(pl),
            "    return L",
        ]
    )
    return [private, public, loss]


def _backward_function(pl: Plan, D: int, arrays: _Arrays) -> str:
    """``_backward``: the layer functions called from the output layer down."""
    uses = arrays.backward_uses
    back = [
        "def _backward(params, " + ", ".join(arrays.backward) + ", Y):",
        '    """Every layer\'s G, ∇W, ∇B, from the output layer down."""',
    ]
    weights = sorted({u for u in uses if u[0] == "W"}, key=lambda v: int(v[1:]))
    back += [f"    {w} = params[{int(w[1:]) - 1}][0]" for w in weights]
    back.append("    n = Y.shape[0]")
    if "ones_n" in uses:  # 𝟏, n ones: Σ over the samples is a product with it (templates)
        back += ["    ones_n = np.empty(n, Y.dtype)", "    ones_n.fill(1)"]
    back += _lookups(uses, "Y")
    for p in range(D, 0, -1):
        rules = pl.layer_rules(p)
        args = _args({u for r in rules for u in r.uses} - {r.target for r in rules})
        back.append(f"    {', '.join(r.target for r in rules)} = layer_{p}({', '.join(args)})")
    back.append(f"    return [{', '.join(f'(dW{p}, dB{p})' for p in range(1, D + 1))}]")
    return "\n".join(back)


def _gradient_functions(pl: Plan, widths: tuple[int, ...], arrays: _Arrays) -> list[str]:
    """``gradients`` and ``loss_and_gradients``: the public entry points of the backward pass."""
    fwd, bwd = arrays.forward, arrays.backward
    shapes = (
        f"X is n × {widths[0]}, Y is n × {widths[-1]}; dW<p> has the shape of W<p>, dB<p> of B<p>"
    )
    gradients = "\n".join(
        [
            ERRSTATE,
            "def gradients(params, X, Y):",
            f'    """∂L/∂W^(p) and ∂L/∂B^(p) of every layer, [(dW1, dB1), …]: {shapes}."""',
            "    _check(params, X, Y)",
            *(
                ["    return _backward(params, *_forward(params, X), Y)"]
                if bwd == fwd
                else [
                    f"    {', '.join(fwd)} = _forward(params, X)",
                    f"    return _backward(params, {', '.join(bwd)}, Y)",
                ]
            ),
        ]
    )
    both = "\n".join(
        [
            ERRSTATE,
            "def loss_and_gradients(params, X, Y):",
            f'    """(L, [(dW1, dB1), …]) from one forward pass: {shapes}."""',
            "    _check(params, X, Y)",
            f"    {', '.join(fwd)} = _forward(params, X)",
            _loss_line(pl),
            f"    return L, _backward(params, {', '.join(bwd)}, Y)",
        ]
    )
    return [gradients, both]


# ---------------------------------------------------------------------------------------------
# the whitelist


_BUILTINS = {
    "len",
    "enumerate",
    "zip",
    "any",
    "isinstance",
    "type",
    "tuple",
    "list",
    "float",
    "str",
    "range",
    "ValueError",
    "TypeError",
    "AttributeError",
}
_NP_ATTRS = {
    "exp",
    "abs",
    "tanh",
    "cosh",
    "maximum",
    "minimum",
    "negative",
    "reciprocal",
    "logaddexp",
    "log",
    "sum",
    "ndarray",
    "errstate",
    "float32",
    "float64",
    "dtype",
    "zeros",
    "sqrt",
    "random",
    "savez",
    "load",
    "array",
    "ones",
    "empty",
    "asfortranarray",
}
_ARRAY_ATTRS = {
    "zip",
    "getinfo",
    "file_size",
    "T",
    "sum",
    "shape",
    "ndim",
    "dtype",
    "itemsize",
    "max",
    "copy",
    "astype",
    "startswith",
    "append",
    "join",
    "fill",
    "__name__",
    "default_rng",
    "normal",
    "files",
}
_NAMES = {
    "size",
    "_explain",
    "np",
    "params",
    "pair",
    "p",
    "a",
    "k",
    "f",
    "name",
    "want",
    "arrays",
    "shown",
    "missing",
    "s",
    "w",
    "S",
    "Z",
    "L",
    "lim",
    "seed",
    "dtype",
    "rng",
    "path",
    "WIDTHS",
    "WIDTHS_TEXT",
    "ACTIVATION",
    "LOSS",
    "_FLOATS",
    "forward",
    "loss",
    "gradients",
    "loss_and_gradients",
    "init_params",
    "save_params",
    "load_params",
    "_forward",
    "_backward",
    "_check",
    "dt",
    "t",
} | {f"_{c.upper()}" for c in templates.CONSTANTS}
_LOCAL = re.compile(r"^layer_[1-9][0-9]{0,3}$")
#: the constants that statements may use (templates.CONSTANTS and the columns of ones), and their tables
_CONSTANT_NAME = re.compile(
    r"\b(" + "|".join(templates.CONSTANTS) + r"|ones_(?:0|[1-9][0-9]{0,3}))\b"
)
_TABLE = re.compile(r"^_ONES_(?:0|[1-9][0-9]{0,3})$")


def _is_np(node: ast.expr, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "np"
    )


#: what a top-level constant's value may call (nothing that reads, writes or runs anything)
_CONSTANT_CALLS = {"dtype", "array", "ones", "zeros", "full"}
_CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")


def _top_level(tree_: ast.Module) -> None:
    """Importing the module runs its top level: only the docstring, imports, function definitions
    and constants (an upper-case name bound to literals and NumPy's array constructors) may stand
    there, so that nothing runs at import but building those constants."""
    for n, node in enumerate(tree_.body):
        if n == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Import, ast.FunctionDef)):
            continue
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if len(names) != len(node.targets) or not all(_CONSTANT.match(x) for x in names):
                raise CodegenError(
                    "generated code may bind only upper-case constant names at its top level"
                )
            for call in (c for c in ast.walk(node.value) if isinstance(c, ast.Call)):
                if not any(_is_np(call.func, attr) for attr in _CONSTANT_CALLS):
                    raise CodegenError(
                        f"generated code may not call {ast.unparse(call.func)} at its top level"
                    )
            continue
        raise CodegenError(
            f"generated code may not run a {type(node).__name__} statement at its top level "
            f"(line {node.lineno})"
        )


def _module_attribute(target: ast.expr, modules: set[str]) -> bool:
    """Does the assignment target write into an imported module (``np.load = …``, ``np.x.y = …``)?"""
    for node in ast.walk(target):
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            base = node.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                return True
    return False


def validate(source: str) -> None:
    """Refuse generated source with any name, attribute, import or statement outside the whitelist;
    ``np.load`` only with ``allow_pickle=False``, ``with`` only for ``np.errstate`` and ``np.load``, no
    decorator but ``np.errstate``; at the top level only the docstring, imports, definitions and
    constants; no assignment to an imported module's attribute."""
    tree_ = ast.parse(source)
    _top_level(tree_)
    _no_module_attribute_assigned(tree_)
    for node in ast.walk(tree_):
        if isinstance(node, ast.stmt) and not isinstance(node, _ALLOWED_STATEMENTS):
            raise CodegenError(f"generated code contains a {type(node).__name__} statement")
        check = _NODE_CHECKS.get(type(node))
        if check is not None:
            check(node)


#: the statements generated code may contain
_ALLOWED_STATEMENTS = (
    ast.FunctionDef,
    ast.Return,
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.For,
    ast.Raise,
    ast.Expr,
    ast.Import,
    ast.Try,
    ast.Pass,
    ast.With,
)


def _no_module_attribute_assigned(tree_: ast.AST) -> None:
    """No assignment, augmented assignment, loop or ``with`` target is an attribute of an imported
    module (``np.exp = …`` would change what every later call does)."""
    modules = {
        a.asname or a.name.split(".")[0]
        for node in ast.walk(tree_)
        if isinstance(node, ast.Import)
        for a in node.names
    }
    for node in ast.walk(tree_):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.For, ast.With)):
            targets = (
                [node.target]
                if isinstance(node, ast.For)
                else [i.optional_vars for i in node.items if i.optional_vars is not None]
            )
        if any(_module_attribute(t, modules) for t in targets):
            raise CodegenError(
                f"generated code may not assign to an imported module's attribute (line {getattr(node, 'lineno', '?')})"
            )


def _check_with(node: ast.With) -> None:
    if not all(
        isinstance(i.context_expr, ast.Call)
        and (_is_np(i.context_expr.func, "errstate") or _is_np(i.context_expr.func, "load"))
        for i in node.items
    ):
        raise CodegenError("generated code may use `with` for np.errstate and np.load only")


def _check_call(node: ast.Call) -> None:
    if _is_np(node.func, "load") and not any(
        k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in node.keywords
    ):
        raise CodegenError("generated code may call np.load with allow_pickle=False only")


def _check_import(node: ast.Import) -> None:
    if [(a.name, a.asname) for a in node.names] != [("numpy", "np")]:
        raise CodegenError("generated code may import numpy as np only")


def _check_name(node: ast.Name) -> None:
    ok = (
        node.id in _BUILTINS
        or node.id in _NAMES
        or node.id in templates.HELPERS
        or _VARIABLE.match(node.id)
        or _LOCAL.match(node.id)
        or _TABLE.match(node.id)
    )
    if not ok:
        raise CodegenError(f"refusing the name {node.id!r} in generated code")


def _check_attribute(node: ast.Attribute) -> None:
    base = node.value
    if isinstance(base, ast.Name) and base.id == "np":
        if node.attr not in _NP_ATTRS:
            raise CodegenError(f"refusing np.{node.attr} in generated code")
    elif node.attr not in _ARRAY_ATTRS:
        raise CodegenError(f"refusing the attribute .{node.attr} in generated code")


def _check_function(node: ast.FunctionDef) -> None:
    if not (node.name in _NAMES or node.name in templates.HELPERS or _LOCAL.match(node.name)):
        raise CodegenError(f"refusing the function name {node.name!r} in generated code")
    if not all(isinstance(d, ast.Call) and _is_np(d.func, "errstate") for d in node.decorator_list):
        raise CodegenError("generated code may decorate a function with np.errstate only")
    for a in node.args.args:
        if not (_VARIABLE.match(a.arg) or a.arg in _NAMES):
            raise CodegenError(f"refusing the argument name {a.arg!r} in generated code")


#: what each kind of node must satisfy (a node of another kind passes as it is)
_NODE_CHECKS: dict[type, Callable[[Any], None]] = {
    ast.With: _check_with,
    ast.Call: _check_call,
    ast.Import: _check_import,
    ast.Name: _check_name,
    ast.Attribute: _check_attribute,
    ast.FunctionDef: _check_function,
}


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
        self.plan = network_plan(net, proof_mode)
        namespace: dict[str, Any] = {"__name__": "derivator_generated"}
        exec(
            compile(
                self.source,
                f"<derivator: {'-'.join(map(str, net.widths or ()))} {net.activation}>",
                "exec",
            ),
            namespace,
        )  # our own source, checked by validate()
        #: the generated module's namespace (load_params, save_params, …)
        self.module = namespace
        #: the generated functions themselves (no conversion: arrays must share one float dtype)
        self.gradients: Callable[..., Any] = namespace["gradients"]
        self.loss_and_gradients_raw: Callable[..., Any] = namespace["loss_and_gradients"]
        self._forward: Callable[..., Any] = namespace["forward"]
        self._loss: Callable[..., Any] = namespace["loss"]

    def _array(self, a: Any) -> np.ndarray:
        return (
            a
            if type(a) is np.ndarray and a.dtype == self.dtype
            else np.asarray(a, dtype=self.dtype)
        )

    def _params(self, params: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """``params`` itself when every array already has the dtype (the common case costs
        nothing), else a converted copy."""
        dt = self.dtype
        for pair in params:
            for a in pair:
                if type(a) is not np.ndarray or a.dtype != dt:
                    return [tuple(np.asarray(x, dtype=dt) for x in pair) for pair in params]
        return params

    def __call__(
        self, params: Sequence[Sequence[Any]], X: Any, Y: Any
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.gradients(self._params(params), self._array(X), self._array(Y))

    def forward(self, params: Sequence[Sequence[Any]], X: Any) -> np.ndarray:
        return self._forward(self._params(params), self._array(X))

    def loss(self, params: Sequence[Sequence[Any]], X: Any, Y: Any) -> float:
        return self._loss(self._params(params), self._array(X), self._array(Y))

    def loss_and_gradients(
        self, params: Sequence[Sequence[Any]], X: Any, Y: Any
    ) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        return self.loss_and_gradients_raw(self._params(params), self._array(X), self._array(Y))

    def init_params(self, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """Weights ~ N(0, 1/n_(p-1)) (a unit-variance Z for unit-variance inputs), biases 0."""
        return init_params(self.net.widths or (), seed, self.dtype)

    @property
    def proofs(self) -> list[tuple[str, proof.Verdict]]:
        """(formula, verdict) of what was proved for this code."""
        if self.plan.proof_mode == "network":
            return [(r.formula, r.verdict) for r in self.plan.rules if r.verdict is not None]
        return list(self.plan.generic_proofs)


def init_params(
    widths: Sequence[int], seed: int = 0, dtype: Any = np.float64
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random parameters for ``widths`` (deterministic in ``seed``), layer 1 first."""
    rng = np.random.default_rng(seed)
    out = []
    for p in range(1, len(widths)):
        W = rng.normal(0.0, 1.0 / np.sqrt(widths[p - 1]), size=(widths[p], widths[p - 1])).astype(
            dtype
        )
        out.append((W, np.zeros(widths[p], dtype=dtype)))
    return out


def numpy_gradients(
    net: Network, dtype: Any = np.float64, proof_mode: str = "rules"
) -> NumpyGradients:
    """The gradients of ``net`` as NumPy functions compiled in memory (cached per network shape)."""
    check_network(net)
    return _cached(
        tuple(net.widths or ()),
        net.activation,
        net.loss,
        np.dtype(dtype).name,
        proof_mode,
        net.targets,
    )


@lru_cache(maxsize=64)
def _cached(
    widths: tuple[int, ...],
    activation: str,
    loss: str,
    dtype: str,
    proof_mode: str,
    targets: str = "any",
) -> NumpyGradients:
    return NumpyGradients(
        Network(widths=widths, activation=activation, loss=loss, targets=targets),
        np.dtype(dtype),
        proof_mode,
    )


def write_module(net: Network, path: str, proof_mode: str = "rules") -> str:
    """Write the standalone module to ``path`` (byte-identical for the same network); returns it."""
    source = module_source(net, proof_mode, path)
    files.write_atomic(path, source)
    return source
