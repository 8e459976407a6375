"""The pre-use assessment's services, with the manual's own examples where it has them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from factories_assessments import (
    complete,
    csp,
    document,
    institution,
    judged,
    no_incident,
    pdf,
    row,
    service,
    start,
)

from fincloud.assessments import checklist
from fincloud.assessments import services as svc
from fincloud.assessments.models import (
    Assessment,
    DueDiligenceAnswer,
    ReevaluationFlag,
)
from fincloud.assessments.readiness import readiness
from fincloud.assessments.selectors import evidence_counts
from fincloud.auditlog.models import AuditEvent
from fincloud.determinations.services import current_determinations
from fincloud.register import services as register
from fincloud.register.models import Certification, CloudService
from fincloud.rules.countries import FAQ10_ASSESSED
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError

pytestmark = pytest.mark.django_db

ALL_ROWS = (
    "10.I.1 10.I.2 10.I.3 10.I.4 10.I.5 10.I.6 10.I.7 10.I.8 10.I.9 10.I.10 10.II "
    "18.II.6 17.I.3 17.I.5 18.I.4.3.1 18.I.4.3.2 18.I.5 18.I.6 19.3 19.4 19.5 19.6.1"
).split()
EVERY = [r for r in ALL_ROWS if r.startswith(("10.", "19."))]


@pytest.fixture(autouse=True)
def _english():
    # The messages asserted below are the English source strings; another test in the same
    # worker may have left a language active.
    with translation.override("en"):
        yield


@pytest.fixture
def setup(personas):
    institution()
    provider = csp()
    return personas, provider, personas["governance_officer"].unit


def _rows(a: Assessment) -> list[str]:
    return list(
        a.contract_rows.filter(applicable=True).order_by("order").values_list("row", flat=True)
    )


# -- start -----------------------------------------------------------------------------------


def test_start_generates_the_backbone_and_lists_from_the_catalog(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, countries=("JP", "VN"))
    register.sub_processor_add(
        actor=None,
        service=srv,
        name="Backup Co",
        country="SG",
        function="backups",
        locations=[register.LocationInput("AU")],
    )
    a = svc.assessment_start(actor=personas["governance_officer"], service=srv)
    assert [x.item_id for x in a.checklist_answers.order_by("id")] == [
        i.id for i in checklist.before_use_items()
    ]
    assert "".join(a.materiality_ratings.order_by("factor").values_list("factor", flat=True)) == (
        "abcdefg"
    )
    assert [r.catalog_id for r in a.risks.order_by("order")] == [
        n.id for n in checklist.risk_items()
    ]
    assert a.risks.get(catalog_id="ch2.2.risk.j").title == "雲端服務集中度"
    assert a.due_diligence_answers.count() == 15
    # every country, the sub-processor's included (Ch 1.2, Ch 9.2 (c))
    assert sorted(a.location_reviews.values_list("country", flat=True)) == ["AU", "JP", "VN"]
    assert a.unit == srv.unit and a.version == 1 and a.state == State.DRAFT
    assert AuditEvent.objects.filter(object_id=str(a.code), action="create").exists()


def test_one_assessment_per_service_and_version(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    svc.assessment_start(actor=personas["governance_officer"], service=srv)
    with pytest.raises(ValidationError) as exc:
        svc.assessment_start(actor=personas["governance_officer"], service=srv)
    assert exc.value.message_dict["service"][0].startswith("Service: an assessment of this")


def test_only_the_governance_officer_prepares(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    with pytest.raises(ValidationError) as exc:
        svc.assessment_start(actor=personas["risk"], service=srv)
    assert exc.value.code == "permission"


# -- scope, classification, Annex 3 rows (RULES.md §1, §2, §4) --------------------------------


@pytest.mark.parametrize(
    "case",
    [
        # classification 1: every row of Annex 3
        (("JP",), True, True, "material_consumer_finance_offshore", ALL_ROWS),
        # classification 2: every in-scope row and the offshore rows
        (("JP",), True, False, "material_offshore", [*EVERY[:11], "17.I.3", "17.I.5", *EVERY[11:]]),
        # classification 3: a non-material consumer-finance system is still class 3, no 18.II.6
        (
            ("JP",),
            False,
            True,
            "non_material_offshore",
            [*EVERY[:11], "17.I.3", "17.I.5", *EVERY[11:]],
        ),
        # classification 4
        (("TW",), False, False, "domestic", EVERY),
        # a domestic material consumer-finance service: 18.II.6 too (RULES.md §4, stricter reading)
        (("TW",), True, True, "domestic", [*EVERY[:11], "18.II.6", *EVERY[11:]]),
    ],
)
def test_classification_and_exactly_the_annex3_rows_that_apply(setup, case):
    countries, material, consumer_finance, classification, rows = case
    personas, provider, unit = setup
    srv = service(provider, unit, countries=countries, consumer_finance=consumer_finance)
    a = start(personas, srv, material=material)
    dets = current_determinations(a)
    assert dets["classification"].outcome == classification
    assert _rows(a) == rows
    srv.refresh_from_db()
    assert srv.classification == classification
    assert srv.classification_determination == dets["classification"]
    assert dets["classification"].rule_version.startswith("rules-")
    assert dets["classification"].citations
    if classification == "domestic" and material and consumer_finance:
        text = " ".join(dets["contract_rows"].explanation_en)
        assert "stricter reading" in text


def test_domestic_material_consumer_finance_18_ii_6_can_be_judged_not_applicable(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, countries=("TW",), consumer_finance=True)
    a = start(personas, srv, material=True)
    r = row(a, "18.II.6")
    with pytest.raises(ValidationError) as exc:
        svc.contract_row_save(actor=personas["legal"], row=r, judgement="not_applicable")
    assert "na_reason" in exc.value.message_dict
    svc.contract_row_save(
        actor=personas["legal"],
        row=r,
        judgement="not_applicable",
        na_reason="§18 speaks of offshore processing; the system stays in Taiwan",
    )
    assert row(a, "18.II.6").judgement == "not_applicable"


def test_in_scope_without_judgement_computes_scope_but_no_classification(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = start(personas, srv, material=None)
    dets = current_determinations(a)
    assert set(dets) == {"scope", "locations"}
    assert _rows(a) == []
    assert any(p.code == "judgement" for p in readiness(a).blockers)


def test_out_of_scope_exclusion_has_no_rows(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, exclusion="video_conferencing")
    a = start(personas, srv, material=None)
    assert current_determinations(a)["classification"].outcome == "out_of_scope"
    assert _rows(a) == []


def test_without_an_institution_profile_the_rule_inputs_are_refused(personas):
    provider = csp()
    srv = service(provider, personas["governance_officer"].unit)
    a = svc.assessment_start(actor=personas["governance_officer"], service=srv)
    with pytest.raises(ValidationError) as exc:
        svc.assessment_evaluate(actor=personas["governance_officer"], assessment=a)
    assert "institution" in exc.value.message_dict


# -- locations (RULES.md §5, the FAQ-10 list) -------------------------------------------------


def test_every_faq10_country_needs_no_data_protection_assessment(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, countries=tuple(sorted(FAQ10_ASSESSED)))
    a = start(personas, srv, material=False)
    assert current_determinations(a)["locations"].outcome["locations_needing_assessment"] == []
    assert not [p for p in readiness(a).blockers if p.code == "data_protection"]


def test_offshore_country_off_the_list_demands_the_assessment(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, countries=("JP", "VN"))
    a = start(personas, srv, material=False)
    blockers = [p for p in readiness(a).blockers if p.code == "data_protection"]
    assert len(blockers) == 1 and "VN" in blockers[0].message
    svc.location_review_save(
        actor=personas["governance_officer"],
        review=a.location_reviews.get(country="VN"),
        data_protection_assessment="Vietnam's PDPD reviewed against the PDPA",
    )
    assert not [p for p in readiness(a).blockers if p.code == "data_protection"]


def test_the_faq_list_is_configurable(setup):
    personas, provider, unit = setup
    svc.settings_save(actor=personas["risk"], faq_countries=["VN"])
    srv = service(provider, unit, countries=("JP", "VN"))
    a = start(personas, srv, material=False)
    assert current_determinations(a)["locations"].outcome["locations_needing_assessment"] == ["JP"]
    with pytest.raises(ValidationError) as exc:
        svc.settings_save(actor=personas["risk"], faq_countries=["vn"])
    assert "faq_countries" in exc.value.message_dict


def test_classification_1_needs_stability_of_every_location_listed_or_not(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, countries=("JP", "SG"), consumer_finance=True)
    a = start(personas, srv, material=True)
    stability = [p for p in readiness(a).blockers if p.code == "stability"]
    assert sorted(p.message.split()[1].rstrip(":") for p in stability) == ["JP", "SG"]


# -- materiality (Ch 2.2) ----------------------------------------------------------------------


def test_judgement_needs_all_factors_and_a_reason_and_keeps_the_proposal(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = svc.assessment_start(actor=personas["governance_officer"], service=srv)
    with pytest.raises(ValidationError) as exc:
        svc.materiality_judge(actor=personas["risk"], assessment=a, material=True, reason="x")
    assert "(a) (b) (c) (d) (e) (f) (g)" in exc.value.message_dict["material"][0]
    svc.materiality_save_factors(
        actor=personas["risk"],
        assessment=a,
        ratings={f: ("medium", "note") for f in "abcdefg"},
    )
    with pytest.raises(ValidationError) as exc:
        svc.materiality_judge(actor=personas["risk"], assessment=a, material=False, reason=" ")
    assert "reason" in exc.value.message_dict
    # three or more medium: the system proposes material; the person overrides, with a reason
    det = svc.materiality_judge(
        actor=personas["risk"], assessment=a, material=False, reason="spend is small"
    )
    assert det.outcome is True and det.confirmed_outcome is False and det.overridden
    assert det.reason == "spend is small"
    assert any("differs from the proposal" in line for line in det.explanation_en)
    a.refresh_from_db()
    assert a.material is False and a.exposure_snapshot["services"] == 1


def test_only_risk_rates_materiality(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    with pytest.raises(ValidationError):
        svc.materiality_save_factors(
            actor=personas["governance_officer"], assessment=a, ratings={"a": ("high", "x")}
        )


def test_growth_of_the_same_csp_flags_a_reevaluation_and_a_due_item(setup):
    from fincloud.web.due import DueQuery, collect

    personas, provider, unit = setup
    srv = service(provider, unit, annual_spend_twd=1_000_000, data_records=1000)
    a = judged(
        svc.assessment_start(actor=personas["governance_officer"], service=srv),
        personas,
        material=False,
    )
    assert svc.reevaluation_scan() == []
    # one more service with the same CSP: the outsourcing to it grew (Ch 2.2); registering
    # it is enough for the flag to appear
    service(provider, unit, name="Second service")
    flags = list(ReevaluationFlag.objects.filter(resolved_at__isnull=True))
    assert [f.reason for f in flags] == ["exposure"]
    assert flags[0].details[0] == {"kind": "services", "before": "1", "after": "2"}
    assert svc.reevaluation_scan() == []  # idempotent
    items = [i for i in collect(DueQuery()) if i.kind == "materiality_reevaluation"]
    assert len(items) == 1 and items[0].service_code == str(srv.code)
    # a new judgement answers the flag
    judged(Assessment.objects.get(pk=a.pk), personas, material=False)
    assert not ReevaluationFlag.objects.filter(resolved_at__isnull=True).exists()


def test_more_records_with_the_same_csp_flags_a_reevaluation(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, data_records=1000)
    judged(
        svc.assessment_start(actor=personas["governance_officer"], service=srv),
        personas,
        material=False,
    )
    register.service_update(actor=None, service=srv, data_records=1200)  # +20%: below 25%
    assert not ReevaluationFlag.objects.exists()
    register.service_update(actor=None, service=srv, data_records=1300)  # +30%
    flag = ReevaluationFlag.objects.get()
    assert flag.details == [{"kind": "data_volume", "before": "1000", "after": "1300"}]


def test_thresholds_decide_what_growth_counts(setup):
    personas, provider, unit = setup
    svc.settings_save(actor=personas["risk"], services_increase=3)
    srv = service(provider, unit)
    judged(
        svc.assessment_start(actor=personas["governance_officer"], service=srv),
        personas,
        material=False,
    )
    service(provider, unit, name="Second service")
    assert svc.reevaluation_scan() == []


def test_a_change_of_the_nature_of_the_work_flags_a_reevaluation(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    judged(
        svc.assessment_start(actor=personas["governance_officer"], service=srv),
        personas,
        material=False,
    )
    # the register's update sends service_inputs_changed; our receiver scans
    register.service_update(actor=None, service=srv, consumer_finance_system=True)
    flag = ReevaluationFlag.objects.get(resolved_at__isnull=True)
    assert flag.reason == "nature"
    assert flag.details[0]["kind"] == "consumer_finance_system"


def test_register_input_change_makes_our_determinations_stale(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = start(personas, srv, material=False)
    register.location_add(actor=None, service=srv, country="VN")
    assert current_determinations(a)["classification"].stale
    assert any(p.code == "stale" for p in readiness(a).blockers)


# -- risks (Ch 2.2 mechanism) -----------------------------------------------------------------


def test_risk_rules(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    seeded = a.risks.first()
    with pytest.raises(ValidationError) as exc:
        svc.risk_update(actor=personas["risk"], risk=seeded, likelihood=3)
    assert "impact" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.risk_update(actor=personas["risk"], risk=seeded, likelihood=6, impact=1)
    assert "likelihood" in exc.value.message_dict
    with pytest.raises(ValidationError):
        svc.risk_remove(actor=personas["risk"], risk=seeded)
    # high inherent rating: treatment, plan and residual rating needed (mechanism (a), (d))
    svc.risk_update(
        actor=personas["risk"], risk=seeded, likelihood=4, impact=4, owner=personas["risk"]
    )
    msgs = [p.message for p in readiness(a).blockers if p.code == "untreated"]
    assert len(msgs) == 1 and seeded.display_title("en") in msgs[0]
    svc.risk_update(
        actor=personas["risk"],
        risk=seeded,
        treatment="mitigate",
        treatment_plan="exit plan tested yearly",
        residual_likelihood=2,
        residual_impact=2,
        due_date=timezone.localdate() + dt.timedelta(days=60),
    )
    assert not [p for p in readiness(a).blockers if p.code == "untreated"]
    own = svc.risk_add(actor=personas["risk"], assessment=a, title="Vendor lock-in")
    svc.risk_remove(actor=personas["risk"], risk=own)


# -- due diligence (Ch 3.1) ------------------------------------------------------------------


def test_security_items_are_answered_by_security(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    g = a.due_diligence_answers.get(item_id="ch3.1.g")
    with pytest.raises(ValidationError) as exc:
        svc.due_diligence_answer_save(
            actor=personas["governance_officer"], answer=g, result="satisfactory"
        )
    assert "security officer" in exc.value.messages[0]
    svc.due_diligence_answer_save(actor=personas["security"], answer=g, result="satisfactory")
    c = a.due_diligence_answers.get(item_id="ch3.1.c")
    with pytest.raises(ValidationError):
        svc.due_diligence_answer_save(actor=personas["security"], answer=c, result="satisfactory")


def test_answers_need_evidence(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    c = a.due_diligence_answers.get(item_id="ch3.1.c")
    svc.due_diligence_answer_save(
        actor=personas["governance_officer"], answer=c, result="satisfactory"
    )
    assert any(p.code == "evidence" and "(c)" in p.message for p in readiness(a).blockers)
    svc.due_diligence_evidence_attach(
        actor=personas["governance_officer"], answer=c, upload=pdf(), title="financials"
    )
    assert not any(p.code == "evidence" and "(c)" in p.message for p in readiness(a).blockers)


def test_expired_certificate_blocks_and_expiring_warns(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = complete(start(personas, srv, material=False), personas)
    assert readiness(a).blockers == []
    start_date = a.planned_start
    cert = register.certification_add(
        actor=None,
        csp=provider,
        standard=Certification.Standard.SOC2,
        number="SOC2-1",
        scope="all",
        issuer="Auditor",
        expiry_date=start_date - dt.timedelta(days=1),
    )
    blockers = readiness(a).blockers
    assert [p.code for p in blockers] == ["cert_expired"]
    assert "SOC 2" in blockers[0].message and f"{start_date:%Y-%m-%d}" in blockers[0].message
    with pytest.raises(WorkflowError) as exc:
        svc.assessment_submit(actor=personas["governance_officer"], assessment=a)
    assert "SOC 2" in exc.value.messages[0]
    Certification.objects.filter(pk=cert.pk).update(expiry_date=start_date + dt.timedelta(days=10))
    report = readiness(a)
    assert report.blockers == [] and [p.code for p in report.warnings] == ["cert_expiring"]


# -- contract checklist (Annex 3, Ch 3.3) -------------------------------------------------------


def test_contract_row_rules(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = start(personas, srv, material=False)
    legal = personas["legal"]
    # only cooperation rows (Annex 3 part 2) may be tailored
    with pytest.raises(ValidationError) as exc:
        svc.contract_row_save(
            actor=legal,
            row=row(a, "10.I.1"),
            judgement="compliant",
            tailored=True,
            tailoring_reason="x",
        )
    assert "10.I.1" in exc.value.message_dict["tailored"][0]
    with pytest.raises(ValidationError) as exc:
        svc.contract_row_save(actor=legal, row=row(a, "19.3"), judgement="compliant", tailored=True)
    assert "tailoring_reason" in exc.value.message_dict
    # a document of another CSP cannot cover the row
    other = csp(name="Other Cloud")
    foreign = document(other, [], title="Other MSA")
    with pytest.raises(ValidationError) as exc:
        svc.contract_row_save(
            actor=legal, row=row(a, "10.I.1"), judgement="compliant", documents=[foreign]
        )
    assert "Other MSA" in exc.value.message_dict["documents"][0]
    # only legal judges rows
    with pytest.raises(ValidationError):
        svc.contract_row_save(
            actor=personas["governance_officer"], row=row(a, "10.I.1"), judgement="compliant"
        )


def test_not_compliant_row_without_assessment_or_measure_blocks_submission_naming_the_row(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = complete(start(personas, srv, material=False), personas)
    legal = personas["legal"]
    r = row(a, "10.I.5")
    svc.contract_row_save(actor=legal, row=r, judgement="not_compliant")
    with pytest.raises(WorkflowError) as exc:
        svc.assessment_submit(actor=personas["governance_officer"], assessment=a)
    assert "10.I.5" in exc.value.messages[0] and "Ch 3.3" in exc.value.messages[0]
    svc.contract_row_save(
        actor=legal,
        row=r,
        judgement="not_compliant",
        impact_assessment="complaints could go unanswered",
        significant_impact=True,
    )
    assert [p.code for p in readiness(a).blockers] == ["nc_without_measure"]
    with pytest.raises(ValidationError) as exc:
        svc.measure_add(
            actor=legal,
            row=r,
            kind="a",
            description="hotline",
            owner=legal,
            due_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "due_date" in exc.value.message_dict
    svc.measure_add(
        actor=legal,
        row=r,
        kind="a",
        description="complaint hotline with immediate notice",
        owner=legal,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    assert readiness(a).blockers == []
    # a measure belongs to a 未符合 row only
    with pytest.raises(ValidationError):
        svc.measure_add(
            actor=legal,
            row=row(a, "10.I.1"),
            kind="c",
            description="x",
            owner=legal,
            due_date=timezone.localdate(),
        )


def test_not_compliant_without_significant_impact_needs_no_measure(setup):
    personas, provider, unit = setup
    a = complete(start(personas, service(provider, unit), material=False), personas)
    svc.contract_row_save(
        actor=personas["legal"],
        row=row(a, "10.I.9"),
        judgement="not_compliant",
        impact_assessment="the CSP runs no loan marketing for us",
        significant_impact=False,
    )
    assert readiness(a).blockers == []


# -- approval -----------------------------------------------------------------------------------


def test_submit_self_approval_refused_second_person_approves_and_service_enters_use(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = complete(start(personas, srv, material=False), personas)
    gov = personas["governance_officer"]
    a = svc.assessment_submit(actor=gov, assessment=a)
    assert a.state == State.SUBMITTED
    with pytest.raises(ValidationError):
        svc.assessment_update_suitability(actor=gov, assessment=a, multi_cloud="frozen")
    with pytest.raises(WorkflowError) as exc:
        svc.assessment_approve(actor=gov, assessment=a)
    assert exc.value.code in {"sod_preparer", "not_approver"}
    a = svc.assessment_approve(actor=personas["approver"], assessment=a, comment="ok")
    srv.refresh_from_db()
    assert a.state == State.APPROVED
    assert srv.stage == "in_use" and srv.use_approval_id == str(a.pk)


def test_a_preparer_who_is_also_an_approver_cannot_approve(setup):
    from django.contrib.auth.models import Group

    personas, provider, unit = setup
    gov = personas["governance_officer"]
    gov.groups.add(Group.objects.get_or_create(name="approver")[0])
    gov.approves_for.add(unit)
    gov = type(gov).objects.get(pk=gov.pk)
    a = complete(start(personas, service(provider, unit), material=False), personas)
    a = svc.assessment_submit(actor=gov, assessment=a)
    with pytest.raises(WorkflowError) as exc:
        svc.assessment_approve(actor=gov, assessment=a)
    assert exc.value.code == "sod_preparer"
    assert AuditEvent.objects.filter(object_id=str(a.code), action="denied").exists()


def test_approval_rechecks_blockers(setup):
    personas, provider, unit = setup
    a = complete(start(personas, service(provider, unit), material=False), personas)
    a = svc.assessment_submit(actor=personas["governance_officer"], assessment=a)
    # the certificate expires between submission and approval
    Certification.objects.update(expiry_date=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(WorkflowError) as exc:
        svc.assessment_approve(actor=personas["approver"], assessment=a)
    assert exc.value.code == "blocked"
    assert Assessment.objects.get(pk=a.pk).state == State.SUBMITTED


def test_new_version_carries_over_and_supersedes_on_approval(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = complete(start(personas, srv, material=False), personas)
    svc.contract_row_save(
        actor=personas["legal"],
        row=row(a, "10.I.5"),
        judgement="not_compliant",
        impact_assessment="disputes",
        significant_impact=True,
    )
    svc.measure_add(
        actor=personas["legal"],
        row=row(a, "10.I.5"),
        kind="b",
        description="independent monitor",
        owner=personas["legal"],
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    a = svc.assessment_approve(
        actor=personas["approver"],
        assessment=svc.assessment_submit(actor=personas["governance_officer"], assessment=a),
    )
    v2 = svc.assessment_new_version(actor=personas["governance_officer"], assessment=a)
    assert v2.contract_rows.get(row="10.I.5").measures.get().kind == "b"
    assert row(a, "10.I.5").measures.count() == 1
    assert v2.version == 2 and v2.supersedes_id == a.pk and v2.state == State.DRAFT
    assert v2.checklist_answers.count() == 13
    assert v2.contract_rows.get(row="10.I.1").documents.count() == 1
    dd = v2.due_diligence_answers.get(item_id="ch3.1.a")
    assert evidence_counts(DueDiligenceAnswer, [dd.pk]) == {dd.pk: 1}
    # the old version's rows are untouched
    assert a.checklist_answers.count() == 13
    # determinations are computed again for the new version
    svc.assessment_evaluate(actor=personas["governance_officer"], assessment=v2)
    v2 = svc.assessment_approve(
        actor=personas["approver"],
        assessment=svc.assessment_submit(actor=personas["governance_officer"], assessment=v2),
    )
    assert Assessment.objects.get(pk=a.pk).state == State.SUPERSEDED
    srv.refresh_from_db()
    assert srv.use_approval_id == str(v2.pk)


def test_classification_1_waits_for_the_regulator(setup):
    personas, provider, unit = setup
    srv = service(provider, unit, consumer_finance=True)
    a = complete(start(personas, srv, material=True), personas)
    blockers = [p.code for p in readiness(a).blockers]
    assert blockers == ["no_incident"]
    svc.no_incident_save(
        actor=personas["governance_officer"], assessment=a, document=no_incident(srv)
    )
    a = svc.assessment_approve(
        actor=personas["approver"],
        assessment=svc.assessment_submit(actor=personas["governance_officer"], assessment=a),
    )
    srv.refresh_from_db()
    assert srv.stage == "before_use"  # §18 I: the regulator approves first
    gov = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        svc.filing_mark_ready(actor=gov, assessment=a)
    assert "18.I.6" in exc.value.messages[0]
    for item in a.filing_items.filter(active=True):
        svc.filing_evidence_attach(actor=gov, item=item, upload=pdf(), title=item.title)
    a = svc.filing_mark_ready(actor=gov, assessment=a)
    with pytest.raises(ValidationError):
        svc.filing_record_regulator_approval(
            actor=gov, assessment=a, approved_on=timezone.localdate(), reference="FSC-1"
        )
    a = svc.filing_record_filed(actor=gov, assessment=a, filed_on=timezone.localdate())
    svc.filing_record_regulator_approval(
        actor=gov, assessment=a, approved_on=timezone.localdate(), reference="FSC-1"
    )
    srv.refresh_from_db()
    assert srv.stage == "in_use"


def test_filing_lists_the_section_18_rows_and_the_institutions_items(setup):
    personas, provider, unit = setup
    svc.institution_filing_item_add(actor=personas["governance_officer"], title="Board resolution")
    srv = service(provider, unit, consumer_finance=True)
    a = start(personas, srv, material=True)
    items = list(a.filing_items.filter(active=True).order_by("order"))
    assert [i.row for i in items if i.source == "annex3"] == list(checklist.FILING_ROWS)
    assert [i.title for i in items if i.source == "institution"] == ["Board resolution"]
    missing = svc.filing_missing(a)
    assert len(missing) == 5


def test_filing_is_only_for_classification_1(setup):
    personas, provider, unit = setup
    a = start(personas, service(provider, unit), material=False)
    with pytest.raises(ValidationError) as exc:
        svc.filing_mark_ready(actor=personas["governance_officer"], assessment=a)
    assert exc.value.code == "not_class_1"


# -- foreign-bank branch relying on its head office (Ch 9.1) ----------------------------------


def test_branch_relying_on_head_office_needs_its_contract_and_auditor_assessment(personas):
    institution("foreign_bank_branch")
    provider = csp()
    unit = personas["governance_officer"].unit
    srv = service(provider, unit)
    register.reliance_save(
        actor=None,
        service=srv,
        responsible_kind="head_office",
        responsible_name="Head Office, Frankfurt",
        branch_contact=personas["governance_officer"],
    )
    srv = CloudService.objects.get(pk=srv.pk)
    a = complete(start(personas, srv, material=False), personas)
    codes = {p.code for p in readiness(a).blockers}
    assert codes == {"contract", "auditor"}
    contract = document(provider, [srv], title="Head office MSA", sub_outsourcing=True)
    register.reliance_save(
        actor=None,
        service=srv,
        head_office_contract=contract,
        auditor_name="Group Internal Audit",
        auditor_independent=True,
        auditor_qualifications=["CISSP", "CCSP"],
        auditor_assessment="reports to the group audit committee; CISSP and CCSP holders",
    )
    a = Assessment.objects.get(pk=a.pk)
    assert readiness(a).blockers == []
    # the head office's contract may cover the rows, and due diligence may come from head office
    assert contract in svc.documents_for(a)
    dd = a.due_diligence_answers.get(item_id="ch3.1.a")
    svc.due_diligence_answer_save(
        actor=personas["governance_officer"],
        answer=dd,
        result="satisfactory",
        from_head_office=True,
    )


def test_from_head_office_needs_a_reliance(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    dd = a.due_diligence_answers.get(item_id="ch3.1.a")
    with pytest.raises(ValidationError) as exc:
        svc.due_diligence_answer_save(
            actor=personas["governance_officer"],
            answer=dd,
            result="satisfactory",
            from_head_office=True,
        )
    assert "from_head_office" in exc.value.message_dict


# -- the Annex 2 backbone -----------------------------------------------------------------------


def test_answer_items_need_evidence_and_section_items_follow_their_section(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    gov = personas["governance_officer"]
    log = a.checklist_answers.get(item_id="a2.before.2.4")  # 日誌紀錄保存機制
    svc.checklist_answer_save(actor=gov, answer=log, status="done", answer_text="kept 1 year")
    name = next(i for i in checklist.before_use_items() if i.id == "a2.before.2.4").text_en
    assert any(p.code == "evidence" and name in p.message for p in readiness(a).blockers)
    with translation.override("zh-hant"):
        assert any("日誌紀錄保存機制" in p.message for p in readiness(a).blockers)
    loc = a.checklist_answers.get(item_id="a2.before.1.1")
    with pytest.raises(ValidationError) as exc:
        svc.checklist_answer_save(actor=gov, answer=loc, status="done")
    assert exc.value.error_dict["status"][0].code == "section"
    with pytest.raises(ValidationError):
        svc.checklist_answer_save(actor=gov, answer=log, status="not_applicable")


# -- vendor comparison (Annex 4) -------------------------------------------------------------


def test_annex4_example_loads_once_with_every_row_and_stays_read_only(setup):
    personas, *_ = setup
    first = svc.comparison_load_a4_example()
    again = svc.comparison_load_a4_example()
    assert first.pk == again.pk
    assert first.rows == ALL_ROWS
    assert [v.label for v in first.vendors.order_by("order")] == ["廠商 A", "廠商 B", "廠商 C"]
    cell = first.vendors.get(label="廠商 B").cells.get(row="10.I.1")
    assert cell.documents == "FSCMA、CDPA、SLA、SST"
    assert cell.documents_en
    assert "僅供參考" in first.description
    with pytest.raises(ValidationError):
        svc.comparison_cell_save(
            actor=personas["legal"], vendor=first.vendors.first(), row="10.I.1", remarks="x"
        )


def test_comparison_needs_two_vendors_and_known_rows(setup):
    personas, provider, _unit = setup
    with pytest.raises(ValidationError) as exc:
        svc.comparison_create(
            actor=personas["legal"], title="RFP", rows=["10.I.1"], vendors=[("A", None)]
        )
    assert "vendors" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.comparison_create(
            actor=personas["legal"],
            title="RFP",
            rows=["10.I.99"],
            vendors=[("A", None), ("B", None)],
        )
    assert "10.I.99" in exc.value.message_dict["rows"][0]
    c = svc.comparison_create(
        actor=personas["legal"],
        title="RFP",
        rows=["19.3", "10.I.1"],
        vendors=[("Example Cloud", provider), ("B", None)],
    )
    assert c.rows == ["10.I.1", "19.3"]  # the manual's order
    vendor = c.vendors.get(label="B")
    with pytest.raises(ValidationError):
        svc.comparison_cell_save(
            actor=personas["legal"], vendor=vendor, row="10.I.1", judgement="not_applicable"
        )
    svc.comparison_cell_save(
        actor=personas["legal"],
        vendor=vendor,
        row="10.I.1",
        judgement="compliant",
        documents="MSA §2",
    )
    with pytest.raises(ValidationError):
        svc.comparison_vendor_add(actor=personas["legal"], comparison=c, label="B")


def test_comparison_from_an_assessment_fills_the_assessed_csp(setup):
    personas, provider, unit = setup
    a = complete(start(personas, service(provider, unit), material=False), personas)
    c = svc.comparison_from_assessment(actor=personas["legal"], assessment=a, title="Alternatives")
    assert c.rows == _rows(a)
    cell = c.vendors.get().cells.get(row="10.I.1")
    assert cell.judgement == "compliant" and cell.documents == "Master agreement"


# -- risk matrix ----------------------------------------------------------------------------


def test_matrix_change_is_a_new_version_and_assessments_keep_theirs(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    old = svc.current_matrix()
    data = old.matrix().to_json()
    data["accept_up_to"] = "low"
    with pytest.raises(ValidationError) as exc:
        svc.risk_matrix_save(actor=personas["risk"], data=data, reason="")
    assert "reason" in exc.value.message_dict
    bad = old.matrix().to_json()
    bad["cells"][4][4] = "low"
    with pytest.raises(ValidationError) as exc:
        svc.risk_matrix_save(actor=personas["risk"], data=bad, reason="x")
    assert "cells[5][5]" in exc.value.messages[0]
    new = svc.risk_matrix_save(actor=personas["risk"], data=data, reason="lower appetite")
    assert new.version == old.version + 1 and new.current
    assert Assessment.objects.get(pk=a.pk).matrix_id == old.pk
    with pytest.raises(ValidationError):
        svc.risk_matrix_save(actor=personas["governance_officer"], data=data, reason="x")


def test_several_items_answered_with_one_report_all_or_nothing(setup):
    personas, provider, unit = setup
    a = svc.assessment_start(actor=personas["governance_officer"], service=service(provider, unit))
    answers = list(a.due_diligence_answers.filter(item_id__in=["ch3.1.a", "ch3.1.b", "ch3.1.g"]))
    # (g) is a security item: the governance officer's batch is refused whole
    with pytest.raises(ValidationError):
        svc.due_diligence_answer_many(
            actor=personas["governance_officer"],
            answers=answers,
            result="satisfactory",
            upload=pdf(),
            title="SOC 2 report",
        )
    assert not a.due_diligence_answers.exclude(result="open").exists()
    assert evidence_counts(DueDiligenceAnswer, [x.pk for x in answers]) == {
        x.pk: 0 for x in answers
    }
    ours = [x for x in answers if x.item_id != "ch3.1.g"]
    assert (
        svc.due_diligence_answer_many(
            actor=personas["governance_officer"],
            answers=ours,
            result="satisfactory",
            upload=pdf(),
            title="SOC 2 report",
        )
        == 2
    )
    assert evidence_counts(DueDiligenceAnswer, [x.pk for x in ours]) == {x.pk: 1 for x in ours}


def test_several_rows_judged_compliant_with_the_same_documents(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = start(personas, srv, material=False)
    doc = document(provider, [srv], title="Commitment letter", kind="commitment_letter")
    rows = list(a.contract_rows.filter(applicable=True))
    n = svc.contract_rows_judge_compliant(actor=personas["legal"], rows=rows, documents=[doc])
    assert n == len(rows) == 17
    assert not [p for p in readiness(a).blockers if p.section == "contract"]


def test_a_newer_revision_of_a_covering_document_warns(setup):
    personas, provider, unit = setup
    srv = service(provider, unit)
    a = start(personas, srv, material=False)
    doc = register.document_create(
        actor=personas["legal"],
        kind="master_agreement",
        title="MSA",
        csp=provider,
        services=[srv],
        upload=register.Upload(file=pdf("msa-r1.pdf")),
    )
    svc.contract_row_save(
        actor=personas["legal"], row=row(a, "10.I.1"), judgement="compliant", documents=[doc]
    )
    r1 = row(a, "10.I.1").revisions.get()
    assert r1.revision == 1
    assert not [p for p in readiness(a).warnings if p.code == "newer_revision"]
    register.document_upload(
        actor=personas["legal"],
        document=doc,
        upload=register.Upload(
            file=SimpleUploadedFile("msa-r2.pdf", b"%PDF-1.4 r2", "application/pdf")
        ),
    )
    warnings = [p for p in readiness(a).warnings if p.code == "newer_revision"]
    assert len(warnings) == 1 and "10.I.1" in warnings[0].message and "MSA" in warnings[0].message
