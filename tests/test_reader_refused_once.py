"""Forms the reader once refused and now reads: the derivative of a named function (``\\sin'``,
``\\tanh'``), a Jacobian across layers (∂z^{(l)}/∂a^{(l-1)} = W^{(l)}, in either layout), the
hypothesis Σ_j y_ij = 1 stated in the text, a bar as the cost's derivative (``bar=gradient``),
Θ as a name the directive ``letters=`` declares, ``\\ast`` as a product; and what is still
refused says so at its place.  Truth comes from our own evaluator (PyTorch autograd at random
sizes where the sample count and every width differ), never from derivator; a false twin of
each form is never proved."""

from __future__ import annotations

import pytest
import torch
from test_corpus_real import GENERIC, Lo, d_dx, holds, l, sig_p, x

from derivator.document import Run, check_text

Setup = GENERIC.__class__
F64 = torch.float64


def _results(text: str):  # type: ignore[no-untyped-def]
    return check_text("read.md", text, Run(timeout=20.0))


def _last(head: str, formula: str):  # type: ignore[no-untyped-def]
    return _results(f"{head}\n\n$${formula}$$\n")[-1]


# ---------------------------------------------------------------------------------------------
# f′ of a named function at a scalar x: the function's derivative


def _sech(t: torch.Tensor) -> torch.Tensor:
    return 1 / torch.cosh(t)


PRIMED = [
    (r"\sin'(x) = \cos(x)", lambda: (d_dx(torch.sin), torch.cos(x))),
    (r"\cos'(x) = \sin(x)", lambda: (d_dx(torch.cos), torch.sin(x))),
    (r"\cos'(x) = -\sin(x)", lambda: (d_dx(torch.cos), -torch.sin(x))),
    (r"\tanh'(x) = 1 - \tanh^2(x)", lambda: (d_dx(torch.tanh), 1 - torch.tanh(x) ** 2)),
    (r"\tanh'(x) = 1 - \tanh(x)", lambda: (d_dx(torch.tanh), 1 - torch.tanh(x))),
    (r"\exp'(x) = e^{x}", lambda: (d_dx(torch.exp), torch.exp(x))),
    (r"\sinh'(x) = \cosh(x)", lambda: (d_dx(torch.sinh), torch.cosh(x))),
    (
        r"\operatorname{sech}'(x) = -\operatorname{sech}(x)\tanh(x)",
        lambda: (d_dx(_sech), -_sech(x) * torch.tanh(x)),
    ),
    (
        r"\operatorname{sech}'(x) = \operatorname{sech}(x)\tanh(x)",
        lambda: (d_dx(_sech), _sech(x) * torch.tanh(x)),
    ),
]


