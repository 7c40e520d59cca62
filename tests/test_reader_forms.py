"""Forms of other authors that the reader takes (docs/notation-conventions.md): Ng's batch forms
with the examples as columns, names of several letters (net, out, Cost), plain TeX's {\\cal C},
hats on vectors.  Every verdict is checked against the PyTorch evaluator of test_corpus_real
(random sizes where the sample count and every width differ), never against derivator."""

from __future__ import annotations

import pytest
import torch
from test_corpus_real import GENERIC, Lo, cols, d_dx, holds, l, outer, sig_p, x

from derivator.document import Run, check_text

NG_HEAD = "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n\n$$A^{[l]} = g^{[l]}(Z^{[l]})$$\n\n"


def _dZ(N, p):  # type: ignore[no-untyped-def]
    """Ng's dZ^{[p]}: column i is ∂L_i/∂z^{[p](i)}."""
    return cols(N.dLi(N.z[p]))


BATCH = [
    (
        r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}",
        lambda N: (N.grad(N.L, N.W[l]), _dZ(N, l) @ N.a[l - 1] / N.n),
    ),
    (r"dW^{[l]} = dZ^{[l]} A^{[l-1]T}", lambda N: (N.grad(N.L, N.W[l]), _dZ(N, l) @ N.a[l - 1])),
    (
        r"db^{[l]} = \frac{1}{m}\sum_{i=1}^{m} dZ^{[l](i)}",
        lambda N: (N.grad(N.L, N.b[l]), _dZ(N, l).mean(1)),
    ),
    (r"db^{[l]} = \sum_{i=1}^{m} dZ^{[l](i)}", lambda N: (N.grad(N.L, N.b[l]), _dZ(N, l).sum(1))),
    (r"dA^{[l-1]} = W^{[l]T} dZ^{[l]}", lambda N: (cols(N.dLi(N.a[l - 1])), N.W[l].T @ _dZ(N, l))),
    (
        r"dA^{[l-1]} = \frac{1}{m} W^{[l]T} dZ^{[l]}",
        lambda N: (cols(N.dLi(N.a[l - 1])), N.W[l].T @ _dZ(N, l) / N.n),
    ),
    (
        r"dZ^{[l]} = dA^{[l]} * g^{[l]\prime}(Z^{[l]})",
        lambda N: (_dZ(N, l), cols(N.dLi(N.a[l])) * cols(sig_p(N, l))),
    ),
    (
        r"dZ^{[l]} = dA^{[l]} * g^{[l]}(Z^{[l]})",
        lambda N: (_dZ(N, l), cols(N.dLi(N.a[l])) * torch.sigmoid(cols(N.z[l]))),
    ),
    (
        r"dZ^{[l]} = W^{[l+1]T} dZ^{[l+1]} * g^{[l]\prime}(Z^{[l]})",
        lambda N: (_dZ(N, l), (N.W[l + 1].T @ _dZ(N, l + 1)) * cols(sig_p(N, l))),
    ),
    (r"dZ^{[l]} = W^{[l+1]} dZ^{[l+1]} * g^{[l]\prime}(Z^{[l]})", None),  # W not transposed: shapes
    (
        r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T",
        lambda N: (N.grad(N.L, N.W[1]), _dZ(N, 1) @ N.a[0] / N.n),
    ),
    (
        r"dA^{[l-1]}=W^{[l]}{^T}\cdot dZ^{[l]}",
        lambda N: (cols(N.dLi(N.a[l - 1])), N.W[l].T @ _dZ(N, l)),
    ),
    (
        r"A^{[l]} = g^{[l]}(Z^{[l]}) + b^{[l]}",
        lambda N: (cols(N.a[l]), torch.sigmoid(cols(N.z[l])) + N.b[l][:, None]),
    ),
]


def _last(text: str):  # type: ignore[no-untyped-def]
    return check_text("post.md", text, Run(timeout=20.0))[-1]


