"""Benchmark: `fincloud evaluate --batch` end to end on 100,000 profiles (JSON Lines and CSV).

Usage: python benchmarks/rules_batch_cli.py [--profiles N] [--runs R]
Writes the profiles to a temporary directory, runs the console script (one process, so one
core), and prints the median wall time and profiles/s, and the child's median CPU time (less
disturbed by other load on a shared machine); checks that every line came back.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rules_profiles import profiles

COLUMNS = [
    "institution_type",
    "license_business_or_customer_data",
    "csp_processes_or_stores_data",
    "exclusion",
    "service_model",
    "locations",
    "consumer_finance_system",
    "material",
    "materiality_factors",
]


def write_inputs(directory: Path, count: int) -> tuple[Path, Path]:
    data = profiles(count)
    jsonl = directory / "profiles.jsonl"
    with jsonl.open("w", encoding="utf-8") as handle:
        for d in data:
            handle.write(json.dumps(d, ensure_ascii=False) + "\n")
    csv_path = directory / "profiles.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for d in data:
            row = []
            for column in COLUMNS:
                value = d.get(column)
                if isinstance(value, bool):
                    row.append("true" if value else "false")
                elif column == "locations":
                    row.append(";".join(value))  # type: ignore[arg-type]
                elif column == "materiality_factors":
                    row.append("" if value is None else json.dumps(value, ensure_ascii=False))
                else:
                    row.append(str(value))
            writer.writerow(row)
    return jsonl, csv_path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    script = Path(sys.executable).parent / "fincloud"
    with tempfile.TemporaryDirectory(prefix="fincloud-bench-") as tmp:
        directory = Path(tmp)
        inputs = write_inputs(directory, args.profiles)
        print(f"fincloud evaluate --batch, {args.profiles:,} profiles, {args.runs} runs")
        for source in inputs:
            out = directory / "out.jsonl"
            times = []
            cpu = []
            for _ in range(args.runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                proc = subprocess.run(
                    [str(script), "evaluate", "--batch", str(source), "-o", str(out)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                times.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if proc.returncode != 0:
                    raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-500:]}")
            with out.open(encoding="utf-8") as handle:
                lines = sum(1 for _ in handle)
            assert lines == args.profiles, lines
            median = statistics.median(times)
            cpu_median = statistics.median(cpu)
            size = out.stat().st_size / 1e6
            wall = f"wall median {median:.2f} s = {args.profiles / median:,.0f} profiles/s"
            spread = f"(min {min(times):.2f}, max {max(times):.2f})"
            cpu_text = f"CPU median {cpu_median:.2f} s = {args.profiles / cpu_median:,.0f}/CPU-s"
            print(f"  {source.suffix:<7} {wall} {spread}; {cpu_text}; output {size:,.0f} MB")


if __name__ == "__main__":
    main()
