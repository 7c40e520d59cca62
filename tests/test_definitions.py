"""Definitions define: a document's scalar definitions build the model its claims are judged in.
Truth from our own evaluator: PyTorch autograd on the network the document defines,
at random values (never from derivator)."""

from __future__ import annotations

import random

import torch

from derivator.document import Run, check_text


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _mazur_values(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    names = ["i_1", "i_2", "w_1", "w_2", "w_5", "w_6", "b_1", "b_2", "target_{o1}"]
    return {k: round(rng.uniform(0.05, 0.95), 2) for k in names}


def _torch_gradient(v: dict[str, float]) -> float:
    """∂E/∂w_5 of Mazur's network (one hidden unit feeding o1 written out), by autograd."""
    t = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True) for k, x in v.items()}
    h1 = torch.sigmoid(t["w_1"] * t["i_1"] + t["w_2"] * t["i_2"] + t["b_1"])
    o1 = torch.sigmoid(t["w_5"] * h1 + t["w_6"] * h1 + t["b_2"])
    e = 0.5 * (t["target_{o1}"] - o1) ** 2
    e.backward()
    return float(t["w_5"].grad)


DOC = r"""
$${given}$$

$$net_{{h1}} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$

$$out_{{h1}} = \frac{{1}}{{1+e^{{-net_{{h1}}}}}}$$

$$net_{{o1}} = w_5 * out_{{h1}} + w_6 * out_{{h1}} + b_2 * 1$$

$$out_{{o1}} = \frac{{1}}{{1+e^{{-net_{{o1}}}}}}$$

$$E_{{total}} = \frac{{1}}{{2}}(target_{{o1}} - out_{{o1}})^{{2}}$$

$$\delta_{{o1}} = -\frac{{\partial E_{{total}}}}{{\partial net_{{o1}}}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = -(target_{{o1}} - out_{{o1}}) * out_{{o1}}(1 - out_{{o1}}) * out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = (target_{{o1}} - out_{{o1}}) * out_{{o1}}(1 - out_{{o1}}) * out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = -\delta_{{o1}} out_{{h1}}$$

$$\frac{{\partial E_{{total}}}}{{\partial w_{{5}}}} = {value}$$

$$net_{{h1}} = w_1 * i_1 + w_5 * i_2 + b_1 * 1$$
"""


def test_numbered_units_build_the_model_and_claims_are_judged_in_it() -> None:
    """Mazur's style (h1, o1, w_5, net/out/target words, E_total): the forward pass, the cost
    and the given values are defined, never refuted; δ = −∂E/∂net keeps its sign; the gradient
    claims are proved or refuted as autograd says; a restatement that differs is not judged."""
    v = _mazur_values(7)
    grad = _torch_gradient(v)
    given = r", \quad ".join(f"{k} = {x}" for k, x in v.items())
    results = _check(DOC.format(given=given, value=f"{grad:.9f}"))
    verdicts = [str(r.verdict) for r in results]
    assert verdicts[: len(v)] == ["defined"] * len(v)
    rest = verdicts[len(v) :]
    # net_h1, out_h1, net_o1, out_o1, E_total, δ_o1: definitions
    assert rest[:6] == ["defined"] * 6
    # the true gradient (autograd's sign), the wrong sign, with δ's own sign, the number
    assert rest[6:10] == ["proved", "refuted", "proved", "proved"]
    assert "precision" in results[len(v) + 9].method
    # the second net_h1 differs from the first: a new definition or a slip, not judged
    assert rest[10] == "error"


def test_composed_functions_left_generic() -> None:
    """z = f(g(x)) with f, g never defined: the chain rule holds for every f and g."""
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    z = torch.sin(x**2)  # one instance of f(g(x)): f = sin, g = square
    z.backward()
    assert abs(float(x.grad) - torch.cos(x**2).item() * 2 * 0.3) < 1e-12
    results = _check(
        "$$y = g(x)$$\n\n$$z = f(y)$$\n\n$$\\frac{dz}{dx} = f'(g(x)) \\cdot g'(x)$$\n\n"
        "$$\\frac{dz}{dx} = f'(x) \\cdot g'(x)$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "defined", "proved", "unknown"]


def test_a_formula_for_a_standard_function_is_a_claim() -> None:
    """σ(z) = 1/(1+e^{z}) is not a definition of σ: it is refuted."""
    results = _check("$$\\sigma(z) = \\frac{1}{1+e^{z}}$$\n")
    assert [str(r.verdict) for r in results] == ["refuted"]


def test_delta_formula_is_a_claim_not_a_definition() -> None:
    """A formula for δ is a claim; only δ as a partial of the cost defines it."""
    results = _check(
        "$$u = w x$$\n\n$$L = \\frac{1}{2}(u - t)^2$$\n\n$$\\delta = u + t$$\n\n"
        "$$\\delta = \\frac{\\partial L}{\\partial u}$$\n\n$$\\frac{\\partial L}{\\partial w} = \\delta x$$\n"
    )
    assert [str(r.verdict) for r in results][:2] == ["defined", "defined"]
    assert str(results[2].verdict) != "defined"
    assert [str(r.verdict) for r in results][3:] == ["defined", "proved"]


def test_network_definitions_are_defined_and_a_formula_for_delta_is_a_claim() -> None:
    """The forward pass defines z and a (the network satisfies it); δ = a − y is a claim, false
    for a sigmoid output under the squared error (autograd at random sizes: δ = (a − y)σ′(z))."""
    torch.manual_seed(3)
    n, k, j = 5, 3, 4  # samples and widths differ
    a_prev = torch.rand(n, k, dtype=torch.float64)
    w = torch.rand(j, k, dtype=torch.float64)
    b = torch.rand(j, dtype=torch.float64)
    y = torch.rand(n, j, dtype=torch.float64)
    z = (a_prev @ w.T + b).requires_grad_(True)
    loss = (0.5 * (torch.sigmoid(z) - y) ** 2).sum()
    loss.backward()
    assert z.grad is not None
    assert not torch.allclose(z.grad, torch.sigmoid(z) - y)  # the claim is false
    results = _check(
        "$$z^{(L)}_{ij} = \\sum_k w^{(L)}_{jk} a^{(L-1)}_{ik} + b^{(L)}_j$$\n\n"
        "$$a^{(L)}_{ij} = \\sigma(z^{(L)}_{ij})$$\n\n"
        "$$\\delta^{(L)}_{ij} = a^{(L)}_{ij} - y_{ij}$$\n"
    )
    assert [str(r.verdict) for r in results] == ["defined", "defined", "refuted"]
    assert [r.defines for r in results] == ["z", "a", ""]


def test_a_definition_that_cannot_be_read_takes_its_name_with_it() -> None:
    """A cost whose definition cannot be read is not replaced by the default mean loss: the
    relations after it that use it are errors naming its line."""
    results = _check(
        "$$L = \\frac{1}{2} \\|a^{(L)} - y_{\\text{true}}\\|^2$$\n\n"
        "$$\\frac{\\partial L}{\\partial b^{(L)}_j} = \\delta^{(L)}_j$$\n"
    )
    assert [str(r.verdict) for r in results] == ["error", "error"]
    assert "(line 1)" in results[1].reason
