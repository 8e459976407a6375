"""Settings from the environment; `check --deploy` is clean with production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from paths import REPO_ROOT


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "FINCLOUD_HTTPS", "DATABASE_URL", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "fincloud.web.settings", **env},
        check=False,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "FINCLOUD_HTTPS"}},
            "DJANGO_SETTINGS_MODULE": "fincloud.web.settings",
            "SECRET_KEY": "x" * 20 + "production-secret-key-from-the-environment-0123456789",
            "ALLOWED_HOSTS": "fincloud.bank.example",
            "FINCLOUD_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_is_off_unless_asked(tmp_path):
    off = _run(
        "from django.conf import settings as s; print(s.DEBUG)", FINCLOUD_VAR_DIR=str(tmp_path)
    )
    assert off.stdout.strip() == "False", off.stderr
    on = _run(
        "from django.conf import settings as s; print(s.DEBUG)",
        DEBUG="1",
        FINCLOUD_VAR_DIR=str(tmp_path),
    )
    assert on.stdout.strip() == "True"


def test_database_url_and_sqlite_wal(tmp_path):
    result = _run(
        "import django; django.setup(); from django.db import connection as c; "
        "cur = c.cursor(); cur.execute('PRAGMA journal_mode'); print(cur.fetchone()[0]); "
        "print(c.settings_dict['NAME'])",
        FINCLOUD_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    mode, name = result.stdout.split()
    assert (mode, name) == ("wal", f"{tmp_path}/x.sqlite3")


def test_audit_retention_cannot_go_below_six_months(tmp_path):
    result = _run(
        "from django.conf import settings as s; s.DEBUG",
        FINCLOUD_AUDIT_RETENTION_MONTHS="3",
        FINCLOUD_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "at least 6" in result.stderr


def test_secure_cookies_and_hsts_outside_debug(tmp_path):
    result = _run(
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)",
        FINCLOUD_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get("/people/sign-in")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_csrf_is_enforced(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["sysadmin"])
    response = client.post(
        "/people/units/new", {"short_name": "x", "name_zh": "x", "name_en": "x", "kind": "it"}
    )
    assert response.status_code == 403
    assert "表單已失效" in response.content.decode()
