from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "vanguard.study"
    label = "study"

    def ready(self) -> None:
        from vanguard.members import hooks as member_hooks
        from vanguard.orgs import hooks
        from vanguard.study import events, evidence_kinds, models, standings_sync  # noqa: F401

        hooks.register_path_copy(models.Material, "org_path")
        hooks.register_path_copy(models.Session, "org_path")
        hooks.register_path_copy(models.StudyRecord, "org_path")
        hooks.register_path_copy(models.StudyRecord, "recorded_at_path")
        hooks.register_path_copy(models.Standing, "org_path")
        from vanguard.study import panels

        hooks.register_page_sections(panels.organisation_sections)
        member_hooks.member_changed.connect(standings_sync.on_member_changed, dispatch_uid="study.member_changed")
        from vanguard.meetings import hooks as meeting_hooks
        from vanguard.study import services, tallies

        meeting_hooks.register_kind_lock(services.meeting_kind_lock)

        hooks.subtree_moved.connect(tallies.on_subtree_moved, dispatch_uid="study.tallies.on_subtree_moved")

        from vanguard.core.views import register_home
        from vanguard.study import hooks as study_hooks
        from vanguard.study import own_sections, views

        study_hooks.register_own_sections(own_sections.asks)
        study_hooks.register_own_sections(own_sections.self_analysis)
        study_hooks.register_own_sections(own_sections.rectification_items)
        study_hooks.register_own_sections(own_sections.commitments)
        study_hooks.register_own_sections(own_sections.training_and_talks)
        register_home(views.home, first=True)
