"""Write operations of in-use oversight (one function per business action).

Every function is keyword-only, runs in one transaction and writes its audit event in it;
refusals are ``ValidationError``s keyed by the field, with messages kept as module constants.
SLA arithmetic is fincloud.sla's (attainment: clipping, merging, planned maintenance; composite
availability); this module only gathers the inputs and stores the results.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.determinations.services import determination_record, determination_record_many
from fincloud.evidence.filetypes import ALLOWED_LABEL, REFUSED, sniff
from fincloud.evidence.services import evidence_attach
from fincloud.oversight import attainment as bulk
from fincloud.oversight import composition, feeds
from fincloud.oversight import kpi as kpi_rules
from fincloud.oversight.dates import (
    DEFAULT_REVIEW_MONTHS,
    UNCLASSIFIED_KEY,
    add_months,
    period_last_day,
    periods_touching,
)
from fincloud.oversight.models import (
    AttainmentRecord,
    CreditClaim,
    Indicator,
    Measurement,
    MeasurementPeriod,
    Outage,
    OutageImport,
    PeriodicReview,
    ReportException,
    ReportReview,
    ReviewFinding,
    ReviewItem,
    ReviewPolicy,
    ReviewSchedule,
    SlaTarget,
)
from fincloud.register.models import (
    Classification,
    CloudService,
    CloudServiceProvider,
    ServiceDependency,
    ServiceStatus,
    Stage,
)
from fincloud.rules.determination import Determination as RuleDetermination
from fincloud.sla.attainment import Period, parse_period
from fincloud.sla.downtime import SlaError
from fincloud.workflow.models import State
from fincloud.workflow.services import ensure_editable, record_submit

# -- messages ----------------------------------------------------------------------------------

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
OUTAGE_ENDS_BEFORE_START = _(
    "End: the outage ends (%(end)s) before it starts (%(start)s); the end must not be before "
    "the start."
)
OUTAGE_NEEDS_SERVICE = _("Affected services: name at least one service.")
OUTAGE_TOO_LONG = _("End: an outage may span at most %(months)s months.")
TARGET_OUT_OF_RANGE = _("Availability target: a percentage above 0 and at most 100.")
CREDIT_TERMS_BAD = _(
    "Service credit tiers: line %(line)s: write “availability below: credit %%”, e.g. "
    "“99.9: 10”; both percentages above 0 and at most 100."
)
CREDIT_TERMS_ORDER = _(
    "Service credit tiers: a lower availability must give a larger credit (line %(line)s)."
)
DOCUMENT_NOT_FOR_SERVICE = _(
    "Contract or SLA document: it must cover this service or be a CSP-wide document of its CSP."
)
IMPORT_TOO_LARGE = _("File: %(name)s is %(size)s KB; an import file may be at most %(limit)s KB.")
IMPORT_WRONG_TYPE = _("File: %(name)s must be %(expected)s.")
IMPORT_FAULT = _("File: %(where)s: %(rule)s")
IMPORT_UNKNOWN_SERVICE = _(
    "File: %(where)s, column services: no cloud service “%(name)s” (give the service's code "
    "or its exact name)."
)
IMPORT_AMBIGUOUS_SERVICE = _(
    "File: %(where)s, column services: %(count)s services are named “%(name)s”; give the "
    "service's code."
)
SERVICE_UNKNOWN = _(
    "Affected services: no cloud service “%(name)s” (give the service's code or its exact name)."
)
SERVICE_AMBIGUOUS = _(
    "Affected services: %(count)s services are named “%(name)s”; give the service's code."
)
IMPORT_NOTHING = _("File: no outage in the file matches; nothing was imported.")
THRESHOLDS_ORDER_HIGHER = _(
    "Amber from: when higher is better, the amber threshold must not be above the green one."
)
THRESHOLDS_ORDER_LOWER = _(
    "Amber from: when lower is better, the amber threshold must not be below the green one."
)
INDICATOR_NAME_TAKEN = _("Name: this service already has an indicator called “%(name)s”.")
MEASUREMENT_DAY_TAKEN = _("Measured on: there is already a measurement on %(day)s.")
MEASUREMENT_IN_FUTURE = _("Measured on: a measurement cannot be dated in the future.")
POLICY_RAISED_LONGER = _(
    "Raised frequency: the raised interval must not be longer than the normal one."
)
POLICY_UNKNOWN_CLASSIFICATION = _("Classification: unknown classification “%(value)s”.")
RAISE_NEEDS_REASON = _("Reason: say why this service is reviewed more often.")
REVIEW_SERVICE_NOT_IN_USE = _("Cloud service: only a service in use is reviewed periodically.")
REVIEW_OPEN_EXISTS = _(
    "Cloud service: a review of this service is already in progress (%(state)s); finish it first."
)
REVIEW_PERIOD_ORDER = _("Period reviewed to: must not be before the period's start.")
REVIEW_ITEMS_OPEN = _("Checklist: every item needs a result before submitting (open: %(items)s).")
REVIEW_FINDING_MISSING = _(
    "Checklist: item %(item)s is marked “finding” but has no finding recorded."
)
REVIEW_NEEDS_CONCLUSION = _("Conclusion: choose one before submitting.")
ITEM_NA_NEEDS_REASON = _("Notes: “not applicable” needs the reason in the notes.")
FOLLOWUP_ALREADY_CLOSED = _("This item is already closed.")
FOLLOWUP_CLOSE_NEEDS_NOTE = _("How it was closed: say what was done (and where the evidence is).")
FOLLOWUP_CLOSE_BEFORE_OPEN = _("Closed on: must not be before the item was recorded (%(day)s).")
FOLLOWUP_CLOSE_IN_FUTURE = _("Closed on: must not be in the future.")
FOLLOWUP_DUE_BEFORE_OPEN = _("Due date: must not be before today.")
REPORT_PERIOD_ORDER = _("Covers to: must not be before “covers from”.")
REPORT_QUALIFIED_NEEDS_EXCEPTION = _(
    "Exceptions: a qualified or adverse opinion states exceptions; record each before submitting."
)
REPORT_CERT_OTHER_CSP = _("Certification: it belongs to another CSP.")
REPORT_DOCUMENT_OTHER_CSP = _("Report document: it belongs to another CSP.")
ACTOR_NEEDS_UNIT = _("You have no business unit; ask an administrator to assign one.")
CLAIM_NEEDS_DATE = _("Claimed on: required once the credit is claimed.")
CLAIM_WAIVE_NEEDS_REASON = _("Note or reason: say why the credit is not claimed.")

ONE_TENTH_PERCENT = Decimal("0.00001")
DEFAULT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
REVIEW_SECTION = "ch3.4"
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.REJECTED)


def _invalid(
    field: str, message: Any, code: str | None = None, params: dict[str, Any] | None = None
) -> ValidationError:
    """A refusal keyed by the field, its message with the parameters filled in (a dict given to
    ValidationError directly would drop ``params``)."""
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _require(actor: Any, capability: str) -> None:
    if actor is None or not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def _save(instance: models.Model, *, exclude: Sequence[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude) or None)
    instance.save()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# -- SLA targets --------------------------------------------------------------------------------


def parse_credit_terms(text: str) -> list[dict[str, str]]:
    """'99.9: 10' per line (availability below 99.9 % gives a 10 % credit), highest first.

    Tiers must give larger credits to lower availabilities."""
    terms: list[tuple[Decimal, Decimal, int]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        below_text, sep, credit_text = line.partition(":")
        try:
            below = Decimal(below_text.strip().rstrip("%"))
            credit = Decimal(credit_text.strip().rstrip("%"))
        except InvalidOperation:
            below = credit = Decimal(-1)
        if not sep or not (0 < below <= 100) or not (0 < credit <= 100):
            raise _invalid(
                "credit_terms", CREDIT_TERMS_BAD, code="credit_terms", params={"line": number}
            )
        terms.append((below, credit, number))
    terms.sort(key=lambda t: -t[0])
    for (_b1, c1, _n1), (_b2, c2, n2) in itertools.pairwise(terms):
        if c2 < c1:
            raise _invalid(
                "credit_terms", CREDIT_TERMS_ORDER, code="credit_order", params={"line": n2}
            )
    return [
        {"below": str(b.normalize()), "credit_percent": str(c.normalize())} for b, c, _ in terms
    ]


def credit_terms_text(terms: Iterable[dict[str, str]]) -> str:
    return "\n".join(f"{t['below']}: {t['credit_percent']}" for t in terms)


def sla_target_save(
    *,
    actor: Any,
    service: CloudService,
    target_percent: Decimal,
    period: str = MeasurementPeriod.MONTHLY,
    planned_excluded: bool = True,
    credit_terms: list[dict[str, str]] | None = None,
    claim_window_days: int = 30,
    document: Any = None,
    note: str = "",
) -> SlaTarget:
    _require(actor, "oversight.sla")
    if not (Decimal(0) < Decimal(target_percent) <= Decimal(100)):
        raise _invalid("target_percent", TARGET_OUT_OF_RANGE, code="target")
    if document is not None:
        covers = document.services.filter(pk=service.pk).exists() or (
            document.csp_id == service.csp_id and not document.services.exists()
        )
        if not covers:
            raise _invalid("document", DOCUMENT_NOT_FOR_SERVICE, code="document")
    with transaction.atomic():
        target = SlaTarget.objects.select_for_update().filter(service=service).first()
        before = snapshot(target) if target else None
        target = target or SlaTarget(service=service)
        target.target_percent = Decimal(target_percent)
        target.period = period
        target.planned_excluded = planned_excluded
        target.credit_terms = list(credit_terms or [])
        target.claim_window_days = claim_window_days
        target.document = document
        target.note = note.strip()
        target.updated_by = actor
        _save(target)
        record_event(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=target,
            before=before,
            after=snapshot(target),
        )
        # The figures of the recent periods change with the target: compute them again.
        _recompute_recent(service_ids=[service.pk], actor=actor)
    return target


def _recompute_recent(*, service_ids: list[int], actor: Any, months: int = 12) -> None:
    today = timezone.localdate()
    labels: list[str] = []
    for back in range(months):
        day = add_months(today.replace(day=1), -back)
        labels += [f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"]
    for label in dict.fromkeys(labels):
        attainment_compute(period=label, service_ids=service_ids, actor=actor, interactive=True)


# -- attainment (the bulk path the benchmark measures) -------------------------------------------


@dataclass(frozen=True)
class ComputeSummary:
    period: str
    services: int
    breaches: int
    changed: int
    determinations: int
    # Wall and CPU seconds of the two parts: read, compute and store the figures; then store
    # the explanations (determinations) of the results that need one.
    seconds_figures: float = 0.0
    seconds_determinations: float = 0.0
    cpu_figures: float = 0.0
    cpu_determinations: float = 0.0


def targets_for(service_ids: Iterable[int] | None = None) -> dict[int, bulk.TargetSpec]:
    """The SLA target of every service that has one (any stage but a service cancelled before
    use): the contract's (SlaTarget), else the availability target entered in the register
    (monthly, planned maintenance excluded, no credits)."""
    services = CloudService.objects.exclude(status=ServiceStatus.CANCELLED)
    if service_ids is not None:
        services = services.filter(pk__in=list(service_ids))
    out: dict[int, bulk.TargetSpec] = {}
    for sid, percent, owner in services.filter(availability_target__isnull=False).values_list(
        "pk", "availability_target", "owner_id"
    ):
        if percent is not None:
            out[sid] = bulk.TargetSpec(Decimal(percent), owner_id=owner)
    for row in SlaTarget.objects.filter(service__in=services).values_list(
        "service_id",
        "target_percent",
        "planned_excluded",
        "period",
        "credit_terms",
        "claim_window_days",
        "service__owner_id",
    ):
        sid, percent, excluded, period, terms, window, owner = row
        out[sid] = bulk.TargetSpec(
            Decimal(percent), excluded, period, tuple(terms or ()), window, owner
        )
    return out


def _aware(value: Any) -> dt.datetime:
    """A timestamp column as an aware UTC datetime: PostgreSQL gives one; SQLite gives the
    text Django stored (UTC, no offset)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value  # type: ignore[no-any-return]


