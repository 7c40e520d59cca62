"""Key of dlsys-hw0-softmax-mlp.ipynb.  Softmax regression (displays 1–7): one layer of logits
Θᵀx without bias (Θ is the evaluator's W[1] transposed), the softmax cross-entropy with one-hot
labels, ℓ of one example in displays 1 and 4 and the batch average in display 6; z is the logits in
display 1 and the softmax probabilities from display 5 on (the document redefines it).  The
two-layer network (displays 8–12): X W_1 → ReLU → W_2 (W_1 = W[1]ᵀ, W_2 = W[2]ᵀ), no biases,
ℓ the batch average.  Display 11 names Z_1, G_2, G_1 (each with its size)."""

import torch
from evaluator import D, S, Setup, T

SETUP = Setup(
    depth=2,
    act="relu",
    out="softmax",
    loss="cross-entropy",
    total="mean",
    bias=False,
    targets="one-hot",
)
LIN = Setup(
    depth=1, out="softmax", loss="cross-entropy", total="mean", bias=False, targets="one-hot"
)
DIRECTIVE = (
    "<!-- derivator: loss=cross-entropy targets=one-hot activation=relu "
    "output-activation=softmax batch=rows -->"
)
SPLIT = {
    5: [
        ("z", "=", r"\frac{\exp(\Theta^T x)}{1^T \exp(\Theta^T x)}"),
        (
            r"\frac{\exp(\Theta^T x)}{1^T \exp(\Theta^T x)}",
            r"\equiv",
            r"\normalize(\exp(\Theta^T x))",
        ),
    ],
    11: [
        ("Z_1", r"\in", r"\mathbb{R}^{m \times d}"),
        ("Z_1", "=", r"\mathrm{ReLU}(X W_1)"),
        ("G_2", r"\in", r"\mathbb{R}^{m \times k}"),
        ("G_2", "=", r"\normalize(\exp(Z_1 W_2)) - I_y"),
        ("G_1", r"\in", r"\mathbb{R}^{m \times d}"),
        ("G_1", "=", r"\mathrm{1}\{Z_1 > 0\} \circ (G_2 W_2^T)"),
    ],
}

P = lambda N: torch.softmax(N.z[-1], 1)
G2 = lambda N: torch.softmax(N.a[1] @ N.W[2].T, 1) - N.y
G1 = lambda N: (N.a[1] > 0).to(torch.float64) * (G2(N) @ N.W[2])

KEY = {
    (1, 0): D(lambda N: (N.Li, torch.logsumexp(N.z[1], 1) - (N.z[1] * N.y).sum(1)), setup=LIN),
    (2, 0): D(lambda N: (N.z[1], N.a[0] @ N.W[1].T), setup=LIN),
    # ∇_Θ of one example's loss: x (z - e_y)ᵀ, n × k per example
    (4, 0): T(
        lambda N: (
            N.dLi_param(N.W[1]).transpose(1, 2),
            N.a[0][:, :, None] * (P(N) - N.y)[:, None, :],
        ),
        setup=LIN,
    ),
    (5, 0): D(
        lambda N: (N.a[1], torch.exp(N.z[1]) / torch.exp(N.z[1]).sum(1, keepdim=True)), setup=LIN
    ),
    (5, 1): D(
        lambda N: (torch.exp(N.z[1]) / torch.exp(N.z[1]).sum(1, keepdim=True), P(N)), setup=LIN
    ),
    (6, 0): T(lambda N: (N.dL(N.W[1]).T, N.a[0].T @ (P(N) - N.y) / N.n), setup=LIN),
    (7, 0): D(lambda N: (N.a[1], P(N)), setup=LIN),
    (8, 0): D(lambda N: (N.z[2], torch.relu(N.a[0] @ N.W[1].T) @ N.W[2].T)),
    (11, 0): S("a statement about sizes"),
    (11, 1): D(lambda N: (N.a[1], torch.relu(N.a[0] @ N.W[1].T))),
    (11, 2): S("a statement about sizes"),
    (11, 3): D(lambda N: (G2(N), N.a[2] - N.y)),
    (11, 4): S("a statement about sizes"),
    (11, 5): D(lambda N: (G1(N), G1(N))),
    (12, 0): T(lambda N: (N.dL(N.W[1]).T, N.a[0].T @ G1(N) / N.n)),
    (12, 1): T(lambda N: (N.dL(N.W[2]).T, N.a[1].T @ G2(N) / N.n)),
}
