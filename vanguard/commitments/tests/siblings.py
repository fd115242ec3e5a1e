"""Commitment objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.commitments.models import Commitment
from vanguard.commitments.tests.factories import make_commitment


def sibling_objects(city) -> dict:
    campaign = make_campaign(city.branch_b)
    return {Commitment: make_commitment(campaign, city.member_b, text="乙一支部党员的承诺")}
