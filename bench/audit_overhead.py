"""What the audit of every ``proved`` costs, and how many verdicts it audited.

Runs ``derivator verify`` (one core, no cache) in two fresh processes, with the audit and without
(``engine.audit.ENABLED``), and compares their CPU time (wall time on a shared machine says more
about the neighbours than about us; fresh processes, so that neither run inherits the other's
cached derivatives).  Prints the audit's outcome per verdict.
Usage: python bench/audit_overhead.py [ACTIVATION ...] [--loss LOSS ...]  (default: everything)
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import subprocess
import sys
import time

from derivator.engine import audit
from derivator.publish import verify


def run(activations: list[str], losses: list[str], enabled: bool) -> tuple[float, list[str]]:
    audit.ENABLED = enabled
    t0 = time.process_time()
    rows = verify.verify(activations=activations, losses=losses, timeout=30)
    return time.process_time() - t0, [
        f"{r.verdict.verdict} / {r.verdict.audit.split(' at ')[0] or '-'}" for r in rows
    ]


def fresh(activations: list[str], losses: list[str], enabled: bool) -> tuple[float, list[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, __file__, "--one", "on" if enabled else "off", *activations]
        + ["--loss", *losses],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return cpu, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("activations", nargs="*", default=list(verify.ALL_ACTIVATIONS))
    parser.add_argument("--loss", nargs="*", default=list(verify.ALL_LOSSES))
    parser.add_argument("--one", choices=("on", "off"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.activations, args.loss, args.one == "on")[1]))
        return
    without, _ = fresh(args.activations, args.loss, False)
    with_audit, outcomes = fresh(args.activations, args.loss, True)
    print(f"verify {' '.join(args.activations)} × {' '.join(args.loss)}: {len(outcomes)} formulas")
    print(f"CPU without the audit {without:8.2f} s")
    print(
        f"CPU with the audit    {with_audit:8.2f} s   overhead {100 * (with_audit / without - 1):.1f} %"
    )
    for outcome, count in sorted(collections.Counter(outcomes).items()):
        print(f"  {outcome:40s} {count}")


if __name__ == "__main__":
    main()
