"""Key of mazur-zh-vortune.md: Mazur's network and numbers (the model and helpers of
mazur-step-by-step.key.py); the compiler's slips are keyed false where they are false."""

import importlib.util
from pathlib import Path

import torch
from evaluator import GRID, PF, D, F, P, S, Setup, T, d_dx

_spec = importlib.util.spec_from_file_location(
    "mazur_key", Path(__file__).with_name("mazur-step-by-step.key.py")
)
M = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(M)

SETUP = M.SETUP
MANY = Setup(depth=2, widths=(2, 2, 2), samples=9, loss="mse", total="sum")
DIRECTIVE = "<!-- derivator: cost-is=sample -->"  # what a user would add
V, num, w, i, out_h, out_o, net_h, net_o, tgt, dE, dEo = (
    M.V,
    M.num,
    M.w,
    M.i,
    M.out_h,
    M.out_o,
    M.net_h,
    M.net_o,
    M.tgt,
    M.dE,
    M.dEo,
)
E64 = lambda v: torch.exp(torch.tensor(v, dtype=torch.float64))
sig = lambda v: float(1 / (1 + E64(-v)))
x = GRID

KEY = {
    (1, 0): D(lambda N: (net_h(N, 0), w(N, 1) * i(N, 0) + w(N, 2) * i(N, 1) + N.b[1][0])),
    (1, 1): T(num(V["net_h1"], 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1)),
    (1, 2): T(num(0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1, 0.3775)),
    (2, 0): D(lambda N: (out_h(N, 0), 1 / (1 + torch.exp(-net_h(N, 0))))),
    (2, 1): T(num(sig(V["net_h1"]), sig(0.3775))),
    (2, 2): P(lambda: (sig(0.3775), 0.593269992)),
    (3, 0): D(),  # f names the logistic function
    (4, 0): P(lambda: (V["out_h2"], 0.596884378)),
    (5, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (5, 1): P(lambda: (V["net_o1"], 0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1)),
    (5, 2): P(lambda: (0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1, 1.105905967)),
    (5, 3): D(lambda N: (out_o(N, 0), 1 / (1 + torch.exp(-net_o(N, 0))))),
    # the compiler's 1.1059059067 for 1.105905967
    (5, 4): PF(lambda: (V["out_o1"], sig(1.1059059067))),
    (5, 5): PF(lambda: (sig(1.1059059067), 0.75136507)),
    (6, 0): P(lambda: (V["out_o2"], 0.772928465)),
    (7, 0): D(lambda N: (N.L, 0.5 * ((N.y - N.a[2]) ** 2).sum())),
    (8, 0): D(lambda N: (M.E_o(N, 0), 0.5 * torch.abs(tgt(N, 0) - out_o(N, 0)) ** 2)),
    (8, 1): P(lambda: (V["E_o1"], 0.5 * abs(0.01 - 0.75136507) ** 2)),
    (8, 2): P(lambda: (0.5 * abs(0.01 - 0.75136507) ** 2, 0.274811083)),
    (9, 0): P(lambda: (V["E_o2"], 0.023560026)),
    (10, 0): T(lambda N: (N.L, M.E_o(N, 0) + M.E_o(N, 1))),
    (10, 1): P(lambda: (V["E_o1"] + V["E_o2"], 0.274811083 + 0.023560026)),
    (10, 2): T(num(0.274811083 + 0.023560026, 0.298371109)),
    (11, 0): T(lambda N: (M.dE_dw5(N), M.CHAIN_W5(N))),
    (12, 0): D(lambda N: (N.L, M.E_o(N, 0) + M.E_o(N, 1))),
    # the sign lost in ‖target - out‖: out - target is not |target - out| when out < target
    (13, 0): F(
        lambda N: (dE(N, N.a[2])[:, 0], 2 * 0.5 * torch.abs(tgt(N, 0) - out_o(N, 0)) + 0),
        MANY,  # examples enough that some target exceeds its output
    ),
    (13, 1): T(
        lambda N: (
            2 * 0.5 * torch.abs(tgt(N, 0) - out_o(N, 0)) ** (2 - 1) + 0,
            torch.abs(tgt(N, 0) - out_o(N, 0)),
        )
    ),
    (13, 2): P(lambda: (abs(0.01 - V["out_o1"]), abs(0.01 - 0.75136507))),
    (13, 3): T(num(abs(0.01 - 0.75136507), 0.74136507)),
    (14, 0): D(lambda N: (out_o(N, 0), 1 / (1 + torch.exp(-net_o(N, 0))))),
    (15, 0): T(lambda N: (N.jac(N.a[2], N.z[2])[:, 0, 0], M.s_o1(N))),
    (15, 1): P(lambda: (V["dout_o1/dnet_o1"], 0.75136507 * (1 - 0.75136507))),
    (15, 2): P(lambda: (0.75136507 * (1 - 0.75136507), 0.186815602)),
    (16, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (17, 0): T(lambda N: (N.jac_param(N.z[2], N.W[2])[:, 0, 0, 0], 1 * out_h(N, 0) * w(N, 5) ** 0)),
    (17, 1): T(lambda N: (1 * out_h(N, 0) * w(N, 5) ** (1 - 1) + 0 + 0, out_h(N, 0))),
    (17, 2): P(lambda: (V["out_h1"], 0.593269992)),
    # the chain through h1 for w_5: net_h1 does not depend on w_5, so the product is 0
    (18, 0): F(
        lambda N: (
            M.dE_dw5(N),
            dE(N, N.a[1])[:, 0] * M.s_h1(N) * N.jac_param(N.z[1], N.W[2])[:, 0, 0, 0],
        )
    ),
    (18, 1): PF(
        lambda: (
            V["dE/dout_h1"] * V["dout_h1/dnet_h1"] * 0.0,
            0.74136507 * 0.186815602 * 0.593269992,
        )
    ),
    (18, 2): P(lambda: (0.74136507 * 0.186815602 * 0.593269992, 0.082167041)),
    (19, 0): T(lambda N: (M.dE_dw5(N), -(tgt(N, 0) - out_o(N, 0)) * M.s_o1(N) * out_h(N, 0))),
    (20, 0): D(lambda N: (M.delta_o(N)[:, 0], dE(N, N.a[2])[:, 0] * M.s_o1(N))),
    (20, 1): T(lambda N: (dE(N, N.a[2])[:, 0] * M.s_o1(N), M.delta_o(N)[:, 0])),
    (20, 2): T(lambda N: (M.delta_o(N)[:, 0], -(tgt(N, 0) - out_o(N, 0)) * M.s_o1(N))),
    (21, 0): T(lambda N: (M.dE_dw5(N), M.delta_o(N)[:, 0] * out_h(N, 0))),
    (22, 0): F(lambda N: (M.dE_dw5(N), -M.delta_o(N)[:, 0] * out_h(N, 0))),
    (23, 0): D(),
    (23, 1): P(lambda: (M.W[4] - M.ETA * V["dE/dw"][4], 0.4 - 0.5 * 0.082167041)),
    (23, 2): P(lambda: (0.4 - 0.5 * 0.082167041, 0.35891648)),
    (24, 0): D(),
    (24, 1): D(),
    (24, 2): D(),
    (25, 0): T(lambda N: (M.dE_dw1(N), M.CHAIN_W1(N))),
    (26, 0): T(lambda N: (dE(N, N.a[1])[:, 0], dEo(N, 0, N.a[1])[:, 0] + dEo(N, 1, N.a[1])[:, 0])),
    (27, 0): T(lambda N: (dEo(N, 0, N.a[1])[:, 0], dEo(N, 0, N.z[2])[:, 0] * w(N, 5))),
    (28, 0): T(lambda N: (dEo(N, 0, N.z[2])[:, 0], dEo(N, 0, N.a[2])[:, 0] * M.s_o1(N))),
    (28, 1): P(lambda: (V["dE_o1/dnet_o1"], 0.74136507 * 0.186815602)),
    (28, 2): P(lambda: (0.74136507 * 0.186815602, 0.138498562)),
    (29, 0): D(lambda N: (net_o(N, 0), w(N, 5) * out_h(N, 0) + w(N, 6) * out_h(N, 1) + N.b[2][0])),
    (30, 0): T(lambda N: (N.jac(N.z[2], N.a[1])[:, 0, 0], w(N, 5))),
    (30, 1): D(),  # w_5 = 0.40, the given value
    (31, 0): T(lambda N: (dEo(N, 0, N.a[1])[:, 0], dEo(N, 0, N.z[2])[:, 0] * w(N, 5))),
    (31, 1): P(lambda: (V["dE_o1/dout_h1"], 0.138498562 * 0.40)),
    (31, 2): P(lambda: (0.138498562 * 0.40, 0.055399425)),
    (32, 0): PF(lambda: (V["dE_o2/dout_h1"], -0.01904919)),  # a digit dropped
    (33, 0): T(lambda N: (dE(N, N.a[1])[:, 0], dEo(N, 0, N.a[1])[:, 0] + dEo(N, 1, N.a[1])[:, 0])),
    (33, 1): P(lambda: (V["dE_o1/dout_h1"] + V["dE_o2/dout_h1"], 0.055399425 + -0.019049119)),
    (33, 2): T(num(0.055399425 + -0.019049119, 0.036350306)),
    (34, 0): D(lambda N: (out_h(N, 0), 1 / (1 + torch.exp(-net_h(N, 0))))),
    (35, 0): T(lambda N: (N.jac(N.a[1], N.z[1])[:, 0, 0], M.s_h1(N))),
    (35, 1): P(lambda: (V["dout_h1/dnet_h1"], 0.59326999 * (1 - 0.59326999))),
    (35, 2): P(lambda: (0.59326999 * (1 - 0.59326999), 0.241300709)),
    (36, 0): D(lambda N: (net_h(N, 0), w(N, 1) * i(N, 0) + w(N, 2) * i(N, 1) + N.b[1][0])),
    (37, 0): D(),  # introduces the name i (the input i_1)
    (37, 1): T(num(0.05, 0.05)),  # ∂net_h1/∂w_1 = i_1 = 0.05 exactly
    (38, 0): T(lambda N: (M.dE_dw1(N), M.CHAIN_W1(N))),
    (38, 1): P(lambda: (V["dE/dw"][0], 0.036350306 * 0.241300709 * 0.05)),
    (38, 2): P(lambda: (0.036350306 * 0.241300709 * 0.05, 0.000438568)),
    (39, 0): T(
        lambda N: (
            M.dE_dw1(N),
            (dE(N, N.a[2]) * N.a[2] * (1 - N.a[2]) * N.W[2][:, 0]).sum(1) * M.s_h1(N) * i(N, 0),
        )
    ),
    (39, 1): T(
        lambda N: (
            (dE(N, N.a[2]) * N.a[2] * (1 - N.a[2]) * N.W[2][:, 0]).sum(1) * M.s_h1(N) * i(N, 0),
            (M.delta_o(N) * N.W[2][:, 0]).sum(1) * M.s_h1(N) * i(N, 0),
        )
    ),
    (39, 2): T(
        lambda N: (
            (M.delta_o(N) * N.W[2][:, 0]).sum(1) * M.s_h1(N) * i(N, 0),
            N.grad(N.L, N.z[1])[:, 0] * i(N, 0),
        )
    ),
    (40, 0): D(),
    (40, 1): P(lambda: (M.W[0] - M.ETA * V["dE/dw"][0], 0.15 - 0.5 * 0.000438568)),
    (40, 2): T(num(0.15 - 0.5 * 0.000438568, 0.149780716)),
    (41, 0): D(),
    (41, 1): D(),
    (41, 2): D(),
    (42, 0): S("update rule"),
    (42, 1): S("update rule"),
    (43, 0): D(),
    (44, 0): T(
        lambda N: (
            d_dx(lambda t: torch.sin(torch.exp(0.3 * torch.tanh(t)))),
            d_dx(torch.sin, torch.exp(0.3 * torch.tanh(x)))
            * d_dx(lambda t: torch.exp(0.3 * t), torch.tanh(x))
            * d_dx(torch.tanh),
        )
    ),
}