@pytest.mark.parametrize("k", range(len(PRIMED)))
def test_the_derivative_of_a_named_function(k: int) -> None:
    formula, sides = PRIMED[k]
    lhs, rhs = sides()
    true = bool(torch.allclose(lhs, rhs, rtol=1e-9, atol=1e-12))
    r = _last("<!-- derivator: activation=sigmoid -->", formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_log_prime_at_a_positive_argument() -> None:
    """log′(u) = 1/u at u = e^x (a letter of no quantity stands only inside functions)."""
    u = torch.exp(x)
    assert torch.allclose(d_dx(torch.log, u), torch.exp(-x))
    assert not torch.allclose(d_dx(torch.log, u), torch.exp(x))
    head = "<!-- derivator: activation=sigmoid -->"
    assert _last(head, r"\log'(e^{x}) = e^{-x}").verdict == "proved"
    assert _last(head, r"\ln'(e^{x}) = e^{x}").verdict == "refuted"


@pytest.mark.parametrize(
    "act,formula,sides",
    [
        (
            "tanh",
            r"\sigma'(x) = 1 - \sigma(x)^2",
            lambda: (d_dx(torch.tanh), 1 - torch.tanh(x) ** 2),
        ),
        ("tanh", r"\sigma'(x) = 1 - \sigma(x)", lambda: (d_dx(torch.tanh), 1 - torch.tanh(x))),
        (
            "sigmoid",
            r"\sigma'(x) = \sigma(x)(1 - \sigma(x))",
            lambda: (d_dx(torch.sigmoid), torch.sigmoid(x) * (1 - torch.sigmoid(x))),
        ),
    ],
)
def test_sigma_prime_of_a_scalar(act: str, formula: str, sides) -> None:  # type: ignore[no-untyped-def]
    lhs, rhs = sides()
    true = bool(torch.allclose(lhs, rhs, rtol=1e-9, atol=1e-12))
    r = _last(f"<!-- derivator: activation={act} -->", formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_a_second_derivative_is_still_refused_at_its_place() -> None:
    r = _last("<!-- derivator: activation=sigmoid -->", r"\sin''(x) = -\sin(x)")
    assert r.verdict == "error" and "second derivatives" in r.reason, r.reason
    assert r.at is not None


# ---------------------------------------------------------------------------------------------
# ∂u/∂v of two layers' vectors: the Jacobian, in the layout the shapes say


def _jw(N, p):  # type: ignore[no-untyped-def]
    """∂z^{(p)}/∂a^{(p-1)} per sample (n, width p, width p-1), and W^{(p)} beside it."""
    return N.jac(N.z[p], N.a[p - 1]), N.W[p][None].expand(N.n, -1, -1)


def _ja(N, p):  # type: ignore[no-untyped-def]
    """∂a^{(p)}/∂a^{(p-1)} per sample."""
    return N.jac(N.a[p], N.a[p - 1])


ACROSS = [
    (r"\frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)}", lambda N: _jw(N, l)),
    (r"\frac{\partial z^{(L)}}{\partial a^{(L-1)}} = W^{(L)}", lambda N: _jw(N, Lo)),
    (
        r"\frac{\partial z^{(L)}}{\partial a^{(L-1)}} = 2W^{(L)}",
        lambda N: (_jw(N, Lo)[0], 2 * _jw(N, Lo)[1]),
    ),
    # the other layout: a row per entry of the denominator, the Jacobian's transpose
    (
        r"\frac{\partial z^{(L)}}{\partial a^{(L-1)}} = (W^{(L)})^T",
        lambda N: (_jw(N, Lo)[0].transpose(1, 2), _jw(N, Lo)[1].transpose(1, 2)),
    ),
    (
        r"\frac{\partial a^{(L)}}{\partial a^{(L-1)}} = \operatorname{diag}(\sigma'(z^{(L)})) W^{(L)}",
        lambda N: (_ja(N, Lo), sig_p(N, Lo)[:, :, None] * N.W[Lo][None]),
    ),
    (
        r"\frac{\partial a^{(L)}}{\partial a^{(L-1)}} = W^{(L)} \operatorname{diag}(\sigma'(z^{(L-1)}))",
        lambda N: (_ja(N, Lo), N.W[Lo][None] * sig_p(N, Lo - 1)[:, None, :]),
    ),
    (
        r"\frac{\partial z^{(L)}}{\partial z^{(L-1)}} = W^{(L)} \operatorname{diag}(\sigma'(z^{(L-1)}))",
        lambda N: (N.jac(N.z[Lo], N.z[Lo - 1]), N.W[Lo][None] * sig_p(N, Lo - 1)[:, None, :]),
    ),
    # the chain in the layout with a row per entry of the denominator (vectors as columns)
    (
        r"\frac{\partial L_i}{\partial a^{(L-1)}} = \frac{\partial z^{(L)}}{\partial a^{(L-1)}} "
        r"\frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial L_i}{\partial a^{(L)}}",
        lambda N: (N.dLi(N.a[Lo - 1]), N.dLi(N.z[Lo]) @ N.W[Lo]),
    ),
    (
        r"\frac{\partial L_i}{\partial a^{(L-1)}} = \frac{\partial z^{(L)}}{\partial a^{(L-1)}} "
        r"\frac{\partial L_i}{\partial a^{(L)}}",
        lambda N: (N.dLi(N.a[Lo - 1]), N.dLi(N.a[Lo]) @ N.W[Lo]),
    ),
]


@pytest.mark.parametrize("k", range(len(ACROSS)))
def test_a_jacobian_across_layers(k: int) -> None:
    """GENERIC: sigmoid layers at random sizes (every width different), ½‖a − y‖² per sample."""
    formula, sides = ACROSS[k]
    true = holds(sides, GENERIC)
    r = _last("<!-- derivator: activation=sigmoid -->", formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_a_jacobian_whose_shapes_fit_no_layout_is_never_proved() -> None:
    """W^{(L-1)} is neither ∂z^{(L)}/∂a^{(L-1)} nor its transpose: not even its shape fits."""
    jac = lambda N: N.jac(N.z[Lo], N.a[Lo - 1])  # noqa: E731
    nets = [
        lambda N: (jac(N), N.W[Lo - 1][None]),
        lambda N: (jac(N).transpose(1, 2), N.W[Lo - 1][None]),
    ]
    for f in nets:
        with pytest.raises(RuntimeError):  # the shapes do not even broadcast
            holds(f, GENERIC)
    formula = r"\frac{\partial z^{(L)}}{\partial a^{(L-1)}} = W^{(L-1)}"
    r = _last("<!-- derivator: activation=sigmoid -->", formula)
    assert r.verdict in ("refuted", "error"), (r.verdict, r.reason)


# ---------------------------------------------------------------------------------------------
# Σ_j y_ij = 1 stated in the text: a hypothesis, and what follows is judged under it

SOFTMAX = Setup(depth=2, out="softmax", loss="cross-entropy")
DISTRIBUTION = Setup(depth=2, out="softmax", loss="cross-entropy", targets="distribution")
HEAD = "<!-- derivator: activation=sigmoid output-activation=softmax loss=cross-entropy -->"
D2 = 2


def test_a_stated_hypothesis_on_the_targets_governs_what_follows() -> None:
    a_minus_y = lambda N: (N.dLi(N.z[D2]), N.a[D2] - N.y)  # noqa: E731
    a_plus_y = lambda N: (N.dLi(N.z[D2]), N.a[D2] + N.y)  # noqa: E731
    sum_delta = lambda N: (N.dLi(N.z[D2]).sum(1), torch.zeros(N.n))  # noqa: E731
    sum_a_minus_y = lambda N: ((N.a[D2] - N.y).sum(1), torch.zeros(N.n))  # noqa: E731
    assert not holds(a_minus_y, SOFTMAX) and holds(a_minus_y, DISTRIBUTION)
    assert not holds(a_plus_y, DISTRIBUTION)
    assert holds(sum_delta, DISTRIBUTION) and holds(sum_a_minus_y, DISTRIBUTION)
    assert not holds(sum_a_minus_y, SOFTMAX)
    text = "\n\n".join(
        [
            HEAD,
            r"$$\delta^{(L)}_{ij} = a^{(L)}_{ij} - y_{ij}$$",
            r"$$\sum_j (a^{(L)}_{ij} - y_{ij}) = 0$$",
            "The targets of each sample sum to one:",
            r"$$\sum_j y_{ij} = 1$$",
            r"$$\delta^{(L)}_{ij} = a^{(L)}_{ij} - y_{ij}$$",
            r"$$\delta^{(L)}_{ij} = a^{(L)}_{ij} + y_{ij}$$",
            r"$$\sum_j \delta^{(L)}_{ij} = 0$$",
            r"$$\sum_j (a^{(L)}_{ij} - y_{ij}) = 0$$",
        ]
    )
    got = [(r.verdict, r.reason) for r in _results(text + "\n")]
    assert [v for v, _ in got] == [
        "refuted",  # before the hypothesis: the targets are any numbers
        "refuted",
        "skipped",  # the hypothesis itself: not a claim
        "proved",
        "refuted",
        "proved",
        "proved",
    ], got
    assert "Σ_j y_ij = 1" in got[0][1] and "\\sum_j y_{ij} = 1" in got[0][1], got[0]
    assert "hypothesis" in got[2][1], got[2]


def test_a_sum_of_targets_that_is_no_hypothesis_stays_a_claim() -> None:
    """Σ_i y_ij = 1 sums over the samples, and Σ_j y_ij = 2 is another number: neither is the
    hypothesis, and δ = a − y after them is still refuted."""
    a_minus_y = lambda N: (N.dLi(N.z[D2]), N.a[D2] - N.y)  # noqa: E731
    assert not holds(a_minus_y, SOFTMAX)
    for stated in (r"\sum_i y_{ij} = 1", r"\sum_j y_{ij} = 2", r"\sum_j a^{(L)}_{ij} = 1"):
        text = (
            f"{HEAD}\n\n$${stated}$$\n\n$$\\delta^{{(L)}}_{{ij}} = a^{{(L)}}_{{ij}} - y_{{ij}}$$\n"
        )
        first, last = _results(text)
        assert first.verdict != "skipped" and last.verdict == "refuted", (stated, first, last)


# ---------------------------------------------------------------------------------------------
# a bar as the cost's derivative (bar=gradient); Θ declared as the weights; \ast

UNIT = Setup(depth=1, single=True, loss="mse", total="sum")
BAR_HEAD = (
    "<!-- derivator: network=single cost=\\mathcal{L} cost-is=sample "
    "letters=activation:y,target:t,input:x bar=gradient -->"
)
FORWARD = [r"z=w x+b", r"y=\sigma(z)", r"\mathcal{L}=\frac{1}{2}(y-t)^{2}"]
BARS = [
    (r"\bar{y}=y-t", lambda N: (N.dLi(N.a[1]), N.a[1] - N.y)),
    (r"\bar{y}=2(y-t)", lambda N: (N.dLi(N.a[1]), 2 * (N.a[1] - N.y))),
    (r"\bar{z}=(y-t) \sigma^{\prime}(z)", lambda N: (N.dLi(N.z[1]), (N.a[1] - N.y) * N.fprime(1))),
    (
        r"\bar{w}=(y-t) \sigma^{\prime}(z) x",
        lambda N: (N.dLi_param(N.W[1])[:, 0, 0], ((N.a[1] - N.y) * N.fprime(1) * N.a[0])[:, 0]),
    ),
    (
        r"\bar{w}=(y-t) \sigma^{\prime}(z)",
        lambda N: (N.dLi_param(N.W[1])[:, 0, 0], ((N.a[1] - N.y) * N.fprime(1))[:, 0]),
    ),
    (
        r"\bar{b}=(y-t) \sigma^{\prime}(z)",
        lambda N: (N.dLi_param(N.b[1])[:, 0], ((N.a[1] - N.y) * N.fprime(1))[:, 0]),
    ),
]


@pytest.mark.parametrize("k", range(len(BARS)))
def test_a_bar_is_the_costs_derivative_where_the_directive_says_so(k: int) -> None:
    formula, sides = BARS[k]
    true = holds(sides, UNIT)
    text = "\n\n".join([BAR_HEAD] + [f"$${f}$$" for f in FORWARD + [formula]]) + "\n"
    r = _results(text)[-1]
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_without_the_directive_a_bar_is_refused_at_its_place() -> None:
    r = _last("<!-- derivator: activation=sigmoid -->", r"\bar{L} = \frac{1}{n}\sum_i L_i")
    assert r.verdict == "error" and r.at == (3, 3), (r.at, r.reason)
    assert "\\bar" in r.reason and "bar=gradient" in r.reason, r.reason


def test_theta_declared_as_the_weights() -> None:
    """UFLDL and Ng's course write Θ^{(l)} for the weights: with letters=weight:Theta it is read."""
    formula = r"\delta^{(L-1)} = \sigma'(z^{(L-1)}) \odot (\Theta^{(L)})^T \delta^{(L)}"
    true = holds(
        lambda N: (N.dLi(N.z[Lo - 1]), sig_p(N, Lo - 1) * (N.dLi(N.z[Lo]) @ N.W[Lo])), GENERIC
    )
    head = "<!-- derivator: activation=sigmoid cost-is=sample letters=weight:Theta -->"
    r = _last(head, formula)
    assert r.verdict == ("proved" if true else "refuted"), (r.verdict, r.reason)
    wrong = _last(head, formula.replace("(L)})^T", "(L)})"))
    assert wrong.verdict in ("refuted", "error"), (wrong.verdict, wrong.reason)
    refused = _last("<!-- derivator: activation=sigmoid -->", formula)
    assert refused.verdict == "error" and "letters=weight:Theta" in refused.reason
    assert refused.at == (3, 3 + formula.index("\\Theta")), refused.at


def test_ast_is_a_product() -> None:
    formula = r"\delta^{(L-1)} = ((W^{(L)})^T \delta^{(L)}) \ast \sigma'(z^{(L-1)})"
    true = holds(
        lambda N: (N.dLi(N.z[Lo - 1]), sig_p(N, Lo - 1) * (N.dLi(N.z[Lo]) @ N.W[Lo])), GENERIC
    )
    r = _last("<!-- derivator: activation=sigmoid cost-is=sample -->", formula)
    assert r.verdict == ("proved" if true else "refuted"), (r.verdict, r.reason)


# ---------------------------------------------------------------------------------------------
# still refused: each says what it does not read, at its place


@pytest.mark.parametrize(
    "formula,column,words",
    [
        (r"\lim_{h \to 0} \frac{h}{h} = 1", 3, "\\lim"),
        (r"\Delta = A^{(L)} - Y", 3, "Δ without a layer tag is not read"),
        (r"a^{(L)} = \text{softmax}(\cdot)", 13, "names the function, not a value"),
        (r"a = \text{softmax}(z)", 7, "z is no layer's vector (it has no layer tag)"),
    ],
)
def test_what_is_still_refused_is_shown_at_its_place(formula: str, column: int, words: str) -> None:
    text = f"<!-- derivator: activation=sigmoid -->\n\n$${formula}$$\n"
    (r,) = _results(text)
    assert r.verdict == "error" and words in r.reason, r.reason
    assert r.at == (3, column), (r.at, r.reason)


# ---------------------------------------------------------------------------------------------
# definitions the whole mutation set found read wrongly: each alone in its document, as there


def _alone(head: str, formula: str):  # type: ignore[no-untyped-def]
    (r,) = _results(f"{head}\n\n$${formula}$$\n")
    return r


MSE_HEAD = "<!-- derivator: activation=sigmoid loss=mse network=general -->"


def test_a_negated_chain_for_delta_is_no_definition_of_its_sign() -> None:
    """δ = −∂L_i/∂a · ∂a/∂z is false of the notation's δ; only δ = −∂C/∂z itself defines δ with
    the author's minus sign (docs/soundness.md), so the chain is not taken as a definition."""
    chain = lambda N: (N.dLi(N.z[Lo]), -N.dLi(N.a[Lo]) * sig_p(N, Lo))  # noqa: E731
    assert not holds(chain, GENERIC)
    for tag, idx in (("L", "j"), ("L-1", "k"), ("l", "k")):
        formula = (
            rf"\delta_{{i{idx}}}^{{({tag})}} = -\frac{{\partial L_{{i}}}}{{\partial a_{{i{idx}}}^{{({tag})}}}} "
            rf"\frac{{\partial a_{{i{idx}}}^{{({tag})}}}}{{\partial z_{{i{idx}}}^{{({tag})}}}}"
        )
        r = _alone(MSE_HEAD, formula)
        assert r.verdict not in ("proved", "defined"), (formula, r.verdict, r.reason)
        assert any("−∂C/∂z" in h for h in r.hints), r.hints
    plus = r"\delta_{ij}^{(L)} = \frac{\partial L_{i}}{\partial a_{ij}^{(L)}} \frac{\partial a_{ij}^{(L)}}{\partial z_{ij}^{(L)}}"
    assert holds(lambda N: (N.dLi(N.z[Lo]), N.dLi(N.a[Lo]) * sig_p(N, Lo)), GENERIC)
    assert _alone(MSE_HEAD, plus).verdict == "defined"


def test_the_mean_cost_given_as_a_number_is_judged_against_the_network() -> None:
    """L = 1/n is false of the network's mean cost: never defined, and what uses L after it is
    not judged in a network that ignores it."""
    assert not holds(lambda N: (N.L, 1 / N.n), GENERIC)
    for formula in (r"L = \frac{1}{n}", r"L = 0.5"):
        text = f"{MSE_HEAD}\n\n$${formula}$$\n\n$$\\frac{{\\partial L}}{{\\partial w^{{(L)}}_{{jk}}}} = 0$$\n"
        first, then = _results(text)
        assert first.verdict == "error" and then.verdict == "error", (first.reason, then.reason)
        assert "line 3" in then.reason, then.reason


ZERO = (
    r"\left(\left(\sum_{e} \sum_{f} a_{ef}^{(L)} + \sum_{e} \sum_{f} z_{ef}^{(L)}\right)^{2} "
    r"- \left(\sum_{e} \sum_{f} a_{ef}^{(L)}\right)^{2} - 2 \left(\sum_{e} \sum_{f} a_{ef}^{(L)}\right) "
    r"\sum_{e} \sum_{f} z_{ef}^{(L)} - \left(\sum_{e} \sum_{f} z_{ef}^{(L)}\right)^{2}\right)^{16}"
)


def _zero(N):  # type: ignore[no-untyped-def]
    A, Z = N.a[D2].sum(), N.z[D2].sum()
    return ((A + Z) ** 2 - A**2 - 2 * A * Z - Z**2) ** 16


@pytest.mark.parametrize(
    "loss,cost,value",
    [
        (
            "cross-entropy",
            r"-\sum_{j} y_{ij} \ln\left(a_{ij}^{(L)}\right)",
            lambda N: -(N.y * N.a[D2].log()).sum(1),
        ),
        (
            "binary-cross-entropy",
            r"-\sum_{j} \left(y_{ij} \ln\left(a_{ij}^{(L)}\right) + \left(1 - y_{ij}\right) \ln\left(1 - a_{ij}^{(L)}\right)\right)",
            lambda N: -(N.y * N.a[D2].log() + (1 - N.y) * (1 - N.a[D2]).log()).sum(1),
        ),
    ],
)
def test_a_square_beside_a_logarithm_says_nothing_of_the_half(loss: str, cost: str, value) -> None:  # type: ignore[no-untyped-def]
    """L_i = (a cross-entropy) + X¹⁶ with X = (A + Z)² − A² − 2AZ − Z² = 0: the squares are no
    squared error, so no ½ is read from them; the definition holds and is defined."""
    setup = Setup(depth=2, out="softmax" if loss == "cross-entropy" else None, loss=loss)
    assert holds(lambda N: (N.Li, value(N) + _zero(N)), setup)
    head = f"<!-- derivator: activation=sigmoid loss={loss} network=general -->"
    r = _alone(head, rf"L_{{i}} = {cost} + {ZERO}")
    assert r.verdict == "defined", (r.verdict, r.reason, r.hints)
