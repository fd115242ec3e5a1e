from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "vanguard.targets"
    label = "targets"

    def ready(self) -> None:
        from vanguard.orgs import hooks
        from vanguard.targets import events, models, panels, services  # noqa: F401

        hooks.register_path_copy(models.ScoreSheet, "org_path")
        hooks.register_path_copy(models.Letter, "org_path")
        hooks.register_path_copy(models.Letter, "issued_by_path")
        hooks.register_page_sections(panels.organisation_sections)
