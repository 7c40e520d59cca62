"""Key of zxrobot-lenet-zh.md.  Fully connected part: column vectors, z^l = W^l a^{l-1} + b^l (the
evaluator's orientation), σ an unspecified activation (generic here), C = ½‖a^L - y‖² of one
training example; layers 0 … 4 with l = 2, L = 4.  The author's slips are false as written:
σ^l(z^l) for σ'(z^L), δ^L and a^{L-1} in the gradients of layer l, δ(z^l) and δ'(z^l) for σ(z^l)
and σ'(z^l).  Lowercase w^l (never defined) is read as the author's W^l.

Convolution part: the author's example, a 3×3 input a^l = σ(z^l) (sigmoid here) correlated ("*")
with a 2×2 kernel W^{l+1}, stride 1, no padding, and a cost C of the 2×2 output of no special form;
δ_pq = ∂C/∂z^{l+1}_pq, ∇a_ij = ∂C/∂a^l_ij.  Its δ^l = δ^{l+1} * rot180(W^{l+1}) drops σ'(z^l)
(false); its ∂C/∂W_21 has a_33 for a_32 and its fourth kernel gradient is labelled W_12 (both
false)."""

import torch
from evaluator import D, F, S, Setup, T

SETUP = Setup(depth=4, act="generic", loss="mse", total="sum")
DIRECTIVE = "<!-- derivator: cost=C cost-is=sample activation=generic -->"
l, Lo = 2, 4

dz = lambda N, p: N.dLi(N.z[p])
sp = lambda N, p: N.fprime(p)
outer = lambda u, v: u[:, :, None] * v[:, None, :]
dW = lambda N, p: N.dLi_param(N.W[p])
db = lambda N, p: N.dLi_param(N.b[p])
back = lambda N, p: (dz(N, p + 1) @ N.W[p + 1]) * sp(N, p)
# δ^{l+1} ∂z^{l+1}/∂z^l as a row vector times the Jacobian
chain = lambda N, p: torch.einsum("sk,ski->si", dz(N, p + 1), N.jac(N.z[p + 1], N.z[p]))


# ---- the convolution example
def corr(a, w):
    """a (3×3) correlated with w (2×2), stride 1: the author's '*'."""
    return torch.stack(
        [torch.stack([(a[p : p + 2, q : q + 2] * w).sum() for q in range(2)]) for p in range(2)]
    )


def full(d, w):
    """The zero-padded d (4×4) correlated with w: 3×3."""
    pad = torch.zeros(4, 4, dtype=d.dtype)
    pad[1:3, 1:3] = d
    return torch.stack(
        [torch.stack([(pad[p : p + 2, q : q + 2] * w).sum() for q in range(3)]) for p in range(3)]
    )


_g = torch.Generator().manual_seed(5)
_r = lambda *s: torch.randn(*s, dtype=torch.float64, generator=_g)
Z = _r(3, 3).requires_grad_()  # z^l
Wk = _r(2, 2).requires_grad_()  # W^{l+1}
Bk = _r(1).requires_grad_()
A = torch.sigmoid(Z)  # a^l
Zn = corr(A, Wk) + Bk  # z^{l+1}
_c = _r(2, 2)
C = (torch.log(torch.cosh(Zn)) * _c + 0.2 * Zn**3).sum()
d_Zn, d_A, d_Z, d_W = torch.autograd.grad(C, [Zn, A, Z, Wk], retain_graph=True)
a, w, dl = A.detach(), Wk.detach(), d_Zn.detach()
rot = torch.flip(w, [0, 1])


def const(lhs, rhs):
    return lambda N: (lhs, rhs)


def entry(i, j, rhs):  # ∇a_{ij}
    return T(const(d_A[i - 1, j - 1], rhs))


