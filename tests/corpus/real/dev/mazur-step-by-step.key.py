"""Key of mazur-step-by-step.md: Mazur's 2-2-2 logistic network, one example, E_total = Σ_o ½(target
- out)² (no mean), w_1, w_2 into h1, w_3, w_4 into h2, w_5, w_6 into o1, w_7, w_8 into o2, η = 0.5.
Symbolic claims are checked on random weights, inputs and targets at the document's sizes; the
numbers against the post's own values (computed here in float64, derivatives by autograd)."""

import torch
from evaluator import D, F, P, Setup, T

SETUP = Setup(depth=2, widths=(2, 2, 2), samples=1, loss="mse", total="sum")
DIRECTIVE = "<!-- derivator: cost-is=sample -->"  # what a user would add


def _numbers():
    """The post's network at its initial values: every quantity it prints, unrounded."""
    f64 = torch.float64
    w = torch.tensor(
        [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], dtype=f64, requires_grad=True
    )
    i = torch.tensor([0.05, 0.10], dtype=f64)
    net_h = torch.stack([w[0] * i[0] + w[1] * i[1] + 0.35, w[2] * i[0] + w[3] * i[1] + 0.35])
    out_h = torch.sigmoid(net_h)
    net_o = torch.stack(
        [w[4] * out_h[0] + w[5] * out_h[1] + 0.6, w[6] * out_h[0] + w[7] * out_h[1] + 0.6]
    )
    out_o = torch.sigmoid(net_o)
    target = torch.tensor([0.01, 0.99], dtype=f64)
    E = 0.5 * (target - out_o) ** 2
    g = lambda y, x: torch.autograd.grad(y, x, retain_graph=True)[0]
    v = {
        "net_h1": net_h[0],
        "out_h1": out_h[0],
        "out_h2": out_h[1],
        "net_o1": net_o[0],
        "out_o1": out_o[0],
        "out_o2": out_o[1],
        "E_o1": E[0],
        "E_o2": E[1],
        "E": E.sum(),
        "dE/dout_o1": g(E.sum(), out_o)[0],
        "dout_o1/dnet_o1": out_o[0] * (1 - out_o[0]),
        "dE/dw": g(E.sum(), w),
        "dE_o1/dnet_o1": g(E[0], net_o)[0],
        "dE_o1/dout_h1": g(E[0], out_h)[0],
        "dE_o2/dout_h1": g(E[1], out_h)[0],
        "dE/dout_h1": g(E.sum(), out_h)[0],
        "dout_h1/dnet_h1": out_h[0] * (1 - out_h[0]),
    }
    return {k: (x.detach().numpy() if x.dim() else float(x.detach())) for k, x in v.items()}


V = _numbers()
W = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
ETA = 0.5


def num(lhs, rhs):
    """A relation between numbers of the post (checked against its model's values)."""
    return lambda N: (torch.tensor(float(lhs)), torch.tensor(float(rhs)))


# the symbolic model: random values, the post's sizes (one example)
def i(N, k):
    return N.a[0][:, k]


def out_h(N, k):
    return N.a[1][:, k]


def out_o(N, k):
    return N.a[2][:, k]


def net_h(N, k):
    return N.z[1][:, k]


def net_o(N, k):
    return N.z[2][:, k]


def tgt(N, k):
    return N.y[:, k]


def w(N, k):
    """w_1 … w_8 (k = 1 … 8) in the post's order."""
    p, row, col = [
        (1, 0, 0),
        (1, 0, 1),
        (1, 1, 0),
        (1, 1, 1),
        (2, 0, 0),
        (2, 0, 1),
        (2, 1, 0),
        (2, 1, 1),
    ][k - 1]
    return N.W[p][row, col]


def dE(N, x):
    """∂E_total/∂x (E_total the sum over the outputs, one example)."""
    return N.grad(N.L, x)


def E_o(N, k):
    return 0.5 * (tgt(N, k) - out_o(N, k)) ** 2


def dEo(N, k, x):
    return N.grad(E_o(N, k).sum(), x)


s_o1 = lambda N: out_o(N, 0) * (1 - out_o(N, 0))
s_h1 = lambda N: out_h(N, 0) * (1 - out_h(N, 0))
dE_dw5 = lambda N: dE(N, N.W[2])[0, 0]
dE_dw1 = lambda N: dE(N, N.W[1])[0, 0]
delta_o = lambda N: N.grad(N.L, N.z[2])[:, :]
CHAIN_W5 = lambda N: dE(N, N.a[2])[:, 0] * s_o1(N) * out_h(N, 0)
CHAIN_W1 = lambda N: dE(N, N.a[1])[:, 0] * s_h1(N) * i(N, 0)
given = {k: D() for k in range(14)}

