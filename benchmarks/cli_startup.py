"""Benchmark: cold start of the CLI (target: `fincloud sla downtime 99.9` under 0.3 s).

Usage: python benchmarks/cli_startup.py [--runs R]
Runs each command R times (default 20) as a fresh process and prints the median wall time and
the median CPU time (user + system) of the child, which other load on the machine disturbs less.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.3
PROFILE = Path(__file__).resolve().parents[1] / "tests/rules/profiles/p02_material_offshore.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = str(Path(sys.executable).parent / "fincloud")
    commands = [
        [script, "sla", "downtime", "99.9"],
        [script, "sla", "composite", "99.9 * (99.95 | 99.95)"],
        [script, "evaluate", str(PROFILE)],
        [script, "--help"],
        [sys.executable, "-c", "pass"],
    ]
    print(f"cold start, median of {args.runs} runs (target {TARGET} s for sla downtime)")
    for command in commands:
        times = []
        cpu = []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        median = statistics.median(times)
        label = " ".join(Path(command[0]).name if i == 0 else a for i, a in enumerate(command))
        print(
            f"  {label[:44]:<44} median {median:.3f} s  (min {min(times):.3f}, "
            f"max {max(times):.3f}), CPU {statistics.median(cpu):.3f} s  "
            f"{median / TARGET:.2f}x budget"
        )


if __name__ == "__main__":
    main()
