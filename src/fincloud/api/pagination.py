"""Cursor pagination over a keyset: stable under inserts, no OFFSET, no count query.

A list is ordered by fields that end with the primary key (so the order is total); the cursor
is the last row's values of those fields, signed (a client cannot forge a position or make the
server compare against arbitrary values) and bound to the ordering it was made for. The next
page is the rows after that position: ``(a > x) OR (a = x AND b > y) ...``. Ordering fields
are never null.

    GET /api/v1/services?limit=50            -> {"next": "...?cursor=...", "cursor": "...",
                                                 "results": [...]}
    GET /api/v1/services?limit=50&cursor=... -> the next page; "next" is null on the last one
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Sequence
from typing import Any, Literal
from urllib import parse

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from pydantic import create_model

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SALT = "fincloud.api.cursor"
LIST_ORDER = "position"  # the ordering name used for plain lists (the catalog's nodes)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _value(item: Any, path: str) -> Any:
    for part in path.split("__"):
        item = getattr(item, part)
    return item


def _after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after ``values`` in ``ordering``."""
    condition = Q()
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    return condition


class KeysetPagination(PaginationBase):
    items_attribute = "results"

    class Output(Schema):
        next: str | None = Field(None, description="URL of the next page; null on the last.")
        cursor: str | None = Field(None, description="Opaque cursor of the next page.")
        results: list[Any]

    def __init__(self, *, orderings: dict[str, tuple[str, ...]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orderings = orderings
        self.default = next(iter(orderings))
        fields: dict[str, Any] = {
            "cursor": (
                str | None,
                Field(None, max_length=2000, description="The cursor of a previous page."),
            ),
            "limit": (
                int,
                Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page."),
            ),
        }
        if len(orderings) > 1:
            fields["sort"] = (
                Literal[tuple(orderings)],  # type: ignore[valid-type]
                Field(self.default, description="Order of the rows (as the web list)."),
            )
        self.Input = create_model("KeysetInput", __base__=Schema, **fields)  # type: ignore[call-overload, arg-type]

    def _decode(self, cursor: str | None, sort: str) -> list[Any] | None:
        if not cursor:
            return None
        try:
            data = signing.loads(cursor, salt=SALT)
        except signing.BadSignature:
            data = None
        if (
            not isinstance(data, dict)
            or data.get("s") != sort
            or not isinstance(data.get("v"), list)
        ):
            raise NinjaValidationError(
                [
                    {
                        "loc": ["query", "cursor"],
                        "type": "cursor",
                        "msg": _("Cursor: not one this list gave out (or for another order)."),
                    }
                ]
            )
        return list(data["v"])

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        sort = getattr(pagination, "sort", self.default)
        limit = pagination.limit
        position = self._decode(pagination.cursor, sort)
        if isinstance(queryset, QuerySet):
            ordering = self.orderings[sort]
            rows = queryset.order_by(*ordering)
            if position is not None:
                if len(position) != len(ordering):
                    position = None
                else:
                    rows = rows.filter(_after(ordering, position))
            page = list(rows[: limit + 1])
            more = len(page) > limit
            page = page[:limit]
            last = [_jsonable(_value(page[-1], f.lstrip("-"))) for f in ordering] if page else []
        else:
            # A plain list in its given order: the position is an index.
            start = int(position[0]) if position and isinstance(position[0], int) else 0
            start = max(start, 0)
            page = list(queryset[start : start + limit + 1])
            more = len(page) > limit
            page = page[:limit]
            last = [start + len(page)]
        cursor = signing.dumps({"s": sort, "v": last}, salt=SALT, compress=True) if more else None
        return {"next": _with_cursor(request, cursor), "cursor": cursor, "results": page}


def _with_cursor(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    url = request.build_absolute_uri()
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    params["cursor"] = [cursor]
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment)
    )
