from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fincloud.privacy"
    label = "privacy"
    verbose_name = _("De-identification jobs")
