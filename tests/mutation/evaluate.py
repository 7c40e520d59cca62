"""Our own truth: a concrete network in PyTorch (float64) and an evaluator of ``ir`` trees.

Every quantity is a tensor whose axes are named by the index letters that run over them, so one
evaluation covers every assignment of the free indices.  Partial derivatives are the true ones:
torch.autograd Jacobians of the numerator with the denominator made a leaf of the forward pass
(layers below it fixed, layers above recomputed from it).  Nothing here imports derivator.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from . import ir
from .ir import (
    Add,
    D,
    Fn,
    Frac,
    Had,
    M,
    MatMul,
    Mul,
    Num,
    Pow,
    Q,
    Rel,
    Row,
    Size,
    Sum,
    T,
    Tag,
    position_ranges,
)

torch.set_default_dtype(torch.float64)

#: agree to 1e-9 relative (with a tiny absolute floor for values that are 0)
RTOL, ATOL = 1e-9, 1e-12


def _generic(x: torch.Tensor) -> torch.Tensor:
    return torch.tanh(1.3 * x) + 0.1 * x


def _generic_prime(x: torch.Tensor) -> torch.Tensor:
    return 1.3 * (1 - torch.tanh(1.3 * x) ** 2) + 0.1


#: σ and σ′ of each activation; for ``generic`` a smooth function of our own choosing: a relation
#: that holds for every σ holds for it
ACTIVATIONS: dict[
    str, tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]
] = {
    "sigmoid": (torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
    "tanh": (torch.tanh, lambda x: 1 - torch.tanh(x) ** 2),
    "identity": (lambda x: x, torch.ones_like),
    "generic": (_generic, _generic_prime),
}


class IllFormed(Exception):
    """The relation means nothing at these sizes (an index out of its range, a matrix of the
    wrong shape, a layer the network lacks): it is not a true relation."""


# ---------------------------------------------------------------------------------------------
# the network


@dataclass
class Net:
    """A concrete network: layers ``tags`` from the input up, their widths, n samples, values of
    the inputs a^(0), parameters and targets.  Loss MSE or softmax + cross-entropy."""

    tags: list[Tag]
    widths: list[int]
    n: int
    activation: str
    loss: str
    values: dict[Any, torch.Tensor]
    #: σ of the output layer when it differs from ``activation`` ("": the same)
    output_activation: str = ""
    jacobians: dict[Any, tuple[torch.Tensor, tuple[str, ...]]] = field(default_factory=dict)
    _state: dict[Any, torch.Tensor] | None = None

    @property
    def D(self) -> int:
        return len(self.tags) - 1

    def p(self, tag: Tag | None) -> int:
        if tag is None or tag not in self.tags:
            raise IllFormed(f"no layer {tag} in this network")
        return self.tags.index(tag)

    def count(self, rng: object) -> int:
        return self.n if rng == "n" else self.widths[self.p(rng)]  # type: ignore[arg-type]

    def forward(self, leaf: tuple[str, int, torch.Tensor] | None = None) -> dict[Any, torch.Tensor]:
        """Every quantity, with ``leaf`` (kind, layer, value) put in place of that quantity."""
        kind, q, val = leaf if leaf is not None else ("", -1, None)
        sig, top = (
            ACTIVATIONS[self.activation][0],
            ACTIVATIONS[self.output_activation or self.activation][0],
        )
        st: dict[Any, torch.Tensor] = {}
        a = val if (kind, q) == ("a", 0) else self.values["a0"]
        st[("a", 0)] = a
        for p in range(1, self.D + 1):
            W = val if (kind, q) == ("w", p) else self.values[("w", p)]
            b = val if (kind, q) == ("b", p) else self.values[("b", p)]
            z = a @ W.T + b
            if (kind, q) == ("z", p):
                z = val
            if p < self.D:
                a = sig(z)
            else:
                a = torch.softmax(z, dim=1) if self.loss == "cross-entropy" else top(z)
            if (kind, q) == ("a", p):
                a = val
            st[("w", p)], st[("b", p)], st[("z", p)], st[("a", p)] = W, b, z, a
        y = self.values["y"]
        if self.loss == "cross-entropy":
            Li = -(y * torch.log(a)).sum(dim=1)
        elif self.loss == "binary-cross-entropy":
            Li = -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum(dim=1)
        else:
            Li = 0.5 * ((a - y) ** 2).sum(dim=1)
        st["y"], st["Li"], st["L"] = y, Li, Li.mean()
        return st

    @property
    def state(self) -> dict[Any, torch.Tensor]:
        if self._state is None:
            self._state = self.forward()
        return self._state

    def delta(self, p: int) -> torch.Tensor:
        """δ_ij^(p) = ∂L_i/∂z_ij^(p) (L_i depends on sample i alone, so one backward pass)."""
        key = ("delta", p)
        if key not in self.state:
            leaf = self.state[("z", p)].detach().clone().requires_grad_(True)
            (g,) = torch.autograd.grad(self.forward(("z", p, leaf))["Li"].sum(), leaf)
            self.state[key] = g
        return self.state[key]


def make_net(
    tags: list[Tag],
    widths: list[int],
    n: int,
    activation: str,
    loss: str,
    seed: int,
    output_activation: str = "",
) -> Net:
    g = torch.Generator().manual_seed(seed)

    def u(*shape: int, lo: float = -1.0) -> torch.Tensor:
        return lo + (1 - lo) * torch.rand(*shape, generator=g)

    values: dict[Any, torch.Tensor] = {"a0": u(n, widths[0])}
    for p in range(1, len(tags)):
        values[("w", p)], values[("b", p)] = u(widths[p], widths[p - 1]), u(widths[p])
    # targets of a classifier are non-negative; they need not sum to 1 (notation.md: targets=any)
    values["y"] = u(
        n, widths[-1], lo=0.0 if loss in ("cross-entropy", "binary-cross-entropy") else -1.0
    )
    return Net(tags, widths, n, activation, loss, values, output_activation=output_activation)


# ---------------------------------------------------------------------------------------------
# index ranges


def occurrences(node: ir.Node, bound: frozenset[str] = frozenset()) -> list[tuple[str, object]]:
    """(letter, range) for every place a letter stands free in ``node``."""
    out: list[tuple[str, object]] = []
    if isinstance(node, Q):
        out += [
            (x, r)
            for x, r in zip(node.idx, position_ranges(node))
            if isinstance(x, str) and x not in bound
        ]
    elif isinstance(node, Row):
        out += [] if node.var in bound else [(node.var, "n")]
    if isinstance(node, Sum):
        if node.hi is not None:
            out += occurrences(node.hi, bound)
        return out + occurrences(node.body, bound | {node.var})
    for _, _, child in ir.children(node):
        out += occurrences(child, bound)
    return out


def free_counts(net: Net, nodes: list[ir.Node]) -> dict[str, int]:
    """The number of values of every free index; a letter standing for ranges of different
    sizes is ill-formed (notation.md: one letter, one range)."""
    counts: dict[str, set[int]] = {}
    for node in nodes:
        for x, r in occurrences(node):
            counts.setdefault(x, set()).add(_range_count(net, r))
    bad = sorted(x for x, c in counts.items() if len(c) > 1)
    if bad:
        raise IllFormed(f"{', '.join(bad)} stand(s) for ranges of different sizes")
    return {x: c.pop() for x, c in counts.items()}


def _range_count(net: Net, r: object) -> int:
    if r == "top":
        return net.widths[-1]
    return net.count(r)


def _fill(net: Net, q: Q) -> tuple[str | int, ...]:
    """Indices as written, with a single network's omitted neuron indices put back as 0."""
    want = len(position_ranges(q))
    idx = q.idx
    if len(idx) == want:
        return idx
    if all(w == 1 for w in net.widths):
        if q.kind in ("a", "z", "delta", "y") and len(idx) == 1:
            return (idx[0], 0)
        if not idx:
            return (0,) * want
    raise IllFormed(f"{ir.latex(q)}: {len(idx)} indices where {want} are needed")


