"""Judging derivator against the real corpus's keys (the evaluator never imports derivator; this
module does, to run it).

Each file is checked twice: **as written** (directive lines blanked) and **with one directive**
(the line stored beside the key, as a user would add it; a file without one counts as written).
derivator's results are matched to our own relations (:mod:`evaluator`) by the display they fall
in and by their text, never by derivator's step numbers alone; a relation derivator does not
report is "not reported".  Every relation gets one outcome:

* ``judged``: the verdict the key asks for (T proved, F refuted, D defined or proved, S skipped
  or defined, P proved at the shown precision, PF refuted);
* ``wrong``: a verdict the key contradicts (T or P refuted, F or PF proved, D refuted, S proved,
  P proved as an exact identity);
* otherwise the verdict and a short form of derivator's reason (errors, unknowns, …).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from evaluator import (
    KINDS,
    PA,
    PF,
    Key,
    P,
    Source,
    displays,
    same_relation,
    strip_directives,
    with_directive,
)

from derivator.document import Run, check_text

VARIANTS = ("written", "directive")


def variant_text(src: Source, variant: str) -> str:
    text = strip_directives(src.text())
    if variant == "directive" and src.directive:
        text = with_directive(text, src.directive, src.kind, src.directive_before)
    return text


def match(
    src: Source, text: str, results: list[Any]
) -> tuple[dict[tuple[int, int], Any], list[Any]]:
    """Our relation address → derivator's result, and derivator's results matched to nothing.

    A result belongs to the display whose lines hold its line (in a notebook, to any display);
    within it, a result is ours when its text is (:func:`evaluator.same_relation`); what is left
    is paired in order when as many results as relations are left."""
    mine = src.relations()
    spans = {d.number: (d.line, d.end) for d in displays(text, src.kind)}

    def inside(number: int, res: Any) -> bool:
        lo, hi = spans[number]
        return src.kind == "ipynb" or lo <= res.line <= hi

    got: dict[tuple[int, int], Any] = {}
    used: set[int] = set()
    for k, res in enumerate(results):
        for r in mine:
            if r.address not in got and inside(r.display, res) and same_relation(r, res.relation):
                got[r.address] = res
                used.add(k)
                break
    if src.kind != "ipynb":
        for number in spans:
            left = [r for r in mine if r.display == number and r.address not in got]
            theirs = [k for k, res in enumerate(results) if k not in used and inside(number, res)]
            if left and len(left) == len(theirs):
                for r, k in zip(left, theirs):
                    got[r.address] = results[k]
                    used.add(k)
    return got, [res for k, res in enumerate(results) if k not in used]


_POSITION = re.compile(r"^line \d+, column \d+: ")


def reason_of(res: Any) -> str:
    """A short, stable form of a reason (for counting by reason)."""
    text = _POSITION.sub("", (res.reason or "").split("\n")[0])
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "…", text)
    text = re.sub(r"\(([^()]|\([^()]*\))*\)", "", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    text = re.split(r"[;:]", text)[0].strip()
    return f"{res.verdict}: {text[:80]}" if text else res.verdict


def outcome(key: Key, res: Any | None) -> str:
    """'judged', 'wrong', or the verdict with a short reason."""
    if res is None:
        return "not reported"
    verdict, method = str(res.verdict), (res.method or "")
    precision = "precision" in method
    if isinstance(key, P):
        if verdict == "proved" and precision:
            return "judged"
        if verdict == "refuted" or (verdict == "proved" and not precision):
            lhs, rhs = (torch.as_tensor(v, dtype=torch.float64) for v in key.sides())
            if verdict == "refuted" or not torch.equal(lhs, rhs):
                return "wrong"
    elif isinstance(key, PA):
        if verdict == "refuted" or (verdict == "proved" and precision):
            return "judged"
        if verdict == "proved":
            lhs, rhs = (torch.as_tensor(v, dtype=torch.float64) for v in key.sides())
            if not torch.equal(lhs, rhs):
                return "wrong"
    elif isinstance(key, PF):
        if verdict == "refuted":
            return "judged"
        if verdict in ("proved", "defined"):
            return "wrong"
    else:
        if verdict in key.right:
            return "judged"
        wrong = {
            "T": ("refuted",),
            "F": ("proved", "defined"),  # no false claim may pass as a definition
            "D": ("refuted",),
            "S": ("proved",),
        }
        if verdict in wrong[key.kind]:
            return "wrong"
    return reason_of(res)


@dataclass
class Tally:
    relations: int = 0
    kinds: Counter = field(default_factory=Counter)
    judged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    wrong: dict[str, list[str]] = field(default_factory=lambda: {v: [] for v in VARIANTS})
    other: dict[str, Counter] = field(default_factory=lambda: {v: Counter() for v in VARIANTS})
    extra: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    defined_as: dict[str, Counter] = field(default_factory=lambda: {v: Counter() for v in VARIANTS})
    files: int = 0


def judge(sources: list[Source], run: Run, variants: tuple[str, ...] = VARIANTS) -> Tally:
    tally = Tally()
    for src in sources:
        tally.files += 1
        rels = src.relations()
        tally.relations += len(rels)
        tally.kinds.update(src.keys[r.address].kind for r in rels)
        done: dict[str, list[Any]] = {}  # a file without a directive is checked once
        for variant in variants:
            text = variant_text(src, variant)
            if text not in done:
                done[text] = check_text(src.name, text, run)
            results = done[text]
            got, extra = match(src, text, results)
            tally.extra[variant] += len(extra)
            for r in rels:
                key = src.keys[r.address]
                res = got.get(r.address)
                verdict = outcome(key, res)
                if verdict == "judged":
                    tally.judged[variant] += 1
                    if key.kind == "D":
                        tally.defined_as[variant][str(res.verdict)] += 1
                elif verdict == "wrong":
                    tally.wrong[variant].append(
                        f"{src.split}/{src.name} display {r.display} step {r.step} (line {r.line}): "
                        f"key {key.kind}, {res.verdict}: {r.text[:100]}"
                    )
                else:
                    tally.other[variant][verdict] += 1
    return tally


def report(split: str, t: Tally, reasons: bool = True) -> str:
    """The figures of one split; ``reasons=False`` (sealed) leaves out the counts by reason, so
    that nothing but the summary and the wrong verdicts is read of a sealed run."""

    def pct(k: int) -> str:
        return f"{k} ({100 * k / t.relations:.1f} %)" if t.relations else "0"

    lines = [
        f"== {split}: {t.files} files, {t.relations} relations "
        + ", ".join(f"{k} {t.kinds[k]}" for k in KINDS),
    ]
    for v in VARIANTS:
        label = "as written" if v == "written" else "one directive"
        lines.append(
            f"  {label:14s} judged {pct(t.judged[v])}, wrong {len(t.wrong[v])}, "
            f"unmatched results {t.extra[v]}; definitions judged as "
            + ", ".join(f"{k} {n}" for k, n in sorted(t.defined_as[v].items()))
        )
        for w in t.wrong[v]:
            lines.append(f"    WRONG {w}")
        for reason, n in t.other[v].most_common() if reasons else []:
            lines.append(f"    {n:4d}  {reason}")
    return "\n".join(lines)