def _outage_rows(period: Period, service_ids: Iterable[int] | None) -> Iterator[bulk.Row]:
    """(service, start, end, planned) of every outage overlapping the period. Two index range
    scans (outages that ended after the period began; outages still going on), read with a
    plain cursor: building ORM rows for a hundred thousand outages would cost more than the
    arithmetic."""
    through = Outage.services.through
    rows = through.objects.all()
    if service_ids is not None:
        rows = rows.filter(cloudservice_id__in=list(service_ids))
    fields = ("cloudservice_id", "outage__start", "outage__end", "outage__planned")
    ended = rows.filter(outage__end__gt=period.start, outage__start__lt=period.end)
    ongoing = rows.filter(outage__end__isnull=True, outage__start__lt=period.end)
    for queryset in (ended, ongoing):
        sql, params = queryset.values_list(*fields).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(5000):
                for sid, start, end, planned in batch:
                    yield (
                        sid,
                        _aware(start),
                        _aware(end) if end is not None else None,
                        bool(planned),
                    )


def attainment_compute(
    *,
    period: str,
    service_ids: Iterable[int] | None = None,
    actor: Any = None,
    interactive: bool = False,
    now: dt.datetime | None = None,
) -> ComputeSummary:
    """Compute the attainment of every service with a target for a month ('2026-01') or a
    quarter ('2026-Q1') by fincloud.sla, and store what changed. The outages come from two
    index range scans; the merging and clipping are fincloud.sla's. Interactive (after an
    outage is recorded) every changed result is stored as a determination; in bulk only the
    breaches that changed."""
    try:
        span = parse_period(period)
    except SlaError as exc:
        raise ValidationError({"period": exc.message("en")}, code="period") from None
    if "-" not in span.label:
        raise ValidationError({"period": "a month (YYYY-MM) or a quarter (YYYY-Qn)"})
    started, cpu_started = time.perf_counter(), time.process_time()
    moment = _now(now)
    ids = list(service_ids) if service_ids is not None else None
    targets = targets_for(ids)
    results = bulk.compute(_outage_rows(span, ids), targets, span, moment)
    old_rows = AttainmentRecord.objects.filter(period=span.label)
    if ids is not None:
        old_rows = old_rows.filter(service_id__in=list(targets))
    existing = {
        row[0]: row[1:]
        for row in old_rows.values_list(
            "service_id",
            "availability_percent",
            "downtime_minutes",
            "target_percent",
            "breach",
            "planned_excluded",
            "credit_percent",
        )
    }
    records: list[AttainmentRecord] = []
    changed: set[int] = set()
    for sid, outcome in results.items():
        result, spec = outcome.attainment, targets[sid]
        availability = result.availability_percent.quantize(Decimal("0.00000001"))
        down = result.downtime_minutes.quantize(Decimal("0.0001"))
        now_values = (
            availability,
            down,
            spec.percent,
            result.breach,
            spec.planned_excluded,
            outcome.credit_percent,
        )
        if existing.get(sid) != now_values:
            changed.add(sid)
        else:
            continue  # stored as it is: nothing to write
        records.append(
            AttainmentRecord(
                service_id=sid,
                period=span.label,
                period_start=span.start,
                target_percent=spec.percent,
                planned_excluded=spec.planned_excluded,
                availability_percent=availability,
                downtime_minutes=down,
                allowed_minutes=result.allowed_minutes.quantize(Decimal("0.0001")),
                breach=result.breach,
                outages_counted=result.outages_counted,
                credit_percent=outcome.credit_percent,
                rule_version=result.rule_version,
                computed_at=moment,
            )
        )
    wanted = {
        sid
        for sid in changed
        if interactive or results[sid].attainment.breach or (sid in existing and existing[sid][3])
    }
    with transaction.atomic():
        AttainmentRecord.objects.bulk_create(
            records,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["service", "period"],
            update_fields=[
                "period_start",
                "target_percent",
                "planned_excluded",
                "availability_percent",
                "downtime_minutes",
                "allowed_minutes",
                "breach",
                "outages_counted",
                "credit_percent",
                "rule_version",
                "computed_at",
            ],
        )
        figures_done, cpu_figures_done = time.perf_counter(), time.process_time()
        determined = 0
        if wanted:
            stored = AttainmentRecord.objects.filter(period=span.label, service_id__in=list(wanted))
            determined = len(
                determination_record_many(
                    pairs=[
                        (record, results[record.service_id].attainment.determination())
                        for record in stored
                    ],
                    actor=actor,
                )
            )
        _open_claims(span.label, targets)
        breaches = sum(1 for r in results.values() if r.attainment.breach)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            object_type="oversight.attainmentrecord",
            object_id=span.label,
            object_repr=f"SLA attainment {span.label}",
            changes={
                "period": [None, span.label],
                "services": [None, len(results)],
                "breaches": [None, breaches],
                "changed": [None, len(changed)],
            },
        )
    return ComputeSummary(
        span.label,
        len(results),
        breaches,
        len(changed),
        determined,
        seconds_figures=figures_done - started,
        seconds_determinations=time.perf_counter() - figures_done,
        cpu_figures=cpu_figures_done - cpu_started,
        cpu_determinations=time.process_time() - cpu_figures_done,
    )


