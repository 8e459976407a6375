"""The register's services: each rule the issue and the manual set, refused with a message that
names the field, and nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override
from factories_register import (
    BN_SEVENTH_DIGIT_SEVEN,
    BN_VALID_BOTH_RULES,
    BN_VALID_NEW_RULE_ONLY,
    CSPFactory,
    InstitutionFactory,
    ServiceFactory,
    pdf,
)

from fincloud.auditlog.models import AuditEvent
from fincloud.determinations.models import Determination
from fincloud.determinations.services import determination_record
from fincloud.identifiers.business_number import checksum, passes
from fincloud.people.services import role_grant_request
from fincloud.register import services as svc
from fincloud.register.models import (
    CloudService,
    CloudServiceProvider,
    Document,
    HeadOfficeReliance,
    Institution,
    ServiceDependency,
    ServiceLocation,
)
from fincloud.register.signals import service_inputs_changed
from fincloud.rules import evaluate_mapping
from fincloud.workflow.services import record_approve, record_submit

pytestmark = pytest.mark.django_db


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# -- the institution and its business number --------------------------------------------------


def test_business_number_test_data_really_covers_each_rule():
    # Old rule (divisible by 10) numbers stay valid; some are valid only under the 2023 rule;
    # some only through the 7th-digit-7 exception.
    assert checksum(BN_VALID_BOTH_RULES) % 10 == 0
    assert passes(BN_VALID_NEW_RULE_ONLY, 5) and not passes(BN_VALID_NEW_RULE_ONLY, 10)
    assert BN_SEVENTH_DIGIT_SEVEN[6] == "7"
    assert checksum(BN_SEVENTH_DIGIT_SEVEN) % 5 != 0
    assert (checksum(BN_SEVENTH_DIGIT_SEVEN) + 1) % 5 == 0


@pytest.mark.parametrize(
    "number", [BN_VALID_BOTH_RULES, BN_VALID_NEW_RULE_ONLY, BN_SEVENTH_DIGIT_SEVEN]
)
def test_institution_accepts_numbers_valid_under_each_rule(personas, number):
    officer = personas["governance_officer"]
    inst = svc.institution_save(
        actor=officer, institution_type="domestic_bank", name_zh="測試銀行", business_number=number
    )
    assert inst.business_number == number
    assert Institution.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "zh", "en"),
    [
        ("86510008", "檢查碼不符", "check rule"),
        ("8651000", "8 位數字", "8 digits"),
        ("8651000A", "只能由數字組成", "digits only"),
    ],
)
def test_institution_refuses_a_bad_business_number_naming_the_rule(personas, number, zh, en):
    officer = personas["governance_officer"]
    for lang, text in (("zh-hant", zh), ("en", en)):
        with override(lang):
            with pytest.raises(ValidationError) as exc:
                svc.institution_save(
                    actor=officer,
                    institution_type="domestic_bank",
                    name_zh="測試銀行",
                    business_number=number,
                )
            assert text in " ".join(errors(exc)["business_number"])
    assert not Institution.objects.exists()


def test_one_institution_row_only(personas):
    officer = personas["governance_officer"]
    svc.institution_save(
        actor=officer,
        institution_type="domestic_bank",
        name_zh="甲",
        business_number=BN_VALID_BOTH_RULES,
    )
    svc.institution_save(actor=officer, name_zh="乙")
    assert Institution.objects.get().name_zh == "乙"
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(
            singleton=2,
            institution_type="domestic_bank",
            name_zh="丙",
            business_number=BN_VALID_BOTH_RULES,
        )


def test_only_the_governance_officer_edits_the_register(personas):
    with pytest.raises(ValidationError) as exc:
        svc.csp_create(actor=personas["risk"], name="X", country="US")
    assert exc.value.code == "permission"
    assert not CloudServiceProvider.objects.exists()


# -- CSPs: the reseller channel (Ch 3.3) ---------------------------------------------------------


def test_reseller_without_addendum_is_refused_and_nothing_saved(personas):
    officer = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        svc.csp_create(
            actor=officer, name="Sakura", country="JP", channel="partner", partner_name="Reseller"
        )
    assert str(svc.RESELLER_NEEDS_ADDENDUM) in errors(exc)["channel"]
    assert not CloudServiceProvider.objects.exists()


def test_reseller_with_commitment_letter_has_it_on_file(personas):
    officer = personas["governance_officer"]
    csp = svc.csp_create(
        actor=officer,
        name="Sakura",
        country="JP",
        channel="partner",
        partner_name="Reseller",
        addendum=svc.Upload(file=pdf("letter.pdf")),
        addendum_kind=Document.Kind.COMMITMENT_LETTER,
    )
    assert svc.csp_has_addendum(csp)
    letter = Document.objects.get(csp=csp)
    assert letter.kind == Document.Kind.COMMITMENT_LETTER
    assert letter.current_file.blob.size > 0


def test_reseller_whose_addendum_file_is_refused_leaves_no_csp(personas):
    officer = personas["governance_officer"]
    bad = pdf("letter.exe")
    with pytest.raises(ValidationError) as exc:
        svc.csp_create(
            actor=officer,
            name="Sakura",
            country="JP",
            channel="partner",
            partner_name="Reseller",
            addendum=svc.Upload(file=bad),
        )
    assert "file" in errors(exc)
    assert not CloudServiceProvider.objects.exists()
    assert not Document.objects.exists()


def test_switching_to_partner_channel_needs_the_addendum(personas):
    officer = personas["governance_officer"]
    csp = svc.csp_create(actor=officer, name="Nimbus", country="US")
    with pytest.raises(ValidationError) as exc:
        svc.csp_update(actor=officer, csp=csp, channel="partner", partner_name="Reseller")
    assert "channel" in errors(exc)
    csp.refresh_from_db()
    assert csp.channel == "direct"


@pytest.mark.parametrize(
    ("country", "message"),
    [("jp", "did you mean JP"), ("XX", "ISO 3166-1 alpha-2"), ("Japan", "ISO")],
)
def test_countries_are_iso_3166_codes(personas, country, message):
    with override("en"):
        with pytest.raises(ValidationError) as exc:
            svc.csp_create(actor=personas["governance_officer"], name="C", country=country)
        assert message in " ".join(errors(exc)["country"])


# -- services, locations, stale determinations --------------------------------------------------


def _service(personas, **kwargs):
    officer = personas["governance_officer"]
    csp = kwargs.pop("csp", None) or svc.csp_create(actor=officer, name="Nimbus", country="US")
    fields = dict(
        name="CRM",
        csp=csp,
        service_model="SaaS",
        business_process="Wealth CRM",
        unit=officer.unit,
        customer_data=True,
        personal_data=True,
    )
    fields.update(kwargs)
    return svc.service_create(actor=officer, **fields)


def test_service_starts_before_use_with_its_locations(personas):
    service = _service(
        personas,
        locations=svc.parse_locations("TW Taipei\n\nJP Tokyo\nID Jakarta"),
    )
    assert service.stage == "before_use"
    assert svc.service_countries(service) == ("ID", "JP", "TW")
    assert AuditEvent.objects.filter(object_id=str(service.code), action="create").exists()


def test_a_bad_location_line_is_named_and_the_service_not_saved(personas):
    with override("en"):
        with pytest.raises(ValidationError) as exc:
            _service(personas, locations=svc.parse_locations("TW Taipei\n\njapan Tokyo"))
        # The third line of the text, not the second location.
        assert "line 3" in errors(exc)["locations"][0]
    assert not CloudService.objects.exists()
    assert not ServiceLocation.objects.exists()


def test_rule_inputs_include_sub_processor_locations(personas):
    InstitutionFactory(institution_type="domestic_bank")
    service = _service(personas, locations=[svc.LocationInput("TW")])
    svc.sub_processor_add(
        actor=personas["governance_officer"],
        service=service,
        name="Mailer",
        country="US",
        function="mail",
        locations=[svc.LocationInput("US", "Virginia")],
    )
    inputs = svc.service_rule_inputs(service, material=False)
    assert inputs["locations"] == ["TW", "US"]
    # Ch 9.2 (c): data a sub-processor handles offshore makes the service offshore.
    assert evaluate_mapping(inputs).offshore is True


def test_rule_inputs_need_the_institution_profile(personas):
    service = _service(personas, locations=[svc.LocationInput("TW")])
    with pytest.raises(ValidationError) as exc:
        svc.service_rule_inputs(service, material=False)
    assert "institution" in errors(exc)


def _classified(personas, *, locations=("JP",), material=False):
    InstitutionFactory()
    officer = personas["governance_officer"]
    service = _service(personas, locations=[svc.LocationInput(c) for c in locations])
    evaluation = evaluate_mapping(svc.service_rule_inputs(service, material=material))
    det = determination_record(subject=service, result=evaluation, actor=officer)
    return svc.service_record_classification(
        service=service,
        actor=officer,
        determination=det,
        in_scope=evaluation.in_scope,
        offshore=evaluation.offshore,
        material=material,
        classification=evaluation.classification,
    )


def test_classification_is_recorded_with_its_determination(personas):
    service = _classified(personas, locations=("JP",), material=False)
    assert service.classification == "non_material_offshore"
    assert service.offshore is True and service.in_scope is True and service.material is False
    assert service.classification_determination.kind == "evaluation"
    assert not service.classification_stale


def test_an_inconsistent_classification_is_refused(personas):
    InstitutionFactory()
    officer = personas["governance_officer"]
    service = _service(personas, locations=[svc.LocationInput("JP")])
    det = determination_record(
        subject=service,
        result=evaluate_mapping(svc.service_rule_inputs(service, material=False)),
        actor=officer,
    )
    with pytest.raises(ValidationError) as exc:
        svc.service_record_classification(
            service=service,
            actor=officer,
            determination=det,
            in_scope=True,
            offshore=True,
            material=False,
            classification="domestic",
        )
    assert "classification" in errors(exc)
    service.refresh_from_db()
    assert service.classification == ""


def test_changing_a_location_makes_the_classification_and_determinations_stale(personas):
    service = _classified(personas)
    seen = []

    def receiver(sender, *, service, fields, actor, **kwargs):
        seen.append((service.pk, fields))

    service_inputs_changed.connect(receiver)
    try:
        svc.location_add(actor=personas["governance_officer"], service=service, country="VN")
    finally:
        service_inputs_changed.disconnect(receiver)
    service.refresh_from_db()
    assert service.classification_stale
    assert Determination.objects.get(subject_id=str(service.pk), current=True).stale
    assert seen == [(service.pk, ["locations"])]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("exclusion", "video_conferencing"),
        ("customer_data", False),
        ("consumer_finance_system", True),
    ],
)
def test_changing_data_categories_or_exclusion_makes_it_stale(personas, field, value):
    service = _classified(personas)
    svc.service_update(actor=personas["governance_officer"], service=service, **{field: value})
    service.refresh_from_db()
    assert service.classification_stale


def test_changing_the_name_does_not(personas):
    service = _classified(personas)
    svc.service_update(actor=personas["governance_officer"], service=service, name="CRM 2")
    service.refresh_from_db()
    assert not service.classification_stale


def test_duplicate_location_is_refused(personas):
    service = _service(personas, locations=[svc.LocationInput("JP", "Tokyo")])
    with pytest.raises(ValidationError) as exc:
        svc.location_add(
            actor=personas["governance_officer"], service=service, country="JP", region="Tokyo"
        )
    assert str(svc.LOCATION_DUPLICATE) in errors(exc)["country"]


# -- stages: only an approved assessment brings a service into use -------------------------------


def _approved_record(personas, service):
    """A real approved ApprovableRecord of the shared workflow (a role grant), standing for
    the assessments app's approved pre-use assessment of ``service``."""
    officer = personas["governance_officer"]
    grant = role_grant_request(actor=officer, grantee=personas["nobody"], role="risk", reason="r")
    record_submit(record=grant, actor=officer)
    record_approve(record=grant, actor=personas["approver"])
    grant.refresh_from_db()
    grant.service_id = service.pk
    return grant


