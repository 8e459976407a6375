"""Shared test fixtures.

The real inputs (the manual, the Adult data, the Taiwan credit data) live in ../shared beside
the checkout; tests read them from there and never copy them into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paths import REPO_ROOT, SHARED  # noqa: F401  (REPO_ROOT re-exported for older imports)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}; set FINCLOUD_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture(scope="session")
def manual_path(shared_dir: Path) -> Path:
    return shared_dir / "manual" / "practice-manual.zh-TW.txt"


@pytest.fixture
def personas(db):
    """One signed-up person per role, each in their own unit; the approver may approve for
    every unit except the auditor's (to prove the unit-scope rule)."""
    from fincloud.people.roles import Role

    from factories import UnitFactory, persona

    people = {role.value: persona(role) for role in Role}
    people["nobody"] = persona(None)
    approver = people[Role.APPROVER.value]
    units = [u.unit for key, u in people.items() if key != Role.INTERNAL_AUDITOR.value]
    approver.approves_for.add(*units)
    people["second_approver"] = persona(
        Role.APPROVER,
        username="second_approver",
        unit=UnitFactory(short_name="mgmt2"),
        approves_for=units,
    )
    return people


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (繁體中文); a request or an override in one
    test must not leak into the next. Tests about English use translation.override("en")."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
