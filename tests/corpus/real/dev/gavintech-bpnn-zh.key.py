"""Key of gavintech-bpnn-zh.md: x_i → h_j = σ(Σ_i x_i w_ij - β_j) → ŷ_k = σ(Σ_j h_j v_jk - λ_k),
weights from the earlier layer to the later (the evaluator's W transposed), biases subtracted,
σ the sigmoid, Loss = ½ Σ_k (y_k - ŷ_k)² of one example.  The Δ are the parameters' corrections,
named by these displays (update rules)."""

import torch
from evaluator import GRID, D, S, Setup, T

SETUP = Setup(depth=2)
DIRECTIVE = "<!-- derivator: weights=from-to -->"  # what a user would add
x = GRID

KEY = {
    (1, 0): D(lambda N: (N.a[1], torch.sigmoid(N.a[0] @ N.W[1].T + N.b[1]))),  # β = -b
    (2, 0): T(lambda N: (torch.sigmoid(x), 1 / (1 + torch.exp(-x)))),
    (3, 0): D(lambda N: (N.a[2], torch.sigmoid(N.a[1] @ N.W[2].T + N.b[2]))),
    (4, 0): D(lambda N: (N.Li, 0.5 * ((N.y - N.a[2]) ** 2).sum(1))),
    (5, 0): S("update rule"),
    (6, 0): S("update rule"),
    (7, 0): S("update rule"),
    (8, 0): S("update rule"),
}
