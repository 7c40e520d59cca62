"""Key of liangguangyii-dl-notes.md, in the convention of Ng's course that the notes follow: samples
are columns, dZ, dA the per-example derivatives of the loss stacked as columns, dW, dB the
derivatives of the cost (the mean of the m losses), so the 1/m appears once, in dW and dB; "×" in
dZ is the element-wise product.  g is an unspecified activation (generic here), the loss of one
example of no special form; layers 0 … 3 with l = 2.  The single node z = wᵀx + b is a one-unit
layer (its own setup)."""

import torch
from evaluator import D, Setup, T


def _loss(a, y):
    return (torch.log(torch.cosh(a - y)) + 0.2 * a * torch.sin(y)).sum(1)


SETUP = Setup(depth=3, act="generic", loss=_loss, total="mean")
NODE = Setup(depth=1, act="generic", widths=(None, 1), loss=_loss, total="mean")
DIRECTIVE = (
    "<!-- derivator: activation=generic samples=none batch=columns "
    "letters=activation:A,preactivation:Z,weight:W,bias:B,function:g -->"
)
l = 2
cols = lambda t: t.T

KEY = {
    (1, 0): D(lambda N: (N.z[1], N.a[0] @ N.W[1].T + N.b[1]), setup=NODE),
    (1, 1): D(lambda N: (N.a[1], N.f[1](N.z[1])), setup=NODE),
    (2, 0): D(lambda N: (cols(N.z[l]), N.W[l] @ cols(N.a[l - 1]) + N.b[l][:, None])),
    (2, 1): D(lambda N: (cols(N.a[l]), cols(N.f[l](N.z[l])))),
    (3, 0): T(lambda N: (cols(N.dLi(N.z[l])), cols(N.dLi(N.a[l]) * N.fprime(l)))),
    (4, 0): T(lambda N: (N.dL(N.W[l]), cols(N.dLi(N.z[l])) @ N.a[l - 1] / N.n)),
    (5, 0): T(lambda N: (N.dL(N.b[l]), cols(N.dLi(N.z[l])).sum(1) / N.n)),
    (6, 0): T(lambda N: (cols(N.dLi(N.a[l - 1])), N.W[l].T @ cols(N.dLi(N.z[l])))),
}
