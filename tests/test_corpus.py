"""Our own corpus of derivations (tests/corpus/), right and deliberately wrong, in several styles.

Every relation that ``derivator check`` reports is listed in EXPECTED below, keyed by
(file, line, step) exactly as notation.md numbers them (line: 1-based line of the block's opening
delimiter; step: 0-based position of the relation in that block).  The value is the verdict we
expect, optionally with hints: a substring that must appear in the result's hints or reason, or,
prefixed with "!", one that must not.

The verdicts are ours, decided by reading the mathematics, not copied from derivator's output:
where derivator disagrees, the test fails and the bug is described in the comment next to the
entry.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import pytest

from derivator.document import Result, Run, check_text

CORPUS = Path(__file__).resolve().parent / "corpus"

MISSING_SUM = "is free on the right only: a sum over {} is missing?"
TRANSPOSED = "a transposed index?"
WRONG_TAG = "a wrong layer tag or index?"  # the clash is not one a transposed w makes
NO_MEAN = "a factor 1/n is missing on the right"
EXTRA_MEAN = "the right side has an extra factor 1/n"
SIGN = "the sides differ only in sign"
ONE_NEURON = "holds only when every layer has one neuron"

P, R, U, S, E = "proved", "refuted", "unknown", "skipped", "error"

#: keys derivator still contradicts (the test fails the day it agrees: update this list then;
#: each entry with a BUG note saying what the model does not yet take)
KNOWN_WRONG: set[tuple[str, int, int]] = set()

EXPECTED: dict[tuple[str, int, int], tuple[str, ...]] = {
    # ---- output_layer.md: sigmoid, MSE, general network, the article's letters i, j, k
    ("output_layer.md", 8, 0): ("defined",),  # z = Σ_k w a + b
    ("output_layer.md", 12, 0): ("defined",),  # a = σ(z)
    ("output_layer.md", 16, 0): ("defined",),  # L_i = Σ_j (a - y)²/2
    ("output_layer.md", 16, 1): ("defined",),  # L = 1/n Σ_i L_i: the cost L defined as the mean
    ("output_layer.md", 22, 0): (P,),  # ∂L_i/∂a = a - y
    ("output_layer.md", 28, 0): (R, SIGN),  # ∂L_i/∂a = y - a
    ("output_layer.md", 34, 0): (P,),  # ∂a/∂z = σ'(z)
    ("output_layer.md", 34, 1): (P,),  # σ'(z) = σ(z)(1 - σ(z))
    ("output_layer.md", 34, 2): (P,),  # σ(z)(1 - σ(z)) = a(1 - a)
    ("output_layer.md", 40, 0): (R,),  # ∂a/∂z = 1 - a²  (tanh's derivative in a sigmoid network)
    ("output_layer.md", 48, 0): (P,),  # chain rule, three partials
    ("output_layer.md", 48, 1): (P,),  # ... = closed form
    ("output_layer.md", 56, 0): (P,),  # ∂L/∂w = 1/n Σ_{i=1}^{n} …
    ("output_layer.md", 62, 0): (R, NO_MEAN),  # the 1/n forgotten
    ("output_layer.md", 68, 0): (R, EXTRA_MEAN),  # 1/n²
    ("output_layer.md", 74, 0): (
        R,
        "j stands for layer L-1 and for layer L",
        TRANSPOSED,
    ),  # j and k swapped
    ("output_layer.md", 80, 0): (R, MISSING_SUM.format("i")),  # no Σ over samples
    ("output_layer.md", 86, 0): (P,),  # ∂L/∂b, 0-based bounds
    ("output_layer.md", 90, 0): (P,),  # ∂z/∂b = 1
    ("output_layer.md", 90, 1): (P,),  # ∂z/∂a = w
    ("output_layer.md", 90, 2): (
        R,
        "j stands for layer L-1 and for layer L",
        TRANSPOSED,
    ),  # ∂z/∂w = a_ij
    ("output_layer.md", 98, 0): (P,),  # ∂L_i/∂a^(L-1) with Σ_j
    ("output_layer.md", 104, 0): (R, MISSING_SUM.format("j"), ONE_NEURON),  # … without Σ_j
    ("output_layer.md", 110, 0): (
        R,
        "j stands for layer L-1 and for layer L",
        TRANSPOSED,
    ),  # w_kj for w_jk
    # ---- notation_styles.md: \[…\], inline $…$, ```math, –, \sigma^{\prime}, ∂X/∂Y, \left( \right), separators
    ("notation_styles.md", 8, 0): (P,),  # \[ … \] with \cdot
    ("notation_styles.md", 12, 0): (P,),  # inline $…$
    # BUG: {\partial X \over \partial Y} is not read as a partial derivative ("write ∂X/∂Y as …")
    ("notation_styles.md", 13, 0): (P,),  # inline, \over, \times, \sigma\prime
    # BUG: this ```math fence is never seen: "$10 … `$" on line 14 is taken as inline math and
    # the unpaired backtick left behind swallows the fence (blocks.py, markdown()).
    ("notation_styles.md", 18, 0): (P,),  # ```math fence, 1-based Σ bound n_{(L)}
    ("notation_styles.md", 30, 0): (P,),  # en dash minus
    ("notation_styles.md", 34, 0): (P,),  # \sigma^{\prime}
    ("notation_styles.md", 40, 0): (P,),  # \partial X / \partial Y, \left( \right)
    ("notation_styles.md", 46, 0): (P,),  # … \quad \text{and} \quad …
    ("notation_styles.md", 46, 1): (P,),  # … , \qquad …
    ("notation_styles.md", 46, 2): (
        R,
        "k stands for layer L-1 and for layer L",
        TRANSPOSED,
    ),  # ∂z/∂a = w_kj
    ("notation_styles.md", 52, 0): (P,),  # Σ_{j=1}^{n_{(L)}}
    ("notation_styles.md", 58, 0): (P,),  # ∂L_i/∂a = ((a-y)²/2)\prime
    ("notation_styles.md", 58, 1): (P,),  # ((a-y)²/2)\prime = a - y
    ("notation_styles.md", 62, 0): (R,),  # ∂L_i/∂a = ((a-y)²)'   (the 1/2 lost)
    ("notation_styles.md", 62, 1): (R,),  # ((a-y)²)' = a - y
    ("notation_styles.md", 69, 0): (P,),  # ∂(Σ_j …)/∂a_ij: the bound j is not the free j
    ("notation_styles.md", 73, 0): (P,),  # (Σ_j …)\prime
    ("notation_styles.md", 73, 1): (P,),  # (Σ_j …)\prime = a - y
    ("notation_styles.md", 79, 0): (P,),  # the same first step again
    # BUG: error "no value for j" instead of a refutation; j is free on the left (the chain variable
    # a_ij) and bound on the right.
    ("notation_styles.md", 79, 1): (R, "j is free on the left only"),  # (Σ_j …)' = Σ_j (a - y)
    ("notation_styles.md", 85, 0): (P,),  # \times, \sigma\prime
    # BUG: "\quad" alone does not separate relations (notation.md says it does): the tokenizer drops
    # \quad as spacing (parse.py tokenize, SPACING), so the block reads as the chain
    # ∂z/∂b = 1·∂a/∂z = σ'(z), and a true relation is refuted.
    ("notation_styles.md", 89, 0): (P,),  # ∂z/∂b = 1 \quad …
    ("notation_styles.md", 89, 1): (P,),  # … ∂a/∂z = σ'(z); …
    ("notation_styles.md", 89, 2): (P,),  # … ∂z/∂w = a^(L-1)
    ("notation_styles.md", 95, 0): (S, "approximation"),  # a ≈ y with no decimal: no identity
    ("notation_styles.md", 97, 0): (R, "last digit shown"),  # σ(0) ≈ 0.6: a unit off
    # ---- activations.md: directives for tanh, relu, softplus, identity, generic, cross-entropy
    ("activations.md", 9, 0): (P,),  # tanh: σ' = 1 - σ²
    ("activations.md", 9, 1): (P,),  # 1 - σ(z)² = 1 - a²
    ("activations.md", 13, 0): (P,),  # tanh δ
    ("activations.md", 19, 0): (R,),  # sigmoid's derivative in a tanh network
    # BUG: "cannot evaluate tanh: tanh(x)" (evaluate.py has no case for sympy.tanh)
    ("activations.md", 23, 0): (P,),  # σ(x) = \tanh(x) under activation=tanh
    # BUG: "unexpected ','": a comma does not end a term inside a function's brackets (parse.py)
    ("activations.md", 31, 0): (P,),  # relu: σ(x) = \max(0, x)
    ("activations.md", 35, 0): (P,),  # relu: ∂L/∂b with σ'
    # BUG: the hint "holds only when every layer has one neuron" is wrong here: in a one-neuron
    # network the relation is refuted too (a random instance with z < 0 makes both sides 0).
    ("activations.md", 41, 0): (R, "!" + ONE_NEURON),  # relu: σ'(z) written as a
    ("activations.md", 51, 0): (P,),  # softplus: σ'(x) = 1/(1 + e^{-x})
    ("activations.md", 55, 0): (P,),  # softplus: σ(x) = log(1 + exp(x))
    ("activations.md", 61, 0): (R,),  # softplus: σ' = softplus
    ("activations.md", 69, 0): (P,),  # identity: no σ' factor
    # weakness: "unknown (numeric)" for an identity that holds exactly (a = z with σ = identity)
    ("activations.md", 73, 0): ("defined",),  # identity: a = Σ w a + b
    ("activations.md", 77, 0): (R,),  # identity: a = Σ w a (bias forgotten)
    ("activations.md", 85, 0): (P,),  # generic σ
    ("activations.md", 89, 0): (R,),  # generic: σ' is not the logistic one
    ("activations.md", 97, 0): ("defined",),  # cross-entropy: L_i = -Σ_j y log a
    ("activations.md", 101, 0): (P,),  # softmax
    ("activations.md", 105, 0): (P,),  # ∂L_i/∂a = -y/a
    ("activations.md", 112, 0): (R,),  # δ = a - y needs Σ_p y_ip = 1, which is not assumed
    ("activations.md", 118, 0): (P,),  # δ = a Σ_p y_ip - y
    ("activations.md", 122, 0): (P,),  # ∂L/∂w = 1/n Σ_i δ a
    ("activations.md", 128, 0): (R,),  # softmax δ with a spurious σ'
    ("activations.md", 132, 0): (R, NO_MEAN),  # ∂L/∂w without 1/n
    # ---- single_neuron.tex: network=single, equation / align / align* / gather / \[ / inline $
    ("single_neuron.tex", 11, 0): ("defined",),  # L_0 = (a - y)²/2
    ("single_neuron.tex", 15, 0): (P,),  # align: chain rule
    ("single_neuron.tex", 15, 1): (P,),  # … = (a - y) σ'(z) a^(L-1)
    ("single_neuron.tex", 15, 2): (P,),  # … = (a - y) a (1 - a) a^(L-1)
    ("single_neuron.tex", 22, 0): (P,),  # align*: ∂L_0/∂b
    ("single_neuron.tex", 22, 1): (P,),  # ∂z/∂b = 1
    ("single_neuron.tex", 28, 0): (P,),  # ∂L_0/∂w^(L-1)
    ("single_neuron.tex", 32, 0): (R,),  # … a^(L-1) where a^(L-2) belongs (wrong layer tag)
    ("single_neuron.tex", 36, 0): (R, SIGN),  # (y - a)
    ("single_neuron.tex", 40, 0): (R,),  # ∂L/∂w = ∂L_0/∂w: the mean is not the first sample
    ("single_neuron.tex", 44, 0): ("defined",),  # gather: z = w a + b
    ("single_neuron.tex", 44, 1): ("defined",),  # a = σ(z)
    ("single_neuron.tex", 49, 0): (R,),  # \[ z = w a \]  (bias forgotten)
    ("single_neuron.tex", 52, 0): (P,),  # inline: ∂z/∂a = w
    ("single_neuron.tex", 59, 0): (R, MISSING_SUM.format("j"), ONE_NEURON),  # general again: no Σ_j
    ("single_neuron.tex", 63, 0): (P,),  # $$\begin{aligned} … with Σ_j
    ("single_neuron.tex", 63, 1): (P,),
    # ---- deep_layers.tex: letters s (samples), p, q, r, t; L-1 and L-2
    ("deep_layers.tex", 10, 0): (S,),  # % derivator: skip=next over an abbreviation
    ("deep_layers.tex", 12, 0): (P,),  # chain with Σ_p, four partials
    ("deep_layers.tex", 12, 1): (P,),
    ("deep_layers.tex", 18, 0): (P,),  # 1-based Σ_s Σ_p
    ("deep_layers.tex", 22, 0): (R, MISSING_SUM.format("p"), ONE_NEURON),  # Σ_p forgotten
    ("deep_layers.tex", 26, 0): (
        R,
        "q stands for layer L-1 and for layer L",
        TRANSPOSED,
    ),  # σ'(z_sq^(L))
    ("deep_layers.tex", 32, 0): (P,),  # gather: δ^(L)
    ("deep_layers.tex", 32, 1): (P,),  # δ^(L-1)
    ("deep_layers.tex", 32, 2): (P,),  # δ^(L-2)
    ("deep_layers.tex", 38, 0): (R, MISSING_SUM.format("q"), ONE_NEURON),  # δ recurrence without Σ
    ("deep_layers.tex", 42, 0): (
        R,
        MISSING_SUM.format("q"),
        "p is free on the left only",
    ),  # b_p, Σ_p
    ("deep_layers.tex", 46, 0): (P,),  # b_q, Σ_p
    ("deep_layers.tex", 50, 0): (P,),  # \[\begin{aligned} … , & …
    ("deep_layers.tex", 50, 1): (P,),
    ("deep_layers.tex", 57, 0): (P,),  # {1 \over n}
    ("deep_layers.tex", 57, 1): (P,),  # = \frac{Σ …}{n}
    ("deep_layers.tex", 57, 2): (R, NO_MEAN),  # = Σ … (1/n lost in the last step)
    ("deep_layers.tex", 63, 0): (R, "q stands for layer L-1 and for layer L", TRANSPOSED),  # w_qp
    # ---- generic_layer.md: layers l-1, l, l+1, l+2; δ; matrix form
    ("generic_layer.md", 12, 0): ("defined",),  # δ = ∂L_i/∂z
    ("generic_layer.md", 16, 0): (P,),  # δ recurrence
    ("generic_layer.md", 16, 1): (P,),  # … = σ' Σ_{k=0}^{n_{(l+1)}-1} w δ
    ("generic_layer.md", 23, 0): (R, MISSING_SUM.format("k"), ONE_NEURON),  # no Σ_k
    ("generic_layer.md", 25, 0): (R, "j stands for layer l and for layer l+1", TRANSPOSED),  # w_jk
    ("generic_layer.md", 27, 0): (R,),  # σ'(z^(l+1))
    ("generic_layer.md", 31, 0): (P,),  # ∂L/∂w^(l)
    ("generic_layer.md", 31, 1): (P,),  # ∂L/∂b^(l)
    ("generic_layer.md", 39, 0): (R, "m is free on the left only"),  # a^(l) instead of a^(l-1)
    ("generic_layer.md", 43, 0): (P,),  # ∂L_i/∂a^(l)
    ("generic_layer.md", 47, 0): (R, SIGN),  # with a minus
    ("generic_layer.md", 51, 0): (P,),  # (l+1), (l+2)
    ("generic_layer.md", 57, 0): (P,),  # Δ = (Δ W) ⊙ σ'(Z): a propagation step, a claim
    ("generic_layer.md", 59, 0): (P,),  # ∇W = 1/n (Δ)^\top A
    ("generic_layer.md", 59, 1): (P,),  # ∇B = 1/n Σ_i Δ
    # BUG: "unknown macro \top" for \Delta^{(l)\top}, which is how `derivator formulas --format latex`
    # itself writes the transpose (matrix.py)
    ("generic_layer.md", 63, 0): (P,),  # ∇W = 1/n Δ^{(l)\top} A
    # BUG: "matrix shapes do not fit": one ⊙ turns every product of the term into ⊙ (interpret.py,
    # MatrixConverter.tree) instead of reading Δ W ⊙ σ'(Z) as (Δ W) ⊙ σ'(Z)
    ("generic_layer.md", 67, 0): (P,),  # Δ = Δ W ⊙ σ'(Z)
    ("generic_layer.md", 71, 0): (R, NO_MEAN),  # ∇W without 1/n
    ("generic_layer.md", 73, 0): (R, TRANSPOSED),  # Aᵀ Δ for Δᵀ A
    ("generic_layer.md", 77, 0): (P,),  # Δ^(L) = (A - Y) ⊙ σ'(Z)
    ("generic_layer.md", 79, 0): ("defined",),  # A = σ(Z)
    # ---- training_loop.md: update rules, ellipses, matrices of names, skip directives, one subscript
    ("training_loop.md", 5, 0): (S, "update rule"),  # \leftarrow
    ("training_loop.md", 9, 0): (S, "update rule"),  # W = W - η ∇W
    ("training_loop.md", 9, 1): (S, "update rule"),  # B := …
    ("training_loop.md", 13, 0): (S, "update rule"),  # \gets
    ("training_loop.md", 19, 0): (
        S,
    ),  # a matrix of names with \cdots (notation.md: unknown or skipped)
    ("training_loop.md", 25, 0): (U, "ellipsis"),  # + \cdots +
    ("training_loop.md", 31, 0): (S,),  # skip=next (the relation is wrong)
    ("training_loop.md", 37, 0): (S,),  # skip=on
    ("training_loop.md", 39, 0): (S,),  # skip=on
    ("training_loop.md", 45, 0): (P,),  # aligned chain
    ("training_loop.md", 45, 1): (P,),
    ("training_loop.md", 45, 2): (R,),  # σ for σ' in the last step
    ("training_loop.md", 56, 0): ("defined",),  # L = 1/n Σ L_i
    ("training_loop.md", 56, 1): (P,),
    ("training_loop.md", 58, 0): (R, NO_MEAN),  # L = Σ L_i
    ("training_loop.md", 64, 0): (P,),  # one subscript: a_j, y_j
    ("training_loop.md", 66, 0): (P,),
    ("training_loop.md", 66, 1): (
        R,
        "j stands for layer L-1 and for layer L",
        WRONG_TAG,
    ),  # z_j^(L-1)
    ("training_loop.md", 70, 0): (P,),  # concrete indices
    ("training_loop.md", 72, 0): (R,),  # the wrong neuron
    # ---- common_mistakes.md: a gallery of slips (default network)
    ("common_mistakes.md", 7, 0): (
        R,
        "j stands for layer L-1 and for layer L",
        WRONG_TAG,
    ),  # ∂L/∂b with a
    ("common_mistakes.md", 9, 0): (R,),  # σ' forgotten
    ("common_mistakes.md", 11, 0): (R,),  # tanh's σ' in a sigmoid network
    ("common_mistakes.md", 13, 0): (
        R,
        "m stands for layer L-2 and for layer L-1",
        TRANSPOSED,
    ),  # a^(L-1) for a^(L-2)
    ("common_mistakes.md", 15, 0): (
        R,
        MISSING_SUM.format("j"),
        ONE_NEURON,
    ),  # δ recurrence without Σ_j
    ("common_mistakes.md", 17, 0): (P,),  # … with Σ_j
    ("common_mistakes.md", 19, 0): (R,),  # a + y
    ("common_mistakes.md", 21, 0): (R, EXTRA_MEAN),  # 1/n²
    ("common_mistakes.md", 23, 0): (R,),  # ∂z/∂b = a
    ("common_mistakes.md", 25, 0): (R, EXTRA_MEAN),  # ∂L_i/∂w with 1/n
    ("common_mistakes.md", 27, 0): (R, SIGN),  # -1/n …
    ("common_mistakes.md", 29, 0): (
        R,
        MISSING_SUM.format("k"),
        ONE_NEURON,
    ),  # two layers, Σ_k forgotten
    ("common_mistakes.md", 31, 0): (P,),  # both sums
    # 33, 35, 37 are definitions (a cost, a redefined cost, a forward pass with w_kj): the model
    # takes them as written, so they are defined; 39 is a claim judged in that model, false there
    # (test_common_mistakes_claim_is_false_in_the_model_its_document_defines, NumPy)
    ("common_mistakes.md", 33, 0): ("defined",),  # (a - y)² without /2: a cost as written
    ("common_mistakes.md", 35, 0): ("defined",),  # L as a sum with ½: L redefined
    ("common_mistakes.md", 37, 0): ("defined",),  # z with w_kj: the forward pass, w from k to j
    ("common_mistakes.md", 39, 0): (R,),  # σ'(z^(L-1)) where σ'(z^(L)) belongs
}

FILES = sorted({f for f, _, _ in EXPECTED})


class _Results(dict):
    """Results per file (a short repr keeps pytest's failure reports readable)."""

    warnings: list[str]

    def __repr__(self) -> str:
        return f"<results of {len(self)} corpus files>"


@pytest.fixture(scope="module")
def results() -> _Results:
    run = Run(timeout=20.0)
    out = _Results(
        {name: check_text(name, (CORPUS / name).read_text(encoding="utf-8"), run) for name in FILES}
    )
    out.warnings = run.warnings
    return out


def _by_key(results: dict[str, list[Result]]) -> dict[tuple[str, int, int], Result]:
    table: dict[tuple[str, int, int], Result] = {}
    for name in FILES:
        for r in results[name]:
            table.setdefault((name, r.line, r.step), r)
    return table


def _said(r: Result) -> str:
    return " | ".join([r.reason, *r.hints])


def test_corpus_is_big_and_varied() -> None:
    assert len(EXPECTED) >= 80
    assert len(FILES) >= 6
    assert {Path(f).suffix for f in FILES} == {".md", ".tex"}
    wrong = sum(
        v[0] in (R, "error") for v in EXPECTED.values()
    )  # mistakes: refuted claims, unbuildable definitions
    assert wrong * 3 >= len(EXPECTED), (wrong, len(EXPECTED))
    assert (
        sorted(p.name for p in CORPUS.iterdir() if p.is_file()) == FILES
    )  # every corpus file has expectations


@pytest.mark.parametrize("name", FILES)
def test_every_relation_is_expected_and_every_expectation_reported(results, name: str) -> None:
    """The set of (line, step) derivator reports equals the set listed, with no duplicates."""
    got = [(r.line, r.step) for r in results[name]]
    assert len(got) == len(set(got)), f"two results share a (line, step): {sorted(got)}"
    want = sorted((ln, st) for f, ln, st in EXPECTED if f == name)
    missing = sorted(set(want) - set(got))
    extra = [
        (r.line, r.step, r.verdict, r.relation[:80])
        for r in results[name]
        if (r.line, r.step) not in want
    ]
    assert not missing and not extra, f"not reported: {missing}; not expected: {extra}"


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]}:{k[1]}.{k[2]}")
def test_verdict(results, key: tuple[str, int, int], request: pytest.FixtureRequest) -> None:
    if key in KNOWN_WRONG:
        request.applymarker(pytest.mark.xfail(strict=True, reason="KNOWN_WRONG: see its note"))
    verdict, *hints = EXPECTED[key]
    r = _by_key(results).get(key)
    assert r is not None, f"{key} not reported"
    assert r.verdict == verdict, (
        f"{r.relation}\n  expected {verdict}, got {r.verdict}: {r.method} {r.reason}"
    )
    said = _said(r)
    for h in hints:
        if h.startswith("!"):
            assert h[1:] not in said, f"{r.relation}: misleading hint {h[1:]!r}"
        else:
            assert h in said, f"{r.relation}: hint {h!r} missing from {said!r}"


