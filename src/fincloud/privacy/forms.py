from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.forms import upload_help
from fincloud.evidence.services import max_bytes
from fincloud.privacy import policies, services
from fincloud.privacy.models import Encoding, MarketingDeletion, OutputFormat, Separator

POLICY_ONE = _("Policy: upload a policy file or paste it, not both and not neither.")


class PolicyFields(forms.Form):
    """The policy, uploaded or pasted, and what the risk report measures."""

    policy_file = forms.FileField(
        label=_("Policy file (YAML or JSON)"),
        required=False,
        help_text=_("fincloud.deid's policy format; keys are named, never given."),
    )
    policy_text = forms.CharField(
        label=_("Or paste the policy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "mono", "spellcheck": "false"}),
    )
    quasi_identifiers = forms.CharField(
        label=_("Quasi-identifiers"),
        required=False,
        max_length=2000,
        help_text=_(
            "Columns an attacker could know, comma-separated. Empty: those of the policy's "
            "suppress_records, suppress_local or search, else the columns it generalises."
        ),
    )
    sensitive = forms.CharField(
        label=_("Sensitive attributes"),
        required=False,
        max_length=2000,
        help_text=_("Columns whose inference is measured (Ch 9.3 (c)), comma-separated."),
    )
    target = forms.CharField(
        label=_("Model target"),
        required=False,
        max_length=200,
        help_text=_(
            "A yes/no column a logistic regression predicts before and after, to measure "
            "what the data is still good for."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("policy_file")
        text = (data.get("policy_text") or "").strip()
        if bool(upload) == bool(text):
            self.add_error("policy_text", POLICY_ONE)
            return data
        if upload:
            try:
                data["policy"] = policies.read_policy_bytes(upload.read())
            except ValidationError as exc:
                self.add_error("policy_file", exc.error_dict["policy"])
        else:
            data["policy"] = data["policy_text"]
        return data

    def policy_field(self) -> str:
        return "policy_file" if self.cleaned_data.get("policy_file") else "policy_text"


class JobForm(PolicyFields):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the policy's name."),
    )
    source_file = forms.FileField(label=_("Source file (CSV, XLSX or Parquet)"), required=False)
    source_path = forms.CharField(
        label=_("Or a path in an allowed directory"),
        required=False,
        max_length=1000,
        help_text=_("For large extracts placed in the server's drop folder."),
    )
    separator = forms.ChoiceField(
        label=_("CSV separator"), choices=Separator.choices, initial=Separator.COMMA
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=Encoding.choices, initial=Encoding.UTF8
    )
    output_format = forms.ChoiceField(
        label=_("Output format"), choices=OutputFormat.choices, initial=OutputFormat.CSV
    )
    cloud_service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Cloud service receiving the output"),
        queryset=None,
        required=False,
        help_text=_("Needed for marketing data: its CSP deletes the data with you (Ch 9.2 (e))."),
    )
    keep_source = forms.BooleanField(
        label=_("Keep the source file after the job"),
        required=False,
        help_text=_("Otherwise it is deleted when the run finishes."),
    )
    keep_reason = forms.CharField(
        label=_("Why the source is kept"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = [
        "title",
        "source_file",
        "source_path",
        "separator",
        "encoding",
        "policy_file",
        "policy_text",
        "quasi_identifiers",
        "sensitive",
        "target",
        "output_format",
        "cloud_service",
        "keep_source",
        "keep_reason",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fincloud.register.models import CloudService

        field = cast(forms.ModelChoiceField, self.fields["cloud_service"])
        field.queryset = CloudService.objects.select_related("csp").order_by("name")
        self.fields["source_file"].help_text = str(
            _("CSV (UTF-8 or Big5), XLSX (first sheet) or Parquet; at most %(limit)s MB.")
        ) % {"limit": max_bytes() // (1024 * 1024)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("source_file")) == bool((data.get("source_path") or "").strip()):
            self.add_error("source_file", services.ONE_SOURCE)
        if data.get("keep_source") and not (data.get("keep_reason") or "").strip():
            self.add_error("keep_reason", services.KEEP_NEEDS_REASON)
        return data


class PolicyUpdateForm(PolicyFields):
    pass


class KeepSourceForm(forms.Form):
    keep_source = forms.BooleanField(label=_("Keep the source file after the job"), required=False)
    keep_reason = forms.CharField(
        label=_("Why the source is kept"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeletionForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=MarketingDeletion.Reason.choices)
    institution_deleted_on = forms.DateField(
        label=_("Deleted at the institution on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    csp_deleted_on = forms.DateField(
        label=_("Deleted by the CSP on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    csp_reference = forms.CharField(
        label=_("CSP confirmation (ticket or certificate number)"), max_length=200
    )
    confirmation = forms.FileField(label=_("The CSP's deletion confirmation"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].help_text = upload_help()
