"""The organisation page's link to its commitments (orgs.hooks.register_page_sections)."""

from __future__ import annotations

from django.http import HttpRequest

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.orgs.hooks import PageSection


def organisation_sections(request: HttpRequest, organisation) -> list[PageSection]:
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("commitments/_organisation_actions.html", place="actions")]
