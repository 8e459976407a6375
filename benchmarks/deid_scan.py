"""Benchmark: the identifier scanner, rows per second per column (target: over 500,000).

Scans generated customers (18 columns: structured identifiers and a free-text note) in memory,
column by column, median of several runs; also the whole `fincloud deid scan` command.

Usage: python benchmarks/deid_scan.py [--rows N] [--runs R]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from fincloud.deid import fake, scan

    frame = fake.generate(args.rows, seed=3)
    print(f"scanner, {args.rows:,} generated rows, median of {args.runs} runs per column")
    rates = {}
    for column in frame.columns:
        one = frame.select(column)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = scan.scan_frame(one)
            times.append(time.perf_counter() - started)
        rates[column] = args.rows / statistics.median(times)
        found = ", ".join(f"{f.type} {f.valid}/{f.invalid}" for f in report.columns[column])
        print(f"  {column:14s} {rates[column]:>12,.0f} rows/s  {found or '-'}")
    slowest = min(rates, key=rates.__getitem__)
    print(f"  slowest column: {slowest} at {rates[slowest]:,.0f} rows/s "
          f"(target > 500,000: {'ok' if rates[slowest] > 500_000 else 'MISSED'})")  # fmt: skip
    started = time.perf_counter()
    scan.scan_frame(frame)
    whole = time.perf_counter() - started
    print(f"  all {len(frame.columns)} columns together: {whole:.2f} s, "
          f"{args.rows * len(frame.columns) / whole:,.0f} column-rows/s")  # fmt: skip

    work = Path(tempfile.mkdtemp(prefix="fincloud-scan-bench-"))
    try:
        path = work / "customers.csv"
        frame.write_csv(path)
        exe = shutil.which("fincloud", path=str(Path(sys.executable).parent)) or "fincloud"
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([exe, "deid", "scan", str(path)], check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        print(f"  `fincloud deid scan` on the CSV ({path.stat().st_size / 2**20:.0f} MiB): "
              f"{median:.2f} s median, {args.rows * len(frame.columns) / median:,.0f} "
              "column-rows/s")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
