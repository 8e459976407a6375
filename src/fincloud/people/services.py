"""Write operations on people, units and role grants (one function per business action)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.people.models import BusinessUnit, RoleGrant, User
from fincloud.people.roles import Role
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError

GRANT_TO_SELF = _("Segregation of duties: nobody can request a role for themselves.")
GRANT_NOT_APPROVED = _("Only an approved role grant can be carried out; this one is “%(state)s”.")
GRANT_ALREADY_DONE = _("This role grant has already been carried out.")
GRANT_IMPLEMENTER_IS_REQUESTER = _(
    "Segregation of duties: whoever requested access cannot also grant it (Ch 1.4 (b))."
)
GRANT_IMPLEMENTER_IS_APPROVER = _(
    "Segregation of duties: whoever approved access cannot also grant it (Ch 1.4 (b))."
)
GRANT_IMPLEMENTER_IS_GRANTEE = _("Segregation of duties: nobody can grant a role to themselves.")
GRANTEE_HAS_NO_UNIT = _("The person has no business unit; assign one before requesting a role.")
NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
ROLE_ALREADY_HELD = _("%(person)s already holds the role “%(role)s”.")


def _require(actor: User, capability: str) -> None:
    if not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def unit_create(
    *, actor: User | None, short_name: str, name_zh: str, name_en: str, kind: str
) -> BusinessUnit:
    with transaction.atomic():
        unit = BusinessUnit(short_name=short_name, name_zh=name_zh, name_en=name_en, kind=kind)
        unit.full_clean()
        unit.save()
        record_event(actor=actor, action=Action.CREATE, obj=unit, after=snapshot(unit))
    return unit


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    unit: BusinessUnit | None = None,
    roles: list[Role] | tuple[Role, ...] = (),
    approves_for: list[BusinessUnit] | tuple[BusinessUnit, ...] = (),
    language: str = "zh-hant",
) -> User:
    """Create a person. Roles given here are for bootstrapping (demo data, the first
    administrator); afterwards roles come through approved role grants."""
    with transaction.atomic():
        user = User(
            username=username, display_name=display_name, email=email, unit=unit, language=language
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}, code="password") from exc
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        if roles:
            user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        if approves_for:
            user.approves_for.set(approves_for)
        after = snapshot(user, ["username", "display_name", "email", "unit", "language"])
        after["roles"] = sorted(r.value for r in roles)
        after["approves_for"] = sorted(u.short_name for u in approves_for)
        record_event(actor=actor, action=Action.CREATE, obj=user, after=after)
    return user


def role_grant_request(*, actor: User, grantee: User, role: Role | str, reason: str) -> RoleGrant:
    """Draft a request for a role (Ch 1.4 (b): the request is the first of three duties)."""
    _require(actor, "people.request_role")
    if grantee.pk == actor.pk:
        raise WorkflowError(GRANT_TO_SELF, code="sod_self_request")
    if grantee.unit is None:
        raise ValidationError({"grantee": GRANTEE_HAS_NO_UNIT}, code="no_unit")
    if grantee.has_role(role):
        raise ValidationError(
            {"role": ROLE_ALREADY_HELD},
            code="already_held",
            params={"person": str(grantee), "role": Role(role).label},
        )
    with transaction.atomic():
        grant = RoleGrant(
            grantee=grantee,
            role=str(role),
            reason=reason.strip(),
            unit=grantee.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        grant.full_clean()
        grant.save()
        record_event(actor=actor, action=Action.CREATE, obj=grant, after=snapshot(grant))
    return grant


def role_grant_implement(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """Carry out an approved grant: a third person, neither requester nor approver."""
    _require(actor, "people.implement_role")
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.state != State.APPROVED:
            raise WorkflowError(
                GRANT_NOT_APPROVED, code="state", params={"state": grant.get_state_display()}
            )
        if grant.implemented_at is not None:
            raise WorkflowError(GRANT_ALREADY_DONE, code="done")
        if grant.grantee_id == actor.pk:
            raise WorkflowError(GRANT_IMPLEMENTER_IS_GRANTEE, code="sod_self_grant")
        if grant.prepared_by_id == actor.pk:
            raise WorkflowError(GRANT_IMPLEMENTER_IS_REQUESTER, code="sod_requester")
        if grant.decided_by_id == actor.pk:
            raise WorkflowError(GRANT_IMPLEMENTER_IS_APPROVER, code="sod_approver")
        grant.grantee.groups.add(grant.role_group())
        grant.implemented_by = actor
        grant.implemented_at = timezone.now()
        grant.save(update_fields=["implemented_by", "implemented_at"])
        record_event(
            actor=actor,
            action=Action.GRANT,
            obj=grant,
            changes={"role": [None, grant.role], "grantee": [None, grant.grantee.username]},
        )
    return grant


def role_revoke(*, actor: User, user: User, role: Role | str, reason: str) -> None:
    _require(actor, "people.manage_users")
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")}, code="required")
    with transaction.atomic():
        user.groups.remove(Group.objects.get(name=str(role)))
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=user,
            changes={"roles": [str(role), None], "reason": [None, reason]},
        )


def user_set_language(*, user: Any, language: str) -> None:
    if user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
