"""Key of thill-backprop-blog.md: layers 0 … 3 with ℓ = 2, w_{i,j}^{(ℓ)} from j to i (the evaluator's
W[ℓ][i, j]), σ a generic activation, a loss with no special identity, J the mean over the batch;
δ and the partials of one example's loss.  The interlude's examples on a grid of t (and a vector
example x = tanh(A t), z = Σ sin x)."""

import torch
from evaluator import GRID, D, S, Setup, T, d_dx


def _loss(a, y):
    return (torch.log(torch.cosh(a - y)) + 0.2 * torch.sin(a * y)).sum(1)


SETUP = Setup(depth=3, act="generic", loss=_loss)
DIRECTIVE = "<!-- derivator: cost-is=sample -->"  # what a user would add
l = 2
t = GRID / 2
X, Y = torch.exp(t), t**2
Zf = lambda x, y: torch.sin(x**2 + y**2)


def partial(which):
    x, y = X.clone().requires_grad_(), Y.clone().requires_grad_()
    return torch.autograd.grad(Zf(x, y).sum(), [x, y][which])[0]


dz_dt = d_dx(lambda s: Zf(torch.exp(s), s**2), t)
C = torch.cos(X**2 + Y**2)
g_ = torch.Generator().manual_seed(3)
A = torch.randn(4, 3, dtype=torch.float64, generator=g_)
T0 = torch.randn(3, dtype=torch.float64, generator=g_)


def vec_chain():
    tt = T0.clone().requires_grad_()
    x = torch.tanh(A @ tt)
    z = torch.sin(x).sum()
    lhs = torch.autograd.grad(z, tt)[0]
    dz_dx = torch.cos(torch.tanh(A @ T0))
    jac = torch.autograd.functional.jacobian(lambda s: torch.tanh(A @ s), T0)  # [j, i]
    return lhs, (dz_dx[:, None] * jac).sum(0)


dL_dz = lambda N, p: N.dLi(N.z[p])
sp = lambda N, p: N.fprime(p)
dW = lambda N, p: N.dLi_param(N.W[p])  # [s, i, j]
outer = lambda u, v: u[:, :, None] * v[:, None, :]
back = lambda N: sp(N, l) * (dL_dz(N, l + 1) @ N.W[l + 1])
chain_z = lambda N: torch.einsum("sk,ski->si", dL_dz(N, l + 1), N.jac(N.z[l + 1], N.z[l]))

