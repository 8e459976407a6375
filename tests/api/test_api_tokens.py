"""Personal API tokens: shown once, hashed at rest, scoped, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fincloud.api import services
from fincloud.api.models import ApiToken
from fincloud.auditlog.models import AuditEvent
from fincloud.register.models import CloudServiceProvider


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _in(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_the_token_is_kept_only_as_its_sha256(personas):
    gov = personas["governance_officer"]
    made = services.token_create(actor=gov, name="export script", scope="read", expires_on=_in(30))
    row = ApiToken.objects.get(pk=made.token.pk)
    assert made.secret.startswith(row.prefix + "_")
    assert row.digest == hashlib.sha256(made.secret.encode()).hexdigest()
    # Nowhere in the row, nor in the audit trail, is the secret part of the token.
    secret_part = made.secret.removeprefix(row.prefix + "_")
    for value in (row.name, row.prefix, row.digest, str(row.code)):
        assert secret_part not in value
    event = AuditEvent.objects.get(object_type="api.apitoken", object_id=str(row.code))
    assert secret_part not in event.changes and row.digest not in event.changes
    assert '"prefix"' in event.changes


def test_the_page_shows_a_new_token_once(client, personas):
    client.force_login(personas["risk"])
    response = client.post(
        "/api-tokens/", {"name": "KRI feed", "scope": "read", "expires_on": _in(60).isoformat()}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=personas["risk"])
    secret = response.context["new_secret"]
    assert secret.encode() in response.content
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    again = client.get("/api-tokens/")
    assert secret.encode() not in again.content
    assert token.prefix.encode() in again.content  # the list names it by its prefix


def test_a_valid_token_acts_as_its_owner(client, personas, make_token, bearer):
    secret = make_token(personas["legal"], "read")
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "legal"
    assert body["token"]["scope"] == "read"
    assert "register.contracts" in body["capabilities"]
    assert ApiToken.objects.get(user=personas["legal"]).last_used_at is not None


@pytest.mark.parametrize(
    ("mangle", "rule"),
    [
        (lambda s: s[:-4] + "AAAA", "token_unknown"),
        (lambda s: "fc_0000000000_" + s.split("_", 2)[2], "token_unknown"),
        (lambda s: "not-a-token", "token_malformed"),
        (lambda s: s.replace("fc_", "xx_"), "token_malformed"),
    ],
)
def test_a_wrong_token_is_refused_with_the_rule(  # noqa: PLR0917 (pytest fixtures)
    client, personas, make_token, bearer, mangle, rule
):
    secret = make_token(personas["legal"])
    response = client.get("/api/v1/me", **bearer(mangle(secret)))
    assert response.status_code == 401
    body = response.json()
    assert body["rule"] == rule
    assert body["errors"] == []
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(client, personas, make_token, bearer):
    secret = make_token(personas["legal"], days=1)
    now = timezone.now()
    ApiToken.objects.update(
        created_at=now - dt.timedelta(days=2), expires_at=now - dt.timedelta(seconds=1)
    )
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert response.json()["rule"] == "token_expired"


def test_a_revoked_token_is_refused_from_the_next_request(client, personas, make_token, bearer):
    legal = personas["legal"]
    secret = make_token(legal)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
    client.force_login(legal)
    token = ApiToken.objects.get(user=legal)
    response = client.post(f"/api-tokens/{token.code}/revoke")
    assert response.status_code == 302
    client.logout()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == legal
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert response.json()["rule"] == "token_revoked"
    assert AuditEvent.objects.filter(object_id=str(token.code), action="update").exists()


def test_nobody_revokes_another_persons_token(client, personas, make_token):
    make_token(personas["legal"])
    token = ApiToken.objects.get(user=personas["legal"])
    client.force_login(personas["sysadmin"])
    assert client.post(f"/api-tokens/{token.code}/revoke").status_code == 404
    with pytest.raises(ValidationError) as exc:
        services.token_revoke(actor=personas["sysadmin"], token=token)
    assert exc.value.message_dict == {"token": [services.NOT_OWNER]}
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_inactive_owner_s_token_is_refused(client, personas, make_token, bearer):
    secret = make_token(personas["legal"])
    personas["legal"].is_active = False
    personas["legal"].save()
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert response.json()["rule"] == "token_user_inactive"


def test_a_read_token_cannot_write(client, personas, make_token, bearer):
    secret = make_token(personas["governance_officer"], "read")
    response = client.post(
        "/api/v1/csps",
        data={"name": "Read Only Cloud", "country": "TW"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "token_scope"
    assert not CloudServiceProvider.objects.filter(name="Read Only Cloud").exists()
    # The same person's write token may.
    write = make_token(personas["governance_officer"], "write", name="write")
    response = client.post(
        "/api/v1/csps",
        data={"name": "Read Only Cloud", "country": "TW"},
        content_type="application/json",
        **bearer(write),
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(object_type="register.cloudserviceprovider", action="create")
    assert event.channel == "api"
    assert event.actor_label == "governance_officer"


def test_the_examiner_gets_read_tokens_only(personas):
    examiner = personas["examiner"]
    with pytest.raises(ValidationError) as exc:
        services.token_create(actor=examiner, name="x", scope="write", expires_on=_in(10))
    assert exc.value.message_dict == {"scope": [services.SCOPE_WRITE_NOT_HELD]}
    assert services.token_create(actor=examiner, name="x", scope="read", expires_on=_in(10))


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, services.EXPIRY_IN_PAST),
        (-3, services.EXPIRY_IN_PAST),
        (ApiToken.MAX_DAYS + 1, services.EXPIRY_TOO_FAR),
    ],
)
def test_every_token_expires_within_a_year(personas, days, message):
    with pytest.raises(ValidationError) as exc:
        services.token_create(actor=personas["legal"], name="x", scope="read", expires_on=_in(days))
    # Filled in here, in the test's language (not when the module was collected).
    assert exc.value.message_dict == {"expires_on": [str(message) % {"days": ApiToken.MAX_DAYS}]}


def test_a_token_is_valid_through_its_last_day(personas):
    made = services.token_create(actor=personas["legal"], name="x", scope="read", expires_on=_in(1))
    expires = timezone.localtime(made.token.expires_at)
    assert expires.date() == _in(2) and expires.time() == dt.time(0, 0)


def test_someone_without_a_role_gets_no_token(client, personas):
    with pytest.raises(ValidationError):
        services.token_create(actor=personas["nobody"], name="x", scope="read", expires_on=_in(5))
    client.force_login(personas["nobody"])
    assert client.get("/api-tokens/").status_code == 403