# ---------------------------------------------------------------------------------------------
# tensors with named axes


@dataclass
class Tensor:
    data: torch.Tensor
    axes: tuple[str, ...]

    def size(self, ax: str) -> int:
        return self.data.shape[self.axes.index(ax)]


def scalar(x: float | torch.Tensor) -> Tensor:
    return Tensor(torch.as_tensor(x, dtype=torch.float64), ())


def _spread(t: Tensor, axes: list[str]) -> torch.Tensor:
    """t's data laid out along ``axes`` (size 1 where t lacks an axis)."""
    order = [t.axes.index(a) for a in axes if a in t.axes]
    d = t.data.permute(order) if order else t.data
    shape = [t.size(a) if a in t.axes else 1 for a in axes]
    return d.reshape(shape)


def combine(
    a: Tensor,
    b: Tensor,
    op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    column_broadcast: bool = False,
) -> Tensor:
    axes = list(a.axes) + [x for x in b.axes if x not in a.axes]
    for x in set(a.axes) & set(b.axes):
        sa, sb = a.size(x), b.size(x)
        if sa != sb and not (column_broadcast and x == "#c" and 1 in (sa, sb)):
            raise IllFormed(f"shapes differ along {x}: {sa} and {sb}")
    return Tensor(op(_spread(a, axes), _spread(b, axes)), tuple(axes))


