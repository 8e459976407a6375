from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResilienceConfig(AppConfig):
    name = "fincloud.resilience"
    label = "resilience"
    verbose_name = _("Resilience and exit")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.resilience import due as resilience_due
        from fincloud.resilience.demo import load_resilience_demo
        from fincloud.resilience.models import (
            BusinessImpactAnalysis,
            ContinuityPlan,
            DeletionRecord,
            Drill,
            DrillReport,
            ExitPlan,
            PostIncidentReview,
        )
        from fincloud.web import demo, due, navigation
        from fincloud.workflow import registry

        # Everyone reads (the examiner too). Ch 8.2 notification (a), (e): every member of staff
        # reports an incident; (d): only the people concerned handle it (security and the
        # governance unit). BIA, BCP and drills: the governance unit with risk and security;
        # exits and deletion: the governance unit and security; the rules the manual leaves to
        # the institution (hours, recurrence): the governance unit.
        capability("resilience.view", *ALL_STAFF, read_only=True)
        capability("resilience.report_incident", *ALL_STAFF)
        capability("resilience.handle_incident", Role.SECURITY, Role.GOVERNANCE_OFFICER)
        capability("resilience.edit", Role.GOVERNANCE_OFFICER, Role.RISK, Role.SECURITY)
        capability("resilience.exit", Role.GOVERNANCE_OFFICER, Role.SECURITY)
        capability("resilience.configure", Role.GOVERNANCE_OFFICER)

        nav = navigation.NavItem
        navigation.register(
            "daily",
            nav(
                "resilience:incident_report",
                _("Report an incident"),
                "resilience.report_incident",
                order=70,
            ),
        )
        navigation.register(
            "in_use", nav("resilience:dashboard", _("Resilience"), "resilience.view", order=60)
        )
        navigation.register(
            "in_use", nav("resilience:incident_list", _("Incidents"), "resilience.view", order=61)
        )
        navigation.register(
            "in_use",
            nav("resilience:bia_list", _("Business impact analyses"), "resilience.view", order=62),
        )
        navigation.register(
            "in_use",
            nav(
                "resilience:plan_list",
                _("Continuity plans and drills"),
                "resilience.view",
                order=63,
            ),
        )
        navigation.register(
            "after", nav("resilience:exit_list", _("Exit plans"), "resilience.view", order=10)
        )

        def url(name: str) -> Callable[[Any], str]:
            return lambda record: reverse(f"resilience:{name}", kwargs={"code": record.code})

        registry.register(BusinessImpactAnalysis, url("bia_detail"))
        registry.register(ContinuityPlan, url("plan_detail"))
        registry.register(Drill, url("drill_detail"))
        registry.register(DrillReport, url("report_detail"))
        registry.register(PostIncidentReview, url("review_detail"))
        registry.register(ExitPlan, url("exit_detail"))
        registry.register(DeletionRecord, url("deletion_detail"))

        due.register("resilience.notifications", resilience_due.notification_deadlines)
        due.register("resilience.drills", resilience_due.drills_due)
        due.register("resilience.follow_ups", resilience_due.follow_ups_due)
        due.register("resilience.problems", resilience_due.problems_due)
        due.register("resilience.reviews", resilience_due.reviews_due)
        due.register("resilience.provider_follow_ups", resilience_due.provider_follow_ups_due)
        demo.register_loader("resilience", load_resilience_demo)
