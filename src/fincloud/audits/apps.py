from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "fincloud.audits"
    label = "audits"
    verbose_name = _("Cloud service audits")

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from django.urls import reverse

        from fincloud.audits import due as audits_due
        from fincloud.audits import selectors as audits_selectors
        from fincloud.audits import signals
        from fincloud.audits.demo import load_audits_demo
        from fincloud.audits.models import AuditReport
        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.register.models import CloudService
        from fincloud.register.signals import service_inputs_changed
        from fincloud.web import demo, due, navigation
        from fincloud.workflow import registry

        # Everyone reads (the examiner too). Internal audit plans and performs audits, keeps
        # the auditor register, tailors the programme and verifies remediation; the
        # governance unit sets the institution's audit policy (Ch 7.1 (a), (e)); the owners of
        # findings (governance, security, risk, IT administration) record the CSP's response
        # and the remediation; security and internal audit plan and record security testing
        # (Ch 7.1 (b)).
        capability("audits.view", *ALL_STAFF, read_only=True)
        capability("audits.plan", Role.INTERNAL_AUDITOR)
        capability("audits.policy", Role.GOVERNANCE_OFFICER)
        capability(
            "audits.respond", Role.GOVERNANCE_OFFICER, Role.SECURITY, Role.RISK, Role.SYSADMIN
        )
        capability("audits.security_test", Role.SECURITY, Role.INTERNAL_AUDITOR)

        navigation.register(
            "in_use", navigation.NavItem("audits:plan", _("Audit plan"), "audits.view", order=40)
        )
        navigation.register(
            "in_use", navigation.NavItem("audits:audit_list", _("Audits"), "audits.view", order=42)
        )
        navigation.register(
            "in_use",
            navigation.NavItem("audits:finding_list", _("Audit findings"), "audits.view", order=44),
        )
        navigation.register(
            "in_use", navigation.NavItem("audits:auditors", _("Auditors"), "audits.view", order=46)
        )
        registry.register(AuditReport, lambda r: reverse("audits:report", kwargs={"code": r.code}))
        post_save.connect(
            signals.on_service_saved, sender=CloudService, dispatch_uid="audits-plan-stale"
        )
        service_inputs_changed.connect(signals.on_inputs_changed, dispatch_uid="audits-plan-inputs")
        due.register("audits.plan", audits_due.planned_audits)
        due.register("audits.findings", audits_due.findings_due)
        due.register("audits.tests", audits_due.security_tests)
        due.register("audits.auditor_certificates", audits_due.auditor_certificates)
        from fincloud.manual import usage

        usage.register("audits", audits_selectors.usage_for_node)
        demo.register_loader("audits", load_audits_demo)
