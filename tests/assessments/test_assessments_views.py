"""The assessment pages: who sees and does what, bad input in the user's language, no inline
style or script (CSP), and the number of queries per page pinned (no N+1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from factories_assessments import complete, csp, institution, row, service, start

from fincloud.assessments import services as svc
from fincloud.assessments.models import Assessment
from fincloud.workflow.models import State

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", re.I)


@pytest.fixture
def assessment(personas):
    institution()
    provider = csp()
    srv = service(provider, personas["governance_officer"].unit, countries=("JP", "VN"))
    return start(personas, srv, material=False)


def _zh(client):
    client.cookies["django_language"] = "zh-hant"


def _en(user):
    # The person's own language wins over the cookie (UserLanguageMiddleware).
    user.language = "en"
    user.save(update_fields=["language"])


PAGES = [
    "detail",
    "suitability",
    "scope",
    "materiality",
    "risks",
    "locations",
    "due_diligence",
    "contract",
    "filing",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_section_renders_read_only_for_the_examiner_without_inline_code(
    client, personas, assessment, page
):
    client.force_login(personas["examiner"])
    response = client.get(reverse(f"assessments:{page}", kwargs={"code": assessment.code}))
    html = response.content.decode()
    assert response.status_code == 200
    assert not INLINE.search(html), INLINE.search(html)
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    # The examiner changes nothing; the one form left is the report button (reports only read,
    # and the examiner generates and downloads them).
    forms = re.findall(r'<form[^>]*action="([^"]*)"', main)
    assert all(action == reverse("reports:run") for action in forms) or page == "detail", forms


def test_offshore_country_off_the_list_is_demanded_on_the_locations_page(
    client, personas, assessment
):
    client.force_login(personas["governance_officer"])
    html = client.get(reverse("assessments:locations", kwargs={"code": assessment.code})).content
    text = html.decode()
    assert 'data-testid="dp-demanded"' in text
    assert text.count('data-testid="dp-demanded"') == 1  # VN, not JP (on the FAQ-10 list)


def test_heat_map_is_server_drawn_svg_with_classes(client, personas, assessment):
    svc.risk_update(actor=personas["risk"], risk=assessment.risks.first(), likelihood=5, impact=5)
    client.force_login(personas["risk"])
    html = client.get(reverse("assessments:risks", kwargs={"code": assessment.code})).content
    text = html.decode()
    assert text.count("<svg") == 2
    assert 'class="hm-critical"' in text
    assert not INLINE.search(text)


def test_bad_input_names_the_field_and_the_rule_in_chinese(client, personas, assessment):
    _zh(client)
    client.force_login(personas["legal"])
    r = row(assessment, "10.I.6")
    url = reverse("assessments:contract_row", kwargs={"code": assessment.code, "row": r.code})
    response = client.post(url, {"judgement": "not_applicable", "na_reason": ""})
    text = response.content.decode()
    assert response.status_code == 200
    assert "不適用理由：判斷為不適用時必填。" in text
    assert row(assessment, "10.I.6").judgement == ""  # nothing half-saved


def test_judgement_without_reason_is_refused_in_english(client, personas, assessment):
    _en(personas["risk"])
    client.force_login(personas["risk"])
    url = reverse("assessments:materiality_judge", kwargs={"code": assessment.code})
    text = client.post(url, {"material": "yes", "reason": ""}).content.decode()
    assert "Reason for the judgement: This field is required." in text


def test_risk_form_refuses_a_half_rating(client, personas, assessment):
    _zh(client)
    client.force_login(personas["risk"])
    risk = assessment.risks.first()
    url = reverse("assessments:risk_edit", kwargs={"code": assessment.code, "risk": risk.code})
    text = client.post(url, {"likelihood": "3", "impact": ""}).content.decode()
    assert "影響程度：可能性與影響程度須同時填寫。" in text


def test_examiner_and_other_roles_cannot_write(client, personas, assessment):
    url = reverse("assessments:evaluate", kwargs={"code": assessment.code})
    for key in ("examiner", "risk", "legal", "approver"):
        client.force_login(personas[key])
        assert client.post(url).status_code == 403, key
    dd = assessment.due_diligence_answers.get(item_id="ch3.1.g")
    url = reverse(
        "assessments:due_diligence_item", kwargs={"code": assessment.code, "answer": dd.code}
    )
    client.force_login(personas["governance_officer"])
    assert client.get(url).status_code == 200  # may read
    assert client.post(url, {"result": "satisfactory"}).status_code == 403  # security's item
    client.force_login(personas["security"])
    assert client.post(url, {"result": "satisfactory", "answer": "ok"}).status_code == 302


def test_submit_with_blockers_shows_them_and_approval_moves_the_service(
    client, personas, assessment
):
    _en(personas["governance_officer"])
    client.force_login(personas["governance_officer"])
    submit = reverse("assessments:transition", kwargs={"code": assessment.code, "action": "submit"})
    response = client.post(submit, follow=True)
    assert "The assessment cannot be submitted yet" in response.content.decode()
    complete(Assessment.objects.get(pk=assessment.pk), personas)
    client.post(submit)
    assert Assessment.objects.get(pk=assessment.pk).state == State.SUBMITTED
    approve = reverse(
        "assessments:transition", kwargs={"code": assessment.code, "action": "approve"}
    )
    assert client.post(approve).status_code == 403  # the preparer holds no approve capability
    client.force_login(personas["approver"])
    client.post(approve, {"comment": "fine"})
    a = Assessment.objects.select_related("service").get(pk=assessment.pk)
    assert a.state == State.APPROVED and a.service.stage == "in_use"


def test_service_summary_include(client, personas, assessment):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = personas["examiner"]
    html = render_to_string(
        "assessments/_service_summary.html",
        {"service": assessment.service, "user": personas["examiner"], "request": request},
    )
    assert 'data-testid="assessment-summary"' in html
    assert "non_material_offshore" in html or "3 ·" in html
    assert reverse("assessments:detail", kwargs={"code": assessment.code}) in html


def test_measure_added_through_the_page(client, personas, assessment):
    _zh(client)
    r = row(assessment, "10.I.5")
    svc.contract_row_save(
        actor=personas["legal"],
        row=r,
        judgement="not_compliant",
        impact_assessment="complaints",
        significant_impact=True,
    )
    client.force_login(personas["legal"])
    url = reverse("assessments:measure_add", kwargs={"code": assessment.code, "row": r.code})
    due = timezone.localdate() + dt.timedelta(days=20)
    response = client.post(
        url,
        {
            "kind": "a",
            "description": "hotline",
            "owner": personas["legal"].pk,
            "due_date": due.isoformat(),
        },
    )
    assert response.status_code == 302
    assert r.measures.count() == 1


# -- query counts (no N+1) -----------------------------------------------------------------------

QUERIES = {
    "detail": 22,
    "risks": 8,
    "contract": 13,
    "due_diligence": 13,
    "locations": 10,
    "materiality": 11,
}


@pytest.mark.parametrize("page", sorted(QUERIES))
def test_queries_per_page_are_pinned_and_do_not_grow_with_rows(
    client, personas, assessment, page, django_assert_num_queries
):
    client.force_login(personas["examiner"])
    url = reverse(f"assessments:{page}", kwargs={"code": assessment.code})
    client.get(url)  # warm caches (catalog, content types)
    with django_assert_num_queries(QUERIES[page]):
        assert client.get(url).status_code == 200
    # more risks, measures and documents do not add queries
    for i in range(5):
        svc.risk_add(actor=personas["risk"], assessment=assessment, title=f"extra {i}")
    with django_assert_num_queries(QUERIES[page]):
        client.get(url)


def test_list_queries_do_not_grow_with_assessments(client, personas, django_assert_num_queries):
    institution()
    provider = csp()
    unit = personas["governance_officer"].unit
    start(personas, service(provider, unit, name="S0"), material=False)
    client.force_login(personas["examiner"])
    url = reverse("assessments:list")
    client.get(url)
    with django_assert_num_queries(9) as ctx:
        client.get(url)
    for i in range(1, 4):
        start(personas, service(provider, unit, name=f"S{i}"), material=False)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get(url)


def test_annex4_example_page_shows_the_disclaimer(client, personas):
    svc.comparison_load_a4_example()
    client.force_login(personas["examiner"])
    c = svc.comparison_load_a4_example()
    html = client.get(
        reverse("assessments:comparison_detail", kwargs={"code": c.code})
    ).content.decode()
    assert 'data-testid="a4-disclaimer"' in html and "僅供參考" in html
    assert html.count('<tr id="row-') == 22
    assert "Edit" not in html and "編輯" not in html


def test_date_fields_render_in_the_format_a_date_input_reads(client, personas, assessment):
    # A date input only takes YYYY-MM-DD; any other rendering comes back empty on save.
    client.force_login(personas["governance_officer"])
    url = reverse("assessments:suitability_edit", kwargs={"code": assessment.code})
    html = client.get(url).content.decode()
    assert f'value="{assessment.planned_start:%Y-%m-%d}"' in html


def test_the_manual_browser_lists_where_an_item_is_answered(client, personas, assessment):
    from fincloud.manual.usage import usages

    titles = [u.title for u in usages("a3.10.I.1")]
    assert any(str(assessment) in t for t in titles)
    assert any(str(assessment) in u.title for u in usages("ch3.1.g"))
    assert any(str(assessment) in u.title for u in usages("a2.before.2.4"))
    assert any(str(assessment) in u.title for u in usages("ch2.2.risk.j"))
