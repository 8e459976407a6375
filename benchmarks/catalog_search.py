"""Median time per search query over the whole catalog (issue 4 §3: under 5 ms).

Realistic queries in Chinese and English, typed the way people type them (half-width brackets,
no spaces inside Chinese, mixed case). Run: .venv/bin/python benchmarks/catalog_search.py
"""

from __future__ import annotations

import statistics
import time

from fincloud.catalog import load_catalog

QUERIES = [
    "金鑰管理",
    "稽核軌跡",
    "六個月",
    "重大性",
    "境外",
    "營運持續計畫",
    "服務水準協議",
    "職責分離",
    "去識別化",
    "HTTPS(TLS1.2以上)",
    "資料刪除",
    "複委託",
    "key management",
    "audit trail",
    "segregation of duties",
    "exit plan",
    "service level agreement",
    "data protection law",
    "Recovery Time Objective",
    "SaaS",
    "penetration test",
    "deletion certificate",
]
REPEAT = 25


def main() -> None:
    catalog = load_catalog("2025")
    start = time.perf_counter()
    catalog.search("warm-up")  # builds the search index once
    build = (time.perf_counter() - start) * 1000
    per_query = []
    hits = {}
    for query in QUERIES:
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            result = catalog.search(query)
            times.append((time.perf_counter() - t0) * 1000)
        per_query.append(statistics.median(times))
        hits[query] = len(result)
    print(f"catalog 2025: {len(catalog)} nodes, {len(QUERIES)} queries x {REPEAT} runs")
    print(f"search index built once in {build:.1f} ms")
    print(f"median per query: {statistics.median(per_query):.2f} ms  (target < 5 ms)")
    print(f"slowest query median: {max(per_query):.2f} ms")
    for query, ms in zip(QUERIES, per_query, strict=True):
        print(f"  {ms:6.2f} ms  {hits[query]:>3} hits  {query}")


if __name__ == "__main__":
    main()
