"""Bulk writes for the plan regeneration, without building a model instance per row.

``QuerySet.bulk_create`` spends most of its time instantiating models and compiling each
value through the field machinery (about 0.5 ms a row for a determination here); for the
10,000-service plan that alone exceeds the 5-second target. These helpers write the same
rows with one parameterised multi-row ``INSERT … VALUES (…), (…)`` per batch (one round trip
per batch, not per row): values go through each field's own ``get_db_prep_save`` only where
the database needs a conversion (JSON, UUID, date and time), so what is stored is exactly what
the ORM would store, on SQLite and PostgreSQL alike. On PostgreSQL the rows are streamed with
``COPY`` instead (measured four times faster than multi-row ``INSERT`` for the determinations),
and an upsert goes through a temporary table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

_PLAIN = (
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.ForeignKey,
)
# Rows per statement: one multi-row VALUES list (a round trip per batch, not per row), within
# SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
BATCH = 1000


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


def _converters(
    model: type[models.Model], names: Sequence[str]
) -> list[models.Field[Any, Any] | None]:
    out: list[models.Field[Any, Any] | None] = []
    for name in names:
        field = _field(model, name)
        if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
            out.append(None)
        else:
            out.append(field)
    return out


def _prepared(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    converters = _converters(model, names)
    prepared = []
    for row in rows:
        prepared.append(
            tuple(
                value if field is None else field.get_db_prep_save(value, connection)
                for field, value in zip(converters, row, strict=True)
            )
        )
    return prepared


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(str(_field(model, name).column)) for name in names]


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT the rows (tuples in the order of ``names``); returns how many."""
    prepared = _prepared(model, names, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_columns(model, names))
    if connection.vendor == "postgresql":
        _copy(table, columns, prepared)
    else:
        head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names from model meta
        _execute_batches(head, "", len(names), prepared)
    return len(prepared)


def _copy(table: str, columns: str, prepared: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: stream the rows with COPY (psycopg 3 adapts each value as for a query)."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in prepared:
            copy.write_row(row)


def _execute_batches(head: str, tail: str, width: int, prepared: list[tuple[Any, ...]]) -> None:
    row = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), BATCH):
            batch = prepared[start : start + BATCH]
            sql = head + ", ".join([row] * len(batch)) + tail
            cursor.execute(sql, [value for values in batch for value in values])


def upsert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: str,
) -> int:
    """INSERT, or UPDATE every other column when a row with the same ``conflict`` column (a
    unique one) exists: ``ON CONFLICT … DO UPDATE`` (SQLite 3.24+, PostgreSQL 9.5+)."""
    prepared = _prepared(model, names, rows)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = _columns(model, names)
    key = quote(str(_field(model, conflict).column))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    if connection.vendor == "postgresql":
        # COPY cannot resolve conflicts: copy into a temporary table, then upsert from it.
        staging = quote(f"fincloud_upsert_{uuid.uuid4().hex[:12]}")
        with transaction.atomic(), connection.cursor() as cursor:
            # Only the columns written, with their types, no constraints.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608 - model meta
                f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            _copy(staging, ", ".join(columns), prepared)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - model meta
                f"SELECT {', '.join(columns)} FROM {staging} "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        return len(prepared)
    _execute_batches(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ",  # noqa: S608 - model meta
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}",
        len(names),
        prepared,
    )
    return len(prepared)
