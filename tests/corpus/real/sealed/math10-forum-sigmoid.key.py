"""Key of math10-forum-sigmoid.md: x on a grid, y = 1 + e^{-x}, z = 1/y (the sigmoid of x)."""

import torch
from evaluator import GRID, D, Setup, T, d_dx

SETUP = Setup(depth=1)
DIRECTIVE = None
x = GRID
y = 1 + torch.exp(-x)
s = torch.sigmoid(x)
dz_dy = d_dx(lambda t: t**-1, y)

KEY = {
    (1, 0): D(),
    (2, 0): D(),
    (3, 0): T(
        lambda N: (
            d_dx(lambda t: 1 / (1 + torch.exp(-t))),
            dz_dy * d_dx(lambda t: 1 + torch.exp(-t)),
        )
    ),
    (4, 0): T(lambda N: (dz_dy, (-1) * y ** (-1 - 1))),
    (4, 1): T(lambda N: ((-1) * y ** (-1 - 1), (-1) * y**-2)),
    (4, 2): T(lambda N: ((-1) * y**-2, -1 / y**2)),
    (5, 0): T(lambda N: (d_dx(lambda t: 1 + torch.exp(-t)), -torch.exp(-x))),
    (6, 0): T(lambda N: (d_dx(torch.sigmoid), 1 / y**2 * torch.exp(-x))),
    (6, 1): T(lambda N: (1 / y**2 * torch.exp(-x), torch.exp(-x) / (1 + torch.exp(-x)) ** 2)),
    (7, 0): T(lambda N: (1 - 1 / y, y / y - 1 / y)),
    (7, 1): T(lambda N: (y / y - 1 / y, (y - 1) / y)),
    (8, 0): T(lambda N: (d_dx(torch.sigmoid), s * (1 - s))),
}
