"""Database triggers that make the audit table append-only, on SQLite and PostgreSQL.

The application never updates or deletes an event; these triggers make the database refuse it
too, so a bug or a hand-typed SQL statement cannot quietly rewrite the trail.
"""

from __future__ import annotations

from typing import Any

EVENT_TABLE = "auditlog_auditevent"
HEAD_TABLE = "auditlog_chainhead"
MESSAGE = "audit events are append-only (fincloud audit trail)"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS auditlog_event_no_update BEFORE UPDATE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS auditlog_event_no_delete BEFORE DELETE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS auditlog_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS auditlog_event_no_update",
    "DROP TRIGGER IF EXISTS auditlog_event_no_delete",
    "DROP TRIGGER IF EXISTS auditlog_head_no_delete",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION auditlog_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER auditlog_event_no_update BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change()""",
    f"""CREATE TRIGGER auditlog_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION auditlog_refuse_change()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS auditlog_event_no_update ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS auditlog_head_no_delete ON {HEAD_TABLE}",
    "DROP FUNCTION IF EXISTS auditlog_refuse_change()",
]


def statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, create=True):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, create=False):
            cursor.execute(sql)
