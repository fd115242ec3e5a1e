from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "vanguard.members"
    label = "members"
