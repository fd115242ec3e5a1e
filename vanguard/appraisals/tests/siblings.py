"""Appraisal objects inside district B, for the permission walk (core/tests/test_permission_walk.py).

Each part of the app adds its own objects in a function of its own below; `sibling_objects` joins them.
"""

from __future__ import annotations

from vanguard.appraisals.models import Screening, ScreeningEntry
from vanguard.campaigns.tests.factories import make_campaign


def _screening(city) -> dict:
    campaign = make_campaign(city.district_b, name="乙区活动（排查）")
    run = Screening.objects.create(
        campaign=campaign, organisation=city.district_b, org_path=city.district_b.path, level="branch", bottom_share=1
    )
    ScreeningEntry.objects.create(screening=run, organisation=city.branch_b, composite=50, rank=1, flagged=True)
    return {Screening: run}


def _self_analysis(city) -> dict:
    """A draft (published to no one), so that only the scope can reach it."""
    from vanguard.appraisals.models import SelfAnalysis, Version

    campaign = make_campaign(city.district_b, name="乙区活动（党性分析）")
    made = SelfAnalysis.objects.create(
        campaign=campaign, member=city.member_b, organisation=city.branch_b, org_path=city.branch_b.path
    )
    Version.objects.create(analysis=made, number=1, text="李乙的党性分析")
    return {SelfAnalysis: made}


def _remedial(city) -> dict:
    """Remedial work ordered for the sibling branch by a look-back of district B (appraisals.lookback)."""
    import datetime

    from vanguard.appraisals.models import RemedialOrder
    from vanguard.ballots.models import Kind
    from vanguard.ballots.tests.factories import ballot
    from vanguard.campaigns.tests.factories import unit_of

    campaign = make_campaign(city.district_b, name="乙区活动（回头看）")
    made = ballot(city.district_b, kind=Kind.LOOKBACK, title="乙区回头看", campaign=campaign)
    order = RemedialOrder.objects.create(
        unit=unit_of(campaign, city.branch_b),
        org_path=city.branch_b.path,
        ballot=made,
        dissatisfied_share="0.8",
        ordered_on=datetime.date.today(),
    )
    return {RemedialOrder: order}


def sibling_objects(city) -> dict:
    return {**_screening(city), **_self_analysis(city), **_remedial(city)}
