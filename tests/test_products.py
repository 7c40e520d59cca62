"""Products over an index, ``\\prod_{k=1}^{n} x_k`` and ``\\prod_k``, read soundly: the likelihood
of sigmoid or softmax outputs, its derivatives and its log (a sum of logs only where every factor
is positive in the model), and products of factors with no sign (tanh outputs), which stay
products.  Truth comes from our own evaluator (PyTorch at random sizes where the sample count and
every width differ, two draws), never from derivator; each true form has false twins that must
never be proved."""

from __future__ import annotations

import pytest
import torch
from test_corpus_real import GENERIC, SOFTMAX, Lo, holds

from derivator.document import Run, check_text

TANH = GENERIC.__class__(act="tanh")


def _leaf(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone().requires_grad_()


def _by_a(N, f):  # type: ignore[no-untyped-def]
    """∂f(a)/∂a_j per sample, at the output activations a = a^(L), f giving one value per sample."""
    a = _leaf(N.a[Lo])
    return a, torch.autograd.grad(f(a).sum(), a)[0]


def _lik(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.prod(a**y, 1)


def _bern(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.prod(a**y * (1 - a) ** (1 - y), 1)


def _but_one(a: torch.Tensor) -> torch.Tensor:
    """∏_{k≠j} a_k for every j, without dividing (exact where an a_k is 0)."""
    m = a.shape[1]
    return torch.stack([torch.prod(a[:, [k for k in range(m) if k != j]], 1) for j in range(m)], 1)


def _d_lik(N):  # type: ignore[no-untyped-def]
    return _by_a(N, lambda a: _lik(a, N.y))


def _d_log_bern(N):  # type: ignore[no-untyped-def]
    return _by_a(N, lambda a: torch.log(_bern(a, N.y)))


def _d_prod(N):  # type: ignore[no-untyped-def]
    return _by_a(N, lambda a: torch.prod(a, 1))


A, Y = "a^{(L)}", "y"
DA = r"\frac{\partial}{\partial a^{(L)}_j}"
LIK = rf"\prod_k ({A}_k)^{{{Y}_k}}"
BERN = rf"\prod_{{k=1}}^{{n_L}} ({A}_k)^{{{Y}_k}} (1 - {A}_k)^{{1 - {Y}_k}}"

#: (formula, setup, sides): sides(N) gives both sides at the evaluator's network N
CASES = [
    (
        rf"{DA} {LIK} = \frac{{y_j}}{{{A}_j}} {LIK}",
        GENERIC,
        lambda N: (_d_lik(N)[1], N.y / N.a[Lo] * _lik(N.a[Lo], N.y)[:, None]),
    ),
    (
        rf"{DA} {LIK} = y_j ({A}_j)^{{y_j - 1}} \prod_{{k \neq j}} ({A}_k)^{{y_k}}",
        GENERIC,
        lambda N: (
            _d_lik(N)[1],
            N.y * N.a[Lo] ** (N.y - 1) * _but_one(N.a[Lo] ** N.y),
        ),
    ),
    (rf"{DA} {LIK} = \frac{{y_j}}{{{A}_j}}", GENERIC, lambda N: (_d_lik(N)[1], N.y / N.a[Lo])),
    (
        rf"{DA} {LIK} = y_j {LIK}",
        GENERIC,
        lambda N: (_d_lik(N)[1], N.y * _lik(N.a[Lo], N.y)[:, None]),
    ),
    (
        rf"{DA} \log {BERN} = \frac{{y_j}}{{{A}_j}} - \frac{{1 - y_j}}{{1 - {A}_j}}",
        GENERIC,
        lambda N: (_d_log_bern(N)[1], N.y / N.a[Lo] - (1 - N.y) / (1 - N.a[Lo])),
    ),
    (
        rf"{DA} \log {BERN} = \frac{{y_j}}{{{A}_j}} + \frac{{1 - y_j}}{{1 - {A}_j}}",
        GENERIC,
        lambda N: (_d_log_bern(N)[1], N.y / N.a[Lo] + (1 - N.y) / (1 - N.a[Lo])),
    ),
    (
        rf"\log \prod_k {A}_k = \sum_k \log {A}_k",
        GENERIC,
        lambda N: (torch.log(torch.prod(N.a[Lo], 1)), torch.log(N.a[Lo]).sum(1)),
    ),
    (
        rf"\log \prod_k {A}_k = \log {A}_j",
        GENERIC,
        lambda N: (torch.log(torch.prod(N.a[Lo], 1))[:, None], torch.log(N.a[Lo])),
    ),
    (
        rf"\frac{{\partial}}{{\partial z^{{(L)}}_j}} \prod_k {A}_k = (1 - {A}_j) \prod_k {A}_k",
        GENERIC,
        lambda N: (
            N.jac(torch.prod(N.a[Lo], 1)[:, None], N.z[Lo])[:, 0, :],
            (1 - N.a[Lo]) * torch.prod(N.a[Lo], 1)[:, None],
        ),
    ),
    (
        rf"\frac{{\partial}}{{\partial z^{{(L)}}_j}} \prod_k {A}_k = {A}_j \prod_k {A}_k",
        GENERIC,
        lambda N: (
            N.jac(torch.prod(N.a[Lo], 1)[:, None], N.z[Lo])[:, 0, :],
            N.a[Lo] * torch.prod(N.a[Lo], 1)[:, None],
        ),
    ),
    # tanh outputs have no sign: the product stays a product
    (rf"{DA} \prod_k {A}_k = \prod_{{k \neq j}} {A}_k", TANH, lambda N: _d_prod_tanh(N, True)),
    (rf"{DA} \prod_k {A}_k = \prod_k {A}_k", TANH, lambda N: _d_prod_tanh(N, False)),
]


def _d_prod_tanh(N, true_form: bool):  # type: ignore[no-untyped-def]
    _, d = _d_prod(N)
    rhs = _but_one(N.a[Lo]) if true_form else torch.prod(N.a[Lo], 1)[:, None].expand_as(d)
    return d, rhs


def _verdict(setup, formula: str):  # type: ignore[no-untyped-def]
    act = "tanh" if setup is TANH else "sigmoid"
    text = f"<!-- derivator: activation={act} cost-is=sample -->\n\n$${formula}$$\n"
    (r,) = check_text("prod.md", text, Run(timeout=30.0))
    return r


@pytest.mark.parametrize("k", range(len(CASES)))
def test_a_product_over_an_index_is_judged_by_its_value(k: int) -> None:
    formula, setup, sides = CASES[k]
    true = holds(sides, setup)
    r = _verdict(setup, formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_the_softmax_likelihood_and_its_log() -> None:
    """−log ∏_k a_k^{y_k} at a softmax output with targets that sum to one: ∂/∂z_j = a_j − y_j."""
    head = "<!-- derivator: loss=cross-entropy targets=distribution cost-is=sample -->\n\n"

    def d_nll(N):  # type: ignore[no-untyped-def]
        z = _leaf(N.z[1])
        nll = -torch.log(torch.prod(torch.softmax(z, 1) ** N.y, 1))
        return torch.autograd.grad(nll.sum(), z)[0]

    nll = r"-\log \prod_k (a^{(L)}_k)^{y_k}"
    forms = [
        ("a^{(L)}_j - y_j", lambda N: (d_nll(N), N.a[1] - N.y)),
        ("y_j - a^{(L)}_j", lambda N: (d_nll(N), N.y - N.a[1])),
    ]
    for rhs, sides in forms:
        true = holds(sides, SOFTMAX)
        formula = rf"\frac{{\partial}}{{\partial z^{{(L)}}_j}} \left({nll}\right) = {rhs}"
        (r,) = check_text("soft.md", f"{head}$${formula}$$\n", Run(timeout=30.0))
        assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.reason)


def test_a_log_of_a_product_of_unsigned_factors_is_never_split() -> None:
    """log ∏_k a_k = Σ_k log a_k needs every a_k > 0: under tanh it is never proved."""
    r = _verdict(TANH, rf"\log \prod_k {A}_k = \sum_k \log {A}_k")
    assert r.verdict != "proved", r.reason


@pytest.mark.parametrize(
    "formula,column,words",
    [
        (r"\prod x = 1", 1, "a product needs its index"),
        (rf"\prod_{{k=1}} {A}_k = 1", 1, "give both bounds of the product over k"),
    ],
)
def test_what_a_product_cannot_be_read_as_is_shown_at_its_place(
    formula: str, column: int, words: str
) -> None:
    r = _verdict(GENERIC, formula)
    assert r.verdict == "error" and words in r.reason, r.reason
    assert r.at == (3, 2 + column), r.at
