"""Write operations of the resilience app (one function per business action).

Each function is keyword-only, runs in one transaction and writes its audit event in it;
refusals are ``ValidationError``s naming the field and the rule, with the message kept as a
module constant. The rules themselves are the pure modules ``bia``, ``deadlines``,
``recurrence`` and ``checklists``; this module applies them to the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import diff, record_event, snapshot
from fincloud.determinations.services import determination_record
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_attach, evidence_for
from fincloud.resilience import bia as bia_rules
from fincloud.resilience import checklists, deadlines, recurrence
from fincloud.resilience.models import (
    IMPACT_TIMES,
    BusinessImpactAnalysis,
    ContinuityPlan,
    DataTransfer,
    DeletionRecord,
    Drill,
    DrillReport,
    ExitExecution,
    ExitPlan,
    ExitTarget,
    ExitTrigger,
    FollowUp,
    ImpactLevel,
    ImpactType,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentNotice,
    NotificationRule,
    PostIncidentReview,
    Problem,
    ProviderContinuityReview,
    ResilienceSettings,
)
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, ensure_editable, record_submit

# -- messages --------------------------------------------------------------------------------------

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
RTO_OVER_MTPD = _(
    "RTO (%(rto)s minutes) is longer than the MTPD (%(mtpd)s minutes): the recovery time "
    "objective must not exceed the maximum tolerable period of disruption (Ch 8.1 (b))."
)
IMPACT_UNKNOWN = _("Impact over time: unknown impact type, time point or level “%(value)s”.")
IN_FUTURE = _("%(field)s: cannot be in the future.")
BEFORE_DETECTED = _("%(field)s: cannot be before the incident was detected.")
RESOLVED_BEFORE_CONTAINED = _("Resolved at: cannot be before the incident was contained.")
ALREADY_SENT = _("This notice was already recorded as sent.")
CATEGORY_UNKNOWN = _("Categories: unknown category “%(value)s”.")
TARGET_REQUIRED = _("Exit to: choose another CSP or in house.")
STEP_UNKNOWN = _("Step: unknown timeline step “%(kind)s”.")
NOTE_REQUIRED = _("Note: required.")
REVIEW_NEEDS_RESOLVED = _(
    "Post-incident review: the incident must be resolved first (record when it was resolved)."
)
MITIGATION_REQUIRED = _("Mitigation: say what was done before closing the problem.")
SCENARIO_UNKNOWN = _("Scenarios: unknown event type “%(key)s”.")
SCENARIOS_UNCOVERED = _(
    "Scenarios: every disaster event type of Ch 8.3 needs a response or a reason it does not "
    "apply; missing: %(missing)s."
)
PLAN_NOT_APPROVED = _(
    "Plan: a drill tests an approved business continuity plan; this plan is “%(state)s”."
)
DRILL_NOT_APPROVED = _(
    "Drill: results are recorded for an approved drill plan; this drill plan is “%(state)s”."
)
SCENARIO_NOT_IN_PLAN = _("Scenario: choose one of the event types of Ch 8.3.")
FOLLOW_UP_DONE = _("This follow-up is already done.")
PERIOD_ORDER = _("Period to: cannot be before the period start.")
TRIGGER_UNKNOWN = _("Triggers: unknown trigger “%(value)s”.")
TRIGGERS_REQUIRED = _("Triggers: choose at least one trigger for the exit.")
CHECKLIST_UNKNOWN = _("Checklist: “%(value)s” is not an item of the Ch 8.5 exit checklist.")
CHECKLIST_INCOMPLETE = _(
    "Checklist: a %(depth)s exit plan needs every item of Ch 8.5 answered%(note)s; missing: "
    "%(missing)s."
)
CHECKLIST_NOTE_FULL = _(" with a note on how it will be done")
EXIT_PLAN_NOT_APPROVED = _(
    "Exit: only an approved exit plan can be carried out; it is “%(state)s”."
)
EXIT_SERVICE_NOT_IN_USE = _("Exit: the service is not in use (stage “%(stage)s”).")
EXIT_ALREADY_RUNNING = _("Exit: an exit of this service is already in progress.")
EXIT_NOT_RUNNING = _("Exit: this exit is already completed.")
TRANSFER_VERIFY_NEEDS = _(
    "Integrity verified: record when the transfer completed and how its integrity was verified."
)
COMPLETED_BEFORE_STARTED = _("Completed on: cannot be before the transfer started.")
EXTERNAL_NEEDS_NAME = _(
    "External deletion service: name the service when an external service deleted the data."
)
DELETION_NEEDS_TRANSFER = _(
    "Deletion: record the data transfer first; data is deleted only after it has been moved "
    "and its integrity verified (Ch 8.5)."
)
DELETION_TRANSFER_UNVERIFIED = _(
    "Deletion: the transfer “%(name)s” is not completed and verified yet."
)
DELETION_STEPS_OPEN = _("Deletion: the exit checklist still has open items: %(missing)s.")
DELETION_NEEDS_EVIDENCE = _(
    "Evidence: attach the record of the deletion result (Ch 8.5 deletion (b))."
)
DELETION_NEEDS_CERTIFICATE = _(
    "Evidence: an external deletion service was used; attach its deletion certificate "
    "(Ch 8.5 deletion (c))."
)
DELETION_WRONG_EXECUTION = _("Deletion: this exit is already completed.")

CERTIFICATE_KIND = "deletion_certificate"
DELETION_EVIDENCE_KIND = "deletion_evidence"


def _field_error(
    field: str, message: Any, code: str, params: dict[str, Any] | None = None
) -> ValidationError:
    """A refusal naming the field, with its parameters filled in (a dict passed straight to
    ValidationError would drop them)."""
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _require(actor: Any, capability: str) -> None:
    if actor is None:  # the demo loader acts as the system
        return
    if not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def _clean_save(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=False)
    instance.save()


def _assign(instance: Any, fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"{type(instance).__name__}: field {name!r} cannot be set here")
        setattr(instance, name, value)


def _today() -> dt.date:
    return timezone.localdate()


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    # The last day of the target month when the day does not exist there (31 -> 30).
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def settings_get() -> ResilienceSettings:
    found, _created = ResilienceSettings.objects.get_or_create(singleton=1)
    return found


SETTINGS_FIELDS = (
    "recurrence_threshold",
    "recurrence_window_days",
    "problem_due_days",
    "review_due_days",
    "drill_interval_months",
)


def settings_update(*, actor: Any, **fields: Any) -> ResilienceSettings:
    _require(actor, "resilience.configure")
    with transaction.atomic():
        current = settings_get()
        before = snapshot(current, SETTINGS_FIELDS)
        _assign(current, fields, SETTINGS_FIELDS)
        _clean_save(current)
        record_event(
            actor=actor, action=Action.UPDATE, obj=current, before=before, after=snapshot(current)
        )
    return current


# -- notification rules ----------------------------------------------------------------------------

RULE_FIELDS = (
    "authority",
    "recipient_kind",
    "min_severity",
    "categories",
    "customer_impact_only",
    "hours",
    "basis",
    "active",
)


def _check_categories(values: Iterable[str]) -> list[str]:
    known = set(IncidentCategory.values)
    out = []
    for value in values:
        if value not in known:
            raise _field_error("categories", CATEGORY_UNKNOWN, "category", {"value": value})
        out.append(value)
    return out


def notification_rule_create(*, actor: Any, **fields: Any) -> NotificationRule:
    _require(actor, "resilience.configure")
    fields["categories"] = _check_categories(fields.get("categories", []))
    with transaction.atomic():
        rule = NotificationRule(created_by=actor)
        _assign(rule, fields, RULE_FIELDS)
        _clean_save(rule)
        record_event(actor=actor, action=Action.CREATE, obj=rule, after=snapshot(rule))
        _resync_open_incidents(actor)
    return rule


def notification_rule_update(
    *, actor: Any, rule: NotificationRule, **fields: Any
) -> NotificationRule:
    _require(actor, "resilience.configure")
    if "categories" in fields:
        fields["categories"] = _check_categories(fields["categories"])
    with transaction.atomic():
        rule = NotificationRule.objects.select_for_update().get(pk=rule.pk)
        before = snapshot(rule)
        _assign(rule, fields, RULE_FIELDS)
        _clean_save(rule)
        record_event(
            actor=actor, action=Action.UPDATE, obj=rule, before=before, after=snapshot(rule)
        )
        _resync_open_incidents(actor)
    return rule


def pure_rule(rule: NotificationRule) -> deadlines.Rule:
    return deadlines.Rule(
        key=str(rule.pk),
        authority=rule.authority,
        min_severity=rule.min_severity,
        hours=Decimal(rule.hours),
        categories=frozenset(rule.categories or ()),
        customer_impact_only=rule.customer_impact_only,
    )


# -- business impact analysis ----------------------------------------------------------------------

BIA_FIELDS = (
    "business_process",
    "description",
    "impacts",
    "mtpd_minutes",
    "rto_minutes",
    "rpo_minutes",
    "priority",
    "availability_target",
    "csp_sla_percent",
    "sla_period",
    "csp_rto_minutes",
    "csp_rpo_minutes",
    "resources",
)


def _check_impacts(impacts: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    times = {str(t) for t in IMPACT_TIMES}
    clean: dict[str, dict[str, int]] = {}
    for kind, levels in impacts.items():
        if kind not in ImpactType.values:
            raise _field_error("impacts", IMPACT_UNKNOWN, "impact", {"value": kind})
        row: dict[str, int] = {}
        for after, level in levels.items():
            if str(after) not in times:
                raise _field_error("impacts", IMPACT_UNKNOWN, "impact", {"value": after})
            try:
                number = int(level)
            except (TypeError, ValueError):
                number = -1
            if number not in ImpactLevel.values:
                raise _field_error("impacts", IMPACT_UNKNOWN, "impact", {"value": level})
            row[str(after)] = number
        clean[kind] = row
    return clean


def _check_bia(values: Mapping[str, Any]) -> None:
    rto, mtpd = values.get("rto_minutes"), values.get("mtpd_minutes")
    if bia_rules.rto_exceeds_mtpd(rto, mtpd):
        error = ValidationError(
            RTO_OVER_MTPD, code="rto_over_mtpd", params={"rto": rto, "mtpd": mtpd}
        )
        raise ValidationError({"rto_minutes": [error], "mtpd_minutes": [error]})


def bia_create(*, actor: Any, service: Any, **fields: Any) -> BusinessImpactAnalysis:
    _require(actor, "resilience.edit")
    fields["impacts"] = _check_impacts(fields.get("impacts") or {})
    _check_bia(fields)
    with transaction.atomic():
        record = BusinessImpactAnalysis(
            service=service, unit=service.unit, prepared_by=actor, prepared_at=timezone.now()
        )
        _assign(record, fields, BIA_FIELDS)
        _clean_save(record)
        record_event(actor=actor, action=Action.CREATE, obj=record, after=snapshot(record))
        bia_recheck(actor=actor, record=record)
    return record


def bia_update(
    *, actor: Any, record: BusinessImpactAnalysis, **fields: Any
) -> BusinessImpactAnalysis:
    _require(actor, "resilience.edit")
    if "impacts" in fields:
        fields["impacts"] = _check_impacts(fields["impacts"] or {})
    with transaction.atomic():
        record = BusinessImpactAnalysis.objects.select_for_update().get(pk=record.pk)
        ensure_editable(record)
        before = snapshot(record)
        _assign(record, fields, BIA_FIELDS)
        _check_bia({"rto_minutes": record.rto_minutes, "mtpd_minutes": record.mtpd_minutes})
        _clean_save(record)
        record_event(
            actor=actor, action=Action.UPDATE, obj=record, before=before, after=snapshot(record)
        )
        bia_recheck(actor=actor, record=record)
    return record


def dependency_graph(service: Any) -> dict[str, bia_rules.ServiceNode]:
    """The service and everything it depends on (transitively), from the register, one query
    per level of the graph."""
    from fincloud.register.models import CloudService, ServiceDependency

    graph: dict[str, bia_rules.ServiceNode] = {}
    frontier = {service.pk}
    while frontier:
        services = {s.pk: s for s in CloudService.objects.filter(pk__in=frontier)}
        deps: dict[int, list[bia_rules.Dependency]] = {pk: [] for pk in services}
        nxt: set[int] = set()
        for dep in ServiceDependency.objects.filter(service_id__in=frontier).order_by("pk"):
            kind: Literal["series", "parallel"] = (
                "parallel" if dep.kind == ServiceDependency.Kind.PARALLEL else "series"
            )
            deps[dep.service_id].append(
                bia_rules.Dependency(str(dep.depends_on_id), kind, dep.redundancy_group)
            )
            if str(dep.depends_on_id) not in graph and dep.depends_on_id not in services:
                nxt.add(dep.depends_on_id)
        for pk, svc in services.items():
            graph[str(pk)] = bia_rules.ServiceNode(
                str(pk),
                svc.name,
                svc.availability_target,
                tuple(deps[pk]),
            )
        frontier = {pk for pk in nxt if str(pk) not in graph}
    return graph


def bia_checks(record: BusinessImpactAnalysis) -> list[Any]:
    """The pure checks of a BIA, as ``fincloud.rules`` determinations."""
    results: list[Any] = [
        bia_rules.check_rto_within_mtpd(record.rto_minutes, record.mtpd_minutes),
        bia_rules.check_csp_commitment(
            rto_minutes=record.rto_minutes,
            rpo_minutes=record.rpo_minutes,
            sla_percent=record.csp_sla_percent,
            csp_rto_minutes=record.csp_rto_minutes,
            csp_rpo_minutes=record.csp_rpo_minutes,
            period=cast(bia_rules.Period, record.sla_period),
        ),
    ]
    if record.availability_target is not None:
        graph = dependency_graph(record.service)
        root = str(record.service_id)
        if record.csp_sla_percent is not None and root in graph:
            node = graph[root]
            graph[root] = bia_rules.ServiceNode(
                node.key, node.name, record.csp_sla_percent, node.dependencies
            )
        try:
            results.append(
                bia_rules.check_composite(
                    process=record.business_process,
                    root=root,
                    graph=graph,
                    target_percent=record.availability_target,
                )
            )
        except bia_rules.CompositeInputError as exc:
            results.append(
                bia_rules.composite_unavailable(process=record.business_process, error=exc)
            )
    return results


def bia_recheck(*, actor: Any, record: BusinessImpactAnalysis) -> list[Any]:
    """Compute the checks again and store them as the current determinations of the BIA."""
    with transaction.atomic():
        return [
            determination_record(subject=record, result=result, actor=actor)
            for result in bia_checks(record)
        ]


# -- incidents -------------------------------------------------------------------------------------

INCIDENT_REPORT_FIELDS = (
    "title",
    "description",
    "service",
    "category",
    "severity",
    "detected_at",
    "customer_impact",
    "customer_impact_note",
    "csp_notice_received_at",
    "csp_reference",
)
INCIDENT_HANDLE_FIELDS = (
    *INCIDENT_REPORT_FIELDS,
    "handler",
    "customers_affected",
    "root_cause",
)


def _check_times(incident: Incident) -> None:
    now = timezone.now() + dt.timedelta(minutes=5)  # a little slack for clocks
    for name, label in (
        ("detected_at", _("Detected at")),
        ("csp_notice_received_at", _("CSP notification received at")),
        ("contained_at", _("Contained at")),
        ("resolved_at", _("Resolved at")),
    ):
        value = getattr(incident, name)
        if value is not None and value > now:
            raise _field_error(name, IN_FUTURE, "future", {"field": label})
        if name in {"contained_at", "resolved_at"} and value is not None:
            if value < incident.detected_at:
                raise _field_error(name, BEFORE_DETECTED, "order", {"field": label})
    if (
        incident.contained_at
        and incident.resolved_at
        and incident.resolved_at < incident.contained_at
    ):
        raise _field_error("resolved_at", RESOLVED_BEFORE_CONTAINED, "order")


def _next_reference(year: int) -> str:
    prefix = f"INC-{year}-"
    last = (
        Incident.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _event(
    incident: Incident, kind: str, actor: Any, at: dt.datetime | None = None, note: str = ""
) -> None:
    IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        at=at or timezone.now(),
        note=note,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def incident_report(*, actor: Any, **fields: Any) -> Incident:
    """The reporting channel (Ch 8.2 notification (a), (e)): any member of staff reports."""
    _require(actor, "resilience.report_incident")
    now = timezone.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                incident = Incident(
                    reference=_next_reference(timezone.localtime(now).year),
                    reported_at=now,
                    reported_by=actor,
                )
                _assign(incident, fields, INCIDENT_REPORT_FIELDS)
                _check_times(incident)
                _clean_save(incident, exclude=["reference"])
                _event(incident, IncidentEvent.Kind.DETECTED, actor, incident.detected_at)
                _event(incident, IncidentEvent.Kind.REPORTED, actor, now)
                if incident.csp_notice_received_at:
                    _event(
                        incident,
                        IncidentEvent.Kind.CSP_NOTICE,
                        actor,
                        incident.csp_notice_received_at,
                        incident.csp_reference,
                    )
                record_event(
                    actor=actor, action=Action.CREATE, obj=incident, after=snapshot(incident)
                )
                sync_duties(incident=incident, actor=actor)
                check_recurrence(incident=incident, actor=actor)
            return incident
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def incident_update(*, actor: Any, incident: Incident, **fields: Any) -> Incident:
    """Assessment and handling by the incident team (Ch 8.2 notification (d): only the people
    concerned handle incidents)."""
    _require(actor, "resilience.handle_incident")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        before = snapshot(incident)
        _assign(incident, fields, INCIDENT_HANDLE_FIELDS)
        _check_times(incident)
        if incident.status == Incident.Status.REPORTED:
            incident.status = Incident.Status.HANDLING
        _clean_save(incident, exclude=["reference"])
        changes = diff(before, snapshot(incident))
        if changes:
            note = ", ".join(sorted(k for k in changes if k != "updated_at"))
            _event(incident, IncidentEvent.Kind.TRIAGED, actor, note=note)
        if "csp_notice_received_at" in changes and incident.csp_notice_received_at:
            _event(
                incident,
                IncidentEvent.Kind.CSP_NOTICE,
                actor,
                incident.csp_notice_received_at,
                incident.csp_reference,
            )
        record_event(actor=actor, action=Action.UPDATE, obj=incident, changes=changes)
        sync_duties(incident=incident, actor=actor)
        if {"service", "category", "detected_at"} & set(changes):
            check_recurrence(incident=incident, actor=actor)
    return incident


STEPS = {
    "contained": ("contained_at", Incident.Status.CONTAINED),
    "resolved": ("resolved_at", Incident.Status.RESOLVED),
    "note": (None, None),
}


def incident_record_step(
    *, actor: Any, incident: Incident, kind: str, at: dt.datetime | None, note: str = ""
) -> Incident:
    """A step on the timeline: contained, resolved, or a note."""
    _require(actor, "resilience.handle_incident")
    if kind not in STEPS:
        raise _field_error("kind", STEP_UNKNOWN, "kind", {"kind": kind})
    field, status = STEPS[kind]
    if field is None and not note.strip():
        raise _field_error("note", NOTE_REQUIRED, "required")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        when = at or timezone.now()
        if field is not None:
            before = getattr(incident, field)
            setattr(incident, field, when)
            if kind == "resolved" and incident.contained_at is None:
                incident.contained_at = when
            _check_times(incident)
            if status is not None and incident.status != Incident.Status.CLOSED:
                incident.status = status
            incident.save()
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=incident,
                changes={field: [before, when], "status": [None, incident.status]},
            )
        else:
            record_event(
                actor=actor, action=Action.UPDATE, obj=incident, changes={"note": [None, note]}
            )
        _event(incident, kind, actor, when, note.strip())
    return incident


def sync_duties(*, incident: Incident, actor: Any) -> list[IncidentNotice]:
    """Create the notices the institution's rules call for; drop the unsent ones a rule no
    longer calls for (a downgraded incident); move the deadlines of unsent ones when the
    detection time changes. Sent notices are never touched."""
    facts = deadlines.IncidentFacts(
        detected_at=incident.detected_at,
        severity=incident.severity,
        category=incident.category,
        customer_impact=incident.customer_impact,
    )
    rules = {str(r.pk): r for r in NotificationRule.objects.filter(active=True)}
    wanted = {
        d.rule.key: d for d in deadlines.duties(facts, [pure_rule(r) for r in rules.values()])
    }
    existing = {str(n.rule_id): n for n in incident.notices.filter(rule__isnull=False)}
    for key, notice in existing.items():
        if notice.sent_at is not None:
            continue
        if key not in wanted:
            record_event(
                actor=actor,
                action=Action.DELETE,
                obj=notice,
                changes={
                    "due_at": [notice.due_at, None],
                    "reason": [None, "rule no longer applies"],
                },
            )
            notice.delete()
        elif notice.due_at != wanted[key].due_at:
            IncidentNotice.objects.filter(pk=notice.pk).update(due_at=wanted[key].due_at)
    for key, duty in wanted.items():
        if key in existing:
            continue
        notice = IncidentNotice.objects.create(
            incident=incident, rule=rules[key], recipient=rules[key].authority, due_at=duty.due_at
        )
        record_event(actor=actor, action=Action.CREATE, obj=notice, after=snapshot(notice))
    return list(incident.notices.select_related("rule").order_by("due_at"))


def _resync_open_incidents(actor: Any) -> None:
    open_states = [Incident.Status.REPORTED, Incident.Status.HANDLING, Incident.Status.CONTAINED]
    for incident in Incident.objects.filter(status__in=open_states):
        sync_duties(incident=incident, actor=actor)


def notice_record_sent(
    *,
    actor: Any,
    notice: IncidentNotice,
    sent_at: dt.datetime | None = None,
    method: str = "",
    reference: str = "",
    note: str = "",
) -> IncidentNotice:
    _require(actor, "resilience.handle_incident")
    with transaction.atomic():
        notice = (
            IncidentNotice.objects.select_for_update().select_related("incident").get(pk=notice.pk)
        )
        if notice.sent_at is not None:
            raise ValidationError(ALREADY_SENT, code="sent")
        when = sent_at or timezone.now()
        if when > timezone.now() + dt.timedelta(minutes=5):
            raise _field_error("sent_at", IN_FUTURE, "future", {"field": _("Sent at")})
        notice.sent_at = when
        notice.sent_by = actor
        notice.method = method.strip()
        notice.reference = reference.strip()
        notice.note = note.strip()
        notice.save()
        _event(notice.incident, IncidentEvent.Kind.NOTIFIED, actor, when, notice.recipient)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=notice,
            changes={"sent_at": [None, when], "method": [None, notice.method]},
        )
    return notice


def notice_add(
    *,
    actor: Any,
    incident: Incident,
    recipient: str,
    sent_at: dt.datetime | None = None,
    method: str = "",
    reference: str = "",
    note: str = "",
) -> IncidentNotice:
    """A notice given without a rule ("reported to whom")."""
    _require(actor, "resilience.handle_incident")
    when = sent_at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise _field_error("sent_at", IN_FUTURE, "future", {"field": _("Sent at")})
    with transaction.atomic():
        notice = IncidentNotice(
            incident=incident,
            recipient=recipient.strip(),
            sent_at=when,
            sent_by=actor,
            method=method.strip(),
            reference=reference.strip(),
            note=note.strip(),
        )
        _clean_save(notice)
        _event(incident, IncidentEvent.Kind.NOTIFIED, actor, when, notice.recipient)
        record_event(actor=actor, action=Action.CREATE, obj=notice, after=snapshot(notice))
    return notice


def incident_attach(*, actor: Any, incident: Incident, upload: Any, **kwargs: Any) -> EvidenceFile:
    """Ch 8.2 management (f): handle the evidence of incidents."""
    _require(actor, "resilience.handle_incident")
    return evidence_attach(
        actor=actor, owner=incident, upload=upload, catalog_ids=["ch8.2.management.f"], **kwargs
    )


def _occurrence(incident: Incident) -> recurrence.Occurrence:
    return recurrence.Occurrence(
        str(incident.pk),
        str(incident.service_id) if incident.service_id else None,
        incident.category,
        incident.detected_at,
    )


def check_recurrence(*, incident: Incident, actor: Any) -> Problem | None:
    """Ch 8.2: recognise a recurring pattern and escalate it as a problem to mitigate."""
    conf = settings_get()
    window = dt.timedelta(days=conf.recurrence_window_days)
    history = Incident.objects.filter(
        service_id=incident.service_id,
        category=incident.category,
        detected_at__gte=incident.detected_at - window,
        detected_at__lte=incident.detected_at + window,
    ).exclude(pk=incident.pk)
    found = recurrence.recurrence_of(
        _occurrence(incident),
        [_occurrence(i) for i in history],
        threshold=conf.recurrence_threshold,
        window=window,
    )
    if found is None:
        return None
    members = list(Incident.objects.filter(pk__in=[int(i) for i in found.idents]))
    problem: Problem | None = next(
        (
            i.problem
            for i in members
            if i.problem is not None and i.problem.status == Problem.Status.OPEN
        ),
        None,
    )
    if problem is None:
        problem = Problem.objects.filter(
            service_id=incident.service_id, category=incident.category, status=Problem.Status.OPEN
        ).first()
    if problem is None:
        service = incident.service
        unit = service.unit if service is not None else incident.reported_by.unit
        if unit is None:
            from fincloud.people.models import BusinessUnit

            unit = BusinessUnit.objects.filter(kind=BusinessUnit.Kind.GOVERNANCE).first()
        if unit is None:
            return None
        problem = Problem.objects.create(
            service=incident.service,
            category=incident.category,
            detected_at=timezone.now(),
            threshold=conf.recurrence_threshold,
            window_days=conf.recurrence_window_days,
            unit=unit,
            owner=service.owner if service is not None else None,
            due_date=_today() + dt.timedelta(days=conf.problem_due_days),
        )
        record_event(actor=actor, action=Action.CREATE, obj=problem, after=snapshot(problem))
    for member in members:
        if member.problem_id != problem.pk:
            Incident.objects.filter(pk=member.pk).update(problem=problem)
            _event(
                member,
                IncidentEvent.Kind.ESCALATED,
                actor,
                note=f"{found.count} / {conf.recurrence_window_days}",
            )
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=member,
                changes={"problem": [None, str(problem.code)]},
            )
    incident.problem = problem
    return problem


def problem_update(
    *,
    actor: Any,
    problem: Problem,
    owner: Any = None,
    due_date: dt.date | None = None,
    mitigation: str = "",
) -> Problem:
    _require(actor, "resilience.handle_incident")
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        before = snapshot(problem)
        problem.owner = owner
        if due_date is not None:
            problem.due_date = due_date
        problem.mitigation = mitigation.strip()
        _clean_save(problem)
        record_event(
            actor=actor, action=Action.UPDATE, obj=problem, before=before, after=snapshot(problem)
        )
    return problem


def problem_close(*, actor: Any, problem: Problem, mitigation: str) -> Problem:
    _require(actor, "resilience.handle_incident")
    if not mitigation.strip():
        raise _field_error("mitigation", MITIGATION_REQUIRED, "required")
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        problem.mitigation = mitigation.strip()
        problem.status = Problem.Status.MITIGATED
        problem.closed_at = timezone.now()
        problem.closed_by = actor
        problem.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=problem,
            changes={
                "status": [Problem.Status.OPEN, Problem.Status.MITIGATED],
                "mitigation": [None, problem.mitigation],
            },
        )
    return problem


REVIEW_FIELDS = ("summary", "root_cause", "went_well", "lessons", "actions")


def review_create(*, actor: Any, incident: Incident, **fields: Any) -> PostIncidentReview:
    _require(actor, "resilience.handle_incident")
    incident = Incident.objects.select_related("service").get(pk=incident.pk)
    if incident.resolved_at is None:
        raise _field_error("incident", REVIEW_NEEDS_RESOLVED, "not_resolved")
    unit = incident.service.unit if incident.service is not None else actor.unit
    with transaction.atomic():
        review = PostIncidentReview(
            incident=incident, unit=unit, prepared_by=actor, prepared_at=timezone.now()
        )
        _assign(review, fields, REVIEW_FIELDS)
        _clean_save(review)
        record_event(actor=actor, action=Action.CREATE, obj=review, after=snapshot(review))
    return review


def review_update(*, actor: Any, review: PostIncidentReview, **fields: Any) -> PostIncidentReview:
    _require(actor, "resilience.handle_incident")
    with transaction.atomic():
        review = PostIncidentReview.objects.select_for_update().get(pk=review.pk)
        ensure_editable(review)
        before = snapshot(review)
        _assign(review, fields, REVIEW_FIELDS)
        _clean_save(review)
        record_event(
            actor=actor, action=Action.UPDATE, obj=review, before=before, after=snapshot(review)
        )
    return review


def incident_close_after_review(*, review: PostIncidentReview, actor: Any) -> None:
    """Approval hook: the approved review closes the incident and keeps its root cause."""
    incident = Incident.objects.select_for_update().get(pk=review.incident_id)
    before = {"status": incident.status, "root_cause": incident.root_cause}
    incident.status = Incident.Status.CLOSED
    if not incident.root_cause.strip():
        incident.root_cause = review.root_cause
    incident.save(update_fields=["status", "root_cause", "updated_at"])
    _event(incident, IncidentEvent.Kind.CLOSED, actor, note=str(review.code))
    record_event(
        actor=actor,
        action=Action.UPDATE,
        obj=incident,
        changes={"status": [before["status"], incident.status], "review": [None, str(review.code)]},
    )


# -- continuity plans, provider reviews, drills ----------------------------------------------------

PLAN_FIELDS = (
    "impact_analysis",
    "title",
    "requirements",
    "backup_method",
    "backup_location",
    "recovery_order",
    "alternative_procedures",
    "csp_duties",
    "csp_notification",
    "scenarios",
    "drill_interval_months",
)


def _check_scenarios(scenarios: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    known = {e.key for e in checklists.bcp_event_types()}
    clean: dict[str, dict[str, str]] = {}
    for key, value in scenarios.items():
        if key not in known:
            raise _field_error("scenarios", SCENARIO_UNKNOWN, "scenario", {"key": key})
        clean[key] = {
            "response": str(value.get("response", "")).strip()[:4000],
            "not_applicable_reason": str(value.get("not_applicable_reason", "")).strip()[:2000],
        }
    return clean


def plan_create(*, actor: Any, service: Any, **fields: Any) -> ContinuityPlan:
    _require(actor, "resilience.edit")
    fields["scenarios"] = _check_scenarios(fields.get("scenarios") or {})
    fields.setdefault("drill_interval_months", settings_get().drill_interval_months)
    with transaction.atomic():
        plan = ContinuityPlan(
            service=service, unit=service.unit, prepared_by=actor, prepared_at=timezone.now()
        )
        _assign(plan, fields, PLAN_FIELDS)
        _clean_save(plan)
        record_event(actor=actor, action=Action.CREATE, obj=plan, after=snapshot(plan))
    return plan


def plan_update(*, actor: Any, plan: ContinuityPlan, **fields: Any) -> ContinuityPlan:
    _require(actor, "resilience.edit")
    if "scenarios" in fields:
        fields["scenarios"] = _check_scenarios(fields["scenarios"] or {})
    with transaction.atomic():
        plan = ContinuityPlan.objects.select_for_update().get(pk=plan.pk)
        ensure_editable(plan)
        before = snapshot(plan)
        _assign(plan, fields, PLAN_FIELDS)
        _clean_save(plan)
        record_event(
            actor=actor, action=Action.UPDATE, obj=plan, before=before, after=snapshot(plan)
        )
    return plan


def plan_uncovered(plan: ContinuityPlan) -> list[str]:
    scenarios = {
        key: checklists.Scenario(v.get("response", ""), v.get("not_applicable_reason", ""))
        for key, v in (plan.scenarios or {}).items()
    }
    return checklists.uncovered_events(checklists.bcp_event_types(), scenarios)


def plan_submit(*, actor: Any, plan: ContinuityPlan) -> ContinuityPlan:
    """Submit for management's approval (Ch 8.3 (c)) once every event type is answered."""
    plan = ContinuityPlan.objects.get(pk=plan.pk)
    missing = plan_uncovered(plan)
    if missing:
        raise WorkflowError(
            SCENARIOS_UNCOVERED, code="scenarios", params={"missing": ", ".join(missing)}
        )
    return record_submit(record=plan, actor=actor)


