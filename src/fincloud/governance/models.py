"""日常執行與控管 (Annex 2): the institution's standing cloud governance.

Strategy and policy (Ch 1.1-1.3), the governance committee, units and responsibility matrix
(Ch 1.4), segregation of duties among staff (Ch 1.4), the institution-level risk-assessment,
monitoring and exit mechanisms (Ch 2.2, Ch 3.4, Ch 8.5), training (Ch 4) and the Annex 2
checklist. Manual items are referred to by catalog id; checklists come from the catalog.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fincloud.workflow.models import ApprovableRecord

USER = settings.AUTH_USER_MODEL
TEXT_MAX = 8000
NOTE_MAX = 4000


def _code() -> models.UUIDField:
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


# --- 1. Strategy and policy --------------------------------------------------------------


class AdoptionStage(models.TextChoices):
    """Ch 1.1 and the Ch 4.2 table: 準備 -> 發展 -> 優化 (keys are the catalog's stages_en)."""

    PREPARATION = "preparation", _("Preparation")
    DEVELOPMENT = "development", _("Development")
    OPTIMISATION = "optimisation", _("Optimisation")


class AdoptionStageRecord(models.Model):
    code = _code()
    stage = models.CharField(_("adoption stage"), max_length=20, choices=AdoptionStage.choices)
    decided_on = models.DateField(_("date"))
    rationale = models.TextField(_("rationale"), max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-decided_on", "-recorded_at"]
        verbose_name = _("cloud adoption stage")
        verbose_name_plural = _("cloud adoption stages")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ({self.decided_on:%Y-%m-%d})"


class StrategyDocument(models.Model):
    """A strategy document with an owner; its versions are the revisions of its evidence file."""

    class Kind(models.TextChoices):
        CLOUD_STRATEGY = "cloud_strategy", _("Cloud strategy")
        MULTI_CLOUD = "multi_cloud", _("Multi-cloud and portability policy")

    # Ch 1.1 (strategy and adoption stages); Ch 1.2 last paragraph (multi-cloud, portability).
    CATALOG_IDS: ClassVar[dict[str, list[str]]] = {
        "cloud_strategy": ["ch1.1"],
        "multi_cloud": ["ch1.2.p3"],
    }

    code = _code()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=NOTE_MAX, blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("strategy document")
        verbose_name_plural = _("strategy documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "title"], name="gov_strategy_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


class CloudPolicy(ApprovableRecord):
    """The cloud service management policy (雲端服務管理政策, Ch 1.3): one series of versions."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("main points"), max_length=TEXT_MAX)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)

    workflow_type_label = _("cloud service management policy")

    class Meta:
        ordering = ["-version"]
        verbose_name = _("cloud service management policy")
        verbose_name_plural = _("cloud service management policies")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PolicyReview(models.Model):
    """The yearly review of the policy against Ch 1.3 (a)-(e).

    ``answers`` maps each factor's catalog id to ``{"affected": bool, "note": str}``.
    """

    code = _code()
    policy = models.ForeignKey(
        CloudPolicy,
        verbose_name=_("policy version reviewed"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewed_on = models.DateField(_("review date"))
    answers = models.JSONField(_("answers"), default=dict)
    update_needed = models.BooleanField(_("update needed"))
    update_due = models.DateField(_("update due by"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), max_length=NOTE_MAX)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-reviewed_on", "-recorded_at"]
        verbose_name = _("policy review")
        verbose_name_plural = _("policy reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(update_needed=False) | models.Q(update_due__isnull=False),
                name="gov_review_update_due_when_needed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} {self.reviewed_on:%Y-%m-%d}"


# --- 2. Governance structure -------------------------------------------------------------


class UnitProfile(models.Model):
    """What a business unit does in cloud governance (Ch 1.4)."""

    class CloudRole(models.TextChoices):
        GOVERNANCE = "governance", _("Cloud service governance unit")
        MANAGEMENT = "management", _("Cloud service management unit")
        OPERATIONS = "operations", _("Operations unit")
        USER = "user", _("User unit")
        SECURITY = "security", _("Information security management unit")
        OTHER = "other", _("Other related unit")

    unit = models.OneToOneField(
        "people.BusinessUnit",
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="governance_profile",
    )
    cloud_role = models.CharField(_("role in cloud governance"), max_length=20, choices=CloudRole)
    mandate = models.TextField(_("responsibilities"), max_length=NOTE_MAX, blank=True)
    contact = models.ForeignKey(
        USER,
        verbose_name=_("contact person"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["cloud_role", "unit__short_name"]
        verbose_name = _("unit's governance role")
        verbose_name_plural = _("units' governance roles")
        constraints = [
            # Ch 1.4: one dedicated unit (專責單位).
            models.UniqueConstraint(
                fields=["cloud_role"],
                condition=models.Q(cloud_role="governance"),
                name="gov_one_governance_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_cloud_role_display()}"


class Committee(models.Model):
    """The cloud governance committee (雲端治理委員會, Ch 1.4 (a))."""

    code = _code()
    name = models.CharField(_("name"), max_length=200, unique=True)
    mandate = models.TextField(_("charter"), max_length=NOTE_MAX)
    established_on = models.DateField(_("established on"))
    meeting_interval_months = models.PositiveSmallIntegerField(
        _("meets every (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Ch 1.4 (c): regular and clear communication; 1 to 12 months."),
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("governance committee")
        verbose_name_plural = _("governance committees")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meeting_interval_months__gte=1)
                & models.Q(meeting_interval_months__lte=12),
                name="gov_committee_interval_1_12",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        CIO = "cio", _("Chief information officer")
        CISO = "ciso", _("Chief information security officer")
        CTO = "cto", _("Chief technology officer")
        LEGAL = "legal", _("Legal")
        COMPLIANCE = "compliance", _("Compliance")
        RISK = "risk", _("Risk management")
        IT = "it", _("Information technology")
        BUSINESS = "business", _("Business unit")
        GOVERNANCE_UNIT = "governance_unit", _("Cloud service governance unit")
        OTHER = "other", _("Other")

    # Ch 1.4 (a): senior managers "such as" the CIO, CISO and CTO, and "as far as possible"
    # representatives of legal, compliance, risk, IT and business units.
    SENIOR: ClassVar[tuple[str, ...]] = ("cio", "ciso", "cto")
    DEPARTMENTS: ClassVar[tuple[str, ...]] = ("legal", "compliance", "risk", "it", "business")

    code = _code()
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role on the committee"), max_length=20, choices=Role.choices)
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["role", "joined_on"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "person", "role"],
                condition=models.Q(left_on__isnull=True),
                name="gov_member_once_per_role",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="gov_member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Meeting(models.Model):
    code = _code()
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    agenda = models.TextField(_("agenda"), max_length=TEXT_MAX)
    minutes = models.TextField(_("minutes"), max_length=TEXT_MAX, blank=True)
    attendees: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, verbose_name=_("attendees"), related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-recorded_at"]
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    def is_held(self, today: dt.date) -> bool:
        return self.held_on <= today


class Decision(models.Model):
    code = _code()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("decision"), max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="gov_decision_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    code = _code()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        related_name="actions",
        null=True,
        blank=True,
    )
    title = models.CharField(_("follow-up action"), max_length=300)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "created_at"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_on__isnull=False)),
                name="gov_action_closed_iff_not_open",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ResponsibilityMatrix(ApprovableRecord):
    """The RACI of the duties (a)-(i) of Ch 1.4 per unit.

    ``cells`` maps a duty's catalog id to ``{unit code: letters}``, letters one of
    R (responsible), A (accountable), C (consulted), I (informed) or AR.
    """

    LETTERS: ClassVar[tuple[tuple[str, str | Promise], ...]] = (
        ("", "—"),
        ("R", _("R: responsible")),
        ("A", _("A: accountable")),
        ("AR", _("A/R: accountable and responsible")),
        ("C", _("C: consulted")),
        ("I", _("I: informed")),
    )

    title = models.CharField(_("title"), max_length=200)
    cells = models.JSONField(_("assignments"), default=dict, blank=True)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)

    workflow_type_label = _("responsibility matrix")

    class Meta:
        ordering = ["-version"]
        verbose_name = _("responsibility matrix")
        verbose_name_plural = _("responsibility matrices")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


# --- 3. Segregation of duties among staff ------------------------------------------------


class SodException(ApprovableRecord):
    """A request to let one person hold conflicting activities (Ch 1.4), accepted by an
    approver with a reason and a mitigating control; approving it creates the assignment."""

    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    activity = models.CharField(_("activity"), max_length=40)
    duty_id = models.CharField(_("duty (Ch 1.4)"), max_length=40, blank=True)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: every cloud service."),
    )
    starts_on = models.DateField(_("from"))
    # The conflicts accepted: [{"rule": "ch1.4.sod.a", "activity": "...", "assignment": code}]
    conflicts = models.JSONField(_("conflicts accepted"), default=list)
    reason = models.TextField(_("reason"), max_length=NOTE_MAX)
    mitigating_control = models.TextField(_("mitigating control"), max_length=NOTE_MAX)
    review_by = models.DateField(_("review by"))

    workflow_type_label = _("segregation-of-duties exception")

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("segregation-of-duties exception")
        verbose_name_plural = _("segregation-of-duties exceptions")

    def __str__(self) -> str:
        from fincloud.governance.labels import activity_label

        return f"{self.person}: {activity_label(self.activity)}"

    def on_approved(self, actor: Any) -> None:
        from fincloud.governance.services import sod_exception_carry_out

        sod_exception_carry_out(exception=self, actor=actor)


class DutyAssignment(models.Model):
    """A person assigned to an activity of Ch 1.4's segregation list, for one cloud service or
    (no service) for all of them."""

    code = _code()
    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    activity = models.CharField(_("activity"), max_length=40)
    duty_id = models.CharField(_("duty (Ch 1.4)"), max_length=40, blank=True)
    service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: every cloud service."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    exception = models.OneToOneField(
        SodException,
        verbose_name=_("accepted exception"),
        on_delete=models.PROTECT,
        related_name="assignment",
        null=True,
        blank=True,
    )
    assigned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["person", "activity"]
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        indexes = [models.Index(fields=["person", "ends_on"], name="gov_assign_person_active")]

    def __str__(self) -> str:
        from fincloud.governance.labels import activity_label

        return f"{self.person}: {activity_label(self.activity)}"


# --- 4. Institution-level mechanisms (Annex 2 日常執行與控管) ---------------------------


class Mechanism(ApprovableRecord):
    """Common fields of the risk-assessment, monitoring and exit mechanisms: each answers the
    manual's items for it (catalog id -> how the institution does it)."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=TEXT_MAX, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    review_months = models.PositiveSmallIntegerField(
        _("review every (months)"), validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class RiskMechanism(Mechanism):
    """Ch 2.1-2.2: the risk-assessment mechanism every per-service assessment uses.

    The scale is likelihood x impact; a score at or below ``acceptance_threshold`` may be
    accepted (Ch 2.2 (a)); every item (a)-(k) of Ch 2.2 is assessed ("at least", (b) makes
    repeated assessments comparable); ``review_months`` is how often results are revisited.
    """

    likelihood_levels = models.JSONField(_("likelihood levels"), default=list)
    impact_levels = models.JSONField(_("impact levels"), default=list)
    acceptance_threshold = models.PositiveSmallIntegerField(_("acceptable up to score"))
    covered_items = models.JSONField(_("risk items assessed"), default=list)

    workflow_type_label = _("risk-assessment mechanism")

    class Meta(Mechanism.Meta):
        verbose_name = _("risk-assessment mechanism")
        verbose_name_plural = _("risk-assessment mechanisms")

    @property
    def max_score(self) -> int:
        return len(self.likelihood_levels) * len(self.impact_levels)

    def score(self, likelihood: int, impact: int) -> int:
        """likelihood and impact are 1-based levels of this mechanism's scale."""
        if not 1 <= likelihood <= len(self.likelihood_levels):
            raise ValueError(f"likelihood {likelihood} outside 1..{len(self.likelihood_levels)}")
        if not 1 <= impact <= len(self.impact_levels):
            raise ValueError(f"impact {impact} outside 1..{len(self.impact_levels)}")
        return likelihood * impact

    def acceptable(self, likelihood: int, impact: int) -> bool:
        return self.score(likelihood, impact) <= self.acceptance_threshold


class MonitoringMechanism(Mechanism):
    """The monitoring mechanism (監控機制): how Ch 3.4 (a)-(g) oversight is done and reported."""

    reports_to = models.CharField(_("reports to"), max_length=200)

    workflow_type_label = _("monitoring mechanism")

    class Meta(Mechanism.Meta):
        verbose_name = _("monitoring mechanism")
        verbose_name_plural = _("monitoring mechanisms")


class ExitStrategy(Mechanism):
    """The institution's exit strategy (Ch 8.5): what every service's exit plan must cover."""

    deletion_methods = models.JSONField(_("accepted deletion methods"), default=list)

    workflow_type_label = _("exit strategy")

    class Meta(Mechanism.Meta):
        verbose_name = _("exit strategy")
        verbose_name_plural = _("exit strategies")


# --- 5. Training (Ch 4) ------------------------------------------------------------------


class DeliveryMode(models.TextChoices):
    """Ch 4.2 (d): physical or virtual channels."""

    CLASSROOM = "classroom", _("Classroom")
    DISTANCE = "distance", _("Distance learning")
    ONLINE = "online", _("Online course")
    SELF_PACED = "self_paced", _("Self-paced")
    ON_THE_JOB = "on_the_job", _("Expert-led on-the-job training")
    ROTATION = "rotation", _("Rotation")


class TrainingProfile(models.Model):
    """A person's place in the Ch 4.2 table (not the same as their app roles)."""

    class Change(models.TextChoices):
        NEW_HIRE = "new_hire", _("New hire")
        UNIT_CHANGE = "unit_change", _("Moved to another unit")
        ROLE_CHANGE = "role_change", _("New role")
        GROUP_CHANGE = "group_change", _("Training group changed")
        STAGE_CHANGE = "stage_change", _("Adoption stage changed")
        INITIAL = "initial", _("First mapping")

    person = models.OneToOneField(
        USER, verbose_name=_("person"), on_delete=models.CASCADE, related_name="training_profile"
    )
    group = models.CharField(_("training group"), max_length=40, blank=True)
    group_confirmed = models.BooleanField(_("group confirmed"), default=False)
    board_member = models.BooleanField(_("board member"), default=False)
    last_change = models.CharField(_("last change"), max_length=20, choices=Change.choices)
    last_change_on = models.DateField(_("changed on"))
    mapped_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["person__username"]
        verbose_name = _("training profile")
        verbose_name_plural = _("training profiles")

    def __str__(self) -> str:
        return f"{self.person}: {self.group or '-'}"


class Course(models.Model):
    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal course")
        VENDOR = "vendor", _("Vendor course")
        CERTIFICATION = "certification", _("Certification")

    code = _code()
    title = models.CharField(_("title"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.CharField(_("offered by"), max_length=200, blank=True)
    delivery_mode = models.CharField(_("delivery mode"), max_length=20, choices=DeliveryMode)
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    topics = models.JSONField(_("topics covered"), default=list)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True
    )
    pass_score = models.PositiveSmallIntegerField(
        _("pass score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    active = models.BooleanField(_("offered"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_score__isnull=True) | models.Q(pass_score__lte=100),
                name="gov_course_pass_score_max_100",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="gov_course_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    code = _code()
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField(_("date"))
    delivery_mode = models.CharField(_("delivery mode"), max_length=20, choices=DeliveryMode)
    trainer = models.CharField(_("trainer or place"), max_length=200, blank=True)
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.course} {self.starts_on:%Y-%m-%d}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    code = _code()
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendances"
    )
    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    hours = models.DecimalField(
        _("hours attended"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    test_score = models.PositiveSmallIntegerField(
        _("test score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "person"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="gov_attend_once"),
            models.CheckConstraint(
                condition=models.Q(test_score__isnull=True) | models.Q(test_score__lte=100),
                name="gov_attend_score_max_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"

    def passed(self) -> bool:
        """Attended, and (Ch 4.2 (f)) reached the course's pass score where it tests."""
        if self.status != self.Status.ATTENDED:
            return False
        pass_score = self.session.course.pass_score
        if pass_score is None:
            return True
        return self.test_score is not None and self.test_score >= pass_score


class TrainingNeed(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MET = "met", _("Met")
        WITHDRAWN = "withdrawn", _("No longer required")

    code = _code()
    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=40)
    reason = models.CharField(_("reason"), max_length=20, choices=TrainingProfile.Change.choices)
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    met_by = models.ForeignKey(
        Attendance, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["person", "due_on"]
        verbose_name = _("training need")
        verbose_name_plural = _("training needs")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "topic"],
                condition=models.Q(status="open"),
                name="gov_one_open_need_per_topic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.topic}"


class GapAction(models.Model):
    """Ch 4.2 (e): a lack of skills acted on promptly."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    code = _code()
    person = models.ForeignKey(
        USER,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    topic = models.CharField(_("topic"), max_length=40)
    description = models.TextField(_("action taken"), max_length=NOTE_MAX)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("training gap action")
        verbose_name_plural = _("training gap actions")

    def __str__(self) -> str:
        return self.description[:60]


# --- 6. Annex 2 checklist ----------------------------------------------------------------


class ChecklistAnswer(models.Model):
    class Answer(models.TextChoices):
        MET = "met", _("Met")
        PARTIAL = "partial", _("Partly met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "na", _("Not applicable")

    code = _code()
    item_id = models.CharField(_("checklist item"), max_length=40, unique=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    answered_by = models.ForeignKey(
        USER, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["item_id"]
        verbose_name = _("Annex 2 checklist answer")
        verbose_name_plural = _("Annex 2 checklist answers")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_answer_display()}"
