from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vanguard.accounts"
    label = "accounts"

    def ready(self) -> None:
        # core's shared helpers (get_scoped, jobs, the API mixin) scope through these rules without importing accounts.
        from vanguard.accounts import scoping
        from vanguard.core import access

        access.install(restrict=scoping.restrict, can=scoping.can, can_at_path=scoping.can_at_path)
