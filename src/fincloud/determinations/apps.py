from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeterminationsConfig(AppConfig):
    name = "fincloud.determinations"
    label = "determinations"
    verbose_name = _("Determinations")
