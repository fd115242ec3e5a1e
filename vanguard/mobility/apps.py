from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "vanguard.mobility"
    label = "mobility"

    def ready(self) -> None:
        from vanguard.members import hooks as member_hooks
        from vanguard.mobility import events, figures, models, panels, services  # noqa: F401
        from vanguard.orgs import hooks

        for model, field in (
            (models.ServicePoint, "org_path"),
            (models.MobileRecord, "home_path"),
            (models.MobileRecord, "inflow_path"),
            (models.Card, "org_path"),
            (models.Card, "inflow_path"),
            (models.LostContact, "org_path"),
        ):
            hooks.register_path_copy(model, field)
        hooks.register_subtree_figures("mobility", figures.subtree_counts)
        hooks.register_page_sections(panels.organisation_sections)
        member_hooks.register_member_sections(panels.member_sections)
        member_hooks.member_changed.connect(_member_changed, dispatch_uid="mobility.relation_moved")


def _member_changed(sender, member, **kwargs) -> None:
    from vanguard.mobility import services

    services.relation_moved(member)
