from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.study import credits, services
from vanguard.study.models import Activity, Basis, Standing


@pytest.fixture
def campaign(city):
    """A running campaign over the city, begun 20 days ago, with rules: a session 2 credits, a 党课 3, self-study
    1 per hour; the elderly 2 per hour of self-study and home visits; 10 credits to reach in the first phase
    (the elderly and frail 4)."""
    campaign = make_campaign(city.root, starts_on=datetime.date.today() - datetime.timedelta(days=20))
    first = campaign.phases.order_by("order").first()
    services.set_rules(
        campaign=campaign,
        actor=city.office,
        rules=[
            {"activity": Activity.STUDY, "credits": 2},
            {"activity": Activity.PARTY_LECTURE, "credits": 3},
            {"activity": Activity.GAVE_LECTURE, "credits": 5},
            {"activity": Activity.SELF_STUDY, "credits": 1, "basis": Basis.HOUR},
            {"activity": Activity.REMOTE, "credits": 1, "basis": Basis.HOUR},
            {"activity": Activity.SELF_STUDY, "category": "elderly", "credits": 2, "basis": Basis.HOUR},
            {"activity": Activity.HOME_VISIT, "category": "elderly", "credits": 2, "basis": Basis.HOUR},
            {"activity": Activity.SKILLS, "category": "laid_off", "credits": Decimal("0.5"), "basis": Basis.HOUR},
        ],
        requirements=[
            {"phase": first, "credits": 10},
            {"phase": first, "category": "elderly", "credits": 4},
        ],
    )
    return campaign


@pytest.fixture
def first_phase(campaign):
    return campaign.phases.order_by("order").first()


def days_ago(n: int) -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=n)


def standing(member, phase) -> Standing:
    """The member's standing in the phase, valued by the database under the campaign's rules as they are now."""
    return credits.valued(Standing.objects.filter(member=member, phase=phase), phase.campaign).get()
