"""The pre-use assessment of a cloud service (Annex 2 使用前評估), one per service and version.

Its backbone is the checklist of every Annex 2 before-use item (generated from the catalog);
the sections that need more than a yes/no hang off it: suitability (Ch 1.2), scope and
classification (Determinations from ``fincloud.rules``), materiality (Ch 2.2 (a)-(g)), the risk
list (Ch 2.2 (a)-(k)), locations (Ch 1.2), due diligence (Ch 3.1 (a)-(o)), the contract
checklist (Annex 3) with alternative measures (Ch 3.3), and the regulator filing (委外辦法 §18 I).
Writes go through ``fincloud.assessments.services``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fincloud.workflow.models import ApprovableRecord

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class MigrationPath(models.TextChoices):
    """Ch 1.2: Gartner's 5R model (Annex 1 glossary gives each its meaning)."""

    REHOST = "rehost", _("Rehost: move to the cloud unchanged")
    REFACTOR = "refactor", _("Refactor: redesign the architecture for the cloud")
    REARCHITECT = "rearchitect", _("Rearchitect: migrate with small changes")
    REBUILD = "rebuild", _("Rebuild: discard the current technology and develop anew")
    REPLACE = "replace", _("Replace: retire the application for an alternative solution")


class DueDiligenceDepth(models.TextChoices):
    """Ch 3.1: the depth of due diligence is chosen by the service and its risk."""

    BASIC = "basic", _("Basic: documents and certificates reviewed")
    STANDARD = "standard", _("Standard: documents, questionnaire and interviews")
    ENHANCED = "enhanced", _("Enhanced: adds on-site or independent third-party review")