@pytest.mark.parametrize(
    "key",
    sorted(k for k, v in EXPECTED.items() if v[0] == R),
    ids=lambda k: f"{k[0]}:{k[1]}.{k[2]}",
)
def test_refutation_carries_a_checkable_counterexample(results, key: tuple[str, int, int]) -> None:
    r = _by_key(results).get(key)
    if r is None or r.verdict != R:
        pytest.skip("not refuted (see test_verdict)")
    ce = r.counterexample
    assert isinstance(ce, dict), r.relation
    for k in ("sizes", "indices", "left", "right"):
        assert k in ce, f"counterexample without {k!r}: {ce}"
    if r.method.startswith("at the shown precision"):
        # decimals a unit off: the two values and their difference, no network to size
        left, right, unit = (Fraction(ce[k]) for k in ("left", "right", "unit"))
        assert abs(left - right) >= unit and "difference" in ce, ce
        return
    sizes, indices = ce["sizes"], ce["indices"]
    assert isinstance(sizes, dict) and sizes and "n" in sizes
    assert all(isinstance(v, int) and v >= 1 for v in sizes.values()), sizes
    assert isinstance(indices, dict)
    biggest = max(sizes.values())
    for letter, value in indices.items():
        assert re.fullmatch(r"[a-z]'*", letter), f"index named {letter!r}, not as written"
        assert isinstance(value, int) and 0 <= value < biggest, (letter, value, sizes)
    left, right = float(ce["left"]), float(ce["right"])
    assert math.isfinite(left) and math.isfinite(right)
    assert not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), ce
    assert r.method.startswith("counterexample"), r.method


