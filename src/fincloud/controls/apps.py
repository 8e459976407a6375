from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    name = "fincloud.controls"
    label = "controls"
    verbose_name = _("Security and operations controls")