KEY = {
    (2, 0): D(lambda N: (N.L, N.Li.mean())),
    (3, 0): T(lambda N: (N.dL(N.W[l]), dW(N, l).mean(0))),
    (4, 0): T(lambda N: (dW(N, l), dL_dz(N, l)[:, :, None] * N.a[l - 1][:, None, :])),
    (5, 0): D(lambda N: (N.z[l], N.a[l - 1] @ N.W[l].T + N.b[l])),
    (6, 0): T(
        lambda N: (
            torch.einsum("siij->sij", N.jac_param(N.z[l], N.W[l])),
            N.a[l - 1][:, None, :].expand(-1, N.widths[l], -1),
        )
    ),
    (7, 0): T(lambda N: (dW(N, l), outer(dL_dz(N, l), N.a[l - 1]))),
    (8, 0): T(
        lambda N: (torch.einsum("sii->si", N.jac_param(N.z[l], N.b[l])), torch.ones_like(N.z[l]))
    ),
    (9, 0): T(lambda N: (N.dLi_param(N.b[l]), dL_dz(N, l) * 1)),
    (9, 1): T(lambda N: (dL_dz(N, l) * 1, dL_dz(N, l))),
    (10, 0): T(lambda N: (dW(N, l), outer(dL_dz(N, l), N.a[l - 1]))),
    (10, 1): T(lambda N: (N.dLi_param(N.b[l]), dL_dz(N, l))),
    (11, 0): D(),
    (11, 1): D(),
    (12, 0): D(),
    (12, 1): D(),
    (12, 2): D(),
    (12, 3): T(
        lambda N: (dz_dt, partial(0) * d_dx(torch.exp, t) + partial(1) * d_dx(lambda s: s**2, t))
    ),
    (13, 0): D(),
    (13, 1): D(),
    (13, 2): D(),
    (14, 0): T(lambda N: (partial(0), 2 * X * C)),
    (14, 1): T(lambda N: (partial(1), 2 * Y * C)),
    (14, 2): T(lambda N: (d_dx(torch.exp, t), torch.exp(t))),
    (14, 3): T(lambda N: (d_dx(lambda s: s**2, t), 2 * t)),
    (15, 0): T(lambda N: (dz_dt, 2 * X * C * torch.exp(t) + 2 * Y * C * 2 * t)),
    (15, 1): T(
        lambda N: (
            2 * X * C * torch.exp(t) + 2 * Y * C * 2 * t,
            2 * X * C * torch.exp(t) + 2 * Y * C * 2 * t,
        )
    ),
    (15, 2): T(
        lambda N: (
            2 * X * C * torch.exp(t) + 2 * Y * C * 2 * t,
            2 * C * (X * torch.exp(t) + 2 * Y * t),
        )
    ),
    (15, 3): T(
        lambda N: (
            2 * C * (X * torch.exp(t) + 2 * Y * t),
            2 * torch.cos(torch.exp(2 * t) + t**4) * (torch.exp(2 * t) + 2 * t**3),
        )
    ),
    (16, 0): T(lambda N: (Zf(X, Y), torch.sin(torch.exp(2 * t) + t**4))),  # z in terms of t
    (16, 1): T(
        lambda N: (dz_dt, torch.cos(torch.exp(2 * t) + t**4) * (2 * torch.exp(2 * t) + 4 * t**3))
    ),
    (16, 2): T(
        lambda N: (
            torch.cos(torch.exp(2 * t) + t**4) * (2 * torch.exp(2 * t) + 4 * t**3),
            2 * torch.cos(torch.exp(2 * t) + t**4) * (torch.exp(2 * t) + 2 * t**3),
        )
    ),
    (17, 0): D(),
    (17, 1): D(),
    (17, 2): T(lambda N: vec_chain()),  # the first terms and ⋯ for the rest
    (17, 3): T(lambda N: (vec_chain()[1], vec_chain()[1])),
    (18, 0): T(lambda N: (dL_dz(N, l), chain_z(N))),
    (18, 1): T(lambda N: (chain_z(N), chain_z(N))),
    (19, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),
    (19, 1): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (20, 0): T(lambda N: (N.jac(N.z[l + 1], N.z[l]), N.W[l + 1][None] * sp(N, l)[:, None, :])),
    (21, 0): T(lambda N: (dL_dz(N, l), back(N))),
    (22, 0): D(lambda N: (dL_dz(N, l), dL_dz(N, l))),
    (23, 0): T(lambda N: (dL_dz(N, l), back(N))),
    (24, 0): S("a statement about sizes"),
    (24, 1): S("a statement about sizes"),
    (25, 0): S("a statement about sizes"),
    (26, 0): S("a statement about sizes"),
    (26, 1): S("a statement about sizes"),
    # w_k, the k-th row of W (neuron k's incoming weights), as a column
    (27, 0): T(
        lambda N: (
            dL_dz(N, l + 1) @ N.W[l + 1],
            (dL_dz(N, l + 1)[:, :, None] * N.W[l + 1][None]).sum(1),
        )
    ),
    (28, 0): T(
        lambda N: (
            dL_dz(N, l + 1) @ N.W[l + 1],
            torch.einsum("ki,sk->si", N.W[l + 1], dL_dz(N, l + 1)),
        )
    ),
    (29, 0): D(lambda N: (dL_dz(N, l), dL_dz(N, l))),
    (29, 1): T(lambda N: (dL_dz(N, l), back(N))),
    (30, 0): T(lambda N: (dW(N, l), outer(dL_dz(N, l), N.a[l - 1]))),
    (30, 1): T(lambda N: (N.dLi_param(N.b[l]), dL_dz(N, l))),
    (31, 0): T(lambda N: (dW(N, l), outer(dL_dz(N, l), N.a[l - 1]))),
    (32, 0): S("a statement about sizes"),
    (32, 1): S("a statement about sizes"),
    (33, 0): T(
        lambda N: (outer(dL_dz(N, l), N.a[l - 1]), dL_dz(N, l)[:, :, None] * N.a[l - 1][:, None, :])
    ),
    (34, 0): T(lambda N: (N.dLi_param(N.b[l]), dL_dz(N, l))),
    (34, 1): S("a statement about sizes"),
}
