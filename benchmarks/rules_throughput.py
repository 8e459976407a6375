"""Benchmark: rules engine throughput in-process on one core (target >= 50,000 profiles/s).

Usage: python benchmarks/rules_throughput.py [--profiles N] [--runs R]
Each run validates (parse_profile), evaluates and builds the output mapping of every profile,
streaming (results are not kept), pinned to one CPU. Prints each stage's median over the runs,
per second of CPU time of this process (what one core delivers, less disturbed by other load on
a shared machine) and per second of wall time.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rules_profiles import profiles

from fincloud.rules import evaluate, parse_profile

TARGET = 50_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    data = profiles(args.profiles)
    parsed = [parse_profile(d) for d in data]  # also warms the rule caches
    for p in parsed:
        evaluate(p)

    def run(stage: str) -> tuple[float, float]:
        gc.collect()
        start = time.perf_counter()
        cpu_start = time.process_time()
        if stage == "parse+evaluate+output":
            for d in data:
                evaluate(parse_profile(d)).to_output("zh-TW")
        elif stage == "parse+evaluate":
            for d in data:
                evaluate(parse_profile(d))
        else:
            for p in parsed:
                evaluate(p)
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - start
        return args.profiles / cpu, args.profiles / wall

    print(f"rules throughput, {args.profiles:,} profiles, {args.runs} runs, one core")
    for stage in ("evaluate", "parse+evaluate", "parse+evaluate+output"):
        results = [run(stage) for _ in range(args.runs)]
        cpu_rates = [c for c, _ in results]
        median = statistics.median(cpu_rates)
        wall = statistics.median(w for _, w in results)
        print(
            f"  {stage:<22} median {median:>9,.0f} profiles/CPU-s (min {min(cpu_rates):,.0f}, "
            f"max {max(cpu_rates):,.0f}), wall {wall:,.0f}/s  {median / TARGET:.2f}x target"
        )


if __name__ == "__main__":
    main()
