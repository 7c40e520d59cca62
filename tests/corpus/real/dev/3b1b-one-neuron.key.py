"""Key of 3b1b-one-neuron.md."""

from evaluator import D, F, S, Setup, T, outer, sig_p, torch  # noqa: F401

SETUP = Setup(depth=2, single=True, loss="sse")
DIRECTIVE = "<!-- derivator: network=single -->"
DIRECTIVE_BEFORE = 12
L1 = 2

KEY = {
    # C_0 = (a^{(L)} - y)^2
    (1, 0): D(lambda N: (N.Li, ((N.a[L1] - N.y) ** 2).sum(1))),
    # z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}
    (2, 0): D(lambda N: (N.z[L1], N.W[L1][0, 0] * N.a[L1 - 1] + N.b[L1][0])),
    # a^{(L)} = \sigma(z^{(L)})
    (3, 0): D(lambda N: (N.a[L1], torch.sigmoid(N.z[L1]))),
    # \frac{\partial C_0}{\partial w^{(L)}} = \frac{\partial z^{(L)}}{\partial w^{(L)}} \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\parti
    (4, 0): T(
        lambda N: (
            N.dLi_param(N.W[L1])[:, 0, 0],
            N.jac_param(N.z[L1], N.W[L1])[:, 0, 0, 0] * sig_p(N, L1)[:, 0] * N.dLi(N.a[L1])[:, 0],
        )
    ),
    # \frac{\partial C_0}{\partial a^{(L)}} = 2(a^{(L)} - y)
    (5, 0): T(lambda N: (N.dLi(N.a[L1]), 2 * (N.a[L1] - N.y))),
    # \frac{\partial a^{(L)}}{\partial z^{(L)}} = \sigma'(z^{(L)})
    (6, 0): T(lambda N: (N.jac(N.a[L1], N.z[L1])[:, 0, 0], sig_p(N, L1)[:, 0])),
    # \frac{\partial z^{(L)}}{\partial w^{(L)}} = a^{(L-1)}
    (7, 0): T(lambda N: (N.jac_param(N.z[L1], N.W[L1])[:, 0, 0, 0], N.a[L1 - 1][:, 0])),
    # \frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)
    (8, 0): T(
        lambda N: (
            N.dLi_param(N.W[L1])[:, 0, 0],
            N.a[L1 - 1][:, 0] * sig_p(N, L1)[:, 0] * 2 * (N.a[L1] - N.y)[:, 0],
        )
    ),
    # \frac{\partial C}{\partial w^{(L)}} = \frac{1}{n} \sum_{k=0}^{n-1} \frac{\partial C_k}{\partial w^{(L)}}
    (9, 0): T(lambda N: (N.grad(N.L, N.W[L1]), N.dLi_param(N.W[L1]).mean(0))),
    # \frac{\partial C_0}{\partial b^{(L)}} = \frac{\partial z^{(L)}}{\partial b^{(L)}} \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\parti
    (10, 0): T(
        lambda N: (
            N.dLi_param(N.b[L1])[:, 0],
            N.jac_param(N.z[L1], N.b[L1])[:, 0, 0] * sig_p(N, L1)[:, 0] * N.dLi(N.a[L1])[:, 0],
        )
    ),
    # \frac{\partial z^{(L)}}{\partial b^{(L)}} \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\partial a^{(L)}} = 1 \sigma'(z^{(L)}) 2(a^{(L
    (10, 1): T(
        lambda N: (
            N.jac_param(N.z[L1], N.b[L1])[:, 0, 0] * sig_p(N, L1)[:, 0] * N.dLi(N.a[L1])[:, 0],
            1 * sig_p(N, L1)[:, 0] * 2 * (N.a[L1] - N.y)[:, 0],
        )
    ),
    # \frac{\partial C_0}{\partial a^{(L-1)}} = \frac{\partial z^{(L)}}{\partial a^{(L-1)}} \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\p
    (11, 0): T(
        lambda N: (
            N.dLi(N.a[L1 - 1])[:, 0],
            N.jac(N.z[L1], N.a[L1 - 1])[:, 0, 0] * sig_p(N, L1)[:, 0] * N.dLi(N.a[L1])[:, 0],
        )
    ),
    # \frac{\partial z^{(L)}}{\partial a^{(L-1)}} \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\partial a^{(L)}} = w^{(L)} \sigma'(z^{(L)})
    (11, 1): T(
        lambda N: (
            N.jac(N.z[L1], N.a[L1 - 1])[:, 0, 0] * sig_p(N, L1)[:, 0] * N.dLi(N.a[L1])[:, 0],
            N.W[L1][0, 0] * sig_p(N, L1)[:, 0] * 2 * (N.a[L1] - N.y)[:, 0],
        )
    ),
}
