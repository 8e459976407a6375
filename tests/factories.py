"""factory_boy factories and one persona per fincloud role (STYLE.md §7, §13)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from fincloud.people.models import BusinessUnit, User
from fincloud.people.roles import Role

PASSWORD = "correct-horse-battery-staple-42"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("short_name",)

    short_name = factory.Sequence(lambda n: f"unit-{n}")
    name_zh = factory.Sequence(lambda n: f"單位{n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")
    kind = BusinessUnit.Kind.BUSINESS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(*[Group.objects.get_or_create(name=str(r))[0] for r in extracted])

    @factory.post_generation
    def approves_for(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.approves_for.add(*extracted)


def persona(
    role: Role | None,
    *,
    username: str | None = None,
    unit: BusinessUnit | None = None,
    approves_for: list[BusinessUnit] | None = None,
) -> User:
    name = username or (role.value if role else "nobody")
    return UserFactory(
        username=name,
        unit=unit or UnitFactory(short_name=f"{name}-unit"),
        roles=[role] if role else [],
        approves_for=approves_for or [],
    )
