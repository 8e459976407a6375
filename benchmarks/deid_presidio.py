"""Benchmark: the fincloud scanner against Microsoft Presidio's analyzer on the same rows.

Presidio is not a dependency of fincloud; install it in the virtualenv to run this
(`pip install presidio-analyzer`). Its default NLP engine wants the spaCy model
en_core_web_lg, which is fetched from outside the package registries, so this runs Presidio on
a blank spaCy English pipeline (tokeniser only): its pattern, checksum and phone-number
recognisers work, its named-entity ones (PERSON, LOCATION ...) find nothing without a model.
tldextract is pointed at its bundled public-suffix list (no network).

Both look at the same 10,000 generated customers, cell by cell, in the columns that hold
identifiers; printed: the time of each, the ratio, and per column what each found.

Usage: python benchmarks/deid_presidio.py [--rows N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

COLUMNS = ["name", "id_number", "mobile", "landline", "email", "address", "account_no",
           "card_no", "employer_ubn", "note"]  # fmt: skip


def presidio_analyzer(with_taiwan_phones: bool):  # type: ignore[no-untyped-def]
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    blank = Path(tempfile.mkdtemp(prefix="spacy-blank-en-"))
    spacy.blank("en").to_disk(blank)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(blank)}])
    engine.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=engine)
    if with_taiwan_phones:
        registry.remove_recognizer("PhoneRecognizer")
        registry.add_recognizer(PhoneRecognizer(supported_regions=("TW",)))
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    from fincloud.deid import fake, scan

    frame = fake.generate(args.rows, seed=7).select(COLUMNS)
    cells = args.rows * len(COLUMNS)

    started = time.perf_counter()
    report = scan.scan_frame(frame)
    ours = time.perf_counter() - started

    try:
        analyzers = {
            "default": presidio_analyzer(False),
            "TW phones": presidio_analyzer(True),
        }
    except Exception as exc:
        print(f"Presidio cannot run here: {type(exc).__name__}: {exc}")
        print(f"fincloud scanner: {cells:,} cells in {ours:.3f} s")
        return

    print(f"{args.rows:,} generated customers, {len(COLUMNS)} columns ({cells:,} cells)")
    print(f"fincloud scanner: {ours:.3f} s ({cells / ours:,.0f} cells/s)")
    found: dict[str, dict[str, Counter[str]]] = {}
    for label, analyzer in analyzers.items():
        found[label] = {c: Counter() for c in COLUMNS}
        started = time.perf_counter()
        for column in COLUMNS:
            for value in frame[column].to_list():
                if value is None:
                    continue
                for result in analyzer.analyze(text=value, language="en"):
                    found[label][column][result.entity_type] += 1
        theirs = time.perf_counter() - started
        print(
            f"Presidio analyzer ({label}, blank spaCy pipeline): {theirs:.1f} s "
            f"({cells / theirs:,.0f} cells/s); fincloud is {theirs / ours:,.0f}x faster"
        )
    print("\nwhat each found, per column (fincloud: type valid/invalid; Presidio: entity count)")
    for column in COLUMNS:
        mine = ", ".join(f"{f.type} {f.valid}/{f.invalid}" for f in report.columns[column])
        print(f"  {column}")
        print(f"    fincloud:            {mine or '-'}")
        for label in analyzers:
            theirs_found = ", ".join(f"{k} {v}" for k, v in found[label][column].most_common())
            print(f"    Presidio {label:10s}: {theirs_found or '-'}")


if __name__ == "__main__":
    main()