def test_stage_cannot_be_set_by_an_edit(personas):
    service = _service(personas)
    with pytest.raises(ValidationError) as exc:
        svc.service_update(actor=personas["governance_officer"], service=service, stage="in_use")
    assert "stage" in errors(exc)


def test_enter_use_is_refused_without_an_approved_assessment(personas):
    service = _service(personas)
    officer = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        svc.service_enter_use(service=service, actor=officer, assessment=None)
    assert str(svc.ENTER_USE_NEEDS_APPROVED_ASSESSMENT) in errors(exc)["stage"]
    draft = role_grant_request(actor=officer, grantee=personas["nobody"], role="risk", reason="r")
    draft.service_id = service.pk
    with pytest.raises(ValidationError):
        svc.service_enter_use(service=service, actor=officer, assessment=draft)
    service.refresh_from_db()
    assert service.stage == "before_use"


def test_enter_use_is_refused_for_another_services_assessment(personas):
    service = _service(personas)
    other = ServiceFactory()
    approved = _approved_record(personas, other)
    with pytest.raises(ValidationError) as exc:
        svc.service_enter_use(service=service, actor=personas["approver"], assessment=approved)
    assert str(svc.ENTER_USE_WRONG_SERVICE) in errors(exc)["stage"]


def test_enter_use_with_an_approved_assessment_and_leave_only_through_the_exit(personas):
    service = _service(personas)
    approved = _approved_record(personas, service)
    service = svc.service_enter_use(
        service=service, actor=personas["approver"], assessment=approved
    )
    assert service.stage == "in_use"
    assert service.use_approval == approved
    assert service.started_on == timezone.localdate()
    # No shortcut to "after use": only an approved deletion record of the exit moves it (Ch 8.5).
    assert not hasattr(svc, "service_leave_use")
    with pytest.raises(ValidationError) as exc:
        svc.service_enter_after_use(service=service, actor=personas["approver"], record=None)
    assert exc.value.error_dict["stage"][0].code == "no_record"
    with pytest.raises(ValidationError) as exc:
        svc.service_enter_after_use(service=service, actor=personas["approver"], record=approved)
    # The approved pre-use assessment is not a deletion record.
    assert exc.value.error_dict["stage"][0].code == "no_record"
    service.refresh_from_db()
    assert service.stage == "in_use"


