"""Run an import: read, map the header, parse every cell, apply every row through the owning
app's services inside one transaction, then keep it (a real import without a single error) or
roll it back (a dry run, or any error). The dry run and the import run the same code, so the
dry run shows exactly what the import would create and change, and every error with its row
and column; the import is all or nothing.

The services write their own audit events (channel web / cli); the import adds one event of its
own with the file's name, SHA-256 and counts, in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language

from fincloud.api.imports.columns import Column, header_map, parse
from fincloud.api.imports.reading import Fault, FileRefused, Table, read_table
from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event

# How many rows' actions a report keeps in full (the counts are always complete).
DETAIL_LIMIT = 100_000


@dataclass
class Row:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, Any]
    present: frozenset[str]  # the column keys the file has


@dataclass
class Outcome:
    action: str  # created | updated | unchanged
    label: str
    code: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)


class RowFault(Exception):
    """A refusal of one row found by a handler (not by a service)."""

    def __init__(self, *faults: Fault) -> None:
        super().__init__(faults[0].en)
        self.faults = list(faults)


@dataclass
class Report:
    kind: str
    file_name: str
    sha256: str = ""
    format: str = ""
    dry_run: bool = True
    rows: int = 0
    outcomes: list[tuple[int, Outcome]] = field(default_factory=list)
    errors: list[Fault] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header in the file

    def count(self, action: str) -> int:
        return sum(1 for _, o in self.outcomes if o.action == action)

    @property
    def ok(self) -> bool:
        return not self.errors

    def column_label(self, key: str | None) -> str | None:
        if key is None:
            return None
        return self.headers.get(key, key)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file_name,
            "sha256": self.sha256,
            "format": self.format,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "rows": self.rows,
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "ignored_columns": self.ignored_columns,
            "errors": [
                {**f.to_dict(lang), "column": self.column_label(f.column)} for f in self.errors
            ],
            "actions": [
                {
                    "row": number,
                    "action": o.action,
                    "label": o.label,
                    "code": o.code,
                    "changes": o.changes,
                }
                for number, o in self.outcomes
            ],
        }


class Handler:
    """One kind of import: its columns, and how a parsed row is applied."""

    kind: str = ""
    columns: list[Column] = []

    def key(self, row: Row) -> Any:
        """The row's natural key; two rows with the same key are refused."""
        raise NotImplementedError

    def prepare(self, rows: list[Row], actor: Any) -> None:
        """Look up, in a few queries, what the rows refer to."""

    def apply(self, row: Row, actor: Any) -> Outcome:
        raise NotImplementedError

    def finish(self, actor: Any) -> list[Fault]:
        """Write what the rows left for the end (a batch), inside the import's transaction;
        the faults of the rows it refuses."""
        return []

    def field_column(self, field_name: str) -> str | None:
        """The column a service's error about ``field_name`` belongs to."""
        keys = {c.key for c in self.columns}
        return field_name if field_name in keys else None


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def faults_from(exc: ValidationError, row: int, handler: Handler) -> list[Fault]:
    """A service's ValidationError as faults of the row, each in the column of its field, with
    the service's message (in the language active now) and code."""
    out: list[Fault] = []
    pairs: Iterable[tuple[str | None, ValidationError]]
    if hasattr(exc, "error_dict"):
        pairs = [(f, e) for f, errors in exc.error_dict.items() for e in errors]
    else:
        pairs = [(None, e) for e in exc.error_list]
    for field_name, error in pairs:
        message = error.message
        if error.params:
            try:
                message = message % error.params
            except (TypeError, KeyError, ValueError):
                pass
        text = str(message)
        column = (
            handler.field_column(field_name) if field_name and field_name != "__all__" else None
        )
        out.append(Fault(error.code or "invalid", text, text, row=row, column=column))
    return out


def run_import(
    *,
    handler: Handler,
    data: bytes,
    file_name: str,
    actor: Any,
    dry_run: bool,
) -> Report:
    report = Report(
        kind=handler.kind,
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        dry_run=dry_run,
    )
    try:
        table = read_table(data, file_name)
    except FileRefused as exc:
        report.errors.append(exc.fault)
        return report
    report.format = table.format
    rows, header_ok = _parse(handler, table, report)
    if not header_ok:
        return report  # the header is wrong: nothing else can be read reliably
    with transaction.atomic():
        handler.prepare(rows, actor)
        seen: dict[Any, int] = {}
        for row in rows:
            key = handler.key(row)
            if key in seen:
                report.errors.append(
                    Fault(
                        "duplicate_row",
                        f"the same record as row {seen[key]}",
                        f"與第 {seen[key]} 列為同一筆資料",
                        row=row.number,
                    )
                )
                continue
            seen[key] = row.number
            try:
                with transaction.atomic():
                    outcome = handler.apply(row, actor)
            except RowFault as exc:
                report.errors.extend(exc.faults)
            except ValidationError as exc:
                report.errors.extend(faults_from(exc, row.number, handler))
            else:
                if len(report.outcomes) < DETAIL_LIMIT:
                    report.outcomes.append((row.number, outcome))
        late = handler.finish(actor)
        if late:
            report.errors.extend(late)
            refused = {f.row for f in late}
            report.outcomes = [(n, o) for n, o in report.outcomes if n not in refused]
        report.errors.sort(key=lambda f: (f.row or 0, f.column or ""))
        if report.errors or dry_run:
            transaction.set_rollback(True)
            return report
        record_event(
            actor=actor,
            action=Action.CREATE,
            object_type="api.import",
            object_id=report.sha256,
            object_repr=f"{handler.kind} import: {file_name}"[:200],
            changes={
                "kind": [None, handler.kind],
                "file": [None, file_name],
                "sha256": [None, report.sha256],
                "rows": [None, report.rows],
                "created": [None, report.count("created")],
                "updated": [None, report.count("updated")],
                "unchanged": [None, report.count("unchanged")],
            },
        )
        report.applied = True
    return report


def _parse(handler: Handler, table: Table, report: Report) -> tuple[list[Row], bool]:
    mapping, header_faults = header_map(table.header, handler.columns)
    report.errors.extend(header_faults)
    report.headers = {column.key: table.header[index] for index, column in mapping.items()}
    report.ignored_columns = [table.header[i] for i, c in mapping.items() if c.read_only]
    # Cell faults (formulas ...) name the file's header; give them the column key back.
    by_header = {table.header[i]: c.key for i, c in mapping.items()}
    for fault in table.faults:
        key = by_header.get(fault.column or "", fault.column)
        report.errors.append(Fault(fault.rule, fault.en, fault.zh, row=fault.row, column=key))
    if header_faults:
        return [], False
    present = frozenset(c.key for c in mapping.values() if not c.read_only)
    bad_rows = {f.row for f in table.faults}
    # A refused cell (a formula ...) is reported once, not again as an empty required cell.
    bad_cells = {(f.row, f.column) for f in table.faults}
    rows: list[Row] = []
    for number, cells in zip(table.numbers, table.rows, strict=True):
        report.rows += 1
        values: dict[str, Any] = {}
        faults: list[Fault] = []
        for index, column in mapping.items():
            if column.read_only or (number, table.header[index]) in bad_cells:
                continue
            value, cell_fault = parse(column, cells[index], number)
            if cell_fault is not None:
                faults.append(cell_fault)
            values[column.key] = value
        if faults:
            report.errors.extend(faults)
            continue
        if number in bad_rows:
            continue
        rows.append(Row(number=number, values=values, present=present))
    return rows, True


def current_lang() -> str:
    return _lang()
