"""Key of ml-glossary-backprop.md: a toy network of one neuron per layer, ReLU R, no biases, the
squared error with ½ of one example; C'(v) is ∂C/∂v.  Relations of the composed functions f = A∘B∘C
are checked on a grid with A = sin, B = exp(0.3·), C = tanh."""

import torch
from evaluator import GRID, D, S, Setup, T, d_dx

SETUP = Setup(depth=2, single=True, act="relu", bias=False)
NEURON = Setup(depth=1, single=True, act="relu", bias=False)  # "a single neuron"
DEEP = Setup(depth=11, single=True, act="relu", bias=False)  # 10 hidden layers
DIRECTIVE = (  # from the notation the document states
    "<!-- derivator: network=single activation=relu -->"
)

A, B, Cf = torch.sin, (lambda t: torch.exp(0.3 * t)), torch.tanh
x = GRID
Cx, BCx = Cf(x), B(Cf(x))


def relu_p(N, p):
    return N.fprime(p)[:, 0]


def s(t):
    return t[:, 0]


X = lambda N: s(N.a[0])
H = lambda N: s(N.a[1])
Yh = lambda N: s(N.a[-1])
Wo = lambda N: N.W[2][0, 0]
err = lambda N: Yh(N) - s(N.y)
E_o = lambda N: err(N) * relu_p(N, 2)
dW = lambda N, p: N.dLi_param(N.W[p])[:, 0, 0]


def deep_chain(N):
    out = err(N) * relu_p(N, 11)
    for p in range(10, 0, -1):
        out = out * N.W[p + 1][0, 0] * relu_p(N, p)
    return out * X(N)


KEY = {
    (1, 0): D(),
    (2, 0): T(lambda N: (d_dx(lambda t: A(B(Cf(t)))), 1 * d_dx(A, BCx) * d_dx(B, Cx) * d_dx(Cf))),
    (3, 0): T(lambda N: (d_dx(A, BCx), 1 * d_dx(A, BCx))),  # ∂f/∂B = f'(A) A'(B), f'(A) = 1
    (4, 0): D(lambda N: (N.Li, 0.5 * (Yh(N) - s(N.y)) ** 2), NEURON),
    (5, 0): T(lambda N: (dW(N, 1), s(N.dLi(N.a[1])) * relu_p(N, 1) * X(N)), NEURON),
    (5, 1): T(
        lambda N: (s(N.dLi(N.a[1])) * relu_p(N, 1) * X(N), err(N) * relu_p(N, 1) * X(N)), NEURON
    ),
    (6, 0): T(lambda N: (dW(N, 2), s(N.dLi(N.a[2])) * relu_p(N, 2) * H(N))),
    (6, 1): T(lambda N: (s(N.dLi(N.a[2])) * relu_p(N, 2) * H(N), err(N) * relu_p(N, 2) * H(N))),
    (7, 0): T(lambda N: (dW(N, 1), s(N.dLi(N.a[2])) * relu_p(N, 2) * Wo(N) * relu_p(N, 1) * X(N))),
    (7, 1): T(
        lambda N: (
            s(N.dLi(N.a[2])) * relu_p(N, 2) * Wo(N) * relu_p(N, 1) * X(N),
            err(N) * relu_p(N, 2) * Wo(N) * relu_p(N, 1) * X(N),
        )
    ),
    (8, 0): T(lambda N: (dW(N, 1), deep_chain(N)), DEEP),
    (9, 0): T(lambda N: (s(N.dLi(N.z[2])), E_o(N))),
    (10, 0): D(lambda N: (E_o(N), err(N) * relu_p(N, 2))),  # names E_o
    (11, 0): T(lambda N: (s(N.dLi(N.z[1])), err(N) * relu_p(N, 2) * Wo(N) * relu_p(N, 1))),
    (12, 0): D(lambda N: (s(N.dLi(N.z[1])), E_o(N) * Wo(N) * relu_p(N, 1))),  # names E_h
    (13, 0): T(lambda N: (dW(N, 2), err(N) * relu_p(N, 2) * H(N))),
    (14, 0): T(lambda N: (dW(N, 2), E_o(N) * H(N))),
    (15, 0): S("a rule in words"),
}