def gather(data: torch.Tensor, dims: list[tuple[str | int, int]]) -> Tensor:
    """data[...] with dimension d indexed by a letter running over ``count`` values (an axis of
    the result; a letter twice takes the diagonal) or by a constant."""
    out_axes: list[str] = []
    for x, _ in dims:
        if isinstance(x, str) and x not in out_axes:
            out_axes.append(x)
    index = []
    for d, (x, count) in enumerate(dims):
        size = data.shape[d]
        if isinstance(x, int):
            if not 0 <= x < size:
                raise IllFormed(f"index {x} out of range {size}")
            index.append(torch.tensor(x))
            continue
        if count > size:
            raise IllFormed(f"index {x} runs to {count - 1}, beyond the {size} values there")
        shape = [1] * len(out_axes)
        shape[out_axes.index(x)] = count
        index.append(torch.arange(count).reshape(shape))
    return Tensor(data[tuple(index)] if index else data, tuple(out_axes))


def _rename(t: Tensor, old: str, new: str) -> Tensor:
    return Tensor(t.data, tuple(new if a == old else a for a in t.axes))


# ---------------------------------------------------------------------------------------------
# the evaluator

MATRIX_QUANTITY = {"A": "a", "Z": "z", "Delta": "delta", "W": "w", "Y": "y"}


