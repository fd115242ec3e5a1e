from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vanguard.accounts"
    label = "accounts"