@pytest.mark.parametrize("k", range(len(BATCH)))
def test_ng_batch_forms_with_examples_as_columns(k: int) -> None:
    formula, sides = BATCH[k]
    r = _last(NG_HEAD + f"$${formula}$$\n")
    if sides is None:
        assert r.verdict in ("refuted", "error"), (formula, r.verdict, r.reason)
        return
    true = holds(sides, GENERIC)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_a_batch_derivative_without_a_layout_names_the_directive() -> None:
    text = "$$dA^{[l-1]} = W^{[l]T} dZ^{[l]}$$\n"
    r = _last(text)
    assert r.verdict == "error" and "batch=columns" in r.reason, r.reason
    r = _last("<!-- derivator: batch=columns -->\n\n" + text)
    assert r.verdict == "proved", r.reason


@pytest.mark.parametrize("k", [0, 1, 4, 5])
@pytest.mark.parametrize(
    "forward",
    [
        "$$A^{[l]} = g^{[l]}(W^{[l]} A^{[l-1]} + b^{[l]})$$\n\n",
        "$$A^{[l]} = \\sigma\\left(W^{[l]} A^{[l-1]} + b^{[l]}\\right)$$\n\n",
    ],
)
def test_the_layout_is_read_from_the_activation_of_a_batch(forward: str, k: int) -> None:
    """A = σ(W A + b) says, like Z = W A + b, that a batch's examples are its columns: the
    batch forms read without a directive."""
    formula, sides = BATCH[k]
    r = _last(forward + f"$${formula}$$\n")
    true = holds(sides, GENERIC)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_program_code_in_a_formula_is_an_explained_error() -> None:
    r = _last(NG_HEAD + "$$db^{[l]} = \\frac{1}{m} np.sum(dZ^{[l]}, axis=1, keepdims=True)$$\n")
    assert r.verdict == "error" and "np.sum" in r.reason and "\\sum" in r.reason, r.reason


WORDS = (
    "$$\\text{net}_j^{(L)} = \\sum_k w_{jk}^{(L)} \\mathit{out}_k^{(L-1)} + b_j^{(L)}$$\n\n"
    "$$\\mathit{out}_j^{(L)} = \\sigma(\\text{net}_j^{(L)})$$\n\n"
    "$$\\text{Cost} = \\frac{1}{2}\\sum_j (\\mathit{out}_j^{(L)} - y_j)^2$$\n\n"
)
NAMES = [
    (
        r"\frac{\partial \text{Cost}}{\partial \text{net}_j^{(L)}} = (\mathit{out}_j^{(L)} - y_j) \sigma'(\text{net}_j^{(L)})",
        lambda N: (N.dLi(N.z[Lo]), (N.a[Lo] - N.y) * sig_p(N, Lo)),
    ),
    (
        r"\frac{\partial \text{Cost}}{\partial \mathrm{net}_j^{(L)}} = \mathit{out}_j^{(L)} - y_j",
        lambda N: (N.dLi(N.z[Lo]), N.a[Lo] - N.y),
    ),
    (
        r"\frac{\partial \text{Cost}}{\partial w_{jk}^{(L)}} = (\mathit{out}_j^{(L)} - y_j) \sigma'(\text{net}_j^{(L)}) \mathit{out}_k^{(L-1)}",
        lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] - N.y) * sig_p(N, Lo), N.a[Lo - 1])),
    ),
]


@pytest.mark.parametrize("k", range(len(NAMES)))
def test_names_of_several_letters_inferred_from_the_forward_pass(k: int) -> None:
    formula, sides = NAMES[k]
    results = check_text("post.md", WORDS + f"$${formula}$$\n", Run(timeout=20.0))
    assert [r.verdict for r in results[:3]] == ["defined"] * 3, [
        (r.verdict, r.reason) for r in results
    ]
    r = results[-1]
    assert r.verdict == ("proved" if holds(sides, GENERIC) else "refuted"), (
        formula,
        r.verdict,
        r.reason,
    )