class Evaluator:
    def __init__(self, net: Net) -> None:
        self.net = net

    def ev(
        self, x: ir.Node, env: dict[str, int], st: dict[Any, torch.Tensor] | None = None
    ) -> Tensor:
        st = self.net.state if st is None else st
        net = self.net
        if isinstance(x, Num):
            return scalar(float(x.value))
        if isinstance(x, Size):
            return scalar(float(net.n if x.layer is None else net.count(x.layer)))
        if isinstance(x, Q):
            return self.quantity(x, env, st)
        if isinstance(x, Add):
            acc = self.ev(x.terms[0], env, st)
            for t in x.terms[1:]:
                acc = combine(acc, self.ev(t, env, st), torch.add)
            return acc
        if isinstance(x, Mul):
            acc = self.ev(x.factors[0], env, st)
            for f in x.factors[1:]:
                acc = combine(acc, self.ev(f, env, st), torch.mul)
            return acc
        if isinstance(x, Frac):
            return combine(self.ev(x.num, env, st), self.ev(x.den, env, st), torch.div)
        if isinstance(x, Pow):
            b = self.ev(x.base, env, st)
            return Tensor(b.data**x.exp, b.axes)
        if isinstance(x, Sum):
            return self.sum(x, env, st)
        if isinstance(x, Fn):
            a = self.ev(x.arg, env, st)
            f = {
                "sigma": ACTIVATIONS[net.activation][0],
                "sigmap": ACTIVATIONS[net.activation][1],
                "exp": torch.exp,
                "ln": torch.log,
            }[x.name]
            return Tensor(f(a.data), a.axes)
        if isinstance(x, D):
            return self.partial(x, env, st)
        if isinstance(x, M):
            return self.matrix(x, env, st)
        if isinstance(x, T):
            t = self.ev(x.x, env, st)
            swap = {"#r": "#c", "#c": "#r"}
            return Tensor(t.data, tuple(swap.get(a, a) for a in t.axes))
        if isinstance(x, MatMul):
            return self.matmul(x, env, st)
        if isinstance(x, Had):
            op = torch.mul if x.op == "odot" else torch.div
            return combine(self.ev(x.x, env, st), self.ev(x.y, env, st), op, column_broadcast=True)
        if isinstance(x, ir.Kron):
            if x.x not in env or x.y not in env:
                raise IllFormed(f"[{x.x} = {x.y}] with an unbound index")
            eye = torch.eye(env[x.x], env[x.y], dtype=torch.float64)
            return Tensor(eye, (x.x, x.y))
        if isinstance(x, Row):
            m = self.ev(x.x, env, st)
            if m.axes != ("#r", "#c"):
                raise IllFormed("a row of something that is not a matrix")
            if x.var not in env:
                raise IllFormed(f"{x.var} is not bound")
            return gather(m.data, [(x.var, env[x.var]), ("#c", m.size("#c"))])
        raise TypeError(f"cannot evaluate {x!r}")

    def quantity(self, x: Q, env: dict[str, int], st: dict[Any, torch.Tensor]) -> Tensor:
        net = self.net
        if x.kind in ("L", "Li", "y"):
            data = st[x.kind]
        elif x.kind == "delta":
            if st is not net.state:
                raise IllFormed("δ inside a derivative of an expression")
            data = net.delta(net.p(x.layer))
        else:
            p = net.p(x.layer)
            if x.kind in ("w", "b") and p == 0:
                raise IllFormed("the input layer has no weights")
            if x.kind == "z" and p == 0:
                raise IllFormed("the input layer has no pre-activation")
            data = st[(x.kind, p)]
        return gather(data, self._dims(x, env))

    def _dims(self, x: Q, env: dict[str, int]) -> list[tuple[str | int, int]]:
        dims: list[tuple[str | int, int]] = []
        for v in _fill(self.net, x):
            if isinstance(v, str) and v not in env:
                raise IllFormed(f"{v} is not bound")
            dims.append((v, env[v]) if isinstance(v, str) else (v, 0))
        return dims

    def sum(self, x: Sum, env: dict[str, int], st: dict[Any, torch.Tensor]) -> Tensor:
        if x.hi is None:
            rs = {_range_count(self.net, r) for v, r in occurrences(x.body) if v == x.var}
            if len(rs) != 1:
                raise IllFormed(f"the range of {x.var} cannot be inferred")
            count = rs.pop()
        else:
            h = self.ev(x.hi, env, st)
            if h.axes:
                raise IllFormed("a sum bound that depends on an index")
            count = round(float(h.data))
        if count < 0:
            raise IllFormed("a sum with a negative number of terms")
        if x.lo > count:
            raise IllFormed("a sum that starts past its end")
        body = self.ev(x.body, {**env, x.var: count}, st)
        if x.after is not None:  # positions after the free index only: a mask [p > j]
            if x.after not in env:
                raise IllFormed(f"{x.after} is not a free index here")
            after = torch.arange(env[x.after]).reshape(-1, 1)
            mask = (torch.arange(count).reshape(1, -1) > after).to(torch.float64)
            if x.var not in body.axes:
                body = combine(
                    body, Tensor(torch.ones(count, dtype=torch.float64), (x.var,)), torch.mul
                )
            body = combine(body, Tensor(mask, (x.after, x.var)), torch.mul)
        if x.var in body.axes:
            k = body.axes.index(x.var)
            part = body.data.narrow(k, x.lo, count - x.lo)  # positions lo … count − 1
            return Tensor(part.sum(dim=k), body.axes[:k] + body.axes[k + 1 :])
        return Tensor(body.data * (count - x.lo), body.axes)

    def partial(self, x: D, env: dict[str, int], st: dict[Any, torch.Tensor]) -> Tensor:
        net, den = self.net, x.den
        if den.kind not in ("a", "z", "w", "b"):
            raise IllFormed(f"a derivative with respect to {den.kind}")
        p = net.p(den.layer)
        if den.kind in ("w", "b", "z") and p == 0:
            raise IllFormed("the input layer has no weights or pre-activation")
        if isinstance(x.num, Q):
            key: Any = ("Q", x.num.kind, x.num.layer, den.kind, p)
            num_env: dict[str, int] = {}
        else:
            free = sorted({v for v, _ in occurrences(x.num)})
            num_env = {v: env[v] for v in free if v in env}
            key = ("E", x.num, den.kind, p, tuple(sorted(num_env.items())))
        if key not in net.jacobians:
            base = net.state[(den.kind, p)].detach()
            axes: list[tuple[str, ...]] = []

            def f(leaf: torch.Tensor) -> torch.Tensor:
                s2 = net.forward((den.kind, p, leaf))
                if isinstance(x.num, Q):
                    q = x.num
                    if q.kind == "delta":
                        raise IllFormed("a derivative of δ")
                    data = (
                        s2[q.kind] if q.kind in ("L", "Li", "y") else s2[(q.kind, net.p(q.layer))]
                    )
                    axes.append(())
                    return data
                t = self.ev(x.num, num_env, s2)
                axes.append(t.axes)
                return t.data

            J = torch.autograd.functional.jacobian(f, base)
            net.jacobians[key] = (J, axes[0])
        J, num_axes = net.jacobians[key]
        if isinstance(x.num, Q):
            dims = self._dims(x.num, env)
        else:
            dims = [(a, env[a]) for a in num_axes]
        return gather(J, dims + self._dims(den, env))

    def matrix(self, x: M, env: dict[str, int], st: dict[Any, torch.Tensor]) -> Tensor:
        net = self.net
        if x.kind == "ones":
            raise IllFormed("𝟏 outside a product")
        if x.kind == "Y":
            p = net.D
        else:
            p = net.p(x.layer)
        below = net.widths[p - 1] if p else 0
        rows_cols = {
            "W": (net.widths[p], below),
            "gradW": (net.widths[p], below),
            "gradB": (0, net.widths[p]),
        }.get(x.kind, (net.n, net.widths[p]))
        env2 = {**env, "#r": rows_cols[0], "#c": rows_cols[1]}
        if x.kind in MATRIX_QUANTITY:
            return self.ev(Q(MATRIX_QUANTITY[x.kind], x.layer, ("#r", "#c")), env2, st)
        node = {
            "gradW": D(Q("L", None), Q("w", x.layer, ("#r", "#c"))),
            "gradB": D(Q("L", None), Q("b", x.layer, ("#c",))),
            "dLdA": D(Q("Li", None, ("#r",)), Q("a", x.layer, ("#r", "#c"))),
        }[x.kind]
        return self.ev(node, env2, st)

    def matmul(self, x: MatMul, env: dict[str, int], st: dict[Any, torch.Tensor]) -> Tensor:
        a = self.ev(x.x, env, st)
        if "#c" not in a.axes:
            raise IllFormed("a product whose left factor has no columns")
        if isinstance(x.y, M) and x.y.kind == "ones":  # Y𝟏: the row sums, as a column
            k = a.axes.index("#c")
            return Tensor(a.data.sum(dim=k, keepdim=True), a.axes)
        b = self.ev(x.y, env, st)
        if "#r" not in b.axes:
            raise IllFormed("a product whose right factor has no rows")
        t = combine(_rename(a, "#c", "#k"), _rename(b, "#r", "#k"), torch.mul)
        k = t.axes.index("#k")
        return Tensor(t.data.sum(dim=k), t.axes[:k] + t.axes[k + 1 :])


