from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "vanguard.meetings"
    label = "meetings"

    def ready(self) -> None:
        from vanguard.meetings.models import Meeting
        from vanguard.orgs import hooks

        hooks.register_path_copy(Meeting, "org_path")