def test_names_of_several_letters_declared_are_read_bare() -> None:
    text = (
        "<!-- derivator: letters=preactivation:net,activation:out cost=Cost cost-is=sample "
        "loss=mse -->\n\n"
        "$$\\frac{\\partial Cost}{\\partial net_j^{(L)}} = (out_j^{(L)} - y_j) \\sigma'(net_j^{(L)})$$\n\n"
        "$$\\frac{\\partial Cost}{\\partial net_j^{(L)}} = out_j^{(L)} - y_j$$\n"
    )
    truth = [holds(NAMES[0][1], GENERIC), holds(NAMES[1][1], GENERIC)]
    got = [r.verdict for r in check_text("post.md", text, Run(timeout=20.0))]
    assert got == ["proved" if t else "refuted" for t in truth], got
    # undeclared, the same letters are a product n·e·t: never a name made up by the reader
    (r,) = check_text("post.md", "$$net_j^{(L)} = \\sigma(out_j^{(L)})$$\n", Run())
    assert r.verdict == "error", r.reason


def test_plain_tex_calligraphic_cost_and_hats_on_vectors() -> None:
    text = (
        "<!-- derivator: cost-is=sample -->\n\n"
        "$$\\frac{\\partial {\\cal C}}{\\partial z_j^L} = \\frac{\\partial {\\cal C}}{\\partial a_j^L} \\sigma'(z_j^L)$$\n\n"
        "$$\\hat{\\delta}^L = \\sigma'(\\hat{z}^L)\\circ\\frac{\\partial {\\cal C}}{\\partial (\\hat{a}^L)}$$\n"
    )
    bp1 = holds(lambda N: (N.dLi(N.z[Lo]), N.dLi(N.a[Lo]) * sig_p(N, Lo)), GENERIC)
    assert [r.verdict for r in check_text("post.md", text, Run())] == [
        "proved" if bp1 else "refuted"
    ] * 2
    # ŷ is never read as the target y: a name of the document's own, which an equation that
    # introduces it defines, and which a claim cannot use before anything defines it
    (r,) = check_text("post.md", "$$\\hat{y}_j = a_j^{(L)}$$\n", Run())
    assert r.verdict == "defined" and r.defines == "\\hat{y}", r
    (r,) = check_text("post.md", "$$a_j^{(L)} - \\hat{y}_j = a_j^{(L)} - y_j$$\n", Run())
    assert r.verdict == "error" and "\\hat{y}" in r.reason, r.reason


PRIMED = [  # a chain that starts with f'(x): a primed bracket is d/dx (truth: autograd on a grid of x)
    (r"((1 + e^{-x})^{-1})'", lambda t: (1 + torch.exp(-t)) ** -1),
    (r"((1 + e^{-x})^{-2})'", lambda t: (1 + torch.exp(-t)) ** -2),
    (r"(1 + e^{-x})^{-2} \times (1 + e^{-x})'", lambda t: (1 + torch.exp(-t)) ** -1),  # sign lost
]


@pytest.mark.parametrize("k", range(len(PRIMED)))
def test_a_primed_bracket_in_a_chain_of_f_prime_of_x(k: int) -> None:
    text, f = PRIMED[k]
    r = _last("$$Sigmoid(x) = f(x) = \\frac{1}{1 + e^{-x}}$$\n\n" + f"$$f'(x) = {text}$$\n")
    expected = d_dx(f) if k < 2 else (1 + torch.exp(-x)) ** -2 * d_dx(lambda t: 1 + torch.exp(-t))
    true = torch.allclose(d_dx(torch.sigmoid), expected)
    assert r.verdict == ("proved" if true else "refuted"), (text, true, r.verdict, r.reason)


SOFT = (
    "<!-- derivator: loss=cross-entropy targets=distribution cost=L cost-is=sample "
    "letters=activation:p,preactivation:o layer-tags=none index-layers=i:L,j:L,k:L -->\n\n"
)


