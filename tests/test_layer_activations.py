"""One activation function per layer, as documents write them: a function letter written for its
layer (``a^{[l]} = g^{[l]}(z^{[l]})``, ``a^m = f^m(n^m)``) is that layer's own function, and a
forward pass that names a numbered layer's function (``a^{(1)} = \\tanh(z^{(1)})``) fixes that
layer's.  A claim is judged with each layer's function: the true propagation step is proved for
every function, the step that uses the next layer's derivative at this layer is refuted (one σ
shared by all layers would prove it).  Truth from PyTorch autograd on networks whose layers have
different activations (tanh, ReLU, sigmoid, identity), at random widths and sample counts that
all differ; never from derivator."""

from __future__ import annotations

import random

import pytest
import torch

from derivator.document import Run, check_text

FUNCTIONS = {
    "tanh": (torch.tanh, lambda z: 1 - torch.tanh(z) ** 2),
    "relu": (torch.relu, lambda z: (z > 0).to(z.dtype)),
    "sigmoid": (torch.sigmoid, lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))),
    "identity": (lambda z: z, torch.ones_like),
}


def _check(text: str) -> list:
    with Run(jobs=1, timeout=60) as run:
        return check_text("doc.md", text, run)


def _sizes(seed: int, depth: int) -> tuple[int, list[int]]:
    """A sample count and depth+1 widths, all different."""
    rng = random.Random(seed)
    picked = rng.sample(range(2, 9), depth + 2)
    return picked[0], picked[1:]


def _network(seed: int, names: list[str]) -> dict[str, list[torch.Tensor]]:
    """z, a and δ = ∂L_i/∂z of every layer (autograd; L_i = ½ Σ_j (a^{(L)}_j − y_j)², summed
    over the samples so each row is one sample's gradient), the weights and σ′(z) per layer;
    layer p has the activation names[p-1]."""
    n, widths = _sizes(seed, len(names))
    g = torch.Generator().manual_seed(seed)
    a = [torch.randn(n, widths[0], generator=g, dtype=torch.float64)]
    z: list[torch.Tensor] = [a[0]]
    W = [torch.zeros(1)]
    for p, name in enumerate(names, 1):
        W.append(torch.randn(widths[p], widths[p - 1], generator=g, dtype=torch.float64))
        b = torch.randn(widths[p], generator=g, dtype=torch.float64)
        zp = (a[-1] @ W[p].T + b).requires_grad_(True)
        zp.retain_grad()
        z.append(zp)
        a.append(FUNCTIONS[name][0](zp))
    y = torch.rand(n, widths[-1], generator=g, dtype=torch.float64)
    (0.5 * ((a[-1] - y) ** 2).sum()).backward()
    delta = [torch.zeros(1)] + [zp.grad for zp in z[1:]]  # type: ignore[misc]
    prime = [torch.zeros(1)] + [FUNCTIONS[m][1](z[p].detach()) for p, m in enumerate(names, 1)]
    return {"W": W, "delta": delta, "prime": prime}


@pytest.mark.parametrize("seed", [3, 11])
def test_the_evaluator_tells_a_layers_derivative_from_the_next_layers(seed: int) -> None:
    """Our truth: δ^{(l)} = σ_l′(z^{(l)}) ⊙ (δ^{(l+1)} W^{(l+1)}) with each layer's own σ; with
    layer l+1's σ′ at layer l (the sizes fit where the two layers are as wide: compared on the
    entries they share) it fails when the layers' functions differ."""
    for names in (["tanh", "sigmoid", "relu"], ["sigmoid", "tanh", "identity"]):
        N = _network(seed, names)
        for p in (1, 2):
            back = N["delta"][p + 1] @ N["W"][p + 1]
            assert torch.allclose(N["delta"][p], N["prime"][p] * back)
        k = min(N["prime"][1].shape[1], N["prime"][2].shape[1])
        wrong = N["prime"][2][:, :k] * (N["delta"][2] @ N["W"][2])[:, :k]
        assert not torch.allclose(N["delta"][1][:, :k], wrong)


