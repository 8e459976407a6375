from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "fincloud.oversight"
    label = "oversight"
    verbose_name = _("In-use oversight")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save
        from django.urls import reverse

        from fincloud.oversight import due as oversight_due
        from fincloud.oversight.demo import load_oversight_demo
        from fincloud.oversight.models import PeriodicReview, ReportReview
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import demo, due, navigation
        from fincloud.workflow import registry

        # Everyone reads (the examiner too); the calendar is everyone's.
        capability("oversight.view", *ALL_STAFF, read_only=True)
        capability("oversight.calendar", *ALL_STAFF, read_only=True)
        # Ch 3.4 (a): the governance unit monitors the CSP; security records incidents' outages.
        capability("oversight.outage", Role.GOVERNANCE_OFFICER, Role.SECURITY)
        capability("oversight.sla", Role.GOVERNANCE_OFFICER)
        # Ch 3.4 (d): indicators are defined by the governance unit with risk management, and
        # measured by them and by security.
        capability("oversight.kpi", Role.GOVERNANCE_OFFICER, Role.RISK)
        capability("oversight.measure", Role.GOVERNANCE_OFFICER, Role.RISK, Role.SECURITY)
        # Ch 3.4 (a)-(g): the reviews; Ch 3.4 (c) report reviews are often security's work.
        capability("oversight.review", Role.GOVERNANCE_OFFICER, Role.RISK, Role.SECURITY)
        # The institution's review frequency per classification (its policy).
        capability("oversight.policy", Role.GOVERNANCE_OFFICER)

        navigation.register(
            "daily",
            navigation.NavItem(
                "oversight:calendar", _("What is due"), "oversight.calendar", order=1
            ),
        )
        for url_name, label, order in (
            ("oversight:sla_overview", _("Service levels (SLA)"), 10),
            ("oversight:outage_list", _("Outages"), 11),
            ("oversight:indicator_list", _("KPI and KRI"), 12),
            ("oversight:review_list", _("Periodic reviews"), 13),
            ("oversight:report_list", _("CSP certification and SOC reports"), 14),
        ):
            navigation.register(
                "in_use", navigation.NavItem(url_name, label, "oversight.view", order=order)
            )

        due.register("oversight.reviews", oversight_due.reviews)
        due.register("oversight.findings", oversight_due.findings)
        due.register("oversight.report_exceptions", oversight_due.report_exceptions)
        due.register("oversight.indicators", oversight_due.indicators)
        due.register("oversight.credit_claims", oversight_due.credit_claims)

        registry.register(
            PeriodicReview, lambda r: reverse("oversight:review_detail", kwargs={"code": r.code})
        )
        registry.register(
            ReportReview, lambda r: reverse("oversight:report_detail", kwargs={"code": r.code})
        )
        demo.register_loader("oversight", load_oversight_demo)

        post_migrate.connect(_schedule_after_migrate, sender=self, dispatch_uid="oversight-daily")
        post_save.connect(
            _service_saved, sender="register.CloudService", dispatch_uid="oversight-schedule"
        )


def _schedule_after_migrate(**kwargs: Any) -> None:
    """Start the daily chain (reminders, schedules, attainment) once the tables exist."""
    from fincloud.oversight.tasks import ensure_scheduled

    if kwargs.get("using", "default") != "default":
        return
    ensure_scheduled()


def _service_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A service entering or leaving use, or changing classification, moves its review date."""
    from fincloud.oversight.models import ReviewSchedule
    from fincloud.oversight.services import review_schedule_refresh
    from fincloud.register.models import Stage

    if kwargs.get("raw"):
        return
    if instance.stage == Stage.IN_USE:
        review_schedule_refresh(service_ids=[instance.pk])
    elif not created:
        ReviewSchedule.objects.filter(service_id=instance.pk).delete()
