"""The hand-written chain-rule formulas that derivator ships: the article's, corrected.

These are *data*: what a careful author writes by hand (the chain of partials, the δ recurrence,
the fully written-out closed form), built for layers L, L-1, L-2, L-3 and the generic layer l,
every activation and both losses.  Nothing here is trusted: ``derivator verify`` proves every
entry against ``sympy.diff`` of the loss (see proof.py).  Where the article dropped the Σ over the
neurons of the layer above, these formulas have it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..engine import Network, index, losses, matrix
from ..engine import Partial as P  # ∂ as the formulas write it

LAYERS = ("L", "L-1", "L-2", "L-3", "l")
FORMS = ("chain", "delta", "closed", "matrix")
#: depth of the network the textbook is written for: layers L … L-3 have weights, L-4 is the input
DEPTH = 4


@dataclass(frozen=True)
class Entry:
    """One hand-written formula ``lhs = rhs`` in ``net``.

    ``assumption``, when set, is (description, expression that is zero under it, multiplier):
    the entry claims ``lhs = rhs + multiplier · expression``, which is proved for all sizes, and
    the stated assumption makes the extra term vanish."""

    quantity: str
    layer: str
    form: str
    lhs: sp.Expr
    rhs: sp.Expr
    net: Network
    assumption: tuple[str, sp.Expr, sp.Expr] | None = None
    #: for the matrix form: the hand-written matrix expression (``rhs`` is its index form)
    matrix: matrix.MatrixExpr | None = None


def prime_index(letter: sp.Expr) -> sp.Symbol:
    """A second index over the same layer (j′ beside j); a plain letter when the layer's own index
    is the constant 0 of a single-neuron network."""
    return index(letter.name + "'") if isinstance(letter, sp.Symbol) else index("u")


class ChainWriter:
    """Writes the formulas of one network, the way a person would, layer by layer."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.i = net.i

    def sum_over(self, body: sp.Expr, idx: sp.Expr, p: int) -> sp.Expr:
        if not isinstance(idx, sp.Symbol):  # a single neuron: the sum has one term
            return body
        return sp.Sum(body, (idx, 0, self.net.width(p) - 1))

    def mean(self, body: sp.Expr) -> sp.Expr:
        return sp.Sum(body, (self.i, 0, self.net.n - 1)) / self.net.n

    # ---- ∂L_i/∂z_iX^(p) as a chain of partials ------------------------------------------------
    def dz_chain(self, p: int, X: sp.Symbol) -> sp.Expr:
        net, i = self.net, self.i
        if net.loss == "upstream" and p == net.D:
            return P(net.Li[i], net.z(p)[i, X])
        if net.softmax_output and p == net.D:
            Xp = prime_index(X)
            return self.sum_over(
                P(net.Li[i], net.a(p)[i, Xp]) * P(net.a(p)[i, Xp], net.z(p)[i, X]), Xp, p
            )
        return P(net.Li[i], net.a(p)[i, X]) * P(net.a(p)[i, X], net.z(p)[i, X])

    # ---- the loss's own derivative at the output ---------------------------------------------
    def out_a(self, X: sp.Symbol) -> sp.Expr:
        net, i, D = self.net, self.i, self.net.D
        a, y = net.a(D)[i, X], net.y[i, X]
        if net.softmax_output:
            return -y / a
        if net.loss == "binary-cross-entropy":
            return (a - y) / (a * (1 - a))
        return a - y

    def out_delta(self, X: sp.Symbol) -> sp.Expr:
        net, i, D = self.net, self.i, self.net.D
        if net.softmax_output:
            Xp = prime_index(X)
            return net.a(D)[i, X] * self.sum_over(net.y[i, Xp], Xp, D) - net.y[i, X]
        if net.loss == "binary-cross-entropy":  # σ′ = a(1 − a) cancels the denominator of out_a
            return net.a(D)[i, X] - net.y[i, X]
        return (net.a(D)[i, X] - net.y[i, X]) * net.sigma_prime(net.z(D)[i, X])

    def closed_delta(self, p: int, X: sp.Symbol) -> sp.Expr:
        """δ_iX^(p) written out: Σ over every layer above of the product along the path."""
        net, i = self.net, self.i
        if p == net.D:
            return self.out_delta(X)
        U = net.letter(p + 1)
        return self.sum_over(
            self.closed_delta(p + 1, U) * net.w(p + 1)[U, X], U, p + 1
        ) * net.sigma_prime(net.z(p)[i, X])

    # ---- the four quantities of layer p in the three forms ------------------------------------
    def entries(self, p: int, layer: str, closed: bool = True) -> list[Entry]:
        net, i = self.net, self.i
        X, Y = net.letter(p), net.letter(p - 1)
        out: list[Entry] = []

        def add(q: str, form: str, lhs: sp.Expr, rhs: sp.Expr) -> None:
            out.append(Entry(q, layer, form, lhs, rhs, net))

        dLdw, dLdb = P(net.L, net.w(p)[X, Y]), P(net.L, net.b(p)[X])
        dLda, delta = P(net.Li[i], net.a(p)[i, X]), net.delta(p)[i, X]
        zX = net.z(p)[i, X]
        # chain of partials
        add("w", "chain", dLdw, self.mean(self.dz_chain(p, X) * P(zX, net.w(p)[X, Y])))
        add("b", "chain", dLdb, self.mean(self.dz_chain(p, X) * P(zX, net.b(p)[X])))
        add("delta", "chain", delta, self.dz_chain(p, X))
        if p < net.D:
            U = net.letter(p + 1)
            zU = net.z(p + 1)[i, U]
            add(
                "a",
                "chain",
                dLda,
                self.sum_over(self.dz_chain(p + 1, U) * P(zU, net.a(p)[i, X]), U, p + 1),
            )
        # the backpropagation recurrence (δ-form)
        add("w", "delta", dLdw, self.mean(delta * net.a(p - 1)[i, Y]))
        add("b", "delta", dLdb, self.mean(delta))
        if p < net.D:
            U = net.letter(p + 1)
            back = self.sum_over(net.delta(p + 1)[i, U] * net.w(p + 1)[U, X], U, p + 1)
            add("a", "delta", dLda, back)
            add("delta", "delta", delta, back * net.sigma_prime(zX))
        elif net.loss != "upstream":
            add("a", "delta", dLda, self.out_a(X))
            add("delta", "delta", delta, self.out_delta(X))
        out += self.matrix_entries(p, layer)
        if closed and net.loss != "upstream":
            d = self.closed_delta(p, X)
            add("w", "closed", dLdw, self.mean(d * net.a(p - 1)[i, Y]))
            add("b", "closed", dLdb, self.mean(d))
            add("delta", "closed", delta, d)
            if p < net.D:
                U = net.letter(p + 1)
                add(
                    "a",
                    "closed",
                    dLda,
                    self.sum_over(self.closed_delta(p + 1, U) * net.w(p + 1)[U, X], U, p + 1),
                )
        return out

    def matrix_entries(self, p: int, layer: str) -> list[Entry]:
        """The matrix form as an author writes it (samples as rows), each entry carried to index
        form by ``matrix.to_index`` so that it is proved like any other formula."""
        net, i = self.net, self.i
        X, Y = net.letter(p), net.letter(p - 1)
        tag = str(net.tag(p))
        below, above = str(net.tag(p - 1)), str(net.tag(p + 1)) if p < net.D else None
        inv_n = 1 / net.n
        Delta = matrix.Named("Delta", tag)
        sigma_p = matrix.ElementwiseFunction(net.act.prime, matrix.Named("Z", tag))
        rows: list[tuple[str, sp.Expr, matrix.MatrixExpr, sp.Expr, sp.Expr | None]] = [
            (
                "w",
                P(net.L, net.w(p)[X, Y]),
                matrix.Scale(
                    inv_n, matrix.MatMul(matrix.Transpose(Delta), matrix.Named("A", below))
                ),
                X,
                Y,
            ),
            ("b", P(net.L, net.b(p)[X]), matrix.Scale(inv_n, matrix.ColumnSum(Delta)), X, None),
        ]
        if above is not None:
            back = matrix.MatMul(matrix.Named("Delta", above), matrix.Named("W", above))
            rows.append(("a", P(net.Li[i], net.a(p)[i, X]), back, i, X))
            rows.append(("delta", net.delta(p)[i, X], matrix.Hadamard(back, sigma_p), i, X))
        elif net.loss != "upstream":
            A, Yt = matrix.Named("A", tag), matrix.Named("Y")
            if net.softmax_output:
                rows.append(
                    (
                        "a",
                        P(net.Li[i], net.a(p)[i, X]),
                        matrix.Scale(sp.Integer(-1), matrix.Divide(Yt, A)),
                        i,
                        X,
                    )
                )
                rows.append(
                    (
                        "delta",
                        net.delta(p)[i, X],
                        matrix.Sub(matrix.Hadamard(A, matrix.RowSum(Yt)), Yt),
                        i,
                        X,
                    )
                )
            elif (
                net.loss == "binary-cross-entropy"
            ):  # ∂L_i/∂A (1/(1 − A) needs a matrix of ones): no row
                rows.append(("delta", net.delta(p)[i, X], matrix.Sub(A, Yt), i, X))
            else:
                rows.append(("a", P(net.Li[i], net.a(p)[i, X]), matrix.Sub(A, Yt), i, X))
                rows.append(
                    ("delta", net.delta(p)[i, X], matrix.Hadamard(matrix.Sub(A, Yt), sigma_p), i, X)
                )
        out = []
        for q, lhs, m, r, c in rows:
            if not (isinstance(r, sp.Symbol) and (c is None or isinstance(c, sp.Symbol))):
                continue  # a single-neuron network has no free neuron index to carry the matrix
            out.append(Entry(q, layer, "matrix", lhs, matrix.to_index(net, m, r, c), net, matrix=m))
        return out


