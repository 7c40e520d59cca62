"""Key of yoanptr-mlp-gradients.md: one example through a sigmoid layer and a sigmoid output,
Z^{(p)} = W^{(p)} A^{(p-1)} + B^{(p)} (the evaluator's orientation; the README writes no forward
pass), C = (1/N_out) Σ_i (ŷ_i - y_i)² the mean squared error over the outputs (what item 2
differentiates).  Products "·" of a gradient and a Jacobian are read entrywise where the Jacobian is
diagonal and as a row vector times the matrix otherwise (∂C/∂Z^{(2)} · W^{(2)} holds so).  As written:
item 2 sums the gradient's entries into one number, the weight gradients ∂C/∂Z · A (no transpose,
no outer product) cannot be the weights' matrix, and the bias gradients are summed over the units
(N_out, N_in; the summand has no i: N times ∂C/∂Z) instead of being ∂C/∂Z itself."""

import torch
from evaluator import D, F, Setup, T


def _mse_mean(a, y):
    return ((a - y) ** 2).mean(1)


SETUP = Setup(depth=2, loss=_mse_mean, total="sum")
DIRECTIVE = (
    "<!-- derivator: cost=C cost-is=sample layer-tags=parenthesised "
    "letters=activation:A,preactivation:Z,weight:W,bias:B,output:\\hat{y} -->"
)

dA = lambda N, p: N.dLi(N.a[p])
dZ = lambda N, p: N.dLi(N.z[p])
s = lambda N, p: N.a[p] * (1 - N.a[p])

KEY = {
    (1, 0): F(lambda N: (dA(N, 2), (2 / N.widths[2] * (N.a[2] - N.y).sum(1))[:, None])),
    (2, 0): T(lambda N: (dZ(N, 2), dA(N, 2) * N.fprime(2))),
    (3, 0): D(lambda N: (N.a[2], torch.sigmoid(N.z[2]))),
    (4, 0): T(lambda N: (N.fprime(2), N.fprime(2))),
    (4, 1): T(lambda N: (N.fprime(2), torch.sigmoid(N.z[2]) * (1 - torch.sigmoid(N.z[2])))),
    (5, 0): T(lambda N: (dZ(N, 2), dA(N, 2) * s(N, 2))),
    (6, 0): T(lambda N: (N.dLi_param(N.W[2]), dZ(N, 2)[:, :, None] * N.a[1][:, None, :])),
    (6, 1): F(None, why="two vectors multiplied with no transpose: not the weights' matrix"),
    (7, 0): F(lambda N: (N.dLi_param(N.b[2]), N.widths[2] * dZ(N, 2))),  # no i in the summand
    (8, 0): T(lambda N: (dA(N, 1), dZ(N, 2) @ N.W[2])),
    (8, 1): T(lambda N: (dZ(N, 2) @ N.W[2], dZ(N, 2) @ N.W[2])),
    (9, 0): T(lambda N: (dZ(N, 1), dA(N, 1) * N.fprime(1))),
    (9, 1): T(lambda N: (dA(N, 1) * N.fprime(1), dA(N, 1) * s(N, 1))),
    (10, 0): F(None, why="two vectors multiplied with no transpose: not the weights' matrix"),
    (11, 0): F(lambda N: (N.dLi_param(N.b[1]), N.widths[0] * dZ(N, 1))),
}