def _open_claims(label: str, targets: dict[int, bulk.TargetSpec]) -> None:
    """A breach with a credit due opens a claim to make within the contract's window."""
    due = AttainmentRecord.objects.filter(
        period=label, credit_percent__gt=0, service_id__in=list(targets), claim__isnull=True
    ).values_list("pk", "service_id")
    last_day = period_last_day(label)
    claims = [
        CreditClaim(
            attainment_id=pk,
            claim_due=last_day + dt.timedelta(days=targets[sid].claim_window_days),
            owner_id=targets[sid].owner_id,
        )
        for pk, sid in due
    ]
    CreditClaim.objects.bulk_create(claims, batch_size=500, ignore_conflicts=True)


def claim_update(
    *,
    actor: Any,
    claim: CreditClaim,
    status: str,
    claimed_on: dt.date | None = None,
    reference: str = "",
    amount_twd: Decimal | None = None,
    note: str = "",
) -> CreditClaim:
    _require(actor, "oversight.sla")
    if (
        status
        in {
            CreditClaim.Status.CLAIMED,
            CreditClaim.Status.RECEIVED,
            CreditClaim.Status.REFUSED,
        }
        and not claimed_on
    ):
        raise _invalid("claimed_on", CLAIM_NEEDS_DATE, code="claimed_on")
    if status == CreditClaim.Status.WAIVED and not note.strip():
        raise _invalid("note", CLAIM_WAIVE_NEEDS_REASON, code="waiver_reason")
    with transaction.atomic():
        claim = CreditClaim.objects.select_for_update().get(pk=claim.pk)
        before = snapshot(claim)
        claim.status = status
        claim.claimed_on = claimed_on
        claim.reference = reference.strip()
        claim.amount_twd = amount_twd
        claim.note = note.strip()
        claim.updated_by = actor
        _save(claim)
        record_event(
            actor=actor, action=Action.UPDATE, obj=claim, before=before, after=snapshot(claim)
        )
    return claim


# -- outages ------------------------------------------------------------------------------------


def _check_interval(start: dt.datetime, end: dt.datetime | None) -> None:
    if end is not None and end < start:
        tz = timezone.get_current_timezone()
        raise _invalid(
            "end",
            OUTAGE_ENDS_BEFORE_START,
            code="end_before_start",
            params={
                "end": end.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "start": start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            },
        )
    try:
        periods_touching(start, end or timezone.now())
    except ValueError:
        raise _invalid("end", OUTAGE_TOO_LONG, code="too_long", params={"months": 120}) from None


def _common_csp(services: Sequence[CloudService]) -> CloudServiceProvider | None:
    csp_ids = {s.csp_id for s in services}
    if len(csp_ids) == 1:
        return services[0].csp
    return None


def _recompute_outage_periods(
    *,
    service_ids: Iterable[int],
    intervals: Iterable[tuple[dt.datetime, dt.datetime | None]],
    actor: Any,
) -> None:
    labels: list[str] = []
    now = timezone.now()
    for start, end in intervals:
        labels += periods_touching(start, min(end or now, max(now, start)))
    ids = sorted(set(service_ids))
    for label in dict.fromkeys(labels):
        attainment_compute(period=label, service_ids=ids, actor=actor, interactive=True)


