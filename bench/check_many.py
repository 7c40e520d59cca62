"""`derivator check` over many files: one worker pool per run against one worker.

500 Markdown files of 20 relations each (proved, refuted and unknown ones, as in a course's
notes), checked by the CLI in one run with the default jobs (one worker per core) and with
``--jobs 1``, both without the persistent cache, in turn for a few rounds (the best of each
counts: other jobs on a shared machine come and go); then once more from a filled cache.  With many
files each worker plans and decides whole files, so the parent only reads and collects: the
parallel run must be at least 1.6 times faster on 2 cores.  Prints the times and their ratios.
Usage: python bench/check_many.py [files] [relations per file] [rounds]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import load, run, snapshot

#: relations a reader writes about the output and the last hidden layer (some right, some not)
RELATIONS = [
    r"\frac{\partial L_i}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}",
    r"\frac{\partial a_{ij}^{(L)}}{\partial z_{ij}^{(L)}} = \sigma'(z_{ij}^{(L)})",
    r"\frac{\partial z_{ij}^{(L)}}{\partial w_{jk}^{(L)}} = a_{ik}^{(L-1)}",
    r"\frac{\partial z_{ij}^{(L)}}{\partial b_j^{(L)}} = 1",
    r"\frac{\partial L_i}{\partial z_{ij}^{(L)}} = (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)})",
    r"\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}",
    r"\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}",
    r"\frac{\partial L}{\partial b_j^{(L)}} = \frac{1}{n}\sum_i (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)})",
    r"\frac{\partial L}{\partial w_{jk}^{(L)}} = \frac{1}{n}\sum_i (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) a_{ik}^{(L-1)}",
    r"\frac{\partial L}{\partial w_{jk}^{(L)}} = \frac{1}{n}\sum_i (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) a_{ij}^{(L-1)}",
    r"\frac{\partial z_{ik}^{(L-1)}}{\partial w_{km}^{(L-1)}} = a_{im}^{(L-2)}",
    r"\frac{\partial L_i}{\partial z_{ik}^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)})",
    r"\frac{\partial L_i}{\partial b_k^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)})",
    r"\frac{\partial L_i}{\partial w_{km}^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)}) a_{im}^{(L-2)}",
    r"\frac{\partial L_i}{\partial w_{km}^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \sigma'(z_{ik}^{(L-1)}) a_{ik}^{(L-2)}",
    r"z_{ij}^{(L)} = \sum_k w_{jk}^{(L)} a_{ik}^{(L-1)} + b_j^{(L)}",
    r"a_{ij}^{(L)} = \sigma(z_{ij}^{(L)})",
    r"L_i = \frac{1}{2}\sum_j (a_{ij}^{(L)} - y_{ij})^2",
    r"L = \frac{1}{n}\sum_i L_i",
    r"\frac{\partial L}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}",
]


def write_files(folder: Path, files: int, per_file: int) -> list[Path]:
    out = []
    for f in range(files):
        lines = [f"# Notes, part {f}", ""]
        for r in range(per_file):
            lines += [f"Step {r}:", "", f"$${RELATIONS[(f + r) % len(RELATIONS)]}$$", ""]
        path = folder / f"part{f:04d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        out.append(path)
    return out


def timed(
    folder: Path, *options: str, cache: str | None = None
) -> tuple[float, float, dict[str, Any]]:
    """(wall seconds, CPU seconds, the JSON report) of one run of ``check`` over ``folder``."""
    wall, cpu, r = run(
        "check",
        str(folder),
        "--format",
        "json",
        *(["--cache-dir", cache] if cache else ["--no-cache"]),
        *options,
    )
    if r.returncode not in (0, 1):
        raise SystemExit(f"check failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall, cpu, json.loads(r.stdout)


def verdicts(report: dict[str, Any]) -> dict[tuple[str, int, int], tuple[str, str, str]]:
    """Each relation's verdict, method and reason, by file, line and step (not the seconds)."""
    return {
        (Path(r["file"]).name, r["line"], r["step"]): (r["verdict"], r["method"], r["reason"])
        for r in report["results"]
    }


def disagreements(runs: dict[str, dict[str, Any]]) -> list[str]:
    """The relations whose verdict differs between runs, one line each (at most 20)."""
    (first, base), *others = [(name, verdicts(report)) for name, report in runs.items()]
    out = []
    for name, other in others:
        for key in sorted(base.keys() | other.keys()):
            if base.get(key) != other.get(key):
                out.append(f"{key}: {first} {base.get(key)} / {name} {other.get(key)}")
    return out[:20]


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_file = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    snapshot()  # runs of minutes each: one version of the code for all of them
    best: dict[str, tuple[float, float, str]] = {}
    reports: dict[str, dict[str, Any]] = {}

    def keep(name: str, wall: float, cpu: float, report: dict[str, Any]) -> None:
        # on a shared machine the others' load comes and goes: the fastest of the rounds is
        # the one least disturbed, and the ratio pairs runs made in turn, not one after the other
        if name not in best or wall < best[name][0]:
            best[name] = (wall, cpu, load())
        reports[name] = report

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        write_files(Path(tmp), files, per_file)
        for k in range(rounds):
            order = [("default jobs", ()), ("--jobs 1", ("--jobs", "1"))]
            for name, options in order if k % 2 == 0 else order[::-1]:
                keep(name, *timed(Path(tmp), *options))
        timed(Path(tmp), cache=cache)
        keep("cached", *timed(Path(tmp), cache=cache))
    print(
        f"{files} files x {per_file} relations ({os.cpu_count()} cores, best of {rounds} "
        f"rounds, taken in turn): {reports['default jobs']['summary']}"
    )
    for name, (wall, cpu, at) in best.items():
        print(f"{name:13}{wall:7.2f} s   CPU {cpu:7.2f} s   cores busy {cpu / wall:4.2f}   {at}")
    parallel, serial, cached = (best[n][0] for n in ("default jobs", "--jobs 1", "cached"))
    print(f"serial / parallel = {serial / parallel:.2f} (above 1: parallel wins; goal 1.6)")
    print(f"cached / parallel = {cached / parallel:.3f}")
    differ = disagreements(reports)
    if differ:
        print("the runs disagree:", *(r["summary"] for r in reports.values()), *differ, sep="\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
