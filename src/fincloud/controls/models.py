"""Control assessments (Ch 5, Ch 6), the cloud asset inventory (Ch 6.1) and threat intelligence
(Ch 5.6 basic (a)(2)).

A ``ControlAssessment`` is one service's assessment against the Ch 5/Ch 6 checklist generated
from the catalog for its service model (``fincloud.controls.checklist``); it goes through the
shared approval workflow. Its ``ControlItem``s record, per catalog item, the risk-based decision
(basic items proposed, advanced items decided; every item not adopted carries a reason), the
status, the responsibility split and the hard figures. Evidence files belong to the
``ServiceControl`` (service + catalog item), so they outlive a new assessment version.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fincloud.controls.figures import FIPS_LEVELS, FIPS_STANDARDS, TLS_VERSIONS
from fincloud.workflow.models import ApprovableRecord


class Decision(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")
    UNDECIDED = "undecided", _("Awaiting a risk-based decision")


class Status(models.TextChoices):
    NOT_ASSESSED = "", _("Not yet assessed")
    IMPLEMENTED = "implemented", _("Implemented")
    PARTIAL = "partial", _("Partially implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Responsibility(models.TextChoices):
    # The shared-responsibility model (Ch 5.2 basic (a), Ch 7.3 guidance).
    UNSET = "", _("Not yet set")
    INSTITUTION = "institution", _("Institution")
    CSP = "csp", _("Cloud service provider")
    SHARED = "shared", _("Shared")


class Strength(models.TextChoices):
    BASIC = "basic", _("Basic item")
    ADVANCED = "advanced", _("Advanced item")


class ControlAssessment(ApprovableRecord):
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="control_assessments",
    )
    # The checklist was generated for this model and catalog edition; both are kept so an old
    # assessment still reads against the items it was made with.
    service_model = models.CharField(_("service model"), max_length=4)
    catalog_edition = models.CharField(_("catalog edition"), max_length=20, default="2025")
    as_of = models.DateField(_("assessment date"))
    scope_note = models.TextField(_("scope and approach"), blank=True, max_length=4000)

    workflow_type_label = _("control assessment")

    class Meta:
        ordering = ["service", "-version"]
        verbose_name = _("control assessment")
        verbose_name_plural = _("control assessments")
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="controls_one_version"),
        ]
        indexes = [models.Index(fields=["service", "state"], name="controls_assess_svc_state")]

    def __str__(self) -> str:
        return f"{self.service} · v{self.version}"


class ServiceControl(models.Model):
    """One Ch 5/6 item for one service: what evidence files belong to."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="service_controls",
    )
    catalog_id = models.CharField(_("catalog item"), max_length=60)

    class Meta:
        verbose_name = _("service control")
        verbose_name_plural = _("service controls")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "catalog_id"], name="controls_service_control_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.catalog_id}"


class ControlItem(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        ControlAssessment,
        verbose_name=_("control assessment"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    control = models.ForeignKey(
        ServiceControl, on_delete=models.PROTECT, related_name="items", editable=False
    )
    catalog_id = models.CharField(_("catalog item"), max_length=60)
    section_id = models.CharField(_("section"), max_length=20, db_index=True)
    strength = models.CharField(_("strength"), max_length=10, choices=Strength.choices)
    order = models.PositiveSmallIntegerField(_("order"))

    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, blank=True, default=""
    )
    status_note = models.TextField(_("status note"), blank=True, max_length=2000)
    responsibility = models.CharField(
        _("responsibility"), max_length=12, choices=Responsibility.choices, blank=True, default=""
    )
    target_date = models.DateField(_("gap to be closed by"), null=True, blank=True)

    # The hard figures of the text (fincloud.controls.figures), where they are entered.
    retention_months = models.PositiveSmallIntegerField(
        _("audit-trail retention (months)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1200)],
    )
    tls_min_version = models.CharField(
        _("minimum TLS version"),
        max_length=8,
        blank=True,
        choices=[(v, v) for v in TLS_VERSIONS],
    )
    encryption_algorithm = models.CharField(_("encryption algorithm"), max_length=60, blank=True)
    hsm_fips_standard = models.CharField(
        _("HSM validation standard"),
        max_length=6,
        blank=True,
        choices=[(s, f"FIPS {s}") for s in FIPS_STANDARDS],
    )
    hsm_fips_level = models.PositiveSmallIntegerField(
        _("HSM security level"),
        null=True,
        blank=True,
        choices=[(n, str(n)) for n in FIPS_LEVELS],
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "order"]
        verbose_name = _("control item")
        verbose_name_plural = _("control items")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "catalog_id"], name="controls_item_unique"
            ),
            # RULES.md §7: every item not adopted carries a reason.
            models.CheckConstraint(
                condition=~Q(decision="not_adopted") | ~Q(decision_reason=""),
                name="controls_not_adopted_has_reason",
            ),
            # "Not applicable" is a status with a reason.
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(status_note=""),
                name="controls_na_has_reason",
            ),
            # Only an adopted item has an implementation status.
            models.CheckConstraint(
                condition=Q(decision="adopted") | Q(status=""),
                name="controls_status_only_if_adopted",
            ),
        ]
        indexes = [
            models.Index(fields=["assessment", "section_id"], name="controls_item_section"),
        ]

    def __str__(self) -> str:
        return self.catalog_id

    @property
    def is_gap(self) -> bool:
        """Adopted but not (fully) implemented or not yet assessed, or still undecided."""
        if self.decision == Decision.UNDECIDED:
            return True
        return self.decision == Decision.ADOPTED and self.status in {
            Status.NOT_ASSESSED,
            Status.PARTIAL,
            Status.NOT_IMPLEMENTED,
        }


