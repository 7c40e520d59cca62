"""`derivator verify` (the whole shipped textbook) on one core, on every core, and from the cache.

Three runs of the CLI in one go: `--jobs 1 --no-cache`, the default jobs (one per core) without
the cache, and the default jobs from a cache the previous run filled.  Goal: under 15 s with both
cores and the cache.  Usage: python bench/verify.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(*args: str) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "verify", "--format", "json", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    if r.returncode not in (0, 1):
        raise SystemExit(f"verify failed ({r.returncode}): {r.stderr[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        serial = timed("--jobs", "1", "--no-cache")
        parallel = timed("--cache-dir", cache)
        cached = timed("--cache-dir", cache)
    print(f"derivator verify ({os.cpu_count()} cores)")
    print(f"--jobs 1, no cache    {serial:7.2f} s")
    print(f"every core, no cache  {parallel:7.2f} s   serial/parallel = {serial / parallel:.2f}")
    print(f"every core, cached    {cached:7.2f} s   goal < 15 s")


if __name__ == "__main__":
    main()
