"""Key of hjorth-jensen-msu.md: {\\cal C} one example's cost (½ Σ over the output nodes), t the
targets, y_i = a_i^L the outputs, f the sigmoid (the slides use f' = a(1-a)), w_{jk} from k to j.
Generic layer l = 2 of a depth-4 network, L = 4."""

from evaluator import D, Setup, T, outer, sig_p, torch

SETUP = Setup()
DIRECTIVE = "<!-- derivator: letters=function:f -->"
DIRECTIVE_BEFORE = 19
l, Lo = 2, 4


def _ajk(N, out, p):
    """∂out_{ij}/∂w^{(p)}_{jk} per sample: (n, j, k)."""
    return torch.einsum("ijjk->ijk", N.jac_param(out, N.W[p]))


def _s(N):
    return N.a[Lo] * (1 - N.a[Lo])


CHAIN = lambda N: torch.einsum("ik,ikj->ij", N.dLi(N.z[l + 1]), N.jac(N.z[l + 1], N.z[l]))
HALF = lambda N: 0.5 * ((N.a[Lo] - N.y) ** 2).sum(1)

KEY = {
    (1, 0): D(lambda N: (N.Li, HALF(N))),  # Σ_{i=1}^n over the output nodes
    (1, 1): T(lambda N: (HALF(N), HALF(N))),
    (2, 0): T(lambda N: (N.dLi_param(N.W[Lo]), (N.a[Lo] - N.y)[:, :, None] * _ajk(N, N.a[Lo], Lo))),
    (3, 0): T(lambda N: (_ajk(N, N.a[Lo], Lo), sig_p(N, Lo)[:, :, None] * _ajk(N, N.z[Lo], Lo))),
    (3, 1): T(
        lambda N: (sig_p(N, Lo)[:, :, None] * _ajk(N, N.z[Lo], Lo), outer(_s(N), N.a[Lo - 1]))
    ),
    (4, 0): T(lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] - N.y) * _s(N), N.a[Lo - 1]))),
    (5, 0): T(lambda N: (N.dLi(N.z[Lo]), _s(N) * (N.a[Lo] - N.y))),
    (5, 1): T(lambda N: (_s(N) * (N.a[Lo] - N.y), sig_p(N, Lo) * N.dLi(N.a[Lo]))),
    (6, 0): T(lambda N: (N.dLi(N.z[Lo]), sig_p(N, Lo) * N.dLi(N.a[Lo]))),
    (7, 0): T(lambda N: (N.dLi_param(N.W[Lo]), outer(N.dLi(N.z[Lo]), N.a[Lo - 1]))),
    (8, 0): D(lambda N: (N.dLi(N.z[l]), N.dLi(N.z[l]))),
    (9, 0): T(lambda N: (N.dLi(N.z[l]), CHAIN(N))),
    (9, 1): T(lambda N: (CHAIN(N), CHAIN(N))),
    # slide 29 recalls the forward pass with the indices of w swapped and a_j for a_i: the sum
    # over i of w_ij a_j cannot be formed when layers l and l+1 differ in width
    (10, 0): D(None, why="Σ_i w_ij a_j: the forward pass with its indices swapped"),
    (11, 0): T(lambda N: (N.dLi(N.z[l]), (N.dLi(N.z[l + 1]) @ N.W[l + 1]) * sig_p(N, l))),
}
