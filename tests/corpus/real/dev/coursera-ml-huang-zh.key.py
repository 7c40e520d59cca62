"""Key of coursera-ml-huang-zh.md: Ng's ML course network, layers 1 … 4 (a^{(l)} is the evaluator's
a[l-1], z^{(l)} its z[l-1], Θ^{(l)} its W[l], biases apart), sigmoid g, J the mean binary
cross-entropy over m examples plus λ/(2m) Σ Θ² (no bias weights); δ of one example's cost."""

import torch
from evaluator import D, S, Setup, T, outer

LAMBDA = 0.7


def _reg(N):
    return LAMBDA / (2 * N.n) * sum((N.W[p] ** 2).sum() for p in range(1, N.D + 1))


def _bce(N):
    y, h = N.y, N.a[3]
    return -(y * torch.log(h) + (1 - y) * torch.log(1 - h)).sum(1).mean()


SETUP = Setup(depth=3, loss="binary-cross-entropy", reg=_reg)
ONE = Setup(depth=3, loss="binary-cross-entropy", samples=1)  # the text's one example, λ = 0
DIRECTIVE = "<!-- derivator: loss=binary-cross-entropy cost-is=sample -->"

KEY = {
    (1, 0): S("a statement about sizes"),
    (2, 0): D(),  # the i-th output, in words
    (4, 0): D(lambda N: (N.L, _bce(N) + _reg(N))),
    (5, 0): T(lambda N: (N.dLi(N.z[3]), N.a[3] - N.y)),
    (6, 0): T(lambda N: (N.dLi(N.z[2]), (N.dLi(N.z[3]) @ N.W[3]) * N.fprime(2))),
    (7, 0): T(lambda N: (N.fprime(2), N.a[2] * (1 - N.a[2]))),
    (8, 0): T(lambda N: (N.dLi(N.z[1]), (N.dLi(N.z[2]) @ N.W[2]) * N.fprime(1))),
    (9, 0): T(lambda N: (N.dL(N.W[2]), outer(N.dLi(N.z[2]), N.a[1])[0]), ONE),
    (10, 0): D(),  # D := (1/m) Δ + λ Θ names the accumulated gradient
    (11, 0): D(),
    (12, 0): D(),  # δ in words
    (13, 0): D(None, why="a_j^{(l)} = g(z^{(l)}): z without its index j"),
    (14, 0): D(lambda N: (N.dLi(N.z[2]), N.dLi(N.z[2]))),
    (15, 0): S("a numerical approximation"),
}
