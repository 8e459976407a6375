"""Median time to load the whole catalog (issue 4 §3: under 50 ms).

cold: parse and validate every YAML file (no cache); warm: a new process's path, from the compiled
cache (hash the data files, read the cache, build the nodes); memo: a second load in the same
process (hash the data files, reuse the catalog). Run: .venv/bin/python benchmarks/catalog_load.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from fincloud.catalog import load_catalog
from fincloud.catalog.loader import clear_memo


def median_ms(runs: int, setup: object, fn: object) -> tuple[float, int]:
    times = []
    nodes = 0
    for _ in range(runs):
        setup()  # type: ignore[operator]
        start = time.perf_counter()
        catalog = fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
        nodes = len(catalog)
    return statistics.median(times), nodes


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["FINCLOUD_CACHE_DIR"] = cache
        cold, nodes = median_ms(7, clear_memo, lambda: load_catalog("2025", use_cache=False))
        clear_memo()
        load_catalog("2025")  # writes the cache
        warm, _ = median_ms(31, clear_memo, lambda: load_catalog("2025"))
        memo, _ = median_ms(31, lambda: None, lambda: load_catalog("2025"))
    print(f"catalog 2025: {nodes} nodes")
    print(f"cold load from YAML (parse + validate): median {cold:7.1f} ms")
    print(f"warm load from the compiled cache:       median {warm:7.1f} ms  (target < 50 ms)")
    print(f"repeat load in the same process:         median {memo:7.1f} ms")
    print(f"cold / warm ratio: {cold / warm:.1f}x")


if __name__ == "__main__":
    main()
