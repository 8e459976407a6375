from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _mechanism_url(kind: str) -> Callable[[Any], str]:
    def url(record: Any) -> str:
        from django.urls import reverse

        return reverse("governance:mechanism_detail", kwargs={"kind": kind, "code": record.code})

    return url


class GovernanceConfig(AppConfig):
    name = "fincloud.governance"
    label = "governance"
    verbose_name = _("Daily execution and control")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.governance import deadlines, demo, signals
        from fincloud.governance.models import (
            CloudPolicy,
            ExitStrategy,
            MonitoringMechanism,
            ResponsibilityMatrix,
            RiskMechanism,
            SodException,
        )
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import navigation
        from fincloud.web.demo import register_loader
        from fincloud.workflow import registry

        # Everyone reads the institution's governance (the examiner too); the governance unit
        # (專責單位) runs it; approvals go through the shared workflow (workflow.approve).
        capability("governance.view", *ALL_STAFF, read_only=True)
        capability("governance.edit", Role.GOVERNANCE_OFFICER)

        for order, (url_name, label) in enumerate(
            [
                ("governance:overview", _("Overview and Annex 2 checklist")),
                ("governance:policy", _("Strategy and policy")),
                ("governance:committee", _("Committee and units")),
                ("governance:matrix", _("Responsibility matrix")),
                ("governance:sod", _("Segregation of duties")),
                ("governance:mechanisms", _("Risk, monitoring and exit mechanisms")),
                ("governance:training", _("Training")),
            ],
            start=1,
        ):
            navigation.register(
                "daily", navigation.NavItem(url_name, label, "governance.view", order=order * 10)
            )

        registry.register(
            CloudPolicy, lambda r: reverse("governance:policy_detail", kwargs={"code": r.code})
        )
        registry.register(
            ResponsibilityMatrix,
            lambda r: reverse("governance:matrix_detail", kwargs={"code": r.code}),
        )
        registry.register(
            SodException,
            lambda r: reverse("governance:sod_exception_detail", kwargs={"code": r.code}),
        )
        for kind, model in (
            ("risk", RiskMechanism),
            ("monitoring", MonitoringMechanism),
            ("exit", ExitStrategy),
        ):
            registry.register(model, _mechanism_url(kind))
        deadlines.register_all()
        signals.connect()
        register_loader("governance", demo.load)
