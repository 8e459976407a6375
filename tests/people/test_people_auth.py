"""Sign-in, lock-out, sign-out, password storage and session expiry."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from fincloud.auditlog.models import AuditEvent
from fincloud.people.models import LoginAttempt
from fincloud.people.roles import Role
from fincloud.people.services import user_create

from factories import PASSWORD, persona

pytestmark = pytest.mark.django_db
SIGN_IN = "/people/sign-in"


def _sign_in(client, username, password=PASSWORD, ip="10.1.1.1"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_stored_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = user_create(actor=None, username="alice", password="a-long-enough-passphrase")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a-long-enough-passphrase")


def test_production_settings_hash_with_argon2_first():
    import fincloud.web.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("password", ["short1!", "password1234", "1234567890123", "alice-alice"])
def test_weak_passwords_are_refused_naming_the_field(password):
    with pytest.raises(ValidationError) as exc:
        user_create(actor=None, username="alice", password=password)
    assert "password" in exc.value.message_dict


def test_sign_in_and_out_are_audited():
    persona(Role.RISK, username="rita")
    response = _sign_in(client := __import__("django.test").test.Client(), "rita")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    out = client.post("/people/sign-out")
    assert out.status_code == 302
    assert client.get("/").status_code == 302  # back to sign-in
    actions = list(
        AuditEvent.objects.filter(actor_label="rita")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["login", "logout"]


def test_wrong_password_message_and_failed_event(client):
    persona(Role.RISK, username="rita")
    response = _sign_in(client, "rita", "wrong-password-here")
    assert response.status_code == 200
    assert "帳號或密碼錯誤" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", actor_label="rita").count() == 1


def test_account_is_locked_after_repeated_failures_even_for_the_right_password(client):
    persona(Role.RISK, username="rita")
    limit = settings.FINCLOUD_LOCKOUT_ACCOUNT_FAILURES
    for i in range(limit):
        _sign_in(client, "rita", f"wrong-{i}", ip=f"10.0.0.{i + 1}")  # different addresses
    response = _sign_in(client, "rita", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 200
    assert "已暫停登入" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_locked", actor_label="rita").exists()
    assert client.get("/").status_code == 302  # not signed in


def test_address_is_locked_after_repeated_failures_across_accounts(client):
    for i in range(3):
        persona(Role.RISK, username=f"user{i}")
    limit = settings.FINCLOUD_LOCKOUT_ADDRESS_FAILURES
    for i in range(limit):
        _sign_in(client, f"user{i % 3}", "wrong-password", ip="10.6.6.6")
    persona(Role.LEGAL, username="fresh")
    blocked = _sign_in(client, "fresh", PASSWORD, ip="10.6.6.6")
    assert "已暫停登入" in blocked.content.decode()
    allowed = _sign_in(client, "fresh", PASSWORD, ip="10.7.7.7")
    assert allowed.status_code == 302


def test_a_success_clears_the_accounts_failures(client):
    persona(Role.RISK, username="rita")
    for i in range(settings.FINCLOUD_LOCKOUT_ACCOUNT_FAILURES - 1):
        _sign_in(client, "rita", f"wrong-{i}")
    assert _sign_in(client, "rita").status_code == 302
    client.post("/people/sign-out")
    _sign_in(client, "rita", "wrong-again")
    assert _sign_in(client, "rita").status_code == 302
    assert LoginAttempt.objects.filter(username="rita", succeeded=False).count() == 5


def test_sessions_expire_when_idle_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_expired_session_signs_the_user_out(client):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    persona(Role.RISK, username="rita")
    _sign_in(client, "rita")
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get("/").status_code == 302
