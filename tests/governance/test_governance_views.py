"""The pages of 日常執行與控管 through the test client: bad input comes back naming the field and
the rule with nothing saved, a conflicting assignment is blocked with a way to request an
exception, and the pages' query counts do not grow with the data (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fincloud.governance import manual, selectors, services
from fincloud.governance.models import (
    ChecklistAnswer,
    DutyAssignment,
    PolicyReview,
    ResponsibilityMatrix,
)
from fincloud.workflow.models import State
from fincloud.workflow.services import record_approve

from factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas["governance_officer"])
    return client


def approved_policy(personas):
    officer = personas["governance_officer"]
    policy = services.policy_create(actor=officer, title="雲端服務管理政策", summary="一、目的")
    services.policy_attach(
        actor=officer,
        policy=policy,
        upload=SimpleUploadedFile("p.txt", "政策".encode(), "text/plain"),
    )
    services.policy_submit(actor=officer, policy=policy)
    return record_approve(record=policy, actor=personas["approver"])


def test_review_form_names_the_unanswered_factor(officer_client, personas):
    approved_policy(personas)
    data = {
        "reviewed_on": TODAY.isoformat(),
        "update_needed": "no",
        "conclusion": "妥適",
    }
    for node in manual.review_factors()[:4]:  # (e) left out
        data[services.factor_field(node.id)] = "no"
        data[services.factor_field(node.id) + "_note"] = "無影響"
    response = officer_client.post(reverse("governance:policy_review"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["factor_ch1_3_e"]
    assert "(e)" in form.errors["factor_ch1_3_e"][0]
    assert not PolicyReview.objects.exists()
    data[services.factor_field("ch1.3.e")] = "no"
    data[services.factor_field("ch1.3.e") + "_note"] = "無影響"
    response = officer_client.post(reverse("governance:policy_review"), data)
    assert response.status_code == 302
    assert PolicyReview.objects.get().answers["ch1.3.e"] == {"affected": False, "note": "無影響"}


def test_review_page_without_an_approved_policy_sends_back(officer_client):
    response = officer_client.get(reverse("governance:policy_review"))
    assert response.status_code == 302 and response.url == reverse("governance:policy")


def test_conflicting_assignment_is_blocked_with_an_exception_link(officer_client, personas):
    person = UserFactory(display_name="周工程師")
    services.assignment_create(
        actor=personas["governance_officer"],
        person=person,
        activity="security_controls.design",
        starts_on=TODAY,
    )
    response = officer_client.post(
        reverse("governance:assignment_create"),
        {
            "person": person.code,
            "activity": "security_controls.audit",
            "starts_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert len(response.context["conflicts"]) == 1
    assert "(d)" in response.context["conflicts"][0]
    url = response.context["exception_url"]
    assert url.startswith(reverse("governance:sod_exception_create"))
    assert "activity=security_controls.audit" in url and str(person.code) in url
    assert DutyAssignment.objects.filter(person=person).count() == 1
    # The exception form arrives filled in from the blocked assignment.
    form = officer_client.get(url).context["form"]
    assert form.initial["activity"] == "security_controls.audit"


def test_exception_submitted_and_approved_through_the_pages(client, personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    person = personas["security"]
    services.assignment_create(
        actor=officer, person=person, activity="code.design", starts_on=TODAY
    )
    client.force_login(officer)
    response = client.post(
        reverse("governance:sod_exception_create"),
        {
            "person": person.code,
            "activity": "code.review",
            "starts_on": TODAY.isoformat(),
            "reason": "人力不足",
            "mitigating_control": "事後抽查",
            "review_by": (TODAY + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    detail = response.url
    code = detail.rstrip("/").rsplit("/", 1)[-1]
    assert client.post(detail + "submit").status_code == 302
    client.force_login(approver)
    client.post(detail + "approve", {"comment": "同意"})
    from fincloud.governance.models import SodException

    exception = SodException.objects.get(code=code)
    assert exception.state == State.APPROVED
    assert DutyAssignment.objects.filter(exception=exception, activity="code.review").exists()
    # The examiner reads the report but cannot submit anything.
    client.force_login(personas["examiner"])
    assert client.get(reverse("governance:sod")).status_code == 200
    assert client.post(detail + "submit").status_code == 403


def test_matrix_submit_refused_until_complete(officer_client, personas):
    response = officer_client.post(reverse("governance:matrix_create"), {"title": "RACI"})
    assert response.status_code == 302
    matrix = ResponsibilityMatrix.objects.get()
    response = officer_client.post(
        reverse("governance:matrix_transition", kwargs={"code": matrix.code, "action": "submit"}),
        follow=True,
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 2 * len(manual.duties())  # no A and no R for each duty
    assert errors[0].startswith("(a) ")
    matrix.refresh_from_db()
    assert matrix.state == State.DRAFT
    # Fill the matrix through the form: one unit A/R for every duty.
    unit = personas["governance_officer"].unit
    from fincloud.governance.forms import MatrixForm

    data = {"title": "RACI", "note": ""}
    for node in manual.duties():
        data[MatrixForm.cell_name(node.id, str(unit.code))] = "AR"
    response = officer_client.post(
        reverse("governance:matrix_edit", kwargs={"code": matrix.code}), data
    )
    assert response.status_code == 302
    officer_client.post(
        reverse("governance:matrix_transition", kwargs={"code": matrix.code, "action": "submit"})
    )
    matrix.refresh_from_db()
    assert matrix.state == State.SUBMITTED


def test_checklist_answer_with_a_file(officer_client):
    url = reverse("governance:checklist_answer", kwargs={"item_id": "a2.daily.3.2"})
    response = officer_client.post(url, {"answer": "met", "note": ""})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["answer"]
    upload = SimpleUploadedFile("privacy.txt", "資料分類程序".encode(), "text/plain")
    response = officer_client.post(url, {"answer": "met", "note": "", "file": upload})
    assert response.status_code == 302
    assert ChecklistAnswer.objects.get(item_id="a2.daily.3.2").answer == "met"
    assert (
        officer_client.get(
            reverse("governance:checklist_answer", kwargs={"item_id": "a2.before.1.1"})
        ).status_code
        == 404
    )


def test_meeting_form_refuses_minutes_for_a_future_meeting(officer_client, personas):
    services.committee_save(
        actor=personas["governance_officer"],
        name="雲端治理委員會",
        mandate="m",
        established_on=TODAY,
        meeting_interval_months=3,
    )
    response = officer_client.post(
        reverse("governance:meeting_create"),
        {
            "title": "下季會議",
            "held_on": (TODAY + dt.timedelta(days=20)).isoformat(),
            "agenda": "1. 檢視",
            "minutes": "尚未召開不應有紀錄",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["minutes"]


def _many_people(n: int, officer) -> None:
    unit = UnitFactory(kind="operations")
    for i in range(n):
        person = UserFactory(unit=unit, username=f"staff{n}-{i}")
        services.assignment_create(
            actor=officer, person=person, activity="change.execute", starts_on=TODAY
        )


def test_pages_do_not_query_per_row(officer_client, personas):
    officer = personas["governance_officer"]
    services.adoption_stage_record(
        actor=officer, stage="development", decided_on=TODAY, rationale="r"
    )
    _many_people(3, officer)
    counts = {}
    for name in ("overview", "training", "sod"):
        with CaptureQueriesContext(connection) as few:
            assert officer_client.get(reverse(f"governance:{name}")).status_code == 200
        counts[name] = len(few)
    _many_people(9, officer)
    for name in ("overview", "training", "sod"):
        with CaptureQueriesContext(connection) as many:
            officer_client.get(reverse(f"governance:{name}"))
        assert len(many) == counts[name], name


def test_selector_query_counts(django_assert_num_queries, personas):
    officer = personas["governance_officer"]
    _many_people(5, officer)
    with django_assert_num_queries(1):
        selectors.sod_report()
    # people, open needs, completions, the current stage
    with django_assert_num_queries(4):
        selectors.training_matrix()
