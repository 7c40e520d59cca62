"""Functions of several variables, ``f(x, y) = x y`` (CS231n's gates), and a function letter
reused from one example to the next (``f(x) = 1/x``, then ``f(x) = e^x``): each definition
governs what follows it.  Truth comes from PyTorch autograd at random points, never from
derivator; a false partial is never proved, and a list in brackets anywhere else is an error at
its place."""

from __future__ import annotations

import pytest
import torch

from derivator.document import Run, check_text

F64 = torch.float64
G = torch.Generator().manual_seed(7)
PTS = torch.randn(2, 25, dtype=F64, generator=G) * 1.5


def _grads(f):  # type: ignore[no-untyped-def]
    """∂f/∂x and ∂f/∂y at the random points, by autograd."""
    x, y = (PTS[k].clone().requires_grad_() for k in range(2))
    return torch.autograd.grad(f(x, y).sum(), (x, y))


def _sig(t: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-t))


#: (definition, its torch function, claim about ∂f/∂x, ∂f/∂y as torch functions of (x, y))
GATES = [
    ("x y", lambda x, y: x * y, "y", "x", lambda x, y: y, lambda x, y: x),
    ("x + y", lambda x, y: x + y, "1", "1", lambda x, y: 1 + 0 * x, lambda x, y: 1 + 0 * x),
    ("x y", lambda x, y: x * y, "x", "y", lambda x, y: x, lambda x, y: y),
    (
        "\\frac{x + \\sigma(y)}{\\sigma(x) + (x+y)^2}",
        lambda x, y: (x + _sig(y)) / (_sig(x) + (x + y) ** 2),
        "\\frac{1}{\\sigma(x) + (x+y)^2}",
        "\\frac{\\sigma(y)(1 - \\sigma(y))}{\\sigma(x) + (x+y)^2}",
        lambda x, y: 1 / (_sig(x) + (x + y) ** 2),
        lambda x, y: _sig(y) * (1 - _sig(y)) / (_sig(x) + (x + y) ** 2),
    ),
]


@pytest.mark.parametrize("k", range(len(GATES)))
def test_the_partials_of_a_gate_of_two_variables(k: int) -> None:
    body, f, dx, dy, tdx, tdy = GATES[k]
    gx, gy = _grads(f)
    x, y = PTS
    truth = [torch.allclose(gx, tdx(x, y)), torch.allclose(gy, tdy(x, y))]
    text = (
        f"$$f(x,y) = {body}$$\n\n"
        f"$$\\frac{{\\partial f}}{{\\partial x}} = {dx}, \\quad "
        f"\\frac{{\\partial f}}{{\\partial y}} = {dy}$$\n"
    )
    got = [r.verdict for r in check_text("gates.md", text, Run(timeout=20.0))]
    assert got[0] == "defined", got
    # a false partial through a document's function is never proved (it may stay unknown)
    for t, v in zip(truth, got[1:], strict=True):
        assert v == "proved" if t else v != "proved", (text, truth, got)


def test_a_function_letter_reused_for_the_next_example() -> None:
    """f(x) = x², then f(x) = e^x: df/dx after each is the derivative of the f in force."""
    x = PTS[0].clone().requires_grad_()
    (first,) = torch.autograd.grad((x**2).sum(), x)
    (second,) = torch.autograd.grad(torch.exp(x).sum(), x)
    assert not torch.allclose(first, second)
    text = (
        "$$f(x) = x^2, \\quad \\frac{df}{dx} = 2x$$\n\n"
        "$$f(x) = e^x, \\quad \\frac{df}{dx} = e^x, \\quad \\frac{df}{dx} = 2x$$\n"
    )
    got = [r.verdict for r in check_text("reuse.md", text, Run(timeout=20.0))]
    want_true = [
        torch.allclose(first, 2 * x),
        torch.allclose(second, torch.exp(x)),
        torch.allclose(second, 2 * x),
    ]
    assert got[0] == got[2] == "defined", got
    assert [v == "proved" for v in (got[1], got[3], got[4])] == want_true, got


