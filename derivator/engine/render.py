"""Our printer for the article's index notation: LaTeX and Unicode.

SymPy's own printers know nothing of the conventions that carry the meaning here: an
``IndexedBase`` named ``"a^(L-1)"`` is the activation of layer L-1 and prints ``a_{ik}^{(L-1)}``
(a layer tag, never a power); a product should read in chain-rule order (loss side first, layer by
layer downwards) rather than SymPy's alphabetical order; ``KroneckerDelta`` would clash with the
error terms δ.  So we subclass SymPy's ``LatexPrinter`` and ``StrPrinter`` (to keep their coverage
of everything we do not care about) and override the nodes that the notation gives a meaning to.

Both targets share one algorithm (:class:`_NotationPrinter`): how a product is split into a scale
(numbers and sizes such as 1/n), a numerator and a denominator and ordered; when indices are
juxtaposed; which subexpression needs brackets (from the table :data:`PRECEDENCE`).  The two
subclasses only say how each piece looks.

Public API: :func:`to_latex` and :func:`to_unicode`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .activations import OWN, ActivationFunction, ActivationPrime
from .derive import Partial
from .losses import Upstream, UpstreamPrime
from .notation import Tag, parse_tag, split_name

__all__ = ["PRECEDENCE", "LatexRenderer", "Prec", "UnicodeRenderer", "to_latex", "to_unicode"]


# ---------------------------------------------------------------------------------------------
# precedence: one table, used by every decision about brackets


class Prec(IntEnum):
    """Binding strength of what an expression prints as (higher binds tighter)."""

    ADD = 10  # a + b, a − b, and anything printed with a leading minus
    MUL = 20  # juxtaposed products, a/b in Unicode, Σ (its body runs on to the right)
    POW = 30  # x^2
    ATOM = 40  # symbols, indexed quantities, f(x), \frac{..}{..}, [j = k], non-negative integers


#: precedence of each node kind; ``_kind`` maps an expression to one of these keys.  Entries
#: that differ between the targets are pairs (latex, unicode).
PRECEDENCE: dict[str, Prec | tuple[Prec, Prec]] = {
    "add": Prec.ADD,
    "negative": Prec.ADD,
    "mul": Prec.MUL,
    "sum": Prec.MUL,
    "product": Prec.MUL,
    "rational": (Prec.ATOM, Prec.MUL),  # \frac{1}{2} | 1/2
    "partial": (Prec.ATOM, Prec.MUL),  # \frac{\partial L}{\partial a} | ∂L/∂a
    "division": (Prec.ATOM, Prec.MUL),  # Pow(x, -1)
    "pow": Prec.POW,
    "atom": Prec.ATOM,
}

#: kinds whose printout runs on to the right (a Σ's body extends over the product that follows):
#: such a factor must come last in a product, or be bracketed
OPEN_RIGHT = frozenset({"sum", "product"})


def _kind(e: sp.Basic) -> str:
    if isinstance(e, sp.Add):
        return "add"
    if _split_sign(e)[0]:
        return "negative"
    if isinstance(e, sp.Mul):
        return "mul"
    if isinstance(e, sp.Sum):
        return "sum"
    if isinstance(e, sp.Product):
        return "product"
    if isinstance(e, sp.Rational) and not isinstance(e, sp.Integer):
        return "rational"
    if isinstance(e, Partial):
        return "partial"
    if isinstance(e, sp.Pow):
        if e.exp.is_number and e.exp.is_negative:
            return "division"
        if e.exp == sp.S.Half:
            return "atom"  # \sqrt{x}, √x
        return "pow"
    if isinstance(e, sp.core.relational.Relational):
        return "add"
    return "atom"


# ---------------------------------------------------------------------------------------------
# reading names


_BOUND_RE = re.compile(r"^_(\d+)_(\d+)$")  # canonical bound indices of algebra.canonical
_WIDTH_RE = re.compile(r"^n_\((?P<tag>[^)]*)\)$")  # n_(L-1): width of a layer
_PLAIN_RE = re.compile(r"^(?P<stem>[A-Za-z]+?)(?P<digits>\d*)(?P<primes>'*)$")
_GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
    ]
)

#: the quantities that carry a layer tag, as (LaTeX, Unicode)
QUANTITY_GLYPHS: dict[str, tuple[str, str]] = {"delta": (r"\delta", "δ")}

#: which index positions of a quantity are neuron indices (dropped when 0 in single mode)
NEURON_POSITIONS: dict[str, tuple[int, ...]] = {
    "a": (1,),
    "z": (1,),
    "delta": (1,),
    "y": (1,),
    "w": (0, 1),
    "b": (0,),
}


def _is_size(e: sp.Basic) -> bool:
    """n and n_(l): sizes, which a product shows in front with its number (the 1/n of a mean)."""
    return (
        isinstance(e, sp.Symbol)
        and not isinstance(e, sp.Dummy)
        and (e.name == "n" or _WIDTH_RE.match(e.name) is not None)
    )


def _tag_of(e: sp.Basic) -> tuple[str, Tag] | None:
    if isinstance(e, sp.Indexed):
        return split_name(str(e.base.label))
    return None


# ---------------------------------------------------------------------------------------------
# chain-rule order of the factors of a product

_FRONT: tuple[int, int] = (-2, 0)  # constants such as η
_TOP: tuple[int, int] = (-1, 0)  # the loss: L, L_i
_OTHER: tuple[int, int] = (9, 0)  # y and everything without a layer
_BASE_ORDER = {"L": 0, "l": 1, "": 2}


def _layer_key(tag: Tag) -> tuple[int, int]:
    """Sorts top-down: L before L-1, l+1 before l (same base: larger offset first)."""
    return (_BASE_ORDER.get(tag.base, 3), -tag.offset)


def _effective_layer(e: sp.Indexed) -> tuple[int, int] | None:
    """The layer an Indexed belongs to for ordering: a^(p) counts as layer p+1 (it is what w^(p+1)
    multiplies), the loss is on top, y and untagged bases have none."""
    label = str(e.base.label)
    if label == "L":
        return _TOP
    parts = split_name(label)
    if parts is None:
        return None
    q, tag = parts
    return _layer_key(tag.shift(1) if q == "a" else tag)


def _top_layer(e: sp.Basic) -> tuple[int, int]:
    """The top-most layer mentioned anywhere in ``e``."""
    best = _OTHER
    if e == sp.Symbol("L"):
        return _TOP
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Indexed):
            k = _effective_layer(x)
            if k is not None and k < best:
                best = k
        elif isinstance(x, sp.Symbol) and x.name == "L" and not isinstance(x, sp.Dummy):
            best = _TOP
    return best


#: within one layer: (a − y), δ, Ψ′ first; then σ′(z), z; then w, b; then a (already shifted)
_RANK = {"delta": 0, "z": 1, "w": 2, "b": 2, "a": 3}


def _chain_key(f: sp.Basic) -> tuple[Any, ...]:
    """Sort key of one factor of a product in chain-rule order (see the module's docs)."""
    if isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_positive:
        return _chain_key(f.base)
    if isinstance(f, sp.Indexed):
        label = str(f.base.label)
        parts = split_name(label)
        if label == "L":
            return (_TOP, 0, ())
        if parts is None:
            return (_OTHER, 0 if label == "y" else 1, ())
        q, _ = parts
        return (_effective_layer(f), _RANK.get(q, 4), ())
    if isinstance(f, sp.Symbol):
        if f.name == "L" and not isinstance(f, sp.Dummy):
            return (_TOP, 0, ())
        # a constant such as the learning rate η goes in front, like a number; indices at the back
        return (_FRONT, 0, ()) if not f.is_integer else (_OTHER, 1, ())
    if isinstance(f, Partial):
        # ∂L/∂a · ∂a/∂z · ∂z/∂w: by the numerator's layer, then the denominator's
        return (_top_layer(f.num), 0, _top_layer(f.den))
    if isinstance(f, sp.Add):
        return (_top_layer(f), 0, ())
    if isinstance(f, (Upstream, UpstreamPrime)):
        return (_top_layer(f.args[0]), 0, ())
    if isinstance(f, sp.KroneckerDelta):
        return (_OTHER, 3, ())
    if isinstance(f, sp.log):
        # a logarithm is written after what multiplies it, as a textbook writes −y ln a
        return (_OTHER, 4, ())
    if isinstance(f, sp.Function):
        layer = _top_layer(f)
        return (layer, 1, ()) if layer != _OTHER else (_OTHER, 2, ())
    return (_top_layer(f), 5, ())


# ---------------------------------------------------------------------------------------------
# signs and scales


def _split_sign(e: sp.Basic) -> tuple[bool, sp.Basic]:
    """(True, −e) when ``e`` prints with a leading minus, else (False, e)."""
    if isinstance(e, sp.Number) and e.is_negative:
        return True, -e
    if isinstance(e, sp.Mul):
        c = e.args[0]
        if isinstance(c, sp.Number) and c.is_negative:
            return True, -e
    return False, e


def _is_scale(f: sp.Basic) -> bool:
    """Numbers and sizes (n, n_(l)) and their powers: the product shows them in front."""
    if isinstance(f, sp.Number):
        return True
    if isinstance(f, sp.Pow):
        return _is_size(f.base) and f.exp.is_Integer
    return _is_size(f)


def _hoist(e: sp.Basic) -> sp.Basic:
    """Pull numbers and sizes out of sum bodies: Σ_i a_i/n → (1/n) Σ_i a_i, Σ_i −a_i → −Σ_i a_i.

    Always valid (a size is never a bound index), and it is how people write a mean; the engine's
    normal form keeps them inside the sums."""
    if e.is_Atom or isinstance(e, (sp.Indexed, sp.IndexedBase)):
        return e
    args = [_hoist(a) if isinstance(a, sp.Basic) else a for a in e.args]
    if isinstance(e, sp.Sum):
        body = args[0]
        bound = {lim[0] for lim in e.limits}
        outside = [
            f for f in sp.Mul.make_args(body) if _is_scale(f) and not (f.free_symbols & bound)
        ]
        if outside:
            inside = [f for f in sp.Mul.make_args(body) if not any(f is o for o in outside)]
            return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *e.limits)
        return sp.Sum(body, *e.limits) if body is not e.args[0] else e
    if all(a is b for a, b in zip(args, e.args)):
        return e
    if isinstance(e, (sp.Add, sp.Mul, sp.Pow)):
        return e.func(*args)  # evaluated: a hoisted 1/n merges into the enclosing product
    try:
        return e.func(*args, evaluate=False)  # Eq(x, x) must not become True
    except TypeError:
        return e.func(*args)


