"""Date arithmetic of oversight: months added to a date, the calendar periods an outage
touches, and the defaults of the review policy. Plain Python: no Django."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

TAIPEI: Final = ZoneInfo("Asia/Taipei")
MAX_PERIODS: Final = 120  # months an outage may span before recomputation refuses (10 years)

# Ch 3.4 sets no review frequency: these are the institution's defaults (changeable on the
# policy page), each with the raised frequency used when alternative measure (c) of Ch 3.3 was
# adopted for the service. They follow the audit cadence's order of demand (Ch 7.1).
DEFAULT_REVIEW_MONTHS: Final[dict[str, tuple[int, int]]] = {
    "material_consumer_finance_offshore": (6, 3),
    "material_offshore": (6, 3),
    "non_material_offshore": (12, 6),
    "domestic": (12, 6),
    "out_of_scope": (24, 12),
}
UNCLASSIFIED_KEY: Final = "out_of_scope"  # a service in use without a classification yet


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st becomes the month's last day when needed."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_label(day: dt.date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def periods_touching(start: dt.datetime, end: dt.datetime) -> list[str]:
    """The calendar months and quarters (Asia/Taipei) that an interval overlaps, oldest first:
    the attainments an outage changes."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("aware datetimes required")
    first = start.astimezone(TAIPEI).date().replace(day=1)
    last = end.astimezone(TAIPEI).date().replace(day=1)
    months: list[str] = []
    quarters: list[str] = []
    day = first
    while day <= last:
        if len(months) >= MAX_PERIODS:
            raise ValueError(f"an interval of more than {MAX_PERIODS} months")
        months.append(month_label(day))
        if quarter_label(day) not in quarters:
            quarters.append(quarter_label(day))
        day = add_months(day, 1)
    return months + quarters


def period_last_day(label: str) -> dt.date:
    """The last calendar day of '2026-01' or '2026-Q1' (for claim windows)."""
    year = int(label[:4])
    if "Q" in label:
        month = int(label[-1]) * 3
    else:
        month = int(label[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_grid(year: int, month: int) -> list[list[dt.date]]:
    """The weeks of a month view, Sunday first as Taiwanese calendars print them."""
    return calendar.Calendar(firstweekday=6).monthdatescalendar(year, month)
