"""How long a writer waits for a short template: ``derivator render`` of a 15-line post.

The post (below) asks for seven displays at four layers (closed forms at L, L-1, L-2, a chain,
the matrix form of layer l) and three references, in LaTeX.  Target: under 2 s
on an idle machine; it took about 11 s when every call derived and proved all eleven formulas of
its layer, where now it derives and proves the one it prints.

Printed per run: wall seconds and CPU seconds (the command and its child: the render runs in a
bounded child process), and the load average, since on a shared machine the wall time says as much
about the other jobs as about derivator.  ``DERIVATOR_BENCH_ROOT=/path/to/checkout`` times
another checkout's code (an older commit, for the figure before).

Run from the repository root:  python bench/render_template.py  [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing

TEMPLATE = r"""\section*{Backpropagation, one layer at a time}
The gradient of a weight of the output layer is
{{ gradient("w", layer="L", form="closed", label="out", punct=".") }}
Its bias:
{{ gradient("b", layer="L", form="closed") }}
One layer down, the chain rule sums over every path through layer $L$:
{{ chain("b", layer="L-1", punct=".") }}
and the weights of that layer:
{{ gradient("w", layer="L-1", form="closed", label="w1") }}
Two layers down:
{{ gradient("w", layer="L-2", form="closed") }}
Every layer $l$ at once, in matrix form:
{{ matrix_form("l", label="m") }}
Entry by entry, {{ ref("out") }} is the second line of {{ ref("m") }} for the output layer,
and {{ ref("w1") }} follows the same pattern.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert TEMPLATE.count("\n") == 15
    timing.snapshot()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "post.tex.j2"
        src.write_text(TEMPLATE, encoding="utf-8")
        walls, cpus = [], []
        for n in range(args.runs):
            wall, cpu, r = timing.run("render", str(src), "-o", str(Path(tmp) / "post.tex"))
            if r.returncode != 0:
                print(r.stdout + r.stderr, file=sys.stderr)
                return 1
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {n + 1}: wall {wall:.2f} s, CPU {cpu:.2f} s ({timing.load()})")
    print(
        f"15-line template, {args.runs} runs: median wall {statistics.median(walls):.2f} s, "
        f"median CPU {statistics.median(cpus):.2f} s (target: under 2 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
