"""Key of nn-from-scratch-chain-rule.md: the chain rule on grids (sections 2–5: g = x², f = sin; then
g = 3x, m = u², h = log, f = exp for x > 0), a 4-layer network u_i = W_i a_{i-1} + b_i, a_i = φ_i(u_i)
with generic φ and a generic loss (sections 6–8, 11), and the numerical illustration's network
(one neuron per layer, φ_3 = tanh, the others the identity, L = ½(z - y)²) for its claims; its numbers
against the note's values (x = 2, W = 1, 2, 1, 1, b = 0, y = 10)."""

import torch
from evaluator import GRID, PA, PF, D, P, S, Setup, T, d_dx


def _loss(a, y):
    return (torch.log(torch.cosh(a - y)) + 0.2 * torch.sin(a * y)).sum(1)


SETUP = Setup(depth=4, act="generic", loss=_loss)
NUM = Setup(depth=4, single=True, acts=("identity", "identity", "tanh", "identity"), loss="mse")
DIRECTIVE = "<!-- derivator: cost-is=sample -->"  # what a user would add
x = GRID
xp = torch.linspace(0.2, 3, 13, dtype=torch.float64)  # x > 0 for the logarithm
f64 = torch.float64

# the numerical illustration, unrounded
z4 = float(torch.tanh(torch.tensor(4.0, dtype=f64)))
d4 = z4 - 10
d3 = 1 * d4 * (1 - z4**2)

outer = lambda a, b: a[:, :, None] * b[:, None, :]
du = lambda N, p: N.dLi(N.z[p])


def num(lhs, rhs):
    return lambda N: (torch.tensor(float(lhs)), torch.tensor(float(rhs)))


