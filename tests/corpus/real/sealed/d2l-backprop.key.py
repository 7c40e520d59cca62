"""Key of d2l-backprop.md: one example x (d), z = W1 x, h = φ(z) with a generic elementwise φ,
o = W2 h (q, no activation), no biases, L = l(o, y) with a loss l left generic (here one with no
special identity), s = λ/2 (‖W1‖² + ‖W2‖²), J = L + s.  Vectors of the one example are rows of
the evaluator's (1, width) arrays; ∂J/∂W has the shape of W."""

import torch
from evaluator import D, S, Setup, T

LAMBDA = 0.3


def _loss(o, y):
    """A loss with no special identity (any l would do)."""
    return (torch.log(torch.cosh(o - y)) + 0.2 * torch.sin(o * y)).sum(1)


def _reg(N):
    return LAMBDA / 2 * ((N.W[1] ** 2).sum() + (N.W[2] ** 2).sum())


SETUP = Setup(
    depth=2, acts=("generic", "identity"), bias=False, samples=1, loss=_loss, total="sum", reg=_reg
)
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: activation=generic output-activation=identity cost-is=sample -->"
)


def x(N):
    return N.a[0][0]


def z(N):
    return N.z[1][0]


def h(N):
    return N.a[1][0]


def o(N):
    return N.z[2][0]


def dJ(N, t):
    return N.grad(N.L, t)


def dJ_do(N):
    return dJ(N, N.z[2])[0]


def dJ_dh(N):
    return dJ(N, N.a[1])[0]


def dJ_dz(N):
    return dJ(N, N.z[1])[0]


def dL_do(N):
    return N.grad(N.Li.sum(), N.z[2])[0]


KEY = {
    (1, 0): D(lambda N: (z(N), N.W[1] @ x(N))),
    (2, 0): D(lambda N: (h(N), N.f[1](z(N)))),
    (3, 0): D(lambda N: (o(N), N.W[2] @ h(N))),
    (4, 0): D(lambda N: (N.Li, _loss(N.z[2], N.y))),
    (5, 0): D(lambda N: (_reg(N), LAMBDA / 2 * ((N.W[1] ** 2).sum() + (N.W[2] ** 2).sum()))),
    (6, 0): D(lambda N: (N.L, N.Li.sum() + _reg(N))),
    # the chain rule for tensors (here X = x, Y = z, Z = J)
    (7, 0): T(lambda N: (dJ(N, N.a[0])[0], dJ_dz(N) @ N.jac(N.z[1], N.a[0])[0])),
    (8, 0): T(lambda N: (torch.tensor(1.0), torch.tensor(1.0))),  # J = L + s
    (8, 1): T(lambda N: (torch.tensor(1.0), torch.tensor(1.0))),
    (9, 0): T(lambda N: (dJ_do(N), 1.0 * dL_do(N))),
    (9, 1): T(lambda N: (1.0 * dL_do(N), dL_do(N))),
    (9, 2): S("a statement about sizes"),
    (10, 0): T(lambda N: (N.grad(_reg(N), N.W[1]), LAMBDA * N.W[1])),
    (10, 1): T(lambda N: (N.grad(_reg(N), N.W[2]), LAMBDA * N.W[2])),
    (11, 0): T(
        lambda N: (
            dJ(N, N.W[2]),
            torch.outer(dJ_do(N), h(N)) + 1.0 * N.grad(_reg(N), N.W[2]),
        )
    ),
    (11, 1): T(
        lambda N: (
            torch.outer(dJ_do(N), h(N)) + 1.0 * N.grad(_reg(N), N.W[2]),
            torch.outer(dJ_do(N), h(N)) + LAMBDA * N.W[2],
        )
    ),
    (12, 0): T(lambda N: (dJ_dh(N), dJ_do(N) @ N.W[2])),
    (12, 1): T(lambda N: (dJ_do(N) @ N.W[2], N.W[2].T @ dJ_do(N))),
    (13, 0): T(lambda N: (dJ_dz(N), dJ_dh(N) * N.fprime(1)[0])),
    (13, 1): T(lambda N: (dJ_dh(N) * N.fprime(1)[0], dJ_dh(N) * N.fprime(1)[0])),
    (14, 0): T(
        lambda N: (
            dJ(N, N.W[1]),
            torch.outer(dJ_dz(N), x(N)) + 1.0 * N.grad(_reg(N), N.W[1]),
        )
    ),
    (14, 1): T(
        lambda N: (
            torch.outer(dJ_dz(N), x(N)) + 1.0 * N.grad(_reg(N), N.W[1]),
            torch.outer(dJ_dz(N), x(N)) + LAMBDA * N.W[1],
        )
    ),
}
