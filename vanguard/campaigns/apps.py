from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "vanguard.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        # What lower apps must know of campaigns, registered here so that they never import it.
        from vanguard.campaigns import models
        from vanguard.orgs import hooks

        for model in (
            models.Campaign,
            models.Unit,
            models.SupervisionGroup,
            models.Notice,
            models.NoticeReceipt,
            models.Briefing,
        ):
            hooks.register_path_copy(model, "org_path")
