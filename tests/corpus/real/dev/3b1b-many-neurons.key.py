"""Key of 3b1b-many-neurons.md."""

from evaluator import D, F, S, Setup, T, outer, sig_p, torch  # noqa: F401

SETUP = Setup(depth=2, loss="sse")
DIRECTIVE = None
L1 = 2

KEY = {
    # C_0 = \sum_{j=0}^{n_L - 1} (a^{(L)}_j - y_j)^2
    (1, 0): D(lambda N: (N.Li, ((N.a[L1] - N.y) ** 2).sum(1))),
    # a^{(L)}_j = \sigma(z^{(L)}_j)
    (2, 0): D(lambda N: (N.a[L1], torch.sigmoid(N.z[L1]))),
    # \frac{\partial C_0}{\partial w^{(L)}_{jk}} = \frac{\partial z^{(L)}_j}{\partial w^{(L)}_{jk}} \frac{\partial a^{(L)}_j}{\partial z^{(L)}_j} \frac{\par
    (3, 0): T(
        lambda N: (
            N.dLi_param(N.W[L1]),
            torch.einsum(
                "ijjk,ij,ij->ijk", N.jac_param(N.z[L1], N.W[L1]), sig_p(N, L1), N.dLi(N.a[L1])
            ),
        )
    ),
    # \frac{\partial C_0}{\partial a^{(L-1)}_k} = \sum_{j=0}^{n_L - 1} \frac{\partial z^{(L)}_j}{\partial a^{(L-1)}_k} \frac{\partial a^{(L)}_j}{\partial z^
    (4, 0): T(
        lambda N: (
            N.dLi(N.a[L1 - 1]),
            torch.einsum(
                "ijk,ij,ij->ik", N.jac(N.z[L1], N.a[L1 - 1]), sig_p(N, L1), N.dLi(N.a[L1])
            ),
        )
    ),
}
