"""Key of jeong-numpy-nn-backprop.md: one sample as a row vector, u^l = h^{l-1} W^l + b^l with
W^l ∈ ℝ^{m_{l-1}×m_l} (the author's W^l is the evaluator's W[l] transposed: W^l_ij = W[l][j, i]),
h^l = φ(u^l) with φ element-wise (generic here), E the sample's loss of no special form,
δ^l = ∂E/∂u^l; layers 0 … 3 with l = 2, L = 3.  The closing δ^l = [δ^{l+1} W^{l+1}] ⊙ φ'(u^l)
lacks the transpose the author's own (16) has: its shapes do not fit where the widths differ.
From display 18 on: n samples as rows, E = Σ_q E^q (the same loss per sample); the MSE section's
E = 1/(2n) Σ_q ‖t_q - y_q‖² (so E^q carries the 1/n); the cross-entropy section's softmax outputs
y with one-hot targets t (as the author assumes for its last step)."""

import torch
from evaluator import D, F, S, Setup, T


def _loss(h, t):
    return (torch.log(torch.cosh(h - t)) + 0.25 * h * torch.cos(t)).sum(1)


SETUP = Setup(depth=3, act="generic", loss=_loss, total="sum")  # E = Σ_q E^q from display 18 on
MSE = Setup(depth=3, act="generic", loss="mse", total="mean")  # E = 1/(2n) Σ_q ‖t_q - y_q‖²
CE = Setup(
    depth=3, act="generic", out="softmax", loss="cross-entropy", total="sum", targets="one-hot"
)
DIRECTIVE = (
    "<!-- derivator: cost=E cost-is=sample activation=generic weights=from-to batch=rows "
    "letters=preactivation:u,activation:h,input:x,target:t -->"
)
l, Lo = 2, 3

d = lambda N, p: N.dLi(N.z[p])  # δ^p
sp = lambda N, p: N.fprime(p)  # φ'(u^p)
dWa = lambda N, p: N.dLi_param(N.W[p]).transpose(1, 2)  # ∂E/∂W^p_ij, [s, i, j]
out = lambda N, p: N.a[p - 1][:, :, None] * d(N, p)[:, None, :]  # h_i^{p-1} δ_j^p
du_dW = lambda N, p: torch.einsum("sjji->sij", N.jac_param(N.z[p], N.W[p]))
du_db = lambda N, p: torch.einsum("sjj->sj", N.jac_param(N.z[p], N.b[p]))
back = lambda N: (d(N, l + 1) @ N.W[l + 1]) * sp(N, l)  # [Σ_d δ_d W_jd] ∂h_j/∂u_j
h_prev = lambda N, p: N.a[p - 1][:, :, None].expand(-1, -1, N.widths[p])