def defined(activation: str, loss: str) -> bool:
    """Is the loss defined under this activation (the binary cross-entropy needs the sigmoid)?"""
    needs = losses.get(loss).activation
    return needs is None or needs == activation


def network_for(activation: str, loss: str, network: str = "general") -> Network:
    return Network(depth=DEPTH, activation=activation, loss=loss, network=network)


def entries(
    activation: str = "sigmoid",
    loss: str = "mse",
    network: str = "general",
    layers: tuple[str, ...] = LAYERS,
) -> list[Entry]:
    """The textbook for one activation and loss."""
    out: list[Entry] = []
    net = network_for(activation, loss, network)
    w = ChainWriter(net)
    for layer in layers:
        if layer == "l":
            g = Network.generic(activation)
            out += ChainWriter(g).entries(g.D - 1, "l", closed=False)
            continue
        out += w.entries(net.layer(layer, weights=True), layer)
    if loss == "cross-entropy" and "L" in layers:
        out.append(one_hot_entry(net))
    return out


def one_hot_entry(net: Network) -> Entry:
    """δ_ij^(L) = a_ij − y_ij for softmax + cross-entropy, when each sample's targets sum to 1."""
    i, D = net.i, net.D
    j = net.letter(D)
    jp = prime_index(j)
    total = sp.Sum(net.y[i, jp], (jp, 0, net.width(D) - 1))
    return Entry(
        "delta",
        "L",
        "delta",
        net.delta(D)[i, j],
        net.a(D)[i, j] - net.y[i, j],
        net,
        (f"Σ_{jp} y_i{jp} = 1 for every sample", total - 1, net.a(D)[i, j]),
    )
