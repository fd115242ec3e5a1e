"""What rosters adds to the pages of lower apps: the organisation page's import and export buttons, the member
list's "export these results".

Registered with orgs.hooks and members.hooks in RostersConfig.ready(), so neither names rosters.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core import jobs
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """Import a roster (whoever may change the organisation) and export it (whoever may follow the export job).

    A member sees their branch's page through their own record, but could never open the export job of it
    (core.jobs.may_start), so neither button is offered to them: no action a user cannot complete.
    """
    can_import = can_at_path(request.user, Action.CHANGE, organisation.path)
    can_export = jobs.may_start(request.user, organisation)
    if not (can_import or can_export):
        return []
    context = {"can_import": can_import, "can_export": can_export}
    return [PageSection("rosters/_organisation_actions.html", context, place="actions")]


def member_list_actions(request: HttpRequest, organisation: Organisation, filters: dict[str, str]) -> list[SafeString]:
    """The member list's "export these results": an export job of `organisation` carrying the list's filters.

    Registered with members.hooks; offered where the user may start the export job (core.jobs.may_start).
    """
    if not jobs.may_start(request.user, organisation):
        return []
    context = {"organisation": organisation, "filters": filters}
    return [render_to_string("rosters/_member_list_export.html", context, request=request)]
