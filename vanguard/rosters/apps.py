from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "vanguard.rosters"
    label = "rosters"

    def ready(self) -> None:
        # The organisation page's import and export buttons, so that orgs never names rosters (orgs.hooks).
        from vanguard.members import hooks as member_hooks
        from vanguard.orgs import hooks
        from vanguard.rosters import panels

        hooks.register_page_sections(panels.organisation_sections)
        member_hooks.register_list_actions(panels.member_list_actions)  # the member list's "export these results"
