"""Key of ng-deep-learning.md: Ng's layers [1], [2] and the generic [l]; d… the derivative of one
example's loss.  The first forward pass is the course's first network (σ in both layers); from
week 3 on: tanh hidden units, one sigmoid output under the logistic loss (dz^{[2]} = a^{[2]} - y is
the output of that two-layer network)."""

from evaluator import D, Setup, T, outer, sig_p, torch

FIRST = Setup(depth=3)
SETUP = Setup(depth=3, act="tanh", out="sigmoid", loss="binary-cross-entropy")
OUTPUT = Setup(depth=2, act="tanh", out="sigmoid", loss="binary-cross-entropy")
DIRECTIVE = (
    "<!-- derivator: activation=tanh output-activation=sigmoid loss=binary-cross-entropy -->"
)
DIRECTIVE_BEFORE = 26
l = 2

KEY = {
    (1, 0): D(lambda N: (N.z[1], N.a[0] @ N.W[1].T + N.b[1]), FIRST),
    (2, 0): D(lambda N: (N.a[1], torch.sigmoid(N.z[1])), FIRST),
    (3, 0): D(lambda N: (N.a[0], N.a[0]), FIRST),
    (4, 0): D(lambda N: (N.a[1], torch.tanh(N.z[1]))),
    (5, 0): T(lambda N: (N.dLi(N.z[2]), N.a[2] - N.y), OUTPUT),
    (6, 0): T(lambda N: (N.dLi_param(N.W[2]), outer(N.dLi(N.z[2]), N.a[1]))),
    (7, 0): T(lambda N: (N.dLi_param(N.b[2]), N.dLi(N.z[2]))),
    (8, 0): T(lambda N: (N.dLi(N.z[1]), (N.dLi(N.z[2]) @ N.W[2]) * sig_p(N, 1))),
    (9, 0): T(lambda N: (N.dLi_param(N.W[1]), outer(N.dLi(N.z[1]), N.a[0]))),
    (10, 0): D(lambda N: (N.z[l], N.a[l - 1] @ N.W[l].T + N.b[l])),
    (11, 0): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (12, 0): T(lambda N: (N.dLi(N.z[l]), N.dLi(N.a[l]) * sig_p(N, l))),
    (13, 0): T(lambda N: (N.dLi_param(N.W[l]), outer(N.dLi(N.z[l]), N.a[l - 1]))),
    (14, 0): T(lambda N: (N.dLi_param(N.b[l]), N.dLi(N.z[l]))),
    (15, 0): T(lambda N: (N.dLi(N.a[l - 1]), N.dLi(N.z[l]) @ N.W[l])),
    (16, 0): T(lambda N: (N.dLi(N.z[l]), (N.dLi(N.z[l + 1]) @ N.W[l + 1]) * sig_p(N, l))),
}
