"""The test suite's wall and CPU seconds (pytest and every process it waited for: xdist workers,
the CLI runs, TeX, Chromium), with the load average before and after: on a shared machine the
CPU seconds say what the suite costs, the wall time how much of the machine it got.  Also the
CPU seconds per test file, summed from ``--durations=0`` (wall seconds of each phase, so a file
whose tests wait for subprocesses shows their time too).
Usage: python bench/suite.py [workers]   (default 2; 0 runs in one process)
"""

from __future__ import annotations

import collections
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, load


def main() -> None:
    workers = sys.argv[1] if len(sys.argv) > 1 else "2"
    print(f"load before: {load()}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", workers, "--durations=0", "--durations-min=0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    per_file: collections.Counter[str] = collections.Counter()
    for m in re.finditer(r"^([\d.]+)s (?:call|setup|teardown)\s+(\S+?)::", r.stdout, re.M):
        per_file[m.group(2)] += float(m.group(1))
    for name, seconds in per_file.most_common(15):
        print(f"{seconds:8.1f} s  {name}")
    for line in r.stdout.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            print(line)
    print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-2000:])
    print(f"suite: {wall:.1f} s wall, {cpu:.1f} s CPU, -n {workers}; load after: {load()}")


if __name__ == "__main__":
    main()
