"""Audits of cloud services (Ch 7): the plan from each service's classification, auditors and
their qualification, audits with their programme, working papers, findings and report, and
security testing.

The plan rows (``AuditPlanEntry``) are the queryable copy of the stored ``audit_plan``
determinations (``fincloud.determinations``), one per service, regenerated in bulk; the
determination keeps the inputs, the rule version, the citations and the reasons.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fincloud.audits.plan import POLICY_MONTHS_RANGE
from fincloud.workflow.models import ApprovableRecord


class AuditPolicy(models.Model):
    """The institution's choices the manual leaves to it: the interval for classes 3 and 4
    ("every two years, or as the institution's resources decide", Ch 7.1 (a)) and what a
    "reasonable time" for the CSP's response to findings is (Ch 7.1 (e)). One row."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    class34_interval_months = models.PositiveSmallIntegerField(
        _("audit interval for classifications 3 and 4 (months)"),
        default=24,
        validators=[
            MinValueValidator(POLICY_MONTHS_RANGE[0]),
            MaxValueValidator(POLICY_MONTHS_RANGE[1]),
        ],
    )
    csp_response_days_high = models.PositiveSmallIntegerField(
        _("CSP response time, high severity (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    csp_response_days_medium = models.PositiveSmallIntegerField(
        _("CSP response time, medium severity (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    csp_response_days_low = models.PositiveSmallIntegerField(
        _("CSP response time, low severity (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    policy_reference = models.CharField(
        _("policy reference"),
        max_length=300,
        blank=True,
        help_text=_("The internal rule or board resolution that sets these values."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit policy")
        verbose_name_plural = _("audit policies")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="audits_policy_single")
        ]

    def __str__(self) -> str:
        return str(_("Audit policy"))

    def response_days(self, severity: str) -> int:
        return {
            "high": self.csp_response_days_high,
            "medium": self.csp_response_days_medium,
        }.get(severity, self.csp_response_days_low)


class AuditPlanEntry(models.Model):
    service = models.OneToOneField(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="audit_plan",
    )
    determination = models.ForeignKey(
        "determinations.Determination", on_delete=models.PROTECT, related_name="+"
    )
    # The inputs the plan was computed from (a change makes it stale).
    classification = models.CharField(_("classification"), max_length=40)
    service_model = models.CharField(_("service model"), max_length=4)
    material = models.BooleanField(_("material"))
    policy_months = models.PositiveSmallIntegerField(null=True, blank=True)
    interval_months = models.PositiveSmallIntegerField(_("interval (months)"))
    policy_applied = models.BooleanField(_("set by policy"), default=False)
    special_required = models.BooleanField(_("special audit required"))
    focus_items = models.BooleanField(_("focus items (a)–(f)"))
    last_general = models.DateField(_("last general audit"), null=True, blank=True)
    last_special = models.DateField(_("last special audit"), null=True, blank=True)
    next_general_due = models.DateField(_("next general audit due"), db_index=True)
    next_special_due = models.DateField(
        _("next special audit due"), null=True, blank=True, db_index=True
    )
    stale = models.BooleanField(_("stale"), default=False, db_index=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["next_general_due"]
        verbose_name = _("audit plan entry")
        verbose_name_plural = _("audit plan entries")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.next_general_due}"


class Auditor(models.Model):
    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal auditor")
        EXTERNAL = "external", _("Independent third party")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        on_delete=models.PROTECT,
        related_name="auditor_profile",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(
        "people.BusinessUnit",
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="auditors",
        null=True,
        blank=True,
        help_text=_("The auditor's own unit (for the independence check, Ch 7.2 (c))."),
    )
    firm = models.CharField(_("firm"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("auditor")
        verbose_name_plural = _("auditors")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="internal", unit__isnull=False) | Q(kind="external"),
                name="audits_internal_auditor_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(kind="internal") | ~Q(firm=""),
                name="audits_external_auditor_has_firm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.firm})" if self.firm else self.name


class AuditorCertificate(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    auditor = models.ForeignKey(Auditor, on_delete=models.CASCADE, related_name="certificates")
    # One of the Ch 7.2 (a) names (the catalog's list), or another certificate (kept, but it
    # does not qualify by itself).
    name = models.CharField(_("certificate"), max_length=120)
    number = models.CharField(_("certificate number"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["auditor", "name"]
        verbose_name = _("auditor certificate")
        verbose_name_plural = _("auditor certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="audits_cert_valid_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AuditorExperience(models.Model):
    """Ch 7.2 (b): documented cloud-security audit experience."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    auditor = models.ForeignKey(Auditor, on_delete=models.CASCADE, related_name="experience")
    description = models.TextField(_("engagement"), max_length=2000)
    reference = models.CharField(_("reference (report, engagement letter)"), max_length=300)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["auditor", "-period_to"]
        verbose_name = _("audit experience")
        verbose_name_plural = _("audit experience")
        constraints = [
            models.CheckConstraint(
                condition=~Q(description="") & ~Q(reference=""),
                name="audits_experience_documented",
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]


class ProgrammeTailoring(models.Model):
    """The institution's tailoring of the Ch 7.3 domains to a service model (the manual maps
    none): a domain left out of the programme for that model, with the reason."""

    service_model = models.CharField(_("service model"), max_length=4)
    domain_id = models.CharField(_("domain"), max_length=40)
    reason = models.TextField(_("reason"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["service_model", "domain_id"]
        verbose_name = _("programme tailoring")
        verbose_name_plural = _("programme tailoring")
        constraints = [
            models.UniqueConstraint(
                fields=["service_model", "domain_id"], name="audits_tailoring_unique"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="audits_tailoring_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.service_model}: {self.domain_id}"


class Audit(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", _("General audit")
        SPECIAL = "special", _("Special (project) audit")

    class Arrangement(models.TextChoices):
        # Ch 7.1 (c): by itself, or jointly with other institutions commissioning an
        # independent third party with IT expertise.
        OWN = "own", _("By the institution's own auditors")
        THIRD_PARTY = "third_party", _("Commissioned to an independent third party")
        JOINT = "joint", _("Joint with other institutions, through an independent third party")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        FIELDWORK = "fieldwork", _("Fieldwork")
        REPORTING = "reporting", _("Reporting")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="audits",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    arrangement = models.CharField(
        _("arrangement"), max_length=12, choices=Arrangement.choices, default=Arrangement.OWN
    )
    third_party = models.CharField(_("independent third party"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    planned_start = models.DateField(_("planned start of the audit"))
    planned_end = models.DateField(_("planned end of the audit"))
    # Ch 7.1 (d): one designated contact for the institution, the CSP and the auditors.
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("single point of contact"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    csp_contact = models.CharField(_("CSP's contact for the audit"), max_length=200, blank=True)
    # The unit that runs the service, where it is not the owning unit (Ch 7.2 (c)).
    operating_unit = models.ForeignKey(
        "people.BusinessUnit",
        verbose_name=_("unit that runs the service"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Snapshot of what the programme was generated for.
    service_model = models.CharField(_("service model"), max_length=4)
    material = models.BooleanField(_("material"))
    scope = models.TextField(_("scope"), blank=True, max_length=4000)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-planned_start", "title"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="audits_planned_order"
            ),
            models.CheckConstraint(
                condition=Q(arrangement="own") | ~Q(third_party=""),
                name="audits_third_party_named",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "kind", "status"], name="audits_service_kind_status")
        ]

    def __str__(self) -> str:
        return self.title


class JointParticipant(models.Model):
    """Another institution in a joint audit (Ch 7.1 (c)); each issues its own report
    (Ch 7.3: 個別金融機構 … 分別出具查核報告)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="participants")
    institution = models.CharField(_("institution"), max_length=200)
    own_report_reference = models.CharField(
        _("its own report (reference)"), max_length=200, blank=True
    )
    own_report_date = models.DateField(_("its own report date"), null=True, blank=True)

    class Meta:
        ordering = ["audit", "institution"]
        verbose_name = _("joint audit participant")
        verbose_name_plural = _("joint audit participants")
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "institution"], name="audits_participant_unique"
            )
        ]

    def __str__(self) -> str:
        return self.institution


class AuditAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead auditor")
        MEMBER = "member", _("Audit team member")

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="assignments")
    auditor = models.ForeignKey(Auditor, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    # What qualified the auditor on the audit date (certificates, experience), as checked.
    qualification = models.JSONField(_("qualification"), default=dict)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        ordering = ["audit", "role", "auditor__name"]
        verbose_name = _("auditor assignment")
        verbose_name_plural = _("auditor assignments")
        constraints = [
            models.UniqueConstraint(fields=["audit", "auditor"], name="audits_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.auditor} · {self.get_role_display()}"


class ProgrammeItem(models.Model):
    class Result(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        SATISFACTORY = "satisfactory", _("Satisfactory")
        EXCEPTION = "exception", _("Exception found")
        NOT_TESTED = "not_tested", _("Not tested (reason given)")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="programme")
    catalog_id = models.CharField(_("catalog item"), max_length=60)
    domain_id = models.CharField(_("domain"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=6)  # "focus" | "check"
    order = models.PositiveSmallIntegerField()
    result = models.CharField(
        _("result"), max_length=14, choices=Result.choices, default=Result.NOT_STARTED
    )
    conclusion = models.TextField(_("conclusion"), blank=True, max_length=4000)
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "order"]
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        constraints = [
            models.UniqueConstraint(fields=["audit", "catalog_id"], name="audits_programme_unique"),
            models.CheckConstraint(
                condition=Q(result__in=["not_started", "satisfactory"]) | ~Q(conclusion=""),
                name="audits_programme_result_explained",
            ),
        ]

    def __str__(self) -> str:
        return self.catalog_id


class WorkingPaper(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="working_papers")
    programme_item = models.ForeignKey(
        ProgrammeItem,
        verbose_name=_("programme item"),
        on_delete=models.PROTECT,
        related_name="working_papers",
        null=True,
        blank=True,
    )
    reference = models.CharField(_("reference"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    procedure = models.TextField(_("procedure performed"), max_length=8000)
    conclusion = models.TextField(_("conclusion"), blank=True, max_length=4000)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"))

    class Meta:
        ordering = ["audit", "reference"]
        verbose_name = _("working paper")
        verbose_name_plural = _("working papers")
        constraints = [
            models.UniqueConstraint(fields=["audit", "reference"], name="audits_wp_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Finding(models.Model):
    class Severity(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESPONDED = "responded", _("CSP responded")
        REMEDIATED = "remediated", _("Remediated, awaiting verification")
        CLOSED = "closed", _("Verified and closed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    programme_item = models.ForeignKey(
        ProgrammeItem,
        verbose_name=_("programme item"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=8000)
    recommendation = models.TextField(_("recommendation"), blank=True, max_length=4000)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_findings",
    )
    due_date = models.DateField(_("due date"), db_index=True)
    # Ch 7.1 (e): the CSP's response within a reasonable time (the institution's policy).
    csp_response_due = models.DateField(_("CSP response due"), null=True, blank=True)
    csp_response = models.TextField(_("CSP's response"), blank=True, max_length=8000)
    csp_responded_on = models.DateField(_("CSP responded on"), null=True, blank=True)
    remediation = models.TextField(_("remediation"), blank=True, max_length=8000)
    remediated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remediated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    remediated_at = models.DateTimeField(_("remediated at"), null=True, blank=True)
    verification = models.TextField(_("verification"), blank=True, max_length=4000)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"))

    class Meta:
        ordering = ["status", "due_date"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            # RULES.md §8 / Ch 1.4: whoever remediates cannot also verify.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("remediated_by")),
                name="audits_verifier_not_remediator",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(verified_by__isnull=False) & Q(remediated_by__isnull=False)),
                name="audits_closed_is_verified",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AuditReport(ApprovableRecord):
    """The institution's own report of an audit, approved through the workflow."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="reports")
    report_date = models.DateField(_("report date"))
    summary = models.TextField(_("summary"), max_length=8000)
    conclusion = models.TextField(_("overall conclusion"), max_length=4000)

    workflow_type_label = _("audit report")

    class Meta:
        ordering = ["audit", "-version"]
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")
        constraints = [
            models.UniqueConstraint(fields=["audit", "version"], name="audits_report_version")
        ]

    def __str__(self) -> str:
        return f"{self.audit} · v{self.version}"

    def on_approved(self, actor: models.Model) -> None:
        # The audit counts as done on its report date: close it, and move the plan on.
        from fincloud.audits.services import audit_complete

        audit_complete(audit=self.audit, report=self, actor=actor)


class SecurityTest(models.Model):
    """Ch 7.1 (b): static (white-box), dynamic (black-box) or distributed load testing."""

    class Kind(models.TextChoices):
        STATIC = "static", _("Static (white-box) testing")
        DYNAMIC = "dynamic", _("Dynamic (black-box) testing")
        LOAD = "load", _("Distributed load testing")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Performed")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="security_tests",
    )
    audit = models.ForeignKey(
        Audit,
        verbose_name=_("audit"),
        on_delete=models.PROTECT,
        related_name="security_tests",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    scope = models.TextField(_("scope"), max_length=4000)
    tester = models.CharField(_("performed by"), max_length=200)
    planned_on = models.DateField(_("planned for"))
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    result = models.TextField(_("result"), blank=True, max_length=8000)
    high_issues = models.PositiveIntegerField(_("high-risk issues found"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-planned_on"]
        verbose_name = _("security test")
        verbose_name_plural = _("security tests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(performed_on__isnull=False) & ~Q(result="")),
                name="audits_test_done_has_result",
            )
        ]
        indexes = [models.Index(fields=["status", "planned_on"], name="audits_test_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.service_id}"
