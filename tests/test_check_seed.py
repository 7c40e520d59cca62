"""The acceptance test of ``derivator check``: the article itself.

Run as it is (no directives: a general network), the places where the article propagates to
layers L-1 and L-2 without the Σ over the layer above must be refuted (the first of the three also
writes ∂a/z without ∂ below: an error at that denominator, which is what the author sees first),
and every other relation of the multi-neuron section proved, except update rules, ellipses and
matrices of names.  With ``network=single`` after the heading 简单网络 and ``network=general``
after 复杂网络, nothing in the single-neuron section fails except the relations that really are wrong there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derivator.document import check

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "backprop-calculus.zh.md"
MULTI_FROM = 140  # the multi-neuron section starts here (line of the heading 复杂网络 is 130)
DROPPED_SUM = {(251, 0), (273, 0)}
UNMARKED_DENOMINATOR = (237, 0)  # ∂a_ij/z_ij: a partial without ∂ below (and a dropped Σ)
UPDATE_RULES = {221, 229}
ELLIPSES_OR_MATRICES = {150, 195, 213, 217, 225}
ONLY_FOR_FOUR_NEURONS = 146
# the single-neuron section's real mistakes: L_i defined as the mean (48); ∇W, ∇B equated with one
# sample's partial, which is then equated with the mean (112, 114)
REALLY_WRONG_SINGLE = {(48, 0), (112, 0), (112, 1), (114, 0), (114, 1)}

# the article is a reference kept beside the project (../shared/seed), not part of it: a clone of
# the project alone must pass the suite
pytestmark = pytest.mark.skipif(
    not SEED.is_file(), reason=f"the seed article is not beside this clone: {SEED}"
)


def _with_directives(text: str) -> tuple[str, dict[int, int]]:
    """Insert the two directives; map new line numbers back to the article's own."""
    out, back = [], {}
    for n, line in enumerate(text.split("\n"), start=1):
        out.append(line)
        back[len(out)] = n
        if line.strip() == "简单网络":
            out.append("<!-- derivator: network=single -->")
        elif line.strip() == "复杂网络":
            out.append("<!-- derivator: network=general -->")
    return "\n".join(out), back


@pytest.fixture(scope="module")
def plain() -> list[check.Result]:
    return check.check_text(str(SEED), SEED.read_text(encoding="utf-8"), check.Run())


@pytest.fixture(scope="module")
def directed() -> list[tuple[int, check.Result]]:
    text, back = _with_directives(SEED.read_text(encoding="utf-8"))
    return [(back[r.line], r) for r in check.check_text(str(SEED), text, check.Run())]


def test_the_article_reads_as_markdown_with_its_blocks_at_their_lines(
    plain: list[check.Result],
) -> None:
    lines = {r.line for r in plain}
    assert {25, 39, 58, 146, 168, 195, 237, 251, 273, 279} <= lines
    assert max(r.step for r in plain if r.line == 195) == 4  # a chain of five = signs


def test_the_dropped_sums_are_refuted_with_a_hint_and_a_counterexample(
    plain: list[check.Result],
) -> None:
    refuted = {(r.line, r.step) for r in plain if r.line >= MULTI_FROM and r.verdict == "refuted"}
    assert refuted >= DROPPED_SUM
    for r in plain:
        if (r.line, r.step) in DROPPED_SUM:
            letter = "k" if r.line == 273 else "j"
            assert f"a sum over {letter} is missing" in r.reason
            ce = r.counterexample
            assert ce and ce["left"] != ce["right"] and letter in ce["indices"]
            assert all(v >= 2 for v in ce["sizes"].values())
    r237 = next(r for r in plain if (r.line, r.step) == UNMARKED_DENOMINATOR)
    assert r237.verdict == "error" and r237.at is not None  # ∂a/z written for ∂a/∂z
    assert "the denominator of a partial needs ∂: write \\partial z_{ij}^{(L)}" in r237.reason


def test_every_other_relation_of_the_multi_neuron_section_is_proved(
    plain: list[check.Result],
) -> None:
    for r in plain:
        if r.line < MULTI_FROM or (r.line, r.step) in DROPPED_SUM | {UNMARKED_DENOMINATOR}:
            continue
        if r.line in UPDATE_RULES:
            assert (r.verdict, r.reason) == ("skipped", "update rule"), r
        elif r.line in ELLIPSES_OR_MATRICES and r.verdict != "proved":
            assert r.verdict in ("unknown", "skipped"), r
        elif r.line == ONLY_FOR_FOUR_NEURONS:
            assert "holds only when n_(L-1) = 4" in r.reason, r
        else:  # a definition the network satisfies is defined (a_j = σ(z_j), z_ij = Σ_k …)
            assert r.verdict in ("proved", "defined"), (r.line, r.step, r.verdict, r.reason)
    assert any(r.line == 195 and r.step == 0 and r.verdict == "proved" for r in plain)
    assert any(r.line == 195 and r.step == 4 and r.verdict == "proved" for r in plain)


def test_with_directives_the_single_neuron_section_fails_only_where_it_is_wrong(
    directed: list[tuple[int, check.Result]],
) -> None:
    failing = {
        (line, r.step) for line, r in directed if line < 130 and r.verdict in ("refuted", "error")
    }
    assert failing == REALLY_WRONG_SINGLE
    # the article's (…)′ chain reads as the derivative of the bracket with respect to a_00
    steps = [r for line, r in directed if line == 58]
    assert [r.verdict for r in steps] == ["proved"] * 4
    # ∇W^(L) equals ∂L/∂w_00^(L) when every layer has one neuron
    assert all(r.verdict == "proved" for line, r in directed if line in (83, 85))


def test_with_directives_the_multi_neuron_section_is_unchanged(
    plain: list[check.Result], directed: list[tuple[int, check.Result]]
) -> None:
    before = {(r.line, r.step): r.verdict for r in plain if r.line >= MULTI_FROM}
    after = {(line, r.step): r.verdict for line, r in directed if line >= MULTI_FROM}
    assert before == after


def test_deciding_on_two_processes_gives_the_same_results(plain: list[check.Result]) -> None:
    parallel = check.check_text(str(SEED), SEED.read_text(encoding="utf-8"), check.Run(jobs=2))
    assert [r.as_dict() for r in parallel] == [r.as_dict() for r in plain]
