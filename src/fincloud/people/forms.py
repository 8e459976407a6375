from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.people import lockout
from fincloud.people.models import BusinessUnit, RoleGrant, User
from fincloud.people.roles import Role
from fincloud.web.middleware import client_ip

LOCKED_OUT = _(
    "Too many failed sign-ins for this account or from this address. Sign-in is locked; "
    "try again in %(minutes)s minutes or ask the system administrator."
)


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is wrong. Repeated failures lock the account for a while."
        ),
        "inactive": _("This account is disabled."),
        "locked": LOCKED_OUT,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request is not None else None
        lock = lockout.check(username, address)
        if lock is not None:
            # A refused attempt still counts against the address (spraying locked accounts).
            lockout.record_attempt(username, address, succeeded=False)
            record_event(
                actor=None,
                action=Action.LOGIN_LOCKED,
                actor_label=username[:150],
                object_type="people.user",
                object_repr=username[:200],
            )
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": lock.minutes_left}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            lockout.record_attempt(username, address, succeeded=False)
            raise
        lockout.record_attempt(username, address, succeeded=True)
        return cleaned


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 12 characters, not common, not only digits, not like the username."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "unit", "language", "approves_for"]
        widgets = {"approves_for": forms.CheckboxSelectMultiple}


class UnitForm(forms.ModelForm):
    class Meta:
        model = BusinessUnit
        fields = ["short_name", "name_zh", "name_en", "kind"]


class RoleGrantForm(forms.Form):
    grantee = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), to_field_name="code"
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        max_length=2000,
        help_text=_("Why this person needs the role (kept with the grant and in the audit trail)."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grantee"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True)
            .exclude(pk=actor.pk)
            .select_related("unit")
            .order_by("username")
        )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea, required=False, max_length=4000
    )


__all__ = [
    "DecisionForm",
    "RoleGrant",
    "RoleGrantForm",
    "SignInForm",
    "UnitForm",
    "UserCreateForm",
]
