from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "vanguard.appraisals"
    label = "appraisals"

    def ready(self) -> None:
        from vanguard.appraisals import events, models, rules  # noqa: F401
        from vanguard.orgs import hooks

        for model in (
            models.SelfAnalysis,
            models.AppraisalResult,
            models.RemedialOrder,
            models.UpperAssessment,
            models.Screening,
        ):
            hooks.register_path_copy(model, "org_path")

        from vanguard.appraisals import panels

        hooks.register_page_sections(panels.peer_sections)
        hooks.register_page_sections(panels.organisation_sections)

        from vanguard.campaigns import hooks as campaign_hooks

        campaign_hooks.register_unit_sections(panels.unit_sections)
