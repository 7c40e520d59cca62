"""Key of goodfellow-6.5-zh.tex: the chain rule on functions of our choosing (scalars on a grid; a
vector x of 3 entries mapped by y = tanh(A x) to 4 entries, z = Σ sin(y) + 0.3 Σ y²; a small graph
u1 = x, u2 = sin u1, u3 = u1 u2, u4 = u2 + u3²), and the book's MLP example: H = max{0, X W1},
U2 = H W2 (no biases), J the cross-entropy of the minibatch plus λ(ΣW1² + ΣW2²)."""

import torch
from evaluator import GRID, D, F, Setup, T, d_dx

LAMBDA = 0.2
f64 = torch.float64


def _reg(N):
    return LAMBDA * ((N.W[1] ** 2).sum() + (N.W[2] ** 2).sum())


SETUP = Setup(
    depth=2,
    acts=("relu", "softmax"),
    bias=False,
    loss="cross-entropy",
    targets="one-hot",
    total="sum",
    reg=_reg,
)
DIRECTIVE = None

g_ = torch.Generator().manual_seed(5)
A = torch.randn(4, 3, dtype=f64, generator=g_)
X0 = torch.randn(3, dtype=f64, generator=g_)
V0 = torch.randn(3, dtype=f64, generator=g_)


def vec():
    """x, y = g(x), z = f(y), with their gradients and the Jacobian ∂y/∂x."""
    x = X0.clone().requires_grad_()
    y = torch.tanh(A @ x)
    z = torch.sin(y).sum() + 0.3 * (y**2).sum()
    gx = torch.autograd.grad(z, x, retain_graph=True)[0]
    gy = torch.autograd.grad(z, y, retain_graph=True)[0]
    jac = torch.autograd.functional.jacobian(lambda t: torch.tanh(A @ t), X0)
    return gx, gy, jac


def graph():
    """d u4/d u1 three ways: autograd, the sum over u1's children, the sum over paths."""
    x = GRID.clone().requires_grad_()
    u2 = torch.sin(x)
    u3 = x * u2
    u4 = u2 + u3**2
    total = torch.autograd.grad(u4.sum(), x)[0]
    xs = GRID
    u2v, u3v = torch.sin(xs), xs * torch.sin(xs)
    d4_d3 = 2 * u3v  # total = local: u3 has one child
    d4_d2 = 1 + d4_d3 * xs  # u2 feeds u4 and u3
    children = d4_d2 * torch.cos(xs) + d4_d3 * u2v  # Σ over u1's children u2, u3
    paths = torch.cos(xs) * 1 + torch.cos(xs) * xs * 2 * u3v + u2v * 2 * u3v
    return total, children, paths


def hv():
    x = X0.clone().requires_grad_()
    f = lambda t: (torch.sin(t[:-1]) * t[1:]).sum() + (t**3).sum()
    g = torch.autograd.grad(f(x), x, create_graph=True)[0]
    lhs = torch.autograd.functional.hessian(f, X0) @ V0
    rhs = torch.autograd.grad(g @ V0, x)[0]
    return lhs, rhs


KEY = {
    (1, 0): D(),
    (2, 0): D(),
    (2, 1): T(lambda N: (torch.exp(0.3 * torch.sin(GRID)), torch.exp(0.3 * torch.sin(GRID)))),
    (3, 0): T(
        lambda N: (
            d_dx(lambda t: torch.exp(0.3 * torch.sin(t))),
            0.3 * torch.exp(0.3 * torch.sin(GRID)) * torch.cos(GRID),
        )
    ),
    (4, 0): D(),
    (5, 0): D(),
    # Σ_i over a term whose free index is j: the two sides have different free indices
    (6, 0): F(None, why="the sum runs over i, the free index of its term is j"),
    (7, 0): T(lambda N: (vec()[0], vec()[2].T @ vec()[1])),
    (8, 0): T(lambda N: (vec()[0], (vec()[2] * vec()[1][:, None]).sum(0))),  # tensors = vectors
    (9, 0): D(),
    # one fraction for the two factors: the product of the derivatives (Leibniz's reading)
    (10, 0): T(lambda N: graph()[:2]),
    (11, 0): T(lambda N: (torch.tensor(1.0), torch.tensor(1.0))),
    (12, 0): D(),
    (13, 0): T(lambda N: (graph()[0], graph()[2])),
    (14, 0): D(lambda N: (N.a[1], torch.relu(N.a[0] @ N.W[1].T))),
    (15, 0): D(lambda N: (N.L, N.Li.sum() + _reg(N))),
    (16, 0): T(lambda N: (N.dL(N.a[1]), N.dL(N.z[2]) @ N.W[2])),  # G W^{(2)T}, W^{(2)} = W[2]^T
    (17, 0): D(lambda N: (N.a[2], torch.exp(N.z[2]) / torch.exp(N.z[2]).sum(1, keepdim=True))),
    (18, 0): D(lambda N: (N.Li, -(N.y * torch.log(N.a[2])).sum(1))),
    (19, 0): T(lambda N: hv()),
}
