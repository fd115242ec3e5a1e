"""A service body, a record, a card and a lost-contact case inside district B, for the permission walk
(core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.members.factories import MemberFactory
from vanguard.mobility.models import Card, LostContact, MobileRecord, ServicePoint
from vanguard.mobility.tests import factories


def sibling_objects(city) -> dict:
    point = factories.point(city.district_b, role="centre", name="乙区流动党员管理服务中心")
    record = factories.record(city.member_b)
    card = factories.card(city.member_b, number="YD-B-0001", record_=record)
    lost = factories.lost(MemberFactory(organisation=city.branch_b, name="王乙"))
    return {ServicePoint: point, MobileRecord: record, Card: card, LostContact: lost}
