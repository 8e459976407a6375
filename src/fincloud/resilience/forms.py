"""Forms of the resilience app: parse and bound input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.forms import EvidenceUploadForm
from fincloud.people.models import User
from fincloud.people.roles import CAPABILITIES
from fincloud.resilience import checklists
from fincloud.resilience.models import (
    IMPACT_TIMES,
    BusinessImpactAnalysis,
    ContinuityPlan,
    DataTransfer,
    DeletionMethod,
    DeletionRecord,
    Drill,
    DrillReport,
    ExitPlan,
    ExitTarget,
    ExitTrigger,
    FollowUp,
    ImpactLevel,
    ImpactType,
    Incident,
    IncidentCategory,
    NotificationRule,
    PostIncidentReview,
    ProviderContinuityReview,
    ResilienceSettings,
)
from fincloud.resilience.services import (
    COMPLETED_BEFORE_STARTED,
    EXTERNAL_NEEDS_NAME,
    PERIOD_ORDER,
    RTO_OVER_MTPD,
    TRANSFER_VERIFY_NEEDS,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def field_key(catalog_id: str) -> str:
    """A form field name for a catalog id (no dots, so ids stay usable as CSS selectors)."""
    return catalog_id.replace(".", "_")


def services_field(required: bool = True, *, label: Any = None) -> forms.ModelChoiceField:
    from fincloud.register.models import CloudService, Stage

    return forms.ModelChoiceField(
        label=label or _("Cloud service"),
        queryset=CloudService.objects.exclude(stage=Stage.AFTER_USE)
        .select_related("csp")
        .order_by("name"),
        to_field_name="code",
        required=required,
    )


def people_with(capability: str) -> Any:
    roles = CAPABILITIES[capability].roles
    return (
        User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("username")
    )


def impact_field_name(kind: str, minutes: int) -> str:
    return f"impact_{kind}_{minutes}"


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ResilienceSettings
        fields = [
            "recurrence_threshold",
            "recurrence_window_days",
            "problem_due_days",
            "review_due_days",
            "drill_interval_months",
        ]


class NotificationRuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Only these categories"),
        choices=IncidentCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every category."),
    )

    class Meta:
        model = NotificationRule
        fields = [
            "authority",
            "recipient_kind",
            "min_severity",
            "categories",
            "customer_impact_only",
            "hours",
            "basis",
            "active",
        ]
        help_texts = {
            "hours": _(
                "The manual says “immediately” and sets no number; the institution decides "
                "(e.g. 1 for one hour, 0.5 for thirty minutes)."
            ),
        }


class BiaForm(forms.ModelForm):
    """The BIA with its impact-over-time grid (Ch 8.1 (a))."""

    service = services_field()

    class Meta:
        model = BusinessImpactAnalysis
        fields = [
            "service",
            "business_process",
            "description",
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
        ]
        widgets = {"description": _text(), "resources": _text()}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["service"]
        impacts = (self.instance.impacts or {}) if self.instance.pk else {}
        for kind, label in ImpactType.choices:
            for minutes in IMPACT_TIMES:
                self.fields[impact_field_name(kind, minutes)] = forms.TypedChoiceField(
                    label=f"{label} · {minutes}",
                    choices=ImpactLevel.choices,
                    coerce=int,
                    initial=impacts.get(kind, {}).get(str(minutes), 0),
                    required=False,
                )

    def grid(self) -> list[tuple[str, list[Any]]]:
        return [
            (str(label), [self[impact_field_name(kind, m)] for m in IMPACT_TIMES])
            for kind, label in ImpactType.choices
        ]

    def impact_names(self) -> set[str]:
        return {impact_field_name(k, m) for k in ImpactType.values for m in IMPACT_TIMES}

    def visible_main_fields(self) -> list[Any]:
        names = self.impact_names()
        return [f for f in self.visible_fields() if f.name not in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rto, mtpd = data.get("rto_minutes"), data.get("mtpd_minutes")
        if rto is not None and mtpd is not None and rto > mtpd:
            error = forms.ValidationError(
                RTO_OVER_MTPD, code="rto_over_mtpd", params={"rto": rto, "mtpd": mtpd}
            )
            self.add_error("rto_minutes", error)
            self.add_error("mtpd_minutes", error)
        return data

    def impacts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                str(m): int(self.cleaned_data.get(impact_field_name(kind, m)) or 0)
                for m in IMPACT_TIMES
            }
            for kind in ImpactType.values
        }

    def service_values(self) -> dict[str, Any]:
        names = self.impact_names() | {"service"}
        values = {k: v for k, v in self.cleaned_data.items() if k not in names}
        values["impacts"] = self.impacts()
        return values


class IncidentReportForm(forms.ModelForm):
    """The staff reporting channel (Ch 8.2 notification (a), (e))."""

    service = services_field(required=False)

    class Meta:
        model = Incident
        fields = [
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
        ]
        widgets = {
            "description": _text(5),
            "customer_impact_note": _text(2),
            "detected_at": DATETIME,
            "csp_notice_received_at": DATETIME,
        }
        help_texts = {
            "detected_at": _("When the incident was first noticed (Asia/Taipei)."),
            "severity": _("Your first estimate; the incident team assesses it again."),
        }


class IncidentHandleForm(IncidentReportForm):
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=User.objects.none(), required=False
    )

    class Meta(IncidentReportForm.Meta):
        fields = [
            *IncidentReportForm.Meta.fields,
            "handler",
            "customers_affected",
            "root_cause",
        ]
        widgets = {**IncidentReportForm.Meta.widgets, "root_cause": _text(4)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = people_with("resilience.handle_incident")  # type: ignore[attr-defined]


class IncidentStepForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Step"),
        choices=[
            ("contained", _("Contained")),
            ("resolved", _("Resolved")),
            ("note", _("Note")),
        ],
    )
    at = forms.DateTimeField(
        label=_("Time"), required=False, widget=DATETIME, help_text=_("Empty: now.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=_text(2))


class NoticeSentForm(forms.Form):
    sent_at = forms.DateTimeField(
        label=_("Sent at"), required=False, widget=DATETIME, help_text=_("Empty: now.")
    )
    method = forms.CharField(label=_("How"), max_length=120, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=_text(2))


class NoticeAddForm(NoticeSentForm):
    recipient = forms.CharField(label=_("Notified whom"), max_length=160)

    field_order = ["recipient", "sent_at", "method", "reference", "note"]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = PostIncidentReview
        fields = ["summary", "root_cause", "went_well", "lessons", "actions"]
        widgets = {name: _text(4) for name in fields}


class ProblemForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("Mitigation due"), widget=DATE)
    mitigation = forms.CharField(
        label=_("Mitigation"), max_length=4000, required=False, widget=_text(4)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_with("resilience.handle_incident")  # type: ignore[attr-defined]


class CloseProblemForm(forms.Form):
    mitigation = forms.CharField(label=_("Mitigation"), max_length=4000, widget=_text(4))


class PlanForm(forms.ModelForm):
    """A BCP (Ch 8.3) with one answer per disaster event type."""

    service = services_field()

    class Meta:
        model = ContinuityPlan
        fields = [
            "service",
            "impact_analysis",
            "title",
            "requirements",
            "backup_method",
            "backup_location",
            "recovery_order",
            "alternative_procedures",
            "csp_duties",
            "csp_notification",
            "drill_interval_months",
        ]
        widgets = {
            name: _text(3)
            for name in (
                "requirements",
                "backup_method",
                "recovery_order",
                "alternative_procedures",
                "csp_duties",
                "csp_notification",
            )
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.instance.service if editing else None
        if editing:
            del self.fields["service"]
        analyses = BusinessImpactAnalysis.objects.select_related("service").exclude(
            state="superseded"
        )
        if service is not None:
            analyses = analyses.filter(service=service)
        field = self.fields["impact_analysis"]
        field.queryset = analyses  # type: ignore[attr-defined]
        field.to_field_name = "code"  # type: ignore[attr-defined]
        scenarios = (self.instance.scenarios or {}) if self.instance.pk else {}
        self.events = checklists.bcp_event_types()
        for event in self.events:
            answer = scenarios.get(event.key, {})
            self.fields[f"response_{field_key(event.key)}"] = forms.CharField(
                label=_("Response"),
                required=False,
                max_length=4000,
                widget=_text(2),
                initial=answer.get("response", ""),
            )
            self.fields[f"na_{field_key(event.key)}"] = forms.CharField(
                label=_("Does not apply because"),
                required=False,
                max_length=2000,
                initial=answer.get("not_applicable_reason", ""),
            )

    def scenario_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (e, self[f"response_{field_key(e.key)}"], self[f"na_{field_key(e.key)}"])
            for e in self.events
        ]

    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith(("response_", "na_"))]

    def service_values(self) -> dict[str, Any]:
        values = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "service" and not k.startswith(("response_", "na_"))
        }
        values["scenarios"] = {
            e.key: {
                "response": self.cleaned_data.get(f"response_{field_key(e.key)}", ""),
                "not_applicable_reason": self.cleaned_data.get(f"na_{field_key(e.key)}", ""),
            }
            for e in self.events
        }
        return values


class ProviderReviewForm(forms.ModelForm):
    class Meta:
        model = ProviderContinuityReview
        fields = [
            "csp",
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
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "reviewed_on": DATE,
            "follow_up_due": DATE,
            "follow_up_closed_on": DATE,
            "bcp_assessment": _text(4),
            "dr_functions": _text(2),
            "exceptions": _text(3),
            "follow_up": _text(2),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["csp"]
        else:
            self.fields["csp"].to_field_name = "code"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", PERIOD_ORDER)
        return data


class DrillForm(forms.ModelForm):
    scenario = forms.ChoiceField(label=_("Scenario"))

    class Meta:
        model = Drill
        fields = [
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
        ]
        widgets = {
            "planned_on": DATE,
            "objectives": _text(3),
            "participants": _text(2),
            "csp_participants": _text(2),
        }
        help_texts = {
            "joint_with_csp": _(
                "Ch 8.3 and 8.4 (b): joint drills of the notification and server switch-over "
                "mechanisms with the CSP."
            ),
            "rto_minutes": _("Empty: taken from the plan's business impact analysis."),
        }

    def __init__(self, *args: Any, lang: str = "zh-hant", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [  # type: ignore[attr-defined]
            (e.key, e.text(lang)) for e in checklists.bcp_event_types()
        ]


class DrillReportForm(forms.ModelForm):
    class Meta:
        model = DrillReport
        fields = [
            "performed_on",
            "participants",
            "recovery_minutes",
            "data_loss_minutes",
            "csp_notice_minutes",
            "results",
            "issues",
        ]
        widgets = {
            "performed_on": DATE,
            "participants": _text(2),
            "results": _text(4),
            "issues": _text(3),
        }


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": DATE}


class ExitPlanForm(forms.ModelForm):
    """An exit plan with the Ch 8.5 checklist: each item applicable or not, with a note."""

    service = services_field()
    triggers = forms.MultipleChoiceField(
        label=_("Triggers"), choices=ExitTrigger.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ExitPlan
        fields = [
            "service",
            "target_kind",
            "target_name",
            "triggers",
            "triggers_note",
            "data_transfer_steps",
        ]
        widgets = {
            "target_kind": forms.RadioSelect,
            "triggers_note": _text(2),
            "data_transfer_steps": _text(4),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["service"]
        # Radio buttons without the empty "---------" choice a model field without a default
        # gets.
        self.fields["target_kind"].choices = ExitTarget.choices  # type: ignore[attr-defined]
        answers = (self.instance.checklist or {}) if self.instance.pk else {}
        self.items = checklists.exit_checklist()
        for item in self.items:
            answer = answers.get(item.id, {})
            key = field_key(item.id)
            self.fields[f"applies_{key}"] = forms.TypedChoiceField(
                label=_("Applies"),
                choices=[("1", _("Applies")), ("0", _("Does not apply"))],
                coerce=lambda v: v == "1",
                initial="1" if answer.get("applicable", True) else "0",
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("How it will be done"),
                required=False,
                max_length=2000,
                widget=_text(1),
                initial=answer.get("note", ""),
            )

    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith(("applies_", "note_"))]

    def checklist_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (i, self[f"applies_{field_key(i.id)}"], self[f"note_{field_key(i.id)}"])
            for i in self.items
        ]

    def service_values(self) -> dict[str, Any]:
        values = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "service" and not k.startswith(("applies_", "note_"))
        }
        values["checklist"] = {
            i.id: {
                "applicable": bool(self.cleaned_data.get(f"applies_{field_key(i.id)}", True)),
                "note": self.cleaned_data.get(f"note_{field_key(i.id)}", ""),
            }
            for i in self.items
        }
        return values


class ExitStartForm(forms.Form):
    reason = forms.CharField(label=_("Why now"), max_length=4000, widget=_text(3))
    started_on = forms.DateField(label=_("Started on"), required=False, widget=DATE)


class ProgressForm(forms.Form):
    def __init__(
        self, *args: Any, progress: dict[str, Any], readonly: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = checklists.exit_checklist()
        self.progress = progress
        for item in self.items:
            entry = progress.get(item.id, {})
            key = field_key(item.id)
            self.fields[f"done_{key}"] = forms.BooleanField(
                label=_("Done"),
                required=False,
                initial=bool(entry.get("done")),
                disabled=readonly or not entry.get("applicable", True),
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=2000,
                initial=entry.get("note", ""),
                disabled=readonly,
            )

    def rows(self) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
        return [
            (
                i,
                self[f"done_{field_key(i.id)}"],
                self[f"note_{field_key(i.id)}"],
                self.progress.get(i.id, {"applicable": True}),
            )
            for i in self.items
        ]

    def done(self) -> dict[str, bool]:
        return {i.id: bool(self.cleaned_data.get(f"done_{field_key(i.id)}")) for i in self.items}

    def notes(self) -> dict[str, str]:
        return {i.id: self.cleaned_data.get(f"note_{field_key(i.id)}", "") for i in self.items}


class TransferForm(forms.ModelForm):
    class Meta:
        model = DataTransfer
        fields = [
            "data_set",
            "destination",
            "method",
            "started_on",
            "completed_on",
            "records",
            "verified",
            "verification",
        ]
        widgets = {"started_on": DATE, "completed_on": DATE, "verification": _text(2)}
        help_texts = {
            "verification": _("E.g. record counts and SHA-256 checksums compared at both ends.")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, completed = data.get("started_on"), data.get("completed_on")
        if started and completed and completed < started:
            self.add_error("completed_on", COMPLETED_BEFORE_STARTED)
        elif data.get("verified") and (not completed or not data.get("verification", "").strip()):
            self.add_error("verified", TRANSFER_VERIFY_NEEDS)
        return data


class DeletionForm(forms.ModelForm):
    class Meta:
        model = DeletionRecord
        fields = ["method", "scope", "performed_on", "performed_by", "external_service", "result"]
        widgets = {
            "method": forms.RadioSelect,
            "scope": _text(3),
            "performed_on": DATE,
            "result": _text(3),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = DeletionMethod.choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        external = data.get("performed_by") == DeletionRecord.Performer.EXTERNAL
        if external and not data.get("external_service", "").strip():
            self.add_error("external_service", EXTERNAL_NEEDS_NAME)
        return data


class DeletionUploadForm(EvidenceUploadForm):
    certificate = forms.BooleanField(
        label=_("This is the external deletion service's certificate"), required=False
    )
