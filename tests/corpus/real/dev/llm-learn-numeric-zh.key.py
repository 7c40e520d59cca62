"""Key of llm-learn-numeric-zh.md: a 2-2-1 sigmoid network, one example X (a row), z_1 = X W_1 + b_1
(W_1's rows are the inputs: the evaluator's W[1] transposed), z_2 = a_1 W_2^T + b_2 (W_2 a row: the
evaluator's W[2]), L = ½(ŷ - y)², η = 0.1.  Symbolic claims on random values at these sizes; numbers
against the note's own values (unrounded, computed here)."""

import torch
from evaluator import GRID, PA, PF, D, F, P, S, Setup, T

SETUP = Setup(depth=2, widths=(2, 2, 1), samples=1, loss="mse", total="sum")
DIRECTIVE = "<!-- derivator: weights=from-to cost-is=sample -->"  # what a user would add
f64 = torch.float64
ETA = 0.1


def _values():
    x = torch.tensor([1.0, 2.0], dtype=f64)
    W1 = torch.tensor([[0.5, 0.6], [0.7, 0.8]], dtype=f64)
    b1 = torch.tensor([0.1, 0.2], dtype=f64)
    W2 = torch.tensor([0.9, 0.1], dtype=f64)
    z1 = x @ W1 + b1
    a1 = torch.sigmoid(z1)
    z2 = a1 @ W2 + 0.3
    yh = torch.sigmoid(z2)
    y = 0.5
    d2 = (yh - y) * yh * (1 - yh)
    dL_da1 = d2 * W2
    d1 = dL_da1 * a1 * (1 - a1)
    return {
        "x": x,
        "W1": W1,
        "b1": b1,
        "W2": W2,
        "z1": z1,
        "a1": a1,
        "z2": z2,
        "yh": yh,
        "L": 0.5 * (yh - y) ** 2,
        "dL_dyh": yh - y,
        "dyh_dz2": yh * (1 - yh),
        "d2": d2,
        "dL_dW2": d2 * a1,
        "dL_da1": dL_da1,
        "da1_dz1": a1 * (1 - a1),
        "d1": d1,
        "dL_dW1": torch.outer(x, d1),  # [i, h]: X W_1 layout
    }


V = _values()
t = lambda *v: torch.tensor(v, dtype=f64)
m = lambda *rows: torch.tensor(rows, dtype=f64)
sig = lambda v: 1 / (1 + torch.exp(-torch.as_tensor(v, dtype=f64)))


def num(lhs, rhs):
    return lambda N: (torch.as_tensor(lhs, dtype=f64), torch.as_tensor(rhs, dtype=f64))


x = GRID
sx = torch.sigmoid(x)
# the symbolic model: one example; arrays of that example
X = lambda N: N.a[0][0]
A1 = lambda N: N.a[1][0]
Yh = lambda N: N.a[2][0, 0]
Y = lambda N: N.y[0, 0]
D2 = lambda N: N.dL(N.z[2])[0, 0]
D1 = lambda N: N.dL(N.z[1])[0]

