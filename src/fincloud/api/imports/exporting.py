"""The register as it stands, in the import's own columns: edit it in a spreadsheet and import it
back (the changed rows are changed), or move a register to another installation (the services
keep their codes). Cells that a spreadsheet would run as formulas are escaped with an
apostrophe (fincloud.web.spreadsheet.safe_cell), which the import reads back as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from fincloud.api.imports.columns import Column
from fincloud.register.models import CloudService, CloudServiceProvider, ServiceLocation
from fincloud.web.spreadsheet import safe_cell, text_width

YES, NO = "yes", "no"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _locations(rows: list[ServiceLocation]) -> str:
    return "; ".join(
        f"{loc.country} {loc.region} ({loc.role})".replace("  ", " ")
        for loc in sorted(rows, key=lambda r: (r.country, r.region, r.role))
    )


def _chain(service: CloudService) -> str:
    by_sub: dict[int, list[ServiceLocation]] = {}
    for loc in service.locations.all():
        if loc.sub_processor_id is not None:
            by_sub.setdefault(loc.sub_processor_id, []).append(loc)
    parts = []
    for sub in sorted(service.sub_processors.all(), key=lambda s: s.name):
        locs = ", ".join(
            f"{loc.country} {loc.region}".strip()
            for loc in sorted(by_sub.get(sub.pk, []), key=lambda r: (r.country, r.region))
        )
        parent = sub.parent.name if sub.parent is not None else ""
        parts.append(" | ".join([sub.name, sub.country, sub.function, parent, locs]))
    return "; ".join(parts)


def csp_rows(columns: list[Column]) -> Iterator[list[str]]:
    for csp in CloudServiceProvider.objects.order_by("name"):
        yield [_text(getattr(csp, c.key)) for c in columns if not c.read_only]


def service_rows(columns: list[Column]) -> Iterator[list[str]]:
    services = (
        CloudService.objects.select_related("csp", "unit", "owner")
        .prefetch_related(
            Prefetch("locations", queryset=ServiceLocation.objects.order_by("pk")),
            "sub_processors__parent",
        )
        .order_by("csp__name", "name", "pk")
    )
    for service in services.iterator(chunk_size=1000):
        row = []
        for column in columns:
            key = column.key
            if key == "csp":
                value: Any = service.csp.name
            elif key == "unit":
                value = service.unit.short_name
            elif key == "owner":
                value = service.owner.username if service.owner is not None else ""
            elif key == "locations":
                value = _locations(
                    [loc for loc in service.locations.all() if loc.sub_processor_id is None]
                )
            elif key == "sub_processors":
                value = _chain(service)
            else:
                value = getattr(service, key)
            row.append(_text(value))
        yield row


def export(kind: str, columns: list[Column], lang: str, fmt: str) -> bytes:
    """``kind`` csps or services; every column, the read-only ones too (an import ignores
    them); ``fmt`` csv (UTF-8 with a BOM) or xlsx."""
    header = [c.header(lang) for c in columns if kind == "services" or not c.read_only]
    rows = service_rows(columns) if kind == "services" else csp_rows(columns)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    # Columns wide enough to read (LibreOffice and Excel otherwise give each 8.43 characters,
    # cutting the names off), the header row kept in view.
    for number, title in enumerate(header, start=1):
        wide = text_width(title)
        sheet.column_dimensions[get_column_letter(number)].width = min(max(14, wide + 4), 40)
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
