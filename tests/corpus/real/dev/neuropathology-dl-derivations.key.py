"""Key of neuropathology-dl-derivations.md: a two-layer network (layers 0, 1, 2), W_{ij} from j to i
(the evaluator's W), σ a generic activation in both layers, L = ½‖a^{(2)} - y‖² of one example; the
calculus review on grids (y = (3x + 5)², z = sin(exp(0.3 tanh x)), z = Σ_i sin(i x)) and a vector
example z = Σ sin(y), y = tanh(A x)."""

import torch
from evaluator import GRID, D, Setup, T, d_dx

SETUP = Setup(depth=2, act="generic")
DIRECTIVE = "<!-- derivator: cost=L cost-is=sample -->"  # what a user would add
x = GRID
u = 3 * x + 5
g_ = torch.Generator().manual_seed(9)
A = torch.randn(4, 3, dtype=torch.float64, generator=g_)
X0 = torch.randn(3, dtype=torch.float64, generator=g_)


def vec_chain():
    t = X0.clone().requires_grad_()
    z = torch.sin(torch.tanh(A @ t)).sum()
    lhs = torch.autograd.grad(z, t)[0]
    jac = torch.autograd.functional.jacobian(lambda s: torch.tanh(A @ s), X0)
    return lhs, (torch.cos(torch.tanh(A @ X0))[:, None] * jac).sum(0)


dz2 = lambda N: N.dLi(N.z[2])
dz1 = lambda N: N.dLi(N.z[1])
outer = lambda a, b: a[:, :, None] * b[:, None, :]
HALF = lambda N: 0.5 * ((N.a[2] - N.y) ** 2).sum(1)

KEY = {
    (1, 0): D(),
    (2, 0): D(),
    (3, 0): T(
        lambda N: (
            d_dx(lambda s: (3 * s + 5) ** 2),
            d_dx(lambda s: s**2, u) * d_dx(lambda s: 3 * s + 5),
        )
    ),
    (3, 1): T(lambda N: (d_dx(lambda s: s**2, u) * d_dx(lambda s: 3 * s + 5), 2 * u * 3)),
    (3, 2): T(lambda N: (2 * u * 3, 2 * (3 * x + 5) * 3)),
    (3, 3): T(lambda N: (2 * (3 * x + 5) * 3, 6 * (3 * x + 5))),
    (3, 4): T(lambda N: (6 * (3 * x + 5), 18 * x + 30)),
    (4, 0): T(
        lambda N: (
            d_dx(lambda s: torch.sin(torch.exp(0.3 * torch.tanh(s)))),
            d_dx(torch.sin, torch.exp(0.3 * torch.tanh(x)))
            * d_dx(lambda s: torch.exp(0.3 * s), torch.tanh(x))
            * d_dx(torch.tanh),
        )
    ),
    (5, 0): D(),  # the definition of a partial derivative
    (6, 0): D(),
    (7, 0): T(lambda N: vec_chain()),
    (8, 0): T(
        lambda N: (
            d_dx(lambda s: sum(torch.sin(i * s) for i in range(1, 4))),
            sum(i * torch.cos(i * x) for i in range(1, 4)),
        )
    ),
    (9, 0): D(),
    (10, 0): D(lambda N: (N.Li, HALF(N))),
    (10, 1): T(lambda N: (HALF(N), 0.5 * ((N.a[2] - N.y) ** 2).sum(1))),
    (11, 0): T(lambda N: (N.dLi(N.a[2]), N.dLi(N.a[2]))),
    (11, 1): T(lambda N: (N.dLi(N.a[2]), N.a[2] - N.y)),
    (12, 0): T(lambda N: (N.dLi(N.a[2]), N.a[2] - N.y)),
    (13, 0): T(lambda N: (dz2(N), N.dLi(N.a[2]) * torch.diagonal(N.jac(N.a[2], N.z[2]), 0, 1, 2))),
    (13, 1): T(lambda N: (N.dLi(N.a[2]) * N.fprime(2), (N.a[2] - N.y) * N.fprime(2))),
    (14, 0): T(lambda N: (dz2(N), (N.a[2] - N.y) * N.fprime(2))),
    (15, 0): D(lambda N: (dz2(N), dz2(N))),
    (16, 0): D(lambda N: (N.z[2], N.a[1] @ N.W[2].T + N.b[2])),
    (17, 0): T(
        lambda N: (
            N.dLi_param(N.W[2]),
            dz2(N)[:, :, None] * torch.einsum("siij->sij", N.jac_param(N.z[2], N.W[2])),
        )
    ),
    (17, 1): T(
        lambda N: (
            dz2(N)[:, :, None] * torch.einsum("siij->sij", N.jac_param(N.z[2], N.W[2])),
            outer(dz2(N), N.a[1]),
        )
    ),
    (18, 0): T(lambda N: (N.dLi_param(N.W[2]), outer(dz2(N), N.a[1]))),
    (19, 0): T(
        lambda N: (
            N.dLi_param(N.b[2]),
            dz2(N) * torch.einsum("sii->si", N.jac_param(N.z[2], N.b[2])),
        )
    ),
    (19, 1): T(
        lambda N: (dz2(N) * torch.einsum("sii->si", N.jac_param(N.z[2], N.b[2])), dz2(N) * 1)
    ),
    (19, 2): T(lambda N: (dz2(N) * 1, dz2(N))),
    (20, 0): T(lambda N: (N.dLi_param(N.b[2]), dz2(N))),
    (21, 0): T(
        lambda N: (N.dLi(N.a[1]), torch.einsum("si,sij->sj", dz2(N), N.jac(N.z[2], N.a[1])))
    ),
    (22, 0): T(lambda N: (N.jac(N.z[2], N.a[1]), N.W[2].expand(N.n, -1, -1))),
    (23, 0): T(lambda N: (N.dLi(N.a[1]), dz2(N) @ N.W[2])),
    (24, 0): T(lambda N: (N.dLi(N.a[1]), dz2(N) @ N.W[2])),  # (W^{(2)})^T δ as rows
    (25, 0): T(lambda N: (dz1(N), N.dLi(N.a[1]) * torch.diagonal(N.jac(N.a[1], N.z[1]), 0, 1, 2))),
    (25, 1): T(
        lambda N: (
            N.dLi(N.a[1]) * torch.diagonal(N.jac(N.a[1], N.z[1]), 0, 1, 2),
            N.dLi(N.a[1]) * N.fprime(1),
        )
    ),
    (26, 0): D(lambda N: (dz1(N), dz1(N))),
    (26, 1): T(lambda N: (dz1(N), (dz2(N) @ N.W[2]) * N.fprime(1))),
}
