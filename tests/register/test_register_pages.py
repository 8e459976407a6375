"""The register's pages: filters, the service's whole story, bad input named in the user's
language, uploads with their limits, the dashboard, and query counts pinned (no N+1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factories_register import (
    CertificationFactory,
    CSPFactory,
    InstitutionFactory,
    pdf,
    service_with,
)

from fincloud.determinations.services import determination_record
from fincloud.register import services as svc
from fincloud.register import views
from fincloud.register.models import CloudService, CloudServiceProvider, Document
from fincloud.rules import evaluate_mapping

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hant"}


def _en(client):
    client.post("/language", {"language": "en", "next": "/"})


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# -- the list ----------------------------------------------------------------------------------


def _classify(officer, service, material):
    evaluation = evaluate_mapping(svc.service_rule_inputs(service, material=material))
    svc.service_record_classification(
        service=service,
        actor=officer,
        determination=determination_record(subject=service, result=evaluation, actor=officer),
        in_scope=evaluation.in_scope,
        offshore=evaluation.offshore,
        material=material,
        classification=evaluation.classification,
    )


@pytest.fixture
def register(personas):
    """Three CSPs and a handful of services in different states."""
    InstitutionFactory()
    nimbus, formosa = CSPFactory(name="Nimbus"), CSPFactory(name="Formosa", country="TW")
    units = {k: personas[k].unit for k in ("governance_officer", "risk")}
    a = service_with(name="Card core", csp=nimbus, unit=units["risk"], locations=["JP"])
    b = service_with(
        name="Archive", csp=formosa, unit=units["governance_officer"], locations=["TW"]
    )
    c = service_with(
        name="Dev sandbox", csp=nimbus, unit=units["governance_officer"], locations=["SG"]
    )
    for service, material in ((a, True), (b, False)):
        _classify(personas["governance_officer"], service, material)
    CertificationFactory(csp=formosa, expiry_date=timezone.localdate() - dt.timedelta(days=2))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.classification, b.classification) == ("material_offshore", "domestic")
    return {"nimbus": nimbus, "formosa": formosa, "a": a, "b": b, "c": c, "units": units}


def _names(client, **params) -> list[str]:
    response = client.get(reverse("register:service_list"), params)
    assert response.status_code == 200
    return [s.name for s in response.context["page"]]


def test_list_filters(client, personas, register):
    client.force_login(personas["examiner"])
    assert _names(client) == ["Archive", "Card core", "Dev sandbox"]
    assert _names(client, csp=str(register["nimbus"].code)) == ["Card core", "Dev sandbox"]
    assert _names(client, classification="domestic") == ["Archive"]
    assert _names(client, classification="unclassified") == ["Dev sandbox"]
    assert _names(client, stage="in_use") == []
    assert _names(client, unit=register["units"]["risk"].short_name) == ["Card core"]
    assert _names(client, material="yes") == ["Card core"]
    assert _names(client, q="sandbox") == ["Dev sandbox"]
    assert _names(client, q="formosa") == ["Archive"]  # by CSP name
    assert _names(client, overdue="on") == ["Archive"]  # its CSP's certificate expired
    assert _names(client, sort="-name") == ["Dev sandbox", "Card core", "Archive"]
    assert _names(client, sort="csp") == ["Archive", "Card core", "Dev sandbox"]


def test_list_paginates(client, personas):
    csp = CSPFactory()
    for i in range(55):
        service_with(name=f"S{i:02d}", csp=csp, locations=[])
    client.force_login(personas["examiner"])
    first = client.get(reverse("register:service_list"))
    assert len(first.context["page"]) == 50
    second = client.get(reverse("register:service_list"), {"page": 2})
    assert [s.name for s in second.context["page"]] == [f"S{i}" for i in range(50, 55)]


def test_list_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries):
    csp = CSPFactory()
    client.force_login(personas["examiner"])
    for i in range(3):
        service_with(name=f"A{i}", csp=csp, locations=["TW"])
    url = reverse("register:service_list")
    # Session, user, roles; the filter form's CSP and unit choices; the count; the page's rows
    # (CSP and unit joined); saving the session (savepoint, update, release).
    with django_assert_num_queries(10):
        client.get(url)
    for i in range(40):
        service_with(name=f"B{i}", csp=CSPFactory(), locations=["TW", "JP"])
    with django_assert_num_queries(10):
        client.get(url)


# -- the service's whole story --------------------------------------------------------------------


def _rich_service(personas):
    InstitutionFactory(institution_type="foreign_bank_branch")
    officer, legal = personas["governance_officer"], personas["legal"]
    csp = svc.csp_create(actor=officer, name="Nimbus", country="US")
    service = svc.service_create(
        actor=officer,
        name="AML monitoring",
        csp=csp,
        service_model="SaaS",
        business_process="AML",
        unit=officer.unit,
        customer_data=True,
        availability_target="99.95",
        locations=[svc.LocationInput("SG", "Singapore"), svc.LocationInput("VN", "Hanoi")],
    )
    sub = svc.sub_processor_add(
        actor=officer,
        service=service,
        name="Support Pte",
        country="SG",
        function="ops",
        locations=[svc.LocationInput("IN", "Mumbai")],
    )
    svc.sub_processor_add(
        actor=officer, service=service, name="Vault", country="JP", function="backup", parent=sub
    )
    other = service_with(name="Archive", csp=csp, locations=["TW"])
    svc.dependency_add(actor=officer, service=service, depends_on=other)
    group = svc.document_create(
        actor=legal,
        kind="master_agreement",
        title="Group agreement",
        csp=csp,
        services=[service],
        sub_outsourcing=True,
        expiry_date=timezone.localdate() + dt.timedelta(days=40),
        notice_period_days=30,
        upload=svc.Upload(file=pdf()),
    )
    svc.document_create(
        actor=legal,
        kind="fsi_addendum",
        title="FSA",
        csp=csp,
        upload=svc.Upload(file=pdf("f.pdf", b"f")),
    )
    for standard in ("iso27001", "iso27017", "soc2"):
        CertificationFactory(
            csp=csp, standard=standard, expiry_date=timezone.localdate() + dt.timedelta(days=200)
        )
    svc.termination_event_record(
        actor=officer,
        csp=csp,
        kind="change_of_control",
        occurred_on=dt.date(2025, 3, 1),
        description="Acquired",
    )
    svc.reliance_save(
        actor=officer,
        service=service,
        responsible_kind="head_office",
        responsible_name="Head office",
        branch_contact=officer,
        head_office_contract=group,
    )
    return service


def test_detail_shows_the_whole_story(client, personas):
    service = _rich_service(personas)
    client.force_login(personas["examiner"])
    _en(client)
    html = _page(client.get(reverse("register:service_detail", kwargs={"code": service.code})))
    for text in (
        "AML monitoring",
        "Hanoi",
        "not listed: needs its own data-protection assessment",  # VN is off the FAQ-10 list
        "Mumbai",  # a sub-processor's location
        "Support Pte",
        "Vault",
        "Archive",  # dependency
        "Group agreement",
        "sub-outsourcing",
        "FSA",  # the CSP's document for all its services
        "ISO/IEC 27017",
        "Acquired",
        "Relies on head office".replace("Relies on", "Reliance on"),
        "4.38 h a year",  # 99.95%: allowed downtime (Ch 3.4)
        'data-testid="assessment-slot"',  # where the assessments app's summary goes
        "notice by",
    ):
        assert text in html, text
    # The examiner reads but sees no edit buttons.
    assert reverse("register:service_edit", kwargs={"code": service.code}) not in html


def _register_queries(captured) -> int:
    """Queries on the register's own tables (other apps' deadline providers add theirs)."""
    tables = (re.search(r' FROM "(\w+)"', q["sql"]) for q in captured)
    return sum(1 for t in tables if t and t.group(1).startswith("register_"))


def _without_session(captured) -> int:
    return sum(
        1 for q in captured if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries


def test_detail_query_count_does_not_grow(client, personas, monkeypatch):
    # The register's own queries (the assessments app's summary, when present, adds its own).
    monkeypatch.setattr(views, "_assessment_summary_available", lambda: False)
    service = _rich_service(personas)
    client.force_login(personas["examiner"])
    url = reverse("register:service_detail", kwargs={"code": service.code})
    client.get(url)
    before = _queries(client, url)
    # The service with its relations (1), locations, sub-processors, dependencies both ways,
    # documents, certifications, contacts, events (8), the alert window, the CSP-wide
    # documents. The deadlines come in a second request (the page asks for them once shown).
    assert _register_queries(before) == 11
    due_url = reverse("register:service_due", kwargs={"code": service.code})
    client.get(due_url)  # once, for the caches and settings rows made on first use
    due_before = _queries(client, due_url)
    # The service, the alert window, the deadlines of certificates (1) and documents (3: the
    # documents, the services they cover counted, the code of a document's only service).
    assert _register_queries(due_before) == 6
    officer = personas["governance_officer"]
    for i in range(10):
        svc.location_add(actor=officer, service=service, country="JP", region=f"DC{i}")
        CertificationFactory(csp=service.csp, standard="iso22301", number=f"X{i}")
        svc.document_create(
            actor=personas["legal"],
            kind="sla",
            title=f"SLA {i}",
            csp=service.csp,
            services=[service],
            expiry_date=timezone.localdate() + dt.timedelta(days=i),
        )
    after = _queries(client, url)
    assert len(after) == len(before)
    assert _register_queries(after) == 11
    due_after = _queries(client, due_url)
    # Every app's deadline queries, not the session's upkeep (its idle stamp is refreshed now
    # and then, in a savepoint of its own).
    assert _without_session(due_after) == _without_session(due_before)
    assert _register_queries(due_after) == 6


def test_detail_includes_the_assessment_summary_when_the_app_provides_it(
    client, personas, settings, tmp_path
):
    service = service_with(locations=["TW"])
    folder = tmp_path / "assessments"
    folder.mkdir()
    (folder / "_service_summary.html").write_text("<p>SUMMARY OF {{ service.name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    client.force_login(personas["examiner"])
    html = _page(client.get(reverse("register:service_detail", kwargs={"code": service.code})))
    assert f"SUMMARY OF {service.name}" in html


def test_unknown_service_is_404(client, personas):
    client.force_login(personas["examiner"])
    import uuid

    assert (
        client.get(reverse("register:service_detail", kwargs={"code": uuid.uuid4()})).status_code
        == 404
    )


# -- forms: bad input named in the user's language ------------------------------------------------


def test_reseller_without_addendum_is_named_in_chinese(client, personas):
    client.force_login(personas["governance_officer"])
    response = client.post(
        reverse("register:csp_create"),
        {"name": "Sakura", "country": "JP", "channel": "partner", "partner_name": "Reseller"},
        **ZH,
    )
    html = _page(response)
    assert "金融服務附加條款或承諾函（檔案）: 簽約模式：透過合作夥伴或經銷商採購時" in html
    assert not CloudServiceProvider.objects.exists()


def test_reseller_with_its_letter_through_the_form(client, personas):
    client.force_login(personas["governance_officer"])
    response = client.post(
        reverse("register:csp_create"),
        {
            "name": "Sakura",
            "country": "JP",
            "channel": "partner",
            "partner_name": "Reseller",
            "addendum_kind": "commitment_letter",
            "addendum_file": pdf("letter.pdf"),
        },
    )
    assert response.status_code == 302
    csp = CloudServiceProvider.objects.get()
    assert svc.csp_has_addendum(csp)


def test_service_form_names_the_location_line_in_english(client, personas):
    csp = CSPFactory()
    client.force_login(personas["governance_officer"])
    _en(client)
    response = client.post(
        reverse("register:service_create"),
        {
            "name": "CRM",
            "csp": str(csp.code),
            "service_model": "SaaS",
            "deployment_model": "public",
            "business_process": "CRM",
            "unit": personas["governance_officer"].unit.short_name,
            "exclusion": "none",
            "csp_processes_or_stores_data": "on",
            "locations": "TW Taipei\nJapan Tokyo",
        },
    )
    html = _page(response)
    assert "Processing and storage locations: line 2: “Japan” is not an ISO 3166-1 alpha-2" in html
    assert not CloudService.objects.exists()


def test_institution_form_names_the_business_number_rule(client, personas):
    client.force_login(personas["governance_officer"])
    response = client.post(
        reverse("register:institution_edit"),
        {
            "institution_type": "domestic_bank",
            "name_zh": "銀行",
            "business_number": "86510008",
            "alert_window_days": 90,
        },
        **ZH,
    )
    assert (
        "統一編號: 統一編號檢查碼不符（自 2023 年 4 月 1 日起之規則：加權和可被 5 整除）"
        in _page(response)
    )


def test_upload_states_and_enforces_the_limits(client, personas, settings):
    settings.FINCLOUD_UPLOAD_MAX_BYTES = 1024
    csp = CSPFactory()
    doc = svc.document_create(actor=personas["legal"], kind="sla", title="SLA", csp=csp)
    client.force_login(personas["legal"])
    _en(client)
    url = reverse("register:document_detail", kwargs={"code": doc.code})
    assert "at most 0 MB" in _page(client.get(url)) or "at most" in _page(client.get(url))
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"x" * 4096, "application/pdf")
    response = client.post(
        reverse("register:document_upload", kwargs={"code": doc.code}), {"file-file": big}
    )
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    wrong = SimpleUploadedFile("x.exe", b"MZ....", "application/octet-stream")
    response = client.post(
        reverse("register:document_upload", kwargs={"code": doc.code}), {"file-file": wrong}
    )
    assert "is not an accepted type" in response.content.decode()
    doc.refresh_from_db()
    assert doc.current_file is None
    ok = client.post(
        reverse("register:document_upload", kwargs={"code": doc.code}), {"file-file": pdf()}
    )
    assert ok.status_code == 302
    doc.refresh_from_db()
    assert doc.current_file.revision == 1


# -- roles --------------------------------------------------------------------------------------


def test_legal_edits_contracts_but_not_services(client, personas):
    client.force_login(personas["legal"])
    assert client.get(reverse("register:document_create")).status_code == 200
    assert client.get(reverse("register:service_create")).status_code == 403
    client.force_login(personas["examiner"])
    assert client.get(reverse("register:document_create")).status_code == 403
    assert client.get(reverse("register:service_list")).status_code == 200


# -- the dashboard ------------------------------------------------------------------------------


def test_dashboard_figures_link_to_filtered_lists(
    client, personas, register, django_assert_num_queries
):
    client.force_login(personas["examiner"])
    _en(client)
    response = client.get(reverse("register:dashboard"))
    html = _page(response)
    figures = response.context["figures"]
    assert figures.total == 3 and figures.material_total == 1 and figures.unclassified == 1
    assert [(r.csp_name, r.count, r.material) for r in figures.concentration] == [
        ("Nimbus", 2, 1),
        ("Formosa", 1, 0),
    ]
    list_url = reverse("register:service_list")
    assert f'href="{list_url}?classification=domestic&amp;stage=before_use"' in html
    assert f'href="{list_url}?csp={register["nimbus"].code}"' in html
    assert f'href="{list_url}?csp={register["nimbus"].code}&amp;material=yes"' in html
    assert 'data-testid="concentration-chart"' in html and "<rect" in html
    assert "66.7%" in html  # Nimbus's share
    # Each linked figure is what the list shows.
    assert _names(client, classification="domestic", stage="before_use") == ["Archive"]


def test_dashboard_query_count_does_not_grow(client, personas, register):
    client.force_login(personas["examiner"])
    url = reverse("register:dashboard")
    client.get(url)
    before = _queries(client, url)
    # The alert window, the classification x stage grid, stale, concentration and the CSPs'
    # names, and the deadlines of certificates and of documents (none to count coverage for).
    assert _register_queries(before) == 7
    for i in range(15):
        csp = CSPFactory()
        service_with(name=f"More {i}", csp=csp, locations=["TW"])
        CertificationFactory(csp=csp, expiry_date=timezone.localdate() + dt.timedelta(days=i))
    after = _queries(client, url)
    assert len(after) == len(before)
    assert _register_queries(after) == 7


def test_pages_render_for_every_reader(client, personas, register):
    doc = Document.objects.create(kind="sla", title="SLA", csp=register["nimbus"])
    cert = CertificationFactory(csp=register["nimbus"])
    urls = [
        reverse("register:dashboard"),
        reverse("register:deadlines") + "?when=overdue",
        reverse("register:institution"),
        reverse("register:csp_list"),
        reverse("register:csp_detail", kwargs={"code": register["nimbus"].code}),
        reverse("register:document_list") + "?due=soon",
        reverse("register:document_detail", kwargs={"code": doc.code}),
    ]
    client.force_login(personas["examiner"])
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(personas["governance_officer"])
    edit_urls = [
        reverse(
            "register:certification_edit",
            kwargs={"code": register["nimbus"].code, "cert": cert.code},
        ),
        reverse("register:reliance_edit", kwargs={"code": register["a"].code}),
        reverse("register:dependency_add", kwargs={"code": register["a"].code}),
        reverse("register:location_add", kwargs={"code": register["a"].code}),
    ]
    for url in edit_urls:
        assert client.get(url).status_code == 200, url


def test_the_service_page_asks_for_its_deadlines_which_list_every_app_s_items(client, personas):
    service = _rich_service(personas)
    svc.document_create(
        actor=personas["legal"],
        kind="sla",
        title="SLA expiring",
        csp=service.csp,
        services=[service],
        expiry_date=timezone.localdate() + dt.timedelta(days=5),
    )
    client.force_login(personas["examiner"])
    due_url = reverse("register:service_due", kwargs={"code": service.code})
    page = client.get(reverse("register:service_detail", kwargs={"code": service.code}))
    assert f'hx-get="{due_url}"' in page.content.decode()
    partial = client.get(due_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "SLA expiring" in partial.content.decode()
    assert "<html" not in partial.content.decode()  # the fragment only
    whole = client.get(due_url)  # without JavaScript: a page of its own
    assert "<html" in whole.content.decode() and "SLA expiring" in whole.content.decode()
    client.logout()
    assert client.get(due_url).status_code == 302  # signed-in only
