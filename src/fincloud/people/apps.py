from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "fincloud.people"
    label = "people"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.people.models import RoleGrant
        from fincloud.web import navigation
        from fincloud.workflow import registry

        navigation.register(
            "admin", navigation.NavItem("people:user_list", _("People"), "people.view", order=10)
        )
        navigation.register(
            "admin",
            navigation.NavItem("people:unit_list", _("Business units"), "people.view", order=20),
        )
        navigation.register(
            "admin",
            navigation.NavItem("people:grant_list", _("Role grants"), "people.view", order=30),
        )
        registry.register(
            RoleGrant, lambda g: reverse("people:grant_detail", kwargs={"code": g.code})
        )