def _rename_dummies(e: sp.Basic) -> sp.Basic:
    """Give Dummies that share a printed name (or clash with a free symbol) distinct names, with
    primes (d, d′, d″), in order of first appearance: two different bound indices must never print
    the same."""
    dummies: list[sp.Dummy] = []
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Dummy) and x not in dummies:
            dummies.append(x)
    if not dummies:
        return e
    taken = {s.name for s in e.free_symbols if not isinstance(s, sp.Dummy)}
    taken |= {str(x.label) for x in sp.preorder_traversal(e) if isinstance(x, sp.IndexedBase)}
    mapping: dict[sp.Basic, sp.Basic] = {}
    for d in dummies:
        name = d.name
        while name in taken:
            name += "'"
        taken.add(name)
        mapping[d] = sp.Symbol(name, **d.assumptions0)
    return e.xreplace(mapping)


# ---------------------------------------------------------------------------------------------
# the shared algorithm


#: the letters a loss may be printed with (``loss_letter``): (LaTeX, Unicode)
LOSS_LETTERS: dict[str, tuple[str, str]] = {
    "L": ("L", "L"),
    "C": ("C", "C"),
    "ℒ": ("\\mathcal{L}", "ℒ"),
}
_LOSS: ContextVar[str] = ContextVar("loss_letter", default="L")


