"""Forms of the api app's pages: a new API token, an import file."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.api.models import ApiToken

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken.NAME_MAX,
        help_text=_("What the token is for, e.g. “monthly register export script”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_("Read: GET only. Read and write: every operation your roles allow."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DATE,
        help_text=_("At most %(days)s days from today; valid through that day (Asia/Taipei).")
        % {"days": ApiToken.MAX_DAYS},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(
            days=ApiToken.DEFAULT_DAYS
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or XLSX, with the template's columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
