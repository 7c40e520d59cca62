"""Output does not depend on Python's hash seed: ``check``, ``formulas`` and the article are
byte-identical across ``PYTHONHASHSEED`` values (the order of a set of names, symbols or atoms
must never reach what is printed: sorted, or kept in an ordered container).

Each run is a real process with its own seed, and ``--no-cache`` (a cached verdict would hide
one computed in another order).  Only the time each relation took (``seconds``) is dropped.
A generous ``--timeout`` keeps the time-limited stages (hints, searches) from being cut short on
a busy machine, which would change the output for a reason that is not the seed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "corpus" / "real" / "dev"
#: the committed article (test_article: what the generator writes today)
OUTPUT = ROOT / "output"
#: seeds under which the scalar model once named different quantities in the reason of one
#: relation of the Mazur example (0 and 3 disagreed), and a third
SEEDS = ("0", "3", "11")
#: worked examples with named scalars (the scalar model), Chinese and English notes, a LaTeX
#: chapter and a notebook: what reads sets of names, symbols and partials most
SUBSET = (
    "mazur-step-by-step.md",
    "mazur-zh-vortune.md",
    "3b1b-one-neuron.md",
    "cs231n-gates.md",
    "nn-from-scratch-chain-rule.md",
    "sigmoid-derivative-zh.md",
    "hjorth-jensen-week42.md",
    "bishop-prml-5.3.tex",
    "inside-deep-learning-mlp.ipynb",
)


def _run(seed: str, *args: str, cwd: Path = ROOT) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "derivator", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    out = r.stdout.decode("utf-8")
    assert "Traceback" not in out + r.stderr.decode("utf-8"), r.stderr.decode("utf-8")
    return out


def _without_times(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if k != "seconds"}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


def _check(seed: str, files: list[Path]) -> str:
    out = _run(
        seed,
        "check",
        "--no-cache",
        "--jobs",
        "2",
        "--timeout",
        "60",
        "--format",
        "json",
        *[str(f.relative_to(ROOT)) for f in files],
    )
    return json.dumps(_without_times(json.loads(out)), ensure_ascii=False, indent=1)


def _same_across_seeds(outputs: dict[str, str]) -> None:
    first = outputs[SEEDS[0]]
    for seed, text in outputs.items():
        if text != first:
            a, b = first.splitlines(), text.splitlines()
            k = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise AssertionError(
                f"PYTHONHASHSEED={SEEDS[0]} and {seed} differ at line {k + 1}:\n"
                f"  {a[k] if k < len(a) else '(end)'}\n  {b[k] if k < len(b) else '(end)'}"
            )


def test_check_is_the_same_under_every_hash_seed() -> None:
    files = [DEV / name for name in SUBSET]
    assert all(f.is_file() for f in files)
    outputs = {seed: _check(seed, files) for seed in SEEDS}
    assert '"verdict": "unknown"' in outputs[SEEDS[0]]  # the reasons are compared too
    _same_across_seeds(outputs)


@pytest.mark.slow
def test_check_of_the_whole_dev_corpus_is_the_same_under_every_hash_seed() -> None:
    """The rest of the dev corpus under the first two seeds (the subset is checked under those
    and a third by the test above: checking it here again would repeat the same comparison)."""
    files = sorted(
        p for p in DEV.iterdir() if p.suffix in (".md", ".tex", ".ipynb") and p.name not in SUBSET
    )
    assert len(files) > 2 * len(SUBSET)
    _same_across_seeds({seed: _check(seed, files) for seed in SEEDS[:2]})


def test_formulas_are_the_same_under_every_hash_seed() -> None:
    def formulas(seed: str) -> str:
        return "".join(
            _run(seed, "formulas", "--layer", layer, "--form", "both", "--format", "latex")
            for layer in ("L-1", "l")
        )

    outputs = {seed: formulas(seed) for seed in SEEDS}
    assert "\\frac" in outputs[SEEDS[0]]
    _same_across_seeds(outputs)


@pytest.mark.slow
def test_the_article_is_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    """``derivator article`` under the first seed writes exactly the committed ``output/``, which
    test_article keeps equal to what its own process writes (under pytest's random seed, and in a
    process under another fixed seed): one process here instead of two, same comparison."""

    def article(folder: Path) -> str:
        return "".join(
            f"== {p.relative_to(folder)}\n{p.read_text(encoding='utf-8')}"
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        )

    folder = tmp_path / SEEDS[0]
    _run(SEEDS[0], "article", "--lang", "en", "--format", "md", "--output", str(folder))
    written = [p.relative_to(folder) for p in folder.rglob("*") if p.is_file()]
    assert len(written) >= 5 and "$$" in (folder / "backprop-calculus.en.md").read_text("utf-8")
    committed = tmp_path / "committed"
    for name in written:
        (committed / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(OUTPUT / name, committed / name)
    _same_across_seeds({SEEDS[0]: article(folder), "(output/, committed)": article(committed)})


def _verdicts_in_one_run(files: list[Path]) -> dict[tuple[str, int, int], tuple[str, str]]:
    """(file, line, step) → (verdict, reason) of every relation, the files checked one after the
    other in one process (one Run, one worker)."""
    from derivator.document import Run, check_text

    out: dict[tuple[str, int, int], tuple[str, str]] = {}
    with Run(jobs=1, timeout=60) as run:
        for f in files:
            for r in check_text(str(f), f.read_text(encoding="utf-8"), run):
                out[(f.name, r.line, r.step)] = (str(r.verdict), r.reason)
    return out


def test_a_document_is_judged_the_same_whoever_was_checked_before_it() -> None:
    """No state of one document reaches the next in the same process: Hjorth-Jensen's δ line
    (entry by entry) was read as a Jacobian across layers after 3Blue1Brown's one-neuron file,
    whose last matrix reading left its flag set."""
    one, week42 = DEV / "3b1b-one-neuron.md", DEV / "hjorth-jensen-week42.md"
    alone = _verdicts_in_one_run([week42])
    after = _verdicts_in_one_run([one, week42])
    assert {k: v for k, v in after.items() if k[0] == week42.name} == alone


@pytest.mark.slow
def test_the_dev_corpus_is_judged_the_same_in_either_order() -> None:
    files = sorted(p for p in DEV.iterdir() if p.suffix in (".md", ".tex", ".ipynb"))
    forward = _verdicts_in_one_run(files)
    assert forward == _verdicts_in_one_run(files[::-1])