KEY = {
    (1, 0): T(lambda N: (dWa(N, Lo), out(N, Lo))),
    (1, 1): T(lambda N: (dWa(N, Lo), out(N, Lo))),
    (1, 2): T(lambda N: (N.dLi_param(N.b[Lo]), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (2, 0): T(lambda N: (du_dW(N, Lo), h_prev(N, Lo))),
    (2, 1): T(lambda N: (h_prev(N, Lo), h_prev(N, Lo))),
    (2, 2): T(lambda N: (du_db(N, Lo), torch.ones_like(N.z[Lo]))),
    (2, 3): T(lambda N: (du_db(N, Lo), torch.ones_like(N.z[Lo]))),
    (3, 0): T(lambda N: (dWa(N, Lo), out(N, Lo))),
    (3, 1): T(lambda N: (out(N, Lo), out(N, Lo))),
    (4, 0): T(lambda N: (N.dLi_param(N.b[Lo]), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (4, 1): T(lambda N: (N.dLi(N.a[Lo]) * sp(N, Lo), d(N, Lo))),
    (5, 0): D(lambda N: (d(N, l), d(N, l))),
    (6, 0): T(lambda N: (dWa(N, l), out(N, l))),
    (7, 0): D(lambda N: (d(N, l), d(N, l))),
    (7, 1): T(
        lambda N: (d(N, l), torch.einsum("sd,sdj->sj", d(N, l + 1), N.jac(N.z[l + 1], N.z[l])))
    ),
    (7, 2): T(lambda N: (d(N, l), back(N))),
    (7, 3): T(lambda N: (back(N), back(N))),
    (7, 4): T(lambda N: (back(N), back(N))),
    (8, 0): T(lambda N: (N.jac(N.z[l + 1], N.a[l]), N.W[l + 1][None].expand(N.n, -1, -1))),
    (8, 1): T(lambda N: (N.jac(N.z[l + 1], N.a[l]), N.W[l + 1][None].expand(N.n, -1, -1))),
    (9, 0): T(lambda N: (dWa(N, l), out(N, l))),
    (9, 1): T(lambda N: (out(N, l), N.a[l - 1][:, :, None] * back(N)[:, None, :])),
    (9, 2): T(lambda N: (out(N, l), N.a[l - 1][:, :, None] * back(N)[:, None, :])),
    (9, 3): T(lambda N: (N.dLi_param(N.b[l]), d(N, l))),
    (9, 4): T(lambda N: (d(N, l), back(N))),
    (9, 5): T(lambda N: (back(N), back(N))),
    (10, 0): T(lambda N: (du_dW(N, l), h_prev(N, l))),
    (11, 0): T(lambda N: (du_db(N, l), torch.ones_like(N.z[l]))),
    (12, 0): T(lambda N: (dWa(N, Lo), dWa(N, Lo))),
    (12, 1): T(lambda N: (dWa(N, Lo), out(N, Lo))),
    (12, 2): S("a statement about sizes"),
    (13, 0): T(lambda N: (out(N, Lo), out(N, Lo))),
    (13, 1): T(lambda N: (N.dLi_param(N.b[Lo]), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (13, 2): T(lambda N: (N.dLi(N.a[Lo]) * sp(N, Lo), d(N, Lo))),
    (14, 0): D(lambda N: (d(N, Lo), d(N, Lo))),
    (14, 1): T(lambda N: (d(N, Lo), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (15, 0): T(lambda N: (sp(N, Lo), torch.einsum("sjj->sj", N.jac(N.a[Lo], N.z[Lo])))),
    (16, 0): T(lambda N: (dWa(N, l), N.a[l - 1][:, :, None] * back(N)[:, None, :])),
    (16, 1): T(lambda N: (N.dLi_param(N.b[l]), back(N))),
    (17, 0): F(lambda N: (d(N, l), (d(N, l + 1) @ N.W[l + 1].T) * sp(N, l))),
    # ---- several samples (rows q)
    (18, 0): T(lambda N: (N.dL(N.W[Lo]).T, dWa(N, Lo).sum(0))),
    (18, 1): T(lambda N: (dWa(N, Lo).sum(0), out(N, Lo).sum(0))),
    (18, 2): T(lambda N: (out(N, Lo).sum(0), N.a[Lo - 1].T @ d(N, Lo))),
    (19, 0): T(lambda N: (N.dL(N.W[Lo]).T, N.a[Lo - 1].T @ (N.dLi(N.a[Lo]) * sp(N, Lo)))),
    (19, 1): T(lambda N: (N.a[Lo - 1].T @ (N.dLi(N.a[Lo]) * sp(N, Lo)), N.a[Lo - 1].T @ d(N, Lo))),
    (20, 0): D(lambda N: (d(N, Lo), d(N, Lo))),
    (20, 1): T(
        lambda N: (d(N, Lo), N.dLi(N.a[Lo]) * torch.einsum("sjj->sj", N.jac(N.a[Lo], N.z[Lo])))
    ),
    (20, 2): T(lambda N: (N.dLi(N.a[Lo]) * sp(N, Lo), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (21, 0): T(lambda N: (d(N, Lo), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (22, 0): T(lambda N: (N.dL(N.W[Lo]).T, N.a[Lo - 1].T @ d(N, Lo))),
    (23, 0): T(lambda N: (N.dL(N.b[Lo]), d(N, Lo).sum(0))),
    (23, 1): T(lambda N: (d(N, Lo).sum(0), d(N, Lo).sum(0))),
    (23, 2): T(lambda N: (d(N, Lo).sum(0), torch.ones(N.n, dtype=torch.float64) @ d(N, Lo))),
    (24, 0): T(lambda N: (N.dL(N.b[Lo]), torch.ones(N.n, dtype=torch.float64) @ d(N, Lo))),
    (25, 0): T(lambda N: (N.dL(N.W[l]).T, dWa(N, l).sum(0))),
    (25, 1): T(lambda N: (dWa(N, l).sum(0), dWa(N, l).sum(0))),
    (25, 2): T(lambda N: (dWa(N, l).sum(0), N.a[l - 1].T @ back(N))),
    (25, 3): T(lambda N: (N.a[l - 1].T @ back(N), N.a[l - 1].T @ back(N))),
    (25, 4): T(
        lambda N: (N.a[l - 1].T @ back(N), N.a[l - 1].T @ ((d(N, l + 1) @ N.W[l + 1]) * sp(N, l)))
    ),
    (25, 5): T(
        lambda N: (N.a[l - 1].T @ back(N), N.a[l - 1].T @ (sp(N, l) * (d(N, l + 1) @ N.W[l + 1])))
    ),
    (25, 6): T(lambda N: (N.dL(N.W[l]).T, N.a[l - 1].T @ (sp(N, l) * (d(N, l + 1) @ N.W[l + 1])))),
    (25, 7): T(lambda N: (N.dL(N.b[l]), torch.ones(N.n, dtype=torch.float64) @ d(N, l))),
    (26, 0): T(lambda N: (d(N, Lo), N.dLi(N.a[Lo]) * sp(N, Lo))),
    (26, 1): D(lambda N: (d(N, l), d(N, l))),
    (26, 2): T(
        lambda N: (d(N, l), torch.einsum("sd,sdj->sj", d(N, l + 1), N.jac(N.z[l + 1], N.z[l])))
    ),
    (26, 3): T(lambda N: (d(N, l), back(N))),
    (26, 4): T(lambda N: (back(N), (d(N, l + 1) @ N.W[l + 1]) * sp(N, l))),
    (26, 5): T(lambda N: (d(N, l), (d(N, l + 1) @ N.W[l + 1]) * sp(N, l))),
    # ---- the MSE loss: E^q = ‖t_q - y_q‖² / (2n)
    (27, 0): D(lambda N: (N.L, ((N.y - N.a[Lo]) ** 2).sum() / (2 * N.n)), setup=MSE),
    (27, 1): T(
        lambda N: (((N.y - N.a[Lo]) ** 2).sum(1).sum(), ((N.y - N.a[Lo]) ** 2).sum()), setup=MSE
    ),
    (28, 0): T(lambda N: (N.dLi(N.a[Lo]) / N.n, (N.a[Lo] - N.y) / N.n), setup=MSE),
    (28, 1): T(lambda N: (N.dL(N.z[Lo]), N.dL(N.a[Lo]) * sp(N, Lo)), setup=MSE),
    (28, 2): T(lambda N: (N.dL(N.a[Lo]) * sp(N, Lo), (N.a[Lo] - N.y) / N.n * sp(N, Lo)), setup=MSE),
    (28, 3): T(lambda N: (N.dL(N.z[Lo]), (N.a[Lo] - N.y) / N.n * sp(N, Lo)), setup=MSE),
    # ---- cross-entropy with softmax outputs
    (29, 0): D(lambda N: (N.L, N.Li.sum()), setup=CE),
    (29, 1): D(lambda N: (N.Li, -(N.y * torch.log(N.a[Lo])).sum(1)), setup=CE),
    (30, 0): D(lambda N: (N.a[Lo], torch.softmax(N.z[Lo], 1)), setup=CE),
    (30, 1): D(
        lambda N: (
            torch.softmax(N.z[Lo], 1),
            torch.exp(N.z[Lo]) / torch.exp(N.z[Lo]).sum(1, keepdim=True),
        ),
        setup=CE,
    ),
    (31, 0): T(lambda N: (N.jac(N.a[Lo], N.z[Lo]), _sm_jac(N)), setup=CE),
    (31, 1): T(
        lambda N: (
            _sm_jac(N),
            N.a[Lo][:, :, None]
            * (torch.eye(N.widths[Lo], dtype=torch.float64) - N.a[Lo][:, None, :]),
        ),
        setup=CE,
    ),
    (32, 0): T(lambda N: (N.dL(N.a[Lo]), -N.y / N.a[Lo]), setup=CE),
    (33, 0): D(lambda N: (N.dL(N.z[Lo]), N.dL(N.z[Lo])), setup=CE),
    **{(33, k): T(lambda N: (N.dL(N.z[Lo]), N.a[Lo] - N.y), setup=CE) for k in range(1, 8)},
}


def _sm_jac(N):
    """∂y_c/∂U_j as the cases give it: y_j(1 - y_j) on the diagonal, -y_c y_j off it."""
    y = N.a[Lo]
    off = -y[:, :, None] * y[:, None, :]
    eye = torch.eye(N.widths[Lo], dtype=torch.float64)
    return off * (1 - eye) + torch.diag_embed(y * (1 - y))