@pytest.mark.parametrize("name", FILES)
def test_line_is_that_of_the_opening_delimiter(results, name: str) -> None:
    lines = (CORPUS / name).read_text(encoding="utf-8").split("\n")
    for r in results[name]:
        text = lines[r.line - 1]
        assert re.search(r"\$|\\\[|\\begin\{|```", text), f"line {r.line} opens no block: {text!r}"


@pytest.mark.parametrize("name", FILES)
def test_relation_text_is_taken_from_the_file(results, name: str) -> None:
    """The reported relation is the file's own text of both sides (whitespace and & aside)."""
    squeeze = lambda s: re.sub(r"[\s&]|\\[,;!]|\\quad|\\qquad", "", s)  # noqa: E731
    text = squeeze((CORPUS / name).read_text(encoding="utf-8"))
    for r in results[name]:
        if " = " not in r.relation or r.relation.endswith("…"):
            continue
        lhs, rhs = r.relation.split(" = ", 1)
        assert squeeze(lhs) in text and squeeze(rhs) in text, r.relation


def test_steps_count_from_zero_in_each_block(results) -> None:
    for name in FILES:
        by_line: dict[int, list[int]] = {}
        for r in results[name]:
            by_line.setdefault(r.line, []).append(r.step)
        for line, steps in by_line.items():
            assert steps == list(range(len(steps))), (name, line, steps)


