"""Matrix forms of a batch (a row per sample, the notation's layout) that authors write: the
gradient as a partial by a matrix (∂L/∂W^{(L)}, ∂L/∂b^{(L)}, ∂L/∂Z^{(L)}, ∂L/∂A^{(L-1)} with L
the mean cost, ∂L_i/∂A with each row's own loss), the bias vector added to every row, an entry
of a vector expression ((W^{(L)T}δ^{(L)})_k, W^{(L)T}_{kj}), and Δw (a training step's change,
an update, not the matrix Δ).  Truth from our own evaluator (PyTorch autograd at random sizes
where the sample count and every width differ), never from derivator."""

from __future__ import annotations

import pytest
from test_corpus_real import GENERIC, Lo, holds, sig_p

from derivator.document import Run, check_text

#: the truth's network (GENERIC: sigmoid layers, the squared error), stated: a refutation in a
#: loss the document leaves unstated is only unknown (check._unless_unstated)
HEAD = "<!-- derivator: activation=sigmoid loss=mse -->"


def _last(formula: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    return check_text("batch.md", f"{head}\n\n$${formula}$$\n", Run(timeout=20.0))[-1]


def _Delta(N, p: int):  # type: ignore[no-untyped-def]
    """Δ^(p): row i is ∂L_i/∂z_i·^(p)."""
    return N.dLi(N.z[p])


RELATIONS = [
    (
        r"\frac{\partial L}{\partial W^{(L)}} = \frac{1}{n}\Delta^{(L)T}A^{(L-1)}",
        lambda N: (N.dL(N.W[Lo]), _Delta(N, Lo).T @ N.a[Lo - 1] / N.n),
    ),
    (
        r"\frac{\partial L}{\partial W^{(L)}} = \Delta^{(L)T}A^{(L-1)}",
        lambda N: (N.dL(N.W[Lo]), _Delta(N, Lo).T @ N.a[Lo - 1]),
    ),
    (
        r"\frac{\partial L}{\partial b^{(L)}} = \frac{1}{n}\sum_i \Delta^{(L)}",
        lambda N: (N.dL(N.b[Lo]), _Delta(N, Lo).mean(0)),
    ),
    (
        r"\frac{\partial L}{\partial b^{(L)}} = \sum_i \Delta^{(L)}",
        lambda N: (N.dL(N.b[Lo]), _Delta(N, Lo).sum(0)),
    ),
    (
        r"\frac{\partial L}{\partial Z^{(L)}} = \frac{1}{n}(A^{(L)} - Y) \odot \sigma'(Z^{(L)})",
        lambda N: (N.dL(N.z[Lo]), (N.a[Lo] - N.y) * sig_p(N, Lo) / N.n),
    ),
    (
        r"\frac{\partial L}{\partial A^{(L-1)}} = \frac{\partial L}{\partial Z^{(L)}} W^{(L)}",
        lambda N: (N.dL(N.a[Lo - 1]), N.dL(N.z[Lo]) @ N.W[Lo]),
    ),
    (
        r"\frac{\partial L}{\partial A^{(L-1)}} = \Delta^{(L)} W^{(L)}",
        lambda N: (N.dL(N.a[Lo - 1]), _Delta(N, Lo) @ N.W[Lo]),
    ),
    (
        r"\frac{\partial L_i}{\partial A^{(L-1)}} = \Delta^{(L)} W^{(L)}",
        lambda N: (N.dLi(N.a[Lo - 1]), _Delta(N, Lo) @ N.W[Lo]),
    ),
    (
        r"\frac{\partial L}{\partial W^{(L)}} = \left(\frac{\partial L}{\partial Z^{(L)}}\right)^T A^{(L-1)}",
        lambda N: (N.dL(N.W[Lo]), N.dL(N.z[Lo]).T @ N.a[Lo - 1]),
    ),
    (
        r"Z^{(L-1)} = A^{(L-2)} W^{(L-1)T} + b^{(L-1)}",
        lambda N: (N.z[Lo - 1], N.a[Lo - 2] @ N.W[Lo - 1].T + N.b[Lo - 1]),
    ),
    (
        r"\delta^{(L-1)}_k = (W^{(L)T}\delta^{(L)})_k \sigma'(z^{(L-1)}_k)",
        lambda N: (_Delta(N, Lo - 1), (_Delta(N, Lo) @ N.W[Lo]) * sig_p(N, Lo - 1)),
    ),
    (
        r"\delta^{(L-1)}_k = (W^{(L)T}\delta^{(L)})_k",
        lambda N: (_Delta(N, Lo - 1), _Delta(N, Lo) @ N.W[Lo]),
    ),
    (
        r"\delta^{(L-1)}_k = \sum_j W^{(L)T}_{kj}\delta^{(L)}_j \sigma'(z^{(L-1)}_k)",
        lambda N: (_Delta(N, Lo - 1), (_Delta(N, Lo) @ N.W[Lo]) * sig_p(N, Lo - 1)),
    ),
]


@pytest.mark.parametrize("k", range(len(RELATIONS)))
def test_batch_matrix_forms(k: int) -> None:
    formula, sides = RELATIONS[k]
    true = holds(sides, GENERIC)
    head = HEAD if "delta" not in formula else HEAD[:-4] + " cost-is=sample -->"
    r = _last(formula, head)
    assert r.verdict in (("proved", "defined") if true else ("refuted", "error")), (
        formula,
        true,
        r.verdict,
        r.reason,
    )
    if not true:
        assert r.verdict == "refuted" or "do not fit" in r.reason, r.reason


@pytest.mark.parametrize(
    "formula,message",
    [
        (r"\delta^{(L-1)}_k = (W^{(L)T}\delta^{(L)})_{kj}", "an entry takes one index of a vector"),
        (r"\delta^{(L-1)}_k = (a^{(L)}_k + 1)_k", "a subscript on a bracket is read only"),
        (r"\frac{\partial L_i}{\partial W^{(L)}} = \Delta^{(L)T}A^{(L-1)}", "row per sample"),
    ],
)
def test_what_is_still_refused_says_why(formula: str, message: str) -> None:
    r = _last(formula)
    assert r.verdict == "error" and message in r.reason, r.reason


@pytest.mark.parametrize(
    "formula",
    [
        r"\Delta w^{(L)}_{jk} = -\eta \delta^{(L)}_j a^{(L-1)}_k",
        r"\Delta W^{(L)} = -\eta \delta^{(L)} a^{(L-1)T}",
        r"\Delta b^{(L)} = -\eta \delta^{(L)}",
    ],
)
def test_delta_before_a_parameter_is_a_step_not_the_matrix(formula: str) -> None:
    r = _last(formula)
    assert r.verdict == "skipped" and "update" in r.reason, r.reason


DELTA_AS_VECTOR = [
    (
        r"\Delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)})",
        lambda N: (_Delta(N, Lo), (N.a[Lo] - N.y) * sig_p(N, Lo)),
    ),
    (
        r"\Delta^{(L)} = a^{(L)} - y",
        lambda N: (_Delta(N, Lo), N.a[Lo] - N.y),
    ),
    (
        r"\Delta^{(L-1)} = (W^{(L)})^T \Delta^{(L)} \odot \sigma'(z^{(L-1)})",
        lambda N: (_Delta(N, Lo - 1), (_Delta(N, Lo) @ N.W[Lo]) * sig_p(N, Lo - 1)),
    ),
    (
        r"\frac{\partial L_i}{\partial W^{(L)}} = \Delta^{(L)} a^{(L-1)T}",
        lambda N: (
            N.dLi_param(N.W[Lo]),
            _Delta(N, Lo)[:, :, None] * N.a[Lo - 1][:, None, :],
        ),
    ),
]


@pytest.mark.parametrize("k", range(len(DELTA_AS_VECTOR)))
def test_delta_beside_one_examples_vectors_is_the_vector_delta(k: int) -> None:
    """Δ^{(l)} written with a^{(l)}, z^{(l)}, y (one example's vectors) is that example's δ^{(l)};
    with A, Z, Y it is the batch's matrix (test_batch_matrix_forms)."""
    formula, sides = DELTA_AS_VECTOR[k]
    true = holds(sides, GENERIC)
    r = _last(formula, HEAD[:-4] + " cost-is=sample -->")
    assert r.verdict in (("proved", "defined") if true else ("refuted",)), (
        formula,
        true,
        r.verdict,
        r.reason,
    )