def plan_schedule_next_drill(*, plan: ContinuityPlan, performed_on: dt.date | None = None) -> None:
    """Keep the next drill date of the service's current plan: the interval after the last
    approved drill, or after the plan's approval when none has run yet (Ch 8.3 (b))."""
    plans = ContinuityPlan.objects.filter(service_id=plan.service_id, state=State.APPROVED)
    last = performed_on
    if last is None:
        last = (
            DrillReport.objects.filter(
                drill__plan__service_id=plan.service_id, state=State.APPROVED
            )
            .order_by("-performed_on")
            .values_list("performed_on", flat=True)
            .first()
        )
    for current in plans:
        base = last or _today()
        current_due = _add_months(base, current.drill_interval_months)
        ContinuityPlan.objects.filter(pk=current.pk).update(next_drill_due=current_due)


PROVIDER_REVIEW_FIELDS = (
    "report_kind",
    "period_start",
    "period_end",
    "reviewed_on",
    "conclusion",
    "bcp_assessment",
    "dr_functions",
    "switchover_notice",
    "exceptions",
    "follow_up",
    "follow_up_due",
    "follow_up_closed_on",
)


def _check_period(review: ProviderContinuityReview) -> None:
    if review.period_start and review.period_end and review.period_end < review.period_start:
        raise _field_error("period_end", PERIOD_ORDER, "order")


