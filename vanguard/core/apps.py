from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vanguard.core"
    label = "core"
