"""A pairing, a household, a fund and a grant inside district B, for the permission walk
(core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.assistance.models import Fund, Grant, Household, Pairing
from vanguard.assistance.tests import factories
from vanguard.members.factories import MemberFactory


def sibling_objects(city) -> dict:
    pairing = factories.pairing(city.member_b, MemberFactory(organisation=city.branch_b, name="赵乙"))
    household = factories.household(city.branch_b, name="乙区孤老")
    fund = factories.fund(city.district_b, name="乙区帮扶基金")
    grant = factories.grant(fund, beneficiary="乙区困难户")
    return {Pairing: pairing, Household: household, Fund: fund, Grant: grant}
