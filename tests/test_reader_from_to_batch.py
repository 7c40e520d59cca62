"""A batch forward pass ``Z^{(k)} = A^{(k-1)} W^{(k)} + b^{(k)}`` (examples as rows, no transpose
on W) fixes the weights' orientation: the document's W^{(k)} is n_(k-1) × n_(k), the transpose of
the notation's, and its ∂L/∂W^{(k)} has that shape too.  The layer letter is
read under bold matrices (``\\mathbf{A}^{(k-1)}``).  Truth from our own evaluator (PyTorch
autograd at random sizes where the sample count and every width differ): the author's W is the
evaluator's ``W[p].T``; never from derivator."""

from __future__ import annotations

import pytest
from test_corpus_real import GENERIC, Lo, holds, sig_p

from derivator.document import Run, check_text

HEAD = "<!-- derivator: activation=sigmoid -->"


def _forward(bold: bool) -> str:
    """The document's forward pass, with bold matrices or plain letters."""
    m = (lambda s: rf"\mathbf{{{s}}}") if bold else (lambda s: s)
    return (
        f"$${m('Z')}^{{(k)}} = {m('A')}^{{(k-1)}} {m('W')}^{{(k)}} + {m('b')}^{{(k)}}$$\n\n"
        f"$${m('A')}^{{(k)}} = \\sigma({m('Z')}^{{(k)}})$$\n"
    )


def _check(claim: str, bold: bool):  # type: ignore[no-untyped-def]
    text = f"{HEAD}\n\n{_forward(bold)}\n$${claim}$$\n"
    return check_text("from_to.md", text, Run(timeout=20.0))


CLAIMS = [
    (
        r"\frac{\partial L}{\partial W^{(k)}} = A^{(k-1)T} \frac{\partial L}{\partial Z^{(k)}}",
        lambda N: (N.dL(N.W[Lo]).T, N.a[Lo - 1].T @ N.dL(N.z[Lo])),
    ),
    (
        r"\frac{\partial L}{\partial A^{(k-1)}} = \frac{\partial L}{\partial Z^{(k)}} W^{(k)T}",
        lambda N: (N.dL(N.a[Lo - 1]), N.dL(N.z[Lo]) @ N.W[Lo]),
    ),
    (
        r"\frac{\partial L}{\partial Z^{(k)}} = \frac{\partial L}{\partial A^{(k)}} \odot \sigma'(Z^{(k)})",
        lambda N: (N.dL(N.z[Lo]), N.dL(N.a[Lo]) * sig_p(N, Lo)),
    ),
    (  # false: the notation's orientation, ∂L/∂Z transposed times A
        r"\frac{\partial L}{\partial W^{(k)}} = \left(\frac{\partial L}{\partial Z^{(k)}}\right)^T A^{(k-1)}",
        lambda N: (N.dL(N.W[Lo]).T, N.dL(N.z[Lo]).T @ N.a[Lo - 1]),
    ),
]


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("k", range(len(CLAIMS)))
def test_claims_in_the_documents_orientation(k: int, bold: bool) -> None:
    claim, sides = CLAIMS[k]
    if bold:
        for s in "WAZ":
            claim = claim.replace(f" {s}^", rf" \mathbf{{{s}}}^").replace(
                f"{{{s}^", rf"{{\mathbf{{{s}}}^"
            )
    true = _true(sides)
    results = _check(claim, bold)
    assert [r.verdict for r in results[:2]] == ["defined", "defined"], [r.reason for r in results]
    r = results[-1]
    assert r.verdict == ("proved" if true else "refuted"), (claim, true, r.verdict, r.reason)


def _true(sides) -> bool:  # type: ignore[no-untyped-def]
    """Both sides equal at random sizes; sides of different shapes are not equal."""
    try:
        return holds(sides, GENERIC)
    except RuntimeError:  # the shapes differ: no broadcast makes them one matrix
        return False


def test_the_notations_forward_pass_keeps_its_orientation() -> None:
    """``Z = A W^T + b``: W is n_(k) × n_(k-1) as in the notation; the same claim is refuted."""
    text = (
        f"{HEAD}\n\n$$Z^{{(k)}} = A^{{(k-1)}} W^{{(k)T}} + b^{{(k)}}$$\n\n"
        f"$$A^{{(k)}} = \\sigma(Z^{{(k)}})$$\n\n$${CLAIMS[0][0]}$$\n"
    )
    results = check_text("to_from.md", text, Run(timeout=20.0))
    assert _true(lambda N: (N.dL(N.W[Lo]), N.a[Lo - 1].T @ N.dL(N.z[Lo]))) is False
    assert results[-1].verdict in ("refuted", "error"), results[-1].reason


@pytest.mark.parametrize(
    "relation,sides",
    [
        (r"A^{(0)} = X", lambda N: (N.a[0], N.a[0])),
        (r"A^{(0)} = 2X", lambda N: (N.a[0], 2 * N.a[0])),
        (r"A^{(1)} = X", lambda N: (N.a[1], N.a[0])),
        (
            r"\frac{\partial L}{\partial W^{(1)}} = X^T \frac{\partial L}{\partial Z^{(1)}}",
            lambda N: (N.dL(N.W[1]).T, N.a[0].T @ N.dL(N.z[1])),
        ),
    ],
)
def test_the_inputs_batch_x_is_a_zero(relation: str, sides) -> None:  # type: ignore[no-untyped-def]
    """X alone (no tag, no index) is the batch of inputs A^{(0)}, a row per sample."""
    text = f"{HEAD}\n\n$$Z^{{(1)}} = X W^{{(1)}} + b^{{(1)}}$$\n\n$${relation}$$\n"
    results = check_text("inputs.md", text, Run(timeout=20.0))
    assert results[0].verdict == "defined", results[0].reason
    true = _true(sides)
    # A's first appearance defines it: held when true, never when false (an error naming it)
    want = ("proved", "defined") if true else ("refuted", "error")
    assert results[-1].verdict in want, (relation, results[-1].reason)
    if not true:
        assert "does not satisfy" in results[-1].reason or results[-1].verdict == "refuted"


@pytest.mark.parametrize(
    "relation,sides",
    [
        (
            r"Z^{(k)}(A^{(k-1)}) = A^{(k-1)} W^{(k)} + b^{(k)}",
            lambda N: (N.z[Lo], N.a[Lo - 1] @ N.W[Lo].T + N.b[Lo]),
        ),
        (
            r"Z^{(k)}(A^{(k-1)}) = A^{(k-1)} W^{(k)}",
            lambda N: (N.z[Lo], N.a[Lo - 1] @ N.W[Lo].T),
        ),
    ],
)
def test_a_matrix_written_as_a_function_of_its_input(relation: str, sides) -> None:  # type: ignore[no-untyped-def]
    """``Z^{(k)}(A^{(k-1)})`` is Z^{(k)} as a function of what the forward pass computes it from."""
    text = f"{HEAD}\n\n$$Z^{{(k)}} = A^{{(k-1)}} W^{{(k)}} + b^{{(k)}}$$\n\n$${relation}$$\n"
    results = check_text("function.md", text, Run(timeout=20.0))
    assert results[-1].verdict == ("proved" if _true(sides) else "refuted"), results[-1].reason
