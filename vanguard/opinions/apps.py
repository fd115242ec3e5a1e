from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "vanguard.opinions"
    label = "opinions"

    def ready(self) -> None:
        from vanguard.opinions import events, evidence_kinds, models, workflows  # noqa: F401
        from vanguard.orgs import hooks

        for model, field in (
            (models.IntakePage, "org_path"),
            (models.Problem, "org_path"),
            (models.Problem, "responsible_path"),
            (models.Opinion, "org_path"),
            (models.MonitoringBody, "org_path"),
            (models.MonitoringBody, "office_path"),
            (models.MonitoringBody, "station_path"),
        ):
            hooks.register_path_copy(model, field)
