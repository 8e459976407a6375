"""The one calendar: every app's deadlines through fincloud.web.due, per person, unit and
service, as a month page (both languages) and as iCalendar parsed back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone
from factories_oversight import ServiceFactory, put_in_use

from fincloud.oversight import ical
from fincloud.oversight import services as svc
from fincloud.oversight.dates import add_months
from fincloud.oversight.models import CreditClaim
from fincloud.web import due

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    """One overdue review (mine: the officer owns the service), a finding owned by security,
    a red KRI of another unit's service, and a credit to claim."""
    officer = personas["governance_officer"]
    today = timezone.localdate()
    mine = put_in_use(
        ServiceFactory(name="Mine", owner=officer, unit=officer.unit),
        add_months(today, -13),
        "domestic",
    )
    other = ServiceFactory(name="Other", owner=personas["risk"], unit=personas["risk"].unit)
    review = svc.review_start(actor=officer, service=mine)
    finding = svc.finding_add(
        actor=officer,
        review=review,
        description="Fix the change log",
        severity="high",
        owner=personas["security"],
        due_date=today + dt.timedelta(days=3),
    )
    indicator = svc.indicator_create(
        actor=officer,
        service=other,
        kind="kri",
        name="Incidents",
        direction="lower",
        green=D(0),
        amber=D(1),
    )
    svc.measurement_record(
        actor=personas["risk"], indicator=indicator, measured_on=today, value=D(5)
    )
    return {
        "mine": mine,
        "other": other,
        "finding": finding,
        "today": today,
        "indicator": indicator,
    }


def kinds(items):
    return sorted(i.kind for i in items)


def test_every_provider_answers_and_scopes_filter_in_the_database(personas, world):
    today = world["today"]
    everything = due.collect(due.DueQuery(start=None, end=today + dt.timedelta(days=400)))
    assert {"periodic_review", "review_finding", "kpi_red", "kpi_measurement"} <= set(
        kinds(everything)
    )
    review = next(i for i in everything if i.kind == "periodic_review" and i.title == "Mine")
    assert review.overdue(today)  # in use for 13 months, reviewed every 12
    mine = due.collect(
        due.DueQuery(
            start=None, end=today + dt.timedelta(days=400), user=personas["governance_officer"]
        )
    )
    assert "periodic_review" in kinds(mine) and "kpi_red" not in kinds(mine)
    security = due.collect(
        due.DueQuery(start=None, end=today + dt.timedelta(days=30), user=personas["security"])
    )
    assert [i.kind for i in security if i.kind.startswith("review")] == ["review_finding"]
    unit = due.collect(due.DueQuery(start=None, end=today, unit_id=personas["risk"].unit_id))
    assert kinds(unit) == ["kpi_red"]
    one = due.collect(
        due.DueQuery(
            start=None, end=today + dt.timedelta(days=400), service_code=str(world["other"].code)
        )
    )
    assert {i.service_code for i in one} == {str(world["other"].code)}


def test_a_claim_to_make_is_due(personas):
    officer = personas["governance_officer"]
    service = ServiceFactory(owner=officer)
    svc.sla_target_save(
        actor=officer,
        service=service,
        target_percent=D("99.9"),
        credit_terms=[{"below": "99.9", "credit_percent": "10"}],
    )
    start = dt.datetime(2025, 6, 3, 1, tzinfo=dt.UTC)
    svc.outage_record(
        actor=officer, services=[service], start=start, end=start + dt.timedelta(hours=2)
    )
    claim = CreditClaim.objects.get()
    items = due.collect(due.DueQuery(start=claim.claim_due, end=claim.claim_due, user=officer))
    assert [i.kind for i in items] == ["sla_credit_claim"]


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hant", ["到期事項", "已逾期"]), ("en", ["What is due", "Overdue"])],
)
def test_the_calendar_page_in_both_languages(client, personas, world, language, words):
    client.force_login(personas["governance_officer"])
    client.cookies["fincloud_language"] = language
    response = client.get("/oversight/calendar/")
    assert response.status_code == 200
    html = response.content.decode()
    for word in words:
        assert word in html
    assert "Mine" in html and "Fix the change log" in html


def test_the_calendar_page_reads_a_constant_number_of_queries(
    client, personas, world, django_assert_max_num_queries
):
    client.force_login(personas["examiner"])
    client.get("/oversight/calendar/")  # warm caches (catalog, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/oversight/calendar/")
    for n in range(6):
        finding_owner = personas["security"]
        svc.finding_add(
            actor=personas["governance_officer"],
            review=world["finding"].review,
            description=f"more {n}",
            severity="low",
            owner=finding_owner,
            due_date=world["today"] + dt.timedelta(days=n),
        )
    with CaptureQueriesContext(connection) as more:
        client.get("/oversight/calendar/")
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_icalendar_export_parses_back_with_every_item(client, personas, world):
    client.force_login(personas["governance_officer"])
    response = client.get("/oversight/calendar.ics?scope=mine")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = ical.read(response.content.decode())
    events = [c for c in calendar.components if c.name == "VEVENT"]
    summaries = [ical.unescape_text(e.get("SUMMARY")) for e in events]
    assert any(s.endswith(": Mine") for s in summaries)
    assert len({e.get("UID") for e in events}) == len(events)
    for event in events:
        assert event.get("URL").startswith("http://testserver/")
        dt.datetime.strptime(event.get("DTSTART"), "%Y%m%d")  # noqa: DTZ007


def test_a_service_filter_that_does_not_exist_is_404(client, personas):
    client.force_login(personas["examiner"])
    assert client.get("/oversight/calendar/?service=not-a-uuid").status_code == 404
    assert (
        client.get("/oversight/calendar/?service=6a0f3b0c-9f39-4bd0-b2a4-1b2f7f0f2b11").status_code
        == 404
    )
