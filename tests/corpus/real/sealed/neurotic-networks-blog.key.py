"""Key of neurotic-networks-blog.md: layers h (inputs), i, j (hidden), k (one output neuron: E has
no sum), sigmoid everywhere, w_{hi} from h to i (the evaluator's W[1] transposed), E = ½(T - L_k)²
of one example, T the target."""

import torch
from evaluator import GRID, D, Setup, T, d_dx

SETUP = Setup(depth=3, widths=(None, None, None, 1))
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: weights=from-to cost-is=sample -->"
)
SPLIT = {
    14: [
        (
            r"(\dfrac{\partial{ \sigma (net_k)}}{\partial net_k})",
            "=",
            r"\sigma (net_k)(1-\sigma (net_k)",
        ),
        (r"\sigma (net_k)(1-\sigma (net_k)", "=", r"L_k(1-L_k)"),
    ]
}

Lk = lambda N: N.a[3][:, 0]
Tg = lambda N: N.y[:, 0]
sk = lambda N: torch.sigmoid(N.z[3][:, 0])
dE_dLk = lambda N: N.dLi(N.a[3])[:, 0]
dLk_dw = lambda N: N.jac_param(N.a[3], N.W[3])[:, 0, 0, :]  # [s, j]
dnet_dw = lambda N: N.jac_param(N.z[3], N.W[3])[:, 0, 0, :]
dE_dw = lambda N: N.dLi_param(N.W[3])[:, 0, :]
sp = lambda N: sk(N) * (1 - sk(N))
x = GRID

KEY = {
    (1, 0): D(lambda N: (N.Li, (Tg(N) - Lk(N)) ** 2 / 2)),
    (2, 0): D(),
    (3, 0): D(),
    (4, 0): D(),
    (5, 0): D(),
    (6, 0): D(lambda N: (N.a[1], torch.sigmoid(N.a[0] @ N.W[1].T + N.b[1]))),
    (6, 1): D(),  # names net_i
    (7, 0): D(lambda N: (N.a[2], torch.sigmoid(N.a[1] @ N.W[2].T + N.b[2]))),
    (7, 1): D(),
    (8, 0): D(lambda N: (N.a[3], torch.sigmoid(N.a[2] @ N.W[3].T + N.b[3]))),
    (8, 1): D(),
    (9, 0): T(
        lambda N: (
            N.a[3],
            torch.sigmoid(
                torch.sigmoid(torch.sigmoid(N.a[0] @ N.W[1].T + N.b[1]) @ N.W[2].T + N.b[2])
                @ N.W[3].T
                + N.b[3]
            ),
        )
    ),
    (10, 0): T(lambda N: (d_dx(torch.sigmoid), torch.sigmoid(x) * (1 - torch.sigmoid(x)))),
    (11, 0): T(lambda N: (N.jac(N.z[3], N.a[2])[:, 0, :], N.W[3][0].expand(N.n, -1))),  # w_jk meant
    (12, 0): T(lambda N: (dE_dw(N), dE_dLk(N)[:, None] * dLk_dw(N))),
    (12, 1): T(lambda N: (dE_dLk(N)[:, None] * dLk_dw(N), dE_dLk(N)[:, None] * dLk_dw(N))),
    (12, 2): T(
        lambda N: (dE_dLk(N)[:, None] * dLk_dw(N), (dE_dLk(N) * sp(N))[:, None] * dnet_dw(N))
    ),
    (13, 0): T(lambda N: (dE_dLk(N), dE_dLk(N))),
    (13, 1): T(lambda N: (dE_dLk(N), (Tg(N) - Lk(N)) * (-1))),
    (13, 2): T(lambda N: ((Tg(N) - Lk(N)) * (-1), Lk(N) - Tg(N))),
    (14, 0): T(lambda N: (N.jac(N.a[3], N.z[3])[:, 0, 0], sp(N))),
    (14, 1): T(lambda N: (sp(N), Lk(N) * (1 - Lk(N)))),
    (15, 0): T(lambda N: (dnet_dw(N), N.a[2])),
    (16, 0): T(lambda N: (dE_dw(N), ((Lk(N) - Tg(N)) * Lk(N) * (1 - Lk(N)))[:, None] * N.a[2])),
    (17, 0): D(lambda N: (N.Li, (Tg(N) - Lk(N)) ** 2 / 2)),
    (17, 1): T(lambda N: ((Tg(N) - Lk(N)) ** 2 / 2, (Tg(N) - sk(N)) ** 2 / 2)),
    (17, 2): T(
        lambda N: (
            (Tg(N) - sk(N)) ** 2 / 2,
            (Tg(N) - torch.sigmoid(N.a[2] @ N.W[3][0] + N.b[3][0])) ** 2 / 2,
        )
    ),
    (18, 0): T(
        lambda N: (
            N.dLi_param(N.W[2]),  # [s, j, i]
            (N.dLi(N.a[2]) * N.a[2] * (1 - N.a[2]))[:, :, None] * N.a[1][:, None, :],
        )
    ),
    (19, 0): T(lambda N: (N.dLi(N.a[2]), dE_dLk(N)[:, None] * N.jac(N.a[3], N.a[2])[:, 0, :])),
    (19, 1): T(
        lambda N: (
            dE_dLk(N)[:, None] * N.jac(N.a[3], N.a[2])[:, 0, :],
            dE_dLk(N)[:, None] * N.jac(torch.sigmoid(N.z[3]), N.a[2])[:, 0, :],
        )
    ),
}