# ---------------------------------------------------------------------------------------------
# deciding a relation


@dataclass
class Outcome:
    true: bool
    why: str = ""
    left: float | None = None
    right: float | None = None
    at: dict[str, int] = field(default_factory=dict)


def sides(net: Net, r: Rel) -> tuple[Tensor, Tensor]:
    env = free_counts(net, [r.lhs, r.rhs])
    e = Evaluator(net)
    return e.ev(r.lhs, env), e.ev(r.rhs, env)


def compare(net: Net, r: Rel, fixed: dict[str, int] | None = None) -> Outcome:
    """Do both sides agree at every assignment of the free indices (those in ``fixed`` held)?"""
    try:
        lt, rt = sides(net, r)
        if {"#r", "#c"} & set(lt.axes) != {"#r", "#c"} & set(rt.axes):
            raise IllFormed("a matrix equated with something of another shape")
        diff = combine(lt, rt, lambda p, q: torch.stack(torch.broadcast_tensors(p, q)))
    except IllFormed as e:
        return Outcome(False, f"ill-formed: {e}")
    # the stacked pair: leading axis 0 = left, 1 = right
    data, axes = diff.data, diff.axes
    sel = data
    kept: list[str] = []
    for ax in axes:
        v = (fixed or {}).get(ax)
        if v is not None:
            if v >= sel.shape[1 + len(kept)]:
                return Outcome(False, f"index {ax}={v} out of range")
            sel = sel.select(1 + len(kept), v)
        else:
            kept.append(ax)
    L, R = sel[0], sel[1]
    # a side without a value (a division by zero, a log of 0) makes no true relation: inf − inf
    # is nan, and nan > tolerance is False, which would count (a − y)/(a(1 − 1)) as true
    undefined = ~(torch.isfinite(L) & torch.isfinite(R))
    if bool(undefined.any()):
        pos = [int(k) for k in torch.nonzero(undefined)[0]]
        # no values in the outcome: a replay must not count it as a confirmed difference
        return Outcome(
            False, "a side has no value (a division by zero or a log of 0)", at=dict(zip(kept, pos))
        )
    bad = (L - R).abs() > RTOL * (L.abs() + R.abs()) + ATOL
    if not bool(bad.any()):
        return Outcome(True)
    pos = [int(k) for k in torch.nonzero(bad)[0]]
    return Outcome(
        False, "sides differ", float(L[tuple(pos)]), float(R[tuple(pos)]), dict(zip(kept, pos))
    )


