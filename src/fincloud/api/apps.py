from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fincloud.api"
    label = "api"
    verbose_name = _("REST API and bulk import")

    def ready(self) -> None:
        from fincloud.people.roles import ALL_STAFF, capability
        from fincloud.web import navigation

        # Everyone may hold personal API tokens; what a token can do is what its owner can do
        # (and a read-only person, the examiner, gets read tokens only).
        capability("api.tokens", *ALL_STAFF, read_only=True)

        navigation.register(
            "admin",
            navigation.NavItem("apiweb:tokens", _("API tokens"), "api.tokens", order=80),
        )