def test_hints_name_letters_as_written(results) -> None:
    """A hint names the index the reader wrote (j), never derivator's internal dummy (_j).

    BUG: the transposed-index hint of a relation whose misused letter is bound by a Σ reads
    "_j stands for layer L-1 and for layer L" (proof.py, _conflict formats the SymPy Dummy)."""
    bad = [
        (r.file, r.line, r.step, h)
        for name in FILES
        for r in results[name]
        for h in r.hints
        if re.search(r"(?<![\w\\^{])_[a-z]", h)
    ]
    assert not bad, bad


def test_mixed_sum_conventions_warn_once_per_file(results) -> None:
    warnings = [w for w in results.warnings if "sums use both" in w]
    # output_layer.md uses Σ_{i=1}^{n} and Σ_{i=0}^{n-1}: worth a warning (notation.md)
    assert any(w.startswith("output_layer.md:") for w in warnings), warnings
    # generic_layer.md only ever writes 0-based bounds
    assert not any(w.startswith("generic_layer.md:") for w in warnings), warnings
    assert len(warnings) == len(set(warnings))


def test_common_mistakes_claim_is_false_in_the_model_its_document_defines() -> None:
    """The truth of common_mistakes.md line 39, from NumPy in the model lines 33 and 37 define
    (L_i = Σ_j (a_ij − y_ij)² without ½, z_ij = Σ_k w_kj a_ik + b_j: w from k to j, sigmoid):
    ∂L_i/∂a_ik^(L-1) = Σ_j 2(a_ij − y_ij) σ′(z_ij) w_kj.  The claim Σ_j (a_ij − y_ij)
    σ′(z_ik^(L-1)) w_jk differs at random values; where the widths differ its w_jk does not even
    index the weights (k runs over n_(L-1) rows, j over n_(L) columns)."""
    import numpy as np

    rng = np.random.default_rng(39)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    dsig = lambda x: sig(x) * (1 - sig(x))  # noqa: E731
    for n, n_prev, n_out in ((5, 3, 3), (4, 2, 2)):  # w_jk is defined only for equal widths
        z_prev = rng.normal(size=(n, n_prev))
        a_prev = sig(z_prev)
        w = rng.normal(size=(n_prev, n_out))  # w[k, j]: from unit k of L-1 to unit j of L
        b = rng.normal(size=n_out)
        y = rng.random(size=(n, n_out))
        z = a_prev @ w + b
        a = sig(z)
        eps = 1e-6
        i, k = 1, 0
        bumped = a_prev.copy()
        bumped[i, k] += eps
        before = ((sig(a_prev[i] @ w + b) - y[i]) ** 2).sum()
        after = ((sig(bumped[i] @ w + b) - y[i]) ** 2).sum()
        numeric = (after - before) / eps
        exact = sum(2 * (a[i, j] - y[i, j]) * dsig(z[i, j]) * w[k, j] for j in range(n_out))
        assert abs(numeric - exact) < 1e-4
        claim = sum((a[i, j] - y[i, j]) * dsig(z_prev[i, k]) * w[j, k] for j in range(n_out))
        assert abs(claim - exact) > 1e-3
    w = rng.normal(size=(2, 4))  # n_(L-1) = 2, n_(L) = 4: w_jk with j = 3 is no weight
    with pytest.raises(IndexError):
        w[3, 0]