@contextmanager
def loss_letter(letter: str) -> Iterator[None]:
    """Print the loss (``L`` and ``L_i``) as ``letter`` (C, ℒ) inside the block: an article whose
    output layer is L can call its loss C, as Nielsen does.  Only the printing changes; the
    expressions (and their proofs) keep the loss named L."""
    if letter not in LOSS_LETTERS:
        raise ValueError(f"loss letter {letter!r}: choose {', '.join(LOSS_LETTERS)}")
    token = _LOSS.set(letter)
    try:
        yield
    finally:
        _LOSS.reset(token)


class _NotationPrinter:
    """Everything both targets share.  Subclasses provide the hooks marked "target"."""

    target: int = 0  # index into the (latex, unicode) pairs of PRECEDENCE
    _single: bool = False
    _compact: int = 0  # > 0 inside sub/superscripts: no spaces around + and −

    #: SymPy's dispatcher, from the printer class this one is mixed into
    _print: Callable[..., str]

    # ---- target hooks ---------------------------------------------------------------------
    minus: str = "-"
    product_sep: str = " "

    def _paren_str(self, s: str) -> str:  # target
        return f"({s})"

    def _frac(
        self, num: str, den: str, *, num_prec: Prec, den_prec: Prec, num_open: bool
    ) -> str:  # target
        raise NotImplementedError

    def _scripted(self, stem: str, sub: str | None, sup: str | None) -> str:  # target
        raise NotImplementedError

    def _name(self, name: str) -> str:  # target: a symbol's name
        raise NotImplementedError

    def _sum_head(self, var: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> str:  # target
        raise NotImplementedError

    def _call(self, head: str, args: Sequence[str]) -> str:
        return f"{head}({', '.join(args)})"

    # ---- entry ----------------------------------------------------------------------------
    def doprint(self, expr: Any) -> str:
        e = sp.sympify(expr, strict=True)  # numbers and SymPy objects only: never parse a string
        return super().doprint(_hoist(_rename_dummies(e)))  # type: ignore[misc]

    # ---- brackets -------------------------------------------------------------------------
    def _prec(self, e: sp.Basic) -> Prec:
        p = PRECEDENCE[_kind(e)]
        return p[self.target] if isinstance(p, tuple) else p

    def _wrap(self, e: sp.Basic, level: Prec, *, strict: bool = False, last: bool = True) -> str:
        """Print ``e``, bracketed when it binds less tightly than ``level`` (or equally, when
        ``strict``), or when it runs on to the right and is not ``last``."""
        s = self._print(e)
        p = self._prec(e)
        if p < level or (strict and p == level) or (not last and _kind(e) in OPEN_RIGHT):
            return self._paren_str(s)
        return s

    # ---- indices --------------------------------------------------------------------------
    def _index_text(self, indices: Iterable[sp.Basic]) -> str:
        """Juxtapose one-character indices (``ij``, ``j(k-1)``); separate with commas when one of
        them is longer (``i,12``, ``j,k1``).  Compound indices are always bracketed."""
        self._compact += 1
        try:
            items: list[tuple[str, str]] = []  # (text, kind: one | multi | compound)
            for x in indices:
                s = self._print(x)
                if isinstance(x, sp.Symbol):
                    m = _PLAIN_RE.match(x.name)
                    one = (
                        m is not None
                        and (len(m.group("stem")) == 1 or m.group("stem") in _GREEK)
                        and not m.group("digits")
                    )
                    items.append((s, "one" if one else "multi"))
                elif isinstance(x, sp.Integer) and x >= 0:
                    items.append((s, "one" if x < 10 else "multi"))
                else:
                    items.append((self._paren_str(s), "compound"))
        finally:
            self._compact -= 1
        return ("," if any(k == "multi" for _, k in items) else "").join(s for s, _ in items)

    def _indexed_parts(self, e: sp.Indexed) -> tuple[str, str | None, str | None]:
        """(stem, subscript, superscript) of an indexed quantity."""
        label = str(e.base.label)
        indices = list(e.indices)
        parts = split_name(label)
        q, tag = parts if parts is not None else (label, None)
        if self._single and q in NEURON_POSITIONS:
            pos = [p for p in NEURON_POSITIONS[q] if p < len(indices)]
            if pos and all(indices[p] == 0 for p in pos):
                indices = [x for n, x in enumerate(indices) if n not in pos]
        stem = self._quantity(q)
        sub = self._index_text(indices) if indices else None
        sup = f"({self._tag_text(tag)})" if tag is not None else None
        return stem, sub, sup

    def _loss(self) -> str:
        """The loss letter in this target (``loss_letter``)."""
        return LOSS_LETTERS[_LOSS.get()][self.target]

    def _quantity(self, q: str) -> str:
        if q == "L":
            return self._loss()
        if q in QUANTITY_GLYPHS:
            return QUANTITY_GLYPHS[q][self.target]
        return self._name(q)

    def _tag_text(self, tag: Tag) -> str:
        return str(tag).replace("-", self.minus)

    # ---- nodes ----------------------------------------------------------------------------
    def _print_Indexed(self, e: sp.Indexed) -> str:
        return self._scripted(*self._indexed_parts(e))

    def _print_IndexedBase(self, e: sp.IndexedBase) -> str:
        parts = split_name(str(e.label))
        if parts is None:
            return self._name(str(e.label))
        return self._scripted(self._quantity(parts[0]), None, f"({self._tag_text(parts[1])})")

    def _print_Symbol(self, e: sp.Symbol) -> str:
        if e.name == "L" and not isinstance(e, sp.Dummy):
            return self._loss()
        m = _WIDTH_RE.match(e.name)
        if m:
            try:
                tag = parse_tag(m.group("tag"))
            except ValueError:
                return self._name(e.name)
            return self._scripted("n", f"({self._tag_text(tag)})", None)
        return self._name(e.name)

    _print_Dummy = _print_Symbol

    def _print_Add(self, e: sp.Add, order: Any = None) -> str:
        """Positive terms first (in SymPy's order), then the negative ones: a − y, not −y + a."""
        terms = list(e.as_ordered_terms())
        signed = [_split_sign(t) for t in terms]
        signed = [s for s in signed if not s[0]] + [s for s in signed if s[0]]
        space = "" if self._compact else " "
        out = ""
        for n, (neg, t) in enumerate(signed):
            s = self._wrap(t, Prec.ADD, strict=True)
            if n == 0:
                out = (self.minus + s) if neg else s
            else:
                out += f"{space}{self.minus if neg else '+'}{space}{s}"
        return out

    def _mul_parts(
        self, e: sp.Mul
    ) -> tuple[bool, list[sp.Basic], list[sp.Basic], list[sp.Basic], list[sp.Basic]]:
        """Split a product into sign, scale numerator/denominator (numbers, sizes) and the other
        factors' numerator/denominator, each in chain-rule order, Σ factors last."""
        neg, pos = _split_sign(e)
        snum: list[sp.Basic] = []
        sden: list[sp.Basic] = []
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        for f in sp.Mul.make_args(pos):
            if isinstance(f, sp.Rational):
                if f.p != 1:
                    snum.append(sp.Integer(f.p))
                if f.q != 1:
                    sden.append(sp.Integer(f.q))
            elif isinstance(f, sp.Number):
                snum.append(f)
            elif isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_negative:
                (sden if _is_scale(f) else den).append(sp.Pow(f.base, -f.exp))
            else:
                (snum if _is_scale(f) else num).append(f)
        return (
            neg,
            self._ordered(snum, scale=True),
            self._ordered(sden, scale=True),
            self._ordered(num),
            self._ordered(den),
        )

    def _ordered(self, fs: list[sp.Basic], *, scale: bool = False) -> list[sp.Basic]:
        if scale:
            return sorted(fs, key=lambda f: (not isinstance(f, sp.Number), sp.sstr(f, order="lex")))
        # ties are broken by SymPy's plain printout, so both targets order alike
        return sorted(
            fs, key=lambda f: (isinstance(f, sp.Sum), _chain_key(f), sp.sstr(f, order="lex"))
        )

    def _product(self, fs: list[sp.Basic]) -> str:
        """Juxtapose factors; a factor that runs on to the right (Σ) is bracketed unless last."""
        strs = [self._wrap(f, Prec.MUL, last=(n == len(fs) - 1)) for n, f in enumerate(fs)]
        out = ""
        for n, s in enumerate(strs):
            if n == 0:
                out = s
            elif s[:1].isdigit() and strs[n - 1][-1:].isdigit():
                out += self._digit_sep() + s
            else:
                out += self.product_sep + s
        return out

    def _digit_sep(self) -> str:
        return self.product_sep

    def _print_Mul(self, e: sp.Mul) -> str:
        neg, snum, sden, num, den = self._mul_parts(e)
        pieces: list[str] = []
        if sden:
            pieces.append(
                self._frac(
                    self._product(snum) if snum else "1",
                    self._product(sden),
                    num_prec=Prec.ATOM,
                    den_prec=self._product_prec(sden),
                    num_open=False,
                )
            )
            if num or den:
                pieces[-1] = self._scale_wrap(pieces[-1])
        elif snum:
            pieces.append(self._product(snum))
        if den:
            pieces.append(
                self._frac(
                    self._product(num) if num else "1",
                    self._product(den),
                    num_prec=self._product_prec(num),
                    den_prec=self._product_prec(den),
                    num_open=bool(num) and _kind(num[-1]) in OPEN_RIGHT,
                )
            )
        elif num:
            pieces.append(self._product(num))
        out = self.product_sep.join(pieces)
        return (self.minus + out) if neg else out

    def _scale_wrap(self, s: str) -> str:
        """A fractional scale in front of more factors (Unicode brackets it: (1/n)·…)."""
        return s

    def _product_prec(self, fs: list[sp.Basic]) -> Prec:
        if not fs:
            return Prec.ATOM
        if len(fs) > 1:
            return Prec.MUL
        return self._prec(fs[0])

    def _print_Sum(self, e: sp.Sum) -> str:
        """Outermost sum first (SymPy stores the innermost limit first); a body that is a sum of
        terms is bracketed, since a Σ's body only extends over the product that follows."""
        heads = [self._sum_head(*lim) for lim in reversed(e.limits)]
        body = self._wrap(e.function, Prec.MUL)
        return " ".join(heads + [body])

    def _print_Product(self, e: sp.Product) -> str:
        """∏ₖ over a whole range (0 … size − 1), else with its bounds, ∏_{k=0..j−1}."""
        heads = []
        for var, lo, hi in reversed(e.limits):
            self._compact += 1
            try:
                v = self._print(var)
                whole = lo == 0 and isinstance(hi + 1, sp.Symbol) and (hi + 1).is_positive
                if whole:
                    sub = _to_script(v, _SUB)
                    heads.append("∏" + (sub if sub is not None else f"_{{{v}}}"))
                else:
                    heads.append(f"∏_{{{v}={self._print(lo)}..{self._print(hi)}}}")
            finally:
                self._compact -= 1
        return " ".join(heads + [self._wrap(e.function, Prec.MUL)])

    def _print_Pow(self, e: sp.Pow) -> str:
        b, x = e.base, e.exp
        if x.is_number and x.is_negative:
            inv = b if x == -1 else sp.Pow(b, -x)
            return self._frac(
                "1",
                self._print(inv),
                num_prec=Prec.ATOM,
                den_prec=self._prec(inv),
                num_open=False,
            )
        if x == sp.S.Half:
            return self._sqrt(b)
        return self._power(self._wrap_base(b), x)

    def _wrap_base(self, e: sp.Basic) -> str:
        """The base of a power: bracketed unless an atom; an indexed quantity with a layer tag is
        bracketed too, (a_{ij}^{(L)})^2, since its superscript is not a power."""
        if isinstance(e, sp.Pow):
            return self._wrap(e, Prec.ATOM)
        if isinstance(e, sp.Indexed) and _tag_of(e) is not None:
            return self._paren_str(self._print(e))
        if isinstance(e, sp.IndexedBase) and split_name(str(e.label)) is not None:
            return self._paren_str(self._print(e))
        return self._wrap(e, Prec.ATOM)

    def _power(self, base: str, exp: sp.Basic) -> str:  # target
        raise NotImplementedError

    def _sqrt(self, b: sp.Basic) -> str:  # target
        raise NotImplementedError

    def _print_KroneckerDelta(self, e: sp.KroneckerDelta) -> str:
        """Iverson bracket [j = k]: δ is taken by the error terms."""
        a, b = e.args
        if a.is_number and not b.is_number:
            a, b = b, a  # [j = 0], not [0 = j]
        return f"[{self._print(a)} = {self._print(b)}]"

    def _print_Function(self, e: sp.Function, **kw: Any) -> str:
        # SymPy's dispatcher skips intermediate classes of Function subclasses, so the notation's
        # functions are recognised here by isinstance.
        args = [self._print(a) for a in e.args]
        if isinstance(e, (ActivationFunction, ActivationPrime)):
            # a layer's own function carries its layer: σ_{l+1}′(z^(l)) is not σ_l′(z^(l))
            layer = e.activation[len(OWN) :] if e.activation.startswith(OWN) else None
            return self._call(self._sigma(isinstance(e, ActivationPrime), layer), args)
        if isinstance(e, UpstreamPrime):
            return self._call(self._psi(True), args[:1])
        if isinstance(e, Upstream):
            return self._call(self._psi(False), args[:1])
        return super()._print_Function(e, **kw)  # type: ignore[misc]

    def _sigma(self, prime: bool, layer: str | None = None) -> str:  # target
        raise NotImplementedError

    def _psi(self, prime: bool) -> str:  # target
        raise NotImplementedError

    def _print_Partial(self, e: Partial) -> str:
        num = self._wrap(e.num, Prec.ATOM)
        den = self._wrap(e.den, Prec.ATOM)
        return self._partial(num, den)

    def _partial(self, num: str, den: str) -> str:  # target
        raise NotImplementedError

    def _print_Rational(self, e: sp.Rational) -> str:
        neg, a = _split_sign(e)
        s = self._frac(str(a.p), str(a.q), num_prec=Prec.ATOM, den_prec=Prec.ATOM, num_open=False)
        return (self.minus + s) if neg else s

    def _print_Integer(self, e: sp.Integer) -> str:
        return (self.minus + str(-e.p)) if e.p < 0 else str(e.p)


# ---------------------------------------------------------------------------------------------
# LaTeX


def _latex_name(name: str) -> str | None:
    """A legal, readable LaTeX name: ``_0_1`` → ``\\iota_{1}``, ``eta`` → ``\\eta``, ``j'``;
    None for names of another shape (SymPy's own rules then apply: ``x_1`` → ``x_{1}``)."""
    m = _BOUND_RE.match(name)
    if m:
        d, n = m.groups()
        return rf"\iota_{{{n}}}" if d == "0" else rf"\iota_{{{d},{n}}}"
    m = _PLAIN_RE.match(name)
    if m:
        stem = m.group("stem")
        if stem in _GREEK or (stem[0].isupper() and stem[1:].islower() and stem.lower() in _GREEK):
            stem = "\\" + stem
        elif len(stem) > 1:
            stem = rf"\mathrm{{{stem}}}"
        return stem + m.group("digits") + m.group("primes")
    return None


class LatexRenderer(_NotationPrinter, LatexPrinter):
    """LaTeX in the article's notation."""

    printmethod = "_derivator_latex"  # not the objects' own _latex, which serves SymPy's latex()
    target = 0
    minus = "-"
    product_sep = " "

    def __init__(self, single: bool = False) -> None:
        LatexPrinter.__init__(self)
        self._single = single

    def _paren_str(self, s: str) -> str:
        if r"\frac" in s or r"\sum" in s:
            return rf"\left({s}\right)"
        return f"({s})"

    def _digit_sep(self) -> str:
        return r" \cdot "

    def _frac(self, num: str, den: str, *, num_prec: Prec, den_prec: Prec, num_open: bool) -> str:
        return rf"\frac{{{num}}}{{{den}}}"

    def _scripted(self, stem: str, sub: str | None, sup: str | None) -> str:
        out = stem
        if sub is not None:
            out += f"_{{{sub}}}"
        if sup is not None:
            out += f"^{{{sup}}}"
        return out

    def _print_Indexed(self, e: sp.Indexed) -> str:
        stem, sub, sup = self._indexed_parts(e)
        if str(e.base.label) == "L" and sub is not None and len(sub) == 1:
            return f"{self._loss()}_{sub}"  # the article's L_i
        return self._scripted(stem, sub, sup)

    def _name(self, name: str) -> str:
        out = _latex_name(name)
        return out if out is not None else self._deal_with_super_sub(name)

    def _sum_head(self, var: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> str:
        self._compact += 1
        try:
            return rf"\sum_{{{self._print(var)}={self._print(lo)}}}^{{{self._print(hi)}}}"
        finally:
            self._compact -= 1

    def _power(self, base: str, exp: sp.Basic) -> str:
        self._compact += 1
        try:
            return f"{base}^{{{self._print(exp)}}}"
        finally:
            self._compact -= 1

    def _sqrt(self, b: sp.Basic) -> str:
        return rf"\sqrt{{{self._print(b)}}}"

    def _sigma(self, prime: bool, layer: str | None = None) -> str:
        sub = f"_{{{layer}}}" if layer is not None else ""
        return rf"\sigma{sub}'" if prime else rf"\sigma{sub}"

    def _psi(self, prime: bool) -> str:
        return r"\Psi'" if prime else r"\Psi"

    def _call(self, head: str, args: Sequence[str]) -> str:
        return head + self._paren_str(", ".join(args))

    def _partial(self, num: str, den: str) -> str:
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"

    def _print_exp(self, e: sp.exp) -> str:
        self._compact += 1
        try:
            return f"e^{{{self._print(e.args[0])}}}"
        finally:
            self._compact -= 1

    def _print_log(self, e: sp.log) -> str:
        return r"\ln" + self._paren_str(self._print(e.args[0]))

    def _print_tanh(self, e: sp.tanh) -> str:
        """``\\tanh(x)`` as a textbook writes it (SymPy: ``\\tanh{\\left(x \\right)}``)."""
        return self._call(rf"\{type(e).__name__}", [self._print(e.args[0])])

    _print_sinh = _print_cosh = _print_sin = _print_cos = _print_tanh


# ---------------------------------------------------------------------------------------------
# Unicode

_SUB = dict(
    zip("0123456789+-−=()aehijklmnoprstuvxəβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓₔᵦᵧᵨᵩᵪ")
)
_SUP = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁᵂ",
    )
)
_GREEK_UNICODE = dict(
    zip(
        [
            "alpha",
            "beta",
            "gamma",
            "delta",
            "epsilon",
            "zeta",
            "eta",
            "theta",
            "iota",
            "kappa",
            "lambda",
            "mu",
            "nu",
            "xi",
            "omicron",
            "pi",
            "rho",
            "sigma",
            "tau",
            "upsilon",
            "phi",
            "chi",
            "psi",
            "omega",
        ],
        "αβγδεζηθικλμνξοπρστυφχψω",
    )
)
_GREEK_UNICODE.update({k.capitalize(): v.upper() for k, v in list(_GREEK_UNICODE.items())})