def provider_review_create(*, actor: Any, csp: Any, **fields: Any) -> ProviderContinuityReview:
    _require(actor, "resilience.edit")
    with transaction.atomic():
        review = ProviderContinuityReview(csp=csp, reviewed_by=actor)
        _assign(review, fields, PROVIDER_REVIEW_FIELDS)
        _check_period(review)
        _clean_save(review)
        record_event(actor=actor, action=Action.CREATE, obj=review, after=snapshot(review))
    return review


def provider_review_update(
    *, actor: Any, review: ProviderContinuityReview, **fields: Any
) -> ProviderContinuityReview:
    _require(actor, "resilience.edit")
    with transaction.atomic():
        review = ProviderContinuityReview.objects.select_for_update().get(pk=review.pk)
        before = snapshot(review)
        _assign(review, fields, PROVIDER_REVIEW_FIELDS)
        _check_period(review)
        _clean_save(review)
        record_event(
            actor=actor, action=Action.UPDATE, obj=review, before=before, after=snapshot(review)
        )
    return review


def provider_review_attach(
    *, actor: Any, review: ProviderContinuityReview, upload: Any, **kwargs: Any
) -> EvidenceFile:
    _require(actor, "resilience.edit")
    return evidence_attach(
        actor=actor, owner=review, upload=upload, catalog_ids=["ch8.3.provider.b"], **kwargs
    )


