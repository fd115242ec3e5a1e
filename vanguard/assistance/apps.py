from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "vanguard.assistance"
    label = "assistance"

    def ready(self) -> None:
        from vanguard.assistance import events, figures, models, panels, services  # noqa: F401
        from vanguard.orgs import hooks

        for model in (
            models.Pairing,
            models.Visit,
            models.Household,
            models.SpecialService,
            models.Fund,
            models.Entry,
            models.Grant,
        ):
            hooks.register_path_copy(model, "org_path")
        hooks.register_path_copy(models.Grant, "requested_at_path")
        hooks.register_subtree_figures("assistance", figures.subtree_counts)
        hooks.register_page_sections(panels.organisation_sections)
