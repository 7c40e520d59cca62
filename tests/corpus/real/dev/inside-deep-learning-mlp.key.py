"""Key of inside-deep-learning-mlp.ipynb: l = 2 dense layers on a batch of m examples as rows,
Z^{(k)} = A^{(k-1)} W^{(k)} + b^{(k)} (the author's W^{(k)} is the evaluator's W[k] transposed), f a
generic activation, a linear output, L the MSE with 1/(m n_o) and no ½.  ∂L/∂W has the shape of W
(the author's layout)."""

import torch
from evaluator import D, F, S, Setup, T


def _mse_row(a, y):
    return ((a - y) ** 2).mean(1)  # 1/n_o Σ_j; the mean over the m rows makes 1/(m n_o)


SETUP = Setup(depth=2, acts=("generic", "identity"), loss=_mse_row, total="mean")
DIRECTIVE = None

Wk = lambda N, k: N.W[k].T  # the author's W^{(k)}: n_{k-1} rows, n_k columns
dZ = lambda N, k: N.dL(N.z[k])  # ∂L/∂Z^{(k)}: (m, n_k)
dW = lambda N, k: N.dL(N.W[k]).T  # ∂L/∂W^{(k)} in the author's layout


def chain_W(N, k):
    """∂L/∂A^{(l)} ∂A^{(l)}/∂Z^{(l)} … ∂Z^{(k)}/∂W^{(k)} as a contraction of Jacobians."""
    up = N.dL(N.a[2]) * N.fprime(2)  # through A^{(2)}
    if k == 1:
        up = (up @ N.W[2]) * N.fprime(1)  # ∂Z^{(2)}/∂A^{(1)}, ∂A^{(1)}/∂Z^{(1)}
    return N.a[k - 1].T @ up


KEY = {
    (1, 0): S("a statement about sizes"),
    (1, 1): S("a statement about sizes"),
    (2, 0): S("a statement about sizes"),
    (2, 1): S("a statement about sizes"),
    (4, 0): D(lambda N: (N.a[0], N.a[0])),
    (4, 1): S("a loop header"),
    (4, 2): D(lambda N: (N.z[1], N.a[0] @ Wk(N, 1) + N.b[1])),
    (4, 3): D(lambda N: (N.a[1], N.f[1](N.z[1]))),
    (5, 0): D(lambda N: (N.z[2], N.a[1] @ Wk(N, 2) + N.b[2])),
    (6, 0): D(lambda N: (N.a[2], N.z[2])),
    (7, 0): T(lambda N: (torch.relu(N.z[1]), torch.maximum(N.z[1], torch.zeros_like(N.z[1])))),
    (8, 0): T(lambda N: (torch.sigmoid(N.z[1]), 1 / (1 + torch.exp(-N.z[1])))),
    (9, 0): T(
        lambda N: (torch.tanh(N.z[1]), (1 - torch.exp(-2 * N.z[1])) / (1 + torch.exp(-2 * N.z[1])))
    ),
    (10, 0): D(),  # Softmax by rows, σ the softmax of one row
    (11, 0): D(lambda N: (N.L, ((N.a[2] - N.y) ** 2).sum() / (N.n * N.widths[2]))),
    (12, 0): T(lambda N: (dW(N, 2), chain_W(N, 2))),
    (13, 0): T(lambda N: (dW(N, 1), chain_W(N, 1))),
    (14, 0): T(lambda N: (dW(N, 1), chain_W(N, 1))),  # k = 1 with l = 2
    (16, 0): D(),  # Δ := ∇_{A^{(l)}} L
    (16, 1): S("a loop header"),
    (16, 2): S("an assignment of the algorithm"),
    (16, 3): T(lambda N: (dW(N, 2), N.a[1].T @ dZ(N, 2))),  # Δ = ∇_{Z} L at that point
    (16, 4): S("an assignment of the algorithm"),
    (17, 0): T(lambda N: (N.dL(N.b[2]), dZ(N, 2).sum(0))),
    (17, 1): T(lambda N: (dZ(N, 2).sum(0), torch.ones(N.n, dtype=torch.float64) @ dZ(N, 2))),
    (18, 0): T(lambda N: (dW(N, 2), N.a[1].T @ dZ(N, 2))),
    (18, 1): T(lambda N: (N.a[1].T @ dZ(N, 2), N.a[1].T @ dZ(N, 2))),
    (19, 0): T(lambda N: (N.dL(N.a[1]), dZ(N, 2) @ Wk(N, 2).T)),
    # (W^{(k)})^T ∂L/∂Z^{(k)}: (n_k × n_{k-1})(m × n_k) cannot be formed; ∂L/∂Z W^T can
    (19, 1): F(lambda N: (dZ(N, 2) @ Wk(N, 2).T, Wk(N, 2).T @ dZ(N, 2))),
    (20, 0): S("update rule"),
    (20, 1): S("update rule"),
}
