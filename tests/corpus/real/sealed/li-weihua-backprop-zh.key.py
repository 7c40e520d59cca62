"""Key of li-weihua-backprop-zh.md: the weights and bias that feed layer l+1 carry the index of the
lower layer l (z^{l+1} = w^l a^l + b^l: w^l is the evaluator's W[l+1], b^l its b[l+1]); w^l_{jk}
runs from unit k of layer l to unit j of layer l+1 (as the forward sum has it; the prose says the
reverse).  σ is an unspecified activation (generic here), C one example's loss of no special form,
δ^l = ∂C/∂z^l.  Layers 0 … 3 with l = 1."""

import torch
from evaluator import D, F, Setup, T


def _loss(a, y):
    return (torch.log(torch.cosh(a - y)) + 0.3 * torch.sin(a) * y).sum(1)


SETUP = Setup(depth=3, act="generic", loss=_loss, total="sum")
DIRECTIVE = "<!-- derivator: weight-layer=out-of cost=C cost-is=sample activation=generic -->"
l = 1

dz = lambda N, p: N.dLi(N.z[p])  # δ^p, per sample
sp = lambda N, p: N.fprime(p)
outer = lambda u, v: u[:, :, None] * v[:, None, :]
delta_l = lambda N: (dz(N, l + 1) @ N.W[l + 1]) * sp(N, l)
_u, _v = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)

KEY = {
    (1, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),
    (1, 1): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (2, 0): D(lambda N: (N.z[l + 1], N.a[l] @ N.W[l + 1].T + N.b[l + 1])),
    (2, 1): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (3, 0): D(lambda N: (dz(N, l), dz(N, l))),
    (4, 0): D(lambda N: (_u * _v, _u * _v)),  # the notation ⊙, defined entrywise
    (5, 0): T(lambda N: (N.dLi_param(N.b[l + 1]), dz(N, l + 1))),
    # ∂C over z (no ∂ below the bar) is not a derivative: the author's slip, kept
    (5, 1): F(None, why="∂C/z^{l+1}_j without ∂ in the denominator"),
    (5, 2): F(None, why="∂C/z^{l+1}_j without ∂ in the denominator"),
    (6, 0): T(lambda N: (N.dLi_param(N.b[l + 1]), dz(N, l + 1))),
    (7, 0): T(lambda N: (N.dLi_param(N.W[l + 1]), outer(dz(N, l + 1), N.a[l]))),
    (7, 1): T(lambda N: (outer(dz(N, l + 1), N.a[l]), outer(dz(N, l + 1), N.a[l]))),
    (7, 2): T(lambda N: (outer(dz(N, l + 1), N.a[l]), outer(dz(N, l + 1), N.a[l]))),
    (8, 0): T(lambda N: (N.dLi_param(N.W[l + 1]), outer(dz(N, l + 1), N.a[l]))),
    (9, 0): T(lambda N: (dz(N, l), delta_l(N))),
    (9, 1): T(
        lambda N: (delta_l(N), torch.einsum("si,ij->sj", dz(N, l + 1), N.W[l + 1]) * sp(N, l))
    ),
    (10, 0): T(lambda N: (dz(N, l), delta_l(N))),
    # ∇_a C read off (10): the gradient with respect to a^l
    (11, 0): T(lambda N: (N.dLi(N.a[l]), dz(N, l + 1) @ N.W[l + 1])),
    (12, 0): D(lambda N: (dz(N, l), dz(N, l))),
    (12, 1): T(lambda N: (dz(N, l), N.dLi(N.z[l]))),
    (12, 2): T(lambda N: (N.dLi_param(N.W[l + 1]), outer(dz(N, l + 1), N.a[l]))),
    (12, 3): T(lambda N: (N.dLi_param(N.b[l + 1]), dz(N, l + 1))),
    (12, 4): T(lambda N: (dz(N, l), delta_l(N))),
}
