"""Fixtures of the API tests: personal tokens for the personas, and a JSON client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture
def make_token(db) -> Callable[..., str]:
    """A token for ``user`` with ``scope``; returns the secret (shown once)."""
    from fincloud.api.services import token_create

    def make(user: Any, scope: str = "write", days: int = 30, name: str = "test") -> str:
        made = token_create(
            actor=user,
            name=name,
            scope=scope,
            expires_on=timezone.localdate() + dt.timedelta(days=days),
        )
        return made.secret

    return make


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    def headers(secret: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return headers


# -- the real server, for schemathesis -------------------------------------------------------
# The e2e suite's `site` (a real fincloud server with the demo loaded), reused here. Its
# database is named after the worker; this directory gets its own ("..._api"), so that a
# worker running both suites never drops the other's PostgreSQL database, and schemathesis's
# generated records never reach the e2e suite's pages.
from e2e.conftest import site  # noqa: E402, F401  (a fixture, imported to be used here)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    from xdist.plugin import get_xdist_worker_id

    return f"{get_xdist_worker_id(request)}_api"