def test_a_relation_under_an_index_condition() -> None:
    """``…, \\quad i = j``: checked for the case it states (j read as i); ``i \\neq j`` cannot be
    assumed and is reported, never judged without its condition."""
    from test_corpus_real import SOFTMAX

    diag = holds(
        lambda N: (torch.diagonal(N.jac(N.a[1], N.z[1]), 0, 1, 2), N.a[1] * (1 - N.a[1])), SOFTMAX
    )
    wrong = holds(lambda N: (torch.diagonal(N.jac(N.a[1], N.z[1]), 0, 1, 2), N.a[1] ** 2), SOFTMAX)
    got = [
        r.verdict
        for r in check_text(
            "q.md",
            SOFT + "$$\\frac{\\partial p_j}{\\partial o_i} = p_i(1 - p_i),\\quad i = j$$\n\n"
            "$$\\frac{\\partial p_j}{\\partial o_i} = p_i p_i,\\quad i = j$$\n\n"
            "$$\\frac{\\partial p_j}{\\partial o_i} = -p_i p_j,\\quad i \\neq j$$\n",
            Run(),
        )
    ]
    assert got == [
        "proved" if diag else "refuted",
        "skipped",
        "proved" if wrong else "refuted",
        "skipped",
        "error",
    ], got


#: spacing inside a product: \quad, \,, \; and ~ between factors are a product
SPACED = [
    (
        r"\frac{\partial C}{\partial w^{(L)}_{jk}} = a^{(L-1)}_k \quad \sigma'(z^{(L)}_j) \quad (a^{(L)}_j - y_j)",
        lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] - N.y) * sig_p(N, Lo), N.a[Lo - 1])),
    ),
    (
        r"\frac{\partial C}{\partial w^{(L)}_{jk}} = -1 \quad (y_j - a^{(L)}_j) \quad \sigma'(z^{(L)}_j) \quad a^{(L-1)}_k",
        lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] - N.y) * sig_p(N, Lo), N.a[Lo - 1])),
    ),
    (
        r"\frac{\partial C}{\partial w^{(L)}_{jk}} = a^{(L-1)}_k\,\sigma'(z^{(L)}_j)\;(a^{(L)}_j - y_j)",
        lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] - N.y) * sig_p(N, Lo), N.a[Lo - 1])),
    ),
    (
        r"\frac{\partial C}{\partial w^{(L)}_{jk}} = a^{(L-1)}_k~\sigma'(z^{(L)}_j) \qquad (a^{(L)}_j + y_j)",
        lambda N: (N.dLi_param(N.W[Lo]), outer((N.a[Lo] + N.y) * sig_p(N, Lo), N.a[Lo - 1])),
    ),
]


@pytest.mark.parametrize("k", range(len(SPACED)))
def test_spacing_inside_a_product_is_a_product(k: int) -> None:
    formula, sides = SPACED[k]
    r = _last(f"<!-- derivator: cost-is=sample -->\n\n$${formula}$$\n")
    want = "proved" if holds(sides, GENERIC) else "refuted"
    assert r.verdict == want, (formula, r.verdict, r.reason)


def test_spacing_before_a_relation_still_separates_relations() -> None:
    text = (
        "<!-- derivator: cost-is=sample -->\n\n"
        "$$\\frac{\\partial C}{\\partial b^{(L)}_{j}} = \\delta^{(L)}_j \\quad\\quad "
        "\\delta^{(L)}_j = \\sigma'(z^{(L)}_j)\\,(a^{(L)}_j - y_j)$$\n"
    )
    results = check_text("post.md", text, Run(timeout=20.0))
    assert [r.relation for r in results] == [
        "\\frac{\\partial C}{\\partial b^{(L)}_{j}} = \\delta^{(L)}_j",
        "\\delta^{(L)}_j = \\sigma'(z^{(L)}_j)\\,(a^{(L)}_j - y_j)",
    ]
    assert [r.verdict for r in results] == ["proved", "proved"]


