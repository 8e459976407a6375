from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "fincloud.assessments"
    label = "assessments"
    verbose_name = _("Pre-use assessments")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.assessments import due as assessment_due
        from fincloud.assessments.models import Assessment
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.web import demo, navigation
        from fincloud.web import due as due_registry
        from fincloud.workflow import registry

        # Who does what (issue 6 §2): the governance officer prepares; risk owns materiality
        # and the risk list; legal the contract checklist; security the security items of the
        # due diligence; the approver approves (workflow.approve); the examiner reads.
        capability("assessments.view", *ALL_STAFF, read_only=True)
        capability("assessments.prepare", Role.GOVERNANCE_OFFICER)
        capability("assessments.risk", Role.RISK)
        capability("assessments.legal", Role.LEGAL)
        capability("assessments.security", Role.SECURITY)
        capability("assessments.configure", Role.RISK)
        capability("assessments.compare", Role.GOVERNANCE_OFFICER, Role.LEGAL)

        navigation.register(
            "before",
            navigation.NavItem(
                "assessments:list", _("Pre-use assessments"), "assessments.view", order=20
            ),
        )
        navigation.register(
            "before",
            navigation.NavItem(
                "assessments:comparison_list",
                _("Vendor comparison"),
                "assessments.view",
                order=30,
            ),
        )
        navigation.register(
            "daily",
            navigation.NavItem(
                "assessments:settings",
                _("Risk matrix and thresholds"),
                "assessments.view",
                order=40,
            ),
        )
        registry.register(
            Assessment, lambda a: reverse("assessments:detail", kwargs={"code": a.code})
        )
        due_registry.register("assessments.reevaluation", assessment_due.reevaluation_items)
        due_registry.register("assessments.measures", assessment_due.measure_items)
        due_registry.register("assessments.risks", assessment_due.risk_items)

        from fincloud.assessments.selectors import usage_for_node
        from fincloud.manual import usage

        usage.register("assessments", usage_for_node)

        from fincloud.assessments.demo import load_demo

        demo.register_loader("assessments", load_demo)

        from django.db.models.signals import post_save

        from fincloud.register.models import CloudService
        from fincloud.register.signals import service_inputs_changed

        service_inputs_changed.connect(_on_inputs_changed, dispatch_uid="assessments-stale")
        post_save.connect(_on_service_saved, sender=CloudService, dispatch_uid="assessments-scale")


def _on_inputs_changed(
    sender: object, *, service: object, fields: list[str], actor: object, **kwargs: object
) -> None:
    from fincloud.assessments.services import on_service_inputs_changed

    on_service_inputs_changed(service=service, fields=fields, actor=actor)


# Saves that cannot change the scale or the nature of the outsourcing (the classification and
# the stage are recorded by the assessment itself).
_IRRELEVANT_SAVES = frozenset(
    {
        "in_scope",
        "offshore",
        "material",
        "classification",
        "classification_determination",
        "classified_at",
        "classified_by",
        "classification_stale",
        "stage",
        "use_approval_type",
        "use_approval_id",
        "use_approved_at",
        "started_on",
        "ended_on",
        "updated_at",
    }
)


def _on_service_saved(
    sender: object, *, instance: object, created: bool, update_fields: object = None, **kw: object
) -> None:
    """Ch 2.2: a new service with a CSP, or more records or spend, may grow the outsourcing to
    that CSP past a materiality judgement's thresholds: look again."""
    if update_fields is not None and set(update_fields) <= _IRRELEVANT_SAVES:  # type: ignore[call-overload]
        return
    from fincloud.assessments.services import reevaluation_scan

    reevaluation_scan(csp_id=instance.csp_id)  # type: ignore[attr-defined]