DRILL_FIELDS = (
    "title",
    "kind",
    "joint_with_csp",
    "scenario",
    "planned_on",
    "objectives",
    "participants",
    "csp_participants",
    "rto_minutes",
    "rpo_minutes",
)


def _check_drill_scenario(scenario: str) -> None:
    if scenario not in {e.key for e in checklists.bcp_event_types()}:
        raise _field_error("scenario", SCENARIO_NOT_IN_PLAN, "scenario")


def drill_create(*, actor: Any, plan: ContinuityPlan, **fields: Any) -> Drill:
    _require(actor, "resilience.edit")
    plan = ContinuityPlan.objects.select_related("impact_analysis").get(pk=plan.pk)
    if plan.state != State.APPROVED:
        raise _field_error(
            "plan", PLAN_NOT_APPROVED, "plan_state", {"state": plan.get_state_display()}
        )
    _check_drill_scenario(fields.get("scenario", ""))
    analysis = plan.impact_analysis
    if analysis is not None:
        fields.setdefault("rto_minutes", analysis.rto_minutes)
        fields.setdefault("rpo_minutes", analysis.rpo_minutes)
    with transaction.atomic():
        drill = Drill(plan=plan, unit=plan.unit, prepared_by=actor, prepared_at=timezone.now())
        _assign(drill, fields, DRILL_FIELDS)
        _clean_save(drill)
        record_event(actor=actor, action=Action.CREATE, obj=drill, after=snapshot(drill))
    return drill


