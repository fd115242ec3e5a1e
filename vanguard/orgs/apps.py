from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "vanguard.orgs"
    label = "orgs"

    def ready(self) -> None:
        # Accounts is below orgs and may not import orgs.hooks: its section of the organisation page is registered here.
        from vanguard.orgs import hooks

        hooks.register_page_sections(_account_sections)


def _account_sections(request, organisation):
    from vanguard.accounts import panels
    from vanguard.orgs.hooks import PageSection

    return [PageSection(**section) for section in panels.organisation_sections(request, organisation)]
