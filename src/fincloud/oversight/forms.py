"""Forms of oversight: they parse and name the field; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.forms import EvidenceUploadForm
from fincloud.oversight.models import (
    CreditClaim,
    Indicator,
    MeasurementPeriod,
    PeriodicReview,
    ReportReview,
    ReviewFinding,
    ReviewItem,
)
from fincloud.oversight.services import (
    OUTAGE_ENDS_BEFORE_START,
    THRESHOLDS_ORDER_HIGHER,
    THRESHOLDS_ORDER_LOWER,
    credit_terms_text,
    import_max_bytes,
    parse_credit_terms,
)


def without_label(form: forms.BaseForm, field: str, error: Any) -> str:
    """The message without a leading "Label: " (or "標籤：") naming the same field."""
    text = (
        str(error.message % error.params if error.params else error.message)
        if isinstance(error, ValidationError)
        else str(error)
    )
    label = str(form.fields[field].label or "")
    for sep in (": ", "："):
        if label and text.startswith(label + sep):
            return text[len(label) + len(sep) :]
    return text


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
MAX_LISTED_SERVICES = 50


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OutageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    start = forms.DateTimeField(
        label=_("Start"),
        input_formats=DATETIME_FORMATS,
        widget=_datetime_widget(),
        help_text=_("Asia/Taipei time."),
    )
    end = forms.DateTimeField(
        label=_("End"),
        input_formats=DATETIME_FORMATS,
        widget=_datetime_widget(),
        required=False,
        help_text=_("Leave empty while the outage is still going on."),
    )
    planned = forms.BooleanField(label=_("Planned maintenance"), required=False)
    services_text = forms.CharField(
        label=_("Affected services"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the service's name as registered, or its code."),
        max_length=20000,
    )
    cause = forms.CharField(
        label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    csp_reference = forms.CharField(label=_("CSP reference"), max_length=200, required=False)

    def clean_services_text(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["services_text"].splitlines()]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            raise ValidationError(_("Name at least one service."))
        if len(names) > MAX_LISTED_SERVICES:
            raise ValidationError(
                _("At most %(n)d services per outage.") % {"n": MAX_LISTED_SERVICES}
            )
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            tz = timezone.get_current_timezone()
            error = ValidationError(
                OUTAGE_ENDS_BEFORE_START,
                code="end_before_start",
                params={
                    "end": end.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    "start": start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                },
            )
            self.add_error("end", without_label(self, "end", error))
        return data


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Columns start, end, services (required) and planned, cause, csp_reference, title. "
            "At most %(kb)s KB."
        ) % {"kb": import_max_bytes() // 1024}


class FeedImportForm(forms.Form):
    file = forms.FileField(label=_("Status feed file"))
    component_filter = forms.CharField(
        label=_("Only entries about"),
        max_length=200,
        required=False,
        help_text=_("Part of the CSP's component or region name, e.g. “Compute” or “Taiwan”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The CSP's status feed saved as .xml (RSS 2.0 or Atom) or .json (Statuspage or "
            "Google Cloud incidents). At most %(kb)s KB."
        ) % {"kb": import_max_bytes() // 1024}


class SlaTargetForm(forms.Form):
    target_percent = forms.DecimalField(
        label=_("Availability target (%)"),
        max_digits=8,
        decimal_places=5,
        min_value=0,
        max_value=100,
    )
    period = forms.ChoiceField(label=_("Measured"), choices=MeasurementPeriod.choices)
    planned_excluded = forms.BooleanField(
        label=_("Planned maintenance excluded (per contract)"), required=False, initial=True
    )
    credit_terms = forms.CharField(
        label=_("Service credit tiers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("One tier a line, “availability below: credit %”, e.g. “99.9: 10”."),
    )
    claim_window_days = forms.IntegerField(
        label=_("Claim credits within (days after the period)"),
        min_value=1,
        max_value=365,
        initial=30,
    )
    document: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Contract or SLA document"), queryset=None, required=False
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, service: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from fincloud.register.models import Document

        self.fields["document"].queryset = Document.objects.filter(  # type: ignore[attr-defined]
            Q(services=service) | Q(services__isnull=True, csp_id=service.csp_id)
        ).distinct()

    def clean_credit_terms(self) -> list[dict[str, str]]:
        try:
            return parse_credit_terms(self.cleaned_data.get("credit_terms") or "")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["credit_terms"]) from None

    @staticmethod
    def initial_for(target: Any) -> dict[str, Any]:
        return {
            "target_percent": target.target_percent.normalize(),
            "period": target.period,
            "planned_excluded": target.planned_excluded,
            "credit_terms": credit_terms_text(target.credit_terms),
            "claim_window_days": target.claim_window_days,
            "document": target.document_id,
            "note": target.note,
        }


class ClaimForm(forms.ModelForm):
    class Meta:
        model = CreditClaim
        fields = ["status", "claimed_on", "reference", "amount_twd", "note"]
        widgets = {"claimed_on": _date_widget(), "note": forms.Textarea(attrs={"rows": 2})}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "kind",
            "name",
            "description",
            "unit",
            "direction",
            "green",
            "amber",
            "frequency",
            "owner",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "green": _("A value at or beyond this is green."),
            "amber": _("A value at or beyond this (but not green) is amber; beyond it, red."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        direction, green, amber = data.get("direction"), data.get("green"), data.get("amber")
        if green is not None and amber is not None:
            if direction == Indicator.Direction.HIGHER and amber > green:
                self.add_error("amber", without_label(self, "amber", THRESHOLDS_ORDER_HIGHER))
            if direction == Indicator.Direction.LOWER and amber < green:
                self.add_error("amber", without_label(self, "amber", THRESHOLDS_ORDER_LOWER))
        return data

    def _post_clean(self) -> None:
        # The services validate and save; skip the model's full_clean on an unsaved instance
        # without its service and creator.
        pass


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(label=_("Measured on"), widget=_date_widget())
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=4)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PolicyForm(forms.Form):
    interval_months = forms.IntegerField(
        label=_("Review every (months)"), min_value=1, max_value=60
    )
    raised_interval_months = forms.IntegerField(
        label=_("Raised: review every (months)"),
        min_value=1,
        max_value=60,
        help_text=_("For a service with alternative measure (c) of Ch 3.3 (higher frequency)."),
    )


class RaiseForm(forms.Form):
    raised = forms.BooleanField(label=_("Review this service more often"), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.ModelForm):
    class Meta:
        model = PeriodicReview
        fields = ["review_date", "period_from", "period_to", "conclusion", "summary"]
        widgets = {
            "review_date": _date_widget(),
            "period_from": _date_widget(),
            "period_to": _date_widget(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def _post_clean(self) -> None:
        pass


class ReviewItemForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[c for c in ReviewItem.Result.choices if c[0]],
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=ReviewFinding.Severity.choices)
    action = forms.CharField(
        label=_("Follow-up action"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), widget=_date_widget())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fincloud.people.models import User

        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101 - declared above
        owner.queryset = (
            User.objects.filter(is_active=True, groups__isnull=False)
            .distinct()
            .order_by("username")
        )


class FindingForm(FollowUpForm):
    catalog_id = forms.ChoiceField(label=_("Checklist item"), required=False, choices=())

    def __init__(self, *args: Any, review: PeriodicReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["catalog_id"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "—")] + [(i.catalog_id, i.catalog_id) for i in review.items.all()]


class ExceptionForm(FollowUpForm):
    control_reference = forms.CharField(
        label=_("Control reference"), max_length=120, required=False
    )
    csp_response = forms.CharField(
        label=_("CSP's response"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = [
        "control_reference",
        "description",
        "severity",
        "csp_response",
        "action",
        "owner",
        "due_date",
    ]


class FollowUpUpdateForm(forms.Form):
    csp_response = forms.CharField(
        label=_("CSP's response"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    action = forms.CharField(
        label=_("Follow-up action"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label=_("Due date"), widget=_date_widget())


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=_date_widget(), initial=dt.date.today)
    closure_note = forms.CharField(
        label=_("How it was closed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportReviewForm(forms.ModelForm):
    class Meta:
        model = ReportReview
        fields = [
            "csp",
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
        ]
        widgets = {
            "covers_from": _date_widget(),
            "covers_to": _date_widget(),
            "reviewed_on": _date_widget(),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fincloud.register.models import Document

        self.fields["document"].queryset = Document.objects.filter(  # type: ignore[attr-defined]
            kind__in=[Document.Kind.AUDIT_REPORT, Document.Kind.CERTIFICATE]
        )
        if editing:
            del self.fields["csp"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("covers_from"), data.get("covers_to")
        if start and end and end < start:
            from fincloud.oversight.services import REPORT_PERIOD_ORDER

            self.add_error("covers_to", without_label(self, "covers_to", REPORT_PERIOD_ORDER))
        return data

    def _post_clean(self) -> None:
        pass


class OversightEvidenceForm(EvidenceUploadForm):
    """The shared upload form; the catalog items it evidences are set by the view."""
