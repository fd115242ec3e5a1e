"""The member page's section of cases and register lines: for VIEW_CASES holders over the branch and the member."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from vanguard.core.access import Action, can_at_path
from vanguard.rectification.models import Case, Registration


def member_sections(request: HttpRequest, member) -> list[SafeString]:
    user = request.user
    own = getattr(user, "member_id", None) == member.pk
    staff = can_at_path(user, Action.VIEW_CASES, member.org_path)
    if not (own or staff):
        return []
    cases = Case.objects.filter(member=member).order_by("-pk")
    rows = Registration.objects.filter(member=member).order_by("-year")
    if not cases and not rows and not can_at_path(user, Action.CHANGE, member.org_path):
        return []
    html = render_to_string(
        "rectification/cases/_member_section.html",
        {
            "member": member,
            "cases": cases,
            "rows": rows,
            "own": own and not staff,
            "may_open": can_at_path(user, Action.CHANGE, member.org_path) and not any(c.is_open for c in cases),
        },
        request=request,
    )
    return [html]
