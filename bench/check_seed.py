"""How fast `derivator check` decides the seed article: cold, from the cache, and in process.

Cold: a fresh interpreter running the CLI with no cache (imports, worker start and every proof),
as a user's first CI run.  Cached: the same command again with a filled cache (the file is
answered without SymPy).  Warm: check_text again in one process (a new Run, SymPy's caches
warm).  Also the start-up alone (`derivator --version`) and the import of SymPy.  Medians; the
ratio cached/cold is measured in the same run.
Usage: python bench/check_seed.py [repeats]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, load, run

#: the article kept beside the project (DERIVATOR_SEED names another copy, e.g. from a worktree)
SEED = Path(
    os.environ.get(
        "DERIVATOR_SEED",
        Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "backprop-calculus.zh.md",
    )
)
sys.path.insert(0, str(ROOT))

#: CPU seconds of the runs timed by ``timed``, by kind ("cold", "cached")
CPU: dict[str, list[float]] = {"cold": [], "cached": []}


def timed(*args: str, cache: str | None = None, kind: str = "") -> tuple[float, dict]:
    extra = ["--cache-dir", cache] if cache else ["--no-cache"]
    dt, cpu, r = run(*args, *extra)
    if kind:
        CPU[kind].append(cpu)
    return dt, json.loads(r.stdout) if r.stdout.startswith("{") else {}


def start_up(*code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, *code], capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    return time.perf_counter() - t0


def warm() -> float:
    from derivator.document import check

    text = SEED.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    with check.Run(jobs=os.cpu_count() or 1) as run:
        check.check_text(str(SEED), text, run)
    return time.perf_counter() - t0


def main() -> None:
    if not SEED.is_file():
        raise SystemExit(f"no seed article at {SEED}")
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    args = ("check", str(SEED), "--format", "json")
    colds, cacheds, starts, sympys = [], [], [], []
    n = 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            dt, data = timed(*args, kind="cold")
            colds.append(dt)
            n = len(data["results"])
            timed(*args, cache=cache)  # fill the cache
            dt, data = timed(*args, cache=cache, kind="cached")
            cacheds.append(dt)
            hits = sum(r["cached"] for r in data["results"])
            if hits < len(data["results"]):  # a relation stopped by its timeout is never kept
                print(
                    f"note: {len(data['results']) - hits} relations not from the cache (timeouts?)"
                )
        starts.append(start_up("-m", "derivator", "--version"))
        sympys.append(start_up("-c", "import sympy"))
    warm()  # fill SymPy's caches, then time fresh runs
    warms = [warm() for _ in range(repeats)]
    c, k, w = statistics.median(colds), statistics.median(cacheds), statistics.median(warms)
    print(f"seed article: {n} relations, {os.cpu_count()} cores, median of {repeats}, {load()}")
    print(
        f"cold   (new process, no cache, imports included) {c:6.2f} s   goal < 1 s"
        f"   CPU {statistics.median(CPU['cold']):.2f} s"
    )
    print(
        f"cached (new process, every file from the cache)  {k:6.2f} s   cached/cold = {k / c:.3f} (goal < 0.1)"
        f"   CPU {statistics.median(CPU['cached']):.2f} s"
    )
    print(f"warm   (in process, new Run)                     {w:6.2f} s")
    print(
        f"start-up: derivator --version {statistics.median(starts):.2f} s, import sympy {statistics.median(sympys):.2f} s"
    )


if __name__ == "__main__":
    main()
