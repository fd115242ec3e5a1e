from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "vanguard.ballots"
    label = "ballots"

    def ready(self) -> None:
        # frames registers the job that loads big sampling frames: every process (a worker too) must know it.
        from vanguard.ballots import events, frames, models, to_opinions  # noqa: F401
        from vanguard.orgs import hooks

        to_opinions.connect()

        for model in (models.Ballot, models.Frame):
            hooks.register_path_copy(model, "org_path")
