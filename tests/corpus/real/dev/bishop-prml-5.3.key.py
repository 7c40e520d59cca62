"""Key of bishop-prml-5.3.tex: Bishop's indices i, j, k at layers L-2, L-1, L of a depth-3
network, a the pre-activations, z the activations; his section 5.3.2 network: tanh hidden units,
linear outputs, sum-of-squares error of one example E_n; biases absorbed into the weights (5.48)."""

from evaluator import D, Setup, T, outer, torch

SETUP = Setup(depth=3, act="tanh", out="identity", bias=False)
DIRECTIVE = (
    "% derivator: loss=mse activation=tanh output-activation=identity "
    "letters=activation:z,preactivation:a,function:h,output:y,target:t layer-tags=none "
    "index-layers=i:L-2,j:L-1,k:L"
)
DIRECTIVE_BEFORE = 17
K, J_, I_ = 3, 2, 1


def _jw(N):
    """∂a_j/∂w_ji per sample: (n, j, i)."""
    return torch.einsum("ijjk->ijk", N.jac_param(N.z[J_], N.W[J_]))


KEY = {
    (1, 0): D(lambda N: (N.z[J_], N.a[I_] @ N.W[J_].T)),  # (5.48)
    (2, 0): D(lambda N: (N.a[J_], torch.tanh(N.z[J_]))),  # (5.49)
    (3, 0): T(lambda N: (N.dLi_param(N.W[J_]), N.dLi(N.z[J_])[:, :, None] * _jw(N))),  # (5.50)
    (4, 0): D(lambda N: (N.dLi(N.z[J_]), N.dLi(N.z[J_]))),  # (5.51)
    (5, 0): T(lambda N: (_jw(N), N.a[I_][:, None, :].expand(-1, N.widths[J_], -1))),  # (5.52)
    (6, 0): T(lambda N: (N.dLi_param(N.W[J_]), outer(N.dLi(N.z[J_]), N.a[I_]))),  # (5.53)
    (7, 0): T(lambda N: (N.dLi(N.z[K]), N.a[K] - N.y)),  # (5.54)
    (8, 0): D(lambda N: (N.dLi(N.z[J_]), N.dLi(N.z[J_]))),  # (5.55)
    (8, 1): T(
        lambda N: (
            N.dLi(N.z[J_]),
            torch.einsum("ik,ikj->ij", N.dLi(N.z[K]), N.jac(N.z[K], N.z[J_])),
        )
    ),
    (9, 0): T(lambda N: (N.dLi(N.z[J_]), N.fprime(J_) * (N.dLi(N.z[K]) @ N.W[K]))),  # (5.56)
    (10, 0): D(lambda N: (N.Li, 0.5 * ((N.a[K] - N.y) ** 2).sum(1))),  # (5.57)
    (11, 0): D(lambda N: (N.a[K], N.z[K])),  # (5.58)
    (12, 0): T(lambda N: (N.dLi(N.z[J_]), (1 - N.a[J_] ** 2) * (N.dLi(N.z[K]) @ N.W[K]))),  # (5.65)
}
