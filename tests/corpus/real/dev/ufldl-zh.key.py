"""Key of ufldl-zh.md: the network of ufldl-backprop.key.py (the same tutorial in Chinese)."""

from evaluator import D, Setup, T, outer, sig_p, torch

SETUP = Setup()
DIRECTIVE = None
l, Lo = 2, 4

OUT = lambda N: (N.dLi(N.z[Lo]), -(N.y - N.a[Lo]) * sig_p(N, Lo))
HIDDEN = lambda N: (N.dLi(N.z[l]), (N.dLi(N.z[l + 1]) @ N.W[l + 1]) * sig_p(N, l))
GRAD_W = lambda N: (N.dLi_param(N.W[l + 1]), outer(N.dLi(N.z[l + 1]), N.a[l]))
GRAD_B = lambda N: (N.dLi_param(N.b[l + 1]), N.dLi(N.z[l + 1]))

KEY = {
    (1, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),
    (1, 1): D(lambda N: (N.a[l + 1], torch.sigmoid(N.z[l + 1]))),
    (2, 0): D(lambda N: (N.dLi(N.z[Lo]), N.dLi(N.z[Lo]))),
    (2, 1): T(OUT),
    (3, 0): T(HIDDEN),
    (4, 0): T(GRAD_W),
    (4, 1): T(GRAD_B),
    (5, 0): T(HIDDEN),
    (5, 1): T(GRAD_W),
}