def truth_nets(r: Rel, seed: int) -> list[Net]:
    """Three networks at sizes where n and every width differ (widths all 1 for
    network=single), of varying depth, with random inputs: the relation must hold at all.

    Each size (n, n_(L), …) takes three different values over the three networks, at most one
    of them 2 or 3, so that no factor such as (n−2)(n−3) is 0 or 1 at all of them."""
    ts = ir.tags(r.lhs) | ir.tags(r.rhs)
    base = {t.base for t in ts} or {"L"}
    if len(base) > 1:
        base = {"L"}  # mixed tags: such a relation is false, and layers L… suffice to say so
    b = base.pop()
    offs = [t.off for t in ts if t.base == b] or [0]
    lo, hi = min(offs + ([0] if b == "L" else [])), max(offs)
    layouts = []
    for k in range(3):
        bottom = lo - 1 - (1 if k == 1 else 0)
        top = 0 if b == "L" else hi + (1 if k else 0)
        layouts.append([Tag(b, o) for o in range(bottom, top + 1)])
    names: list[object] = ["n"] + sorted({t for tags in layouts for t in tags})
    pool = list(range(2, 2 + max(7, len(names))))
    order = dict(zip(names, _permutation(len(pool), seed)))
    out = []
    for k, tags in enumerate(layouts):
        if r.network == "single":
            n, widths = (2, 4, 5)[k], [1] * len(tags)
        else:
            n = pool[(order["n"] + 2 * k) % len(pool)]
            widths = [pool[(order[t] + 2 * k) % len(pool)] for t in tags]
        out.append(
            make_net(tags, widths, n, r.activation, r.loss, seed * 7 + k, r.output_activation)
        )
    return out


