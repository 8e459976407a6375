"""Resilience and exit (Ch 8): business impact analyses, incidents and their notification
duties, recurring problems, business continuity plans and drills, the review of the CSP's own
continuity arrangements, exit plans and their execution with the data transfer and the deletion.

Writes go through ``fincloud.resilience.services`` only (one transaction each, with its audit
event). The decision rules are the pure modules beside this one: ``bia``, ``deadlines``,
``recurrence`` and ``checklists``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fincloud.workflow.models import ApprovableRecord

# -- shared choices --------------------------------------------------------------------------------


class ImpactType(models.TextChoices):
    """Ch 8.1 (a): impact types the institution rates over time (its own criteria)."""

    FINANCIAL = "financial", _("Financial")
    CUSTOMER = "customer", _("Customers")
    REGULATORY = "regulatory", _("Legal and regulatory")
    REPUTATIONAL = "reputational", _("Reputation")
    OPERATIONAL = "operational", _("Operations")


class ImpactLevel(models.IntegerChoices):
    NONE = 0, _("None")
    MINOR = 1, _("Minor")
    MODERATE = 2, _("Moderate")
    MAJOR = 3, _("Major")
    SEVERE = 4, _("Severe")


# The time points of the impact-over-time grid, in minutes (1 h, 4 h, 1 day, 3 days, 1 week).
IMPACT_TIMES: tuple[int, ...] = (60, 240, 1440, 4320, 10080)


class Priority(models.IntegerChoices):
    """Ch 8.1 purpose: the recovery priority (回復優先順序)."""

    P1 = 1, _("1 – recover first")
    P2 = 2, _("2 – high")
    P3 = 3, _("3 – medium")
    P4 = 4, _("4 – low")


class SlaPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    WEEK = "week", _("Week")


class Severity(models.TextChoices):
    """Lowest first; "major" is the manual's 重大 (Ch 8.2 notification (f)). The values equal
    ``fincloud.resilience.deadlines.SEVERITIES`` (a test checks it)."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    MAJOR = "major", _("Major")


class IncidentCategory(models.TextChoices):
    OUTAGE = "outage", _("Service interruption")
    DATA_BREACH = "data_breach", _("Customer data security incident")
    MALWARE = "malware", _("Malware or ransomware")
    UNAUTHORISED_ACCESS = "unauthorised_access", _("Unauthorised access")
    PHYSICAL = "physical", _("Physical security")
    DISASTER = "disaster", _("Natural or man-made disaster")
    CSP_NOTICE = "csp_notice", _("Incident notified by the CSP")
    OTHER = "other", _("Other")


def decimal_hours_validators() -> list[Any]:
    return [MinValueValidator(0.01), MaxValueValidator(24 * 90)]


# -- settings the institution sets -----------------------------------------------------------------


