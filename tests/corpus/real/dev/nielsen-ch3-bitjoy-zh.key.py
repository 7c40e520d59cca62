"""Key of nielsen-ch3-bitjoy-zh.md: sigmoid outputs under the binary cross-entropy, C the mean over
the samples x (which a and y carry implicitly); δ^L one sample's ∂C_x/∂z^L."""

from evaluator import D, Setup, T, torch

SETUP = Setup(loss="binary-cross-entropy")
DIRECTIVE = None
Lo = 4

KEY = {
    (1, 0): D(
        lambda N: (
            N.L,
            -(N.y * torch.log(N.a[Lo]) + (1 - N.y) * torch.log(1 - N.a[Lo])).sum(1).mean(),
        )
    ),
    (2, 0): T(lambda N: (N.dLi(N.z[Lo]), N.a[Lo] - N.y)),
    (3, 0): T(lambda N: (N.dL(N.W[Lo]), (N.a[Lo] - N.y).T @ N.a[Lo - 1] / N.n)),
}
