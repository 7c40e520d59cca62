"""Key of godelia-backpropagation.md: units k of the output layer of a depth-2 network fed by units
j, w_{jk} from j to k (the evaluator's W[2] transposed), θ the bias, f generic, E^p = ½ Σ_o (t - y)² of
pattern p, E = Σ_p E^p; δ_k^p = -∂E^p/∂s_k^p (the opposite sign of ∂E/∂s)."""

import torch
from evaluator import D, S, Setup, T

SETUP = Setup(depth=2, act="generic", total="sum")
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: activation=generic weights=from-to cost-is=sample -->"
)

KEY = {
    (1, 0): D(lambda N: (N.a[2], N.f[2](N.z[2]))),
    (2, 0): D(lambda N: (N.z[2], N.a[1] @ N.W[2].T + N.b[2])),
    (3, 0): S("a statement about layers"),
    (4, 0): S("update rule"),
    (5, 0): D(lambda N: (N.Li, 0.5 * ((N.y - N.a[2]) ** 2).sum(1))),
    (6, 0): D(lambda N: (N.L, N.Li.sum())),
    # E^P for E^p (the post's own slip of case): the chain rule of one pattern's error
    (7, 0): T(lambda N: (N.dLi_param(N.W[2]), N.dLi(N.z[2])[:, :, None] * N.a[1][:, None, :])),
    (8, 0): T(
        lambda N: (
            torch.einsum("skkj->skj", N.jac_param(N.z[2], N.W[2])),
            N.a[1][:, None, :].expand(-1, N.widths[2], -1),
        )
    ),
    (9, 0): D(lambda N: (N.dLi(N.z[2]), N.dLi(N.z[2]))),  # defines δ with its minus sign
}
