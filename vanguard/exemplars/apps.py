from django.apps import AppConfig


class ExemplarsConfig(AppConfig):
    name = "vanguard.exemplars"
    label = "exemplars"

    def ready(self) -> None:
        from vanguard.exemplars import events, evidence_kinds, figures, models, panels  # noqa: F401
        from vanguard.orgs import hooks

        for model in (models.Exemplar, models.LectureGroup, models.GroupMember, models.TrainingClass, models.Trainee):
            hooks.register_path_copy(model, "org_path")
        hooks.register_path_copy(models.Exemplar, "selected_by_path")
        hooks.register_path_copy(models.Talk, "org_path")
        hooks.register_path_copy(models.Talk, "group_path")
        hooks.register_subtree_figures("exemplars", figures.subtree_counts)
        hooks.register_page_sections(panels.organisation_sections)
