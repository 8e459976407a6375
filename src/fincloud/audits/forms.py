from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from fincloud.audits.auditors import recognised_certifications
from fincloud.audits.models import (
    Audit,
    AuditAssignment,
    Auditor,
    AuditPolicy,
    Finding,
    ProgrammeItem,
    SecurityTest,
)
from fincloud.catalog import load_catalog
from fincloud.evidence.forms import upload_help
from fincloud.people.models import BusinessUnit

# ISO dates: an <input type="date"> accepts no other format, whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OTHER = "__other__"


def _people() -> Any:
    return (
        get_user_model().objects.filter(is_active=True).select_related("unit").order_by("username")
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = AuditPolicy
        fields = [
            "class34_interval_months",
            "csp_response_days_high",
            "csp_response_days_medium",
            "csp_response_days_low",
            "policy_reference",
        ]


class AuditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Audit.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    planned_start = forms.DateField(label=_("Audit start (planned)"), widget=DATE)
    planned_end = forms.DateField(label=_("Audit end (planned)"), widget=DATE)
    contact = forms.ModelChoiceField(
        label=_("Single point of contact"),
        queryset=get_user_model().objects.none(),
        to_field_name="code",
        required=False,
        help_text=_(
            "Ch 7.1 (d): the one contact for the institution, the CSP and the auditors, who "
            "arranges the audit."
        ),
    )
    csp_contact = forms.CharField(
        label=_("CSP's contact for the audit"), max_length=200, required=False
    )
    arrangement = forms.ChoiceField(label=_("Arrangement"), choices=Audit.Arrangement.choices)
    third_party = forms.CharField(
        label=_("Independent third party"),
        max_length=200,
        required=False,
        help_text=_("Ch 7.1 (c): the firm with IT expertise, when the audit is commissioned."),
    )
    participants = forms.CharField(
        label=_("Other institutions (joint audit)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line; each issues its own report (Ch 7.3)."),
    )
    operating_unit = forms.ModelChoiceField(
        label=_("Unit that runs the service"),
        queryset=BusinessUnit.objects.all(),
        to_field_name="code",
        required=False,
        help_text=_("Where another unit than the owner operates it (checked for independence)."),
    )
    scope = forms.CharField(
        label=_("Scope"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = _people()  # type: ignore[attr-defined]

    def clean_participants(self) -> list[str]:
        text = self.cleaned_data.get("participants") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class AssignForm(forms.Form):
    auditor = forms.ModelChoiceField(
        label=_("Auditor"), queryset=Auditor.objects.filter(active=True), to_field_name="code"
    )
    role = forms.ChoiceField(label=_("Role"), choices=AuditAssignment.Role.choices)


class ProgrammeResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=ProgrammeItem.Result.choices)
    conclusion = forms.CharField(
        label=_("Conclusion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WorkingPaperForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40, help_text=_("e.g. WP-01"))
    title = forms.CharField(label=_("Title"), max_length=200)
    programme_item = forms.ModelChoiceField(
        label=_("Programme item"),
        queryset=ProgrammeItem.objects.none(),
        to_field_name="code",
        required=False,
    )
    procedure = forms.CharField(
        label=_("Procedure performed"), max_length=8000, widget=forms.Textarea
    )
    conclusion = forms.CharField(
        label=_("Conclusion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("Evidence file"), required=False)

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme_item"].queryset = audit.programme.order_by("order")  # type: ignore[attr-defined]
        self.fields["programme_item"].label_from_instance = lambda i: i.catalog_id  # type: ignore[attr-defined]
        self.fields["file"].help_text = upload_help()


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()


class FindingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=8000, widget=forms.Textarea)
    recommendation = forms.CharField(
        label=_("Recommendation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), to_field_name="code"
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    programme_item = forms.ModelChoiceField(
        label=_("Programme item"),
        queryset=ProgrammeItem.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["programme_item"].queryset = audit.programme.order_by("order")  # type: ignore[attr-defined]
        self.fields["programme_item"].label_from_instance = lambda i: i.catalog_id  # type: ignore[attr-defined]


class ResponseForm(forms.Form):
    csp_response = forms.CharField(
        label=_("CSP's response"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )
    csp_responded_on = forms.DateField(label=_("CSP responded on"), widget=DATE)


class RemediationForm(forms.Form):
    remediation = forms.CharField(
        label=_("Remediation"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    verification = forms.CharField(
        label=_("Verification"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    accepted = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[
            ("1", _("Remediation verified: close the finding")),
            ("0", _("Not remediated: reopen")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )


class ReportForm(forms.Form):
    report_date = forms.DateField(label=_("Report date"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), max_length=8000, widget=forms.Textarea)
    conclusion = forms.CharField(
        label=_("Overall conclusion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AuditorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Auditor.Kind.choices)
    user = forms.ModelChoiceField(
        label=_("Sign-in account"),
        queryset=get_user_model().objects.none(),
        to_field_name="code",
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("Business unit"),
        queryset=BusinessUnit.objects.all(),
        to_field_name="code",
        required=False,
    )
    firm = forms.CharField(label=_("Firm"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people()  # type: ignore[attr-defined]


class CertificateForm(forms.Form):
    name = forms.ChoiceField(label=_("Certificate"))
    other_name = forms.CharField(
        label=_("Other certificate"),
        max_length=120,
        required=False,
        help_text=_(
            "Kept on record; only the certifications Ch 7.2 (a) names qualify by themselves."
        ),
    )
    number = forms.CharField(label=_("Certificate number"), max_length=120, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    file = forms.FileField(label=_("Copy of the certificate"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = recognised_certifications(load_catalog())
        choices = [(n, n) for n in names] + [(OTHER, _("Other (not in Ch 7.2)"))]
        self.fields["name"].choices = choices  # type: ignore[attr-defined]
        self.fields["file"].help_text = upload_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") == OTHER:
            if not data.get("other_name"):
                self.add_error(
                    "other_name", _("required when the certificate is not one Ch 7.2 (a) names.")
                )
            else:
                data["name"] = data["other_name"]
        return data


class ExperienceForm(forms.Form):
    description = forms.CharField(
        label=_("Engagement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ch 7.2 (b): a cloud-security audit the person performed."),
    )
    reference = forms.CharField(label=_("Reference (report, engagement letter)"), max_length=300)
    period_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    file = forms.FileField(label=_("Supporting document"), required=False)


class TailoringForm(forms.Form):
    service_model = forms.ChoiceField(
        label=_("Service model"), choices=[(m, m) for m in ("IaaS", "PaaS", "SaaS")]
    )
    domain_id = forms.ChoiceField(label=_("Domain"))
    excluded = forms.TypedChoiceField(
        label=_("Programme"),
        choices=[("1", _("Leave out of the programme")), ("0", _("Keep in the programme"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, language: str = "zh-hant", **kwargs: Any) -> None:
        from fincloud.audits.programme import domains

        super().__init__(*args, **kwargs)
        en = language.startswith("en")
        self.fields["domain_id"].choices = [  # type: ignore[attr-defined]
            (d.id, f"{d.id[-3:]} {d.text_en if en else d.text_zh}") for d in domains(load_catalog())
        ]


class SecurityTestForm(forms.ModelForm):
    class Meta:
        model = SecurityTest
        fields = [
            "kind",
            "scope",
            "tester",
            "planned_on",
            "status",
            "performed_on",
            "result",
            "high_issues",
        ]
        widgets = {
            "planned_on": DATE,
            "performed_on": DATE,
            "scope": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self) -> None:
        # The service checks the rules and names the field; skip the model's own constraint
        # message ("violated"), which would speak first otherwise.
        pass