def test_the_database_refuses_in_use_without_an_approval(personas):
    service = _service(personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        CloudService.objects.filter(pk=service.pk).update(stage="in_use")


def test_status_rules(personas):
    officer = personas["governance_officer"]
    service = _service(personas)
    with pytest.raises(ValidationError):
        svc.service_set_status(actor=officer, service=service, status="terminated", reason="x")
    svc.service_set_status(actor=officer, service=service, status="cancelled", reason="Dropped")
    with pytest.raises(ValidationError) as exc:
        svc.service_enter_use(
            service=service,
            actor=personas["approver"],
            assessment=_approved_record(personas, service),
        )
    assert "status" in errors(exc)


# -- dependencies, the sub-outsourcing chain ---------------------------------------------------


def test_dependencies_refuse_self_cycles_and_ungrouped_parallels(personas):
    officer = personas["governance_officer"]
    a, b, c = (ServiceFactory(name=n) for n in "abc")
    svc.dependency_add(actor=officer, service=a, depends_on=b)
    svc.dependency_add(actor=officer, service=b, depends_on=c)
    with pytest.raises(ValidationError) as exc:
        svc.dependency_add(actor=officer, service=c, depends_on=a)
    assert exc.value.error_dict["depends_on"][0].code == "cycle"
    with pytest.raises(ValidationError):
        svc.dependency_add(actor=officer, service=a, depends_on=a)
    with pytest.raises(ValidationError) as exc:
        svc.dependency_add(actor=officer, service=a, depends_on=c, kind="parallel")
    assert "redundancy_group" in errors(exc)
    dep = svc.dependency_add(
        actor=officer, service=a, depends_on=c, kind="parallel", redundancy_group="ledger"
    )
    assert dep.kind == ServiceDependency.Kind.PARALLEL
    assert ServiceDependency.objects.count() == 3


def test_sub_processor_chain(personas):
    officer = personas["governance_officer"]
    service = _service(personas)
    top = svc.sub_processor_add(
        actor=officer, service=service, name="Ops", country="SG", function="ops"
    )
    child = svc.sub_processor_add(
        actor=officer, service=service, name="Vault", country="JP", function="backup", parent=top
    )
    assert child.parent == top
    with pytest.raises(ValidationError):
        svc.sub_processor_remove(actor=officer, sub_processor=top)
    other = ServiceFactory()
    with pytest.raises(ValidationError):
        svc.sub_processor_add(
            actor=officer, service=other, name="X", country="US", function="x", parent=top
        )


# -- foreign banks' branches (Ch 9.1) ------------------------------------------------------------


def _reliance_fields(personas, contract=None):
    return dict(
        responsible_kind="head_office",
        responsible_name="Head Office, Singapore",
        branch_contact=personas["governance_officer"],
        head_office_contract=contract,
    )


def test_reliance_refused_for_a_domestic_bank_without_a_foreign_parent(personas):
    InstitutionFactory(institution_type="domestic_bank", head_office_name="")
    service = _service(personas)
    with pytest.raises(ValidationError) as exc:
        svc.reliance_save(
            actor=personas["governance_officer"], service=service, **_reliance_fields(personas)
        )
    assert "responsible_kind" in errors(exc)
    assert not HeadOfficeReliance.objects.exists()


def test_reliance_of_a_branch_with_the_head_office_contract_as_sub_outsourcing(personas):
    InstitutionFactory(institution_type="foreign_bank_branch")
    officer, legal = personas["governance_officer"], personas["legal"]
    service = _service(personas)
    plain = svc.document_create(
        actor=legal, kind="master_agreement", title="Own contract", csp=service.csp
    )
    with pytest.raises(ValidationError) as exc:
        svc.reliance_save(actor=officer, service=service, **_reliance_fields(personas, plain))
    assert "head_office_contract" in errors(exc)
    group = svc.document_create(
        actor=legal,
        kind="master_agreement",
        title="Group agreement",
        csp=service.csp,
        sub_outsourcing=True,
        parties="Head Office; Nimbus",
    )
    fields = _reliance_fields(personas, group)
    fields.update(auditor_name="Group audit", auditor_independent=True)
    with pytest.raises(ValidationError) as exc:
        svc.reliance_save(actor=officer, service=service, **fields)
    assert "auditor_assessment" in errors(exc)
    fields["auditor_assessment"] = "Reports to the board audit committee; CISSP."
    reliance = svc.reliance_save(actor=officer, service=service, **fields)
    assert reliance.auditor_assessed_by == officer
    # The head office's contract now covers the service, so the assessment checks it (Annex 3).
    assert service in group.services.all()
    report = svc.reliance_upload(
        actor=officer,
        reliance=reliance,
        upload=svc.Upload(file=pdf("dd.pdf")),
        kind="due_diligence",
    )
    assert report.kind == "due_diligence"


# -- contracts and documents -------------------------------------------------------------------


def test_notice_deadline_and_revisions(personas):
    legal = personas["legal"]
    service = _service(personas)
    expiry = dt.date(2030, 6, 30)
    doc = svc.document_create(
        actor=legal,
        kind="subscription",
        title="Subscription",
        csp=service.csp,
        services=[service],
        expiry_date=expiry,
        auto_renewal=True,
        notice_period_days=60,
        free_trial_end=dt.date(2030, 1, 31),
        upload=svc.Upload(file=pdf("v1.pdf", b"one")),
    )
    assert doc.notice_deadline == dt.date(2030, 5, 1)
    first = doc.current_file
    second = svc.document_upload(
        actor=legal,
        document=doc,
        upload=svc.Upload(file=pdf("v2.pdf", b"two"), expiry_date=dt.date(2031, 6, 30)),
    )
    doc.refresh_from_db()
    assert (first.revision, second.revision) == (1, 2)
    assert doc.current_file == second
    assert first.blob.sha256 != second.blob.sha256
    # The new revision's expiry is the document's, and the notice deadline follows it.
    assert doc.expiry_date == dt.date(2031, 6, 30)
    assert doc.notice_deadline == dt.date(2031, 5, 1)
    first.refresh_from_db()
    assert first.blob_id  # the old revision stays readable


def test_document_rules(personas):
    legal = personas["legal"]
    service = _service(personas)
    with pytest.raises(ValidationError) as exc:
        svc.document_create(actor=legal, kind="sla", title="SLA", notice_period_days=30)
    assert "expiry_date" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        svc.document_create(actor=legal, kind="subscription", title="S", auto_renewal=True)
    assert "expiry_date" in errors(exc)
    other_csp = CSPFactory()
    with pytest.raises(ValidationError) as exc:
        svc.document_create(actor=legal, kind="sla", title="SLA", csp=other_csp, services=[service])
    assert "services" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        svc.document_create(actor=personas["security"], kind="sla", title="SLA")
    assert exc.value.code == "permission"
    assert not Document.objects.exists()


def test_termination_event_is_logged(personas):
    officer = personas["governance_officer"]
    csp = svc.csp_create(actor=officer, name="Nimbus", country="US")
    event = svc.termination_event_record(
        actor=officer,
        csp=csp,
        kind="change_of_control",
        occurred_on=dt.date(2025, 1, 2),
        learned_on=dt.date(2025, 1, 5),
        description="Acquired",
    )
    assert event.recorded_by == officer
    with pytest.raises(ValidationError):
        svc.termination_event_record(
            actor=officer,
            csp=csp,
            kind="bankruptcy",
            occurred_on=dt.date(2025, 1, 5),
            learned_on=dt.date(2025, 1, 2),
            description="x",
        )


def test_choices_match_the_rules_engine():
    from fincloud.register.models import Classification, Exclusion, InstitutionType
    from fincloud.rules import CLASSIFICATIONS
    from fincloud.rules.profile import EXCLUSIONS, INSTITUTION_TYPES

    assert tuple(Classification.values) == CLASSIFICATIONS
    assert tuple(Exclusion.values) == EXCLUSIONS
    assert tuple(InstitutionType.values) == INSTITUTION_TYPES


def test_location_input_parsing():
    parsed = svc.parse_locations("TW Changhua\n  \nJP, Tokyo\nSG")
    assert [(p.country, p.region, p.line) for p in parsed] == [
        ("TW", "Changhua", 1),
        ("JP", "Tokyo", 3),
        ("SG", "", 4),
    ]
