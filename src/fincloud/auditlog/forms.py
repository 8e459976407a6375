from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.selectors import EventFilter

DATE_ORDER = _("The start date must not be after the end date.")


class EventFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    object = forms.CharField(label=_("Object"), required=False, max_length=200)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices]
    )
    date_from = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", DATE_ORDER)
        return data

    def to_filter(self) -> EventFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return EventFilter(
            actor=d.get("actor") or "",
            object=d.get("object") or "",
            action=d.get("action") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