NG = r"""
$$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$$

$$a^{[l]} = g^{[l]}(z^{[l]})$$

$$dz^{[l]} = W^{[l+1]T} dz^{[l+1]} * g^{[l]\prime}(z^{[l]})$$

$$dz^{[l]} = W^{[l+1]T} dz^{[l+1]} * g^{[l+1]\prime}(z^{[l]})$$

$$dz^{[l]} = W^{[l+1]T} dz^{[l+1]} * g^{[l-1]\prime}(z^{[l]})$$
"""


def test_a_function_written_for_its_layer_is_that_layers_own() -> None:
    """g^{[l]}: every layer has a function of its own, unknown.  The step with layer l's g′ is
    proved (it holds for every activation of every layer, as the evaluator shows for tanh,
    sigmoid, ReLU and the identity); the steps with layer l+1's or l-1's g′ at layer l are
    refuted, and the counterexample says how each layer's unknown function was evaluated."""
    got = _check(NG)
    assert [r.verdict for r in got] == ["defined", "defined", "proved", "refuted", "refuted"], got
    for r in got[3:]:
        assert "σ_(l+1)′" in r.display or "σ_(l-1)′" in r.display, r.display
        shown = str(r.counterexample)
        assert "sin(" in shown and "σ_l" in shown, shown


HAGAN = r"""
$$n^m_i = \sum_j w^m_{ij} a^{m-1}_j + b^m_i$$

$$a^m_i = f^m(n^m_i)$$

$$\frac{\partial L_q}{\partial n^m_i} = f^{m\prime}(n^m_i) \sum_k w^{m+1}_{ki} \frac{\partial L_q}{\partial n^{m+1}_k}$$

$$\frac{\partial L_q}{\partial n^m_i} = f^{m+1\prime}(n^m_i) \sum_k w^{m+1}_{ki} \frac{\partial L_q}{\partial n^{m+1}_k}$$
"""


def test_a_layer_letter_of_the_documents_own_tags_its_function() -> None:
    """Hagan's a^m = f^m(n^m), the layer letter m: f^m is layer m's function, f^{m+1} the next
    layer's; the first step is proved, the second refuted."""
    got = _check(HAGAN)
    assert [r.verdict for r in got[2:]] == ["proved", "refuted"], got


def _numbered(names: list[str], claim: str) -> str:
    lines = []
    for p, name in enumerate(names, 1):
        below = "x_k" if p == 1 else f"a^{{({p - 1})}}_k"
        lines.append(rf"$$z^{{({p})}}_j = \sum_k w^{{({p})}}_{{jk}} {below} + b^{{({p})}}_j$$")
        f = {"tanh": r"\tanh", "relu": r"\max(0, ", "sigmoid": r"\sigma"}[name]
        arg = f"z^{{({p})}}_j"
        body = rf"\max(0, {arg})" if name == "relu" else f"{f}({arg})"
        lines.append(rf"$$a^{{({p})}}_j = {body}$$")
    return "<!-- derivator: letters=input:x -->\n" + "\n\n".join(lines + [f"$${claim}$$"]) + "\n"


#: δ^{(1)} in terms of δ^{(2)} with a layer's σ′ written in its activation
TANH_1 = r"\delta^{(1)}_k = (1 - (a^{(1)}_k)^2) \sum_j w^{(2)}_{jk} \delta^{(2)}_j"
SIGMOID_1 = r"\delta^{(1)}_k = a^{(1)}_k (1 - a^{(1)}_k) \sum_j w^{(2)}_{jk} \delta^{(2)}_j"


