from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "vanguard.meetings"
    label = "meetings"

    def ready(self) -> None:
        from vanguard.meetings import events, views  # noqa: F401  (events: the audit trail's declarations)
        from vanguard.meetings.models import Meeting
        from vanguard.orgs import hooks

        hooks.register_path_copy(Meeting, "org_path")
        hooks.register_page_sections(views.organisation_sections)
