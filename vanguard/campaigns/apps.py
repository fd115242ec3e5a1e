from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "vanguard.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        # What lower apps must know of campaigns, registered here so that they never import it.
        # Imported for what they declare: audit events, the PHASE workflow, the evidence kinds shipped here.
        from vanguard.campaigns import blueprints, events, evidence_kinds, models, tallies, workflows  # noqa: F401
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
        from vanguard.campaigns import panels

        hooks.register_page_sections(panels.organisation_sections)
        hooks.subtree_moved.connect(tallies.on_subtree_moved, dispatch_uid="campaigns.tallies.on_subtree_moved")

        from vanguard.campaigns import views
        from vanguard.core.views import register_home

        register_home(views.home)

        # Supervision and notices declare their audit events on import; a group's people see its units.
        from vanguard.accounts import scoping
        from vanguard.campaigns import notices, supervision  # noqa: F401

        scoping.register_grants(supervision.scope_grants)
