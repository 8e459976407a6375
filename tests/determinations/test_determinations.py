"""Stored rule results: proposal, confirmation or override with a reason, supersession,
staleness."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fincloud.determinations.models import Determination
from fincloud.determinations.services import (
    current_determinations,
    determination_confirm,
    determination_record,
    determinations_mark_stale,
)
from fincloud.rules import evaluate, parse_profile

pytestmark = pytest.mark.django_db

PROFILE = {
    "institution_type": "domestic_bank",
    "license_business_or_customer_data": True,
    "csp_processes_or_stores_data": True,
    "service_model": "SaaS",
    "locations": ["JP"],
    "material": True,
}


def _classification():
    result = evaluate(parse_profile(PROFILE))
    return next(d for d in result.parts if d.kind == "classification")


def test_record_keeps_inputs_outcome_version_citations_and_both_languages(personas):
    subject = personas["risk"].unit
    det = determination_record(subject=subject, result=_classification(), actor=personas["risk"])
    assert det.outcome == "material_offshore"
    assert det.rule_version.startswith("rules-")
    assert det.citations and all(isinstance(c, str) for c in det.citations)
    assert det.explanation_zh and det.explanation_en
    assert det.inputs


def test_newer_result_supersedes_and_only_one_is_current(personas):
    subject = personas["risk"].unit
    first = determination_record(subject=subject, result=_classification())
    second = determination_record(subject=subject, result=_classification())
    first.refresh_from_db()
    assert (first.current, second.current) == (False, True)
    assert current_determinations(subject)["classification"] == second
    assert Determination.objects.count() == 2


def test_override_needs_a_reason_and_keeps_the_proposal(personas):
    det = determination_record(subject=personas["risk"].unit, result=_classification())
    with pytest.raises(ValidationError) as exc:
        determination_confirm(determination=det, actor=personas["risk"], outcome="domestic")
    assert "reason" in exc.value.message_dict
    det = determination_confirm(
        determination=det,
        actor=personas["risk"],
        outcome="domestic",
        reason="data kept in TW after the contract change",
    )
    assert det.outcome == "material_offshore" and det.effective_outcome == "domestic"
    assert det.overridden


def test_stale_results_cannot_be_confirmed(personas):
    subject = personas["risk"].unit
    det = determination_record(subject=subject, result=_classification())
    assert determinations_mark_stale(subject=subject, kinds=["classification"]) == 1
    det.refresh_from_db()
    with pytest.raises(ValidationError):
        determination_confirm(determination=det, actor=personas["risk"], outcome=det.outcome)


def test_a_structured_outcome_reads_as_pairs_not_a_python_literal():
    from django.utils import translation

    from fincloud.determinations.templatetags.determinations import outcome_text

    outcome = {"in_scope": True, "failed_criteria": [], "exclusion": "none"}
    with translation.override("zh-hant"):
        assert outcome_text(outcome) == "in_scope: 是 · failed_criteria: — · exclusion: none"
    with translation.override("en"):
        assert outcome_text(outcome) == "in_scope: yes · failed_criteria: — · exclusion: none"
    assert outcome_text("material_offshore") == "material_offshore"
    assert outcome_text(["a3.10.I.1", "a3.10.I.2"]) == "a3.10.I.1, a3.10.I.2"


def test_many_at_once_store_what_one_by_one_stores_and_chain_the_events(personas):
    from fincloud.auditlog.models import AuditEvent
    from fincloud.auditlog.services import verify_chain
    from fincloud.determinations.services import determination_record_many
    from fincloud.people.models import BusinessUnit

    actor = personas["risk"]
    units = list(BusinessUnit.objects.order_by("pk")[:3])
    assert len(units) == 3
    first = determination_record(subject=units[0], result=_classification(), actor=actor)
    events_before = AuditEvent.objects.count()
    made = determination_record_many(
        pairs=[(unit, _classification()) for unit in units], actor=actor
    )
    assert [d.subject_id for d in made] == [str(u.pk) for u in units]
    first.refresh_from_db()
    assert not first.current  # superseded, kept
    for unit, det in zip(units, made, strict=True):
        [current] = current_determinations(unit).values()
        assert current.pk == det.pk and current.outcome == "material_offshore"
        assert current.explanation_zh and current.explanation_en and current.citations
        assert current.computed_by == actor
    events = AuditEvent.objects.order_by("seq")[events_before:]
    assert [(e.action, e.object_id) for e in events] == [("create", str(d.code)) for d in made]
    assert verify_chain().ok
    assert determination_record_many(pairs=[], actor=actor) == []
