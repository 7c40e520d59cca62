"""A tiny expression language for backpropagation relations, and its LaTeX printer.

Templates and mutants are trees of these nodes, so that one tree gives both the text derivator
reads (``latex``) and the value our own evaluator computes (``evaluate.py``): a mutant can never
drift from its truth.  Nothing here imports derivator.

Indices are one-letter strings (or small integers); a sum's range is the size it names
(``hi``), written 0-based or 1-based (``one``), or inferred from where its index stands
(``hi=None``).  Matrices (``M``) are quantities whose two axes are named ``#r`` and ``#c``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from fractions import Fraction


@dataclass(frozen=True, order=True)
class Tag:
    """A layer tag: ``L`` or ``l`` and an offset (``L-1`` is Tag("L", -1))."""

    base: str
    off: int = 0

    def shift(self, k: int) -> Tag:
        return Tag(self.base, self.off + k)

    def __str__(self) -> str:
        return self.base if self.off == 0 else f"{self.base}{self.off:+d}"


@dataclass(frozen=True)
class Num:
    value: Fraction
    #: how it is written when not the plain default (``0.5``, ``{1 \over 2}``)
    text: str = ""


@dataclass(frozen=True)
class Size:
    """n (layer None) or the width n_(layer)."""

    layer: Tag | None = None


@dataclass(frozen=True)
class Q:
    """A network quantity: a, z, w, b, delta, y, Li (L_i) or L (the mean loss)."""

    kind: str
    layer: Tag | None
    idx: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Add:
    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Mul:
    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Frac:
    num: Node
    den: Node


@dataclass(frozen=True)
class Pow:
    base: Node
    exp: int


@dataclass(frozen=True)
class Sum:
    var: str
    body: Node
    #: the number of terms (a size expression); None: the range the index stands for
    hi: Node | None = None
    #: written 1..hi instead of 0..hi-1
    one: bool = False
    #: the first position summed (0-based), written \sum_{var=lo}^{hi-1}: a short range
    lo: int = 0
    #: a free index j: the sum starts after it, written \sum_{var=j+1}^{hi-1}
    after: str | None = None


@dataclass(frozen=True)
class Fn:
    """sigma, sigmap (σ′), exp, ln."""

    name: str
    arg: Node


@dataclass(frozen=True)
class D:
    """∂num/∂den: the true partial derivative through the network."""

    num: Node
    den: Q


@dataclass(frozen=True)
class M:
    """A matrix: A, Z, W, Delta, Y, gradW (∇W), gradB (∇B), dLdA (∂L_i/∂A), ones (𝟏)."""

    kind: str
    layer: Tag | None = None


@dataclass(frozen=True)
class T:
    """Transpose."""

    x: Node


@dataclass(frozen=True)
class MatMul:
    x: Node
    y: Node


@dataclass(frozen=True)
class Had:
    """Entrywise product (odot) or quotient (oslash)."""

    x: Node
    y: Node
    op: str = "odot"


@dataclass(frozen=True)
class Row:
    """Row ``var`` of a matrix: ``\\Delta^{(l)}_{i\\cdot}``."""

    var: str
    x: M


@dataclass(frozen=True)
class Kron:
    """The bracket [x = y]: 1 when the two indices are equal, else 0."""

    x: str
    y: str


Node = Num | Size | Q | Add | Mul | Frac | Pow | Sum | Fn | D | M | T | MatMul | Had | Row | Kron


@dataclass(frozen=True)
class Rel:
    """A relation with the directives it needs."""

    lhs: Node
    rhs: Node
    activation: str = "sigmoid"
    loss: str = "mse"
    network: str = "general"
    #: the output layer's activation when it differs from ``activation`` ("": the same)
    output_activation: str = ""

    @property
    def directives(self) -> tuple[str, str, str, str]:
        return (self.activation, self.loss, self.network, self.output_activation)


# ---------------------------------------------------------------------------------------------
# building helpers (short names keep the templates readable)


def num(p: int, q: int = 1) -> Num:
    return Num(Fraction(p, q))


def neg(x: Node) -> Node:
    return Mul((num(-1), x))


def sub(x: Node, y: Node) -> Add:
    return Add((x, neg(y)))


def mean_of(x: Node, var: str = "i") -> Node:
    """(1/n) Σ_i x, as the article writes every gradient of L."""
    return Mul((Frac(num(1), Size()), Sum(var, x, Size())))


def half() -> Num:
    return num(1, 2)


# ---------------------------------------------------------------------------------------------
# generic tree walking: every mutation is "replace the node at this path"

Path = tuple[tuple[str, int], ...]


def children(node: object) -> Iterator[tuple[str, int, Node]]:
    if not hasattr(node, "__dataclass_fields__"):
        return
    for f in fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, tuple) and f.name in ("terms", "factors"):
            for k, x in enumerate(v):
                yield f.name, k, x
        elif hasattr(v, "__dataclass_fields__") and not isinstance(v, Tag):
            yield f.name, -1, v


def walk(node: Node, path: Path = ()) -> Iterator[tuple[Path, Node]]:
    """Every subnode with its path, parents first."""
    yield path, node
    for name, k, child in children(node):
        yield from walk(child, path + ((name, k),))


def at(node: Node, path: Path) -> Node:
    for name, k in path:
        v = getattr(node, name)
        node = v[k] if k >= 0 else v
    return node


def put(node: Node, path: Path, new: Node) -> Node:
    """The tree with the node at ``path`` replaced by ``new``."""
    if not path:
        return new
    (name, k), rest = path[0], path[1:]
    v = getattr(node, name)
    if k >= 0:
        items = list(v)
        items[k] = put(items[k], rest, new)
        return replace(node, **{name: tuple(items)})  # type: ignore[type-var]
    return replace(node, **{name: put(v, rest, new)})  # type: ignore[type-var]


def transform(node: Node, f: Callable[[Node], Node]) -> Node:
    """The tree rebuilt bottom-up with ``f`` applied to every node."""
    changes: dict[str, object] = {}
    for name, k, child in children(node):
        new = transform(child, f)
        if k >= 0:
            items = list(changes.get(name, getattr(node, name)))  # type: ignore[call-overload]
            items[k] = new
            changes[name] = tuple(items)
        else:
            changes[name] = new
    return f(replace(node, **changes) if changes else node)  # type: ignore[type-var]


def position_ranges(q: Q) -> tuple[object, ...]:
    """What each index position of a quantity runs over: "n" (samples), a layer, or "top"
    (the output layer, for y)."""
    t = q.layer
    return {
        "a": ("n", t),
        "z": ("n", t),
        "delta": ("n", t),
        "w": (t, t.shift(-1) if t else None),
        "b": (t,),
        "y": ("n", "top"),
        "Li": ("n",),
        "L": (),
    }[q.kind]


def tags(node: Node) -> set[Tag]:
    out: set[Tag] = set()
    for _, x in walk(node):
        layer = getattr(x, "layer", None)
        if isinstance(layer, Tag):
            out.add(layer)
    return out


# ---------------------------------------------------------------------------------------------
# LaTeX in derivator's notation (notation.md)

MATRIX_NAMES = {
    "A": "A",
    "Z": "Z",
    "W": "W",
    "Delta": r"\Delta",
    "gradW": r"\nabla W",
    "gradB": r"\nabla B",
}


def _tag(t: Tag | None) -> str:
    return "" if t is None else f"^{{({t})}}"


def _sub(idx: tuple[str | int, ...]) -> str:
    return "" if not idx else "_{" + "".join(str(x) for x in idx) + "}"


def _frac(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else rf"\frac{{{v.numerator}}}{{{v.denominator}}}"


def is_negative(x: Node) -> bool:
    """Is x printed with a leading minus?"""
    if isinstance(x, Num):
        return x.value < 0 and not x.text
    if isinstance(x, Add):
        return bool(x.terms) and is_negative(x.terms[0])
    return isinstance(x, Mul) and bool(x.factors) and is_negative(x.factors[0])


def negate(x: Node) -> Node:
    """-x with the sign folded into a leading number (for printing a difference)."""
    if isinstance(x, Num):
        return Num(-x.value)
    if isinstance(x, Mul) and x.factors and is_negative(x.factors[0]):
        first, rest = negate(x.factors[0]), x.factors[1:]
        if first == Num(Fraction(1)):
            return rest[0] if len(rest) == 1 else Mul(rest)
        return Mul((first,) + rest)
    return neg(x)


def _terms(x: Add) -> list[Node]:
    out: list[Node] = []
    for t in x.terms:
        out += _terms(t) if isinstance(t, Add) else [t]
    return out


def latex(x: Node) -> str:
    if isinstance(x, Num):
        if x.text:
            return x.text
        return "-" + _frac(-x.value) if x.value < 0 else _frac(x.value)
    if isinstance(x, Size):
        return "n" if x.layer is None else f"n_{{({x.layer})}}"
    if isinstance(x, Q):
        if x.kind == "L":
            return "L"
        if x.kind == "Li":
            return "L" + _sub(x.idx)
        name = r"\delta" if x.kind == "delta" else x.kind
        return name + _sub(x.idx) + _tag(x.layer)
    if isinstance(x, Add):
        out = ""
        for k, t in enumerate(_terms(x)):
            if is_negative(t):
                out += (" - " if k else "-") + _factor(negate(t), first=True)
            else:
                out += (" + " if k else "") + latex(t)
        return out
    if isinstance(x, Mul):
        fs = x.factors
        if fs and isinstance(fs[0], Num) and fs[0].value == -1 and not fs[0].text and len(fs) > 1:
            return "-" + _factor(Mul(fs[1:]) if len(fs) > 2 else fs[1])
        parts = []
        for k, f in enumerate(fs):
            s = _factor(f, first=k == 0, last=k == len(fs) - 1)
            parts.append(s if k == 0 or not isinstance(f, Num) else r"\cdot " + s)
        return " ".join(parts)
    if isinstance(x, Frac):
        return rf"\frac{{{latex(x.num)}}}{{{latex(x.den)}}}"
    if isinstance(x, Pow):
        return rf"\left({latex(x.base)}\right)^{{{x.exp}}}"
    if isinstance(x, Sum):
        if x.hi is None:
            bounds = f"_{{{x.var}}}"
        elif x.after:
            bounds = f"_{{{x.var}={x.after}+1}}^{{{latex(Add((x.hi, num(-1))))}}}"
        elif x.lo:
            bounds = f"_{{{x.var}={x.lo}}}^{{{latex(Add((x.hi, num(-1))))}}}"
        elif x.one:
            bounds = f"_{{{x.var}=1}}^{{{latex(x.hi)}}}"
        else:
            bounds = f"_{{{x.var}=0}}^{{{latex(Add((x.hi, num(-1))))}}}"
        body = latex(x.body)
        if isinstance(x.body, Add) or is_negative(x.body):
            body = rf"\left({body}\right)"
        return rf"\sum{bounds} {body}"
    if isinstance(x, Fn):
        name = {"sigma": r"\sigma", "sigmap": r"\sigma'", "exp": r"\exp", "ln": r"\ln"}[x.name]
        return rf"{name}\left({latex(x.arg)}\right)"
    if isinstance(x, D):
        if isinstance(x.num, Q):
            return rf"\frac{{\partial {latex(x.num)}}}{{\partial {latex(x.den)}}}"
        return rf"\frac{{\partial}}{{\partial {latex(x.den)}}}\left({latex(x.num)}\right)"
    if isinstance(x, M):
        if x.kind == "ones":
            return r"\mathbf{1}"
        if x.kind == "Y":
            return "Y"
        if x.kind == "dLdA":
            return rf"\frac{{\partial L_i}}{{\partial A{_tag(x.layer)}}}"
        return MATRIX_NAMES[x.kind] + _tag(x.layer)
    if isinstance(x, T):
        if isinstance(x.x, M) and x.x.layer is not None and x.x.kind in ("A", "Z", "W", "Delta"):
            return MATRIX_NAMES[x.x.kind] + rf"^{{({x.x.layer})\top}}"
        return rf"\left({latex(x.x)}\right)^\top"
    if isinstance(x, MatMul):
        return f"{_operand(x.x)} {_operand(x.y)}"
    if isinstance(x, Had):
        return f"{_operand(x.x)} \\{x.op} {_operand(x.y)}"
    if isinstance(x, Row):
        return latex(x.x) + f"_{{{x.var}\\cdot}}"
    if isinstance(x, Kron):
        return f"[{x.x} = {x.y}]"
    raise TypeError(f"cannot print {x!r}")


def _factor(f: Node, first: bool = False, last: bool = True) -> str:
    """A factor of a product: sums of terms in brackets; a Σ that is not last in brackets, since
    a sum's body extends over the product that follows it (notation.md)."""
    s = latex(f)
    if (
        isinstance(f, Add)
        or (isinstance(f, Sum) and not last)
        or (is_negative(f) and not first)
        or (isinstance(f, (Had, MatMul)) and not last)
    ):
        return rf"\left({s}\right)"
    return s


def _operand(f: Node) -> str:
    s = latex(f)
    return rf"\left({s}\right)" if isinstance(f, (Add, Had, MatMul, Mul)) else s


def relation_latex(r: Rel) -> str:
    return f"{latex(r.lhs)} = {latex(r.rhs)}"