def _to_script(s: str, table: dict[str, str]) -> str | None:
    if all(c in table for c in s):
        return "".join(table[c] for c in s)
    return None


def _unicode_name(name: str) -> str:
    m = _BOUND_RE.match(name)
    if m:
        d, n = m.groups()
        if d == "0":
            return "ι" + (_to_script(n, _SUB) or n)
        return f"ι_{{{d},{n}}}"
    m = _PLAIN_RE.match(name)
    if m:
        stem = _GREEK_UNICODE.get(m.group("stem"), m.group("stem"))
        return stem + m.group("digits") + "′" * len(m.group("primes"))
    return name


class UnicodeRenderer(_NotationPrinter, StrPrinter):
    """Plain text with Unicode sub/superscripts where every character has one."""

    printmethod = "_derivator_unicode"  # Partial._sympystr must not take over
    target = 1
    minus = "−"
    product_sep = "·"

    def __init__(self, single: bool = False) -> None:
        StrPrinter.__init__(self)
        self._single = single

    def _frac(self, num: str, den: str, *, num_prec: Prec, den_prec: Prec, num_open: bool) -> str:
        if num_prec < Prec.MUL or num_open or "/" in num:  # (∂L/∂a)/x, not ∂L/∂a/x
            num = self._paren_str(num)
        if den_prec < Prec.ATOM:
            den = self._paren_str(den)
        return f"{num}/{den}"

    def _scale_wrap(self, s: str) -> str:
        return self._paren_str(s)

    def _scripted(self, stem: str, sub: str | None, sup: str | None) -> str:
        """Real sub/superscripts when every character has one, else ``a_{ij′}^(L−1)``."""
        ssub = _to_script(sub, _SUB) if sub is not None else ""
        ssup = _to_script(sup, _SUP) if sup is not None else ""
        if ssub is not None and ssup is not None:
            return stem + ssub + ssup
        out = stem
        if sub is not None:
            out += f"_{{{sub}}}"
        if sup is not None:
            out += f"^{sup}"
        return out

    def _name(self, name: str) -> str:
        return _unicode_name(name)

    def _sum_head(self, var: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> str:
        """Σᵢ: the bounds follow from the index; shown only when the sum does not start at 0."""
        self._compact += 1
        try:
            v = self._print(var)
            if lo != 0:
                return f"Σ_{{{v}={self._print(lo)}..{self._print(hi)}}}"
        finally:
            self._compact -= 1
        sub = _to_script(v, _SUB)
        return "Σ" + (sub if sub is not None else f"_{{{v}}}")

    def _power(self, base: str, exp: sp.Basic) -> str:
        self._compact += 1
        try:
            x = self._print(exp)
        finally:
            self._compact -= 1
        sup = _to_script(x, _SUP)
        if sup is not None:
            return base + sup
        if not x.isalnum():  # e^(zᵢⱼ⁽ᴸ⁾), x^(k+1): the exponent's extent must be visible
            x = self._paren_str(x)
        return f"{base}^{x}"

    def _sqrt(self, b: sp.Basic) -> str:
        return "√" + self._wrap(b, Prec.ATOM)

    def _sigma(self, prime: bool, layer: str | None = None) -> str:
        sub = "" if layer is None else f"_{layer}" if len(layer) == 1 else f"_({layer})"
        return f"σ{sub}′" if prime else f"σ{sub}"

    def _psi(self, prime: bool) -> str:
        return "Ψ′" if prime else "Ψ"

    def _partial(self, num: str, den: str) -> str:
        return f"∂{num}/∂{den}"

    def _print_exp(self, e: sp.exp) -> str:
        return self._power("e", e.args[0])

    def _print_log(self, e: sp.log) -> str:
        return self._call("ln", [self._print(e.args[0])])

    def _print_Max(self, e: sp.Max) -> str:
        return self._call("max", [self._print(a) for a in e.args])

    def _print_Min(self, e: sp.Min) -> str:
        return self._call("min", [self._print(a) for a in e.args])

    def _print_Abs(self, e: sp.Abs) -> str:
        return f"|{self._print(e.args[0])}|"

    def _print_Relational(self, e: sp.core.relational.Relational) -> str:
        op = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥"}.get(e.rel_op, e.rel_op)
        return f"{self._print(e.lhs)} {op} {self._print(e.rhs)}"

    def _print_Float(self, e: sp.Float) -> str:
        s = StrPrinter._print_Float(self, e)
        return s.replace("-", self.minus)


# ---------------------------------------------------------------------------------------------
# API


def to_latex(expr: Any, *, single: bool = False) -> str:
    """LaTeX in the article's notation.  ``single``: one neuron per layer, so neuron indices that
    are 0 are left out (``a_{i}^{(L)}``, ``w^{(L)}``); the sample index stays."""
    return LatexRenderer(single=single).doprint(expr)


def to_unicode(expr: Any, *, single: bool = False) -> str:
    """Plain Unicode in the article's notation (``(1/n)·Σᵢ aᵢₖ⁽ᴸ⁻¹⁾·δᵢⱼ⁽ᴸ⁾``); ``single`` as for
    :func:`to_latex`."""
    return UnicodeRenderer(single=single).doprint(expr)


def unicode_parts(expr: sp.Indexed, *, single: bool = False) -> tuple[str, str | None, str | None]:
    """(stem, subscript, superscript) of an indexed quantity in Unicode: ``a^(L-1)[k]`` gives
    ``("a", "k", "(L−1)")``.  For drawings (SVG) that set the scripts themselves, so that a
    diagram's labels come from the same printer as the formulas."""
    return UnicodeRenderer(single=single)._indexed_parts(expr)
