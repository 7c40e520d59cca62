"""Wall and CPU seconds of a command, for the benchmarks of a shared machine.

On a machine other jobs keep busy, wall time says more about them than about us; the CPU
seconds of the command and of every process it waited for (its workers) do not.  The
benchmarks print both.  ``DERIVATOR_BENCH_ROOT`` names the checkout whose code is timed
(default: the one holding this file), so that two versions can be timed in one run.

A benchmark that compares runs times a copy of the code taken at its start (:func:`snapshot`):
a checkout edited or merged while it runs (minutes, on a busy machine) would otherwise time two
versions, and their verdicts and cache folders (keyed by a hash of the source) would differ.
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import subprocess
import sys
import tempfile
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


def snapshot() -> Path:
    """Copy ROOT's ``derivator`` package to a temporary folder (removed at exit) and time that
    copy from now on; its path."""
    global ROOT
    folder = Path(tempfile.mkdtemp(prefix="derivator-bench-"))
    atexit.register(shutil.rmtree, folder, True)
    shutil.copytree(
        ROOT / "derivator", folder / "derivator", ignore=shutil.ignore_patterns("__pycache__")
    )
    ROOT = folder
    return folder


def load() -> str:
    """The load average, printed with the figures (above the core count: others were busy)."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
