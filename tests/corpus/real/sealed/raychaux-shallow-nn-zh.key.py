"""Key of raychaux-shallow-nn-zh.md: layers I → J → K (the evaluator's 0, 1, 2), W_kj^{KJ} from
hidden unit j to output k (W[2][k, j]) and W_ji^{JI} from input i to hidden unit j (W[1][j, i]),
biases, one excitation function f in both layers (generic here), E = ½ Σ_k (d_k - o_k)² of one
example, o and O the same outputs, δ with the author's minus sign (δ = -∂E/∂net).  The updates and
the index ranges are not identities (S).  "O_i^J" in display 10 (for O_j^J) makes that step false
as written: the derivative by another hidden unit's output."""

import torch
from evaluator import D, F, S, Setup, T

SETUP = Setup(depth=2, act="generic", loss="mse", total="sum")
DIRECTIVE = (
    "<!-- derivator: cost=E cost-is=sample activation=generic layer-tags=none "
    "index-layers=i:L-2,j:L-1,k:L letters=activation:o,preactivation:net,target:d,function:f -->"
)
SPLIT = {
    4: [
        (
            r"W_{k j}^{K J}(n+1)",
            "=",
            r"W_{k j}^{K J}(n)-\eta_k\left(\frac{\partial E}{\partial W_{k j}^{K J}}\right)",
        ),
        (
            r"W_{j i}^{J I}(n+1)",
            "=",
            r"W_{j i}^{J I}(n)-\eta_j\left(\frac{\partial E}{\partial W_{j i}^{J I}}\right)",
        ),
    ],
    5: [
        (
            r"-\frac{\partial E}{\partial W_{k j}^{K J}}",
            "=",
            r"\left(d_k-O_k^K\right) f^{\prime}\left(n e t_k^K\right) \cdot O_j^J",
        ),
        (
            r"-\frac{\partial E}{\partial W_{j i}^{J I}}",
            "=",
            r"\sum_{k=1}^K\left(d_k-O_k^K\right) f^{\prime}\left(n e t_k^K\right) W_{k j}^{K J} f^{\prime}\left(n e t_j^J\right) O_i^I",
        ),
    ],
    9: [
        (r"\delta_{k}", "=", r"-\frac{\partial E}{\partial net_{k}^{K}}"),
        (r"\frac{\partial net_{k}^{K}}{\partial O_{j}^{J}}", "=", r"W_{kj}^{KJ}"),
        (r"\frac{\partial O_{j}^{J}}{\partial net_{j}^{J}}", "=", r"f^{^{\prime}}(net_{j}^{J})"),
        (r"\frac{\partial net_{j}^{J}}{\partial W_{ji}^{JI}}", "=", r"O_{i}^{I}"),
    ],
}

dk = lambda N: -N.dLi(N.z[2])  # δ_k = -∂E/∂net_k
dj = lambda N: -N.dLi(N.z[1])
outer = lambda u, v: u[:, :, None] * v[:, None, :]
back = lambda N: N.fprime(1) * (dk(N) @ N.W[2])
# the typo: ∂net_k/∂O_i^J with i another hidden unit: [s, i, j]
typo = lambda N: (dk(N) @ N.W[2])[:, :, None] * N.fprime(1)[:, None, :]
wide = lambda N: dj(N)[:, None, :].expand(-1, N.widths[1], -1)

KEY = {
    (1, 0): D(lambda N: (N.a[2], N.f[2](N.z[2]))),
    (2, 0): D(lambda N: (N.z[2], N.a[1] @ N.W[2].T + N.b[2])),
    (3, 0): D(lambda N: (N.Li, 0.5 * ((N.y - N.a[2]) ** 2).sum(1))),
    (4, 0): S("update rule"),
    (4, 1): S("update rule"),
    (5, 0): T(lambda N: (-N.dLi_param(N.W[2]), outer((N.y - N.a[2]) * N.fprime(2), N.a[1]))),
    (5, 1): T(lambda N: (-N.dLi_param(N.W[1]), outer(back(N), N.a[0]))),
    (6, 0): D(lambda N: (dk(N), dk(N))),
    (6, 1): T(lambda N: (dk(N), (N.y - N.a[2]) * N.fprime(2))),
    (7, 0): D(lambda N: (dj(N), dj(N))),
    (8, 0): S("update rule"),
    (8, 1): S("the range of an index"),
    (8, 2): S("the range of an index"),
    (9, 0): D(lambda N: (dk(N), dk(N))),
    (9, 1): T(lambda N: (N.jac(N.z[2], N.a[1]), N.W[2][None].expand(N.n, -1, -1))),
    (9, 2): T(lambda N: (torch.einsum("sjj->sj", N.jac(N.a[1], N.z[1])), N.fprime(1))),
    (9, 3): T(
        lambda N: (
            torch.einsum("sjji->sji", N.jac_param(N.z[1], N.W[1])),
            N.a[0][:, None, :].expand(-1, N.widths[1], -1),
        )
    ),
    (10, 0): D(lambda N: (dj(N), dj(N))),
    (10, 1): F(lambda N: (wide(N), typo(N)), why="O_i^J for O_j^J"),
    (10, 2): F(lambda N: (typo(N), back(N)[:, None, :].expand(-1, N.widths[1], -1)), why="O_i^J"),
    (11, 0): T(lambda N: (-N.dLi_param(N.W[1]), outer(back(N), N.a[0]))),
    (11, 1): T(lambda N: (outer(back(N), N.a[0]), outer(dj(N), N.a[0]))),
    (12, 0): S("update rule"),
    (12, 1): S("the range of an index"),
    (12, 2): S("the range of an index"),
    (12, 3): T(lambda N: (dk(N), (N.y - N.a[2]) * N.fprime(2))),
    (13, 0): S("update rule"),
    (13, 1): S("the range of an index"),
    (13, 2): S("the range of an index"),
    (13, 3): T(lambda N: (dj(N), back(N))),
}