class ResilienceSettings(models.Model):
    """One row: the figures the manual leaves to the institution."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    # Ch 8.2: "frequently recurring" has no number in the manual.
    recurrence_threshold = models.PositiveSmallIntegerField(
        _("recurring after this many incidents"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )
    recurrence_window_days = models.PositiveSmallIntegerField(
        _("within this many days"), default=90, validators=[MinValueValidator(1)]
    )
    problem_due_days = models.PositiveSmallIntegerField(
        _("days to mitigate a recurring problem"), default=30, validators=[MinValueValidator(1)]
    )
    review_due_days = models.PositiveSmallIntegerField(
        _("days after resolution for the post-incident review"),
        default=14,
        validators=[MinValueValidator(1)],
    )
    # Ch 8.3 (b): drills "periodically"; the interval is the institution's.
    drill_interval_months = models.PositiveSmallIntegerField(
        _("default drill interval (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resilience settings")
        verbose_name_plural = _("resilience settings")

    def __str__(self) -> str:
        return str(_("Resilience settings"))


class NotificationRule(models.Model):
    """An institution's notification duty (Ch 8.2): whom to notify, for which incidents, how
    many hours after detection. The manual says "immediately" without a number."""

    class Recipient(models.TextChoices):
        INTERNAL = "internal", _("Internal platform and operations centre")
        REGULATOR = "regulator", _("Supervisory authority")
        CSP = "csp", _("Cloud service provider")
        CUSTOMERS = "customers", _("Customers")
        OTHER = "other", _("Other external party")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authority = models.CharField(_("notify whom"), max_length=160)
    recipient_kind = models.CharField(
        _("kind of recipient"), max_length=12, choices=Recipient.choices
    )
    min_severity = models.CharField(
        _("from severity"), max_length=8, choices=Severity.choices, default=Severity.MAJOR
    )
    categories = models.JSONField(_("only these categories"), default=list, blank=True)
    customer_impact_only = models.BooleanField(_("only when customers are affected"), default=False)
    hours = models.DecimalField(
        _("hours after detection"),
        max_digits=6,
        decimal_places=2,
        validators=decimal_hours_validators(),
    )
    basis = models.CharField(_("basis (policy or regulation)"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["hours", "authority"]
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="resilience_rule_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.authority} · {self.hours} h"


# -- Ch 8.1 business impact analysis ---------------------------------------------------------------


class BusinessImpactAnalysis(ApprovableRecord):
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="impact_analyses",
    )
    business_process = models.CharField(_("business process"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    # {impact type: {minutes after the disruption (as text): level 0-4}} (Ch 8.1 (a)).
    impacts = models.JSONField(_("impact over time"), default=dict, blank=True)
    mtpd_minutes = models.PositiveIntegerField(
        _("MTPD (minutes)"), help_text=_("Maximum tolerable period of disruption.")
    )
    rto_minutes = models.PositiveIntegerField(_("RTO (minutes)"))
    rpo_minutes = models.PositiveIntegerField(_("RPO (minutes)"))
    priority = models.PositiveSmallIntegerField(
        _("recovery priority"), choices=Priority.choices, default=Priority.P2
    )
    availability_target = models.DecimalField(
        _("availability target of the process (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # What the CSP commits to (from the contract / SLA), checked against the RTO / RPO.
    csp_sla_percent = models.DecimalField(
        _("CSP's SLA (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    sla_period = models.CharField(
        _("SLA measured per"), max_length=6, choices=SlaPeriod.choices, default=SlaPeriod.MONTH
    )
    csp_rto_minutes = models.PositiveIntegerField(
        _("CSP's committed recovery time (minutes)"), null=True, blank=True
    )
    csp_rpo_minutes = models.PositiveIntegerField(
        _("CSP's committed recovery point (minutes)"), null=True, blank=True
    )
    # Ch 8.1 (c): the resources the prioritised activities need.
    resources = models.TextField(_("resources needed"), blank=True, max_length=4000)

    workflow_type_label = _("business impact analysis")

    class Meta:
        ordering = ["priority", "business_process"]
        verbose_name = _("business impact analysis")
        verbose_name_plural = _("business impact analyses")
        constraints = [
            models.CheckConstraint(
                condition=Q(rto_minutes__lte=F("mtpd_minutes")),
                name="resilience_bia_rto_within_mtpd",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_process} · {self.service}"


# -- Ch 8.2 incidents ------------------------------------------------------------------------------


class Problem(models.Model):
    """A recurring pattern of incidents escalated as a systemic problem (Ch 8.2: mitigation
    and a handling process)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATED = "mitigated", _("Mitigated")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="problems",
        null=True,
        blank=True,
    )
    category = models.CharField(_("category"), max_length=24, choices=IncidentCategory.choices)
    detected_at = models.DateTimeField(_("recognised at"))
    threshold = models.PositiveSmallIntegerField(_("threshold"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    unit = models.ForeignKey(
        "people.BusinessUnit",
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("mitigation due"))
    mitigation = models.TextField(_("mitigation"), blank=True, max_length=4000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["status", "due_date"]
        verbose_name = _("recurring problem")
        verbose_name_plural = _("recurring problems")
        indexes = [models.Index(fields=["status", "due_date"], name="resilience_problem_due")]

    def __str__(self) -> str:
        service = self.service.name if self.service_id and self.service else "—"
        return f"{self.get_category_display()} · {service}"


class Incident(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        HANDLING = "handling", _("Being handled")
        CONTAINED = "contained", _("Contained")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed after review")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"), max_length=8000)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="incidents",
        null=True,
        blank=True,
    )
    category = models.CharField(_("category"), max_length=24, choices=IncidentCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED
    )
    detected_at = models.DateTimeField(_("detected at"))
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    customer_impact = models.BooleanField(_("customers affected"), default=False)
    customers_affected = models.PositiveIntegerField(
        _("number of customers affected"), null=True, blank=True
    )
    customer_impact_note = models.TextField(_("customer impact"), blank=True, max_length=4000)
    root_cause = models.TextField(_("root cause"), blank=True, max_length=8000)
    # The CSP's own notice to the institution (Ch 8.3: the CSP tells the institution promptly).
    csp_notice_received_at = models.DateTimeField(
        _("CSP notification received at"), null=True, blank=True
    )
    csp_reference = models.CharField(_("CSP reference"), max_length=120, blank=True)
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("recurring problem"),
        on_delete=models.PROTECT,
        related_name="incidents",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["service", "category", "detected_at"], name="resilience_inc_rec"),
            models.Index(fields=["status", "-detected_at"], name="resilience_inc_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contained_at__isnull=True) | Q(contained_at__gte=F("detected_at")),
                name="resilience_inc_contained_after_detected",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("detected_at")),
                name="resilience_inc_resolved_after_detected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.RESOLVED, self.Status.CLOSED}


