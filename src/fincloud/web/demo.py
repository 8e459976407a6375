"""The demo institution: `fincloud demo` (called once by `make run`).

Idempotent: everything is looked up by a natural key before it is created, so running it twice
changes nothing. Demo passwords are generated on first use and kept outside the repository in
``$FINCLOUD_VAR_DIR/demo-logins.json`` (mode 0600), so no secret is ever committed.

Later apps add their own demo data by registering a loader with ``register_loader``; loaders run
in registration order after the people and units exist.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from fincloud.people.models import BusinessUnit, User
from fincloud.people.roles import Role
from fincloud.people.services import ensure_role_groups, unit_create, user_create


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


UNITS = [
    # short_name, name_zh, name_en, kind
    ("cloud-gov", "雲端服務管理科", "Cloud Service Governance Section", "governance"),
    ("it-ops", "資訊作業處", "IT Operations Department", "operations"),
    ("infosec", "資訊安全部", "Information Security Department", "security"),
    ("risk", "風險管理部", "Risk Management Department", "risk"),
    ("legal", "法務暨法遵部", "Legal and Compliance Department", "legal"),
    ("audit", "稽核處", "Internal Audit Office", "audit"),
    ("retail", "個人金融事業處", "Retail Banking Division", "business"),
    ("management", "總經理室", "Office of the President", "management"),
]

# username, display name, role, unit, units the person may approve for
PEOPLE = [
    ("gov.officer", "林雲管", Role.GOVERNANCE_OFFICER, "cloud-gov", ()),
    ("risk.officer", "陳風控", Role.RISK, "risk", ()),
    ("legal.counsel", "王法務", Role.LEGAL, "legal", ()),
    ("sec.officer", "張資安", Role.SECURITY, "infosec", ()),
    ("auditor", "李稽核", Role.INTERNAL_AUDITOR, "audit", ()),
    (
        "approver",
        "黃核決",
        Role.APPROVER,
        "management",
        ("cloud-gov", "it-ops", "infosec", "risk", "legal", "retail", "management"),
    ),
    ("examiner", "檢查局 周檢查", Role.EXAMINER, None, ()),
    ("admin", "系統管理 吳", Role.SYSADMIN, "it-ops", ()),
]

_LOADERS: list[tuple[str, Callable[[], None]]] = []


def register_loader(name: str, loader: Callable[[], None]) -> None:
    if all(existing != name for existing, _ in _LOADERS):
        _LOADERS.append((name, loader))


def _logins_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def _read_logins() -> dict[str, str]:
    path = _logins_path()
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text())
    return data


def _write_logins(logins: dict[str, str]) -> None:
    path = _logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(logins, handle, indent=2)
    tmp.replace(path)


def _password() -> str:
    # Readable, long enough for the validators (>= 12 characters, not common, not numeric).
    return "demo-" + secrets.token_urlsafe(12)


def load_people(*, reset_passwords: bool = False) -> list[DemoLogin]:
    ensure_role_groups()
    known = _read_logins()
    units: dict[str, BusinessUnit] = {}
    with transaction.atomic():
        for short, zh, en, kind in UNITS:
            unit = BusinessUnit.objects.filter(short_name=short).first()
            units[short] = unit or unit_create(
                actor=None, short_name=short, name_zh=zh, name_en=en, kind=kind
            )
        result: list[DemoLogin] = []
        for username, display, role, unit_short, approves in PEOPLE:
            user = User.objects.filter(username=username).first()
            password = known.get(username, "")
            if user is None:
                password = _password()
                user_create(
                    actor=None,
                    username=username,
                    password=password,
                    display_name=display,
                    unit=units[unit_short] if unit_short else None,
                    roles=[role],
                    approves_for=[units[s] for s in approves],
                )
            elif reset_passwords or not password:
                password = _password()
                user.set_password(password)
                user.save(update_fields=["password"])
            if not user or not user.groups.filter(name=role.value).exists():
                # Demo bootstrap only: a real institution grants roles through role grants.
                User.objects.get(username=username).groups.add(Group.objects.get(name=role.value))
            known[username] = password
            result.append(DemoLogin(role=role.value, username=username, password=password))
        _write_logins(known)
    return result


def load_demo(*, reset_passwords: bool = False) -> list[DemoLogin]:
    logins = load_people(reset_passwords=reset_passwords)
    for _name, loader in _LOADERS:
        loader()
    return logins
