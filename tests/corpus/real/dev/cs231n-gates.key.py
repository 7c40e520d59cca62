"""Key of cs231n-gates.md: functions of real numbers on a grid (x, and y a second grid that differs
from x everywhere), partial derivatives by autograd; a, c constants."""

import torch
from evaluator import GRID, D, Setup, T

SETUP = Setup(depth=1)
DIRECTIVE = None
X = GRID + 0.05  # no x = 0 (1/x) and no ties x = y (max)
Y = 0.7 * torch.flip(GRID, [0]) + 0.3
A, C = 1.7, -0.4


def partial(f, which):
    x, y = X.clone().requires_grad_(), Y.clone().requires_grad_()
    out = f(x, y)
    return torch.autograd.grad(out.sum(), [x, y][which])[0]


def deriv(f):
    x = X.clone().requires_grad_()
    return torch.autograd.grad(f(x).sum(), x)[0]


ind = lambda b: b.to(torch.float64)

KEY = {
    (1, 0): D(),
    (1, 1): T(lambda N: (partial(lambda x, y: x * y, 0), Y)),
    (1, 2): T(lambda N: (partial(lambda x, y: x * y, 1), X)),
    (2, 0): D(),  # the definition of the derivative
    (3, 0): D(),
    (3, 1): T(lambda N: (partial(lambda x, y: x + y, 0), torch.ones_like(X))),
    (3, 2): T(lambda N: (partial(lambda x, y: x + y, 1), torch.ones_like(X))),
    (4, 0): D(),
    (4, 1): T(lambda N: (partial(torch.maximum, 0), ind(X >= Y))),
    (4, 2): T(lambda N: (partial(torch.maximum, 1), ind(Y >= X))),
    (5, 0): D(),
    (6, 0): D(),
    (6, 1): T(lambda N: (deriv(lambda x: 1 / x), -1 / X**2)),
    (6, 2): D(),
    (6, 3): T(lambda N: (deriv(lambda x: C + x), torch.ones_like(X))),
    (6, 4): D(),
    (6, 5): T(lambda N: (deriv(torch.exp), torch.exp(X))),
    (6, 6): D(),
    (6, 7): T(lambda N: (deriv(lambda x: A * x), torch.full_like(X, A))),
    (7, 0): D(),
}
