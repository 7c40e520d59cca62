"""Operators real authors type that the reader now takes: the softmax as a word
(``\\text{softmax}``, ``\\operatorname{softmax}``, ``softmax(z)_j``), the diagonal matrix
``\\operatorname{diag}(v)``, and the sums that a model's definitions make 1 (softmax outputs,
distribution targets), the softmax Jacobian in its symmetric form, a softmax output of one neuron.
Every verdict is checked against our own evaluator (PyTorch autograd at random sizes where the
sample count and every width differ), never against derivator; a false twin of each form is
never proved."""

from __future__ import annotations

import pytest
import torch
from test_corpus_real import GENERIC, Lo, holds, sig_p

from derivator.document import Run, check_text

Setup = GENERIC.__class__
SOFTMAX = Setup(depth=2, out="softmax", loss="cross-entropy")
SOFTMAX_HEAD = "<!-- derivator: activation=sigmoid output-activation=softmax loss=cross-entropy -->"
SINGLE_CE = Setup(depth=2, out="softmax", loss="cross-entropy", single=True)
BCE = Setup(depth=2, loss="binary-cross-entropy")
D = 2  # the output layer of the depth-2 setups


def _last(head: str, formula: str):  # type: ignore[no-untyped-def]
    return check_text("ops.md", f"{head}\n\n$${formula}$$\n", Run(timeout=20.0))[-1]


def _softmax(N):  # type: ignore[no-untyped-def]
    return torch.softmax(N.z[D], 1)


def _jacobian(N):  # type: ignore[no-untyped-def]
    """∂a_ij/∂z_ip per sample: (n, j, p)."""
    return N.jac(N.a[D], N.z[D])


def _eye(N):  # type: ignore[no-untyped-def]
    return torch.eye(N.widths[D], dtype=torch.float64)[None]


CLAIMS = [
    # the softmax written as a word: its entries, summed over j's whole layer
    (
        r"\frac{\partial L_i}{\partial z^{(L)}_j} = \text{softmax}(z^{(L)})_j \sum_k y_{ik} - y_{ij}",
        lambda N: (N.dLi(N.z[D]), _softmax(N) * N.y.sum(1, keepdim=True) - N.y),
    ),
    (
        r"\frac{\partial L_i}{\partial z^{(L)}_j} = \operatorname{softmax}(z^{(L)}_j) - y_{ij}",
        lambda N: (N.dLi(N.z[D]), _softmax(N) - N.y),
    ),
    (
        r"\frac{\partial L_i}{\partial z^{(L)}_j} = softmax(2 z^{(L)}_j) \sum_k y_{ik} - y_{ij}",
        lambda N: (N.dLi(N.z[D]), torch.softmax(2 * N.z[D], 1) * N.y.sum(1, keepdim=True) - N.y),
    ),
    # softmax outputs sum to 1; so do the δ of the cross-entropy to 0 (whatever the targets)
    (r"\sum_j a^{(L)}_{ij} = 1", lambda N: (N.a[D].sum(1), torch.ones(N.n))),
    (r"\sum_j a^{(L)}_{ij} = 2", lambda N: (N.a[D].sum(1), 2 * torch.ones(N.n))),
    (r"\sum_j (a^{(L)}_{ij})^2 = 1", lambda N: ((N.a[D] ** 2).sum(1), torch.ones(N.n))),
    (r"\sum_j \delta^{(L)}_{ij} = 0", lambda N: (N.dLi(N.z[D]).sum(1), torch.zeros(N.n))),
    (
        r"\sum_j a^{(L)}_{ij} y_{ij} = \sum_j y_{ij}",
        lambda N: ((N.a[D] * N.y).sum(1), N.y.sum(1)),
    ),
    # the softmax Jacobian, in its symmetric form, with and without the sample
    (
        r"\frac{\partial a^{(L)}_{ij}}{\partial z^{(L)}_{ip}} = a^{(L)}_{ip}(\delta_{jp} - a^{(L)}_{ij})",
        lambda N: (_jacobian(N), N.a[D][:, None, :] * (_eye(N) - N.a[D][:, :, None])),
    ),
    (
        r"\frac{\partial a^{(L)}_{j}}{\partial z^{(L)}_{k}} = a^{(L)}_{k}(\delta_{jk} - a^{(L)}_{j})",
        lambda N: (_jacobian(N), N.a[D][:, None, :] * (_eye(N) - N.a[D][:, :, None])),
    ),
    (
        r"\frac{\partial a^{(L)}_{j}}{\partial z^{(L)}_{k}} = a^{(L)}_{j}(\delta_{jk} - a^{(L)}_{k})",
        lambda N: (_jacobian(N), N.a[D][:, :, None] * (_eye(N) - N.a[D][:, None, :])),
    ),
    (
        r"\frac{\partial a^{(L)}_{j}}{\partial z^{(L)}_{k}} = a^{(L)}_{j}(\delta_{jk} - a^{(L)}_{j})",
        lambda N: (_jacobian(N), N.a[D][:, :, None] * (_eye(N) - N.a[D][:, :, None])),
    ),
]


