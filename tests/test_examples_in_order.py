"""A document is read in order: an example's letters reused for the next example (``z = f(x, y)``,
then ``z = \\sin(x^2 + y^2)``) define the name anew from that line on, and each claim is judged
in the definition in force at its line; a restatement the text cannot tell from a slip stays an
error naming both lines, and a slip made of known names stays refuted.  Truth from PyTorch
autograd at random coefficients (never from derivator)."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _verdicts(results: list) -> list[str]:
    return [str(r.verdict) for r in results]


def _d_dt(f, t0: float) -> float:
    """df/dt at t0 by autograd."""
    t = torch.tensor(t0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(t), t)
    return float(g)


@pytest.mark.parametrize("seed", [1, 2])
def test_an_example_of_a_general_form_defines_the_names_it_fixes(seed: int) -> None:
    """``z = f(x, y), x = g(t), y = h(t)`` with f, g, h left open, then the example ``z =
    \\sin(p x^2 + q y^2), x = e^{r t}, y = t^k``: the example defines z, x and y from its line on
    (it fixes what the general form left open: no computation from it could give a sine), and
    the claims after it are judged in it: the true dz/dt proved, one missing the factor r
    refuted."""
    rng = random.Random(seed)
    p, q, r, k = rng.randint(2, 5), rng.randint(2, 5), rng.randint(2, 3), rng.randint(2, 4)
    t0 = rng.uniform(0.2, 0.9)

    def z(t: torch.Tensor) -> torch.Tensor:
        x, y = torch.exp(r * t), t**k
        return torch.sin(p * x**2 + q * y**2)

    x0, y0 = torch.exp(torch.tensor(r * t0, dtype=torch.float64)), t0**k
    inner = float(torch.cos(p * x0**2 + q * y0**2))
    true = inner * (2 * p * float(x0) * r * float(x0) + 2 * q * y0 * k * t0 ** (k - 1))
    false = inner * (2 * p * float(x0) * float(x0) + 2 * q * y0 * k * t0 ** (k - 1))
    truth = [abs(_d_dt(z, t0) - v) < 1e-9 * (1 + abs(v)) for v in (true, false)]
    assert truth == [True, False]
    outer = f"\\cos({p} x^2 + {q} y^2)"
    results = _check(
        "$$z = f(x, y), \\quad x = g(t), \\quad y = h(t)$$\n\n"
        "$$\\frac{dz}{dt} = \\frac{\\partial z}{\\partial x}\\frac{dx}{dt}"
        " + \\frac{\\partial z}{\\partial y}\\frac{dy}{dt}$$\n\n"
        f"$$z = \\sin({p} x^2 + {q} y^2), \\quad x = e^{{{r} t}}, \\quad y = t^{{{k}}}$$\n\n"
        f"$$\\frac{{dz}}{{dt}} = {outer} (2 \\cdot {p} x \\cdot {r} e^{{{r} t}}"
        f" + 2 \\cdot {q} y \\cdot {k} t^{{{k - 1}}})$$\n\n"
        f"$$\\frac{{dz}}{{dt}} = {outer} (2 \\cdot {p} x e^{{{r} t}}"
        f" + 2 \\cdot {q} y \\cdot {k} t^{{{k - 1}}})$$\n"
    )
    want = ["defined"] * 3 + ["proved"] + ["defined"] * 3
    want += ["proved" if t else "refuted" for t in truth]
    assert _verdicts(results) == want, [(r.verdict, r.reason) for r in results]
    assert "an example of its definition (line 1)" in results[4].reason


@pytest.mark.parametrize("c", [2, 3, 5])
def test_letters_reused_for_the_next_example(c: int) -> None:
    """The chain-rule notes' order: z = f(g(x)) with g = x², f = sin (dz/dx = 2x cos x²); then
    z = f(h(m(g(x)))) (new names: a new example), then z = e^{log((c x)^2)}, which fixes what h
    and m left open.  After it dz/dx = 2c²x is proved, c²x refuted; before it the first
    example's claims hold in the first example."""
    x0 = 0.37 * c

    def first(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x**2)

    def second(x: torch.Tensor) -> torch.Tensor:
        return torch.exp(torch.log((c * x) ** 2))

    assert abs(_d_dt(first, x0) - 2 * x0 * torch.cos(torch.tensor(x0**2)).item()) < 1e-6
    assert abs(_d_dt(second, x0) - 2 * c * c * x0) < 1e-9
    assert abs(_d_dt(second, x0) - c * c * x0) > 1e-3
    results = _check(
        "$$z = f(g(x))$$\n\n"
        "$$g(x) = x^2, \\qquad f(u) = \\sin(u)$$\n\n"
        "$$\\frac{dz}{dx} = \\cos(x^2) \\cdot 2x$$\n\n"
        "$$z = f(h(m(g(x))))$$\n\n"
        f"$$z = e^{{\\log(({c}x)^2)}}$$\n\n"
        f"$$\\frac{{dz}}{{dx}} = {2 * c * c}x$$\n\n"
        f"$$\\frac{{dz}}{{dx}} = {c * c}x$$\n"
    )
    assert _verdicts(results) == [
        *["defined"] * 3,
        "proved",
        "defined",
        "defined",
        "proved",
        "refuted",
    ], [(r.verdict, r.reason) for r in results]