@pytest.mark.parametrize(
    ("names", "claim", "verdict"),
    [
        (["tanh", "sigmoid", "relu"], TANH_1, "proved"),
        (["tanh", "sigmoid", "relu"], SIGMOID_1, "refuted"),
        (["sigmoid", "tanh", "relu"], SIGMOID_1, "proved"),
        (["sigmoid", "tanh", "relu"], TANH_1, "refuted"),
    ],
)
def test_numbered_layers_each_with_the_function_its_forward_pass_names(
    names: list[str], claim: str, verdict: str
) -> None:
    """a^{(1)} = tanh(z^{(1)}), a^{(2)} = σ(z^{(2)}), a^{(3)} = max(0, z^{(3)}): layer 1's δ
    holds tanh′ = 1 − a² and not σ′ = a(1 − a) (the evaluator separates them above), and the
    other way round when the layers are swapped."""
    got = _check(_numbered(names, claim))
    assert got[-1].verdict == verdict, got[-1]
    assert not any(r.verdict == "error" for r in got[:-1]), got


HAGAN_DOT = HAGAN.replace(r"f^{m\prime}", r"\dot{f}^m").replace(r"f^{m+1\prime}", r"\dot{f}^{m+1}")


def test_newtons_dot_over_a_layers_function_is_its_derivative() -> None:
    """Hagan writes the derivative of layer m's function \\dot{f}^m: read as f^m′, the step with
    it proved, the one with \\dot{f}^{m+1} at layer m refuted."""
    assert HAGAN_DOT != HAGAN
    got = _check(HAGAN_DOT)
    assert [r.verdict for r in got[2:]] == ["proved", "refuted"], got


def _named_layers(claim: str) -> str:
    """tanh, ReLU (written \\text{ReLU}) and σ at layers 1, 2, 3, then the claim."""
    functions = [r"\tanh", r"\text{ReLU}", r"\sigma"]
    lines = []
    for p, f in enumerate(functions, 1):
        below = "x_k" if p == 1 else f"a^{{({p - 1})}}_k"
        lines.append(rf"$$z^{{({p})}}_j = \sum_k w^{{({p})}}_{{jk}} {below} + b^{{({p})}}_j$$")
        lines.append(rf"$$a^{{({p})}}_j = {f}(z^{{({p})}}_j)$$")
    return "<!-- derivator: letters=input:x -->\n" + "\n\n".join(lines + [f"$${claim}$$"]) + "\n"


STEP_2 = r"\delta^{(2)}_k = FUNCTION(z^{(2)}_k) \sum_j w^{(3)}_{jk} \delta^{(3)}_j"


@pytest.mark.parametrize(
    ("function", "verdict"),
    [
        (r"\text{ReLU}'", "proved"),
        (r"\mathrm{ReLU}'", "proved"),
        (r"\sigma^{(2)\prime}", "proved"),
        (r"\sigma^{(3)\prime}", "refuted"),
        (r"\sigma^{(1)\prime}", "refuted"),
    ],
)
def test_named_functions_and_a_layers_sigma(function: str, verdict: str) -> None:
    """\\text{ReLU}, \\mathrm{ReLU} are ReLU; σ^{(p)} written with a layer is layer p's function:
    at layer 2 (ReLU), ReLU′ and σ^{(2)}′ give δ^{(2)} (the evaluator's step with each layer's
    own σ′), layer 3's sigmoid′ or layer 1's tanh′ do not."""
    N = _network(5, ["tanh", "relu", "sigmoid"])
    back = N["delta"][3] @ N["W"][3]
    assert torch.allclose(N["delta"][2], N["prime"][2] * back)
    assert not torch.allclose(N["delta"][2], torch.sigmoid(N["prime"][2]) * back)
    got = _check(_named_layers(STEP_2.replace("FUNCTION", function)))
    assert got[-1].verdict == verdict, got[-1]
    assert not any(r.verdict == "error" for r in got), got