def outage_record(
    *,
    actor: Any,
    services: Sequence[CloudService],
    start: dt.datetime,
    end: dt.datetime | None,
    planned: bool = False,
    cause: str = "",
    csp_reference: str = "",
    title: str = "",
) -> Outage:
    """Record an outage of one or more services; their attainment is computed again."""
    _require(actor, "oversight.outage")
    services = list(services)
    if not services:
        raise _invalid("services", OUTAGE_NEEDS_SERVICE, code="services")
    _check_interval(start, end)
    with transaction.atomic():
        outage = Outage(
            title=title.strip(),
            start=start,
            end=end,
            planned=planned,
            cause=cause.strip(),
            csp_reference=csp_reference.strip(),
            csp=_common_csp(services),
            source=Outage.Source.MANUAL,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _save(outage)
        outage.services.set(services)
        after = snapshot(outage)
        after["services"] = sorted(str(s.code) for s in services)
        record_event(actor=actor, action=Action.CREATE, obj=outage, after=after)
        _recompute_outage_periods(
            service_ids=[s.pk for s in services], intervals=[(start, end)], actor=actor
        )
    return outage


def outage_update(
    *,
    actor: Any,
    outage: Outage,
    services: Sequence[CloudService],
    start: dt.datetime,
    end: dt.datetime | None,
    planned: bool,
    cause: str = "",
    csp_reference: str = "",
    title: str = "",
) -> Outage:
    """Correct an outage (e.g. add its end once resolved); old and new periods are recomputed."""
    _require(actor, "oversight.outage")
    services = list(services)
    if not services:
        raise _invalid("services", OUTAGE_NEEDS_SERVICE, code="services")
    _check_interval(start, end)
    with transaction.atomic():
        outage = Outage.objects.select_for_update().get(pk=outage.pk)
        old_services = list(outage.services.values_list("pk", flat=True))
        old_interval = (outage.start, outage.end)
        before = snapshot(outage)
        before["services"] = sorted(str(c) for c in outage.services.values_list("code", flat=True))
        outage.title = title.strip()
        outage.start = start
        outage.end = end
        outage.planned = planned
        outage.cause = cause.strip()
        outage.csp_reference = csp_reference.strip()
        outage.csp = _common_csp(services)
        _save(outage)
        outage.services.set(services)
        after = snapshot(outage)
        after["services"] = sorted(str(s.code) for s in services)
        record_event(actor=actor, action=Action.UPDATE, obj=outage, before=before, after=after)
        _recompute_outage_periods(
            service_ids=[*old_services, *(s.pk for s in services)],
            intervals=[old_interval, (start, end)],
            actor=actor,
        )
    return outage


# -- imports ------------------------------------------------------------------------------------


def import_max_bytes() -> int:
    return min(
        int(settings.FINCLOUD_UPLOAD_MAX_BYTES),
        int(getattr(settings, "FINCLOUD_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)),
    )


def _read_upload(upload: Any, allowed: dict[str, str], expected: Any) -> bytes:
    """The upload's bytes after fincloud.evidence's type check (by content, not only name) and
    the import size limit, read no further than the limit."""
    name = PurePath(getattr(upload, "name", "file")).name
    limit = import_max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _invalid(
            "file",
            IMPORT_TOO_LARGE,
            code="too_large",
            params={"name": name, "size": -(-size // 1024), "limit": limit // 1024},
        )
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _invalid(
            "file",
            IMPORT_TOO_LARGE,
            code="too_large",
            params={"name": name, "size": -(-len(data) // 1024), "limit": limit // 1024},
        )
    try:
        content_type = sniff(name, data[:8192])
    except ValidationError:
        # fincloud.evidence's own check, its message with the name and the accepted types.
        raise _invalid(
            "file", REFUSED, code="file_type", params={"name": name, "allowed": ALLOWED_LABEL}
        ) from None
    if content_type not in allowed.values() or PurePath(name).suffix.lower() not in allowed:
        raise _invalid(
            "file",
            IMPORT_WRONG_TYPE,
            code="file_type",
            params={"name": name, "expected": expected},
        )
    return data


def _fault(exc: feeds.FeedError) -> ValidationError:
    from django.utils.translation import get_language

    lang = "en" if (get_language() or "").startswith("en") else "zh-TW"
    rule = exc.rule_en if lang == "en" else exc.rule_zh
    return _invalid(
        "file", IMPORT_FAULT, code="file_content", params={"where": exc.where, "rule": rule}
    )


def _match_services(names: Iterable[str]) -> tuple[dict[str, CloudService], dict[str, int]]:
    """Each identifier (a service's code, in any case, or its exact name) mapped to its
    service, and the names several services share with their count; unknown ones are in
    neither. Two queries, however many names."""
    import uuid

    wanted = set(names)
    codes: dict[uuid.UUID, str] = {}
    for name in wanted:
        try:
            codes[uuid.UUID(name)] = name
        except ValueError:
            continue
    found: dict[str, CloudService] = {}
    for service in CloudService.objects.filter(code__in=list(codes)).select_related("csp"):
        found[codes[service.code]] = service
    by_name: dict[str, list[CloudService]] = defaultdict(list)
    rest = [n for n in wanted if n not in found]
    for service in CloudService.objects.filter(name__in=rest).select_related("csp"):
        by_name[service.name].append(service)
    ambiguous = {n: len(m) for n, m in by_name.items() if len(m) > 1}
    found.update({n: m[0] for n, m in by_name.items() if len(m) == 1})
    return found, ambiguous


def resolve_service_names(names: Sequence[str]) -> list[CloudService]:
    """The services a person listed (codes or exact names), each once, in the given order."""
    found, ambiguous = _match_services(names)
    for name in names:
        if name in ambiguous:
            raise _invalid(
                "services",
                SERVICE_AMBIGUOUS,
                code="ambiguous_service",
                params={"name": name, "count": ambiguous[name]},
            )
        if name not in found:
            raise _invalid(
                "services", SERVICE_UNKNOWN, code="unknown_service", params={"name": name}
            )
    return list({found[n].pk: found[n] for n in names}.values())


def _resolve_rows(
    rows: Sequence[feeds.OutageRow],
) -> list[tuple[feeds.OutageRow, list[CloudService]]]:
    found, ambiguous = _match_services(n for row in rows for n in row.services)
    pairs = []
    for row in rows:
        for name in row.services:
            if name in ambiguous:
                raise _invalid(
                    "file",
                    IMPORT_AMBIGUOUS_SERVICE,
                    code="ambiguous_service",
                    params={"where": row.where, "name": name, "count": ambiguous[name]},
                )
            if name not in found:
                raise _invalid(
                    "file",
                    IMPORT_UNKNOWN_SERVICE,
                    code="unknown_service",
                    params={"where": row.where, "name": name},
                )
        pairs.append((row, list({found[n].pk: found[n] for n in row.services}.values())))
    return pairs


@dataclass(frozen=True)
class ImportResult:
    record: OutageImport
    created: int
    updated: int
    skipped: int


def _store_rows(
    *,
    actor: Any,
    imported: OutageImport,
    rows: Sequence[tuple[feeds.OutageRow, list[CloudService]]],
    source: str,
) -> tuple[int, int, set[int], list[tuple[dt.datetime, dt.datetime | None]]]:
    created = updated = 0
    touched: set[int] = set()
    intervals: list[tuple[dt.datetime, dt.datetime | None]] = []
    now = timezone.now()
    for row, services in rows:
        csp = _common_csp(services)
        existing = None
        if row.reference and csp is not None:
            existing = Outage.objects.filter(csp=csp, csp_reference=row.reference).first()
        if existing is not None:
            intervals.append((existing.start, existing.end))
            touched.update(existing.services.values_list("pk", flat=True))
            before = snapshot(existing)
            existing.start, existing.end, existing.planned = row.start, row.end, row.planned
            existing.title = row.title or existing.title
            existing.cause = row.cause or existing.cause
            existing.imported_by_file = imported
            _save(existing)
            existing.services.add(*services)
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=existing,
                before=before,
                after=snapshot(existing),
            )
            updated += 1
        else:
            outage = Outage(
                title=row.title,
                start=row.start,
                end=row.end,
                planned=row.planned,
                cause=row.cause,
                csp_reference=row.reference if csp is not None else "",
                csp=csp,
                source=source,
                imported_by_file=imported,
                recorded_by=actor,
                recorded_at=now,
            )
            _save(outage)
            outage.services.set(services)
            record_event(actor=actor, action=Action.CREATE, obj=outage, after=snapshot(outage))
            created += 1
        touched.update(s.pk for s in services)
        intervals.append((row.start, row.end))
    return created, updated, touched, intervals


def _recompute_import(
    touched: set[int], intervals: list[tuple[dt.datetime, dt.datetime | None]], actor: Any
) -> None:
    now = timezone.now()
    labels: list[str] = []
    for start, end in intervals:
        labels += periods_touching(start, min(end or now, max(now, start)))
    for label in dict.fromkeys(labels):
        attainment_compute(period=label, service_ids=sorted(touched), actor=actor)


def outage_import_csv(*, actor: Any, upload: Any) -> ImportResult:
    """Import outages from a CSV (docs/oversight.md for the columns); all or nothing."""
    _require(actor, "oversight.outage")
    data = _read_upload(upload, {".csv": "text/csv", ".txt": "text/plain"}, ".csv")
    try:
        parsed = feeds.read_csv(data, PurePath(upload.name).name)
    except feeds.FeedError as exc:
        raise _fault(exc) from None
    if not parsed.rows:
        raise _invalid("file", IMPORT_NOTHING, code="empty")
    pairs = _resolve_rows(parsed.rows)
    for row in parsed.rows:
        try:
            periods_touching(row.start, row.end or max(timezone.now(), row.start))
        except ValueError:
            raise _invalid(
                "file",
                IMPORT_FAULT,
                code="too_long",
                params={"where": row.where, "rule": str(OUTAGE_TOO_LONG % {"months": 120})},
            ) from None
    with transaction.atomic():
        imported = OutageImport.objects.create(
            kind=OutageImport.Kind.CSV,
            format=parsed.format,
            file_name=PurePath(upload.name).name[:255],
            imported_by=actor,
            imported_at=timezone.now(),
        )
        created, updated, touched, intervals = _store_rows(
            actor=actor, imported=imported, rows=pairs, source=Outage.Source.CSV
        )
        return _finish_import(actor, upload, imported, created, updated, 0, touched, intervals)


def _finish_import(  # noqa: PLR0917 (internal helper of the two imports)
    actor: Any,
    upload: Any,
    imported: OutageImport,
    created: int,
    updated: int,
    skipped: int,
    touched: set[int],
    intervals: list[tuple[dt.datetime, dt.datetime | None]],
) -> ImportResult:
    imported.created_count, imported.updated_count, imported.skipped_count = (
        created,
        updated,
        skipped,
    )
    imported.save(update_fields=["created_count", "updated_count", "skipped_count"])
    # The file itself is kept as evidence of where the records came from.
    evidence_attach(
        actor=actor,
        owner=imported,
        upload=upload,
        title=imported.file_name,
        kind="outage_import",
        catalog_ids=["ch3.4.b"],
    )
    record_event(
        actor=actor,
        action=Action.CREATE,
        obj=imported,
        after=snapshot(imported),
    )
    _recompute_import(touched, intervals, actor)
    return ImportResult(imported, created, updated, skipped)


def outage_import_feed(
    *, actor: Any, upload: Any, service: CloudService, component_filter: str = ""
) -> ImportResult:
    """Import a CSP status feed saved to a file (RSS, Atom or JSON) for one service; entries
    are kept when one of their components contains ``component_filter`` (all when empty)."""
    _require(actor, "oversight.outage")
    data = _read_upload(
        upload, {".xml": "application/xml", ".json": "application/json"}, ".xml / .json"
    )
    try:
        parsed = feeds.read_feed(data, PurePath(upload.name).name)
    except feeds.FeedError as exc:
        raise _fault(exc) from None
    needle = component_filter.strip().lower()
    rows = [
        r
        for r in parsed.rows
        if not needle or any(needle in c.lower() for c in r.services) or needle in r.title.lower()
    ]
    skipped = parsed.skipped + len(parsed.rows) - len(rows)
    if not rows:
        raise _invalid("file", IMPORT_NOTHING, code="empty")
    with transaction.atomic():
        imported = OutageImport.objects.create(
            kind=OutageImport.Kind.FEED,
            format=parsed.format,
            file_name=PurePath(upload.name).name[:255],
            service=service,
            component_filter=component_filter.strip()[:200],
            imported_by=actor,
            imported_at=timezone.now(),
        )
        created, updated, touched, intervals = _store_rows(
            actor=actor,
            imported=imported,
            rows=[(r, [service]) for r in rows],
            source=Outage.Source.FEED,
        )
        return _finish_import(
            actor, upload, imported, created, updated, skipped, touched, intervals
        )


# -- composite availability ---------------------------------------------------------------------


def dependency_graph(service: CloudService) -> dict[int, composition.GraphNode]:
    """Every service the given one reaches through the register's dependencies, with its own
    SLA figure (the contract's target, else the register's availability target)."""
    graph: dict[int, composition.GraphNode] = {}
    frontier = [service.pk]
    edges: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    seen: set[int] = set()
    while frontier:
        batch = [k for k in frontier if k not in seen]
        seen.update(batch)
        frontier = []
        for sid, dep, kind, group in ServiceDependency.objects.filter(
            service_id__in=batch
        ).values_list("service_id", "depends_on_id", "kind", "redundancy_group"):
            edges[sid].append((dep, kind, group))
            if dep not in seen:
                frontier.append(dep)
    info = {s.pk: s for s in CloudService.objects.filter(pk__in=seen).select_related("sla_target")}
    for sid in seen:
        svc = info[sid]
        target = getattr(svc, "sla_target", None)
        percent = target.target_percent if target is not None else svc.availability_target
        series = tuple(dep for dep, kind, _g in edges[sid] if kind == ServiceDependency.Kind.SERIES)
        groups: dict[str, list[int]] = defaultdict(list)
        for dep, kind, group in edges[sid]:
            if kind == ServiceDependency.Kind.PARALLEL:
                groups[group].append(dep)
        graph[sid] = composition.GraphNode(
            key=sid,
            name=svc.name,
            percent=Decimal(percent) if percent is not None else None,
            series=series,
            parallel=tuple((g, tuple(m)) for g, m in sorted(groups.items())),
        )
    return graph


class _Result:
    """Adapter: determination_record stores anything with ``to_record()``."""

    def __init__(self, det: RuleDetermination) -> None:
        self.det = det

    def to_record(self) -> dict[str, Any]:
        return dict(self.det.to_record())


def composite_assess(
    *, service: CloudService, actor: Any = None, record: bool = False
) -> RuleDetermination:
    """The business service's composite availability against its target and RTO; with
    ``record`` the result is stored as the service's current determination."""
    graph = dependency_graph(service)
    try:
        tree = composition.build_tree(service.pk, graph)
    except composition.GraphError as exc:
        raise ValidationError({"dependencies": str(exc)}, code="graph") from None
    own_target = graph[service.pk].percent
    target = service.availability_target if service.availability_target is not None else own_target
    det = composition.assess(
        name=service.name,
        tree=tree,
        target_percent=Decimal(target) if target is not None else None,
        rto_minutes=service.rto_minutes,
    )
    if record:
        _require(actor, "oversight.sla")
        with transaction.atomic():
            determination_record(subject=service, result=_Result(det), actor=actor)
    return det


# -- KPI / KRI ----------------------------------------------------------------------------------

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def _check_thresholds(direction: str, green: Decimal, amber: Decimal) -> None:
    if direction == Indicator.Direction.HIGHER and amber > green:
        raise _invalid("amber", THRESHOLDS_ORDER_HIGHER, code="thresholds")
    if direction == Indicator.Direction.LOWER and amber < green:
        raise _invalid("amber", THRESHOLDS_ORDER_LOWER, code="thresholds")


def _thresholds(indicator: Indicator) -> kpi_rules.Thresholds:
    return kpi_rules.Thresholds(
        kpi_rules.Direction(indicator.direction), indicator.green, indicator.amber
    )


def indicator_create(
    *,
    actor: Any,
    service: CloudService,
    kind: str,
    name: str,
    direction: str,
    green: Decimal,
    amber: Decimal,
    frequency: str = Indicator.Frequency.MONTHLY,
    unit: str = "",
    description: str = "",
    owner: Any = None,
) -> Indicator:
    _require(actor, "oversight.kpi")
    _check_thresholds(direction, green, amber)
    if Indicator.objects.filter(service=service, name=name.strip()).exists():
        raise _invalid(
            "name", INDICATOR_NAME_TAKEN, code="name_taken", params={"name": name.strip()}
        )
    with transaction.atomic():
        indicator = Indicator(
            service=service,
            kind=kind,
            name=name.strip(),
            description=description.strip(),
            unit=unit.strip(),
            direction=direction,
            green=green,
            amber=amber,
            frequency=frequency,
            owner=owner,
            next_due=add_months(timezone.localdate(), FREQUENCY_MONTHS[frequency]),
            created_by=actor,
            created_at=timezone.now(),
        )
        _save(indicator)
        record_event(actor=actor, action=Action.CREATE, obj=indicator, after=snapshot(indicator))
    return indicator


def indicator_update(*, actor: Any, indicator: Indicator, **fields: Any) -> Indicator:
    _require(actor, "oversight.kpi")
    allowed = {
        "name",
        "description",
        "unit",
        "direction",
        "green",
        "amber",
        "frequency",
        "owner",
        "active",
        "kind",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({f: _("Not editable.") for f in unknown})
    _check_thresholds(
        fields.get("direction", indicator.direction),
        fields.get("green", indicator.green),
        fields.get("amber", indicator.amber),
    )
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = snapshot(indicator)
        for key, value in fields.items():
            setattr(indicator, key, value.strip() if isinstance(value, str) else value)
        last = indicator.measurements.order_by("-measured_on").first()
        indicator.last_status = kpi_rules.rag(last.value, _thresholds(indicator)) if last else ""
        _save(indicator)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=indicator,
            before=before,
            after=snapshot(indicator),
        )
    return indicator


def measurement_record(
    *, actor: Any, indicator: Indicator, measured_on: dt.date, value: Decimal, note: str = ""
) -> Measurement:
    """Record a value; its red/amber/green comes from the indicator's thresholds."""
    _require(actor, "oversight.measure")
    if measured_on > timezone.localdate():
        raise _invalid("measured_on", MEASUREMENT_IN_FUTURE, code="future")
    if indicator.measurements.filter(measured_on=measured_on).exists():
        raise _invalid(
            "measured_on", MEASUREMENT_DAY_TAKEN, code="day_taken", params={"day": measured_on}
        )
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        status = kpi_rules.rag(Decimal(value), _thresholds(indicator))
        measurement = Measurement(
            indicator=indicator,
            measured_on=measured_on,
            value=Decimal(value),
            status=status,
            note=note.strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _save(measurement)
        if indicator.last_measured_on is None or measured_on >= indicator.last_measured_on:
            indicator.last_measured_on = measured_on
            indicator.last_status = status
            indicator.next_due = add_months(measured_on, FREQUENCY_MONTHS[indicator.frequency])
            indicator.save(update_fields=["last_measured_on", "last_status", "next_due"])
        record_event(
            actor=actor, action=Action.CREATE, obj=measurement, after=snapshot(measurement)
        )
    return measurement


# -- review policy and schedule ----------------------------------------------------------------


def policy_keys() -> list[str]:
    return [c.value for c in Classification]


def review_policy_ensure() -> dict[str, ReviewPolicy]:
    """The policy rows, with the defaults created for any classification still missing."""
    rows = {p.classification: p for p in ReviewPolicy.objects.all()}
    missing = [
        ReviewPolicy(classification=key, interval_months=n, raised_interval_months=r)
        for key, (n, r) in DEFAULT_REVIEW_MONTHS.items()
        if key not in rows
    ]
    if missing:
        ReviewPolicy.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {p.classification: p for p in ReviewPolicy.objects.all()}
    return rows


def review_policy_save(
    *, actor: Any, classification: str, interval_months: int, raised_interval_months: int
) -> ReviewPolicy:
    """The institution's review frequency for a classification; every schedule follows."""
    _require(actor, "oversight.policy")
    if classification not in policy_keys():
        raise _invalid(
            "classification",
            POLICY_UNKNOWN_CLASSIFICATION,
            code="classification",
            params={"value": classification},
        )
    if raised_interval_months > interval_months:
        raise _invalid("raised_interval_months", POLICY_RAISED_LONGER, code="raised")
    review_policy_ensure()
    with transaction.atomic():
        policy = ReviewPolicy.objects.select_for_update().get(classification=classification)
        before = snapshot(policy)
        policy.interval_months = interval_months
        policy.raised_interval_months = raised_interval_months
        policy.updated_by = actor
        _save(policy)
        record_event(
            actor=actor, action=Action.UPDATE, obj=policy, before=before, after=snapshot(policy)
        )
        review_schedule_refresh()
    return policy


def _raised_by_measure(service_ids: Iterable[int] | None) -> dict[int, str]:
    """Services for which an approved pre-use assessment adopted alternative measure (c) of
    Ch 3.3 (a higher frequency of monitoring and review), read from the assessments app."""
    try:
        measure = apps.get_model("assessments", "AlternativeMeasure")
    except LookupError:
        return {}
    rows = measure.objects.filter(kind="c", row__assessment__state__in=[State.APPROVED])
    if service_ids is not None:
        rows = rows.filter(row__assessment__service_id__in=list(service_ids))
    out: dict[int, str] = {}
    for sid, row in rows.values_list("row__assessment__service_id", "row__row"):
        out.setdefault(sid, f"ch3.3.alternative.c (Annex 3 row {row})")
    return out


def review_schedule_refresh(
    *, service_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> int:
    """Recompute the next review date of services in use (all, or the given ones): the last
    approved review (else the start of use) plus the policy's interval for the service's
    classification, the raised interval where measure (c) applies. Returns rows written."""
    today = today or timezone.localdate()
    policies = review_policy_ensure()
    ids = list(service_ids) if service_ids is not None else None
    services = CloudService.objects.filter(stage=Stage.IN_USE)
    if ids is not None:
        services = services.filter(pk__in=ids)
    last_reviews = dict(
        PeriodicReview.objects.filter(
            state__in=[State.APPROVED, State.SUPERSEDED],
            **({"service_id__in": ids} if ids is not None else {}),
        )
        .values("service_id")
        .annotate(last=Max("review_date"))
        .values_list("service_id", "last")
    )
    measures = _raised_by_measure(ids)
    existing = {
        s.service_id: s
        for s in ReviewSchedule.objects.filter(
            **({"service_id__in": ids} if ids is not None else {})
        )
    }
    rows: list[ReviewSchedule] = []
    keep: list[int] = []
    for sid, classification, started in services.values_list("pk", "classification", "started_on"):
        policy = policies.get(classification or UNCLASSIFIED_KEY) or policies[UNCLASSIFIED_KEY]
        old = existing.get(sid)
        manual = bool(old and old.raised_manually)
        raised = sid in measures or manual
        months = policy.raised_interval_months if raised else policy.interval_months
        last = last_reviews.get(sid)
        base = last or started or today
        rows.append(
            ReviewSchedule(
                service_id=sid,
                interval_months=months,
                raised=raised,
                raised_source=measures.get(sid, "")[:300],
                raised_manually=manual,
                raised_reason=old.raised_reason if old else "",
                last_review_on=last,
                next_due=add_months(base, months),
            )
        )
        keep.append(sid)
    with transaction.atomic():
        ReviewSchedule.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["service"],
            update_fields=[
                "interval_months",
                "raised",
                "raised_source",
                "last_review_on",
                "next_due",
            ],
        )
        stale = ReviewSchedule.objects.exclude(service_id__in=keep)
        if ids is not None:
            stale = stale.filter(service_id__in=ids)
        stale.delete()
    return len(rows)


def review_schedule_raise(
    *, actor: Any, service: CloudService, raised: bool, reason: str = ""
) -> ReviewSchedule:
    """The governance unit raises (or lowers again) the review frequency of one service."""
    _require(actor, "oversight.policy")
    if raised and not reason.strip():
        raise _invalid("reason", RAISE_NEEDS_REASON, code="reason")
    review_schedule_refresh(service_ids=[service.pk])
    with transaction.atomic():
        schedule = ReviewSchedule.objects.select_for_update().filter(service=service).first()
        if schedule is None:
            raise _invalid("service", REVIEW_SERVICE_NOT_IN_USE, code="not_in_use")
        before = snapshot(schedule)
        schedule.raised_manually = raised
        schedule.raised_reason = reason.strip() if raised else ""
        _save(schedule)
        record_event(
            actor=actor, action=Action.UPDATE, obj=service, before=before, after=snapshot(schedule)
        )
        review_schedule_refresh(service_ids=[service.pk])
    schedule.refresh_from_db()
    return schedule


# -- periodic reviews ---------------------------------------------------------------------------


def review_checklist_ids(edition: str | None = None) -> list[str]:
    """Ch 3.4 (a)-(g), from the catalog (never typed by hand)."""
    from fincloud.catalog import load_catalog

    catalog = load_catalog(edition) if edition else load_catalog()
    return [n.id for n in catalog.children(REVIEW_SECTION) if n.kind == "item"]


def _actor_unit(actor: Any) -> Any:
    if getattr(actor, "unit_id", None) is None:
        raise ValidationError(ACTOR_NEEDS_UNIT, code="no_unit")
    return actor.unit


def review_start(
    *, actor: Any, service: CloudService, review_date: dt.date | None = None
) -> PeriodicReview:
    """A draft review of a service in use with the Ch 3.4 checklist, for the due review."""
    from fincloud.catalog import load_catalog

    _require(actor, "oversight.review")
    if service.stage != Stage.IN_USE:
        raise _invalid("service", REVIEW_SERVICE_NOT_IN_USE, code="not_in_use")
    open_review = PeriodicReview.objects.filter(service=service, state__in=OPEN_STATES).first()
    if open_review is not None:
        raise _invalid(
            "service",
            REVIEW_OPEN_EXISTS,
            code="open_review",
            params={"state": open_review.get_state_display()},
        )
    review_schedule_refresh(service_ids=[service.pk])
    schedule = ReviewSchedule.objects.filter(service=service).first()
    today = timezone.localdate()
    review_date = review_date or today
    catalog = load_catalog()
    with transaction.atomic():
        review = PeriodicReview(
            service=service,
            unit=service.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
            due_date=schedule.next_due if schedule else today,
            review_date=review_date,
            period_from=(schedule.last_review_on if schedule and schedule.last_review_on else None)
            or service.started_on
            or review_date,
            period_to=review_date,
            catalog_edition=catalog.edition,
        )
        review.period_from = min(review.period_from, review.period_to)
        _save(review)
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(review=review, catalog_id=cid, order=index)
                for index, cid in enumerate(review_checklist_ids(catalog.edition))
            ]
        )
        record_event(actor=actor, action=Action.CREATE, obj=review, after=snapshot(review))
    return review


def review_update(
    *,
    actor: Any,
    review: PeriodicReview,
    review_date: dt.date,
    period_from: dt.date,
    period_to: dt.date,
    conclusion: str,
    summary: str,
) -> PeriodicReview:
    _require(actor, "oversight.review")
    if period_to < period_from:
        raise _invalid("period_to", REVIEW_PERIOD_ORDER, code="period")
    with transaction.atomic():
        review = PeriodicReview.objects.select_for_update().get(pk=review.pk)
        ensure_editable(review)
        before = snapshot(review)
        review.review_date = review_date
        review.period_from = period_from
        review.period_to = period_to
        review.conclusion = conclusion
        review.summary = summary.strip()
        _save(review)
        record_event(
            actor=actor, action=Action.UPDATE, obj=review, before=before, after=snapshot(review)
        )
    return review


def review_item_update(*, actor: Any, item: ReviewItem, result: str, notes: str = "") -> ReviewItem:
    _require(actor, "oversight.review")
    if result == ReviewItem.Result.NOT_APPLICABLE and not notes.strip():
        raise _invalid("notes", ITEM_NA_NEEDS_REASON, code="na_reason")
    with transaction.atomic():
        review = PeriodicReview.objects.select_for_update().get(pk=item.review_id)
        ensure_editable(review)
        item = ReviewItem.objects.get(pk=item.pk)
        before = snapshot(item)
        item.result = result
        item.notes = notes.strip()
        _save(item)
        record_event(
            actor=actor, action=Action.UPDATE, obj=review, before=before, after=snapshot(item)
        )
    return item


def review_submit(*, actor: Any, review: PeriodicReview) -> PeriodicReview:
    """Submit for approval once every checklist item has a result, each "finding" item has a
    finding, and a conclusion is chosen."""
    _require(actor, "oversight.review")
    review = PeriodicReview.objects.get(pk=review.pk)  # judge what is stored, not a stale copy
    items = list(review.items.all())
    open_items = [i.catalog_id for i in items if not i.result]
    if open_items:
        raise _invalid(
            "items", REVIEW_ITEMS_OPEN, code="items_open", params={"items": ", ".join(open_items)}
        )
    with_findings = set(review.findings.values_list("item_id", flat=True))
    for item in items:
        if item.result == ReviewItem.Result.FINDING and item.pk not in with_findings:
            raise _invalid(
                "items",
                REVIEW_FINDING_MISSING,
                code="finding_missing",
                params={"item": item.catalog_id},
            )
    if not review.conclusion:
        raise _invalid("conclusion", REVIEW_NEEDS_CONCLUSION, code="conclusion")
    return record_submit(record=review, actor=actor)


def _check_due(due_date: dt.date) -> None:
    if due_date < timezone.localdate():
        raise _invalid("due_date", FOLLOWUP_DUE_BEFORE_OPEN, code="due_past")


def finding_add(
    *,
    actor: Any,
    review: PeriodicReview,
    description: str,
    severity: str,
    owner: Any,
    due_date: dt.date,
    action: str = "",
    item: ReviewItem | None = None,
) -> ReviewFinding:
    _require(actor, "oversight.review")
    _check_due(due_date)
    with transaction.atomic():
        review = PeriodicReview.objects.select_for_update().get(pk=review.pk)
        ensure_editable(review)
        finding = ReviewFinding(
            review=review,
            item=item,
            description=description.strip(),
            severity=severity,
            action=action.strip(),
            owner=owner,
            due_date=due_date,
            created_by=actor,
            created_at=timezone.now(),
        )
        _save(finding)
        if item is not None and item.result != ReviewItem.Result.FINDING:
            item.result = ReviewItem.Result.FINDING
            item.save(update_fields=["result"])
        record_event(actor=actor, action=Action.CREATE, obj=finding, after=snapshot(finding))
    return finding


def followup_close(
    *, actor: Any, item: ReviewFinding | ReportException, closed_on: dt.date, closure_note: str
) -> ReviewFinding | ReportException:
    """Close a finding or a report exception: its owner or a reviewer, with what was done."""
    if not (actor.can("oversight.review") or item.owner_id == actor.pk):
        _require(actor, "oversight.review")
    if not closure_note.strip():
        raise _invalid("closure_note", FOLLOWUP_CLOSE_NEEDS_NOTE, code="note")
    if closed_on > timezone.localdate():
        raise _invalid("closed_on", FOLLOWUP_CLOSE_IN_FUTURE, code="future")
    created_day = timezone.localtime(item.created_at).date()
    if closed_on < created_day:
        raise _invalid(
            "closed_on",
            FOLLOWUP_CLOSE_BEFORE_OPEN,
            code="before_open",
            params={"day": created_day},
        )
    with transaction.atomic():
        item = type(item).objects.select_for_update().get(pk=item.pk)
        if item.status == item.Status.CLOSED:
            raise ValidationError(FOLLOWUP_ALREADY_CLOSED, code="closed")
        before = snapshot(item)
        item.status = item.Status.CLOSED
        item.closed_on = closed_on
        item.closed_by = actor
        item.closure_note = closure_note.strip()
        _save(item)
        record_event(
            actor=actor, action=Action.UPDATE, obj=item, before=before, after=snapshot(item)
        )
    return item


# -- reviews of the CSP's certification and third-party reports (Ch 3.4 (c)) ----------------------


def _check_report(
    csp: CloudServiceProvider,
    certification: Any,
    document: Any,
    covers_from: dt.date,
    covers_to: dt.date,
) -> None:
    if covers_to < covers_from:
        raise _invalid("covers_to", REPORT_PERIOD_ORDER, code="period")
    if certification is not None and certification.csp_id != csp.pk:
        raise _invalid("certification", REPORT_CERT_OTHER_CSP, code="csp")
    if document is not None and document.csp_id not in (None, csp.pk):
        raise _invalid("document", REPORT_DOCUMENT_OTHER_CSP, code="csp")


REPORT_FIELDS = (
    "report_kind",
    "title",
    "certification",
    "document",
    "issuer",
    "covers_from",
    "covers_to",
    "reviewed_on",
    "opinion",
    "conclusion",
)


def report_review_create(*, actor: Any, csp: CloudServiceProvider, **fields: Any) -> ReportReview:
    _require(actor, "oversight.review")
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError({f: _("Not editable.") for f in unknown})
    _check_report(
        csp,
        fields.get("certification"),
        fields.get("document"),
        fields["covers_from"],
        fields["covers_to"],
    )
    unit = _actor_unit(actor)
    with transaction.atomic():
        review = ReportReview(
            csp=csp, unit=unit, prepared_by=actor, prepared_at=timezone.now(), **fields
        )
        _save(review)
        record_event(actor=actor, action=Action.CREATE, obj=review, after=snapshot(review))
    return review


def report_review_update(*, actor: Any, review: ReportReview, **fields: Any) -> ReportReview:
    _require(actor, "oversight.review")
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError({f: _("Not editable.") for f in unknown})
    with transaction.atomic():
        review = ReportReview.objects.select_for_update().get(pk=review.pk)
        ensure_editable(review)
        before = snapshot(review)
        for key, value in fields.items():
            setattr(review, key, value)
        _check_report(
            review.csp, review.certification, review.document, review.covers_from, review.covers_to
        )
        _save(review)
        record_event(
            actor=actor, action=Action.UPDATE, obj=review, before=before, after=snapshot(review)
        )
    return review


def report_review_submit(*, actor: Any, review: ReportReview) -> ReportReview:
    _require(actor, "oversight.review")
    review = ReportReview.objects.get(pk=review.pk)
    qualified = review.opinion in {ReportReview.Opinion.QUALIFIED, ReportReview.Opinion.ADVERSE}
    if qualified and not review.exceptions.exists():
        raise _invalid("exceptions", REPORT_QUALIFIED_NEEDS_EXCEPTION, code="exceptions")
    return record_submit(record=review, actor=actor)


def exception_add(
    *,
    actor: Any,
    review: ReportReview,
    description: str,
    severity: str,
    owner: Any,
    due_date: dt.date,
    control_reference: str = "",
    csp_response: str = "",
    action: str = "",
) -> ReportException:
    _require(actor, "oversight.review")
    _check_due(due_date)
    with transaction.atomic():
        review = ReportReview.objects.select_for_update().get(pk=review.pk)
        ensure_editable(review)
        exception = ReportException(
            review=review,
            control_reference=control_reference.strip(),
            description=description.strip(),
            severity=severity,
            csp_response=csp_response.strip(),
            action=action.strip(),
            owner=owner,
            due_date=due_date,
            created_by=actor,
            created_at=timezone.now(),
        )
        _save(exception)
        record_event(actor=actor, action=Action.CREATE, obj=exception, after=snapshot(exception))
    return exception


def exception_follow_up(
    *, actor: Any, exception: ReportException, csp_response: str, action: str, due_date: dt.date
) -> ReportException:
    """Record the CSP's response and our follow-up while the exception is open (also after
    the review is approved: following up is the point)."""
    if not (actor.can("oversight.review") or exception.owner_id == actor.pk):
        _require(actor, "oversight.review")
    with transaction.atomic():
        exception = ReportException.objects.select_for_update().get(pk=exception.pk)
        if exception.status == ReportException.Status.CLOSED:
            raise ValidationError(FOLLOWUP_ALREADY_CLOSED, code="closed")
        before = snapshot(exception)
        exception.csp_response = csp_response.strip()
        exception.action = action.strip()
        exception.due_date = due_date
        _save(exception)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=exception,
            before=before,
            after=snapshot(exception),
        )
    return exception
