"""Key of pumpkin-book-5.12-5.14.md: 周志华's BP network: x_i → b_h = f(α_h - γ_h), α_h = Σ_i v_ih x_i
→ ŷ_j = f(β_j - θ_j), β_j = Σ_h w_hj b_h; thresholds subtracted (θ = -bias), weights from i to h and
from h to j, f the sigmoid, E_k = ½ Σ_j (ŷ_j - y_j)² one example's error; g_j = (y_j - ŷ_j)ŷ_j(1 - ŷ_j),
e_h = b_h(1 - b_h) Σ_j w_hj g_j (the book's 5.10, 5.15).  Arrays per sample: [s, j], [s, h], [s, i, h]."""

from evaluator import D, S, Setup, T

SETUP = Setup(depth=2)
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: weights=from-to cost-is=sample -->"
)
ETA = 0.37


def q(N):
    """The quantities of the derivation, per sample."""
    if "q" in N.memo:
        return N.memo["q"]
    x, b, yh, y = N.a[0], N.a[1], N.a[2], N.y
    W2 = N.W[2]  # [j, h] = w_hj
    fp2, fp1 = N.fprime(2), N.fprime(1)
    g = (y - yh) * yh * (1 - yh)
    e = b * (1 - b) * (g @ W2)
    dEdy = N.dLi(N.a[2])
    out = {
        "x": x,
        "b": b,
        "yh": yh,
        "y": y,
        "W2": W2,
        "fp2": fp2,
        "fp1": fp1,
        "g": g,
        "e": e,
        "dEdy": dEdy,
        "dE_dtheta": -N.dLi_param(N.b[2]),
        "dE_dv": N.dLi_param(N.W[1]).permute(0, 2, 1),
        "dE_dgamma": -N.dLi_param(N.b[1]),
        "back": (dEdy * fp2) @ W2,  # Σ_j ∂E/∂ŷ_j ∂ŷ_j/∂β_j ∂β_j/∂b_h: [s, h]
    }
    N.memo["q"] = out
    return out


def ih(N, t):
    """t[s, h] x[s, i] → [s, i, h]."""
    return q(N)["x"][:, :, None] * t[:, None, :]


THETA = [  # the members of the chain of 5.12, each as the author writes it
    lambda N: q(N)["dE_dtheta"],
    lambda N: q(N)["dEdy"] * -q(N)["fp2"],
    lambda N: q(N)["dEdy"] * -q(N)["fp2"],
    lambda N: q(N)["dEdy"] * q(N)["fp2"] * (-1),
    lambda N: q(N)["dEdy"] * q(N)["yh"] * (1 - q(N)["yh"]) * (-1),
    lambda N: q(N)["dEdy"] * q(N)["yh"] * (1 - q(N)["yh"]) * (-1),
    lambda N: (q(N)["yh"] - q(N)["y"]) * q(N)["yh"] * (1 - q(N)["yh"]) * (-1),
    lambda N: 0.5 * 2 * (q(N)["yh"] - q(N)["y"]) * 1 * q(N)["yh"] * (1 - q(N)["yh"]) * (-1),
    lambda N: (q(N)["y"] - q(N)["yh"]) * q(N)["yh"] * (1 - q(N)["yh"]),
    lambda N: q(N)["g"],
]
V = [  # 5.13
    lambda N: q(N)["dE_dv"],
    lambda N: ih(N, q(N)["back"] * q(N)["fp1"]),
    lambda N: ih(N, q(N)["back"] * q(N)["fp1"]),
    lambda N: ih(N, q(N)["back"] * q(N)["fp1"]),
    lambda N: ih(N, q(N)["back"] * q(N)["fp1"]),
    lambda N: ih(N, (-q(N)["g"] @ q(N)["W2"]) * q(N)["fp1"]),
    lambda N: ih(N, -q(N)["fp1"] * (q(N)["g"] @ q(N)["W2"])),
    lambda N: ih(N, -q(N)["b"] * (1 - q(N)["b"]) * (q(N)["g"] @ q(N)["W2"])),
    lambda N: ih(N, -q(N)["e"]),
]
GAMMA = [  # 5.14
    lambda N: q(N)["dE_dgamma"],
    lambda N: q(N)["back"] * -q(N)["fp1"],
    lambda N: q(N)["back"] * q(N)["fp1"] * (-1),
    lambda N: -q(N)["back"] * q(N)["fp1"],
    lambda N: -q(N)["back"] * q(N)["b"] * (1 - q(N)["b"]),
    lambda N: (q(N)["g"] @ q(N)["W2"]) * q(N)["b"] * (1 - q(N)["b"]),
    lambda N: q(N)["e"],
]


def chain(members, k):
    return lambda N: (members[k](N), members[k + 1](N))


KEY = {
    (1, 0): S("update rule"),
    (2, 0): S("update rule"),
    **{(3, k): T(chain(THETA, k)) for k in range(8)},
    (3, 8): D(chain(THETA, 8)),  # names g_j
    (4, 0): S("update rule"),
    (4, 1): T(lambda N: (-ETA * q(N)["dE_dtheta"], -ETA * q(N)["g"])),
    (5, 0): S("update rule"),
    (6, 0): S("update rule"),
    **{(7, k): T(chain(V, k)) for k in range(7)},
    (7, 7): D(chain(V, 7)),  # names e_h
    (8, 0): S("update rule"),
    (8, 1): T(lambda N: (-ETA * q(N)["dE_dv"], ETA * ih(N, q(N)["e"]))),
    (9, 0): S("update rule"),
    (10, 0): S("update rule"),
    **{(11, k): T(chain(GAMMA, k)) for k in range(6)},
    (12, 0): S("update rule"),
    (12, 1): T(lambda N: (-ETA * q(N)["dE_dgamma"], -ETA * q(N)["e"])),
}
