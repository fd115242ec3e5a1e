from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "vanguard.rectification"
    label = "rectification"

    def ready(self) -> None:
        from vanguard.orgs import hooks
        from vanguard.rectification import events, evidence_kinds, models, tallies, workflows  # noqa: F401

        for model in (
            models.RectificationPlan,
            models.ItemShare,
            models.Institution,
            models.Case,
            models.Registration,
            models.Remedy,
        ):
            hooks.register_path_copy(model, "org_path")
        hooks.register_path_copy(models.RectificationItem, "org_path")
        hooks.register_path_copy(models.RectificationItem, "responsible_path")
        hooks.subtree_moved.connect(tallies.on_subtree_moved, dispatch_uid="rectification.tallies.on_subtree_moved")

        from vanguard.appraisals import hooks as appraisal_hooks
        from vanguard.rectification.services import cases

        appraisal_hooks.register_unqualified_handler(cases.open_from_result)

        from vanguard.members import hooks as member_hooks
        from vanguard.rectification import case_panels

        member_hooks.register_member_sections(case_panels.member_sections)

        from vanguard.appraisals import hooks as screening_hooks
        from vanguard.rectification import organisation_panels

        hooks.register_page_sections(organisation_panels.organisation_sections)
        screening_hooks.register_entry_links(organisation_panels.entry_links)
        screening_hooks.register_result_links(case_panels.result_links)

        from vanguard.campaigns import hooks as campaign_hooks
        from vanguard.opinions import hooks as opinion_hooks
        from vanguard.rectification import panels

        campaign_hooks.register_unit_sections(panels.unit_sections)
        opinion_hooks.register_problem_sections(panels.problem_sections)
