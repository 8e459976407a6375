from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManualConfig(AppConfig):
    name = "fincloud.manual"
    label = "manual"
    verbose_name = _("Practice manual")

    def ready(self) -> None:
        from fincloud.manual import lookups, usage
        from fincloud.people.roles import ALL_STAFF, capability
        from fincloud.web import navigation

        capability("manual.view", *ALL_STAFF, read_only=True)
        navigation.register(
            "manual",
            navigation.NavItem("manual:index", _("Browse the manual"), "manual.view", order=10),
        )
        navigation.register(
            "manual",
            navigation.NavItem("manual:annex4", _("Annex 4 example"), "manual.view", order=20),
        )
        usage.register("determinations", lookups.determinations_citing)
        usage.register("evidence", lookups.evidence_for_node)
