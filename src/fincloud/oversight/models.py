"""In-use oversight (Annex 2 使用中評估, 監督及審查; Ch 3.4): service levels and outages, KPI/KRI,
periodic reviews with their checklist and findings, reviews of the CSP's certification and
third-party reports with their exceptions, and the daily reminder runs of the calendar.

Writes go through ``fincloud.oversight.services`` (one transaction each, with its audit event).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fincloud.workflow.models import ApprovableRecord

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0.00001")), MaxValueValidator(Decimal(100))]


class MeasurementPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


# -- service levels ----------------------------------------------------------------------------


class SlaTarget(models.Model):
    """The service level of a service as its contract states it (Ch 3.4 (b), (f))."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.OneToOneField(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="sla_target",
    )
    document = models.ForeignKey(
        "register.Document",
        verbose_name=_("contract or SLA document"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    target_percent = models.DecimalField(
        _("availability target (%)"), max_digits=8, decimal_places=5, validators=PERCENT_VALIDATORS
    )
    period = models.CharField(
        _("measured"),
        max_length=10,
        choices=MeasurementPeriod.choices,
        default=MeasurementPeriod.MONTHLY,
    )
    # Most CSP contracts leave announced maintenance out of the downtime; some count it.
    planned_excluded = models.BooleanField(
        _("planned maintenance excluded (per contract)"), default=True
    )
    # Service credits: [{"below": "99.9", "credit_percent": "10"}, ...], highest "below" first.
    credit_terms = models.JSONField(_("service credit tiers"), default=list, blank=True)
    claim_window_days = models.PositiveSmallIntegerField(
        _("claim credits within (days after the period)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_percent__gt=0) & Q(target_percent__lte=100),
                name="oversight_sla_target_percent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.target_percent.normalize()}%"


class OutageImport(models.Model):
    """One imported file (kept as evidence owned by this record), with what it changed."""

    class Kind(models.TextChoices):
        CSV = "csv", _("CSV file")
        FEED = "feed", _("CSP status feed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=20)
    file_name = models.CharField(_("file name"), max_length=255)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("service (feed)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    component_filter = models.CharField(_("component filter"), max_length=200, blank=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("outage import")
        verbose_name_plural = _("outage imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class Outage(models.Model):
    """An interruption of one or more services (Ch 3.4 (b): the data SLA attainment is
    measured from). ``end`` empty: still going on."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        CSV = "csv", _("CSV import")
        FEED = "feed", _("CSP status feed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    planned = models.BooleanField(_("planned maintenance"), default=False)
    cause = models.TextField(_("cause"), blank=True, max_length=2000)
    csp_reference = models.CharField(_("CSP reference"), max_length=200, blank=True)
    csp = models.ForeignKey(
        "register.CloudServiceProvider",
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    services = models.ManyToManyField(
        "register.CloudService", verbose_name=_("affected services"), related_name="outages"
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    imported_by_file = models.ForeignKey(
        OutageImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="outages",
        null=True,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-start"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="oversight_outage_end_after_start",
            ),
            # Re-importing a feed updates the CSP's incident instead of duplicating it.
            models.UniqueConstraint(
                fields=["csp", "csp_reference"],
                condition=~Q(csp_reference=""),
                name="oversight_outage_csp_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["start"], name="oversight_outage_start"),
            # Attainment reads the outages that ended after a period began: a range scan that
            # covers the columns it needs, so the table itself is not read.
            models.Index(fields=["end", "start", "planned"], name="oversight_outage_span"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.start:%Y-%m-%d %H:%M}"

    @property
    def ongoing(self) -> bool:
        return self.end is None


class AttainmentRecord(models.Model):
    """The SLA attainment of a service for one calendar period, computed by fincloud.sla
    (overlaps merged, clipped to the period, planned maintenance as the contract says)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="attainments",
    )
    period = models.CharField(_("period"), max_length=7)  # 2026-01 or 2026-Q1
    period_start = models.DateTimeField(_("period start"))
    target_percent = models.DecimalField(_("target (%)"), max_digits=8, decimal_places=5)
    planned_excluded = models.BooleanField(_("planned maintenance excluded"), default=True)
    availability_percent = models.DecimalField(
        _("availability (%)"), max_digits=12, decimal_places=8
    )
    downtime_minutes = models.DecimalField(_("downtime (minutes)"), max_digits=14, decimal_places=4)
    allowed_minutes = models.DecimalField(_("allowed (minutes)"), max_digits=14, decimal_places=4)
    breach = models.BooleanField(_("breach"), default=False, db_index=True)
    outages_counted = models.PositiveIntegerField(_("spans counted"), default=0)
    # The credit the contract's tiers give for this availability (percent of the fee).
    credit_percent = models.DecimalField(
        _("service credit due (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    rule_version = models.CharField(_("rule version"), max_length=40)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-period_start", "service"]
        verbose_name = _("SLA attainment")
        verbose_name_plural = _("SLA attainments")
        constraints = [
            models.UniqueConstraint(fields=["service", "period"], name="oversight_attain_unique")
        ]
        indexes = [models.Index(fields=["period", "breach"], name="oversight_attain_period")]

    def __str__(self) -> str:
        return f"{self.service} {self.period}: {self.availability_percent.normalize()}%"


class CreditClaim(models.Model):
    """The service credit claimed from the CSP for a breached period."""

    class Status(models.TextChoices):
        TO_CLAIM = "to_claim", _("To be claimed")
        CLAIMED = "claimed", _("Claimed")
        RECEIVED = "received", _("Credit received")
        REFUSED = "refused", _("Refused by the CSP")
        WAIVED = "waived", _("Not claimed (with reason)")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attainment = models.OneToOneField(
        AttainmentRecord,
        verbose_name=_("SLA attainment"),
        on_delete=models.PROTECT,
        related_name="claim",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TO_CLAIM
    )
    claim_due = models.DateField(_("claim by"), null=True, blank=True, db_index=True)
    claimed_on = models.DateField(_("claimed on"), null=True, blank=True)
    reference = models.CharField(_("CSP case reference"), max_length=200, blank=True)
    amount_twd = models.DecimalField(
        _("credit amount (TWD)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    note = models.TextField(_("note or reason"), blank=True, max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service credit claim")
        verbose_name_plural = _("service credit claims")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "received", "refused"])
                | Q(claimed_on__isnull=False),
                name="oversight_claim_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(note=""), name="oversight_claim_waiver_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attainment} · {self.get_status_display()}"


# -- KPI / KRI ---------------------------------------------------------------------------------


class Indicator(models.Model):
    """Ch 3.4 (d): a key performance or risk indicator of a service, with its thresholds."""

    class Kind(models.TextChoices):
        KPI = "kpi", _("Key performance indicator (KPI)")
        KRI = "kri", _("Key risk indicator (KRI)")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("definition"), blank=True, max_length=2000)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    green = models.DecimalField(_("green from"), max_digits=16, decimal_places=4)
    amber = models.DecimalField(_("amber from"), max_digits=16, decimal_places=4)
    frequency = models.CharField(
        _("measured"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    active = models.BooleanField(_("active"), default=True)
    # The latest measurement, kept by the services so lists and the calendar need no subquery.
    last_measured_on = models.DateField(_("last measured"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=5, blank=True, db_index=True)
    next_due = models.DateField(_("next measurement due"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["service", "kind", "name"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="oversight_indicator_name"),
            models.CheckConstraint(
                condition=(Q(direction="higher") & Q(amber__lte=F("green")))
                | (Q(direction="lower") & Q(amber__gte=F("green"))),
                name="oversight_indicator_thresholds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    status = models.CharField(_("status"), max_length=5)  # green / amber / red, at recording
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["indicator", "measured_on"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"], name="oversight_measurement_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.measured_on}: {self.value.normalize()}"


# -- periodic review ---------------------------------------------------------------------------


class ReviewPolicy(models.Model):
    """How often the institution reviews a service of each classification (Ch 3.4 sets no
    frequency; the institution's policy does). ``raised_interval_months`` applies to a service
    for which alternative measure (c) of Ch 3.3 (a higher review frequency) was adopted."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    classification = models.CharField(_("classification"), max_length=40, unique=True)
    interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    raised_interval_months = models.PositiveSmallIntegerField(
        _("raised: review every (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["classification"]
        verbose_name = _("review frequency")
        verbose_name_plural = _("review frequencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(raised_interval_months__lte=F("interval_months")),
                name="oversight_policy_raised_not_longer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.classification}: {self.interval_months}"


class ReviewSchedule(models.Model):
    """When a service's next periodic review is due, kept by the services (on approval of a
    review, a policy change, a service change, and by the daily task) so the calendar filters
    on an indexed date."""

    service = models.OneToOneField(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="review_schedule",
    )
    interval_months = models.PositiveSmallIntegerField(_("review every (months)"))
    raised = models.BooleanField(_("raised by alternative measure (c)"), default=False)
    raised_source = models.CharField(_("raised because"), max_length=300, blank=True)
    # A service-level override the governance unit may set (with a reason).
    raised_manually = models.BooleanField(_("raised by the governance unit"), default=False)
    raised_reason = models.CharField(_("reason"), max_length=500, blank=True)
    last_review_on = models.DateField(_("last approved review"), null=True, blank=True)
    next_due = models.DateField(_("next review due"), db_index=True)

    class Meta:
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(raised_manually=False) | ~Q(raised_reason=""),
                name="oversight_schedule_raise_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} → {self.next_due}"


class PeriodicReview(ApprovableRecord):
    """One periodic review of a service against Ch 3.4 (a)-(g), approved through the workflow."""

    class Conclusion(models.TextChoices):
        SATISFACTORY = "satisfactory", _("Satisfactory")
        ACTION_NEEDED = "action_needed", _("Action needed")

    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="periodic_reviews",
    )
    due_date = models.DateField(_("due date"))
    review_date = models.DateField(_("reviewed on"))
    period_from = models.DateField(_("period reviewed from"))
    period_to = models.DateField(_("period reviewed to"))
    catalog_edition = models.CharField(_("catalog edition"), max_length=20)
    conclusion = models.CharField(
        _("conclusion"), max_length=16, choices=Conclusion.choices, blank=True
    )
    summary = models.TextField(_("summary"), blank=True, max_length=8000)

    workflow_type_label = _("periodic review")

    class Meta:
        ordering = ["-review_date"]
        verbose_name = _("periodic review")
        verbose_name_plural = _("periodic reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="oversight_review_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.review_date:%Y-%m-%d}"

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.oversight.services import review_schedule_refresh

        review_schedule_refresh(service_ids=[self.service_id])


class ReviewItem(models.Model):
    """One checklist line of a review: a catalog item of Ch 3.4 and what was found."""

    class Result(models.TextChoices):
        NOT_REVIEWED = "", _("Not yet reviewed")
        SATISFACTORY = "ok", _("Satisfactory")
        FINDING = "finding", _("Finding")
        NOT_APPLICABLE = "na", _("Not applicable")

    review = models.ForeignKey(
        PeriodicReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items"
    )
    catalog_id = models.CharField(_("catalog item"), max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)

    class Meta:
        ordering = ["review", "order"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            models.UniqueConstraint(fields=["review", "catalog_id"], name="oversight_item_unique"),
            models.CheckConstraint(
                condition=~Q(result="na") | ~Q(notes=""), name="oversight_item_na_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.catalog_id


class FollowUp(models.Model):
    """Fields shared by a review finding and an exception in a CSP report: an owner, a due
    date and a closure with its note, tracked to the end."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    description = models.TextField(_("description"), max_length=4000)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    action = models.TextField(_("follow-up action"), blank=True, max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), db_index=True)
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closure_note = models.TextField(_("how it was closed"), blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        abstract = True


class ReviewFinding(FollowUp):
    review = models.ForeignKey(
        PeriodicReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ReviewItem,
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["status", "due_date"]
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_on__isnull=False) & ~Q(closure_note="")),
                name="oversight_finding_closed_fully",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]


class ReportReview(ApprovableRecord):
    """Ch 3.4 (c): a review of a certification report or SOC / third-party assurance report the
    CSP issued for the infrastructure it is responsible for, with the exceptions found."""

    class ReportKind(models.TextChoices):
        ISO_CERTIFICATE = "iso", _("ISO certificate and audit report")
        SOC1 = "soc1", _("SOC 1 report")
        SOC2_TYPE1 = "soc2_t1", _("SOC 2 Type I report")
        SOC2_TYPE2 = "soc2_t2", _("SOC 2 Type II report")
        CSA_STAR = "csa_star", _("CSA STAR attestation")
        PCI_DSS = "pci_dss", _("PCI DSS attestation of compliance")
        PENTEST = "pentest", _("Third-party penetration test summary")
        OTHER = "other", _("Other third-party report")

    class Opinion(models.TextChoices):
        UNQUALIFIED = "unqualified", _("Unqualified (clean)")
        QUALIFIED = "qualified", _("Qualified (with exceptions)")
        ADVERSE = "adverse", _("Adverse")
        NOT_APPLICABLE = "na", _("No opinion given (e.g. a certificate)")

    csp = models.ForeignKey(
        "register.CloudServiceProvider",
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="report_reviews",
    )
    report_kind = models.CharField(_("report"), max_length=10, choices=ReportKind.choices)
    title = models.CharField(_("title"), max_length=300)
    certification = models.ForeignKey(
        "register.Certification",
        verbose_name=_("certification"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    document = models.ForeignKey(
        "register.Document",
        verbose_name=_("report document"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    issuer = models.CharField(_("issued by (auditor)"), max_length=200, blank=True)
    covers_from = models.DateField(_("covers from"))
    covers_to = models.DateField(_("covers to"))
    reviewed_on = models.DateField(_("reviewed on"))
    opinion = models.CharField(_("opinion"), max_length=12, choices=Opinion.choices)
    conclusion = models.TextField(_("conclusion"), blank=True, max_length=8000)

    workflow_type_label = _("CSP report review")

    class Meta:
        ordering = ["-reviewed_on"]
        verbose_name = _("CSP report review")
        verbose_name_plural = _("CSP report reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_to__gte=F("covers_from")), name="oversight_report_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.csp} · {self.title}"


class ReportException(FollowUp):
    """An exception (deviation) the report states, with the CSP's response and our follow-up
    (Ch 3.4 (c): track whether the CSP fixes the important issues in time)."""

    review = models.ForeignKey(
        ReportReview,
        verbose_name=_("report review"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    control_reference = models.CharField(_("control reference"), max_length=120, blank=True)
    csp_response = models.TextField(_("CSP's response"), blank=True, max_length=4000)

    class Meta:
        ordering = ["status", "due_date"]
        verbose_name = _("report exception")
        verbose_name_plural = _("report exceptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_on__isnull=False) & ~Q(closure_note="")),
                name="oversight_exception_closed_fully",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]


# -- reminders ---------------------------------------------------------------------------------


class ReminderDelivery(models.Model):
    """One reminder e-mail for one person on one day: the unique pair makes the daily task
    idempotent (a rerun, a second worker or a restart sends nothing twice)."""

    day = models.DateField(_("day"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    items = models.PositiveIntegerField(_("items"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("reminder e-mail")
        verbose_name_plural = _("reminder e-mails")
        constraints = [
            models.UniqueConstraint(fields=["day", "user"], name="oversight_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"
