"""Key of gauravreddy-mlp-backprop.md: layers 0 … 2 (L = 2, a^{L-2} the input), column vectors, ReLU hidden layers,
a sigmoid output with the binary cross-entropy of one example.  The Jacobians ∂z/∂W are the note's
shorthand for the entries that are not zero (∂z_j/∂W_jk = a_k, with or without the transpose the
note writes), and (ŷ - y)·W^L is read as a row vector times the matrix (the note's own final form
writes (W^L)ᵀ(ŷ - y)): every relation holds."""

import torch
from evaluator import GRID, D, Setup, T

SETUP = Setup(depth=2, act="relu", out="sigmoid", loss="binary-cross-entropy", total="sum")
DIRECTIVE = (
    "<!-- derivator: loss=binary-cross-entropy activation=relu output-activation=sigmoid "
    "cost=\\mathcal{L} cost-is=sample -->"
)
Lo = 2
outer = lambda u, v: u[:, :, None] * v[:, None, :]
err = lambda N: N.a[Lo] - N.y
dz_dW = lambda N, p: torch.einsum("sjjk->sjk", N.jac_param(N.z[p], N.W[p]))
prev = lambda N, p: N.a[p - 1][:, None, :].expand(-1, N.widths[p], -1)
hidden = lambda N: (err(N) @ N.W[Lo]) * (N.z[Lo - 1] > 0).to(torch.float64)

KEY = {
    (2, 0): T(lambda N: (N.dLi_param(N.W[Lo]), outer(N.dLi(N.a[Lo]) * N.fprime(Lo), N.a[Lo - 1]))),
    (3, 0): T(lambda N: (N.dLi(N.a[Lo]) * N.fprime(Lo), err(N))),
    (4, 0): D(lambda N: (N.z[Lo], N.a[Lo - 1] @ N.W[Lo].T + N.b[Lo])),
    (5, 0): T(lambda N: (dz_dW(N, Lo), prev(N, Lo))),
    (6, 0): T(lambda N: (N.dLi_param(N.W[Lo]), outer(err(N), N.a[Lo - 1]))),
    (7, 0): T(
        lambda N: (
            N.dLi_param(N.W[Lo - 1]),
            outer(N.dLi(N.a[Lo - 1]) * N.fprime(Lo - 1), N.a[Lo - 2]),
        )
    ),
    (8, 0): T(lambda N: (N.dLi(N.a[Lo - 1]), N.dLi(N.z[Lo]) @ N.W[Lo])),
    (8, 1): T(lambda N: (N.dLi(N.z[Lo]) @ N.W[Lo], err(N) @ N.W[Lo])),
    (9, 0): T(lambda N: (N.fprime(Lo - 1), (N.z[Lo - 1] > 0).to(torch.float64))),
    (10, 0): T(
        lambda N: (
            torch.where(GRID > 0, 1.0, 0.0)[GRID != 0],
            torch.where(GRID > 0, 1.0, 0.0)[GRID != 0],
        )
    ),
    (11, 0): T(lambda N: (dz_dW(N, Lo - 1), prev(N, Lo - 1))),
    (12, 0): T(lambda N: (N.dLi_param(N.W[Lo - 1]), outer(hidden(N), N.a[Lo - 2]))),
}
