from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fincloud.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import navigation

        # Reports only read what the apps hold, so every family is read-only: the examiner
        # generates and downloads each one (and writes nothing). Who else holds a family follows
        # who reads its records for a living.
        capability("reports.view", *ALL_STAFF, read_only=True)
        capability(
            "reports.checklist",
            Role.GOVERNANCE_OFFICER,
            Role.RISK,
            Role.LEGAL,
            Role.SECURITY,
            Role.INTERNAL_AUDITOR,
            Role.APPROVER,
            read_only=True,
        )
        capability(
            "reports.contract",
            Role.GOVERNANCE_OFFICER,
            Role.LEGAL,
            Role.RISK,
            Role.INTERNAL_AUDITOR,
            Role.APPROVER,
            read_only=True,
        )
        # Ch 7.2 (c): the audit report is the auditors'; the approver signs it off and the
        # governance unit follows up its findings.
        capability(
            "reports.audit",
            Role.INTERNAL_AUDITOR,
            Role.APPROVER,
            Role.GOVERNANCE_OFFICER,
            read_only=True,
        )
        capability(
            "reports.register",
            Role.GOVERNANCE_OFFICER,
            Role.RISK,
            Role.INTERNAL_AUDITOR,
            Role.APPROVER,
            read_only=True,
        )
        capability(
            "reports.board",
            Role.GOVERNANCE_OFFICER,
            Role.RISK,
            Role.INTERNAL_AUDITOR,
            Role.APPROVER,
            read_only=True,
        )
        # Reports span every stage; the page lists each one the person may generate, with the
        # runs they started.
        navigation.register(
            "daily",
            navigation.NavItem("reports:index", _("Reports"), "reports.view", order=900),
        )
