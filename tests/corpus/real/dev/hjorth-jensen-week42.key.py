"""Key of hjorth-jensen-week42.md: the slide's own forward pass z_j^{l+1} = Σ_i w_ij a_i + b_j (w from
i in layer l to j in layer l+1: the evaluator's W[l+1] transposed), σ the sigmoid, C one example's
quadratic cost.  In that model the recursion needs w_{jk}: the slide's w_{kj} is the transpose."""

import torch
from evaluator import D, F, Setup, T

SETUP = Setup()
DIRECTIVE = "<!-- derivator: weights=from-to -->"  # what a user would add
l = 2
dz = lambda N, p: N.dLi(N.z[p])
chain = lambda N: torch.einsum("sk,skj->sj", dz(N, l + 1), N.jac(N.z[l + 1], N.z[l]))
w = lambda N: N.W[l + 1].T  # the slide's w_{ij}^{l+1}: row i of layer l, column j of layer l+1

KEY = {
    (1, 0): T(lambda N: (dz(N, l), chain(N))),  # δ_j^l = ∂C/∂z_j^l
    (1, 1): T(lambda N: (chain(N), chain(N))),
    (2, 0): D(lambda N: (N.z[l + 1], N.a[l] @ w(N) + N.b[l + 1])),
    # Σ_k δ_k w_{kj} σ'(z_j): in the slide's orientation the first index of w runs over layer l,
    # so w_{kj} with k of layer l+1 is the transpose of the weight needed (no product is formed
    # when the widths differ)
    (3, 0): F(lambda N: (dz(N, l), torch.einsum("sk,kj->sj", dz(N, l + 1), w(N)) * N.fprime(l))),
}