def test_the_general_form_after_its_example() -> None:
    """z = sin(x), then z = f(x) with f a function the document applies but leaves open: the
    general form defines z from its line on, so dz/dx = f'(x) is proved (for every f) and
    dz/dx = cos(x), true of the example only (autograd), is not proved there."""
    t = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.sin(t), t)
    assert abs(float(g) - float(torch.cos(t.detach()))) < 1e-12  # the example's claim
    results = _check(
        "$$u = f(x) + x$$\n\n$$z = \\sin(x)$$\n\n$$\\frac{dz}{dx} = \\cos(x)$$\n\n$$z = f(x)$$\n\n"
        "$$\\frac{dz}{dx} = f'(x)$$\n\n$$\\frac{dz}{dx} = \\cos(x)$$\n"
    )
    verdicts = _verdicts(results)
    assert verdicts[:5] == ["defined", "defined", "proved", "defined", "proved"], verdicts
    assert "the general form of its definition (line 3)" in results[3].reason
    assert verdicts[5] not in ("proved", "refuted"), verdicts


def test_a_restatement_that_cannot_be_told_from_a_slip_stays_an_error() -> None:
    """z = x y, then z = x + y: both written out in known names, nothing left open, no new name:
    a slip or a new example, the text does not say.  The restatement is refuted (a claim about
    z, false in the definition in force: autograd below), a claim whose truth depends on the
    reading is an error naming both lines, and a later definition in new names (z = q³) ends
    the doubt: its claims are judged in it."""
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    (dx_product,) = torch.autograd.grad(x * y, x)
    (dx_sum,) = torch.autograd.grad(x + y, x)
    assert float(dx_product) != float(dx_sum)  # ∂z/∂x depends on the reading
    q = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (dq,) = torch.autograd.grad(q**3, q)
    assert abs(float(dq) - 3 * 0.7**2) < 1e-12
    results = _check(
        "$$z = x y$$\n\n$$z = x + y$$\n\n$$\\frac{\\partial z}{\\partial x} = 1$$\n\n"
        "$$z = q^3$$\n\n$$\\frac{dz}{dq} = 3q^2$$\n\n$$\\frac{dz}{dq} = 3q$$\n"
    )
    verdicts = _verdicts(results)
    assert verdicts == ["defined", "refuted", "error", "defined", "proved", "refuted"], verdicts
    assert "line 1" in results[2].reason and "line 3" in results[2].reason


def test_a_restatement_in_other_variables_is_not_an_example() -> None:
    """z = f(x), then z = s² where s is no name z depends on: not the same quantity in the same
    variables, so not read as an example of z; what uses z after it is an error naming both
    lines (whichever the author meant, derivator does not pick)."""
    results = _check("$$z = f(x)$$\n\n$$w = s + 1$$\n\n$$z = s^2$$\n\n$$\\frac{dz}{ds} = 2s$$\n")
    verdicts = _verdicts(results)
    assert verdicts == ["defined", "defined", "error", "error"], verdicts
    assert "line 1" in results[3].reason and "line 5" in results[3].reason


@pytest.mark.parametrize("seed", [3, 4])
def test_an_example_written_whole_in_one_display(seed: int) -> None:
    """``z = x y, x = a, y = b``, then ``z = x + y, x = c, y = d``: the second display changes z
    and what z is computed from together, so it sets up another example (a slip is one formula
    gone wrong): each restatement in it defines its name from there on, and the claims after it
    are judged in it, exactly at its values (the sum's partials, autograd).  A false claim after
    it is refuted; ``z := x - y`` (written as a definition) governs what follows it too."""
    rng = random.Random(seed)
    a, b, c, d = rng.sample(range(2, 9), 4)
    x = torch.tensor(float(c), dtype=torch.float64, requires_grad=True)
    y = torch.tensor(float(d), dtype=torch.float64, requires_grad=True)
    (dx,) = torch.autograd.grad(x + y, x)
    (dy,) = torch.autograd.grad(x - y, y)
    assert (float(dx), float(dy)) == (1.0, -1.0)
    assert float(dx) != d and -float(dy) != float(dy)  # the false claims: ∂z/∂x = y, ∂z/∂y = 1
    results = _check(
        f"$$z = x y, \\quad x = {a}, \\quad y = {b}$$\n\n"
        "$$\\frac{\\partial z}{\\partial x} = y$$\n\n"
        f"$$z = x + y, \\quad x = {c}, \\quad y = {d}$$\n\n"
        "$$\\frac{\\partial z}{\\partial x} = 1$$\n\n"
        "$$\\frac{\\partial z}{\\partial x} = y$$\n\n"
        f"$$z = {c + d}$$\n\n"
        "$$z := x - y$$\n\n"
        "$$\\frac{\\partial z}{\\partial y} = -1$$\n\n"
        "$$\\frac{\\partial z}{\\partial y} = 1$$\n"
    )
    verdicts = _verdicts(results)
    assert verdicts == ["defined"] * 3 + ["proved"] + ["defined"] * 3 + [
        "proved",
        "refuted",
        "proved",
        "defined",
        "proved",
        "refuted",
    ], [(r.verdict, r.reason) for r in results]
    assert "a new example, written whole with x, y" in results[4].reason
    assert "written as a definition" in results[10].reason and "line 5" in results[10].reason
    assert "z as defined on line 13" in results[11].method  # which definition it was judged in


def test_a_slip_alone_in_its_display_stays_a_claim() -> None:
    """``z = x y, x = 2`` then ``z = x + y`` alone: one formula changed and nothing it is
    computed from, so it is no whole example: refuted (a slip in known names, exact at x = 2, y
    = 3: 6 ≠ 5), and what uses z after it is judged in both readings."""
    assert 2 * 3 != 2 + 3
    results = _check(
        "$$z = x y, \\quad x = 2, \\quad y = 3$$\n\n$$z = x + y$$\n\n"
        "$$\\frac{\\partial z}{\\partial x} = 1$$\n"
    )
    verdicts = _verdicts(results)
    assert verdicts == ["defined"] * 3 + ["refuted", "error"], verdicts
