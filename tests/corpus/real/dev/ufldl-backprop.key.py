"""Key of ufldl-backprop.md: UFLDL's W^{(l)}, b^{(l)} feed layer l+1 (W_ij from unit j to unit i),
f the sigmoid (the implementation note), n_l the output layer, J(W,b;x,y) one example's cost with
½.  Layer l = 2 of a depth-4 network, n_l = 4."""

from evaluator import D, S, Setup, T, outer, sig_p, torch

SETUP = Setup()
DIRECTIVE = None
l, Lo = 2, 4

FORWARD_Z = lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])
FORWARD_A = lambda N: (N.a[l + 1], torch.sigmoid(N.z[l + 1]))
OUT = lambda N: (N.dLi(N.z[Lo]), -(N.y - N.a[Lo]) * sig_p(N, Lo))
HIDDEN = lambda N: (N.dLi(N.z[l]), (N.dLi(N.z[l + 1]) @ N.W[l + 1]) * sig_p(N, l))
GRAD_W = lambda N: (N.dLi_param(N.W[l + 1]), outer(N.dLi(N.z[l + 1]), N.a[l]))
GRAD_B = lambda N: (N.dLi_param(N.b[l + 1]), N.dLi(N.z[l + 1]))

KEY = {
    (1, 0): D(FORWARD_Z),
    (2, 0): D(FORWARD_A),
    (3, 0): D(lambda N: (N.Li, 0.5 * ((N.a[Lo] - N.y) ** 2).sum(1))),
    (4, 0): D(lambda N: (N.dLi(N.z[Lo]), N.dLi(N.z[Lo]))),  # δ at the output, as a partial
    (4, 1): T(OUT),
    (5, 0): T(HIDDEN),
    (6, 0): T(GRAD_W),
    (6, 1): T(GRAD_B),
    (7, 0): T(OUT),
    (8, 0): T(HIDDEN),
    (9, 0): T(GRAD_W),
    (9, 1): T(GRAD_B),
    (10, 0): S("update rule"),
    (11, 0): S("update rule"),
    (11, 1): S("update rule"),
    (12, 0): T(lambda N: (sig_p(N, l), N.a[l] * (1 - N.a[l]))),
}
