"""Key of ng-batch-zh-notes.md: Ng's layers [l] (W^{[l]} into layer l), g^{[l]} the activation of
layer l, d… the derivative of one example's loss; capitals are batch matrices with the m examples
as columns (the transpose of the evaluator's (n, width) arrays); dW, db of the batch are those of
the mean cost J.  Layer l = 2 of a depth-4 network."""

from evaluator import D, F, Setup, T, outer, sig_p  # noqa: F401

SETUP = Setup()
DIRECTIVE = None
l = 2


def cols(t):
    """A batch matrix with the examples as columns."""
    return t.T


KEY = {
    (1, 0): D(lambda N: (N.z[l], N.a[l - 1] @ N.W[l].T + N.b[l])),
    (1, 1): D(lambda N: (N.a[l], N.f[l](N.z[l]))),
    (2, 0): D(lambda N: (cols(N.z[l]), N.W[l] @ cols(N.a[l - 1]) + N.b[l][:, None])),
    (2, 1): D(lambda N: (cols(N.a[l]), N.f[l](cols(N.z[l])))),
    (3, 0): T(lambda N: (N.dLi(N.z[l]), N.dLi(N.a[l]) * sig_p(N, l))),
    # dW = dz · a^{[l-1]}: a column times a column (the transpose left out): no shape fits
    (3, 1): F(lambda N: (N.dLi_param(N.W[l]), N.dLi(N.z[l])[:, :, None] @ N.a[l - 1][:, :, None])),
    (3, 2): T(lambda N: (N.dLi_param(N.b[l]), N.dLi(N.z[l]))),
    (3, 3): T(lambda N: (N.dLi(N.a[l - 1]), N.dLi(N.z[l]) @ N.W[l])),
    (4, 0): T(lambda N: (cols(N.dLi(N.z[l])), cols(N.dLi(N.a[l])) * cols(sig_p(N, l)))),
    # (1/m) dZ · A^{[l-1]}: (n_l × m)(n_{l-1} × m), the transpose left out
    (4, 1): F(lambda N: (N.dL(N.W[l]), cols(N.dLi(N.z[l])) @ cols(N.a[l - 1]) / N.n)),
    (4, 2): T(lambda N: (N.dL(N.b[l]), N.dLi(N.z[l]).mean(0))),  # 1/m np.sum(dZ, axis=1)
    (4, 3): T(lambda N: (cols(N.dLi(N.a[l - 1])), N.W[l].T @ cols(N.dLi(N.z[l])))),
}
