from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fincloud.privacy"
    label = "privacy"
    verbose_name = _("De-identification jobs")

    def ready(self) -> None:
        from django.urls import reverse

        from fincloud.people.roles import ALL_STAFF, Role, capability
        from fincloud.privacy import demo
        from fincloud.privacy.due import marketing_deletions
        from fincloud.privacy.models import DeidJob
        from fincloud.web import due, navigation
        from fincloud.web.demo import register_loader
        from fincloud.workflow import registry

        # The job pages show no personal data (the scan names identifier types, never values;
        # the report is aggregates), so every staff role and the examiner may read them.
        capability("privacy.view", *ALL_STAFF, read_only=True)
        # The data officer's work: the cloud service governance unit (專責單位) and information
        # security, who run the institution's data protection controls (Ch 5, Ch 9.2-9.3).
        capability("privacy.run", Role.GOVERNANCE_OFFICER, Role.SECURITY)
        # Taking the approved output away (to the CSP): the same people, never the examiner.
        capability("privacy.export", Role.GOVERNANCE_OFFICER, Role.SECURITY)

        navigation.register(
            "in_use",
            navigation.NavItem(
                "privacy:job_list", _("De-identification jobs"), "privacy.view", order=80
            ),
        )
        registry.register(DeidJob, lambda j: reverse("privacy:job_detail", kwargs={"code": j.code}))
        due.register("privacy.marketing_deletion", marketing_deletions)
        register_loader("privacy", demo.load)