KEY = {
    (1, 0): D(),
    (2, 0): T(
        lambda N: (d_dx(lambda t: torch.sin(t**2)), torch.cos(x**2) * 2 * x)
    ),  # f = sin, g = x²
    (3, 0): D(),
    (3, 1): D(),
    (4, 0): D(),
    (4, 1): T(lambda N: (torch.sin(x**2), torch.sin(x**2))),
    (5, 0): T(lambda N: (d_dx(lambda t: t**2), 2 * x)),
    (5, 1): T(lambda N: (d_dx(torch.sin), torch.cos(x))),
    (6, 0): T(lambda N: (d_dx(lambda t: torch.sin(t**2)), torch.cos(x**2) * d_dx(lambda t: t**2))),
    (6, 1): T(lambda N: (torch.cos(x**2) * 2 * x, torch.cos(x**2) * 2 * x)),
    (7, 0): D(),
    (8, 0): D(),
    (8, 1): D(),
    (8, 2): D(),
    (8, 3): D(),
    # sections 4 and 5: g = 3x, m = u², h = log, f = exp
    (9, 0): T(
        lambda N: (
            d_dx(lambda t: torch.exp(torch.log((3 * t) ** 2)), xp),
            torch.exp(torch.log(9 * xp**2)) / (9 * xp**2) * 2 * (3 * xp) * 3,
        )
    ),
    (10, 0): T(
        lambda N: (
            d_dx(lambda t: torch.exp(torch.log((3 * t) ** 2)), xp),
            torch.exp(torch.log(9 * xp**2)) * (1 / (9 * xp**2)) * (2 * 3 * xp) * 3,
        )
    ),
    (11, 0): T(lambda N: (torch.log((3 * xp) ** 2), torch.log((3 * xp) ** 2))),
    (11, 1): T(lambda N: ((3 * xp) ** 2, (3 * xp) ** 2)),
    (11, 2): T(lambda N: (3 * xp, 3 * xp)),
    (12, 0): T(
        lambda N: (torch.exp(torch.log((3 * xp) ** 2)), torch.exp(torch.log((3 * xp) ** 2)))
    ),
    (12, 1): T(lambda N: (torch.exp(torch.log((3 * xp) ** 2)), torch.exp(torch.log(9 * xp**2)))),
    (12, 2): T(lambda N: (torch.exp(torch.log(9 * xp**2)), 9 * xp**2)),
    (13, 0): T(lambda N: (d_dx(lambda t: 9 * t**2, xp), 18 * xp)),
    (14, 0): T(lambda N: (d_dx(lambda t: torch.exp(torch.log((3 * t) ** 2)), xp), 18 * xp)),
    (14, 1): T(
        lambda N: (torch.exp(torch.log(9 * xp**2)) * (1 / (9 * xp**2)) * 2 * (3 * xp) * 3, 18 * xp)
    ),
    (15, 0): T(
        lambda N: (
            d_dx(lambda t: 9 * t**2, xp),
            torch.exp(torch.log(9 * xp**2)) / (9 * xp**2) * 2 * (3 * xp) * 3,
        )
    ),
    (15, 1): T(
        lambda N: (
            torch.exp(torch.log(9 * xp**2)) / (9 * xp**2) * 2 * (3 * xp) * 3,
            9 * xp**2 / (9 * xp**2) * 6 * xp * 3,
        )
    ),
    (15, 2): T(lambda N: (9 * xp**2 / (9 * xp**2) * 6 * xp * 3, 18 * xp)),
    (16, 0): D(),
    (16, 1): D(),
    (17, 0): D(),
    (18, 0): T(
        lambda N: (
            N.dLi_param(N.W[1]),
            du(N, 1)[:, :, None] * N.a[0][:, None, :],  # the chain ∂L/∂z … ∂g/∂θ_g contracted
        )
    ),
    (19, 0): T(
        lambda N: (N.dLi(N.a[0]), torch.einsum("sij,si->sj", N.jac(N.z[1], N.a[0]), du(N, 1)))
    ),
    **{(k, s): D() for k in (20, 21, 22, 23) for s in (0, 1, 2)},
    (24, 0): D(),
    (25, 0): T(lambda N: (du(N, 4), N.dLi(N.a[4]) * N.fprime(4))),
    (26, 0): D(lambda N: (du(N, 4), du(N, 4))),
    (27, 0): T(lambda N: (N.dLi_param(N.W[4]), outer(du(N, 4), N.a[3]))),
    (27, 1): T(lambda N: (N.dLi_param(N.b[4]), du(N, 4))),
    (28, 0): T(lambda N: (du(N, 3), (du(N, 4) @ N.W[4]) * N.fprime(3))),
    (29, 0): T(lambda N: (N.dLi_param(N.W[3]), outer(du(N, 3), N.a[2]))),
    (29, 1): T(lambda N: (N.dLi_param(N.b[3]), du(N, 3))),
    (30, 0): T(lambda N: (du(N, 2), (du(N, 3) @ N.W[3]) * N.fprime(2))),
    (30, 1): T(lambda N: (N.dLi_param(N.W[2]), outer(du(N, 2), N.a[1]))),
    (31, 0): T(lambda N: (du(N, 1), (du(N, 2) @ N.W[2]) * N.fprime(1))),
    (31, 1): T(lambda N: (N.dLi_param(N.W[1]), outer(du(N, 1), N.a[0]))),
    (32, 0): S("update rule"),
    (32, 1): S("update rule"),
    # the numerical illustration
    (33, 0): T(lambda N: (N.dLi(N.a[4]), N.a[4] - N.y), NUM),
    (33, 1): P(lambda: (z4 - 10, 0.9993 - 10)),
    (33, 2): T(num(0.9993 - 10, -9.0007)),
    (34, 0): P(lambda: (d4, -9.0007)),
    (35, 0): T(lambda N: (N.dLi_param(N.W[4])[:, 0, 0], du(N, 4)[:, 0] * N.a[3][:, 0]), NUM),
    (35, 1): PF(lambda: (d4 * z4, -9.0007 * 0.9993)),
    (35, 2): PA(lambda: (-9.0007 * 0.9993, -8.994)),
    (36, 0): T(lambda N: (N.dLi_param(N.b[4]), du(N, 4)), NUM),
    (36, 1): P(lambda: (d4, -9.0007)),
    (37, 0): T(lambda N: (du(N, 3), (du(N, 4) @ N.W[4]) * N.fprime(3)), NUM),
    (38, 0): PF(lambda: (d3, 1 * (-9.0007) * 0.0014)),
    (38, 1): P(lambda: (1 * (-9.0007) * 0.0014, -0.0126)),
    (39, 0): T(lambda N: (N.dLi_param(N.W[3])[:, 0, 0], du(N, 3)[:, 0] * N.a[2][:, 0]), NUM),
    (39, 1): PF(lambda: (d3 * 4, -0.0126 * 4)),
    (39, 2): T(num(-0.0126 * 4, -0.0504)),
    (40, 0): T(lambda N: (N.dLi_param(N.b[3]), du(N, 3)), NUM),
    (40, 1): PF(lambda: (d3, -0.0126)),
    (41, 0): S("update rule"),
    (41, 1): T(num(1 - 0.1 * (-8.994), 1 + 0.8994)),
    (41, 2): T(num(1 + 0.8994, 1.8994)),
    (42, 0): T(lambda N: (du(N, 2), (du(N, 3) @ N.W[3]) * N.fprime(2))),
    (43, 0): T(lambda N: (N.dLi_param(N.W[2]), outer(du(N, 2), N.a[1]))),
    (43, 1): T(lambda N: (N.dLi_param(N.b[2]), du(N, 2))),
}