KEY = {
    (1, 0): F(lambda N: (sx, 1 + torch.exp(-x) * 1)),  # the \frac lost
    (1, 1): T(lambda N: (sx * (1 - sx), sx * (1 - sx))),
    **{(k, 0): D() for k in range(2, 8)},  # the given values
    (8, 0): D(lambda N: (N.z[1][0], X(N) @ N.W[1].T + N.b[1])),
    (8, 1): T(num(V["z1"], t(1, 2) @ m([0.5, 0.6], [0.7, 0.8]) + t(0.1, 0.2))),
    (8, 2): T(
        num(
            t(1, 2) @ m([0.5, 0.6], [0.7, 0.8]) + t(0.1, 0.2),
            t(1 * 0.5 + 2 * 0.7 + 0.1, 1 * 0.6 + 2 * 0.8 + 0.2),
        )
    ),
    (8, 3): T(num(t(1 * 0.5 + 2 * 0.7 + 0.1, 1 * 0.6 + 2 * 0.8 + 0.2), t(2.0, 2.4))),
    (9, 0): D(lambda N: (A1(N), torch.sigmoid(N.z[1][0]))),
    (9, 1): T(num(sig(V["z1"]), t(1 / (1 + torch.exp(t(-2.0))), 1 / (1 + torch.exp(t(-2.4)))))),
    (9, 2): PF(lambda: (sig(t(2.0, 2.4)), t(0.8808, 0.9084))),
    (10, 0): D(lambda N: (N.z[2][0, 0], A1(N) @ N.W[2][0] + N.b[2][0])),
    (10, 1): PA(lambda: (V["z2"], t(0.8808, 0.9084) @ t(0.9, 0.1) + 0.3)),
    (10, 2): T(num(t(0.8808, 0.9084) @ t(0.9, 0.1) + 0.3, 0.8808 * 0.9 + 0.9084 * 0.1 + 0.3)),
    (10, 3): P(lambda: (0.8808 * 0.9 + 0.9084 * 0.1 + 0.3, 1.1835)),
    (11, 0): D(lambda N: (Yh(N), torch.sigmoid(N.z[2][0, 0]))),
    (11, 1): PF(lambda: (V["yh"], sig(1.1835))),
    (11, 2): PF(lambda: (sig(1.1835), 0.7692)),
    (12, 0): D(lambda N: (N.L, 0.5 * (Yh(N) - Y(N)) ** 2)),
    (12, 1): PA(lambda: (V["L"], 0.5 * (0.7692 - 0.5) ** 2)),
    (12, 2): PF(lambda: (0.5 * (0.7692 - 0.5) ** 2, 0.035)),  # 0.0362
    (13, 0): T(lambda N: (N.dL(N.a[2])[0, 0], Yh(N) - Y(N))),
    (13, 1): PA(lambda: (V["dL_dyh"], 0.7692 - 0.5)),
    (13, 2): T(num(0.7692 - 0.5, 0.2692)),
    (14, 0): T(lambda N: (N.fprime(2)[0, 0], N.fprime(2)[0, 0])),
    (14, 1): PF(lambda: (V["dyh_dz2"], 0.7692 * (1 - 0.7692))),
    (14, 2): P(lambda: (0.7692 * (1 - 0.7692), 0.1776)),
    (15, 0): D(lambda N: (D2(N), D2(N))),  # names δ_2
    (15, 1): T(lambda N: (D2(N), N.dL(N.a[2])[0, 0] * N.fprime(2)[0, 0])),
    (15, 2): PF(lambda: (V["d2"], 0.2692 * 0.1776)),
    (15, 3): P(lambda: (0.2692 * 0.1776, 0.0478)),
    (16, 0): T(lambda N: (N.dL(N.W[2])[0], D2(N) * A1(N))),
    (16, 1): PF(lambda: (V["dL_dW2"], 0.0478 * t(0.8808, 0.9084))),
    (16, 2): P(lambda: (0.0478 * t(0.8808, 0.9084), t(0.0421, 0.0434))),
    (17, 0): T(lambda N: (N.dL(N.b[2])[0], D2(N))),
    (17, 1): PF(lambda: (V["d2"], 0.0478)),
    (18, 0): T(lambda N: (N.dL(N.a[1])[0], D2(N) * N.W[2][0])),
    (18, 1): PA(lambda: (V["dL_da1"], 0.0478 * t(0.9, 0.1))),
    (18, 2): P(lambda: (0.0478 * t(0.9, 0.1), t(0.0430, 0.0048))),
    (19, 0): T(lambda N: (torch.diagonal(N.jac(N.a[1], N.z[1])[0]), N.fprime(1)[0])),
    (19, 1): PF(lambda: (V["da1_dz1"], t(0.8808 * 0.1192, 0.9084 * 0.0916))),
    (19, 2): PF(lambda: (t(0.8808 * 0.1192, 0.9084 * 0.0916), t(0.1051, 0.0833))),
    (20, 0): D(lambda N: (D1(N), D1(N))),  # names δ_1
    (20, 1): T(lambda N: (D1(N), N.dL(N.a[1])[0] * N.fprime(1)[0])),
    (20, 2): P(lambda: (V["d1"], t(0.0430 * 0.1051, 0.0048 * 0.0833))),
    (20, 3): P(lambda: (t(0.0430 * 0.1051, 0.0048 * 0.0833), t(0.0045, 0.0004))),
    # δ_1^T X is [h, i]; with z_1 = X W_1 the gradient of W_1 is [i, h]: its transpose
    (21, 0): F(lambda N: (N.dL(N.W[1]).T, torch.outer(D1(N), X(N)))),
    (21, 1): P(lambda: (torch.outer(V["d1"], V["x"]), m([0.0045], [0.0004]) @ m([1, 2]))),
    (21, 2): T(
        num(
            m([0.0045], [0.0004]) @ m([1, 2]), m([0.0045 * 1, 0.0045 * 2], [0.0004 * 1, 0.0004 * 2])
        )
    ),
    (21, 3): T(
        num(
            m([0.0045 * 1, 0.0045 * 2], [0.0004 * 1, 0.0004 * 2]),
            m([0.0045, 0.0090], [0.0004, 0.0008]),
        )
    ),
    (22, 0): T(lambda N: (N.dL(N.b[1]), D1(N))),
    (22, 1): P(lambda: (V["d1"], t(0.0045, 0.0004))),
    (23, 0): S("update rule"),
    (23, 1): P(lambda: (V["W2"] - ETA * V["dL_dW2"], t(0.9 - 0.0042, 0.1 - 0.0043))),
    (23, 2): T(num(t(0.9 - 0.0042, 0.1 - 0.0043), t(0.8958, 0.0957))),
    (24, 0): S("update rule"),
    (24, 1): P(lambda: (0.3 - ETA * V["d2"], 0.3 - 0.0048)),
    (24, 2): T(num(0.3 - 0.0048, 0.2952)),
    (25, 0): S("update rule"),
    (25, 1): PA(
        lambda: (
            V["W1"] - ETA * V["dL_dW1"],
            m([0.5 - 0.0005, 0.6 - 0.0009], [0.7 - 0.00004, 0.8 - 0.00008]),
        )
    ),
    (25, 2): PF(
        lambda: (
            m([0.5 - 0.0005, 0.6 - 0.0009], [0.7 - 0.00004, 0.8 - 0.00008]),
            m([0.4995, 0.5991], [0.6996, 0.7999]),
        )
    ),
    (26, 0): S("update rule"),
    (26, 1): PA(lambda: (V["b1"] - ETA * V["d1"], t(0.1 - 0.0005, 0.2 - 0.00004))),
    (26, 2): T(num(t(0.1 - 0.0005, 0.2 - 0.00004), t(0.0995, 0.19996))),
    (27, 0): T(lambda N: (D2(N), (Yh(N) - Y(N)) * N.fprime(2)[0, 0])),
    # δ_{k+1} W_{k+1}^T: (1 × 1)(2 × 1) for k = 1: no product is formed
    (28, 0): F(lambda N: (D1(N), (N.dL(N.z[2]) @ N.W[2].T) * N.fprime(1))),
    # for k = 1 the transpose of the gradient of W_1 (z_1 = X W_1)
    (29, 0): F(lambda N: (N.dL(N.W[1]).T, torch.outer(D1(N), X(N)))),
    (30, 0): T(lambda N: (N.dL(N.b[1]), D1(N))),
}
