from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "vanguard.ballots"
    label = "ballots"

    def ready(self) -> None:
        # sampling (and frames, which it imports) register jobs every process, a worker too, must know.
        from vanguard.ballots import events, evidence_kinds, models, sampling, to_opinions  # noqa: F401
        from vanguard.orgs import hooks

        to_opinions.connect()

        for model in (models.Ballot, models.Frame):
            hooks.register_path_copy(model, "org_path")
