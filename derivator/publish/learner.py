"""Code a learner reads: the article's network trained for a few steps in plain NumPy.

Next to the fast module ``derivator codegen`` writes (in place, overflow-safe, one function per
layer), this listing is written to be read: σ and σ′ as a textbook writes them, the forward pass
keeping every Z and A, and the four equations of the summary, each on its own line with its name
(BP1–BP4), in a loop that prints the loss after every step.  It runs as it stands (the tests run
it and compare its gradients with PyTorch's autograd).  The code is ASCII: LaTeX prints it
verbatim, where a σ has no glyph.

Why a template and not codegen: codegen's module is shaped by speed and safety (no temporary
arrays, clipped exponents); a learner needs the opposite, the formulas one to one.  The activation's
two lines come from :data:`ACTIVATIONS`, whose σ′ is the relation the article proves (``σ′ = σ(1 −
σ)`` …); the tests compare each σ′ with a difference quotient of its σ.
"""

from __future__ import annotations

from .listing import widths_for

#: σ(z) and σ′(z) as NumPy expressions of z (σ′ may call sigma(z))
ACTIVATIONS: dict[str, tuple[str, str]] = {
    "sigmoid": ("1 / (1 + np.exp(-z))", "sigma(z) * (1 - sigma(z))"),
    "tanh": ("np.tanh(z)", "1 - np.tanh(z) ** 2"),
    "relu": ("np.maximum(z, 0)", "(z > 0) * 1.0"),
    "softplus": ("np.log1p(np.exp(z))", "1 / (1 + np.exp(-z))"),
    "identity": ("z", "np.ones_like(z)"),
}

#: how many training steps the listing runs (and prints the loss of)
STEPS = 5

_HEAD = """import numpy as np


def sigma(z):  # the activation, sigma
    return {sigma}


def sigma_prime(z):  # its derivative, sigma prime
    return {prime}
"""

_SOFTMAX = """

def softmax(z):  # the output layer: each row positive, summing to 1
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""

_BODY = '''

def forward(W, B, X):
    """Every weighted input Z and activation A, layer by layer; A[0] is the input."""
    A, Z = [X], []
    for l, (Wl, Bl) in enumerate(zip(W, B)):
        Z.append(A[-1] @ Wl.T + Bl)
        A.append({output} if l == len(W) - 1 else sigma(Z[-1]))
    return Z, A


def loss(A, Y):
    return {loss}


def backward(W, Z, A, Y):
    """The gradients of every layer, from the output down: the four equations."""
    n = len(Y)
    Delta = {delta}  # BP1: the error of the output layer
    grads = []
    for l in reversed(range(len(W))):
        gradW = Delta.T @ A[l] / n  # BP4: the weights' gradient
        gradB = Delta.sum(axis=0) / n  # BP3: the biases' gradient
        grads.insert(0, (gradW, gradB))
        if l > 0:
            Delta = (Delta @ W[l]) * sigma_prime(Z[l - 1])  # BP2: one layer down
    return grads


rng = np.random.default_rng(0)
widths = {widths}  # input first
W = [rng.normal(0, 0.5, (m, k)) for k, m in zip(widths, widths[1:])]
B = [np.zeros(m) for m in widths[1:]]
X = rng.normal(size=(8, widths[0]))  # 8 samples, one per row
Y = {targets}
eta = 0.5  # the learning rate

for step in range({steps}):
    Z, A = forward(W, B, X)
    print(f"step {{step}}: loss {{loss(A, Y):.6f}}")
    for l, (gradW, gradB) in enumerate(backward(W, Z, A, Y)):
        W[l] -= eta * gradW
        B[l] -= eta * gradB
'''


def training_listing(activation: str, loss: str, back: int) -> str | None:
    """The listing for the article's network (widths as the generated module's), or None for the
    generic σ, which has no code."""
    if activation not in ACTIVATIONS:
        return None
    sigma, prime = ACTIVATIONS[activation]
    softmax = loss == "cross-entropy"
    head = _HEAD.format(sigma=sigma, prime=prime) + (_SOFTMAX if softmax else "")
    body = _BODY.format(
        output="softmax(Z[-1])" if softmax else "sigma(Z[-1])",
        loss="-np.sum(Y * np.log(A[-1])) / len(Y)  # the cross-entropy"
        if softmax
        else "0.5 * np.sum((A[-1] - Y) ** 2) / len(Y)  # the squared error",
        delta="A[-1] * Y.sum(axis=1, keepdims=True) - Y"
        if softmax
        else "(A[-1] - Y) * sigma_prime(Z[-1])",
        widths=list(widths_for(back)),
        targets="np.eye(widths[-1])[rng.integers(0, widths[-1], 8)]  # one-hot classes"
        if softmax
        else "rng.uniform(size=(8, widths[-1]))  # targets",
        steps=STEPS,
    )
    return head + body