def drill_update(*, actor: Any, drill: Drill, **fields: Any) -> Drill:
    _require(actor, "resilience.edit")
    if "scenario" in fields:
        _check_drill_scenario(fields["scenario"])
    with transaction.atomic():
        drill = Drill.objects.select_for_update().get(pk=drill.pk)
        ensure_editable(drill)
        before = snapshot(drill)
        _assign(drill, fields, DRILL_FIELDS)
        _clean_save(drill)
        record_event(
            actor=actor, action=Action.UPDATE, obj=drill, before=before, after=snapshot(drill)
        )
    return drill


REPORT_FIELDS = (
    "performed_on",
    "participants",
    "recovery_minutes",
    "data_loss_minutes",
    "csp_notice_minutes",
    "results",
    "issues",
)


def drill_report_result(report: DrillReport) -> Any:
    return checklists.drill_result(
        rto_minutes=report.drill.rto_minutes,
        rpo_minutes=report.drill.rpo_minutes,
        recovery_minutes=report.recovery_minutes,
        data_loss_minutes=report.data_loss_minutes,
    )


def drill_report_create(*, actor: Any, drill: Drill, **fields: Any) -> DrillReport:
    _require(actor, "resilience.edit")
    drill = Drill.objects.get(pk=drill.pk)
    if drill.state != State.APPROVED:
        raise _field_error(
            "drill", DRILL_NOT_APPROVED, "drill_state", {"state": drill.get_state_display()}
        )
    with transaction.atomic():
        report = DrillReport(
            drill=drill, unit=drill.unit, prepared_by=actor, prepared_at=timezone.now()
        )
        _assign(report, fields, REPORT_FIELDS)
        _clean_save(report)
        record_event(actor=actor, action=Action.CREATE, obj=report, after=snapshot(report))
        determination_record(subject=report, result=drill_report_result(report), actor=actor)
    return report


