"""Key of cross-validated-151555.md: the question's relations in Nielsen's network (sigmoid
outputs, C one example's quadratic cost); the answer's example C = x² + xy, x = 2z, y = z² on a
grid of z."""

import torch
from evaluator import GRID, D, Setup, T, d_dx

SETUP = Setup()
DIRECTIVE = "<!-- derivator: cost-is=sample -->"  # from the notation the document states
Lo = 4
z = GRID
x, y = 2 * z, z**2
dC = d_dx(lambda t: (2 * t) ** 2 + (2 * t) * t**2)  # C(z) through x and y

KEY = {
    (1, 0): D(lambda N: (N.dLi(N.z[Lo]), N.dLi(N.z[Lo]))),
    (2, 0): T(
        lambda N: (
            N.dLi(N.z[Lo]),
            torch.einsum("sk,skj->sj", N.dLi(N.a[Lo]), N.jac(N.a[Lo], N.z[Lo])),
        )
    ),
    (3, 0): T(
        lambda N: (
            N.dLi(N.z[Lo]),
            N.dLi(N.a[Lo]) * torch.diagonal(N.jac(N.a[Lo], N.z[Lo]), 0, 1, 2),
        )
    ),
    (4, 0): T(lambda N: (dC, (2 * x + y) * 2 + x * (2 * z))),  # Σ over (x, y)
    (5, 0): D(),
    (5, 1): D(),
    (5, 2): D(),
    (6, 0): T(lambda N: (dC, (2 * x + y) * d_dx(lambda t: 2 * t) + x * d_dx(lambda t: t**2))),
    (6, 1): T(lambda N: ((2 * x + y) * 2 + x * (2 * z), (2 * x + y) * 2 + x * (2 * z))),
    (6, 2): T(lambda N: ((2 * x + y) * 2 + x * (2 * z), 4 * x + 2 * y + 2 * x * z)),
    (6, 3): T(lambda N: (4 * x + 2 * y + 2 * x * z, 8 * z + 6 * z**2)),
}
