from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fincloud.api"
    label = "api"
    verbose_name = _("REST API and bulk import")

    def ready(self) -> None:
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import navigation

        # Everyone may hold personal API tokens; what a token can do is what its owner can do
        # (and a read-only person, the examiner, gets read tokens only).
        capability("api.tokens", *ALL_STAFF, read_only=True)
        # Bulk import of CSPs, services and outages: the cloud service governance unit, which
        # keeps the register (Ch 1.4 (b)).
        capability("register.import", Role.GOVERNANCE_OFFICER)

        navigation.register(
            "before",
            navigation.NavItem(
                "apiweb:import_index", _("Bulk import"), "register.import", order=16
            ),
        )
        navigation.register(
            "admin",
            navigation.NavItem("apiweb:tokens", _("API tokens"), "api.tokens", order=80),
        )

        from fincloud.register.signals import services_created

        services_created.connect(_look_again_after_bulk, dispatch_uid="api-bulk-reevaluation")


def _look_again_after_bulk(sender: object, *, services: list, actor: object, **kw: object) -> None:  # type: ignore[type-arg]
    """Ch 2.2: new services of a CSP may grow the outsourcing to it past a materiality
    judgement's thresholds. The assessments app looks again after each save of a service;
    services registered in bulk (register.service_create_many) are not saved one by one, so
    look once per CSP. (The assessments app may take this receiver over.)"""
    from fincloud.assessments.services import reevaluation_scan

    for csp_id in sorted({s.csp_id for s in services}):
        reevaluation_scan(csp_id=csp_id, actor=actor)
