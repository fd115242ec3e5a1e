"""What mobility adds to other apps' pages: a button on the organisation page, a line on a member's page."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.members.models import Category
from vanguard.mobility import selectors
from vanguard.orgs.hooks import PageSection


def organisation_sections(request: HttpRequest, organisation) -> list[PageSection]:
    # No query, so the organisation page's query count holds: the figures are one click away.
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("mobility/_organisation_action.html", place="actions")]


def member_sections(request: HttpRequest, member) -> list[SafeString]:
    """A mobile or lost-contact member's page links to their record or case (both sides may follow it)."""
    if member.category not in (Category.MOBILE, Category.LOST_CONTACT):
        return []
    context = {
        "member": member,
        "record": selectors.open_record_of(member),
        "card": selectors.current_card(member),
        "case": selectors.lost_in_case(member),
    }
    return [render_to_string("mobility/_member_section.html", context, request=request)]
