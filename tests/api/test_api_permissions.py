"""Every operation of the REST API, walked from its OpenAPI document, at every tier:
anonymous -> 401; a signed-in person (session) or a token without the operation's capability
-> 403; a read-only token on an operation that writes -> 403; the capability (and, for a
token, the scope) -> allowed. The web walker (tests/web/test_permissions.py) skips the api
namespace; this is its counterpart (STYLE.md §7)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fincloud.people.roles import CAPABILITIES

SAMPLES = {"code": str(uuid.uuid4()), "file_code": str(uuid.uuid4()), "node_id": "ch1"}
SAFE = {"get", "head", "options"}


def _operations() -> list[tuple[str, str, str, str]]:
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    out = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            url = path
            for name, value in SAMPLES.items():
                url = url.replace("{" + name + "}", value)
            assert "{" not in url, f"no sample for a parameter of {path}"
            out.append((f"{method.upper()} {path}", method, url, op["x-capability"]))
    return out


@pytest.fixture(scope="module")
def operations(django_db_blocker: Any) -> list[tuple[str, str, str, str]]:
    with django_db_blocker.unblock():
        return _operations()


def _call(client: Any, method: str, url: str, **extra: Any) -> Any:
    if method in SAFE:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, data="{}", content_type="application/json", **extra)


def test_every_operation_names_a_known_capability(operations):
    assert len(operations) >= 30
    for name, _method, _url, capability in operations:
        assert capability in CAPABILITIES, name
    # The examiner's read-only capabilities never guard an operation that writes.
    for name, method, _url, capability in operations:
        if method not in SAFE:
            assert not CAPABILITIES[capability].read_only, name


def test_the_document_is_public_and_names_both_schemes(client):
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui-bundle.js" in docs.content
    assert b"cdn" not in docs.content.lower()  # the CSP allows this server only
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert client.get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404


def _allowed(response: Any) -> bool:
    return response.status_code not in {401, 403}


def test_every_operation_every_tier(client, personas, operations, make_token, bearer):
    write_tokens = {
        key: make_token(person, "write" if key != "examiner" else "read")
        for key, person in personas.items()
        if person.can("api.tokens")
    }
    read_tokens = {
        key: make_token(person, "read", name="read")
        for key, person in personas.items()
        if person.can("api.tokens")
    }
    failures = []
    for name, method, url, capability in operations:
        anonymous = _call(client, method, url)
        if anonymous.status_code != 401 or anonymous.json()["rule"] != "not_authenticated":
            failures.append(f"{name}: anonymous got {anonymous.status_code}")
        holders = CAPABILITIES[capability].roles
        for key, person in personas.items():
            holds = bool(holders & person.role_names())
            # The browser's session.
            client.force_login(person)
            response = _call(client, method, url)
            client.logout()
            if holds and not _allowed(response):
                failures.append(
                    f"{name}: {key} (session) holds {capability}, got {response.status_code}"
                )
            if not holds and response.status_code != 403:
                failures.append(
                    f"{name}: {key} (session) lacks {capability}, got {response.status_code}"
                )
            if (
                not holds
                and response.status_code == 403
                and response.json()["rule"] != "permission"
            ):
                failures.append(f"{name}: {key} (session) refused for {response.json()['rule']}")
            # A token with every scope its owner may have.
            if key in write_tokens:
                response = _call(client, method, url, **bearer(write_tokens[key]))
                if holds and not _allowed(response):
                    failures.append(
                        f"{name}: {key} (token) holds {capability}, got {response.status_code}"
                    )
                if not holds and response.status_code != 403:
                    failures.append(
                        f"{name}: {key} (token) lacks {capability}, got {response.status_code}"
                    )
            # A read-only token: reads as its owner, never writes.
            if key in read_tokens and holds:
                response = _call(client, method, url, **bearer(read_tokens[key]))
                if method in SAFE and not _allowed(response):
                    failures.append(f"{name}: {key} read token got {response.status_code}")
                if method not in SAFE and (
                    response.status_code != 403 or response.json()["rule"] != "token_scope"
                ):
                    failures.append(
                        f"{name}: {key} read token could write ({response.status_code})"
                    )
    assert failures == []
