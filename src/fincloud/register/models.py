"""The register of cloud services: the institution, its CSPs, services, and contracts.

Writes go through ``fincloud.register.services`` only (one transaction each, with its audit
event). Two groups of fields belong to the pre-use assessment and are set only through the
services it calls: the stage "in use" (``service_enter_use``, which needs an approved
assessment) and the scope/offshore/materiality/classification fields
(``service_record_classification``, with the Determination that set them). See docs/register.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fincloud.register.validators import validate_country, validate_tw_business_number

# -- choices shared with the rules engine (a test checks they equal fincloud.rules' values) --


class InstitutionType(models.TextChoices):
    """RULES.md §1 (a), Ch 9.2 (a): the institutions the self-regulatory rules cover."""

    DOMESTIC_BANK = "domestic_bank", _("Domestic bank")
    FOREIGN_BANK_BRANCH = "foreign_bank_branch", _("Foreign bank's branch in Taiwan")
    CREDIT_COOPERATIVE = "credit_cooperative", _("Credit cooperative")
    BILLS_FINANCE_COMPANY = "bills_finance_company", _("Bills finance company")
    CREDIT_CARD_INSTITUTION = "credit_card_institution", _("Credit card business institution")
    OTHER = "other", _("Other institution (not covered by the self-regulatory rules)")


class Exclusion(models.TextChoices):
    """RULES.md §1, Ch 9.2 (a)-(e): the cases the manual puts out of scope."""

    NONE = "none", _("None: no exclusion applies")
    MARKET_INFORMATION_PLATFORM = (
        "market_information_platform",
        _("(a) Market information service or trading/communication platform"),
    )
    NO_CUSTOMER_DATA_ENVIRONMENT = (
        "no_customer_data_environment",
        _("(b) Environment without customer information (dev/test, website, training)"),
    )
    NON_IDENTIFYING_MARKETING = (
        "non_identifying_marketing",
        _("(c) Digital advertising or marketing that does not identify customers"),
    )
    VIDEO_CONFERENCING = "video_conferencing", _("(d) Video-conferencing and communication tools")
    INTERNAL_COLLABORATION = (
        "internal_collaboration",
        _("(e) Office collaboration for internal administration, no business-licence items"),
    )


class Classification(models.TextChoices):
    """RULES.md §2, Ch 7.1: the classification that drives audit cadence and contract rows."""

    MATERIAL_CONSUMER_FINANCE_OFFSHORE = (
        "material_consumer_finance_offshore",
        _("1 · Material consumer-finance system processed offshore"),
    )
    MATERIAL_OFFSHORE = "material_offshore", _("2 · Material offshore cloud outsourcing")
    NON_MATERIAL_OFFSHORE = "non_material_offshore", _("3 · Non-material offshore")
    DOMESTIC = "domestic", _("4 · Domestic cloud outsourcing")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class ServiceModel(models.TextChoices):
    IAAS = "IaaS", "IaaS"
    PAAS = "PaaS", "PaaS"
    SAAS = "SaaS", "SaaS"


class DeploymentModel(models.TextChoices):
    PUBLIC = "public", _("Public cloud")
    PRIVATE = "private", _("Private cloud")
    COMMUNITY = "community", _("Community cloud")
    HYBRID = "hybrid", _("Hybrid cloud")


class Stage(models.TextChoices):
    """RULES.md §9, Annex 2: the stages of a service (日常執行與控管 is institution-level)."""

    BEFORE_USE = "before_use", _("Before use")
    IN_USE = "in_use", _("In use")
    AFTER_USE = "after_use", _("After use")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled before use")
    TERMINATED = "terminated", _("Terminated")


# -- the institution -------------------------------------------------------------------------


class Institution(models.Model):
    """The institution using fincloud: one row (``singleton`` is always 1)."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution_type = models.CharField(
        _("institution type"), max_length=40, choices=InstitutionType.choices
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    business_number = models.CharField(
        _("unified business number"),
        max_length=8,
        validators=[validate_tw_business_number],
        help_text=_("統一編號: eight digits, checked with the rule in force since 2023-04-01."),
    )
    # Ch 9.1 covers foreign banks' branches and subsidiaries in Taiwan (外國銀行在臺分（子）行):
    # a subsidiary is a domestic bank by type, but it has a foreign head office or parent.
    head_office_name = models.CharField(
        _("foreign head office or parent bank"),
        max_length=200,
        blank=True,
        help_text=_(
            "Foreign banks' branches and subsidiaries in Taiwan (Ch 9.1): the head office, "
            "group or parent bank; empty otherwise."
        ),
    )
    head_office_country = models.CharField(
        _("head office country"), max_length=2, blank=True, validators=[validate_country]
    )
    # How long before a deadline the register starts to warn (renewal, notice, trial end,
    # expiries); the default is 90 days.
    alert_window_days = models.PositiveSmallIntegerField(
        _("alert window (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="register_institution_single")
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


# -- cloud service providers -----------------------------------------------------------------


class CloudServiceProvider(models.Model):
    class Channel(models.TextChoices):
        # Ch 3.3: contracting directly, or buying through a partner (an authorised reseller);
        # then the CSP's FSI addendum (FSA) or commitment letter must be on file.
        DIRECT = "direct", _("Direct contract with the CSP")
        PARTNER = "partner", _("Through a partner or reseller")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    channel = models.CharField(
        _("contracting channel"), max_length=10, choices=Channel.choices, default=Channel.DIRECT
    )
    partner_name = models.CharField(_("partner or reseller"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    status_page_url = models.URLField(_("status page"), blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cloud service provider")
        verbose_name_plural = _("cloud service providers")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="direct") | ~Q(partner_name=""),
                name="register_csp_partner_named",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProviderContact(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account manager")
        SUPPORT = "support", _("Technical support")
        SECURITY = "security", _("Security incidents")
        ESCALATION = "escalation", _("Escalation")
        LEGAL = "legal", _("Legal and contracts")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    csp = models.ForeignKey(
        CloudServiceProvider,
        verbose_name=_("cloud service provider"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["csp", "kind", "name"]
        verbose_name = _("CSP contact")
        verbose_name_plural = _("CSP contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Certification(models.Model):
    """Ch 3.1 (g): the CSP's security, data-protection and continuity certifications."""

    class Standard(models.TextChoices):
        ISO27001 = "iso27001", "ISO/IEC 27001"
        ISO27701 = "iso27701", "ISO/IEC 27701"
        ISO27017 = "iso27017", "ISO/IEC 27017"
        ISO27018 = "iso27018", "ISO/IEC 27018"
        ISO22301 = "iso22301", "ISO 22301"
        CSA_STAR = "csa_star", "CSA STAR"
        SOC1 = "soc1", "SOC 1"
        SOC2 = "soc2", "SOC 2"
        PCI_DSS = "pci_dss", "PCI DSS"
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    csp = models.ForeignKey(
        CloudServiceProvider,
        verbose_name=_("cloud service provider"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices)
    standard_other = models.CharField(_("other standard"), max_length=120, blank=True)
    number = models.CharField(_("certificate number"), max_length=120, blank=True)
    scope = models.TextField(_("scope"), max_length=4000)
    issuer = models.CharField(_("issuer"), max_length=200)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["csp", "standard", "-expiry_date"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expiry_date__gte=models.F("issued_on")),
                name="register_cert_expiry_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(standard="other") | ~Q(standard_other=""),
                name="register_cert_other_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard_label} {self.number}".strip()

    @property
    def standard_label(self) -> str:
        if self.standard == self.Standard.OTHER:
            return self.standard_other
        return str(self.get_standard_display())


class TerminationEvent(models.Model):
    """An event that gives the institution a right to terminate (Ch 3.3, cooperation item 4
    (a)-(f), and the model clause's breach of contract), logged with its dates."""

    class Kind(models.TextChoices):
        REGULATOR_ORDER = "regulator_order", _("(a) Regulator's notice to terminate")
        CHANGE_OF_CONTROL = "change_of_control", _("(b) Change of ownership or control")
        BANKRUPTCY = "bankruptcy", _("(c) Bankruptcy or liquidation")
        RECEIVERSHIP = "receivership", _("(d) Under supervision or judicial management")
        SECURITY_BREACH = "security_breach", _("(e) Security or confidentiality breach")
        PERFORMANCE_DOUBT = (
            "performance_doubt",
            _("(f) Ability to perform the contract clearly in doubt"),
        )
        CONTRACT_BREACH = "contract_breach", _("Breach of the contract's terms")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    csp = models.ForeignKey(
        CloudServiceProvider,
        verbose_name=_("cloud service provider"),
        on_delete=models.CASCADE,
        related_name="termination_events",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    occurred_on = models.DateField(_("occurred on"))
    learned_on = models.DateField(_("learned on"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=4000)
    action_taken = models.TextField(_("action taken"), blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-occurred_on", "-recorded_at"]
        verbose_name = _("termination-right event")
        verbose_name_plural = _("termination-right events")
        constraints = [
            models.CheckConstraint(
                condition=Q(learned_on__isnull=True) | Q(learned_on__gte=models.F("occurred_on")),
                name="register_event_learned_after",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_on:%Y-%m-%d}"


# -- cloud services --------------------------------------------------------------------------


class CloudService(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    csp = models.ForeignKey(
        CloudServiceProvider,
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    service_model = models.CharField(_("service model"), max_length=4, choices=ServiceModel.choices)
    deployment_model = models.CharField(
        _("deployment model"),
        max_length=10,
        choices=DeploymentModel.choices,
        default=DeploymentModel.PUBLIC,
    )
    business_process = models.CharField(_("business process served"), max_length=300)
    information_system = models.CharField(
        _("information system served"), max_length=300, blank=True
    )
    unit = models.ForeignKey(
        "people.BusinessUnit",
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="cloud_services",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_cloud_services",
        null=True,
        blank=True,
    )

    # Inputs of the scope rule (Ch 9.2) and of the classification (Ch 7.1).
    involves_license_business = models.BooleanField(
        _("involves business-licence items"), default=False
    )
    customer_data = models.BooleanField(_("customer data"), default=False)
    personal_data = models.BooleanField(_("personal data"), default=False)
    consumer_finance_system = models.BooleanField(
        _("consumer-finance information system"), default=False
    )
    csp_processes_or_stores_data = models.BooleanField(
        _("the CSP processes or stores the data"), default=True
    )
    exclusion = models.CharField(
        _("exclusion"), max_length=40, choices=Exclusion.choices, default=Exclusion.NONE
    )

    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.BEFORE_USE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )

    # Service levels (Ch 3.4) and recovery objectives (Ch 2.2 (c), Ch 8).
    availability_target = models.DecimalField(
        _("availability target (%)"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rto_minutes = models.PositiveIntegerField(_("RTO (minutes)"), null=True, blank=True)
    rpo_minutes = models.PositiveIntegerField(_("RPO (minutes)"), null=True, blank=True)

    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    started_on = models.DateField(_("in use since"), null=True, blank=True)
    ended_on = models.DateField(_("use ended on"), null=True, blank=True)
    # The scale of the outsourcing (Ch 2.2 (f)): what a materiality re-evaluation compares.
    annual_spend_twd = models.DecimalField(
        _("annual spend (TWD)"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    data_records = models.PositiveBigIntegerField(_("customer records held"), null=True, blank=True)

    # Set only through service_record_classification, by the pre-use assessment.
    in_scope = models.BooleanField(_("in scope"), null=True, blank=True)
    offshore = models.BooleanField(_("offshore"), null=True, blank=True)
    material = models.BooleanField(_("material"), null=True, blank=True)
    classification = models.CharField(
        _("classification"), max_length=40, choices=Classification.choices, blank=True
    )
    classification_determination = models.ForeignKey(
        "determinations.Determination",
        verbose_name=_("determination"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("classified by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # An input of the classification changed after it was recorded.
    classification_stale = models.BooleanField(_("classification stale"), default=False)

    # The approved pre-use assessment that let the service into use (set by service_enter_use).
    use_approval_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    use_approval_id = models.CharField(max_length=64, blank=True, default="")
    use_approval = GenericForeignKey("use_approval_type", "use_approval_id")
    use_approved_at = models.DateTimeField(_("approved for use at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cloud service")
        verbose_name_plural = _("cloud services")
        indexes = [
            models.Index(fields=["stage", "classification"], name="register_svc_stage_cls"),
            models.Index(fields=["classification"], name="register_svc_cls"),
            models.Index(fields=["name"], name="register_svc_name"),
            models.Index(fields=["-updated_at"], name="register_svc_updated"),
            # Concentration by CSP (Ch 2.2 (f)): counted from the index alone.
            models.Index(fields=["csp", "material"], name="register_svc_csp_material"),
        ]
        constraints = [
            # Only an approved pre-use assessment brings a service into use (Annex 2), and a
            # service after use has been in use: both keep the approval that allowed it.
            models.CheckConstraint(
                condition=~Q(stage__in=["in_use", "after_use"]) | ~Q(use_approval_id=""),
                name="register_svc_use_needs_approval",
            ),
            models.CheckConstraint(
                condition=Q(classification="") | Q(classification_determination__isnull=False),
                name="register_svc_cls_has_determination",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_classified(self) -> bool:
        return bool(self.classification)

    @property
    def classification_number(self) -> int | None:
        order = [c.value for c in Classification][:4]
        return order.index(self.classification) + 1 if self.classification in order else None


class SubProcessor(models.Model):
    """A link of the sub-outsourcing chain (複委託, 委外辦法 §10 II): who else processes the
    service's data, under whom (``parent``), with the written consent on file."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        CloudService,
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="sub_processors",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("sub-contracted by"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
        help_text=_("Empty when the CSP itself sub-contracts; else the sub-processor above."),
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    function = models.CharField(_("what it does"), max_length=300)
    consent_document = models.ForeignKey(
        "Document",
        verbose_name=_("written consent"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["service", "name"]
        verbose_name = _("sub-processor")
        verbose_name_plural = _("sub-processors")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="register_subproc_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ServiceLocation(models.Model):
    """Where the data is processed or stored (Ch 1.2): by the CSP itself, or by a
    sub-processor of the chain (then ``sub_processor`` is set)."""

    class Role(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        STORAGE = "storage", _("Storage")
        BOTH = "both", _("Processing and storage")
        BACKUP = "backup", _("Backup / disaster recovery")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        CloudService,
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="locations",
    )
    sub_processor = models.ForeignKey(
        SubProcessor,
        verbose_name=_("sub-processor"),
        on_delete=models.CASCADE,
        related_name="locations",
        null=True,
        blank=True,
    )
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    region = models.CharField(_("region or data centre"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.BOTH)

    class Meta:
        ordering = ["service", "sub_processor", "country", "region"]
        verbose_name = _("processing or storage location")
        verbose_name_plural = _("processing and storage locations")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "country", "region", "role"],
                condition=Q(sub_processor__isnull=True),
                name="register_loc_unique_csp",
            ),
            models.UniqueConstraint(
                fields=["service", "sub_processor", "country", "region", "role"],
                condition=Q(sub_processor__isnull=False),
                name="register_loc_unique_sub",
            ),
        ]
        indexes = [models.Index(fields=["country"], name="register_loc_country")]

    def __str__(self) -> str:
        return f"{self.country} {self.region}".strip()


class ServiceDependency(models.Model):
    """One service relies on another. ``kind`` says how they combine for composite
    availability (RULES.md §6): ``series`` (the service fails when the dependency fails) or
    ``parallel`` (redundant alternatives; members of the same ``redundancy_group``)."""

    class Kind(models.TextChoices):
        SERIES = "series", _("Required (in series)")
        PARALLEL = "parallel", _("Redundant alternative (in parallel)")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        CloudService,
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="dependencies",
    )
    depends_on = models.ForeignKey(
        CloudService,
        verbose_name=_("depends on"),
        on_delete=models.PROTECT,
        related_name="dependents",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SERIES)
    redundancy_group = models.CharField(_("redundancy group"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["service", "kind", "redundancy_group"]
        verbose_name = _("service dependency")
        verbose_name_plural = _("service dependencies")
        constraints = [
            models.UniqueConstraint(fields=["service", "depends_on"], name="register_dep_unique"),
            models.CheckConstraint(
                condition=~Q(service=models.F("depends_on")), name="register_dep_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind="series") | ~Q(redundancy_group=""),
                name="register_dep_parallel_grouped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} → {self.depends_on_id} ({self.kind})"


class HeadOfficeReliance(models.Model):
    """Ch 9.1: a foreign bank's branch that only uses the service relies on its head office
    (or group, or an authorised regional HQ) for due diligence, reviews, contracts and audits.
    The head office's own contract with the CSP is sub-outsourcing (複委託) and is checked
    against Annex 3 like any other contract; the head office's auditors are assessed for
    independence and qualification (Ch 7.2)."""

    class ResponsibleKind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        GROUP = "group", _("Group")
        REGIONAL_HQ = "regional_hq", _("Authorised regional headquarters")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.OneToOneField(
        CloudService,
        verbose_name=_("cloud service"),
        on_delete=models.CASCADE,
        related_name="head_office_reliance",
    )
    responsible_kind = models.CharField(
        _("responsible unit"), max_length=20, choices=ResponsibleKind.choices
    )
    responsible_name = models.CharField(_("name of the responsible unit"), max_length=200)
    branch_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("branch contact"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Ch 9.1 (b), (c), (e): what is taken from head office, with its reports as evidence.
    relies_due_diligence = models.BooleanField(_("due diligence from head office"), default=True)
    relies_reviews = models.BooleanField(_("periodic reviews from head office"), default=True)
    relies_contracts = models.BooleanField(_("contracts arranged by head office"), default=True)
    relies_audits = models.BooleanField(_("audits from head office"), default=True)
    head_office_contract = models.ForeignKey(
        "Document",
        verbose_name=_("head office's contract with the CSP (sub-outsourcing)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Ch 9.1 (e) and Ch 7.2: the auditors whose reports the branch relies on.
    auditor_name = models.CharField(_("auditor"), max_length=200, blank=True)
    auditor_independent = models.BooleanField(_("auditor independent"), null=True, blank=True)
    auditor_qualifications = models.JSONField(_("auditor certifications"), default=list, blank=True)
    auditor_experience = models.TextField(
        _("cloud-security audit experience"), blank=True, max_length=4000
    )
    auditor_assessment = models.TextField(
        _("assessment of independence and qualification"), blank=True, max_length=4000
    )
    auditor_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    auditor_assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reliance on head office")
        verbose_name_plural = _("reliances on head office")

    def __str__(self) -> str:
        return f"{self.get_responsible_kind_display()}: {self.responsible_name}"


# -- contracts and documents ----------------------------------------------------------------


class Document(models.Model):
    """A contract or document (Ch 3.3, in the broad sense: signed papers, the CSP's unilateral
    terms, commitments, web pages). Its files are ``fincloud.evidence`` revisions owned by the
    document; ``current_file`` is the latest."""

    class Kind(models.TextChoices):
        MASTER_AGREEMENT = "master_agreement", _("Master agreement")
        SUBSCRIPTION = "subscription", _("Subscription agreement")
        FSI_ADDENDUM = "fsi_addendum", _("Financial services addendum (FSA)")
        COMMITMENT_LETTER = "commitment_letter", _("Commitment letter")
        DPA = "dpa", _("Data processing addendum")
        SLA = "sla", _("Service level agreement")
        AUDIT_REPORT = "audit_report", _("Audit or SOC report")
        CERTIFICATE = "certificate", _("Certificate")
        NO_INCIDENT_DECLARATION = (
            "no_incident_declaration",
            _("Declaration of no incidents in the last three years"),
        )
        CONSENT = "consent", _("Consent to sub-outsourcing")
        HEAD_OFFICE_REPORT = "head_office_report", _("Head office report")
        OTHER = "other", _("Other")

    # The CSP-issued documents that put a reseller-channel CSP under the contract (Ch 3.3).
    ADDENDUM_KINDS = frozenset({Kind.FSI_ADDENDUM, Kind.COMMITMENT_LETTER})

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference number"), max_length=120, blank=True)
    csp = models.ForeignKey(
        CloudServiceProvider,
        verbose_name=_("cloud service provider"),
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    services = models.ManyToManyField(
        CloudService, verbose_name=_("services covered"), related_name="documents", blank=True
    )
    parties = models.CharField(_("parties"), max_length=500, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    # A contract between the head office (or a contractor) and the CSP: 複委託.
    sub_outsourcing = models.BooleanField(_("sub-outsourcing contract"), default=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry or end of term"), null=True, blank=True)
    auto_renewal = models.BooleanField(_("renews automatically"), default=False)
    renewal_term_months = models.PositiveSmallIntegerField(
        _("renewal term (months)"), null=True, blank=True
    )
    notice_period_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), null=True, blank=True
    )
    # expiry_date - notice_period_days, kept by the services so deadlines filter in the database.
    notice_deadline = models.DateField(_("notice deadline"), null=True, blank=True, editable=False)
    free_trial_end = models.DateField(_("free trial or reduced price ends"), null=True, blank=True)
    current_file = models.ForeignKey(
        "evidence.EvidenceFile",
        verbose_name=_("current file"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("contract or document")
        verbose_name_plural = _("contracts and documents")
        indexes = [
            models.Index(fields=["expiry_date"], name="register_doc_expiry"),
            models.Index(fields=["notice_deadline"], name="register_doc_notice"),
            models.Index(fields=["free_trial_end"], name="register_doc_trial"),
            models.Index(fields=["csp", "kind"], name="register_doc_csp_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True)
                | Q(effective_date__isnull=True)
                | Q(expiry_date__gte=models.F("effective_date")),
                name="register_doc_expiry_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def on_file(self) -> bool:
        return self.current_file_id is not None
