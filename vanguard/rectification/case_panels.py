"""Where cases show on other apps' pages, for VIEW_CASES holders over the branch (and the member on their own page):
the member page's section of cases and register lines, and the link from a 不合格 peer-appraisal result to its case."""

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


def result_links(request: HttpRequest, ballot, results: list) -> dict[int, SafeString]:
    """Beside each 不合格 result of a peer appraisal, its case: only for those who may see the branch's cases."""
    # Asked (one query) even with no 不合格 result shown, so the page's queries do not depend on the grades.
    if not can_at_path(request.user, Action.VIEW_CASES, ballot.org_path):
        return {}
    cases = Case.objects.filter(appraisal_result__in=[result.pk for result in results]).only(
        "pk", "appraisal_result_id", "stage"
    )
    return {
        case.appraisal_result_id: render_to_string(
            "rectification/cases/_result_link.html", {"case": case}, request=request
        )
        for case in cases
    }
