"""Key of cross-validated-235528.md: a softmax output layer of three neurons (classes a, b, c) fed by
a hidden layer, z_j = Σ_i w_ij o_i + b (w from i to j: the evaluator's W[2] transposed), E the
cross-entropy of one example with one-hot targets t.  Per-sample arrays; class b is index 1."""

import torch
from evaluator import D, F, Setup, T

SETUP = Setup(
    depth=2,
    acts=("generic", "softmax"),
    loss="cross-entropy",
    targets="one-hot",
    widths=(None, None, 3),
)
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: output-activation=softmax loss=cross-entropy weights=from-to cost-is=sample -->"
)

O = lambda N: N.a[2]
Z = lambda N: N.z[2]
E = lambda N: torch.exp(Z(N))
S_ = lambda N: E(N).sum(1)
J = lambda N: N.jac(O(N), Z(N))  # [s, j, k] = ∂o_j/∂z_k
dEdw = lambda N: N.dLi_param(N.W[2]).permute(0, 2, 1)  # [s, i, j]
ob = lambda N: O(N)[:, 1]
eb = lambda N: E(N)[:, 1]

KEY = {
    (1, 0): D(lambda N: (N.Li, -(N.y * torch.log(O(N))).sum(1))),
    (2, 0): D(),
    (2, 1): T(lambda N: (torch.softmax(Z(N), 1), E(N) / S_(N)[:, None])),
    (3, 0): D(lambda N: (Z(N), N.a[1] @ N.W[2].T + N.b[2])),
    # the chain through o_j alone: every o_k depends on z_j
    (4, 0): F(
        lambda N: (
            dEdw(N),
            (N.dLi(O(N)) * torch.diagonal(J(N), 0, 1, 2))[:, None, :] * N.a[1][:, :, None],
        )
    ),
    (5, 0): T(
        lambda N: (
            torch.einsum("sjji->sij", N.jac_param(Z(N), N.W[2])),
            N.a[1][:, :, None].expand(-1, -1, 3),
        )
    ),
    (6, 0): T(lambda N: (N.dLi(O(N)), -N.y / O(N))),
    (7, 0): T(lambda N: (torch.diagonal(J(N), 0, 1, 2), torch.diagonal(J(N), 0, 1, 2))),
    (8, 0): T(lambda N: (ob(N), eb(N) / S_(N))),
    (8, 1): T(lambda N: (eb(N) / S_(N), eb(N) / (E(N)[:, 0] + E(N)[:, 1] + E(N)[:, 2]))),
    (9, 0): T(lambda N: (J(N)[:, 1, 1], (eb(N) * S_(N) - eb(N) ** 2) / S_(N) ** 2)),
    (9, 1): T(
        lambda N: (
            (eb(N) * S_(N) - eb(N) ** 2) / S_(N) ** 2,
            eb(N) / S_(N) - eb(N) ** 2 / S_(N) ** 2,
        )
    ),
    (10, 0): T(lambda N: (ob(N) - ob(N) ** 2, ob(N) - ob(N) ** 2)),
}
