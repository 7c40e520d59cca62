"""Key of porr-deep-learning-notes.tex: units k → j → i (layers 0, 1, 2 of the evaluator), y the
activity of every layer, w_ji = ω_ji the weight from j to i (the evaluator's W[2][i, j]; ω_kj is
W[1][j, k]), no biases, linear units up to display 12 and Θ (generic here) from display 13 on;
e_i = y_i - d_i, E = ½ Σ_i e_i² of one time step (the sum over the outputs that display 8 uses);
μ = 0.1.  Δω is an update rule (S), as in the rest of the corpus.  As written: the brace ∂E/∂y_i =
-e_i has the wrong sign (∂E/∂y_i = e_i), so μ e_i y_j in display 6 and the minus sign carried into
displays 9 and 11 are false; the chain-rule steps between them hold."""

import torch
from evaluator import GRID, D, F, S, Setup, T

SETUP = Setup(depth=2, act="identity", bias=False, loss="mse", total="sum")
NONLIN = Setup(depth=2, act="generic", bias=False, loss="mse", total="sum")
DIRECTIVE = (
    "% derivator: activation=identity cost=E cost-is=sample weights=from-to "
    "letters=activation:y,target:d,error:e,weight:\\omega layer-tags=none "
    "index-layers=k:L-2,j:L-1,i:L"
)
MU = 0.1

e = lambda N: N.a[2] - N.y
outer = lambda u, v: u[:, :, None] * v[:, None, :]
dW = lambda N, p: N.dLi_param(N.W[p])

KEY = {
    (1, 0): D(None, why="the function to be learned, named"),
    (2, 0): D(lambda N: (N.a[2], N.a[1] @ N.W[2].T)),
    (3, 0): D(lambda N: (e(N), e(N))),
    (4, 0): D(lambda N: (N.Li, 0.5 * (e(N) ** 2).sum(1))),
    (5, 0): S("update rule (Δω defined as -μ ∂E/∂ω)"),
    (5, 1): S("update rule"),
    (6, 0): S("the update rule restated"),
    (6, 1): T(lambda N: (-MU * dW(N, 2), -MU * dW(N, 2))),
    (6, 2): T(lambda N: (-MU * dW(N, 2), MU * outer(N.y - N.a[2], N.a[1]))),
    (6, 3): T(lambda N: (MU * outer(N.y - N.a[2], N.a[1]), -MU * outer(N.dLi(N.a[2]), N.a[1]))),
    (6, 4): F(lambda N: (-MU * outer(N.dLi(N.a[2]), N.a[1]), MU * outer(e(N), N.a[1]))),
    (7, 0): T(lambda N: (dW(N, 1), outer(N.dLi(N.a[1]), N.a[0]))),
    (8, 0): T(lambda N: (N.dLi(N.a[1]), torch.einsum("si,ij->sj", N.dLi(N.a[2]), N.W[2]))),
    (9, 0): F(lambda N: (dW(N, 1), outer(-(e(N) @ N.W[2]), N.a[0]))),
    (10, 0): D(lambda N: (N.a[1], N.a[0] @ N.W[1].T)),
    (11, 0): F(lambda N: (dW(N, 1), outer(-(e(N) @ N.W[2]), N.a[0]))),
    (11, 1): T(lambda N: (outer(-(e(N) @ N.W[2]), N.a[0]), outer(-(e(N) @ N.W[2]), N.a[0]))),
    (12, 0): S("update rule"),
    (13, 0): D(lambda N: (N.a[2], N.f[2](N.a[1] @ N.W[2].T)), setup=NONLIN),
    (14, 0): T(lambda N: (dW(N, 2), outer(N.dLi(N.a[2]) * N.fprime(2), N.a[1])), setup=NONLIN),
    (15, 0): S("update rule"),
    (16, 0): S("update rule"),
    (17, 0): D(lambda N: (torch.relu(GRID), torch.where(GRID < 0, 0.0, GRID))),
}
