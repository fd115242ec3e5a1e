from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "vanguard.orgs"
    label = "orgs"
