"""Incidents (Ch 8.2): any member of staff reports; notification duties from the institution's
rules with countdowns; recurring incidents escalated; the post-incident review closes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override
from factories_resilience import ServiceFactory, pdf

from fincloud.evidence.services import evidence_for
from fincloud.resilience import deadlines, due, selectors, services
from fincloud.resilience.models import (
    Incident,
    IncidentNotice,
    NotificationRule,
    Problem,
    Severity,
)
from fincloud.web.due import DueQuery
from fincloud.workflow.services import record_approve, record_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(personas):
    return ServiceFactory(unit=personas["governance_officer"].unit)


@pytest.fixture
def ops_rule(personas):
    # The manual says "immediately" (Ch 8.2 (f)); this institution sets one hour.
    return services.notification_rule_create(
        actor=personas["governance_officer"],
        authority="資訊作業中心",
        recipient_kind="internal",
        min_severity="major",
        categories=[],
        customer_impact_only=False,
        hours=Decimal(1),
        basis="本行資安事件通報程序",
        active=True,
    )


def report(person, service=None, *, ago=dt.timedelta(minutes=20), **fields):
    values = {
        "title": "Login failures",
        "description": "Customers cannot sign in.",
        "service": service,
        "category": "outage",
        "severity": "major",
        "detected_at": timezone.now() - ago,
        "customer_impact": False,
        "customer_impact_note": "",
        "csp_notice_received_at": None,
        "csp_reference": "",
    }
    values.update(fields)
    return services.incident_report(actor=person, **values)


def test_severity_values_equal_the_pure_rules():
    assert tuple(Severity.values) == deadlines.SEVERITIES


def test_any_member_of_staff_reports_but_not_the_examiner(personas, service, ops_rule):
    incident = report(personas["legal"], service)
    year = timezone.localtime(incident.reported_at).year
    assert incident.reference == f"INC-{year}-0001"
    assert report(personas["internal_auditor"], service).reference == f"INC-{year}-0002"
    assert [e.kind for e in incident.events.all()] == ["detected", "reported"]
    for who in ("examiner", "nobody"):
        with pytest.raises(ValidationError, match="report_incident"):
            report(personas[who], service)


def test_the_institutions_rule_gives_a_countdown(personas, service, ops_rule):
    incident = report(personas["legal"], service)
    [notice] = incident.notices.all()
    assert notice.rule == ops_rule
    assert notice.due_at == incident.detected_at + dt.timedelta(hours=1)
    row = deadlines.countdown(notice.due_at, incident.detected_at + dt.timedelta(minutes=20))
    assert (row.state, row.delta) == ("pending", dt.timedelta(minutes=40))
    services.notice_record_sent(actor=personas["security"], notice=notice, method="phone")
    notice.refresh_from_db()
    assert deadlines.countdown(notice.due_at, timezone.now(), notice.sent_at).state == "done"
    assert incident.events.filter(kind="notified").exists()
    with pytest.raises(ValidationError):
        services.notice_record_sent(actor=personas["security"], notice=notice)


def test_an_overdue_notice_shows_on_the_calendar(personas, service, ops_rule):
    incident = report(personas["legal"], service, ago=dt.timedelta(hours=3))
    notice = incident.notices.get()
    assert deadlines.countdown(notice.due_at, timezone.now()).state == "overdue"
    items = list(due.notification_deadlines(DueQuery(end=timezone.localdate())))
    assert [(i.kind, i.due) for i in items] == [
        ("incident_notification", timezone.localtime(notice.due_at).date())
    ]
    assert items[0].overdue(timezone.localdate() + dt.timedelta(days=1))
    services.notice_record_sent(actor=personas["security"], notice=notice)
    assert list(due.notification_deadlines(DueQuery())) == []


def test_duties_follow_the_assessment(personas, service, ops_rule):
    incident = report(personas["legal"], service, severity="medium")
    assert not incident.notices.exists()
    services.incident_update(actor=personas["security"], incident=incident, severity="major")
    assert incident.notices.count() == 1
    assert incident.events.filter(kind="triaged").exists()
    services.incident_update(actor=personas["security"], incident=incident, severity="high")
    assert not incident.notices.exists()  # unsent duty of a rule that no longer applies


def test_a_new_rule_applies_to_open_incidents(personas, service):
    incident = report(personas["legal"], service, customer_impact=True, category="data_breach")
    assert not incident.notices.exists()
    services.notification_rule_create(
        actor=personas["governance_officer"],
        authority="受影響客戶",
        recipient_kind="customers",
        min_severity="medium",
        categories=["data_breach"],
        customer_impact_only=True,
        hours=Decimal(72),
        basis="",
        active=True,
    )
    assert incident.notices.get().due_at == incident.detected_at + dt.timedelta(hours=72)


def test_rule_hours_must_be_positive(personas):
    with pytest.raises(ValidationError) as exc:
        services.notification_rule_create(
            actor=personas["governance_officer"],
            authority="X",
            recipient_kind="other",
            min_severity="low",
            categories=[],
            customer_impact_only=False,
            hours=Decimal(0),
            basis="",
            active=True,
        )
    assert "hours" in exc.value.message_dict
    assert not NotificationRule.objects.exists()


def test_times_are_checked_and_name_the_field(personas, service):
    with pytest.raises(ValidationError) as exc:
        report(personas["legal"], service, ago=-dt.timedelta(hours=2))
    assert "detected_at" in exc.value.message_dict
    assert not Incident.objects.exists()
    incident = report(personas["legal"], service)
    with pytest.raises(ValidationError) as exc:
        services.incident_record_step(
            actor=personas["security"],
            incident=incident,
            kind="contained",
            at=incident.detected_at - dt.timedelta(minutes=5),
        )
    assert "contained_at" in exc.value.message_dict
    incident.refresh_from_db()
    assert incident.contained_at is None


def test_three_outages_in_the_window_are_escalated_as_a_problem(personas, service):
    first = report(personas["legal"], service, ago=dt.timedelta(days=60))
    second = report(personas["legal"], service, ago=dt.timedelta(days=30))
    report(personas["legal"], service, category="malware", ago=dt.timedelta(days=10))
    assert not Problem.objects.exists()
    third = report(personas["legal"], service, ago=dt.timedelta(days=1))
    problem = Problem.objects.get()
    assert problem.unit == service.unit
    assert problem.due_date == timezone.localdate() + dt.timedelta(days=30)
    assert set(problem.incidents.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    assert first.events.filter(kind="escalated").exists()
    # A fourth joins the same open problem.
    fourth = report(personas["legal"], service)
    fourth.refresh_from_db()
    assert fourth.problem == problem
    assert Problem.objects.count() == 1
    assert [i.kind for i in due.problems_due(DueQuery())] == ["recurring_problem"]


def test_the_institution_sets_the_recurrence_threshold(personas, service):
    services.settings_update(actor=personas["governance_officer"], recurrence_threshold=2)
    report(personas["legal"], service, ago=dt.timedelta(days=5))
    assert not Problem.objects.exists()
    report(personas["legal"], service)
    assert Problem.objects.count() == 1


def test_closing_a_problem_needs_the_mitigation(personas, service):
    services.settings_update(actor=personas["governance_officer"], recurrence_threshold=2)
    report(personas["legal"], service, ago=dt.timedelta(days=5))
    report(personas["legal"], service)
    problem = Problem.objects.get()
    with pytest.raises(ValidationError):
        services.problem_close(actor=personas["security"], problem=problem, mitigation=" ")
    services.problem_close(
        actor=personas["security"], problem=problem, mitigation="Second region added."
    )
    problem.refresh_from_db()
    assert problem.status == Problem.Status.MITIGATED


def test_the_approved_review_closes_the_incident(personas, service):
    incident = report(personas["legal"], service)
    review = dict(summary="s", root_cause="Expired certificate", lessons="Monitor expiry")
    with pytest.raises(ValidationError):
        services.review_create(actor=personas["security"], incident=incident, **review)
    services.incident_record_step(
        actor=personas["security"], incident=incident, kind="resolved", at=None
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert incident.contained_at is not None
    assert [i.kind for i in due.reviews_due(DueQuery())] == ["post_incident_review"]
    record = services.review_create(actor=personas["security"], incident=incident, **review)
    record_submit(record=record, actor=personas["security"])
    record_approve(record=record, actor=personas["approver"])
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.root_cause == "Expired certificate"
    assert list(due.reviews_due(DueQuery())) == []


def test_evidence_is_typed_and_limited(personas, service, settings):
    incident = report(personas["legal"], service)
    services.incident_attach(
        actor=personas["security"], incident=incident, upload=pdf(), title="Log extract"
    )
    assert [f.title for f in evidence_for(incident)] == ["Log extract"]
    with pytest.raises(ValidationError) as exc:
        services.incident_attach(
            actor=personas["security"], incident=incident, upload=pdf("log.exe"), title="x"
        )
    with override("en"):
        assert exc.value.message_dict["file"][0].startswith("File: log.exe is not an accepted")
    settings.FINCLOUD_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.incident_attach(
            actor=personas["security"], incident=incident, upload=pdf(), title="x"
        )
    with override("en"):
        message = exc.value.message_dict["file"]
    assert message == ["File: evidence.pdf is 0.0 MB; the limit is 0.0 MB."]
    with pytest.raises(ValidationError, match=r"handle_incident"):
        services.incident_attach(
            actor=personas["legal"], incident=incident, upload=pdf(), title="x"
        )


def test_incident_list_reads_in_fixed_queries(
    personas, service, ops_rule, django_assert_num_queries
):
    for _ in range(3):
        report(personas["legal"], service)
    with django_assert_num_queries(2):  # incidents with their joins, then the notices
        rows = list(selectors.incidents())
        assert [len(i.notices.all()) for i in rows] == [1, 1, 1]
        assert all(i.service.name for i in rows)
    assert IncidentNotice.objects.count() == 3
