"""Ch 4.1: new hires and people moving to a new unit or role get their training needs at once.

The people app knows nothing of training; this app listens to its User: post_save (created, or
the unit changed) and m2m_changed on the groups (a role added or removed). A role given on the
day the account was created is part of hiring, not a move.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils import timezone


def _previous_unit(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    if update_fields is not None and "unit" not in update_fields:
        instance._governance_previous_unit = instance.unit_id  # nothing to compare
        return
    instance._governance_previous_unit = (
        sender._default_manager.filter(pk=instance.pk).values_list("unit_id", flat=True).first()
    )


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    from fincloud.governance import services

    if created:
        services.training_on_new_hire(instance)
        return
    previous = getattr(instance, "_governance_previous_unit", instance.unit_id)
    if previous != instance.unit_id:
        services.training_on_move(instance, services.TrainingProfile.Change.UNIT_CHANGE)
    instance._governance_previous_unit = instance.unit_id


def _roles_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from fincloud.governance import services

    user_model = get_user_model()
    if reverse:  # group.user_set.add(...): the users are in pk_set
        people = list(user_model._default_manager.filter(pk__in=pk_set or ()))
    else:
        people = [instance]
    today = timezone.localdate()
    for person in people:
        if person.date_joined and timezone.localdate(person.date_joined) == today:
            continue  # roles given when the account is made are part of hiring
        if hasattr(person, "_role_names"):
            del person._role_names
        services.training_on_move(person, services.TrainingProfile.Change.ROLE_CHANGE)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_previous_unit, sender=user_model, dispatch_uid="governance_prev_unit")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="governance_user_saved")
    m2m_changed.connect(
        _roles_changed, sender=user_model.groups.through, dispatch_uid="governance_roles"
    )
