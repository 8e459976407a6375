"""What is due, from every app: one registry the dashboard and the calendar read.

Each app registers a provider in its ``AppConfig.ready()``:

    from fincloud.web import due
    due.register("register.certificates", certificate_expiries)

A provider takes a ``DueQuery`` and returns ``DueItem``s whose date falls in the query's window
(filter in the database, not in Python: the calendar must stay fast at 10,000 services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class DueQuery:
    start: dt.date | None = None  # inclusive; None = no lower bound (everything overdue too)
    end: dt.date | None = None  # inclusive
    user: Any = None  # for "mine": items owned by this person
    unit_id: int | None = None
    service_code: str | None = None
    limit: int = 500


@dataclass(frozen=True)
class DueItem:
    kind: str  # stable key, e.g. "certificate_expiry", "policy_review", "audit"
    label: str | Promise  # what it is, translated ("Certificate expires")
    title: str  # which one ("ISO 27001 of Example Cloud")
    due: dt.date
    url: str
    service_code: str | None = None
    unit_id: int | None = None
    owner_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def overdue(self, today: dt.date) -> bool:
        return self.due < today


Provider = Callable[[DueQuery], Iterable[DueItem]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def collect(query: DueQuery) -> list[DueItem]:
    items: list[DueItem] = []
    for provider in _PROVIDERS.values():
        items.extend(provider(query))
    items.sort(key=lambda i: (i.due, str(i.label), i.title))
    return items[: query.limit]
