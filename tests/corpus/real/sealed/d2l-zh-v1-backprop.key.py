"""Key of d2l-zh-v1-backprop.ipynb (the first edition's 3.14, MXNet): one example x, z = W^(1) x,
h = φ(z) (generic here), o = W^(2) h (no biases, no output activation), L = ℓ(o, y) a loss of no
special form, s = λ/2 (‖W^(1)‖² + ‖W^(2)‖²) with λ = 0.3, J = L + s.  prod is the book's
shape-driven product: each step holds with the transposes the shapes ask for."""

import torch
from evaluator import D, Setup, T

LAM = 0.3


def _loss(o, y):
    return (torch.log(torch.cosh(o - y)) + 0.2 * o * torch.sin(y)).sum(1)


def _reg(N):
    return LAM / 2 * ((N.W[1] ** 2).sum() + (N.W[2] ** 2).sum())


SETUP = Setup(
    depth=2, act="generic", out="identity", bias=False, loss=_loss, total="sum", reg=_reg, samples=1
)
DIRECTIVE = (
    "<!-- derivator: cost=J cost-is=sample activation=generic output-activation=identity "
    "letters=preactivation:z,activation:h,output:o,input:x -->"
)

dJ = lambda N, x: N.dL(x)
outer = lambda u, v: (u[:, :, None] * v[:, None, :])[0]  # one example
dJ_do = lambda N: dJ(N, N.z[2])
dJ_dh = lambda N: dJ_do(N) @ N.W[2]
dJ_dz = lambda N: dJ(N, N.z[1])

# the chain rule of tensors, on an instance: X a vector, Y = tanh(A X), Z = Σ sin Y
_g = torch.Generator().manual_seed(7)
_A = torch.randn(4, 3, dtype=torch.float64, generator=_g)
_X = torch.randn(3, dtype=torch.float64, generator=_g)


def _chain(N):
    x = _X.clone().requires_grad_()
    Y = torch.tanh(_A @ x)
    (dZdX,) = torch.autograd.grad(torch.sin(Y).sum(), x)
    J = torch.autograd.functional.jacobian(lambda v: torch.tanh(_A @ v), _X)
    return dZdX, torch.cos(torch.tanh(_A @ _X)) @ J


KEY = {
    (1, 0): D(lambda N: (N.z[1], N.a[0] @ N.W[1].T)),
    (2, 0): D(lambda N: (N.a[1], N.f[1](N.z[1]))),
    (3, 0): D(lambda N: (N.a[2], N.a[1] @ N.W[2].T)),
    (4, 0): D(lambda N: (N.Li, _loss(N.a[2], N.y))),
    (5, 0): D(lambda N: (N.L - N.Li.sum(), _reg(N))),
    (6, 0): D(lambda N: (N.L, N.Li.sum() + _reg(N))),
    (7, 0): T(_chain),
    (8, 0): T(lambda N: (torch.tensor(1.0), torch.tensor(1.0))),  # J = L + s
    (8, 1): T(lambda N: (torch.tensor(1.0), torch.tensor(1.0))),
    (9, 0): T(lambda N: (dJ_do(N), N.dLi(N.z[2]))),
    (9, 1): T(lambda N: (N.dLi(N.z[2]), N.dLi(N.z[2]))),
    (10, 0): T(lambda N: (N.grad(_reg(N), N.W[1]), LAM * N.W[1])),
    (10, 1): T(lambda N: (N.grad(_reg(N), N.W[2]), LAM * N.W[2])),
    (11, 0): T(lambda N: (dJ(N, N.W[2]), outer(dJ_do(N), N.a[1]) + LAM * N.W[2])),
    (11, 1): T(
        lambda N: (outer(dJ_do(N), N.a[1]) + LAM * N.W[2], outer(dJ_do(N), N.a[1]) + LAM * N.W[2])
    ),
    (12, 0): T(lambda N: (dJ(N, N.a[1]), dJ_dh(N))),
    (12, 1): T(lambda N: (dJ_dh(N), dJ_do(N) @ N.W[2])),
    (13, 0): T(lambda N: (dJ_dz(N), dJ_dh(N) * N.fprime(1))),
    (13, 1): T(lambda N: (dJ_dh(N) * N.fprime(1), dJ(N, N.a[1]) * N.fprime(1))),
    (14, 0): T(lambda N: (dJ(N, N.W[1]), outer(dJ_dz(N), N.a[0]) + LAM * N.W[1])),
    (14, 1): T(
        lambda N: (outer(dJ_dz(N), N.a[0]) + LAM * N.W[1], outer(dJ_dz(N), N.a[0]) + LAM * N.W[1])
    ),
    (15, 0): D(lambda N: (N.L - N.Li.sum(), LAM / 2 * ((N.W[1] ** 2).sum() + (N.W[2] ** 2).sum()))),
    (16, 0): T(lambda N: (dJ(N, N.W[2]), outer(dJ_do(N), N.a[1]) + LAM * N.W[2])),
}
