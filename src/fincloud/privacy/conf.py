"""Settings of the de-identification jobs, read from Django settings or the environment.

- ``FINCLOUD_DEID_ALLOWED_DIRS``: the directories a job may read a source file from by path (a
  drop folder where extracts are placed), and the hierarchy files a policy names. A list in
  settings, or a comma-separated list in the environment; default ``$FINCLOUD_VAR_DIR/deid-inbox``.
  Paths are resolved (symlinks followed) before the check, so a link inside an allowed directory
  pointing elsewhere is refused.
- ``FINCLOUD_DEID_KEY_FILE``: the key file of the keyed techniques (``NAME=<64 hex digits>``
  lines, made by ``fincloud deid keygen``). Keys may also come from the environment
  (``FINCLOUD_DEID_KEY_<NAME>``, read by ``fincloud.deid.keys.KeyRing``). Never from the policy
  or the database: the database keeps only each key's fingerprint. Default:
  ``$FINCLOUD_VAR_DIR/deid.keys`` when that file exists (``fincloud demo`` writes one).
- ``FINCLOUD_DEID_WORK_DIR``: where uploaded sources and the outputs are kept (mode 0700),
  default ``$MEDIA_ROOT/privacy``. Uploaded sources are deleted after the job unless a recorded
  decision keeps them.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from fincloud.deid.keys import KeyRing


def _paths(value: object) -> list[Path]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = []
    return [Path(v) for v in items if v]


def allowed_dirs() -> list[Path]:
    """The allowed source directories, resolved; those that do not exist are left out."""
    configured = getattr(settings, "FINCLOUD_DEID_ALLOWED_DIRS", None)
    if configured is None:
        configured = os.environ.get(
            "FINCLOUD_DEID_ALLOWED_DIRS", str(Path(settings.VAR_DIR) / "deid-inbox")
        )
    out: list[Path] = []
    for path in _paths(configured):
        try:
            resolved = path.resolve(strict=True)
        except OSError:
            continue
        if resolved.is_dir():
            out.append(resolved)
    return out


def configured_key_file() -> tuple[Path | None, bool]:
    """(path, explicit): the key file, and whether a setting named it (then it must exist)."""
    value = getattr(settings, "FINCLOUD_DEID_KEY_FILE", None) or os.environ.get(
        "FINCLOUD_DEID_KEY_FILE"
    )
    if value:
        return Path(str(value)), True
    default = Path(settings.VAR_DIR) / "deid.keys"
    return (default if default.exists() else None), False


def keyring() -> KeyRing:
    """The keys a job may use: the configured key file and the environment."""
    path, _explicit = configured_key_file()
    return KeyRing.load(path, environ=os.environ)


def work_dir() -> Path:
    value = getattr(settings, "FINCLOUD_DEID_WORK_DIR", None) or os.environ.get(
        "FINCLOUD_DEID_WORK_DIR"
    )
    path = Path(str(value)) if value else Path(settings.MEDIA_ROOT) / "privacy"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def job_dir(code: object) -> Path:
    path = work_dir() / "jobs" / str(code)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def incoming_dir() -> Path:
    path = work_dir() / "incoming"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
