"""Settings for the test suite: the real settings, served over plain HTTP by the test client.

Production security (HTTPS redirect, secure cookies, HSTS) is tested separately by running
`django check --deploy` on the real settings in a subprocess (tests/web/test_settings.py).
"""

import os
import tempfile

os.environ.setdefault("FINCLOUD_HTTPS", "0")
os.environ.setdefault("FINCLOUD_VAR_DIR", tempfile.mkdtemp(prefix="fincloud-test-"))

from fincloud.web.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Hashing many personas with Argon2 would dominate the suite's time; tests that are about
# password storage switch Argon2 back on (tests/people/test_people_auth.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
