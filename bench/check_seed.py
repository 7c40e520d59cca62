"""How fast `derivator check` reads and decides the seed article, cold and warm.

Cold: a fresh interpreter running the CLI (imports included), as a user's CI would.
Warm: check_text again in one process (proofs cached per run, so the second run is a new Run).
Usage: python bench/check_seed.py [repeats]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / ".." / "shared" / "seed" / "backprop-calculus.zh.md"
sys.path.insert(0, str(ROOT))


def cold() -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", str(SEED), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    dt = time.perf_counter() - t0
    return dt, len(json.loads(r.stdout)["results"])


def warm() -> float:
    from derivator.document import check

    text = SEED.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    check.check_text(str(SEED), text, check.Run())
    return time.perf_counter() - t0


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    colds = []
    n = 0
    for _ in range(repeats):
        dt, n = cold()
        colds.append(dt)
    warm()  # fill SymPy's caches and our truth cache once, then time fresh runs
    warms = [warm() for _ in range(repeats)]
    c, w = statistics.median(colds), statistics.median(warms)
    print(f"seed article: {n} relations")
    print(
        f"cold (new process, CLI, imports included): median {c:.2f} s over {repeats} runs "
        f"({n / c:.1f} relations/s); target < 2 s, limit 5 s"
    )
    print(f"warm (in process, new Run):                median {w:.2f} s ({n / w:.1f} relations/s)")


if __name__ == "__main__":
    main()
