from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "fincloud.evidence"
    label = "evidence"
    verbose_name = _("Evidence files")

    def ready(self) -> None:
        from fincloud.people.roles import ALL_STAFF, capability

        # Every governance role reads evidence; the examiner too (read-only).
        capability("evidence.view", *ALL_STAFF, read_only=True)
