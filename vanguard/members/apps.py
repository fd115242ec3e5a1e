from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "vanguard.members"
    label = "members"

    def ready(self) -> None:
        # What orgs must know of members, registered here so that orgs never imports members (orgs.hooks).
        from vanguard.members import panels, selectors, tallies
        from vanguard.members.models import Member
        from vanguard.orgs import hooks

        hooks.register_path_copy(Member, "org_path", recorded_as="members_moved")
        hooks.subtree_moved.connect(tallies.on_subtree_moved, dispatch_uid="members.tallies.on_subtree_moved")
        hooks.register_subtree_figures("members_by_category", lambda org: selectors.member_counts(org, "category"))
        hooks.register_subtree_figures("members_by_status", lambda org: selectors.member_counts(org, "status"))
        hooks.register_page_sections(panels.organisation_sections)
        hooks.register_own_organisations(selectors.own_organisation_q)
