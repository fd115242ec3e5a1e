"""The member's own page's sections from the apps below study: their self-analysis and its rating (appraisals),
their rectification items (rectification: their own plan's items and those they are responsible for)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest

from vanguard.appraisals.models import SelfAnalysis
from vanguard.campaigns.selectors import member_asks
from vanguard.rectification.models import ItemStatus, RectificationItem
from vanguard.study.hooks import OwnSection

ITEMS_SHOWN = 10


def self_analysis(request: HttpRequest, member, campaign) -> list[OwnSection]:
    if campaign is None:
        return []
    analysis = SelfAnalysis.objects.filter(campaign=campaign, member=member).select_related("helper").first()
    return [OwnSection("study/own/_analysis.html", {"analysis": analysis, "campaign": campaign}, order=30)]


def rectification_items(request: HttpRequest, member, campaign) -> list[OwnSection]:
    if campaign is None:
        return []
    items = (
        RectificationItem.objects.filter(Q(plan__member=member) | Q(owner=member), plan__campaign=campaign)
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("plan")
        .order_by("status", "deadline", "pk")
    )
    shown = list(items[: ITEMS_SHOWN + 1])
    if not shown:
        return []
    return [
        OwnSection(
            "study/own/_items.html",
            {"items": shown[:ITEMS_SHOWN], "more": len(shown) > ITEMS_SHOWN, "campaign": campaign},
            order=40,
        )
    ]


def asks(request: HttpRequest, member, campaign) -> list[OwnSection]:
    """What the campaign asks of every member in the branch's current phase (campaigns' members' steps)."""
    return [OwnSection("study/own/_asks.html", {"asks": member_asks(member)}, order=10)]
