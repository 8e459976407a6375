from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    name = "fincloud.controls"
    label = "controls"
    verbose_name = _("Security and operations controls")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.controls import due as controls_due
        from fincloud.controls import selectors as controls_selectors
        from fincloud.controls.demo import load_controls_demo
        from fincloud.controls.models import ControlAssessment
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import demo, due, navigation
        from fincloud.workflow import registry

        # Everyone reads (the examiner too). The governance unit and information security
        # assess the Ch 5/6 controls (Ch 1.4: the security unit supervises security controls);
        # the inventory is kept by them and by IT administration; security follows threat
        # intelligence (Ch 5.6 basic (a)(2)).
        capability("controls.view", *ALL_STAFF, read_only=True)
        capability("controls.assess", Role.GOVERNANCE_OFFICER, Role.SECURITY)
        capability("controls.inventory", Role.GOVERNANCE_OFFICER, Role.SECURITY, Role.SYSADMIN)
        capability("controls.threat_intel", Role.SECURITY)

        navigation.register(
            "in_use",
            navigation.NavItem(
                "controls:overview", _("Control assessments"), "controls.view", order=30
            ),
        )
        navigation.register(
            "in_use",
            navigation.NavItem(
                "controls:intel", _("Threat intelligence"), "controls.view", order=34
            ),
        )
        registry.register(
            ControlAssessment,
            lambda a: reverse("controls:assessment", kwargs={"code": a.code}),
        )
        due.register("controls.evidence", controls_due.evidence_expiries)
        due.register("controls.gaps", controls_due.control_gaps)
        due.register("controls.advisories", controls_due.advisory_deadlines)
        from fincloud.manual import usage

        usage.register("controls", controls_selectors.usage_for_node)
        demo.register_loader("controls", load_controls_demo)
