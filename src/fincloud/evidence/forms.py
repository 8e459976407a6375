from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.filetypes import ALLOWED_LABEL
from fincloud.evidence.services import EXPIRY_BEFORE_EFFECTIVE, max_bytes


def upload_help() -> str:
    return str(_("Accepted: %(types)s; at most %(limit)s MB.")) % {
        "types": ALLOWED_LABEL,
        "limit": max_bytes() // (1024 * 1024),
    }


class EvidenceUploadForm(forms.Form):
    """The fields every evidence upload has; apps add their own (kind choices, catalog ids)."""

    file = forms.FileField(label=_("File"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    effective_date = forms.DateField(
        label=_("Effective date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expiry_date = forms.DateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        eff, exp = data.get("effective_date"), data.get("expiry_date")
        if eff and exp and exp < eff:
            self.add_error("expiry_date", EXPIRY_BEFORE_EFFECTIVE)
        return data
