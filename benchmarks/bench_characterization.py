"""Time ``characterize`` on 100 cycles × 40 pulses (20 + 20); the target is well under 1 s.

Run: ``.venv/bin/python benchmarks/bench_characterization.py [--repeats N]``. Prints the median of the
repeats (after one warm-up) and its ratio to the 1 s budget. Figures are not included (I/O-bound).
"""

from __future__ import annotations

import argparse
import statistics
import time

from memtwin.characterization import characterize
from memtwin.synthetic import generate_hfs2_like

BUDGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    table = generate_hfs2_like(seed=0, cycles=100, pulses=20)  # 100 cycles × 40 pulses
    characterize(table)  # warm-up: imports, caches
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        characterize(table)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(
        f"characterize, 100 cycles x 40 pulses ({len(table.frame)} reads): median {med * 1e3:.1f} ms "
        f"over {args.repeats} repeats (min {min(times) * 1e3:.1f} ms) = {med / BUDGET_S:.3f} x the {BUDGET_S:g} s budget"
    )


if __name__ == "__main__":
    main()