def drill_report_update(*, actor: Any, report: DrillReport, **fields: Any) -> DrillReport:
    _require(actor, "resilience.edit")
    with transaction.atomic():
        report = DrillReport.objects.select_for_update().select_related("drill").get(pk=report.pk)
        ensure_editable(report)
        before = snapshot(report)
        _assign(report, fields, REPORT_FIELDS)
        _clean_save(report)
        record_event(
            actor=actor, action=Action.UPDATE, obj=report, before=before, after=snapshot(report)
        )
        determination_record(subject=report, result=drill_report_result(report), actor=actor)
    return report


def drill_report_attach(
    *, actor: Any, report: DrillReport, upload: Any, **kwargs: Any
) -> EvidenceFile:
    _require(actor, "resilience.edit")
    ensure_editable(report)
    return evidence_attach(
        actor=actor, owner=report, upload=upload, catalog_ids=["ch8.4.a"], **kwargs
    )


def follow_up_add(
    *,
    actor: Any,
    drill: Drill,
    description: str,
    due_date: dt.date,
    owner: Any = None,
    note: str = "",
) -> FollowUp:
    _require(actor, "resilience.edit")
    with transaction.atomic():
        item = FollowUp(
            drill=drill,
            description=description.strip(),
            due_date=due_date,
            owner=owner,
            note=note.strip(),
        )
        _clean_save(item)
        record_event(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item))
    return item


def follow_up_done(*, actor: Any, follow_up: FollowUp, note: str = "") -> FollowUp:
    _require(actor, "resilience.edit")
    with transaction.atomic():
        item = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if item.done_on is not None:
            raise ValidationError(FOLLOW_UP_DONE, code="done")
        item.done_on = _today()
        if note.strip():
            item.note = note.strip()[:500]
        item.save()
        record_event(
            actor=actor, action=Action.UPDATE, obj=item, changes={"done_on": [None, item.done_on]}
        )
    return item


# -- exit ------------------------------------------------------------------------------------------

EXIT_PLAN_FIELDS = (
    "target_kind",
    "target_name",
    "triggers",
    "triggers_note",
    "data_transfer_steps",
    "checklist",
)


def _check_triggers(triggers: Iterable[str]) -> list[str]:
    out = []
    for value in triggers:
        if value not in ExitTrigger.values:
            raise _field_error("triggers", TRIGGER_UNKNOWN, "trigger", {"value": value})
        out.append(value)
    if not out:
        raise _field_error("triggers", TRIGGERS_REQUIRED, "required")
    return out


