"""Key of mse-softmax-cross-entropy.md (Math SE 945871): o the pre-activations of one softmax
layer, p its outputs, y one-hot targets, L one example's cross-entropy."""

from evaluator import D, F, S, Setup, T, torch

SETUP = Setup(depth=1, out="softmax", loss="cross-entropy", targets="one-hot")
DIRECTIVE = (
    "<!-- derivator: loss=cross-entropy targets=distribution cost=L cost-is=sample "
    "letters=activation:p,preactivation:o layer-tags=none index-layers=i:L,j:L,k:L -->"
)
DIRECTIVE_BEFORE = 16


def excl(t):
    """Σ_{k≠i} t_k for every i: (n, width)."""
    return t.sum(1, keepdim=True) - t


def off(t):
    """The entries of a per-sample Jacobian off its diagonal (i ≠ j), zero on it."""
    return t * (1 - torch.eye(t.shape[1], dtype=t.dtype))


def steps(N):
    """The answer's chain, ∂L/∂o_i = …, each member an (n, width) array over i."""
    if "steps" in N.memo:
        return N.memo["steps"]
    p, y, o = N.a[1], N.y, N.z[1]
    jac = N.jac(p, o)  # [s, k, i] = ∂p_k/∂o_i
    logjac = N.jac(torch.log(p), o)
    N.memo["steps"] = [
        N.dLi(o),
        -torch.einsum("sk,ski->si", y, logjac),
        -torch.einsum("sk,ski->si", y / p, jac),
        -y * (1 - p) - excl(y / p * (-p)) * p,
        -y * (1 - p) + excl(y) * p,
        -y + y * p + excl(y) * p,
        p * y.sum(1, keepdim=True) - y,
        p - y,
    ]
    return N.memo["steps"]


P, O = (lambda N: N.a[1]), (lambda N: N.z[1])

KEY = {
    (1, 0): D(lambda N: (P(N), torch.exp(O(N)) / torch.exp(O(N)).sum(1, keepdim=True))),
    (2, 0): D(lambda N: (N.Li, -(N.y * torch.log(P(N))).sum(1))),
    (3, 0): T(lambda N: (torch.diagonal(N.jac(P(N), O(N)), 0, 1, 2), P(N) * (1 - P(N)))),
    (3, 1): S("the condition i = j"),
    (4, 0): T(lambda N: (off(N.jac(P(N), O(N))), off(-P(N)[:, :, None] * P(N)[:, None, :]))),
    (4, 1): S("the condition i ≠ j"),
    # the asker's slip: -p_k y_k where -p_i y_k belongs
    (5, 0): F(lambda N: (N.dLi(O(N)), -(N.y * (1 - P(N)) + excl(-P(N) * N.y)))),
    (5, 1): T(
        lambda N: (
            -(N.y * (1 - P(N)) + excl(-P(N) * N.y)),
            P(N) * N.y - N.y + excl(P(N) * N.y),
        )
    ),
    (5, 2): T(
        lambda N: (P(N) * N.y - N.y + excl(P(N) * N.y), (P(N) * N.y).sum(1, keepdim=True) - N.y)
    ),
    (6, 0): T(lambda N: (N.dLi(O(N)), P(N) - N.y)),
    **{(7, k): T(lambda N, k=k: tuple(steps(N)[k : k + 2])) for k in range(7)},
}
