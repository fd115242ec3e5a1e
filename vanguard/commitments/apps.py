from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "vanguard.commitments"
    label = "commitments"

    def ready(self) -> None:
        from vanguard.commitments import events, evidence_kinds, models, panels  # noqa: F401
        from vanguard.orgs import hooks

        hooks.register_path_copy(models.Commitment, "org_path")
        hooks.register_page_sections(panels.organisation_sections)
