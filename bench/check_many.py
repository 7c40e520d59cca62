"""`derivator check` over many files: one worker pool per run against one worker.

500 Markdown files of 20 relations each (proved, refuted and unknown ones, as in a course's
notes), checked by the CLI in one run with the default jobs (one worker per core) and with
``--jobs 1``, both without the persistent cache; then once more from a filled cache.  With many
files each worker plans and decides whole files, so the parent only reads and collects: the
parallel run must be at least 1.6 times faster on 2 cores.  Prints the times and their ratios.
Usage: python bench/check_many.py [files] [relations per file]
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


def timed(folder: Path, *options: str, cache: str | None = None) -> tuple[float, dict[str, Any]]:
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
    CPU.append(cpu)
    return wall, json.loads(r.stdout)


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


#: CPU seconds of each timed run, in order
CPU: list[float] = []


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_file = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    snapshot()  # four runs of minutes each: one version of the code for all of them
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        write_files(Path(tmp), files, per_file)
        parallel, r1 = timed(Path(tmp))
        serial, r2 = timed(Path(tmp), "--jobs", "1")
        timed(Path(tmp), cache=cache)
        cached, r3 = timed(Path(tmp), cache=cache)
    s1 = r1["summary"]
    print(f"{files} files x {per_file} relations ({os.cpu_count()} cores, {load()}): {s1}")
    print(f"default jobs {parallel:7.2f} s   CPU {CPU[0]:7.2f} s")
    print(f"--jobs 1     {serial:7.2f} s   CPU {CPU[1]:7.2f} s")
    print(f"cached       {cached:7.2f} s   CPU {CPU[3]:7.2f} s")
    print(f"serial / parallel = {serial / parallel:.2f} (above 1: parallel wins; goal 1.6)")
    print(f"cached / parallel = {cached / parallel:.3f}")
    differ = disagreements({"default jobs": r1, "--jobs 1": r2, "cached": r3})
    if differ:
        print("the runs disagree:", r1["summary"], r2["summary"], r3["summary"], *differ, sep="\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