@pytest.mark.parametrize("k", range(len(CLAIMS)))
def test_softmax_forms_and_its_sums(k: int) -> None:
    formula, sides = CLAIMS[k]
    true = holds(sides, SOFTMAX)
    r = _last(SOFTMAX_HEAD, formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_the_softmax_is_read_as_its_definition_not_as_the_model() -> None:
    """Under sigmoid outputs, a^{(L)} = softmax(z^{(L)}) is false, and Σ_j a_ij = 1 is not proved."""
    assert not holds(lambda N: (N.a[Lo], torch.softmax(N.z[Lo], 1)), GENERIC)
    r = _last("<!-- derivator: activation=sigmoid loss=mse -->", r"\sum_j a^{(L)}_{ij} = 1")
    assert r.verdict == "refuted", r.reason
    text = (
        "<!-- derivator: activation=sigmoid loss=mse -->\n\n"
        "$$a^{(L)}_j = \\text{softmax}(z^{(L)})_j$$\n"
    )
    (r,) = check_text("ops.md", text, Run(timeout=20.0))
    assert r.verdict in ("refuted", "error") and r.verdict != "defined", r.reason


@pytest.mark.parametrize(
    "formula,message",
    [
        (r"a^{(L)} = \text{softmax}(\cdot)", "names the function, not a value"),
        (r"a^{(L)}_j = \text{softmax}(z^{(L)} + 1)_j", "the subscript is read on a vector's name"),
        (r"\delta^{(L)}_j = \operatorname{diag}(\sigma'(z^{(L)}_j))", "diag(v) is a matrix"),
    ],
)
def test_what_is_still_refused_says_why(formula: str, message: str) -> None:
    r = _last(SOFTMAX_HEAD, formula)
    assert r.verdict == "error" and message in r.reason, r.reason


DIAG = [
    (
        r"\delta^{(L-1)} = \operatorname{diag}(\sigma'(z^{(L-1)})) W^{(L)T} \delta^{(L)}",
        lambda N: (N.dLi(N.z[Lo - 1]), sig_p(N, Lo - 1) * (N.dLi(N.z[Lo]) @ N.W[Lo])),
    ),
    (
        r"\delta^{(L-1)} = \mathrm{diag}(\sigma'(z^{(L-1)})) (W^{(L)})^T \operatorname{diag}(\sigma'(z^{(L)})) (a^{(L)} - y)",
        lambda N: (
            N.dLi(N.z[Lo - 1]),
            sig_p(N, Lo - 1) * ((sig_p(N, Lo) * (N.a[Lo] - N.y)) @ N.W[Lo]),
        ),
    ),
    (
        r"\delta^{(L)} = \operatorname{diag}(\sigma'(z^{(L)})) (a^{(L)} - y)",
        lambda N: (N.dLi(N.z[Lo]), sig_p(N, Lo) * (N.a[Lo] - N.y)),
    ),
    (
        r"\delta^{(L-1)} = (W^{(L)})^T \operatorname{diag}(\sigma'(z^{(L)})) \delta^{(L)}",
        None,  # σ′ of the wrong layer: shapes fit only when the widths are equal
    ),
]


@pytest.mark.parametrize("k", range(len(DIAG)))
def test_diag_of_a_vector_times_a_vector(k: int) -> None:
    """GENERIC's loss is ½‖a − y‖² per sample with the mean cost: cost-is=sample makes δ the
    per-sample derivative, as the evaluator's dLi."""
    formula, sides = DIAG[k]
    r = _last("<!-- derivator: activation=sigmoid cost-is=sample -->", formula)
    if sides is None:
        assert r.verdict in ("refuted", "error"), (formula, r.verdict, r.reason)
        return
    true = holds(sides, GENERIC)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_a_softmax_output_of_one_neuron_is_1() -> None:
    head = "<!-- derivator: activation=sigmoid loss=cross-entropy network=single -->"
    for formula, sides in [
        (r"\delta_{i}^{(L)} = 0", lambda N: (N.dLi(N.z[D]), torch.zeros(N.n, 1))),
        (
            r"\delta_{i}^{(L)} = -\left(\frac{1}{a_{i}^{(L)}} - 1\right) y_{i}",
            lambda N: (N.dLi(N.z[D]), -(1 / N.a[D] - 1) * N.y),
        ),
        (r"\delta_{i}^{(L)} = y_{i}", lambda N: (N.dLi(N.z[D]), N.y)),
    ]:
        true = holds(sides, SINGLE_CE)
        r = _last(head, formula)
        assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


def test_a_derivative_over_sigma_prime_is_read_through_the_activation() -> None:
    head = "<!-- derivator: activation=sigmoid loss=binary-cross-entropy -->"
    for formula, sides in [
        (
            r"\frac{\partial L_{i}}{\partial a_{ij}^{(L)}} = \frac{a_{ij}^{(L)} - y_{ij}}{\sigma'(z_{ij}^{(L)})}",
            lambda N: (N.dLi(N.a[D]), (N.a[D] - N.y) / sig_p(N, D)),
        ),
        (
            r"\frac{\partial L_{i}}{\partial a_{ij}^{(L)}} = \frac{a_{ij}^{(L)} - y_{ij}}{\sigma'(z_{ij}^{(L)})^2}",
            lambda N: (N.dLi(N.a[D]), (N.a[D] - N.y) / sig_p(N, D) ** 2),
        ),
    ]:
        true = holds(sides, BCE)
        r = _last(head, formula)
        assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)


