from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from fincloud.controls.figures import FIPS_LEVELS, FIPS_STANDARDS, TLS_VERSIONS
from fincloud.controls.models import (
    Advisory,
    AssetCategory,
    AssetClassification,
    ControlItem,
    Decision,
    IntelSource,
    Responsibility,
    Status,
    Strength,
)
from fincloud.evidence.forms import EvidenceUploadForm
from fincloud.evidence.services import max_bytes

# ISO dates: an <input type="date"> accepts no other format, whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ControlItemForm(forms.Form):
    """One item: the risk-based decision, status, responsibility, and the figures where the
    item has them (``figures`` from the checklist)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.ADOPTED, Decision.ADOPTED.label),
            (Decision.NOT_ADOPTED, Decision.NOT_ADOPTED.label),
        ],
        widget=forms.RadioSelect,
    )
    decision_reason = forms.CharField(
        label=_("Reason for the decision"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, required=False)
    status_note = forms.CharField(
        label=_("Status note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why it is not applicable; or how and by whom a gap will be closed."),
    )
    responsibility = forms.ChoiceField(
        label=_("Responsibility"),
        choices=Responsibility.choices,
        required=False,
        help_text=_("Who carries the control under the shared-responsibility model."),
    )
    target_date = forms.DateField(label=_("Gap to be closed by"), required=False, widget=DATE)
    retention_months = forms.IntegerField(
        label=_("Audit-trail retention (months)"), required=False, min_value=0, max_value=1200
    )
    tls_min_version = forms.ChoiceField(
        label=_("Minimum TLS version"),
        required=False,
        choices=[("", "—"), *[(v, v) for v in TLS_VERSIONS]],
    )
    encryption_algorithm = forms.CharField(
        label=_("Encryption algorithm"),
        required=False,
        max_length=60,
        help_text=_("e.g. AES-256-GCM"),
    )
    hsm_fips_standard = forms.ChoiceField(
        label=_("HSM validation standard"),
        required=False,
        choices=[("", "—"), *[(s, f"FIPS {s}") for s in FIPS_STANDARDS]],
    )
    hsm_fips_level = forms.TypedChoiceField(
        label=_("HSM security level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, str(n)) for n in FIPS_LEVELS]],
    )

    def __init__(self, *args: Any, item: ControlItem, figures: tuple[str, ...], **kwargs: Any):
        initial = {
            name: getattr(item, name)
            for name in (
                "decision",
                "decision_reason",
                "status",
                "status_note",
                "responsibility",
                "target_date",
                "retention_months",
                "tls_min_version",
                "encryption_algorithm",
                "hsm_fips_standard",
                "hsm_fips_level",
            )
        }
        if item.decision == Decision.UNDECIDED:
            initial["decision"] = None
        initial.update(kwargs.pop("initial", None) or {})
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        figure_fields = {
            "retention_months",
            "tls_min_version",
            "encryption_algorithm",
            "hsm_fips_standard",
            "hsm_fips_level",
        }
        for name in figure_fields - set(figures):
            del self.fields[name]
        if item.strength == Strength.ADVANCED:
            self.fields["decision_reason"].help_text = _(
                "Advanced item: record the risk-based decision, whether adopted or not."
            )
        else:
            self.fields["decision_reason"].help_text = _(
                "Basic item, proposed by default: a reason is required if it is not adopted."
            )


class ControlEvidenceForm(EvidenceUploadForm):
    pass


class AssessmentStartForm(forms.Form):
    as_of = forms.DateField(label=_("Assessment date"), widget=DATE)
    scope_note = forms.CharField(
        label=_("Scope and approach"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("Inventory file"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = _(
            "A CSV (columns id, name, category, type, region, owner, custodian, classification, "
            "tags) or a JSON export of AWS Config or Azure Resource Graph; at most %(limit)s MB."
        ) % {"limit": limit}
        self.fields["file"].widget.attrs["accept"] = ".csv,.json"


class AssetForm(forms.Form):
    external_id = forms.CharField(label=_("Resource identifier"), max_length=500)
    name = forms.CharField(label=_("Asset name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=AssetCategory.choices)
    resource_type = forms.CharField(label=_("Resource type"), max_length=200, required=False)
    region = forms.CharField(label=_("Region"), max_length=60, required=False)
    owner = forms.ModelChoiceField(
        label=_("Asset owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        to_field_name="code",
    )
    custodian = forms.CharField(label=_("Custodian"), max_length=150, required=False)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=AssetClassification.choices, required=False
    )
    retired_on = forms.DateField(label=_("Retired on"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


class IntelSourceForm(forms.ModelForm):
    url = forms.URLField(label=_("Web address"), required=False, assume_scheme="https")

    class Meta:
        model = IntelSource
        fields = ["name", "kind", "url", "subscription", "active"]


class AdvisoryForm(forms.ModelForm):
    class Meta:
        model = Advisory
        fields = [
            "source",
            "reference",
            "title",
            "published_on",
            "received_on",
            "severity",
            "services",
            "impact",
            "action",
            "state",
            "respond_by",
            "acted_on",
            "handled_by",
        ]
        widgets = {
            "published_on": DATE,
            "received_on": DATE,
            "respond_by": DATE,
            "acted_on": DATE,
            "services": forms.SelectMultiple(attrs={"size": 6}),
            "impact": forms.Textarea(attrs={"rows": 3}),
            "action": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = IntelSource.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["handled_by"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_active=True).order_by("username")
        )

    def clean(self) -> dict[str, Any]:
        # The service's rules first, on the fields they name (so the model's constraints,
        # which would only say "violated", never speak first).
        from fincloud.controls.services import advisory_errors

        data = super().clean() or {}
        values = {k: v for k, v in data.items() if k != "services" and v is not None}
        probe = Advisory(**{k: v for k, v in values.items() if k != "source"})
        if "received_on" not in values:
            return data
        for field, message in advisory_errors(probe).items():
            self.add_error(field, message)
        return data
