"""Mutation operators: rewrites of a template's ``ir`` tree, each a likely mistake of a person
deriving backpropagation (or, for the operators named "≡ …", a rewrite that keeps the relation
true).  An operator only proposes; whether a mutant is true is decided by our evaluator alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

from .ir import (
    Add,
    Fn,
    Frac,
    Had,
    M,
    MatMul,
    Mul,
    Node,
    Num,
    Path,
    Pow,
    Q,
    Rel,
    Row,
    Size,
    Sum,
    T,
    Tag,
    neg,
    negate,
    num,
    position_ranges,
    put,
    relation_latex,
    sub,
    transform,
    walk,
)


@dataclass(frozen=True)
class Mutant:
    operator: str
    template: str
    rel: Rel
    #: the operator means to keep the relation true (the evaluator decides all the same)
    equivalent: bool

    @property
    def latex(self) -> str:
        return relation_latex(self.rel)


Site = tuple[str, Path, Node]
Rewrite = Iterator[tuple[str, Rel]]


def sites(r: Rel) -> Iterator[Site]:
    for side in ("lhs", "rhs"):
        for path, node in walk(getattr(r, side)):
            yield side, path, node


def change(r: Rel, side: str, path: Path, new: Node) -> Rel:
    return replace(r, **{side: put(getattr(r, side), path, new)})


def with_rhs(r: Rel, new: Node) -> Rel:
    return replace(r, rhs=new)


def layers(r: Rel) -> list[Tag]:
    """The layers of the network the relation lives in (input layer included), top first."""
    ts = {x.layer for _, _, x in sites(r) if isinstance(getattr(x, "layer", None), Tag)}
    base = min(ts).base if ts else "L"
    ts.add(Tag(base))
    offs = [t.off for t in ts if t.base == base] + ([0] if base == "L" else [])
    return [Tag(base, o) for o in range(max(offs), min(offs) - 2, -1)]


def is_matrix(r: Rel) -> bool:
    return any(isinstance(x, M) for _, _, x in sites(r))


def in_bound(path: Path) -> bool:
    return any(step == ("hi", -1) for step in path)


# ---------------------------------------------------------------------------------------------
# size confusions (the checker's own sizes once made n equal to n_(L))


def size_swaps(r: Rel) -> Rewrite:
    tags = layers(r)
    for side, path, x in sites(r):
        if not isinstance(x, Size):
            continue
        where = "Σ bound" if in_bound(path) else "factor"
        if x.layer is None:
            for t in tags:
                yield f"size: {where} n→n_(p)", change(r, side, path, Size(t))
        else:
            yield f"size: {where} n_(p)→n", change(r, side, path, Size())
            if where == "Σ bound":
                for t in tags:
                    if t != x.layer:
                        yield "size: Σ bound n_(p)→n_(q)", change(r, side, path, Size(t))
    for side, path, x in sites(r):
        # a sum over neurons bounded by n (and the samples' sum bounded by a width: above)
        if isinstance(x, Sum) and x.hi is None:
            yield "size: inferred Σ bounded by n", change(r, side, path, replace(x, hi=Size()))


def size_factors(r: Rel) -> Rewrite:
    mat = is_matrix(r)
    for t in layers(r):
        yield "size: factor n_(p)/n", with_rhs(r, Mul((Frac(Size(t), Size()), r.rhs)))
        shift = Add((Size(), neg(Size(t))))
        if mat:
            yield (
                "size: + n − n_(p)",
                with_rhs(r, Mul((Add((num(1), Size(), neg(Size(t)))), r.rhs))),
            )
        else:
            yield "size: + n − n_(p)", with_rhs(r, Add((r.rhs, shift)))
        # 1 when n = n_(p): the factor a checker with n = n_(p) never sees
        yield (
            "size: factor (n − n_(p) + 1)",
            with_rhs(r, Mul((Add((Size(), neg(Size(t)), num(1))), r.rhs))),
        )
    for s in [Size()] + [Size(t) for t in layers(r)[:3]]:
        vanish = Mul((Add((s, num(-2))), Add((s, num(-3)))))
        yield "size: factor 1 + (s−2)(s−3)", with_rhs(r, Mul((Add((num(1), vanish)), r.rhs)))
        if not mat:
            yield "size: + (s−2)(s−3)", with_rhs(r, Add((r.rhs, vanish)))


# ---------------------------------------------------------------------------------------------
# σ′


def _z_arg(x: Node) -> Q | None:
    if isinstance(x, Fn) and x.name == "sigmap" and isinstance(x.arg, Q) and x.arg.kind == "z":
        return x.arg
    return None


def _a_form(x: Node) -> Q | None:
    """a(1−a) or 1−a²: σ′ written with the activation."""
    f = x.factors if isinstance(x, Mul) else ()
    if len(f) == 2 and isinstance(f[0], Q) and f[1] == sub(num(1), f[0]):
        return f[0]
    if (
        isinstance(x, Add)
        and len(x.terms) == 2
        and x.terms[0] == num(1)
        and isinstance(x.terms[1], Mul)
        and len(x.terms[1].factors) == 2
        and isinstance(x.terms[1].factors[1], Pow)
    ):
        base = x.terms[1].factors[1].base
        return base if isinstance(base, Q) else None
    return None


def sigma_prime(r: Rel) -> Rewrite:
    tags = layers(r)
    for side, path, x in sites(r):
        zq = _z_arg(x)
        if zq is not None:
            aq = Q("a", zq.layer, zq.idx)
            yield "σ′: → a(1−a)", change(r, side, path, Mul((aq, sub(num(1), aq))))
            yield "σ′: → 1−a²", change(r, side, path, sub(num(1), Pow(aq, 2)))
            yield "σ′: → σ", change(r, side, path, Fn("sigma", zq))
            for t in tags[:-1]:
                if t != zq.layer and zq.layer is not None and abs(t.off - zq.layer.off) == 1:
                    yield (
                        "σ′: wrong layer",
                        change(r, side, path, Fn("sigmap", replace(zq, layer=t))),
                    )
        if isinstance(x, Fn) and x.name == "sigmap" and isinstance(x.arg, M):
            yield "σ′: → σ", change(r, side, path, Fn("sigma", x.arg))
            for t in tags[:-1]:
                if (
                    t != x.arg.layer
                    and x.arg.layer is not None
                    and abs(t.off - x.arg.layer.off) == 1
                ):
                    yield (
                        "σ′: wrong layer",
                        change(r, side, path, Fn("sigmap", replace(x.arg, layer=t))),
                    )
        aq2 = _a_form(x)
        if aq2 is not None and aq2.layer is not None:
            yield (
                "σ′: a-form → σ′(z)",
                change(r, side, path, Fn("sigmap", Q("z", aq2.layer, aq2.idx))),
            )
            other = sub(num(1), Pow(aq2, 2)) if isinstance(x, Mul) else Mul((aq2, sub(num(1), aq2)))
            yield "σ′: a-form of the other activation", change(r, side, path, other)
            for t in tags[:-1]:
                if t != aq2.layer and abs(t.off - aq2.layer.off) == 1:
                    yield "σ′: wrong layer", change(r, side, path, Fn("sigmap", Q("z", t, aq2.idx)))


# ---------------------------------------------------------------------------------------------
# indices


def letters_of(r: Rel) -> list[str]:
    out: list[str] = []
    for _, _, x in sites(r):
        for v in getattr(x, "idx", ()):
            if isinstance(v, str) and v not in out:
                out.append(v)
    return out


def bound_letters(r: Rel) -> set[str]:
    return {x.var for _, _, x in sites(r) if isinstance(x, Sum)}


def indices(r: Rel) -> Rewrite:
    letters = letters_of(r)
    bound = bound_letters(r)
    for side, path, x in sites(r):
        if isinstance(x, Q) and len(x.idx) == 2 and x.idx[0] != x.idx[1]:
            yield "index: transposed", change(r, side, path, replace(x, idx=(x.idx[1], x.idx[0])))
        if isinstance(x, Q):
            for k, v in enumerate(x.idx):
                if not isinstance(v, str) or v in bound:
                    continue
                others = [u for u in letters if u != v and u not in bound]
                for u in ([others[0]] if others else []) + ["u"]:
                    idx = x.idx[:k] + (u,) + x.idx[k + 1 :]
                    yield "index: free renamed", change(r, side, path, replace(x, idx=idx))
        if isinstance(x, M) and x.kind in ("A", "Z", "W", "Delta"):
            yield "matrix: transposed", change(r, side, path, T(x))
        if isinstance(x, T):
            yield "matrix: transposed", change(r, side, path, x.x)


def _rename_bound(node: Node, old: str, new: str) -> Node:
    """Rename the letter ``old`` everywhere in ``node`` (which binds it)."""
    for path, x in list(walk(node)):
        if isinstance(x, Q) and old in x.idx:
            node = put(node, path, replace(x, idx=tuple(new if v == old else v for v in x.idx)))
        elif (isinstance(x, Row) and x.var == old) or (isinstance(x, Sum) and x.var == old):
            node = put(node, path, replace(x, var=new))
    return node


def layer_tags(r: Rel) -> Rewrite:
    tags = layers(r)
    for side, path, x in sites(r):
        if isinstance(x, (Q, M)) and x.layer is not None:
            for t in tags:
                if abs(t.off - x.layer.off) == 1:
                    yield "layer: wrong tag", change(r, side, path, replace(x, layer=t))


#: the article's letter for the neurons of each layer, from above the top (L, or l+1) down
NEURON_LETTERS = "pjkmtu"


def moved(r: Rel) -> Rewrite:
    """The whole relation one layer up or down, letters following their layers: a rule of one
    layer applied at another (σ′(z) = a(1−a) of a hidden layer at a softmax output, say)."""
    ts = {x.layer for _, _, x in sites(r) if isinstance(getattr(x, "layer", None), Tag)}
    if not ts:
        return
    base = min(ts).base
    top = 1 if base == "L" else 2
    layer_of: dict[str, Tag] = {}
    for _, _, x in sites(r):
        if isinstance(x, Q):
            for v, rng in zip(x.idx, position_ranges(x)):
                if isinstance(v, str) and isinstance(rng, Tag):
                    layer_of.setdefault(v, rng)
    for k in (1, -1):
        if base == "L" and max(t.off for t in ts) + k > 0:
            continue
        names = {}
        for v, t in layer_of.items():
            pos = top - (t.off + k)
            if not 0 <= pos < len(NEURON_LETTERS):
                break
            names[v] = NEURON_LETTERS[pos] + v[1:]
        else:

            def move(x: Node, k: int = k, names: dict[str, str] = names) -> Node:
                if isinstance(getattr(x, "layer", None), Tag):
                    x = replace(x, layer=x.layer.shift(k))  # type: ignore[union-attr, type-var]
                if isinstance(x, Q):
                    return replace(
                        x, idx=tuple(names.get(v, v) if isinstance(v, str) else v for v in x.idx)
                    )
                if isinstance(x, (Sum, Row)):
                    return replace(x, var=names.get(x.var, x.var))
                return x

            shifted = Rel(transform(r.lhs, move), transform(r.rhs, move), *r.directives)
            yield f"layer moved: relation one layer {'up' if k > 0 else 'down'}", shifted


# ---------------------------------------------------------------------------------------------
# dropped pieces, signs, constants


def drops(r: Rel) -> Rewrite:
    for side, path, x in sites(r):
        if isinstance(x, Mul) and len(x.factors) >= 2:
            for k, f in enumerate(x.factors):
                if isinstance(f, Num) and f.value == -1:
                    continue
                rest = x.factors[:k] + x.factors[k + 1 :]
                new = rest[0] if len(rest) == 1 else Mul(rest)
                label = "1/n: dropped" if f == Frac(num(1), Size()) else "drop: factor"
                yield label, change(r, side, path, new)
        if isinstance(x, Sum) and side == "rhs":
            yield "drop: Σ", change(r, side, path, x.body)
        if isinstance(x, Add) and len(x.terms) >= 2 and side == "rhs":
            for k in range(len(x.terms)):
                rest = x.terms[:k] + x.terms[k + 1 :]
                yield "drop: term", change(r, side, path, rest[0] if len(rest) == 1 else Add(rest))


def signs(r: Rel) -> Rewrite:
    yield "sign: side negated", with_rhs(r, neg(r.rhs))
    for side, path, x in sites(r):
        if isinstance(x, Add) and side == "rhs":
            for k, term in enumerate(x.terms):
                terms = x.terms[:k] + (negate(term),) + x.terms[k + 1 :]
                yield "sign: term flipped", change(r, side, path, replace(x, terms=terms))


def constants(r: Rel) -> Rewrite:
    yield "½ and 2: factor ½", with_rhs(r, Mul((num(1, 2), r.rhs)))
    yield "½ and 2: factor 2", with_rhs(r, Mul((num(2), r.rhs)))
    mean = Frac(num(1), Size())
    found = False
    for side, path, x in sites(r):
        if x == num(1, 2):
            yield "½ and 2: ½ → 2", change(r, side, path, num(2))
            yield "½ and 2: ½ → 1", change(r, side, path, num(1))
        if x == mean:
            found = True
            yield "1/n: doubled", change(r, side, path, Frac(num(2), Size()))
            yield "1/n: squared", change(r, side, path, Frac(num(1), Pow(Size(), 2)))
    if not found:
        yield "1/n: added", with_rhs(r, Mul((mean, r.rhs)))


def matrices(r: Rel) -> Rewrite:
    for side, path, x in sites(r):
        if isinstance(x, MatMul) and not (isinstance(x.y, M) and x.y.kind == "ones"):
            yield "matrix: factors swapped", change(r, side, path, MatMul(x.y, x.x))
            yield "matrix: ⊙ for product", change(r, side, path, Had(x.x, x.y))
        if isinstance(x, Had) and x.op == "odot":
            yield "matrix: product for ⊙", change(r, side, path, MatMul(x.x, x.y))


# ---------------------------------------------------------------------------------------------
# rewrites that keep the relation true (to measure false refutations)


def equivalents(r: Rel) -> Rewrite:
    mean = Frac(num(1), Size())
    yield "≡ sides swapped", Rel(r.rhs, r.lhs, *r.directives)
    for side, path, x in sites(r):
        if isinstance(x, Mul) and len(x.factors) >= 2:
            yield "≡ factors reordered", change(r, side, path, Mul(tuple(reversed(x.factors))))
        if isinstance(x, Sum):
            fresh = next(
                v
                for v in ("v", "s", "q", "p")
                if v not in letters_of(r) and v not in bound_letters(r)
            )
            yield "≡ bound index renamed", change(r, side, path, _rename_bound(x, x.var, fresh))
            if x.hi is not None:
                yield "≡ Σ bounds 1..N", change(r, side, path, replace(x, one=not x.one))
                yield "≡ Σ bounds inferred", change(r, side, path, replace(x, hi=None))
        if x == num(1, 2):
            yield "≡ ½ as 0.5", change(r, side, path, Num(Fraction(1, 2), "0.5"))
            yield "≡ ½ as {1 \\over 2}", change(r, side, path, Num(Fraction(1, 2), r"{1 \over 2}"))
        if (
            isinstance(x, Mul)
            and len(x.factors) == 2
            and x.factors[0] == mean
            and isinstance(x.factors[1], Sum)
        ):
            s = x.factors[1]
            yield "≡ 1/n inside Σ", change(r, side, path, replace(s, body=Mul((mean, s.body))))
    yield "≡ ½·2 as 0.5 · 2", with_rhs(r, Mul((Num(Fraction(1, 2), "0.5"), num(2), r.rhs)))


OPERATORS: list[Callable[[Rel], Rewrite]] = [
    size_swaps,
    size_factors,
    sigma_prime,
    indices,
    layer_tags,
    moved,
    drops,
    signs,
    constants,
    matrices,
]


def mutants(name: str, r: Rel) -> list[Mutant]:
    """Every mutant of one template, each LaTeX text once (the template itself among the
    rewrites that keep it true)."""
    from .families import FAMILIES  # the families of sums, brackets, decimals, costly terms

    seen = {relation_latex(r)}
    out = [Mutant("≡ the template itself", name, r, True)]
    for op in OPERATORS + [equivalents] + FAMILIES:
        for label, m in op(r):
            text = relation_latex(m)
            if text not in seen:
                seen.add(text)
                out.append(Mutant(label, name, m, op is equivalents or label.startswith("≡")))
    return out
