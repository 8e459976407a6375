from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditLogConfig(AppConfig):
    name = "fincloud.auditlog"
    label = "auditlog"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from fincloud.auditlog import signals  # noqa: F401  (connects the sign-in receivers)
        from fincloud.web import navigation

        navigation.register(
            "audit",
            navigation.NavItem("auditlog:event_list", _("Audit trail"), "auditlog.view", order=10),
        )