# -- Ch 6.1 cloud asset inventory ------------------------------------------------------------


class AssetCategory(models.TextChoices):
    # Ch 6.1 basic (a): computing resources, software, network, storage, derived data.
    COMPUTE = "compute", _("Computing resources")
    SOFTWARE = "software", _("Software")
    NETWORK = "network", _("Network")
    STORAGE = "storage", _("Storage")
    DERIVED_DATA = "derived_data", _("Derived data (monitoring records, statistics …)")
    OTHER = "other", _("Other")


class AssetClassification(models.TextChoices):
    UNCLASSIFIED = "", _("Not yet classified")
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal use")
    RESTRICTED = "restricted", _("Restricted")
    CONFIDENTIAL = "confidential", _("Confidential")


class AssetSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("CSV file")
    AWS_CONFIG = "aws_config", _("AWS Config export")
    AZURE_RESOURCE_GRAPH = "azure_resource_graph", _("Azure Resource Graph export")


class CloudAsset(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="cloud_assets",
    )
    external_id = models.CharField(_("resource identifier"), max_length=500)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=AssetCategory.choices)
    resource_type = models.CharField(_("resource type"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    # Ch 6.1 basic (c): owner, custodian (and users, through access rights).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asset owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    owner_label = models.CharField(_("owner as written in the source"), max_length=150, blank=True)
    custodian = models.CharField(_("custodian"), max_length=150, blank=True)
    classification = models.CharField(
        _("classification"),
        max_length=14,
        choices=AssetClassification.choices,
        blank=True,
        default="",
    )
    tags = models.JSONField(_("tags"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=24, choices=AssetSource.choices)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen in an import"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["service", "category", "name"]
        verbose_name = _("cloud asset")
        verbose_name_plural = _("cloud assets")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "external_id"], name="controls_asset_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssetImport(models.Model):
    """One file imported into a service's inventory (the file itself is evidence)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        "register.CloudService", on_delete=models.PROTECT, related_name="asset_imports"
    )
    source = models.CharField(_("source"), max_length=24, choices=AssetSource.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    created = models.PositiveIntegerField(_("added"))
    updated = models.PositiveIntegerField(_("updated"))
    not_seen = models.PositiveIntegerField(_("not in this file"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("asset import")
        verbose_name_plural = _("asset imports")

    def __str__(self) -> str:
        return self.file_name


# -- Ch 5.6 threat intelligence --------------------------------------------------------------


class IntelSource(models.Model):
    """Ch 5.6 basic (a)(2): sources such as TW-Cert, FISAC, the regulator's alerts, suppliers."""

    class Kind(models.TextChoices):
        NATIONAL_CERT = "national_cert", _("National CERT (e.g. TWCERT/CC)")
        ISAC = "isac", _("Sector ISAC (e.g. F-ISAC)")
        REGULATOR = "regulator", _("Regulator's alerts")
        SUPPLIER = "supplier", _("Supplier or CSP")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("web address"), blank=True)
    subscription = models.CharField(
        _("how we receive it"), max_length=300, blank=True, help_text=_("E-mail list, feed …")
    )
    active = models.BooleanField(_("followed"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("threat-intelligence source")
        verbose_name_plural = _("threat-intelligence sources")

    def __str__(self) -> str:
        return self.name


class Advisory(models.Model):
    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSESSED = "assessed", _("Impact assessed")
        ACTED = "acted", _("Acted on")
        NOT_APPLICABLE = "not_applicable", _("Does not affect us")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(
        IntelSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="advisories"
    )
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=300)
    published_on = models.DateField(_("published on"))
    received_on = models.DateField(_("received on"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    services = models.ManyToManyField(
        "register.CloudService",
        verbose_name=_("services affected"),
        related_name="advisories",
        blank=True,
    )
    impact = models.TextField(_("impact on the institution"), blank=True, max_length=4000)
    action = models.TextField(_("action taken"), blank=True, max_length=4000)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RECEIVED
    )
    respond_by = models.DateField(_("respond by"), null=True, blank=True)
    acted_on = models.DateField(_("acted on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-received_on", "-recorded_at"]
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="acted") | (~Q(action="") & Q(acted_on__isnull=False)),
                name="controls_advisory_acted_has_action",
            ),
            models.CheckConstraint(
                condition=~Q(state="not_applicable") | ~Q(impact=""),
                name="controls_advisory_na_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["state", "respond_by"], name="controls_advisory_due")]

    def __str__(self) -> str:
        return self.title
