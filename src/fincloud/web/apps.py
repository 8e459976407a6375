from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fincloud.web"
    label = "web"
    verbose_name = "fincloud web shell"
