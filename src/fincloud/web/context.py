"""Where the current request's identity lives while a service writes its audit event.

The request middleware sets it; the CLI and background tasks set their own. Services read it
through ``current()``, so they need no request argument.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    source_ip: str | None = None
    channel: str = "web"  # web | api | cli | task


_current: ContextVar[RequestContext | None] = ContextVar("fincloud_request", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id=f"local-{uuid.uuid4().hex}", channel="local")
    return ctx


@contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex
