"""Key of sigmoid-derivative-zh.md: functions of x on a grid, derivatives by autograd; Sigmoid is
the logistic function and f names it."""

from evaluator import GRID, D, F, Setup, T, d_dx, torch

SETUP = Setup(depth=1)
DIRECTIVE = None
x = GRID
sx = torch.sigmoid(x)
E_ = torch.exp(-x)

KEY = {
    (1, 0): D(lambda N: (sx, sx)),  # f names the sigmoid
    (1, 1): T(lambda N: (sx, 1 / (1 + E_))),
    (2, 0): T(lambda N: (d_dx(torch.sigmoid), d_dx(lambda t: (1 + torch.exp(-t)) ** -1))),
    (2, 1): T(
        lambda N: (
            d_dx(lambda t: (1 + torch.exp(-t)) ** -1),
            -((1 + E_) ** -2) * d_dx(lambda t: 1 + torch.exp(-t)),
        )
    ),
    (2, 2): T(
        lambda N: (
            -((1 + E_) ** -2) * d_dx(lambda t: 1 + torch.exp(-t)),
            -((1 + E_) ** -2) * E_ * d_dx(lambda t: -t),
        )
    ),
    (2, 3): T(lambda N: (-((1 + E_) ** -2) * E_ * d_dx(lambda t: -t), (1 + E_) ** -2 * E_)),
    (2, 4): F(lambda N: ((1 + E_) ** -2 * E_, E_ / (1 + E_) ** -2)),  # the author's ^{-2}
    (2, 5): F(lambda N: (E_ / (1 + E_) ** -2, 1 / (1 + E_) * (1 + E_ - 1) / (1 + E_))),
    (2, 6): T(lambda N: (1 / (1 + E_) * (1 + E_ - 1) / (1 + E_), sx * (1 - sx))),
}
