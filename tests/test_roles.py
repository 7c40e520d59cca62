"""Roles from the document: what its letters are, and what its own cost definition implies of
its targets.  Truth from our own evaluator (PyTorch autograd on a softmax output layer with a
cross-entropy, at random sizes where the sample count and every width differ), never from
derivator; documents go through the public API."""

from __future__ import annotations

import torch

from derivator.document import Run, check_text

N, N_IN, N_OUT = 5, 3, 4  # samples, the layer below, the output layer: all different


def _check(text: str) -> list:
    with Run(jobs=1, timeout=20) as run:
        return check_text("doc.md", text, run)


def _softmax_ce(seed: int, targets: str) -> dict[str, torch.Tensor]:
    """δ = ∂L_i/∂z of the cross-entropy at a softmax output, by autograd, and the outputs and
    targets; targets drawn as any non-negative numbers or one-hot."""
    g = torch.Generator().manual_seed(seed)
    a0 = torch.rand(N, N_IN, generator=g, dtype=torch.float64)
    w = torch.randn(N_OUT, N_IN, generator=g, dtype=torch.float64)
    z = (a0 @ w.T).requires_grad_(True)
    if targets == "one-hot":
        y = torch.eye(N_OUT, dtype=torch.float64)[torch.randint(0, N_OUT, (N,), generator=g)]
    else:
        y = torch.rand(N, N_OUT, generator=g, dtype=torch.float64)
    (-(y * torch.log_softmax(z, 1)).sum()).backward()
    assert z.grad is not None
    return {"delta": z.grad, "a": torch.softmax(z, 1).detach(), "y": y}


CE_DOC = (
    r"$$E_i = -\sum_j t_{ij} \log y_{ij}$$" + "\n\n"
    r"$$y_{ij} = \frac{e^{z^{(L)}_{ij}}}{\sum_k e^{z^{(L)}_{ik}}}$$" + "\n\n$$CLAIM$$\n"
)
LETTERS = "<!-- derivator: letters=target:t,output:y -->\n"
TRUE_FOR_ONE_HOT = r"y_{ij} \sum_c t_{ic} - t_{ij} = y_{ij} - t_{ij}"
FALSE = r"y_{ij} \sum_c t_{ic} - t_{ij} = y_{ij} - 2 t_{ij}"


def test_the_evaluator_separates_the_two_claims() -> None:
    """Our truth: Σ_c t_c y_j − t_j = y_j − t_j holds for one-hot targets (and δ is y − t there),
    fails for targets that do not sum to 1; the mutant with 2t fails for both."""
    for seed in (1, 2):
        hot, anyt = _softmax_ce(seed, "one-hot"), _softmax_ce(seed, "any")
        for m, holds in ((hot, True), (anyt, False)):
            lhs = m["a"] * m["y"].sum(1, keepdim=True) - m["y"]
            assert torch.allclose(m["delta"], lhs)
            assert bool(torch.allclose(lhs, m["a"] - m["y"])) is holds
            assert not torch.allclose(lhs, m["a"] - 2 * m["y"])


def test_a_step_true_for_the_cross_entropys_targets_is_not_refuted() -> None:
    """The document's own cross-entropy, its targets unstated: the step that needs Σ_c t_c = 1 is
    not refuted (unknown, saying why); a step false for one-hot targets too stays refuted; stated
    (Σ_c t_ic = 1 before it), the first is proved."""
    got = _check(LETTERS + CE_DOC.replace("CLAIM", TRUE_FOR_ONE_HOT))[-1]
    assert got.verdict == "unknown" and "sum to 1" in got.reason, got
    got = _check(LETTERS + CE_DOC.replace("CLAIM", FALSE))[-1]
    assert got.verdict == "refuted", got
    stated = LETTERS + CE_DOC.replace("CLAIM", r"\sum_c t_{ic} = 1$$" + "\n\n$$" + TRUE_FOR_ONE_HOT)
    got = _check(stated)[-1]
    assert got.verdict == "proved", got


def test_delta_as_output_minus_target_is_not_refuted_under_the_documents_cross_entropy() -> None:
    """δ = y − t (true for one-hot targets by autograd, see above) under the document's own
    cross-entropy: unknown, not refuted; the same claim with a factor 2 is refuted."""
    doc = LETTERS + CE_DOC.replace(
        "CLAIM", r"\frac{\partial E_i}{\partial z^{(L)}_{ij}} = y_{ij} - t_{ij}"
    )
    got = _check(doc)[-1]
    assert got.verdict == "unknown", got
    doc = LETTERS + CE_DOC.replace(
        "CLAIM", r"\frac{\partial E_i}{\partial z^{(L)}_{ij}} = 2(y_{ij} - t_{ij})"
    )
    assert _check(doc)[-1].verdict == "refuted"


def test_the_notations_y_is_not_the_target_when_another_letter_is() -> None:
    """letters=target:t and a y the document never gives a role: y is not read as the target
    (which made y Σ t − t = y − t a relation of the targets with themselves, and refuted it), but
    reported, naming the letter."""
    doc = (
        "<!-- derivator: letters=target:t loss=cross-entropy -->\n\n$$" + TRUE_FOR_ONE_HOT + "$$\n"
    )
    got = _check(doc)[-1]
    assert got.verdict == "error" and "y" in got.reason and "t" in got.reason, got
