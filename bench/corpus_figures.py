"""The real corpus's figures: how much of what other authors wrote derivator judges.

For each split of tests/corpus/real (dev: tuned against; sealed: never read while building), every
file is checked as written (directives blanked) and with its one directive (stored beside its
key), and every relation's verdict is compared with its key (truth from our own PyTorch evaluator
in the author's conventions, tests/corpus/real/evaluator.py).  Prints per split: relations by key
kind, relations judged as written and with one directive, wrong verdicts (each listed: they are
bugs), and the rest by verdict and reason.
Usage: python bench/corpus_figures.py [dev] [sealed] [--jobs N] [--timeout S]
(sealed is run only when named: its figures are for the final measurement.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "corpus" / "real"))
sys.path.insert(0, str(ROOT))

from evaluator import sources
from measure import judge, report

from derivator.document import Run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("splits", nargs="*", default=["dev"], choices=["dev", "sealed"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    wrong = 0
    for split in args.splits:
        start = time.perf_counter()
        with Run(jobs=args.jobs, timeout=args.timeout) as run:
            tally = judge(sources(split), run)
        print(report(split, tally, reasons=split != "sealed"))
        print(f"  ({time.perf_counter() - start:.1f} s)")
        wrong += sum(len(w) for w in tally.wrong.values())
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