class IncidentEvent(models.Model):
    """The incident's timeline (Ch 8.2 management (e): record the handling activities)."""

    class Kind(models.TextChoices):
        DETECTED = "detected", _("Incident detected")
        REPORTED = "reported", _("Reported")
        TRIAGED = "triaged", _("Assessed")
        NOTIFIED = "notified", _("Notified")
        CSP_NOTICE = "csp_notice", _("CSP notice received")
        CONTAINED = "contained", _("Contained")
        RESOLVED = "resolved", _("Resolved")
        ESCALATED = "escalated", _("Escalated as recurring")
        NOTE = "note", _("Note")
        CLOSED = "closed", _("Closed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("incident timeline entry")
        verbose_name_plural = _("incident timeline entries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class IncidentNotice(models.Model):
    """A notice to someone about an incident: a duty from a rule (with its deadline) or a
    notice given without one; ``sent_at`` records when it went out and to whom."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    rule = models.ForeignKey(
        NotificationRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        related_name="notices",
        null=True,
        blank=True,
    )
    recipient = models.CharField(_("notified whom"), max_length=160)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    method = models.CharField(_("how"), max_length=120, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["due_at", "sent_at", "recipient"]
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "rule"],
                condition=Q(rule__isnull=False),
                name="resilience_notice_one_per_rule",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=True) | Q(due_at__isnull=False),
                name="resilience_notice_rule_has_due",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=False) | Q(sent_at__isnull=False),
                name="resilience_notice_adhoc_is_sent",
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "due_at"], name="resilience_notice_open")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.incident.reference}"


class PostIncidentReview(ApprovableRecord):
    """Ch 8.2 response (c): assess, respond to and learn from incidents; (g) root cause."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="reviews"
    )
    summary = models.TextField(_("summary"), max_length=8000)
    root_cause = models.TextField(_("root cause"), max_length=8000)
    went_well = models.TextField(_("what worked"), blank=True, max_length=4000)
    lessons = models.TextField(_("lessons learned"), max_length=8000)
    actions = models.TextField(_("actions"), blank=True, max_length=8000)

    workflow_type_label = _("post-incident review")

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.incident.title}"

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.resilience.services import incident_close_after_review

        incident_close_after_review(review=self, actor=actor)


# -- Ch 8.3 / 8.4 continuity plans and drills ------------------------------------------------------


