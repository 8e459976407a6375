"""Benchmark: rules engine throughput in-process on one core (target >= 50,000 profiles/s).

Usage: python benchmarks/rules_throughput.py [--profiles N] [--runs R]
Each run validates (parse_profile), evaluates and builds the output mapping of every profile,
streaming (results are not kept), pinned to one CPU. Prints each stage's median over the runs.
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

    def run(stage: str) -> float:
        gc.collect()
        start = time.perf_counter()
        if stage == "parse+evaluate+output":
            for d in data:
                evaluate(parse_profile(d)).to_output("zh-TW")
        elif stage == "parse+evaluate":
            for d in data:
                evaluate(parse_profile(d))
        else:
            for p in parsed:
                evaluate(p)
        return args.profiles / (time.perf_counter() - start)

    print(f"rules throughput, {args.profiles:,} profiles, {args.runs} runs, one core")
    for stage in ("evaluate", "parse+evaluate", "parse+evaluate+output"):
        rates = [run(stage) for _ in range(args.runs)]
        median = statistics.median(rates)
        print(
            f"  {stage:<24} median {median:>10,.0f} profiles/s  "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f})  {median / TARGET:.2f}x target"
        )


if __name__ == "__main__":
    main()
