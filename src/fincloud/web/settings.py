"""Django settings for fincloud, read from the environment.

Environment:
- ``DEBUG`` (default off), ``SECRET_KEY`` (default: generated once into ``$FINCLOUD_VAR_DIR``),
  ``ALLOWED_HOSTS`` (comma list, default ``127.0.0.1,localhost``), ``DATABASE_URL`` (default: the
  embedded SQLite file ``$FINCLOUD_VAR_DIR/fincloud.sqlite3``), ``FINCLOUD_VAR_DIR`` (default
  ``./var``), ``FINCLOUD_HTTPS`` (default on: secure cookies, HSTS, HTTPS redirect; ``make run``
  turns it off for the local demo on http://127.0.0.1:8000), ``FINCLOUD_AUDIT_RETENTION_MONTHS``
  (default and minimum 6, Ch 5.4 (a)), ``CSRF_TRUSTED_ORIGINS`` (comma list).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected true/false")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FINCLOUD_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("DEBUG", False)
HTTPS = env_bool("FINCLOUD_HTTPS", True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # No key given: keep one generated key per installation, outside the repository.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "fincloud.web.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "fincloud.web",
    "fincloud.auditlog",
    "fincloud.people",
    "fincloud.workflow",
    "fincloud.evidence",
    "fincloud.determinations",
    "fincloud.manual",
    "fincloud.governance",
    "fincloud.register",
    "fincloud.assessments",
    "fincloud.oversight",
    "fincloud.controls",
    "fincloud.audits",
    "fincloud.resilience",
    "fincloud.privacy",
    "fincloud.reports",
    "fincloud.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fincloud.web.middleware.RequestIdMiddleware",
    "fincloud.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fincloud.web.middleware.UserLanguageMiddleware",
]

ROOT_URLCONF = "fincloud.web.urls"
WSGI_APPLICATION = "fincloud.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fincloud.web.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fincloud.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # the start of a transaction, so two writers queue instead of failing half-way.
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "people:login"

# Lock-out after repeated failed sign-ins (people.lockout): per account and per address.
FINCLOUD_LOCKOUT_WINDOW = timedelta(minutes=15)
FINCLOUD_LOCKOUT_ACCOUNT_FAILURES = 5
FINCLOUD_LOCKOUT_ADDRESS_FAILURES = 20

# Sessions end after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security -----------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS and not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Uploads: a request body over this size is refused before it reaches a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FINCLOUD_UPLOAD_MAX_BYTES = int(os.environ.get("FINCLOUD_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [Path(os.environ.get("FINCLOUD_LOCALE_DIR", PACKAGE_DIR / "locale"))]
USE_I18N = True
TIME_ZONE = "Asia/Taipei"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "fincloud_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS and not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Background tasks (django-tasks) ------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Audit log ----------------------------------------------------------------------------
# Ch 5.4 (a): audit trails are kept at least six months; the setting may raise, never lower it.
FINCLOUD_AUDIT_RETENTION_MONTHS = int(os.environ.get("FINCLOUD_AUDIT_RETENTION_MONTHS", "6"))
if FINCLOUD_AUDIT_RETENTION_MONTHS < 6:
    raise ImproperlyConfigured(
        "FINCLOUD_AUDIT_RETENTION_MONTHS must be at least 6 (Ch 5.4 (a): audit trails are kept "
        "at least six months)"
    )

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fincloud@localhost")

FINCLOUD_INSTITUTION_NAME = os.environ.get("FINCLOUD_INSTITUTION_NAME", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Used by templates for the site title in both languages.
SITE_TITLE = _("fincloud cloud-service governance")
