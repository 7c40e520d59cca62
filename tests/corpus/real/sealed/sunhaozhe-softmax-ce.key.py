"""Key of sunhaozhe-softmax-ce.md: one softmax layer, o its pre-activations, p its outputs, y one-hot,
L = -Σ y log p of one data point; Jacobians [s, i, k] = ∂p_i/∂o_k by autograd (the displays under
"if i = k" / "if i ≠ k" compared on the diagonal / off it).  The rules on u = tanh(B x), v = sin(C x),
A constant, ∇ the gradient with respect to x (denominator layout)."""

import torch
from evaluator import D, Setup, T

SETUP = Setup(depth=1, out="softmax", loss="cross-entropy", targets="one-hot")
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: output-activation=softmax loss=cross-entropy targets=one-hot -->"
)
f64 = torch.float64
g_ = torch.Generator().manual_seed(4)
B, C, A = (
    torch.randn(4, 3, dtype=f64, generator=g_),
    torch.randn(4, 3, dtype=f64, generator=g_),
    torch.randn(4, 2, dtype=f64, generator=g_),
)
X0 = torch.randn(3, dtype=f64, generator=g_)
jac = torch.autograd.functional.jacobian
Ju = jac(lambda x: torch.tanh(B @ x), X0)  # [4, 3]
Jv = jac(lambda x: torch.sin(C @ x), X0)
u, v = torch.tanh(B @ X0), torch.sin(C @ X0)


def J(N):
    if "J" not in N.memo:
        N.memo["J"] = N.jac(N.a[1], N.z[1])  # [s, i, k]
    return N.memo["J"]


E = lambda N: torch.exp(N.z[1])
S_ = lambda N: E(N).sum(1)[:, None, None]
eye = lambda N: torch.eye(N.widths[1], dtype=f64)
diag = lambda t: torch.diagonal(t, 0, 1, 2)
off = lambda N, t: t * (1 - eye(N))
dexp = lambda N: eye(N)[None] * E(N)[:, None, :]  # ∂e^{o_i}/∂o_k
dsum = lambda N: E(N)[:, None, :].expand(-1, N.widths[1], -1)  # ∂Σ e^{o_j}/∂o_k
quot = lambda N: (dexp(N) * S_(N) - dsum(N) * E(N)[:, :, None]) / S_(N) ** 2
P = lambda N: N.a[1]
Y = lambda N: N.y
dL = lambda N: N.dLi(N.z[1])

KEY = {
    (1, 0): T(lambda N: (Ju.T @ A, Ju.T @ A)),
    (2, 0): T(
        lambda N: (jac(lambda x: torch.tanh(B @ x) @ torch.sin(C @ x), X0), Ju.T @ v + Jv.T @ u)
    ),
    (3, 0): D(lambda N: (N.Li, -(Y(N) * torch.log(P(N))).sum(1))),
    (4, 0): D(lambda N: (P(N), E(N) / E(N).sum(1, keepdim=True))),
    (5, 0): T(lambda N: (J(N), J(N))),
    (5, 1): T(lambda N: (J(N), quot(N))),
    # if i = k: the diagonal
    (6, 0): T(
        lambda N: (
            diag(J(N)),
            (E(N) * E(N).sum(1, keepdim=True) - E(N) * E(N)) / E(N).sum(1, keepdim=True) ** 2,
        )
    ),
    (6, 1): T(
        lambda N: (
            (E(N) * E(N).sum(1, keepdim=True) - E(N) * E(N)) / E(N).sum(1, keepdim=True) ** 2,
            E(N)
            / E(N).sum(1, keepdim=True)
            * (E(N).sum(1, keepdim=True) - E(N))
            / E(N).sum(1, keepdim=True),
        )
    ),
    (6, 2): T(
        lambda N: (
            E(N)
            / E(N).sum(1, keepdim=True)
            * (E(N).sum(1, keepdim=True) - E(N))
            / E(N).sum(1, keepdim=True),
            P(N) * (1 - P(N)),
        )
    ),
    # if i ≠ k: off the diagonal
    (7, 0): T(lambda N: (off(N, J(N)), off(N, quot(N)))),
    (7, 1): T(
        lambda N: (off(N, quot(N)), off(N, -E(N)[:, None, :] * E(N)[:, :, None] / S_(N) ** 2))
    ),
    (7, 2): T(
        lambda N: (
            off(N, -E(N)[:, None, :] * E(N)[:, :, None] / S_(N) ** 2),
            off(N, -P(N)[:, None, :] * P(N)[:, :, None]),
        )
    ),
    (8, 0): T(
        lambda N: (
            J(N),
            eye(N) * (P(N) * (1 - P(N)))[:, None, :] + off(N, -P(N)[:, None, :] * P(N)[:, :, None]),
        )
    ),
    (9, 0): T(lambda N: (dL(N), -torch.einsum("si,sik->sk", Y(N), N.jac(torch.log(P(N)), N.z[1])))),
    (9, 1): T(
        lambda N: (
            -torch.einsum("si,sik->sk", Y(N), N.jac(torch.log(P(N)), N.z[1])),
            -torch.einsum("si,sik->sk", Y(N) / P(N), J(N)),
        )
    ),
    (9, 2): T(
        lambda N: (
            -torch.einsum("si,sik->sk", Y(N) / P(N), J(N)),
            -torch.einsum("si,sik->sk", Y(N) / P(N), J(N)),
        )
    ),
    (9, 3): T(
        lambda N: (
            -torch.einsum("si,sik->sk", Y(N) / P(N), J(N)),
            -Y(N) * (1 - P(N)) + (Y(N).sum(1, keepdim=True) - Y(N)) * P(N),
        )
    ),
    (9, 4): T(
        lambda N: (
            -Y(N) * (1 - P(N)) + (Y(N).sum(1, keepdim=True) - Y(N)) * P(N),
            -Y(N) + Y(N).sum(1, keepdim=True) * P(N),
        )
    ),
    (9, 5): T(lambda N: (-Y(N) + Y(N).sum(1, keepdim=True) * P(N), P(N) - Y(N))),  # Σ y = 1
}