#: operators and macros of other authors, each with its truth
OPERATORS = [
    (r"\frac{\partial C}{\partial a^{(L-1)}_k} = \sum_j w^{(L)}_{jk} \delta^{(L)}_j", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}} = W^{(L)\intercal} \delta^{(L)}", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}} = (W^{(L)})^\mathsf{T} \delta^{(L)}", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}} = (W^{(L)})^{\mathrm{T}} \delta^{(L)}", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}} = W^{(L)T} \delta^{(L)}", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}_k} = \sum w^{(L)}_{jk} \delta^{(L)}_j", True),
    (r"\frac{\partial C}{\partial a^{(L-1)}_k} = \sum w^{(L)}_{jk} a^{(L)}_j", False),
    (
        r"\frac{\partial C}{\partial a^{(L-1)}_k} = \sum_{j \in \text{outputs}} w^{(L)}_{jk} \delta^{(L)}_j",
        True,
    ),
    (
        r"\frac{\partial C}{\partial a^{(L-1)}_k} = \bigg( \sum_j w^{(L)}_{jk} \delta^{(L)}_j \bigg)",
        True,
    ),
    (r"1 - \tanh^2(x) = \operatorname{sech}^2(x)", True),
    (r"1 - \tanh^2(x) = \frac{1}{\cosh^{2}(x)}", True),
    (r"1 + \tanh^2(x) = \frac{1}{\cosh^{2}(x)}", False),
    (r"\max\{0, x\} = \max(0, x)", True),
    (r"0.25 + -0.05 = 0.2", True),
]


def _operator_truth(formula: str) -> bool:
    """The truth of OPERATORS' network-free rows, from math at many points (our evaluator)."""
    import math

    xs = [-2.0 + 0.37 * k for k in range(12)]
    if "tanh" in formula:
        sign = 1 if "1 + " in formula else -1
        return all(abs((1 + sign * math.tanh(v) ** 2) - 1 / math.cosh(v) ** 2) < 1e-12 for v in xs)
    return True  # max{0, x} = max(0, x) and 0.25 - 0.05 = 0.2 hold


@pytest.mark.parametrize("k", range(len(OPERATORS)))
def test_operators_and_macros_of_other_authors(k: int) -> None:
    formula, _ = OPERATORS[k]
    r = _last(f"<!-- derivator: cost-is=sample -->\n\n$${formula}$$\n")
    if "partial" in formula:  # ∂C/∂a^{(L-1)}_k = Σ_j w_jk δ_j, from the PyTorch evaluator
        wrong = " a^{(L)}_j" in formula  # the activation where δ belongs
        true = holds(
            lambda N: (N.dLi(N.a[Lo - 1]), (N.a[Lo] if wrong else N.dLi(N.z[Lo])) @ N.W[Lo]),
            GENERIC,
        )
    else:
        true = _operator_truth(formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, r.verdict, r.reason)


@pytest.mark.parametrize("sign", ["\\triangleq", "\\coloneqq", ":=", "\\equiv", "≜"])
def test_definition_signs_are_read_as_definitions(sign: str) -> None:
    r = _last(
        "<!-- derivator: cost-is=sample -->\n\n"
        f"$$\\delta^{{(L)}}_j {sign} \\frac{{\\partial C}}{{\\partial z^{{(L)}}_j}}$$\n"
    )
    assert r.verdict in ("defined", "proved"), (r.verdict, r.reason)


def test_a_sum_whose_index_cannot_be_told_says_what_to_write() -> None:
    r = _last("$$L = \\frac{1}{2} \\sum (y_{ij} - a^{(L)}_{ij})^2$$\n")
    assert r.verdict == "error" and "\\sum_{k}" in r.reason and "any of i, j" in r.reason


def test_a_blank_line_inside_a_display_keeps_the_display_whole() -> None:
    text = (
        "<!-- derivator: cost-is=sample -->\n\n"
        "$$\\frac{\\partial C}{\\partial a^{(L-1)}_k}\n\n= \\sum_j w^{(L)}_{jk} \\delta^{(L)}_j$$\n\n"
        "$$\\frac{\\partial C}{\\partial a^{(L-1)}_k}\n\n= \\sum_j w^{(L)}_{jk} a^{(L)}_j$$\n\n"
        "text $$a = b\n\nmore text\n"
    )
    results = check_text("post.md", text, Run(timeout=20.0))
    assert [r.verdict for r in results] == ["proved", "refuted", "error"], [
        (r.verdict, r.reason) for r in results
    ]
    assert "$$ is never closed" in results[2].reason