def test_a_list_in_brackets_elsewhere_is_an_error_at_its_place() -> None:
    text = "$$z^{(L)}_j = (a^{(L)}_j, y_j)$$\n"
    (r,) = check_text("pair.md", text, Run())
    assert r.verdict == "error" and "arguments of a function" in r.reason, r.reason
    assert r.at == (1, 1 + text.index("(a^")), r.at


PARAMETRISED = [
    ("f_c(x) = c + x", lambda x, c: c + x, "1", lambda x, c: 1 + 0 * x),
    ("f_c(x) = c + x", lambda x, c: c + x, "c", lambda x, c: c + 0 * x),
    ("f_a(x) = a x", lambda x, c: c * x, "a", lambda x, c: c + 0 * x),
    ("f_a(x) = a x", lambda x, c: c * x, "x", lambda x, c: x),
]


@pytest.mark.parametrize("k", range(len(PARAMETRISED)))
def test_a_function_with_a_parameter_in_its_subscript(k: int) -> None:
    """f_c(x) = c + x: f of x, with c a parameter the subscript names (any real value)."""
    definition, f, claim, rhs = PARAMETRISED[k]
    x, c = PTS[0].clone().requires_grad_(), PTS[1]
    (dx,) = torch.autograd.grad(f(x, c).sum(), x)
    true = torch.allclose(dx, rhs(x.detach(), c))
    text = f"$${definition} \\quad \\frac{{df}}{{dx}} = {claim}$$\n"
    got = [r.verdict for r in check_text("param.md", text, Run(timeout=20.0))]
    assert got[0] == "defined", got
    assert got[1] == "proved" if true else got[1] != "proved", (text, true, got)


def test_a_quantity_of_the_notation_with_an_index_is_no_parametrised_function() -> None:
    """a_j(x) is an entry of a times x, never a function a with parameter j."""
    (r,) = check_text("entry.md", "$$a_j(x) = x + 1$$\n", Run())
    assert r.verdict != "defined", r.reason


def test_a_restatement_made_of_new_names_starts_a_new_example() -> None:
    """z = f(g(x)) (f = sin, g = x²), then z = f(h(m(g(x)))) with h and m written nowhere before:
    a new example that defines z from there on, not a claim about the old z.  The chain rule in
    it is proved; its false twins never are.  Truth: the two sides at concrete h = tanh, m = exp
    (a generic identity holds there; one false there is false)."""
    x = PTS[0].clone().requires_grad_()

    def chain(t: torch.Tensor) -> torch.Tensor:
        return torch.sin(torch.tanh(torch.exp(t**2)))

    (dz,) = torch.autograd.grad(chain(x).sum(), x)
    x0 = x.detach()
    m, h = torch.exp(x0**2), torch.tanh(torch.exp(x0**2))
    full = torch.cos(h) * (1 - h**2) * m * 2 * x0
    short = torch.cos(h) * m * 2 * x0
    old = torch.cos(x0**2) * 2 * x0
    truth = [torch.allclose(dz, v) for v in (full, short, old)]
    text = (
        "$$z = f(g(x))$$\n\n$$g(x) = x^2,\\qquad f(u) = \\sin(u)$$\n\n"
        "$$z = f(h(m(g(x))))$$\n\n"
        "$$\\frac{dz}{dx} = f'(h(m(g(x)))) \\cdot h'(m(g(x))) \\cdot m'(g(x)) \\cdot g'(x)$$\n\n"
        "$$\\frac{dz}{dx} = f'(h(m(g(x)))) \\cdot m'(g(x)) \\cdot g'(x)$$\n\n"
        "$$\\frac{dz}{dx} = \\cos(x^2) \\cdot 2x$$\n"
    )
    got = [r.verdict for r in check_text("example.md", text, Run(timeout=20.0))]
    assert got[3] == "defined", got
    assert [v == "proved" for v in got[4:]] == truth, (got, truth)
