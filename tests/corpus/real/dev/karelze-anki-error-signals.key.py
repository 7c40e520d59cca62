"""Key of karelze-anki-error-signals.md: one logistic unit (every width 1), ℒ = ½ (y - t)² of one
example; v̄ = ∂ℒ/∂v (the card's error signals)."""

from evaluator import D, Setup, T

SETUP = Setup(depth=1, single=True, loss="mse", total="sum")
DIRECTIVE = (
    "<!-- derivator: network=single cost=\\mathcal{L} cost-is=sample "
    "letters=activation:y,target:t,input:x bar=gradient -->"
)

KEY = {
    (1, 0): D(lambda N: (N.z[1], N.a[0] * N.W[1][0, 0] + N.b[1])),
    (2, 0): D(lambda N: (N.a[1], N.f[1](N.z[1]))),
    (3, 0): D(lambda N: (N.Li, 0.5 * ((N.a[1] - N.y) ** 2).sum(1))),
    (4, 0): T(lambda N: (N.dLi(N.a[1]), N.a[1] - N.y)),
    (5, 0): T(lambda N: (N.dLi(N.z[1]), N.dLi(N.a[1]) * N.fprime(1))),
    (6, 0): T(lambda N: (N.dLi_param(N.W[1])[:, 0, 0], (N.dLi(N.z[1]) * N.a[0])[:, 0])),
    (7, 0): T(lambda N: (N.dLi_param(N.b[1])[:, 0], N.dLi(N.z[1])[:, 0])),
}
