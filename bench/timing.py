"""Wall and CPU seconds of a command, for the benchmarks of a shared machine.

On a machine other jobs keep busy, wall time says more about them than about us; the CPU
seconds of the command and of every process it waited for (its workers) do not.  The
benchmarks print both.  ``DERIVATOR_BENCH_ROOT`` names the checkout whose code is timed
(default: the one holding this file), so that two versions can be timed in one run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("DERIVATOR_BENCH_ROOT", Path(__file__).resolve().parents[1]))


def run(
    *args: str, cwd: str | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """``python -m derivator *args`` with ROOT's code: (wall seconds, CPU seconds, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "derivator", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=cwd,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r


def load() -> str:
    """The load average, printed with the figures (above the core count: others were busy)."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
