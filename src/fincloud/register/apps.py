from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "fincloud.register"
    label = "register"
    verbose_name = _("Register of cloud services")

    def ready(self) -> None:
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.register import due as register_due
        from fincloud.register.demo import load_register_demo
        from fincloud.web import demo, due, navigation

        # Everyone reads the register (the examiner too); the governance unit keeps it
        # (Ch 1.4 (b)); legal keeps the contracts (Ch 1.4: 法務單位負責與 CSP 間的合約監督),
        # with the governance unit, which files the CSP's addendum when it registers a CSP.
        capability("register.view", *ALL_STAFF, read_only=True)
        capability("register.edit", Role.GOVERNANCE_OFFICER)
        capability("register.contracts", Role.LEGAL, Role.GOVERNANCE_OFFICER)

        navigation.register(
            "before",
            navigation.NavItem(
                "register:service_list", _("Cloud services"), "register.view", order=10
            ),
        )
        navigation.register(
            "before",
            navigation.NavItem(
                "register:csp_list", _("Cloud service providers"), "register.view", order=12
            ),
        )
        navigation.register(
            "before",
            navigation.NavItem(
                "register:document_list", _("Contracts and documents"), "register.view", order=14
            ),
        )
        navigation.register(
            "daily",
            navigation.NavItem(
                "register:dashboard", _("Management dashboard"), "register.view", order=5
            ),
        )
        navigation.register(
            "daily",
            navigation.NavItem(
                "register:institution", _("Institution profile"), "register.view", order=90
            ),
        )
        due.register("register.certificates", register_due.certificate_expiries)
        due.register("register.documents", register_due.document_deadlines)
        demo.register_loader("register", load_register_demo)
