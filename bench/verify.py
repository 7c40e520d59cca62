"""`derivator verify` (the whole shipped textbook) on one core, on every core, and from the cache.

Three runs of the CLI in one go: `--jobs 1 --no-cache`, the default jobs (one per core) without
the cache, and the default jobs from a cache the previous run filled.  Goal: under 15 s with both
cores and the cache.  Usage: python bench/verify.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, load, run


def timed(*args: str) -> tuple[float, float]:
    wall, cpu, r = run("verify", "--format", "json", *args)
    if r.returncode not in (0, 1):
        raise SystemExit(f"verify failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall, cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        serial = timed("--jobs", "1", "--no-cache")
        parallel = timed("--cache-dir", cache)
        cached = timed("--cache-dir", cache)
    print(f"derivator verify ({os.cpu_count()} cores, {ROOT}, {load()}): wall s (CPU s)")
    print(f"--jobs 1, no cache    {serial[0]:7.2f} ({serial[1]:6.2f})")
    print(
        f"every core, no cache  {parallel[0]:7.2f} ({parallel[1]:6.2f})   "
        f"serial/parallel = {serial[0] / parallel[0]:.2f}"
    )
    print(f"every core, cached    {cached[0]:7.2f} ({cached[1]:6.2f})   goal < 15 s")


if __name__ == "__main__":
    main()
