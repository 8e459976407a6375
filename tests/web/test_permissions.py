"""Every view declares the capability it needs, and every tier of every view is tested:
anonymous -> sign-in redirect, signed in without the capability -> 403, each role holding it
-> allowed (STYLE.md §7). New views are picked up from the URL configuration automatically."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from fincloud.people.roles import CAPABILITIES, Role

PUBLIC = {"people:login", "people:logout", "healthz", "set_language"}
SAMPLE = {"uuid": str(uuid.uuid4()), "str": "submit", "int": "1", "slug": "x", "path": "x"}


def _capability(callback: Any) -> Any:
    if hasattr(callback, "required_capability"):
        return callback.required_capability
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return getattr(view_class.dispatch, "required_capability", "MISSING")
    return "MISSING"


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue  # the REST API authenticates per operation: tests/api checks each one
            inner_ns = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from _walk(entry, prefix + str(entry.pattern), inner_ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            for name, conv in entry.pattern.converters.items():
                kind = type(conv).__name__.replace("Converter", "").lower()
                route = route.replace(f"<{kind}:{name}>", SAMPLE.get(kind, "x"))
                route = route.replace(f"<{name}>", SAMPLE["str"])
            if route.startswith("^") or "(?P" in route:
                continue  # regex routes (static files in DEBUG) carry no view of ours
            yield f"{ns}{entry.name}", "/" + route, entry.callback


VIEWS = sorted(_walk(get_resolver()), key=lambda v: v[0])


def test_every_view_declares_its_capability():
    missing = [name for name, _, cb in VIEWS if _capability(cb) == "MISSING"]
    assert missing == [], f"views without a declared capability: {missing}"
    public = {name for name, _, cb in VIEWS if _capability(cb) is None}
    assert public == PUBLIC


def _request(client, url: str):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


PROTECTED = [(name, url, _capability(cb)) for name, url, cb in VIEWS if _capability(cb)]


@pytest.mark.parametrize(("name", "url", "capability"), PROTECTED, ids=[p[0] for p in PROTECTED])
def test_permission_tiers(client, personas, name, url, capability):
    anonymous = _request(client, url)
    assert anonymous.status_code == 302, name
    assert anonymous.url.startswith("/people/sign-in"), name

    holders = CAPABILITIES[capability].roles
    for key, person in personas.items():
        client.force_login(person)
        response = _request(client, url)
        holds = bool(holders & person.role_names())
        if holds:
            assert response.status_code != 403, f"{name}: {key} holds {capability} but got 403"
            assert not (
                response.status_code == 302 and response.url.startswith("/people/sign-in")
            ), name
        else:
            assert response.status_code == 403, (
                f"{name}: {key} lacks {capability} but got {response.status_code}"
            )
        client.logout()


def test_examiner_holds_every_read_capability_and_no_write():
    for cap in CAPABILITIES.values():
        assert (Role.EXAMINER.value in cap.roles) == cap.read_only, cap.name
