from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "vanguard.rosters"
    label = "rosters"