def test_a_product_whose_body_lacks_its_index_is_refused_at_its_place() -> None:
    """Products over an index are read (tests/test_products.py); one whose body does not use its
    index names no range and is an error at the ∏."""
    r = _last("$$\\prod_{k=1}^{3} x = x^3$$\n")
    assert r.verdict == "error" and "the product over k has a body without k" in r.reason
    assert r.at == (1, 3)


#: matrix identities, examples as rows: Δ's row i is sample i's δ
MATRIX_FORMS = [
    (r"\nabla W^{(L)} = n^{-1} \Delta^{(L)T} A^{(L-1)}", 1),
    (r"\nabla W^{(L)} = n^{-2} \Delta^{(L)T} A^{(L-1)}", 2),
    (r"\nabla W^{(L)} = \frac{1}{n} (A^{(L-1)T} \Delta^{(L)})^T", 1),
]


@pytest.mark.parametrize("k", range(len(MATRIX_FORMS)))
def test_matrix_identities_with_a_scalar_in_front(k: int) -> None:
    formula, power = MATRIX_FORMS[k]
    r = _last(f"$${formula}$$\n")
    true = holds(
        lambda N: (N.grad(N.L, N.W[Lo]), N.dLi(N.z[Lo]).T @ N.a[Lo - 1] / N.n**power), GENERIC
    )
    assert r.verdict == ("proved" if true else "refuted"), (formula, r.verdict, r.reason)


def test_a_jacobian_across_layers_is_read_in_the_layout_its_shapes_fit() -> None:
    """∂z^{(L)}/∂a^{(L-1)} is W^{(L)} as a Jacobian and W^{(L)T} in the layout of the chain
    ∂z/∂a · ∂a/∂z · ∂C/∂a: layers L and L-1 have different widths, so only one layout gives
    each side's indices one range, and that is the layout read (either way, true)."""
    jac = lambda N: N.jac(N.z[Lo], N.a[Lo - 1])  # noqa: E731
    assert holds(lambda N: (jac(N), N.W[Lo][None].expand(N.n, -1, -1)), GENERIC)
    assert holds(lambda N: (jac(N).transpose(1, 2), N.W[Lo].T[None].expand(N.n, -1, -1)), GENERIC)
    for w in ("W^{(L)}", "W^{(L)T}"):
        r = _last(f"$$\\frac{{\\partial z^{{(L)}}}}{{\\partial a^{{(L-1)}}}} = {w}$$\n")
        assert r.verdict == "proved", r.reason


def _eye(N, x):  # type: ignore[no-untyped-def]
    """[ρ = κ] over one sample's entries of x, per sample: (n, m, m)."""
    return torch.eye(x.shape[1], dtype=x.dtype).expand(N.n, -1, -1)


#: ∂u/∂v of one example's vectors: the Jacobian, entry (ρ, κ) = ∂u_ρ/∂v_κ; diag(v) standing
#: alone is its matrix.  (directive, formula, sides, network); truth by autograd (``N.jac``)
JACOBIANS = [
    (
        "loss=cross-entropy",
        r"\frac{\partial a^{(L)}}{\partial z^{(L)}} = \operatorname{diag}(a^{(L)}) - a^{(L)} a^{(L)T}",
        lambda N: (
            N.jac(N.a[1], N.z[1]),
            _eye(N, N.a[1]) * N.a[1][:, :, None] - N.a[1][:, :, None] * N.a[1][:, None, :],
        ),
        "softmax",
    ),
    (
        "loss=cross-entropy",
        r"\frac{\partial a^{(L)}}{\partial z^{(L)}} = \operatorname{diag}(a^{(L)})",
        lambda N: (N.jac(N.a[1], N.z[1]), _eye(N, N.a[1]) * N.a[1][:, :, None]),
        "softmax",
    ),
    (
        "",
        r"\frac{\partial a^{(L-1)}}{\partial z^{(L-1)}} = \operatorname{diag}(\sigma'(z^{(L-1)}))",
        lambda N: (
            N.jac(N.a[Lo - 1], N.z[Lo - 1]),
            _eye(N, N.a[Lo - 1]) * sig_p(N, Lo - 1)[:, :, None],
        ),
        "generic",
    ),
    (
        "",
        r"\frac{\partial a^{(L-1)}}{\partial z^{(L-1)}} = \sigma'(z^{(L-1)}) \sigma'(z^{(L-1)})^T",
        lambda N: (
            N.jac(N.a[Lo - 1], N.z[Lo - 1]),
            sig_p(N, Lo - 1)[:, :, None] * sig_p(N, Lo - 1)[:, None, :],
        ),
        "generic",
    ),
]