def _check_checklist(answers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    known = {i.id for i in checklists.exit_checklist()}
    clean: dict[str, dict[str, Any]] = {}
    for key, value in answers.items():
        if key not in known:
            raise _field_error("checklist", CHECKLIST_UNKNOWN, "checklist", {"value": key})
        clean[key] = {
            "applicable": bool(value.get("applicable", True)),
            "note": str(value.get("note", "")).strip()[:2000],
        }
    return clean


def service_exit_depth(service: Any) -> str:
    return checklists.exit_depth(
        material=service.material, classification=service.classification_number
    )


def exit_plan_create(*, actor: Any, service: Any, **fields: Any) -> ExitPlan:
    """Ch 8.5: every service has an exit plan; its depth follows the risk."""
    _require(actor, "resilience.exit")
    fields["triggers"] = _check_triggers(fields.get("triggers") or [])
    fields["checklist"] = _check_checklist(fields.get("checklist") or {})
    if fields.get("target_kind") not in ExitTarget.values:
        raise _field_error("target_kind", TARGET_REQUIRED, "target")
    with transaction.atomic():
        plan = ExitPlan(
            service=service,
            unit=service.unit,
            depth=service_exit_depth(service),
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        _assign(plan, fields, EXIT_PLAN_FIELDS)
        _clean_save(plan)
        record_event(actor=actor, action=Action.CREATE, obj=plan, after=snapshot(plan))
    return plan


def exit_plan_update(*, actor: Any, plan: ExitPlan, **fields: Any) -> ExitPlan:
    _require(actor, "resilience.exit")
    if "triggers" in fields:
        fields["triggers"] = _check_triggers(fields["triggers"] or [])
    if "checklist" in fields:
        fields["checklist"] = _check_checklist(fields["checklist"] or {})
    with transaction.atomic():
        plan = ExitPlan.objects.select_for_update().select_related("service").get(pk=plan.pk)
        ensure_editable(plan)
        before = snapshot(plan)
        _assign(plan, fields, EXIT_PLAN_FIELDS)
        plan.depth = service_exit_depth(plan.service)
        _clean_save(plan)
        record_event(
            actor=actor, action=Action.UPDATE, obj=plan, before=before, after=snapshot(plan)
        )
    return plan


def _answers(checklist: Mapping[str, Mapping[str, Any]]) -> dict[str, checklists.Answer]:
    return {
        key: checklists.Answer(
            applicable=bool(v.get("applicable", True)),
            note=str(v.get("note", "")),
            done=bool(v.get("done", False)),
        )
        for key, v in checklist.items()
    }


def exit_plan_unanswered(plan: ExitPlan) -> list[str]:
    depth: checklists.Depth = "full" if plan.depth == "full" else "standard"
    return checklists.unanswered(checklists.exit_checklist(), _answers(plan.checklist or {}), depth)


def exit_plan_submit(*, actor: Any, plan: ExitPlan) -> ExitPlan:
    plan = ExitPlan.objects.get(pk=plan.pk)
    missing = exit_plan_unanswered(plan)
    if missing:
        raise WorkflowError(
            CHECKLIST_INCOMPLETE,
            code="checklist",
            params={
                "depth": plan.get_depth_display(),
                "note": CHECKLIST_NOTE_FULL if plan.depth == "full" else "",
                "missing": ", ".join(missing),
            },
        )
    return record_submit(record=plan, actor=actor)


def exit_start(
    *, actor: Any, plan: ExitPlan, reason: str, started_on: dt.date | None = None
) -> ExitExecution:
    """Begin carrying out an approved exit plan."""
    from fincloud.register.models import Stage

    _require(actor, "resilience.exit")
    if not reason.strip():
        raise _field_error("reason", NOTE_REQUIRED, "required")
    with transaction.atomic():
        plan = ExitPlan.objects.select_related("service").get(pk=plan.pk)
        if plan.state != State.APPROVED:
            raise _field_error(
                "plan", EXIT_PLAN_NOT_APPROVED, "plan_state", {"state": plan.get_state_display()}
            )
        service = plan.service
        if service.stage != Stage.IN_USE:
            raise _field_error(
                "service", EXIT_SERVICE_NOT_IN_USE, "stage", {"stage": service.get_stage_display()}
            )
        if ExitExecution.objects.filter(
            service=service, status=ExitExecution.Status.IN_PROGRESS
        ).exists():
            raise _field_error("service", EXIT_ALREADY_RUNNING, "running")
        progress = {
            key: {"applicable": a["applicable"], "note": "", "done": False}
            for key, a in (plan.checklist or {}).items()
        }
        execution = ExitExecution.objects.create(
            plan=plan,
            service=service,
            reason=reason.strip(),
            started_on=started_on or _today(),
            started_by=actor,
            progress=progress,
        )
        record_event(actor=actor, action=Action.CREATE, obj=execution, after=snapshot(execution))
    return execution


def _running(execution: ExitExecution) -> ExitExecution:
    execution = ExitExecution.objects.select_for_update().get(pk=execution.pk)
    if execution.status != ExitExecution.Status.IN_PROGRESS:
        raise ValidationError(EXIT_NOT_RUNNING, code="completed")
    return execution


def exit_record_progress(
    *, actor: Any, execution: ExitExecution, done: Mapping[str, bool], notes: Mapping[str, str]
) -> ExitExecution:
    """Tick the checklist items carried out (with a note where useful)."""
    _require(actor, "resilience.exit")
    known = {i.id for i in checklists.exit_checklist()}
    unknown = [k for k in (*done, *notes) if k not in known]
    if unknown:
        raise _field_error("checklist", CHECKLIST_UNKNOWN, "checklist", {"value": unknown[0]})
    with transaction.atomic():
        execution = _running(execution)
        progress = {k: dict(v) for k, v in (execution.progress or {}).items()}
        changes: dict[str, Any] = {}
        for key in known:
            entry = progress.setdefault(key, {"applicable": True, "note": "", "done": False})
            was = bool(entry.get("done"))
            now_done = bool(done.get(key, False)) if entry.get("applicable", True) else False
            note = str(notes.get(key, entry.get("note", ""))).strip()[:2000]
            if now_done != was:
                entry["done"] = now_done
                entry["done_on"] = _today().isoformat() if now_done else ""
                entry["by"] = actor.get_username() if now_done and actor is not None else ""
                changes[key] = [was, now_done]
            entry["note"] = note
        execution.progress = progress
        execution.save(update_fields=["progress"])
        record_event(
            actor=actor, action=Action.UPDATE, obj=execution, changes={"progress": changes}
        )
    return execution


def exit_open_items(execution: ExitExecution) -> list[str]:
    return checklists.not_done(checklists.exit_checklist(), _answers(execution.progress or {}))


TRANSFER_FIELDS = (
    "data_set",
    "destination",
    "method",
    "started_on",
    "completed_on",
    "records",
    "verified",
    "verification",
)


def _check_transfer(transfer: DataTransfer) -> None:
    if transfer.completed_on and transfer.completed_on < transfer.started_on:
        raise _field_error("completed_on", COMPLETED_BEFORE_STARTED, "order")
    if transfer.verified and (transfer.completed_on is None or not transfer.verification.strip()):
        raise _field_error("verified", TRANSFER_VERIFY_NEEDS, "verify")


def transfer_record(*, actor: Any, execution: ExitExecution, **fields: Any) -> DataTransfer:
    """Ch 8.5 during (2): the data moved with the CSP's mechanism, its integrity verified."""
    _require(actor, "resilience.exit")
    with transaction.atomic():
        execution = _running(execution)
        transfer = DataTransfer(execution=execution, recorded_by=actor, recorded_at=timezone.now())
        _assign(transfer, fields, TRANSFER_FIELDS)
        _check_transfer(transfer)
        _clean_save(transfer)
        record_event(actor=actor, action=Action.CREATE, obj=transfer, after=snapshot(transfer))
    return transfer


def transfer_update(*, actor: Any, transfer: DataTransfer, **fields: Any) -> DataTransfer:
    _require(actor, "resilience.exit")
    with transaction.atomic():
        _running(transfer.execution)
        transfer = DataTransfer.objects.select_for_update().get(pk=transfer.pk)
        before = snapshot(transfer)
        _assign(transfer, fields, TRANSFER_FIELDS)
        _check_transfer(transfer)
        _clean_save(transfer)
        record_event(
            actor=actor, action=Action.UPDATE, obj=transfer, before=before, after=snapshot(transfer)
        )
    return transfer


DELETION_FIELDS = ("method", "scope", "performed_on", "performed_by", "external_service", "result")


def _check_deletion(record: DeletionRecord) -> None:
    if (
        record.performed_by == DeletionRecord.Performer.EXTERNAL
        and not record.external_service.strip()
    ):
        raise _field_error("external_service", EXTERNAL_NEEDS_NAME, "external")


def deletion_create(*, actor: Any, execution: ExitExecution, **fields: Any) -> DeletionRecord:
    """Ch 8.5 deletion (a)-(c): record how the data was deleted."""
    _require(actor, "resilience.exit")
    with transaction.atomic():
        execution = _running(execution)
        record = DeletionRecord(
            execution=execution,
            unit=execution.service.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        _assign(record, fields, DELETION_FIELDS)
        _check_deletion(record)
        _clean_save(record)
        record_event(actor=actor, action=Action.CREATE, obj=record, after=snapshot(record))
    return record


def deletion_update(*, actor: Any, record: DeletionRecord, **fields: Any) -> DeletionRecord:
    _require(actor, "resilience.exit")
    with transaction.atomic():
        record = DeletionRecord.objects.select_for_update().get(pk=record.pk)
        ensure_editable(record)
        before = snapshot(record)
        _assign(record, fields, DELETION_FIELDS)
        _check_deletion(record)
        _clean_save(record)
        record_event(
            actor=actor, action=Action.UPDATE, obj=record, before=before, after=snapshot(record)
        )
    return record


def deletion_attach(
    *, actor: Any, record: DeletionRecord, upload: Any, certificate: bool = False, **kwargs: Any
) -> EvidenceFile:
    """Evidence of the deletion result, or the external service's deletion certificate."""
    _require(actor, "resilience.exit")
    ensure_editable(record)
    catalog_id = checklists.DELETION_CERTIFICATE if certificate else checklists.DELETION_RESULT
    return evidence_attach(
        actor=actor,
        owner=record,
        upload=upload,
        kind=CERTIFICATE_KIND if certificate else DELETION_EVIDENCE_KIND,
        catalog_ids=[catalog_id],
        **kwargs,
    )


def deletion_problems(record: DeletionRecord) -> list[ValidationError]:
    """Why a deletion record cannot be submitted yet (empty when it can)."""
    problems: list[ValidationError] = []
    execution = record.execution
    if execution.status != ExitExecution.Status.IN_PROGRESS:
        problems.append(ValidationError(DELETION_WRONG_EXECUTION, code="completed"))
    transfers = list(execution.transfers.all())
    if not transfers:
        problems.append(ValidationError(DELETION_NEEDS_TRANSFER, code="no_transfer"))
    for transfer in transfers:
        if not (transfer.verified and transfer.completed_on):
            problems.append(
                ValidationError(
                    DELETION_TRANSFER_UNVERIFIED,
                    code="unverified",
                    params={"name": transfer.data_set},
                )
            )
    open_items = exit_open_items(execution)
    if open_items:
        problems.append(
            ValidationError(
                DELETION_STEPS_OPEN, code="open_items", params={"missing": ", ".join(open_items)}
            )
        )
    files = evidence_for(record)
    if not files:
        problems.append(ValidationError(DELETION_NEEDS_EVIDENCE, code="no_evidence"))
    if record.performed_by == DeletionRecord.Performer.EXTERNAL and not any(
        f.kind == CERTIFICATE_KIND for f in files
    ):
        problems.append(ValidationError(DELETION_NEEDS_CERTIFICATE, code="no_certificate"))
    return problems


def deletion_submit(*, actor: Any, record: DeletionRecord) -> DeletionRecord:
    record = DeletionRecord.objects.select_related("execution").get(pk=record.pk)
    problems = deletion_problems(record)
    if problems:
        first = problems[0]
        raise WorkflowError(first.message, code=first.code, params=first.params)
    return record_submit(record=record, actor=actor)


def exit_complete_on_deletion_approved(*, record: DeletionRecord, actor: Any) -> None:
    """Approval hook of the deletion record: the exit is complete and the service moves to
    "after use" (Annex 2 使用後) through the register. Runs inside the approving transaction,
    so a refusal by the register undoes the approval."""
    from fincloud.register import services as register_services

    problems = deletion_problems(record)
    if problems:
        first = problems[0]
        raise WorkflowError(first.message, code=first.code, params=first.params)
    execution = (
        ExitExecution.objects.select_for_update()
        .select_related("service")
        .get(pk=record.execution_id)
    )
    try:
        register_services.service_enter_after_use(
            service=execution.service, actor=actor, record=record, ended_on=record.performed_on
        )
    except ValidationError as exc:
        if isinstance(exc, WorkflowError):
            raise
        raise WorkflowError(exc.messages[0], code="register") from exc
    execution.status = ExitExecution.Status.COMPLETED
    execution.completed_at = timezone.now()
    execution.save(update_fields=["status", "completed_at"])
    record_event(
        actor=actor,
        action=Action.UPDATE,
        obj=execution,
        changes={
            "status": [ExitExecution.Status.IN_PROGRESS, ExitExecution.Status.COMPLETED],
            "deletion_record": [None, str(record.code)],
        },
    )