def _permutation(m: int, seed: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return [int(x) for x in torch.randperm(m, generator=g)]


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


def decide(r: Rel, nets: list[Net]) -> Outcome:
    for net in nets:
        o = compare(net, r)
        if not o.true:
            o.why += f" (n={net.n}, widths {dict(zip(map(str, net.tags), net.widths))})"
            return o
    return Outcome(True)


# ---------------------------------------------------------------------------------------------
# replaying derivator's counterexample


def _tag(s: str) -> Tag:
    base, rest = s[0], s[1:]
    return Tag(base, int(rest) if rest else 0)


def _table(values: dict[str, str], shape: tuple[int, ...]) -> torch.Tensor:
    t = torch.zeros(shape)
    for key, v in values.items():
        t[tuple(int(x) for x in key.split(","))] = float(v)
    return t


def replay_net(r: Rel, cex: dict[str, Any]) -> tuple[Net, list[str]]:
    """The network of a counterexample: its sizes and inputs.  Returns notes on what we had to
    complete ourselves (a generic σ is ours; the generic layer's upstream becomes an MSE top)."""
    sizes = dict(cex["sizes"])
    n = int(sizes.pop("n"))
    tags = sorted((_tag(s) for s in sizes), key=lambda t: t.off)
    widths = [int(sizes[str(t)]) for t in tags]
    notes = []
    if r.activation == "generic":
        notes.append("generic σ replayed with our σ(x) = tanh(1.3x) + 0.1x")
    if tags[-1].base == "l":
        notes.append(
            "generic layer: derivator's upstream Ψ replaced by an MSE output at the top layer"
        )
    inputs = cex["inputs"]
    values: dict[Any, torch.Tensor] = {"a0": _table(inputs[f"a^({tags[0]})"], (n, widths[0]))}
    for p in range(1, len(tags)):
        values[("w", p)] = _table(inputs[f"w^({tags[p]})"], (widths[p], widths[p - 1]))
        values[("b", p)] = _table(inputs[f"b^({tags[p]})"], (widths[p],))
    values["y"] = _table(inputs["y"], (n, widths[-1]))
    return Net(
        tags, widths, n, r.activation, r.loss, values, output_activation=r.output_activation
    ), notes


def replay(r: Rel, cex: dict[str, Any] | None) -> tuple[str, str]:
    """Do the sides differ at derivator's counterexample?  ("confirmed" | "failed" |
    "inconclusive", explanation).  Inconclusive: we had to complete the network ourselves (our
    σ for a generic one, an MSE top for the generic layer) and the sides agree there, or the
    relation has no meaning at derivator's sizes (an index beyond its range)."""
    if not cex:
        return "failed", "a refutation without a counterexample"
    try:
        net, notes = replay_net(r, cex)
    except (KeyError, ValueError, IndexError) as e:
        return "failed", f"cannot read the counterexample ({type(e).__name__}: {e})"
    fixed = {{"r": "#r", "c": "#c"}.get(k, k): int(v) for k, v in cex.get("indices", {}).items()}
    o = compare(net, r, fixed)
    note = f" ({'; '.join(notes)})" if notes else ""
    if not o.true and o.left is not None:
        return "confirmed", o.why
    if not o.true:
        return "inconclusive", o.why + note
    return ("inconclusive" if notes else "failed"), "our sides agree there" + note