@pytest.mark.parametrize("k", range(len(JACOBIANS)))
def test_the_jacobian_of_a_vector_and_diag_standing_alone(k: int) -> None:
    from test_corpus_real import SOFTMAX

    directive, formula, sides, network = JACOBIANS[k]
    true = holds(sides, SOFTMAX if network == "softmax" else GENERIC)
    r = _last(f"<!-- derivator: cost-is=sample {directive} -->\n\n$${formula}$$\n")
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


#: \sin and \cos, read as the functions they are; truth from torch on a grid and on networks
TRIG = [
    (
        r"\cos(z^{(L)}_j)^2 + \sin(z^{(L)}_j)^2 = 1",
        lambda N: (N.z[Lo].cos() ** 2 + N.z[Lo].sin() ** 2, 1),
    ),
    (
        r"\cos^2(z^{(L)}_j) + \sin^2(z^{(L)}_j) = 2",
        lambda N: (N.z[Lo].cos() ** 2 + N.z[Lo].sin() ** 2, 2),
    ),
    (
        r"\sin(2 z^{(L)}_j) = 2 \sin(z^{(L)}_j) \cos(z^{(L)}_j)",
        lambda N: ((2 * N.z[Lo]).sin(), 2 * N.z[Lo].sin() * N.z[Lo].cos()),
    ),
    (r"\sin(z^{(L)}_j) = \cos(z^{(L)}_j)", lambda N: (N.z[Lo].sin(), N.z[Lo].cos())),
    (
        r"\frac{\partial \sin(z^{(L)}_j)}{\partial z^{(L)}_j} = \cos(z^{(L)}_j)",
        lambda N: (d_dx(torch.sin, N.z[Lo]), N.z[Lo].cos()),
    ),
    (
        r"\frac{\partial \cos(z^{(L)}_j)}{\partial z^{(L)}_j} = \sin(z^{(L)}_j)",
        lambda N: (d_dx(torch.cos, N.z[Lo]), N.z[Lo].sin()),
    ),
]


@pytest.mark.parametrize("k", range(len(TRIG)))
def test_sine_and_cosine_are_read(k: int) -> None:
    formula, sides = TRIG[k]
    r = _last(f"<!-- derivator: cost-is=sample -->\n\n$${formula}$$\n")
    true = holds(sides, GENERIC)
    assert r.verdict == ("proved" if true else "refuted"), (formula, r.verdict, r.reason)


@pytest.mark.parametrize(
    ("formula", "column", "words"),
    [
        ("$$\\Theta^{(1)} = 1$$", 3, "W^{(l)}"),
        ("$$\\bar{a} = 1$$", 3, "letter of its own"),
        ("$$\\lim_{h \\to 0} h = 0$$", 3, "limits"),
        ("$$\\pmatrix{a \\cr b} = 1$$", 3, "\\begin{pmatrix}"),
    ],
)
def test_macros_still_refused_say_where_and_why(formula: str, column: int, words: str) -> None:
    r = _last(formula + "\n")
    assert r.verdict == "error" and words in r.reason and r.at == (1, column), (r.reason, r.at)