KEY = {
    **{(1, k): v for k, v in given.items()},  # the figure's values
    (2, 0): D(lambda N: (net_h(N, 0), w(N, 1) * i(N, 0) + w(N, 2) * i(N, 1) + N.b[1][0])),
    (3, 0): T(num(V["net_h1"], 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1)),
    (3, 1): T(num(0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1, 0.3775)),
    (4, 0): D(lambda N: (out_h(N, 0), 1 / (1 + torch.exp(-net_h(N, 0))))),
    (4, 1): T(
        num(
            1 / (1 + torch.exp(torch.tensor(-V["net_h1"]))),
            1 / (1 + torch.exp(torch.tensor(-0.3775))),
        )
    ),
    (4, 2): P(
        lambda: (1 / (1 + torch.exp(torch.tensor(-0.3775, dtype=torch.float64))), 0.593269992)
    ),
    (5, 0): P(lambda: (V["out_h2"], 0.596884378)),
    (6, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (7, 0): P(lambda: (V["net_o1"], 0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1)),
    (7, 1): P(lambda: (0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1, 1.105905967)),
    (8, 0): D(lambda N: (out_o(N, 0), 1 / (1 + torch.exp(-net_o(N, 0))))),
    (8, 1): P(
        lambda: (V["out_o1"], 1 / (1 + torch.exp(torch.tensor(-1.105905967, dtype=torch.float64))))
    ),
    (8, 2): P(
        lambda: (1 / (1 + torch.exp(torch.tensor(-1.105905967, dtype=torch.float64))), 0.75136507)
    ),
    (9, 0): P(lambda: (V["out_o2"], 0.772928465)),
    (10, 0): D(lambda N: (N.L, 0.5 * ((N.y - N.a[2]) ** 2).sum())),
    (11, 0): D(lambda N: (E_o(N, 0), 0.5 * (tgt(N, 0) - out_o(N, 0)) ** 2)),
    (11, 1): P(lambda: (V["E_o1"], 0.5 * (0.01 - 0.75136507) ** 2)),
    (11, 2): P(lambda: (0.5 * (0.01 - 0.75136507) ** 2, 0.274811083)),
    (12, 0): P(lambda: (V["E_o2"], 0.023560026)),
    (13, 0): T(lambda N: (N.L, E_o(N, 0) + E_o(N, 1))),
    (13, 1): P(lambda: (V["E_o1"] + V["E_o2"], 0.274811083 + 0.023560026)),
    (13, 2): T(num(0.274811083 + 0.023560026, 0.298371109)),
    (14, 0): T(lambda N: (dE_dw5(N), CHAIN_W5(N))),
    (15, 0): D(lambda N: (N.L, E_o(N, 0) + E_o(N, 1))),  # the definition, for two outputs
    (16, 0): T(
        lambda N: (dE(N, N.a[2])[:, 0], 2 * 0.5 * (tgt(N, 0) - out_o(N, 0)) ** (2 - 1) * -1 + 0)
    ),
    (17, 0): T(lambda N: (dE(N, N.a[2])[:, 0], -(tgt(N, 0) - out_o(N, 0)))),
    (17, 1): P(lambda: (V["dE/dout_o1"], -(0.01 - 0.75136507))),
    (17, 2): T(num(-(0.01 - 0.75136507), 0.74136507)),
    (18, 0): D(lambda N: (out_o(N, 0), 1 / (1 + torch.exp(-net_o(N, 0))))),
    (19, 0): T(lambda N: (N.jac(N.a[2], N.z[2])[:, 0, 0], s_o1(N))),
    (19, 1): P(lambda: (V["dout_o1/dnet_o1"], 0.75136507 * (1 - 0.75136507))),
    (19, 2): P(lambda: (0.75136507 * (1 - 0.75136507), 0.186815602)),
    (20, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (21, 0): T(
        lambda N: (
            N.jac_param(N.z[2], N.W[2])[:, 0, 0, 0],
            1 * out_h(N, 0) * w(N, 5) ** (1 - 1) + 0 + 0,
        )
    ),
    (21, 1): T(lambda N: (1 * out_h(N, 0) * w(N, 5) ** (1 - 1) + 0 + 0, out_h(N, 0))),
    (21, 2): P(lambda: (V["out_h1"], 0.593269992)),
    (22, 0): T(lambda N: (dE_dw5(N), CHAIN_W5(N))),
    (23, 0): P(lambda: (V["dE/dw"][4], 0.74136507 * 0.186815602 * 0.593269992)),
    (23, 1): P(lambda: (0.74136507 * 0.186815602 * 0.593269992, 0.082167041)),
    (24, 0): T(lambda N: (dE_dw5(N), -(tgt(N, 0) - out_o(N, 0)) * s_o1(N) * out_h(N, 0))),
    (25, 0): D(lambda N: (delta_o(N)[:, 0], dE(N, N.a[2])[:, 0] * s_o1(N))),  # δ_o1 named
    (25, 1): T(lambda N: (dE(N, N.a[2])[:, 0] * s_o1(N), delta_o(N)[:, 0])),
    (26, 0): T(lambda N: (delta_o(N)[:, 0], -(tgt(N, 0) - out_o(N, 0)) * s_o1(N))),
    (27, 0): T(lambda N: (dE_dw5(N), delta_o(N)[:, 0] * out_h(N, 0))),
    # the opposite sign of δ "some sources" use: false with the δ_o1 the post defined
    (28, 0): F(lambda N: (dE_dw5(N), -delta_o(N)[:, 0] * out_h(N, 0))),
    (29, 0): D(),  # w_5^+ names the updated weight
    (29, 1): P(lambda: (W[4] - ETA * V["dE/dw"][4], 0.4 - 0.5 * 0.082167041)),
    (29, 2): P(lambda: (0.4 - 0.5 * 0.082167041, 0.35891648)),
    (30, 0): D(),
    (31, 0): D(),
    (32, 0): D(),
    (33, 0): T(lambda N: (dE_dw1(N), CHAIN_W1(N))),
    (34, 0): T(lambda N: (dE(N, N.a[1])[:, 0], dEo(N, 0, N.a[1])[:, 0] + dEo(N, 1, N.a[1])[:, 0])),
    (35, 0): T(lambda N: (dEo(N, 0, N.a[1])[:, 0], dEo(N, 0, N.z[2])[:, 0] * w(N, 5))),
    (36, 0): T(lambda N: (dEo(N, 0, N.z[2])[:, 0], dEo(N, 0, N.a[2])[:, 0] * s_o1(N))),
    (36, 1): P(lambda: (V["dE_o1/dnet_o1"], 0.74136507 * 0.186815602)),
    (36, 2): P(lambda: (0.74136507 * 0.186815602, 0.138498562)),
    (37, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (38, 0): T(lambda N: (N.jac(N.z[2], N.a[1])[:, 0, 0], w(N, 5))),
    (38, 1): D(),  # w_5 = 0.40, the given value again
    (39, 0): T(lambda N: (dEo(N, 0, N.a[1])[:, 0], dEo(N, 0, N.z[2])[:, 0] * w(N, 5))),
    (39, 1): P(lambda: (V["dE_o1/dout_h1"], 0.138498562 * 0.40)),
    (39, 2): P(lambda: (0.138498562 * 0.40, 0.055399425)),
    (40, 0): P(lambda: (V["dE_o2/dout_h1"], -0.019049119)),
    (41, 0): T(lambda N: (dE(N, N.a[1])[:, 0], dEo(N, 0, N.a[1])[:, 0] + dEo(N, 1, N.a[1])[:, 0])),
    (41, 1): P(lambda: (V["dE_o1/dout_h1"] + V["dE_o2/dout_h1"], 0.055399425 + -0.019049119)),
    (41, 2): T(num(0.055399425 + -0.019049119, 0.036350306)),
    (42, 0): D(lambda N: (out_h(N, 0), 1 / (1 + torch.exp(-net_h(N, 0))))),
    (43, 0): T(lambda N: (N.jac(N.a[1], N.z[1])[:, 0, 0], s_h1(N))),
    (43, 1): P(lambda: (V["dout_h1/dnet_h1"], 0.59326999 * (1 - 0.59326999))),
    (43, 2): P(lambda: (0.59326999 * (1 - 0.59326999), 0.241300709)),
    # the post's slip: w_3 * i_2 where its first formula (and every number) has w_2 * i_2
    (44, 0): F(lambda N: (net_h(N, 0), w(N, 1) * i(N, 0) + w(N, 3) * i(N, 1) + N.b[1][0])),
    (45, 0): T(lambda N: (N.jac_param(N.z[1], N.W[1])[:, 0, 0, 0], i(N, 0))),
    (45, 1): D(),  # i_1 = 0.05, the given value again
    (46, 0): T(lambda N: (dE_dw1(N), CHAIN_W1(N))),
    (47, 0): P(lambda: (V["dE/dw"][0], 0.036350306 * 0.241300709 * 0.05)),
    (47, 1): P(lambda: (0.036350306 * 0.241300709 * 0.05, 0.000438568)),
    (48, 0): T(
        lambda N: (
            dE_dw1(N),
            (dE(N, N.a[2]) * N.a[2] * (1 - N.a[2]) * N.W[2][:, 0]).sum(1) * s_h1(N) * i(N, 0),
        )
    ),
    (49, 0): T(lambda N: (dE_dw1(N), (delta_o(N) * N.W[2][:, 0]).sum(1) * s_h1(N) * i(N, 0))),
    (50, 0): T(lambda N: (dE_dw1(N), N.grad(N.L, N.z[1])[:, 0] * i(N, 0))),  # δ_h1 = ∂E/∂net_h1
    (51, 0): D(),
    (51, 1): P(lambda: (W[0] - ETA * V["dE/dw"][0], 0.15 - 0.5 * 0.000438568)),
    (51, 2): T(num(0.15 - 0.5 * 0.000438568, 0.149780716)),
    (52, 0): D(),
    (53, 0): D(),
    (54, 0): D(),
}
