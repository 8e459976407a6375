"""Benchmark: SLA arithmetic in-process (downtime, composite, attainment over many outages).

Usage: python benchmarks/sla_throughput.py [--runs R]
Prints the median of R runs of each operation.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fincloud.sla.attainment import Outage, attainment, parse_period
from fincloud.sla.composite import composite
from fincloud.sla.downtime import downtime


def rate(fn: object, n: int, runs: int) -> float:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rnd = random.Random(7)
    base = datetime(2025, 12, 20, tzinfo=UTC)
    outages = []
    for _ in range(100_000):
        start = base + timedelta(minutes=rnd.randint(0, 60 * 24 * 45))
        outages.append(
            Outage(start, start + timedelta(minutes=rnd.randint(0, 30)), rnd.random() < 0.2)
        )
    period = parse_period("2026-01")
    print(f"SLA arithmetic, median of {args.runs} runs")
    value = Decimal("99.95")
    per_second = rate(lambda: downtime(value), 20_000, args.runs)
    print(f"  downtime(99.95)                {per_second:>10,.0f} /s")
    expression = "99.99 * (99.95 | 99.95) * (99.9 | 99.9 | 99.9) * 99.999"
    per_second = rate(lambda: composite(expression), 5_000, args.runs)
    print(f"  composite (7 components)       {per_second:>10,.0f} /s")
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        attainment(outages, period, value)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  attainment, 100,000 outages    {median * 1000:>10.1f} ms ({100_000 / median:,.0f}/s)")


if __name__ == "__main__":
    main()
