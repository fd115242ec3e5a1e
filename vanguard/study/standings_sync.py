"""Keeping standings true when a member moves or changes category (members.hooks.member_changed)."""

from __future__ import annotations

from vanguard.campaigns.models import Campaign
from vanguard.study import credits
from vanguard.study.models import Standing


def on_member_changed(sender, member, **kwargs) -> None:
    # Only the campaigns the member already has standings in: a member new to a campaign gets theirs when
    # something of theirs is recorded or the campaign is recomputed.
    campaign_ids = set(Standing.objects.filter(member=member).values_list("campaign_id", flat=True))
    for campaign in Campaign.objects.filter(pk__in=campaign_ids):
        credits.recompute(campaign=campaign, member_ids=[member.pk])
