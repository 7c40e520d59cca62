"""Key of cs231n.md: σ on a grid; the class scores f are the pre-activations of one softmax layer,
p its probabilities, y_i the correct class of example i (one-hot targets in the evaluator)."""

from evaluator import GRID, D, Setup, T, torch

SETUP = Setup(depth=1, out="softmax", loss="cross-entropy", targets="one-hot")
DIRECTIVE = (
    "<!-- derivator: loss=cross-entropy letters=activation:p,preactivation:f layer-tags=none "
    "index-layers=j:L,k:L -->"
)
DIRECTIVE_BEFORE = 16
x = GRID
sx = torch.sigmoid(x)
ex = torch.exp(-x)

KEY = {
    (1, 0): T(lambda N: (sx, 1 / (1 + ex))),  # a formula for the standard σ: a claim
    (1, 1): T(lambda N: (sx * (1 - sx), ex / (1 + ex) ** 2)),
    (1, 2): T(lambda N: (ex / (1 + ex) ** 2, ((1 + ex - 1) / (1 + ex)) * (1 / (1 + ex)))),
    (1, 3): T(lambda N: (((1 + ex - 1) / (1 + ex)) * (1 / (1 + ex)), (1 - sx) * sx)),
    (2, 0): D(lambda N: (N.a[1], torch.exp(N.z[1]) / torch.exp(N.z[1]).sum(1, keepdim=True))),
    (2, 1): D(lambda N: (N.Li, -torch.log(N.a[1][torch.arange(N.n), N.label]))),
    (3, 0): T(lambda N: (N.dLi(N.z[1]), N.a[1] - N.y)),  # 𝟙(y_i = k) is the one-hot y_ik
}
