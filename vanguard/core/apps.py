from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vanguard.core"
    label = "core"

    def ready(self) -> None:
        # Registers <id:…>, the 64-bit id converter, before any app's URL module is imported (a test may import one
        # directly, ahead of vanguard.urls).
        import vanguard.core.converters  # noqa: F401
