"""The register export: every cloud service with its classification, locations, CSP,
sub-outsourcing, SLA, RTO/RPO and stage, one row per service, in the columns of the bulk import
(fincloud.api.imports: the service columns), so that the file imports back into fincloud
unchanged (the round trip the import's tests hold). The columns are listed in docs/reports.md;
cells a spreadsheet would run as formulas are escaped (fincloud.web.spreadsheet.safe_cell)."""

from __future__ import annotations

from typing import Any

from fincloud.reports.builders.base import Lang, Progress


def columns() -> list[Any]:
    from fincloud.api.imports import handler_for

    return list(handler_for("services").columns)


def produce(
    subject: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    from fincloud.api.imports.exporting import export

    progress("collect", 10)
    return export("services", columns(), "en" if lang == "en" else "zh-TW", fmt)
