from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "fincloud.register"
    label = "register"
    verbose_name = _("Register of cloud services")
