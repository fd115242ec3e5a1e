"""The member's own page's sections from the apps below study: their self-analysis and its rating (appraisals),
their commitments (commitments), their rectification items (rectification: their own plan's items and those they
are responsible for), the training classes they attended and the talks they gave (exemplars)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest

from vanguard.appraisals.models import SelfAnalysis
from vanguard.campaigns.selectors import member_asks
from vanguard.commitments.selectors import commitments_of
from vanguard.exemplars.selectors import lectures_of, training_of
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


def commitments(request: HttpRequest, member, campaign) -> list[OwnSection]:
    """Shown even when empty while a campaign runs: making a commitment is something the campaign asks."""
    if campaign is None:
        return []
    shown = list(commitments_of(member, campaign)[: ITEMS_SHOWN + 1])
    context = {"commitments": shown[:ITEMS_SHOWN], "more": len(shown) > ITEMS_SHOWN, "campaign": campaign}
    return [OwnSection("study/own/_commitments.html", context, order=35)]


def training_and_talks(request: HttpRequest, member, campaign) -> list[OwnSection]:
    """Classes attended and talks given, over every campaign: training outlives the campaign that ran it."""
    classes = list(training_of(member)[: ITEMS_SHOWN + 1])
    talks = list(lectures_of(member)[: ITEMS_SHOWN + 1])
    if not classes and not talks:
        return []
    context = {
        "classes": classes[:ITEMS_SHOWN],
        "talks": talks[:ITEMS_SHOWN],
        "more_classes": len(classes) > ITEMS_SHOWN,
        "more_talks": len(talks) > ITEMS_SHOWN,
    }
    return [OwnSection("study/own/_training.html", context, order=70)]
