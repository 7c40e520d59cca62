"""Equivalent forms a careful author writes: true ones are proved through
identities valid for every real value (docs/soundness.md, "Readings"), and the same forms where
they are false (another activation, a wrong sign) are never proved.  Truth comes from our own
evaluator (PyTorch at random sizes where the sample count and widths differ), never from
derivator."""

from __future__ import annotations

import pytest
import torch
from test_corpus_real import GENERIC, Lo, holds

from derivator.document import Run, check_text

TANH = GENERIC.__class__(**{**GENERIC.__dict__, "act": "tanh"})
RELU = GENERIC.__class__(**{**GENERIC.__dict__, "act": "relu"})


def _verdict(directive: str, formula: str) -> str:
    text = f"<!-- derivator: cost-is=sample {directive} -->\n\n$${formula}$$\n"
    (r,) = check_text("forms.md", text, Run(timeout=20.0))
    return str(r.verdict)


def _relu_prime(N):  # type: ignore[no-untyped-def]
    return (N.z[Lo] > 0).to(torch.float64)


FORMS = [
    (
        "activation=sigmoid",
        r"\ln\frac{1}{a^{(L)}_j} = -\ln a^{(L)}_j",
        lambda N: (torch.log(1 / N.a[Lo]), -torch.log(N.a[Lo])),
        GENERIC,
    ),
    (
        "activation=sigmoid",
        r"\log \sum_k e^{z^{(L)}_k} = z^{(L)}_1 + \log\sum_k e^{z^{(L)}_k - z^{(L)}_1}",
        lambda N: (
            torch.logsumexp(N.z[Lo], 1),
            N.z[Lo][:, 1] + torch.logsumexp(N.z[Lo] - N.z[Lo][:, 1:2], 1),
        ),
        GENERIC,
    ),
    (
        "activation=sigmoid",
        r"\log \sum_k e^{z^{(L)}_k} = z^{(L)}_1 + \log\sum_k e^{z^{(L)}_k + z^{(L)}_1}",
        lambda N: (
            torch.logsumexp(N.z[Lo], 1),
            N.z[Lo][:, 1] + torch.logsumexp(N.z[Lo] + N.z[Lo][:, 1:2], 1),
        ),
        GENERIC,
    ),
    (  # e^{Σ_m z_m} beside e^{z_k} is split off the sum, never turned into Π_m e^{z_m}
        "activation=sigmoid",
        r"\log \sum_k e^{z^{(L)}_k} e^{\sum_m z^{(L)}_m} = \sum_m z^{(L)}_m + \log\sum_k e^{z^{(L)}_k}",
        lambda N: (
            torch.log((N.z[Lo].exp() * N.z[Lo].sum(1, keepdim=True).exp()).sum(1)),
            N.z[Lo].sum(1) + torch.logsumexp(N.z[Lo], 1),
        ),
        GENERIC,
    ),
    (
        "activation=sigmoid",
        r"\log \sum_k e^{z^{(L)}_k} e^{\sum_m z^{(L)}_m} = 2\sum_m z^{(L)}_m + \log\sum_k e^{z^{(L)}_k}",
        lambda N: (
            torch.log((N.z[Lo].exp() * N.z[Lo].sum(1, keepdim=True).exp()).sum(1)),
            2 * N.z[Lo].sum(1) + torch.logsumexp(N.z[Lo], 1),
        ),
        GENERIC,
    ),
    (
        "activation=relu",
        r"\sigma'(z^{(L)}_j)^2 = \sigma'(z^{(L)}_j)",
        lambda N: (_relu_prime(N) ** 2, _relu_prime(N)),
        RELU,
    ),
    (
        "activation=sigmoid",
        r"\sigma'(z^{(L)}_j)^2 = \sigma'(z^{(L)}_j)",
        lambda N: (
            (N.a[Lo] * (1 - N.a[Lo])) ** 2,
            N.a[Lo] * (1 - N.a[Lo]),
        ),
        GENERIC,
    ),
    (
        "activation=tanh",
        r"\sigma'(z) = \frac{4}{(e^{z}+e^{-z})^2}",
        None,  # tanh′ = sech² = 4/(e^z + e^{-z})²: checked by math below
        TANH,
    ),
]


@pytest.mark.parametrize("k", range(len(FORMS)))
def test_equivalent_forms(k: int) -> None:
    directive, formula, sides, setup = FORMS[k]
    if sides is None:
        xs = torch.linspace(-3, 3, 61, dtype=torch.float64)
        true = bool(torch.allclose(1 - torch.tanh(xs) ** 2, 4 / (xs.exp() + (-xs).exp()) ** 2))
    else:
        true = holds(sides, setup)
    got = _verdict(directive, formula)
    assert got == "proved" if true else got in ("refuted", "unknown"), (formula, true, got)


def test_the_log_of_a_quotient_is_not_split_when_the_activation_can_be_negative() -> None:
    got = _verdict("activation=tanh", r"\ln\frac{1}{a^{(L)}_j} = -\ln a^{(L)}_j")
    assert got != "proved"