class ContinuityPlan(ApprovableRecord):
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="continuity_plans",
    )
    impact_analysis = models.ForeignKey(
        BusinessImpactAnalysis,
        verbose_name=_("business impact analysis"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200)
    # Ch 8.3 plan (a) (1)-(3).
    requirements = models.TextField(
        _("continuity requirements, target performance and capacity"), max_length=8000
    )
    backup_method = models.TextField(_("data backup method"), max_length=4000)
    backup_location = models.CharField(_("backup location"), max_length=300)
    recovery_order = models.TextField(
        _("recovery objectives, priority and dependencies"), blank=True, max_length=4000
    )
    # Ch 8.3: manual or alternative procedures, or a backup mechanism, for when the CSP cannot
    # restore in time; the CSP's duty to tell the institution promptly; the CSP's notification
    # process included in the plan.
    alternative_procedures = models.TextField(
        _("manual or alternative procedures, backup mechanism"), max_length=8000
    )
    csp_duties = models.TextField(
        _("the CSP's continuity duties in the contract"), blank=True, max_length=4000
    )
    csp_notification = models.TextField(
        _("how the CSP notifies the institution"), blank=True, max_length=4000
    )
    # {event type key: {"response": str, "not_applicable_reason": str}} (checklists.py).
    scenarios = models.JSONField(_("disaster scenarios"), default=dict, blank=True)
    drill_interval_months = models.PositiveSmallIntegerField(
        _("drill every (months)"), default=12, validators=[MinValueValidator(1)]
    )
    # Derived: kept by the services when the plan or a drill result is approved.
    next_drill_due = models.DateField(_("next drill due"), null=True, blank=True, db_index=True)

    workflow_type_label = _("business continuity plan")

    class Meta:
        ordering = ["service__name", "-version"]
        verbose_name = _("business continuity plan")
        verbose_name_plural = _("business continuity plans")

    def __str__(self) -> str:
        return self.title

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.resilience.services import plan_schedule_next_drill

        plan_schedule_next_drill(plan=self)


class ProviderContinuityReview(models.Model):
    """Ch 8.3 provider (a)-(b): the CSP's BCP, learned from third-party reports (e.g. SOC 2)."""

    class ReportKind(models.TextChoices):
        SOC2_TYPE2 = "soc2_type2", _("SOC 2 Type II report")
        SOC2_TYPE1 = "soc2_type1", _("SOC 2 Type I report")
        ISO22301 = "iso22301", _("ISO 22301 certificate and audit report")
        CSP_BCP = "csp_bcp", _("The CSP's BCP / DRP summary")
        OTHER = "other", _("Other third-party report")

    class Conclusion(models.TextChoices):
        ADEQUATE = "adequate", _("Adequate")
        EXCEPTIONS = "exceptions", _("Adequate with exceptions")
        INADEQUATE = "inadequate", _("Inadequate")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    csp = models.ForeignKey(
        "register.CloudServiceProvider",
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="continuity_reviews",
    )
    report_kind = models.CharField(_("report"), max_length=12, choices=ReportKind.choices)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    conclusion = models.CharField(_("conclusion"), max_length=12, choices=Conclusion.choices)
    bcp_assessment = models.TextField(
        _("can the CSP's BCP respond to, mitigate and recover from interruptions?"),
        max_length=8000,
    )
    dr_functions = models.TextField(
        _("disaster-recovery functions offered (e.g. snapshots)"), blank=True, max_length=4000
    )
    switchover_notice = models.BooleanField(
        _("the DRP includes notifying the institution of a server switch-over"), default=False
    )
    exceptions = models.TextField(_("exceptions found"), blank=True, max_length=8000)
    follow_up = models.TextField(_("follow-up"), blank=True, max_length=4000)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    follow_up_closed_on = models.DateField(_("follow-up closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_on"]
        verbose_name = _("review of the CSP's continuity arrangements")
        verbose_name_plural = _("reviews of the CSP's continuity arrangements")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="resilience_pcr_period_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.csp} · {self.get_report_kind_display()} · {self.reviewed_on:%Y-%m-%d}"


class Drill(ApprovableRecord):
    """A drill or test of a plan (Ch 8.4); its plan is approved before it runs (Ch 8.3 (c))."""

    class Kind(models.TextChoices):
        TABLETOP = "tabletop", _("Tabletop walk-through")
        NOTIFICATION = "notification", _("Notification drill")
        FAILOVER = "failover", _("Fail-over (server switch-over) drill")
        RESTORE = "restore", _("Backup restore test")
        FULL = "full", _("Full business continuity exercise")

    plan = models.ForeignKey(
        ContinuityPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="drills"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    joint_with_csp = models.BooleanField(_("joint drill with the CSP"), default=False)
    scenario = models.CharField(_("scenario"), max_length=40)
    planned_on = models.DateField(_("planned for"))
    objectives = models.TextField(_("objectives"), max_length=4000)
    participants = models.TextField(_("participants (institution)"), max_length=2000)
    csp_participants = models.TextField(_("participants (CSP)"), blank=True, max_length=2000)
    rto_minutes = models.PositiveIntegerField(_("RTO to meet (minutes)"), null=True, blank=True)
    rpo_minutes = models.PositiveIntegerField(_("RPO to meet (minutes)"), null=True, blank=True)

    workflow_type_label = _("drill plan")

    class Meta:
        ordering = ["-planned_on"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return f"{self.title} · {self.planned_on:%Y-%m-%d}"


class DrillReport(ApprovableRecord):
    """The results of a drill, approved by management (Ch 8.3 (c))."""

    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), on_delete=models.PROTECT, related_name="reports"
    )
    performed_on = models.DateField(_("performed on"))
    participants = models.TextField(_("who took part"), max_length=2000)
    recovery_minutes = models.PositiveIntegerField(
        _("time to recover (minutes)"), null=True, blank=True
    )
    data_loss_minutes = models.PositiveIntegerField(_("data lost (minutes)"), null=True, blank=True)
    csp_notice_minutes = models.PositiveIntegerField(
        _("minutes until the CSP's notice"), null=True, blank=True
    )
    results = models.TextField(_("results"), max_length=8000)
    issues = models.TextField(_("issues found"), blank=True, max_length=8000)

    workflow_type_label = _("drill results")

    class Meta:
        ordering = ["-performed_on"]
        verbose_name = _("drill results")
        verbose_name_plural = _("drill results")

    def __str__(self) -> str:
        return f"{self.drill.title} · {self.performed_on:%Y-%m-%d}"

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.resilience.services import plan_schedule_next_drill

        plan_schedule_next_drill(plan=self.drill.plan, performed_on=self.performed_on)


class FollowUp(models.Model):
    """An action from a drill's issues, with an owner and a due date."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["done_on", "due_date"]
        verbose_name = _("drill follow-up")
        verbose_name_plural = _("drill follow-ups")
        indexes = [models.Index(fields=["done_on", "due_date"], name="resilience_followup_due")]

    def __str__(self) -> str:
        return self.description


# -- Ch 8.5 exit -----------------------------------------------------------------------------------


class ExitTarget(models.TextChoices):
    """Ch 8.5: move to another CSP, or back to the institution."""

    OTHER_CSP = "other_csp", _("Another cloud service provider")
    IN_HOUSE = "in_house", _("Back in house")


class ExitTrigger(models.TextChoices):
    CONTRACT_END = "contract_end", _("The contract ends or is not renewed")
    TERMINATION_RIGHT = "termination_right", _("An event giving a right to terminate (Ch 3.3)")
    CSP_FAILURE = "csp_failure", _("The CSP fails or cannot perform")
    REGULATOR = "regulator", _("The supervisory authority requires it")
    SERVICE_END = "service_end", _("The CSP withdraws the service")
    STRATEGY = "strategy", _("A business or strategy decision")
    OTHER = "other", _("Other")


class ExitPlan(ApprovableRecord):
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="exit_plans",
    )
    target_kind = models.CharField(_("exit to"), max_length=10, choices=ExitTarget.choices)
    target_name = models.CharField(_("target (provider or system)"), max_length=200)
    triggers = models.JSONField(_("triggers"), default=list)
    triggers_note = models.TextField(_("more on the triggers"), blank=True, max_length=4000)
    data_transfer_steps = models.TextField(_("data transfer steps"), max_length=8000)
    depth = models.CharField(
        _("depth"),
        max_length=8,
        choices=[("full", _("Full")), ("standard", _("Standard"))],
        default="standard",
    )
    # {catalog id: {"applicable": bool, "note": str}} over checklists.exit_checklist().
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)

    workflow_type_label = _("exit plan")

    class Meta:
        ordering = ["service__name", "-version"]
        verbose_name = _("exit plan")
        verbose_name_plural = _("exit plans")

    def __str__(self) -> str:
        return f"{self.service} → {self.target_name}"


class ExitExecution(models.Model):
    """Carrying out an approved exit plan: progress per checklist item, the data transfers,
    and the deletion record whose approval moves the service to "after use"."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(
        ExitPlan, verbose_name=_("exit plan"), on_delete=models.PROTECT, related_name="executions"
    )
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="exit_executions",
    )
    reason = models.TextField(_("why now"), max_length=4000)
    started_on = models.DateField(_("started on"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # {catalog id: {"done": bool, "note": str, "done_on": "YYYY-MM-DD", "by": username}}
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("exit")
        verbose_name_plural = _("exits")
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(status="in_progress"),
                name="resilience_one_exit_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.started_on:%Y-%m-%d}"


class DataTransfer(models.Model):
    """Ch 8.5 during (2): transfer the data with the CSP's mechanism and verify its integrity."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    execution = models.ForeignKey(ExitExecution, on_delete=models.CASCADE, related_name="transfers")
    data_set = models.CharField(_("data"), max_length=300)
    destination = models.CharField(_("to"), max_length=300)
    method = models.CharField(_("mechanism"), max_length=300)
    started_on = models.DateField(_("started on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    records = models.PositiveBigIntegerField(_("records transferred"), null=True, blank=True)
    verified = models.BooleanField(_("integrity verified"), default=False)
    verification = models.TextField(
        _("how the integrity was verified"), blank=True, max_length=4000
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["started_on", "pk"]
        verbose_name = _("data transfer")
        verbose_name_plural = _("data transfers")
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="resilience_transfer_dates",
            ),
            models.CheckConstraint(
                condition=Q(verified=False) | (Q(completed_on__isnull=False) & ~Q(verification="")),
                name="resilience_transfer_verified_has_how",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.data_set} → {self.destination}"


class DeletionMethod(models.TextChoices):
    """Ch 8.5 deletion (a): electronic overwrite or crypto-erase."""

    OVERWRITE = "overwrite", _("Electronic overwrite")
    CRYPTO_ERASE = "crypto_erase", _("Crypto-erase (destroying the keys)")


class DeletionRecord(ApprovableRecord):
    """Ch 8.5 deletion (a)-(c): the method, the result, and the certificate of an external
    deletion service. Its approval moves the service to "after use" (Annex 2 使用後)."""

    # The register moves a service to "after use" only on an approved record of this kind.
    ends_use = True

    class Performer(models.TextChoices):
        CSP = "csp", _("The cloud service provider")
        INSTITUTION = "institution", _("The institution")
        EXTERNAL = "external", _("An external deletion service")

    execution = models.ForeignKey(
        ExitExecution,
        verbose_name=_("exit"),
        on_delete=models.PROTECT,
        related_name="deletions",
    )
    method = models.CharField(_("deletion method"), max_length=14, choices=DeletionMethod.choices)
    scope = models.TextField(_("scope (data, systems, copies, backups)"), max_length=8000)
    performed_on = models.DateField(_("performed on"))
    performed_by = models.CharField(_("performed by"), max_length=12, choices=Performer.choices)
    external_service = models.CharField(_("external deletion service"), max_length=200, blank=True)
    result = models.TextField(_("result"), max_length=8000)

    workflow_type_label = _("deletion record")

    class Meta:
        ordering = ["-performed_on"]
        verbose_name = _("deletion record")
        verbose_name_plural = _("deletion records")
        constraints = [
            models.CheckConstraint(
                condition=~Q(performed_by="external") | ~Q(external_service=""),
                name="resilience_deletion_external_named",
            )
        ]

    def __str__(self) -> str:
        return f"{self.execution.service} · {self.performed_on:%Y-%m-%d}"

    @property
    def service(self) -> Any:
        """The service whose data was deleted (what the register checks on approval)."""
        return self.execution.service

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.resilience.services import exit_complete_on_deletion_approved

        exit_complete_on_deletion_approved(record=self, actor=actor)