KEY = {
    (1, 0): D(lambda N: (N.z[l], N.a[l - 1] @ N.W[l].T + N.b[l])),
    (2, 0): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (3, 0): D(lambda N: (N.Li, 0.5 * ((N.a[Lo] - N.y) ** 2).sum(1))),
    (4, 0): D(lambda N: (dz(N, l), dz(N, l))),
    (5, 0): D(lambda N: (dz(N, Lo), dz(N, Lo))),
    (5, 1): T(lambda N: (dz(N, Lo), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (5, 2): F(lambda N: (dz(N, Lo), (N.a[Lo] - N.y) * torch.sigmoid(N.z[l]))),  # widths differ
    (6, 0): T(lambda N: (dW(N, l), outer(dz(N, l), N.a[l - 1]))),
    (6, 1): F(lambda N: (dW(N, l), outer(dz(N, Lo), N.a[Lo - 1]))),
    (7, 0): T(lambda N: (db(N, l), dz(N, l))),
    (7, 1): F(lambda N: (db(N, l), dz(N, Lo))),
    (7, 2): T(lambda N: (dz(N, Lo) * 1, dz(N, Lo))),
    (8, 0): D(lambda N: (dz(N, l), dz(N, l))),
    (8, 1): T(lambda N: (dz(N, l), chain(N, l))),
    (8, 2): T(lambda N: (chain(N, l), chain(N, l))),
    (9, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),
    (9, 1): F(None, why="δ(z^l) written for σ(z^l): δ is the error, not a function"),
    (10, 0): F(None, why="δ'(z^l) written for σ'(z^l)"),
    (11, 0): T(lambda N: (dW(N, l), outer(dz(N, l), N.a[l - 1]))),
    (11, 1): T(lambda N: (dW(N, l), outer(dz(N, l), N.a[l - 1]))),
    (12, 0): T(lambda N: (db(N, l), dz(N, l))),
    (12, 1): T(lambda N: (db(N, l), dz(N, l))),
    (13, 0): S("update rule"),
    (14, 0): S("update rule"),
    (15, 0): S("update rule"),
    # ---- convolution
    (16, 0): D(const(A, torch.sigmoid(Z))),
    (16, 1): D(None, why="a convolution layer's forward pass (its example is keyed below)"),
    (17, 0): D(const(d_Z, d_Z)),
    (17, 1): T(
        const(
            d_Z,
            torch.einsum(
                "pq,pqij->ij",
                d_Zn,
                torch.autograd.functional.jacobian(lambda z: corr(torch.sigmoid(z), w), Z.detach()),
            ),
        )
    ),
    (17, 2): T(const(d_Z, d_Z)),
    (18, 0): D(const(Zn - Bk, corr(A, Wk))),
    (19, 0): D(const(corr(a, w), (Zn - Bk).detach())),
    (20, 0): D(
        const(
            corr(a, w)[0, 0],
            a[0, 0] * w[0, 0] + a[0, 1] * w[0, 1] + a[1, 0] * w[1, 0] + a[1, 1] * w[1, 1],
        )
    ),
    (21, 0): D(
        const(
            corr(a, w)[0, 1],
            a[0, 1] * w[0, 0] + a[0, 2] * w[0, 1] + a[1, 1] * w[1, 0] + a[1, 2] * w[1, 1],
        )
    ),
    (22, 0): D(
        const(
            corr(a, w)[1, 0],
            a[1, 0] * w[0, 0] + a[1, 1] * w[0, 1] + a[2, 0] * w[1, 0] + a[2, 1] * w[1, 1],
        )
    ),
    (23, 0): D(
        const(
            corr(a, w)[1, 1],
            a[1, 1] * w[0, 0] + a[1, 2] * w[0, 1] + a[2, 1] * w[1, 0] + a[2, 2] * w[1, 1],
        )
    ),
    (24, 0): D(const(d_A, d_A)),
    (24, 1): T(
        const(
            d_A,
            torch.einsum(
                "pq,pqij->ij", d_Zn, torch.autograd.functional.jacobian(lambda x: corr(x, w), a)
            ),
        )
    ),
    (24, 2): T(const(d_A, d_A)),
    (26, 0): entry(1, 1, dl[0, 0] * w[0, 0]),
    (27, 0): entry(1, 2, dl[0, 0] * w[0, 1] + dl[0, 1] * w[0, 0]),
    (28, 0): entry(1, 3, dl[0, 1] * w[0, 1]),
    (29, 0): entry(2, 1, dl[0, 0] * w[1, 0] + dl[1, 0] * w[0, 0]),
    (30, 0): entry(
        2, 2, dl[0, 0] * w[1, 1] + dl[0, 1] * w[1, 0] + dl[1, 0] * w[0, 1] + dl[1, 1] * w[0, 0]
    ),
    (31, 0): entry(2, 3, dl[0, 1] * w[1, 1] + dl[1, 1] * w[0, 1]),
    (32, 0): entry(3, 1, dl[1, 0] * w[1, 0]),
    (33, 0): entry(3, 2, dl[1, 0] * w[1, 1] + dl[1, 1] * w[1, 0]),
    (34, 0): entry(3, 3, dl[1, 1] * w[1, 1]),
    (35, 0): T(const(d_A, full(dl, rot))),
    (36, 0): D(const(d_Z, d_Z)),
    (36, 1): T(const(d_Z, d_A * A * (1 - A))),
    (36, 2): T(const(d_Z, d_Z)),
    # σ'(z^l) is missing: δ^{l+1} * rot180(W) is ∂C/∂a^l, not ∂C/∂z^l
    (36, 3): F(const(d_Z, full(dl, rot))),
    (37, 0): D(const(Zn, corr(A, Wk) + Bk)),
    (38, 0): T(const(d_W, corr(a, dl))),
    (39, 0): T(
        const(
            d_W[0, 0],
            a[0, 0] * dl[0, 0] + a[0, 1] * dl[0, 1] + a[1, 0] * dl[1, 0] + a[1, 1] * dl[1, 1],
        )
    ),
    (40, 0): T(
        const(
            d_W[0, 1],
            a[0, 1] * dl[0, 0] + a[0, 2] * dl[0, 1] + a[1, 1] * dl[1, 0] + a[1, 2] * dl[1, 1],
        )
    ),
    (41, 0): F(
        const(
            d_W[1, 0],
            a[1, 0] * dl[0, 0] + a[1, 1] * dl[0, 1] + a[2, 0] * dl[1, 0] + a[2, 2] * dl[1, 1],
        )
    ),
    (42, 0): F(
        const(
            d_W[0, 1],
            a[1, 1] * dl[0, 0] + a[1, 2] * dl[0, 1] + a[2, 1] * dl[1, 0] + a[2, 2] * dl[1, 1],
        )
    ),
    (43, 0): T(const(d_W, corr(a, dl))),
}