def test_a_function_tag_the_document_has_no_layer_for_is_an_error() -> None:
    """σ^{(0)}: the input layer has no activation function; an error whose caret stands at the
    function, never a verdict."""
    got = _check(_named_layers(STEP_2.replace("FUNCTION", r"\sigma^{(0)\prime}")))
    assert got[-1].verdict == "error" and "no activation function" in got[-1].reason, got[-1]
    _line, column = got[-1].at
    assert got[-1].source_line[column - 1 :].startswith(r"\sigma^{(0)"), got[-1].at


PHI = r"""
$$u_1 = W_1 x + b_1,\qquad a_1 = \phi_1(u_1)$$

$$u_2 = W_2 a_1 + b_2,\qquad a_2 = \phi_2(u_2)$$

$$u_3 = W_3 a_2 + b_3,\qquad a_3 = \phi_3(u_3)$$

$$\delta_2 = \frac{\partial L_i}{\partial u_2}$$

$$\delta_2 = (W_3^\top \delta_3) \odot \phi_2'(u_2)$$

$$\delta_2 = (W_3^\top \delta_3) \odot \phi_3'(u_2)$$
"""


def test_a_function_numbered_in_the_subscript_is_that_layers() -> None:
    """Layers numbered in the subscript, a_k = φ_k(u_k): φ_2 is layer 2's own function (was
    'phi with a subscript is not a quantity of the notation'); δ_2 with φ_2′ proved (the
    evaluator's step, for every function), with φ_3′ refuted."""
    got = _check(PHI)
    assert [r.verdict for r in got[-2:]] == ["proved", "refuted"], got
    assert not any(r.verdict == "error" for r in got), got


def _defined_function(definition: str, claim: str) -> str:
    """A generic layer l, its activation written f, f defined by the document, then a claim."""
    return (
        r"$$z^{(l)}_j = \sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j$$" + "\n\n"
        r"$$a^{(l)}_j = f(z^{(l)}_j)$$" + f"\n\n$${definition}$$\n\n$${claim}$$\n"
    )


DERIVATIVE = r"\frac{\partial a^{(l)}_j}{\partial z^{(l)}_j} = FORM"


@pytest.mark.parametrize(
    ("definition", "form", "verdict"),
    [
        (r"f(x) = \max(0, x)", "1", "refuted"),
        (r"f(x) = x", "1", "proved"),
        (r"f(x) = \tanh(x)", r"1 - (a^{(l)}_j)^2", "proved"),
        (r"f(x) = \tanh(x)", r"a^{(l)}_j (1 - a^{(l)}_j)", "refuted"),
        (r"f(x) = \frac{1}{1+e^{-x}}", r"a^{(l)}_j (1 - a^{(l)}_j)", "proved"),
    ],
)
def test_the_documents_definition_of_its_function_letter_is_the_activation(
    definition: str, form: str, verdict: str
) -> None:
    """f(x) = max(0, x) makes the f of a = f(z) the ReLU, so ∂a/∂z = 1 is refuted (it fails for
    z < 0, where the default σ left it unknown); f(x) = x the identity (∂a/∂z = 1); tanh gives
    1 − a², not a(1 − a); the logistic function a(1 − a).  The evaluator agrees: autograd of
    each function against each form."""
    z = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    f = {"max": torch.relu, "tanh": torch.tanh, "frac": torch.sigmoid, "x": lambda t: t}
    key = next(k for k in f if k in definition.split("=", 1)[1])  # the named ones first
    a = f[key](z)
    (grad,) = torch.autograd.grad(a.sum(), z)
    A = a.detach()
    forms = {"1": torch.ones_like(A), r"1 - (a^{(l)}_j)^2": 1 - A**2}
    expected = forms.get(form, A * (1 - A))
    assert bool(torch.allclose(grad, expected)) is (verdict == "proved")
    got = _check(_defined_function(definition, DERIVATIVE.replace("FORM", form)))
    assert got[-1].verdict == verdict, got[-1]
    assert got[-2].verdict == "defined", got[-2]