DISTRIBUTION = Setup(depth=2, out="softmax", loss="cross-entropy", targets="distribution")


@pytest.mark.parametrize(
    "formula,sides",
    [
        (
            r"\log a^{(L)}_{ij} = z^{(L)}_{ij} - \log\sum_k e^{z^{(L)}_{ik}}",
            lambda N: (N.a[D].log(), N.z[D] - N.z[D].logsumexp(1, keepdim=True)),
        ),
        (
            r"\log a^{(L)}_{ij} = z^{(L)}_{ij} + \log\sum_k e^{z^{(L)}_{ik}}",
            lambda N: (N.a[D].log(), N.z[D] + N.z[D].logsumexp(1, keepdim=True)),
        ),
        (
            r"\sum_j y_{ij}\log a^{(L)}_{ij} = \sum_j y_{ij} z^{(L)}_{ij} - \log\sum_k e^{z^{(L)}_{ik}}",
            lambda N: (
                (N.y * N.a[D].log()).sum(1),
                (N.y * N.z[D]).sum(1) - N.z[D].logsumexp(1),
            ),
        ),
        (
            r"\sum_j y_{ij}\log a^{(L)}_{ij} = \sum_j y_{ij} z^{(L)}_{ij} - 2\log\sum_k e^{z^{(L)}_{ik}}",
            lambda N: (
                (N.y * N.a[D].log()).sum(1),
                (N.y * N.z[D]).sum(1) - 2 * N.z[D].logsumexp(1),
            ),
        ),
    ],
)
def test_the_log_of_a_softmax_output_and_log_sum_exp(formula: str, sides) -> None:  # type: ignore[no-untyped-def]
    head = SOFTMAX_HEAD[:-4] + " targets=distribution -->"
    true = holds(sides, DISTRIBUTION)
    r = _last(head, formula)
    assert r.verdict == ("proved" if true else "refuted"), (formula, true, r.verdict, r.reason)