class RiskMatrix(models.Model):
    """The institution's 5x5 risk matrix (Ch 2.2 mechanism (a), (b)); every change is a new
    version, and each assessment keeps the version it was rated with."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), unique=True)
    data = models.JSONField(_("matrix"))
    current = models.BooleanField(_("current"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("changed at"))
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")
        constraints = [
            models.UniqueConstraint(
                fields=["current"], condition=Q(current=True), name="assess_matrix_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    def matrix(self) -> Any:
        from fincloud.assessments.matrix import parse_matrix

        cached = getattr(self, "_matrix", None)
        if cached is None:
            cached = parse_matrix(self.data)
            self._matrix = cached
        return cached


class AssessmentSettings(models.Model):
    """Institution-level settings of the assessments (one row): when growth of the exposure to
    one CSP flags a materiality re-evaluation (Ch 2.2), the FAQ-10 country list (Ch 1.2 (c)),
    and the certificate warning window."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    services_increase = models.PositiveSmallIntegerField(
        _("more services with the same CSP"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    data_growth_percent = models.DecimalField(
        _("growth of customer records held (%)"),
        max_digits=6,
        decimal_places=1,
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )
    spend_growth_percent = models.DecimalField(
        _("growth of annual spend (%)"),
        max_digits=6,
        decimal_places=1,
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )
    reevaluation_due_days = models.PositiveSmallIntegerField(
        _("re-evaluation due within (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    certificate_warning_days = models.PositiveSmallIntegerField(
        _("warn of certificates expiring within (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    # Ch 1.2 (c), FAQ item 10: countries assessed as having data-protection law not lower than
    # Taiwan's. Empty means the manual's list (fincloud.rules.countries.FAQ10_ASSESSED).
    faq_countries = models.JSONField(_("FAQ-10 countries"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")
        constraints = [models.CheckConstraint(condition=Q(singleton=1), name="assess_settings_one")]

    def __str__(self) -> str:
        return str(_("Assessment settings"))


class InstitutionFilingItem(models.Model):
    """An item the institution adds to its own regulator-filing list (besides the §18 I
    documents Annex 3 lists); copied into every classification-1 filing checklist."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("document"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("institution filing item")
        verbose_name_plural = _("institution filing items")

    def __str__(self) -> str:
        return self.title


class Assessment(ApprovableRecord):
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    catalog_edition = models.CharField(_("manual edition"), max_length=20, default="2025")
    matrix = models.ForeignKey(
        RiskMatrix, verbose_name=_("risk matrix"), on_delete=models.PROTECT, related_name="+"
    )
    planned_start = models.DateField(_("planned start of use"), null=True, blank=True)

    # Ch 1.2 雲適性評估 (a)-(d), the migration path (5R) and multi-cloud / portability.
    suitability_business = models.TextField(_("business"), blank=True, max_length=4000)
    suitability_technical = models.TextField(_("technical"), blank=True, max_length=4000)
    suitability_financial = models.TextField(_("financial"), blank=True, max_length=4000)
    suitability_csp = models.TextField(_("cloud service provider"), blank=True, max_length=4000)
    migration_path = models.CharField(
        _("migration path"), max_length=12, choices=MigrationPath.choices, blank=True
    )
    migration_reason = models.TextField(_("why this path"), blank=True, max_length=4000)
    multi_cloud = models.TextField(
        _("single or multi-cloud, concentration"), blank=True, max_length=4000
    )
    portability = models.TextField(
        _("data availability, interoperability and portability"), blank=True, max_length=4000
    )

    # Ch 1.2 location items (b) designation rights and (d) notice of compelled disclosure.
    designation_right = models.BooleanField(
        _("the institution may designate processing and storage locations"),
        null=True,
        blank=True,
    )
    designation_note = models.TextField(_("designation: how it is secured"), blank=True)
    disclosure_notice = models.BooleanField(
        _("the CSP notifies when local law compels disclosure to a third party"),
        null=True,
        blank=True,
    )
    disclosure_note = models.TextField(_("disclosure notice: where it is agreed"), blank=True)

    # Ch 2.2: the person's materiality judgement (the proposal is a Determination).
    material = models.BooleanField(_("material"), null=True, blank=True)
    materiality_reason = models.TextField(_("reason for the judgement"), blank=True)
    materiality_judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judged by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    materiality_judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    # The scale of outsourcing to the CSP and the nature of the work at the judgement (Ch 2.2).
    exposure_snapshot = models.JSONField(_("exposure at the judgement"), default=dict, blank=True)
    nature_snapshot = models.JSONField(
        _("nature of the work at the judgement"), default=dict, blank=True
    )

    # Ch 3.1: depth chosen by risk, recorded with its reason.
    due_diligence_depth = models.CharField(
        _("due-diligence depth"), max_length=10, choices=DueDiligenceDepth.choices, blank=True
    )
    due_diligence_depth_reason = models.TextField(_("why this depth"), blank=True)
    # Annex 3 row 18.I.6: the CSP's declaration of no incidents in the last three years.
    no_incident_document = models.ForeignKey(
        "register.Document",
        verbose_name=_("no-incident declaration"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    no_incident_note = models.TextField(_("declaration: note"), blank=True)

    # Regulator filing (classification 1, 委外辦法 §18 I).
    filing_ready_at = models.DateTimeField(_("marked ready to file at"), null=True, blank=True)
    filing_ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked ready by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    filed_on = models.DateField(_("filed with the regulator on"), null=True, blank=True)
    regulator_approved_on = models.DateField(_("regulator approved on"), null=True, blank=True)
    regulator_reference = models.CharField(_("regulator reference"), max_length=120, blank=True)

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    workflow_type_label = _("pre-use assessment")

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("pre-use assessment")
        verbose_name_plural = _("pre-use assessments")
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="assess_service_version"),
            # At most one assessment of a service is being worked on at a time.
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(state__in=["draft", "submitted", "rejected"]),
                name="assess_one_open_per_service",
            ),
        ]
        indexes = [models.Index(fields=["service", "state"], name="assess_service_state")]

    def __str__(self) -> str:
        return f"{self.service} · v{self.version}"

    def on_approved(self, actor: models.Model) -> None:
        from fincloud.assessments.services import on_assessment_approved

        on_assessment_approved(self, actor)


class ChecklistAnswer(models.Model):
    """One Annex 2 before-use item of one assessment."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Answered")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="checklist_answers"
    )
    item_id = models.CharField(_("checklist item"), max_length=40)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("answer"), blank=True, max_length=8000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "id"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_id"], name="assess_answer_unique")
        ]

    def __str__(self) -> str:
        return self.item_id


class MaterialityRating(models.Model):
    """Ch 2.2 factor (a)-(g): how strongly it points to materiality, with a note."""

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="materiality_ratings"
    )
    factor = models.CharField(_("factor"), max_length=1)
    level = models.CharField(_("rating"), max_length=6, choices=Level.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)

    class Meta:
        ordering = ["assessment", "factor"]
        verbose_name = _("materiality factor rating")
        verbose_name_plural = _("materiality factor ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "factor"], name="assess_materiality_unique"
            ),
            models.CheckConstraint(
                condition=Q(factor__in=list("abcdefg")), name="assess_materiality_factor"
            ),
        ]

    def __str__(self) -> str:
        return f"({self.factor}) {self.level}"

    @property
    def catalog_id(self) -> str:
        return f"ch2.2.materiality.{self.factor}"


class Risk(models.Model):
    """One risk of the list (Ch 2.2): seeded from items (a)-(k), more may be added."""

    class Treatment(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        MITIGATE = "mitigate", _("Mitigate")
        TRANSFER = "transfer", _("Transfer")
        AVOID = "avoid", _("Avoid")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="risks")
    catalog_id = models.CharField(_("manual item"), max_length=40, blank=True)
    title = models.CharField(_("risk"), max_length=300)
    cause = models.TextField(_("cause"), blank=True, max_length=4000)
    consequence = models.TextField(_("consequence"), blank=True, max_length=4000)
    existing_controls = models.TextField(_("existing controls"), blank=True, max_length=4000)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    treatment = models.CharField(
        _("treatment"), max_length=10, choices=Treatment.choices, blank=True
    )
    treatment_plan = models.TextField(_("treatment plan"), blank=True, max_length=4000)
    residual_likelihood = models.PositiveSmallIntegerField(
        _("residual likelihood"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    residual_impact = models.PositiveSmallIntegerField(
        _("residual impact"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("risk owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "order", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5),
                name="assess_risk_likelihood_1_5",
            ),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5),
                name="assess_risk_impact_1_5",
            ),
            models.CheckConstraint(
                condition=Q(residual_likelihood__isnull=True)
                | Q(residual_likelihood__gte=1, residual_likelihood__lte=5),
                name="assess_risk_res_likelihood_1_5",
            ),
            models.CheckConstraint(
                condition=Q(residual_impact__isnull=True)
                | Q(residual_impact__gte=1, residual_impact__lte=5),
                name="assess_risk_res_impact_1_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def display_title(self, language: str) -> str:
        """A risk seeded from Ch 2.2 reads as the manual's item in the reader's language."""
        if self.catalog_id:
            from fincloud.catalog import load_catalog

            node = load_catalog().find(self.catalog_id)
            if node is not None:
                text = node.text_en if language.startswith("en") else node.text_zh
                return text.rstrip("；;。.")
        return self.title


class LocationReview(models.Model):
    """One processing or storage country of the service (or its sub-processors), Ch 1.2."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="location_reviews"
    )
    country = models.CharField(_("country"), max_length=2)
    # Where the country appears in the register (roles, regions, sub-processors), for reading.
    where = models.CharField(_("where"), max_length=500, blank=True)
    # False once the service no longer lists the country (kept for the record, not shown).
    present = models.BooleanField(default=True)
    data_protection_assessment = models.TextField(
        _("assessment of the local data-protection law"), blank=True, max_length=8000
    )
    stability_assessment = models.TextField(
        _("legal, political and economic stability"), blank=True, max_length=8000
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "country"]
        verbose_name = _("location review")
        verbose_name_plural = _("location reviews")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "country"], name="assess_location_unique")
        ]

    def __str__(self) -> str:
        return self.country


class DueDiligenceAnswer(models.Model):
    """One Ch 3.1 item (a)-(o), answered with evidence."""

    class Result(models.TextChoices):
        OPEN = "open", _("Open")
        SATISFACTORY = "satisfactory", _("Meets our needs")
        CONCERNS = "concerns", _("Concerns recorded")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="due_diligence_answers"
    )
    item_id = models.CharField(_("due-diligence item"), max_length=20)
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.OPEN
    )
    answer = models.TextField(_("findings"), blank=True, max_length=8000)
    # Ch 9.1 (b): taken from the head office's due diligence, its report as the evidence.
    from_head_office = models.BooleanField(_("taken from the head office"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "item_id"]
        verbose_name = _("due-diligence answer")
        verbose_name_plural = _("due-diligence answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_id"], name="assess_dd_unique")
        ]

    def __str__(self) -> str:
        return self.item_id


class ContractRowCheck(models.Model):
    """One Annex 3 row that applies to the service, judged 符合 / 未符合 / 不適用."""

    class Judgement(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant (符合)")
        NOT_COMPLIANT = "not_compliant", _("Not compliant (未符合)")
        NOT_APPLICABLE = "not_applicable", _("Not applicable (不適用)")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="contract_rows"
    )
    row = models.CharField(_("Annex 3 row"), max_length=20)
    order = models.PositiveSmallIntegerField(default=0)
    # False when a new classification no longer lists the row (kept, not shown or counted).
    applicable = models.BooleanField(default=True)
    judgement = models.CharField(
        _("judgement"), max_length=16, choices=Judgement.choices, blank=True
    )
    na_reason = models.TextField(_("why not applicable"), blank=True, max_length=4000)
    documents = models.ManyToManyField(
        "register.Document",
        verbose_name=_("covering documents"),
        related_name="+",
        blank=True,
    )
    # The stored revision of each document that was read when the row was judged.
    revisions = models.ManyToManyField(
        "evidence.EvidenceFile",
        verbose_name=_("revisions checked"),
        related_name="+",
        blank=True,
    )
    clauses = models.TextField(_("clauses"), blank=True, max_length=4000)
    remarks = models.TextField(_("remarks"), blank=True, max_length=4000)
    # Annex 3 footnote 1: cooperation rows may be tailored to the service model and split of
    # duties.
    tailored = models.BooleanField(_("tailored to the service model"), default=False)
    tailoring_reason = models.TextField(_("how and why tailored"), blank=True, max_length=4000)
    # Ch 3.3: a clause that cannot be agreed: its risk to customer rights or operations.
    impact_assessment = models.TextField(
        _("impact on customer rights or operations"), blank=True, max_length=4000
    )
    significant_impact = models.BooleanField(_("significant impact"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "order"]
        verbose_name = _("contract checklist row")
        verbose_name_plural = _("contract checklist rows")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "row"], name="assess_row_unique")
        ]

    def __str__(self) -> str:
        return self.row

    @property
    def catalog_id(self) -> str:
        return "a3." + self.row


class AlternativeMeasure(models.Model):
    """Ch 3.3 (a)-(d): a measure planned for a mandatory clause that could not be agreed."""

    class Kind(models.TextChoices):
        COMMUNICATION = "a", _("(a) Clear communication and complaint channel")
        INDEPENDENT_MONITOR = "b", _("(b) Independent monitor or third-party intermediary")
        REVIEW_FREQUENCY = "c", _("(c) Higher frequency of monitoring and review")
        RISK_REMEASUREMENT = "d", _("(d) Regular re-measurement of the risk")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    row = models.ForeignKey(ContractRowCheck, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=1, choices=Kind.choices)
    description = models.TextField(_("what will be done"), max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["row", "kind", "due_date"]
        verbose_name = _("alternative measure")
        verbose_name_plural = _("alternative measures")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.due_date:%Y-%m-%d}"

    @property
    def catalog_id(self) -> str:
        return f"ch3.3.alternative.{self.kind}"


class FilingItem(models.Model):
    """One document of the regulator filing of a classification-1 service."""

    class Source(models.TextChoices):
        ANNEX3 = "annex3", _("Annex 3 (委外辦法 §18 I)")
        INSTITUTION = "institution", _("The institution's own list")
        ASSESSMENT = "assessment", _("Added for this filing")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="filing_items"
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    row = models.CharField(_("Annex 3 row"), max_length=20, blank=True)
    institution_item = models.ForeignKey(
        InstitutionFilingItem, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    title = models.CharField(_("document"), max_length=300)
    documents = models.ManyToManyField(
        "register.Document", verbose_name=_("documents"), related_name="+", blank=True
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["assessment", "order", "id"]
        verbose_name = _("filing item")
        verbose_name_plural = _("filing items")

    def __str__(self) -> str:
        return self.title


class ReevaluationFlag(models.Model):
    """Ch 2.2: a materiality judgement to re-evaluate, flagged when the outsourcing to the same
    CSP grew or the nature of the work changed since it was made."""

    class Reason(models.TextChoices):
        EXPOSURE = "exposure", _("The outsourcing to the same CSP grew")
        NATURE = "nature", _("The nature of the work changed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="reevaluation_flags"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    details = models.JSONField(_("details"), default=list)
    detected_on = models.DateField(_("detected on"))
    due_date = models.DateField(_("due date"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["due_date"]
        verbose_name = _("re-evaluation flag")
        verbose_name_plural = _("re-evaluation flags")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "reason"],
                condition=Q(resolved_at__isnull=True),
                name="assess_flag_one_open",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "due_date"], name="assess_flag_open")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.assessment}"


# -- vendor comparison (Annex 4 layout) ------------------------------------------------------


class VendorComparison(models.Model):
    """The contract checklist across candidate CSPs side by side (Annex 4: rows x vendors,
    covering documents and remarks per cell)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("purpose"), blank=True, max_length=4000)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("for the service"),
        on_delete=models.PROTECT,
        related_name="vendor_comparisons",
        null=True,
        blank=True,
    )
    # The Annex 3 rows compared, in the manual's order (without the "a3." prefix).
    rows = models.JSONField(_("rows"), default=list)
    # The manual's Annex 4 example: shown with its "for reference only" disclaimer.
    is_example = models.BooleanField(_("the manual's Annex 4 example"), default=False)
    catalog_edition = models.CharField(_("manual edition"), max_length=20, default="2025")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vendor comparison")
        verbose_name_plural = _("vendor comparisons")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_edition"],
                condition=Q(is_example=True),
                name="assess_one_example_per_edition",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ComparisonVendor(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    comparison = models.ForeignKey(
        VendorComparison, on_delete=models.CASCADE, related_name="vendors"
    )
    label = models.CharField(_("vendor"), max_length=120)
    csp = models.ForeignKey(
        "register.CloudServiceProvider",
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["comparison", "order", "id"]
        verbose_name = _("compared vendor")
        verbose_name_plural = _("compared vendors")
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "label"], name="assess_vendor_label_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class ComparisonCell(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vendor = models.ForeignKey(ComparisonVendor, on_delete=models.CASCADE, related_name="cells")
    row = models.CharField(_("Annex 3 row"), max_length=20)
    judgement = models.CharField(
        _("judgement"), max_length=16, choices=ContractRowCheck.Judgement.choices, blank=True
    )
    documents = models.TextField(_("covering documents"), blank=True, max_length=2000)
    remarks = models.TextField(_("remarks"), blank=True, max_length=4000)
    # The Annex 4 example carries both languages; cells people fill hold one.
    documents_en = models.TextField(blank=True, max_length=2000)
    remarks_en = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["vendor", "row"]
        verbose_name = _("comparison cell")
        verbose_name_plural = _("comparison cells")
        constraints = [models.UniqueConstraint(fields=["vendor", "row"], name="assess_cell_unique")]

    def __str__(self) -> str:
        return f"{self.vendor} · {self.row}"
