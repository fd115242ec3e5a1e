"""What other apps read of commitments: a member's own (the member's page calls `commitments_of`)."""

from __future__ import annotations

from django.db.models import QuerySet

from vanguard.commitments.models import Commitment


def commitments_of(member, campaign=None) -> QuerySet[Commitment]:
    """The member's commitments, newest campaign first, each with its status, audience and window, the branch's
    verdict and note, and the public's counts per verdict (`public_counts`)."""
    rows = Commitment.objects.filter(member=member).select_related("campaign", "template")
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    return rows.order_by("-campaign__starts_on", "campaign_id", "pk")
