"""Key of nielsen-ch2.md: Nielsen's network (w^l_{jk} from k in layer l-1 to j in layer l, sigmoid,
C first the mean quadratic cost with ½ (26), then one example's cost (27), which governs the rest).
Generic layer l = 2 of a depth-4 network, output L = 4."""

from evaluator import D, F, S, Setup, T, diag_times, outer, sig_p, torch  # noqa: F401

SETUP = Setup()
DIRECTIVE = "<!-- derivator: cost-is=sample -->"
DIRECTIVE_BEFORE = 40
l, Lo = 2, 4

FORWARD = lambda N: (N.a[l], torch.sigmoid(N.a[l - 1] @ N.W[l].T + N.b[l]))
HALF_SQ = lambda N: (N.Li, 0.5 * ((N.y - N.a[Lo]) ** 2).sum(1))
BP1 = lambda N: (N.dLi(N.z[Lo]), N.dLi(N.a[Lo]) * sig_p(N, Lo))
BP2 = lambda N: (N.dLi(N.z[l]), (N.dLi(N.z[l + 1]) @ N.W[l + 1]) * sig_p(N, l))
CHAIN = lambda N: torch.einsum("ik,ikj->ij", N.dLi(N.z[l + 1]), N.jac(N.z[l + 1], N.z[l]))
BP4 = lambda N: (N.dLi_param(N.W[l]), outer(N.dLi(N.z[l]), N.a[l - 1]))
DELTA = lambda p: lambda N: (N.dLi(N.z[p]), N.dLi(N.z[p]))

KEY = {
    (1, 0): D(FORWARD),  # (23)
    (2, 0): D(FORWARD),  # (25)
    (3, 0): D(lambda N: (N.L, (0.5 * ((N.y - N.a[Lo]) ** 2).sum(1)).mean())),  # (26) the mean
    (4, 0): T(lambda N: (N.L, HALF_SQ(N)[1].mean())),  # C = 1/n Σ_x C_x, C_x as (5) defines it
    (5, 0): D(HALF_SQ),  # C_x
    (6, 0): D(HALF_SQ),  # (27): C now one example's cost (the book says so in words)
    (6, 1): T(lambda N: (HALF_SQ(N)[1], 0.5 * ((N.y - N.a[Lo]) ** 2).sum(1))),
    (7, 0): D(DELTA(l)),  # (29) δ ≡ ∂C/∂z
    (8, 0): T(BP1),
    (9, 0): T(BP1),
    (10, 0): T(lambda N: (N.dLi(N.a[Lo]), N.a[Lo] - N.y)),
    (11, 0): T(lambda N: (N.dLi(N.z[Lo]), (N.a[Lo] - N.y) * sig_p(N, Lo))),  # (30)
    (12, 0): T(BP2),
    (13, 0): T(lambda N: (N.dLi_param(N.b[l]), N.dLi(N.z[l]))),  # (BP3)
    (14, 0): T(lambda N: (N.dLi_param(N.b[l]), N.dLi(N.z[l]))),  # (31) of one neuron
    (15, 0): T(BP4),
    (16, 0): T(BP4),  # (32) w from neuron "in" to neuron "out"
    (17, 0): T(lambda N: (N.dLi(N.z[Lo]), diag_times(sig_p(N, Lo), N.dLi(N.a[Lo])))),  # (33)
    (18, 0): T(lambda N: (N.dLi(N.z[l]), diag_times(sig_p(N, l), N.dLi(N.z[l + 1]) @ N.W[l + 1]))),
    (19, 0): D(DELTA(Lo)),  # (36) the definition at layer L
    (20, 0): T(
        lambda N: (
            N.dLi(N.z[Lo]),
            torch.einsum("ik,ikj->ij", N.dLi(N.a[Lo]), N.jac(N.a[Lo], N.z[Lo])),
        )
    ),  # (37)
    (21, 0): T(
        lambda N: (
            N.dLi(N.z[Lo]),
            N.dLi(N.a[Lo]) * torch.diagonal(N.jac(N.a[Lo], N.z[Lo]), 0, 1, 2),
        )
    ),  # (38)
    (22, 0): T(BP1),  # (39)
    (23, 0): D(DELTA(l)),  # (40)
    (23, 1): T(lambda N: (N.dLi(N.z[l]), CHAIN(N))),  # (41)
    (23, 2): T(
        lambda N: (
            CHAIN(N),
            torch.einsum("ikj,ik->ij", N.jac(N.z[l + 1], N.z[l]), N.dLi(N.z[l + 1])),
        )
    ),  # (42)
    (24, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),  # (43)
    (24, 1): T(
        lambda N: (
            N.a[l] @ N.W[l + 1].T + N.b[l + 1],
            torch.sigmoid(N.z[l]) @ N.W[l + 1].T + N.b[l + 1],
        )
    ),
    (25, 0): T(lambda N: (N.jac(N.z[l + 1], N.z[l]), N.W[l + 1][None] * sig_p(N, l)[:, None, :])),
    (26, 0): T(BP2),  # (45)
}
