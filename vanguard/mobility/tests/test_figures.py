"""The figures: each person away counted once across outflow and inflow, cards, lost contact, for any subtree."""

from __future__ import annotations

import datetime

import pytest

from vanguard.members.factories import MemberFactory
from vanguard.mobility import figures
from vanguard.mobility.models import LostStatus, PointRole, RecordStatus
from vanguard.mobility.tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def compute(organisation, **kwargs):
    return figures.compute(organisation=organisation, user=None, today=TODAY, **kwargs)


def test_a_member_is_counted_once_across_outflow_and_inflow(city):
    """Member A goes from district A to a mobile-member organisation set up by district B and is received there."""
    guangdong = factories.outside_organisation(city.district_b)
    factories.record(city.member_a, inflow=guangdong, status=RecordStatus.RECEIVED, since=ago(100))
    # Someone from outside the city, with guangdong; someone away from district A to nowhere in the network.
    factories.record(MemberFactory(organisation=city.branch_a), since=ago(50))
    from vanguard.mobility.models import MobileRecord

    MobileRecord.objects.create(
        name="外省党员", home_name="四川某村", inflow_organisation=guangdong, inflow_path=guangdong.path,
        destination="东莞", away_since=ago(20), contact="1", status=RecordStatus.RECEIVED, received_on=ago(20),
    )  # fmt: skip
    city_figures = compute(city.root)
    assert (city_figures.away_people, city_figures.away_out, city_figures.away_in) == (3, 2, 2)
    assert city_figures.from_outside == 1
    district_a = compute(city.district_a)
    assert (district_a.away_people, district_a.away_out, district_a.away_in) == (2, 2, 0)
    district_b = compute(city.district_b)
    assert (district_b.away_people, district_b.away_out, district_b.away_in) == (2, 0, 2)
    # As of a date before the second left, one fewer; by unit, outflow and inflow sit on their own sides.
    assert compute(city.root, end=ago(60)).away_people == 1
    units = {row.name: row for row in city_figures.children}
    assert units[city.district_a.name].away_out == 2 and units[city.district_b.name].away_in == 2


def test_awaiting_receipt_is_not_yet_inflow(city):
    guangdong = factories.outside_organisation(city.district_b)
    factories.record(city.member_a, inflow=guangdong, since=ago(10))
    district_b = compute(city.district_b)
    assert (district_b.away_people, district_b.away_in, district_b.awaiting) == (0, 0, 1)


def test_returns_transfers_and_cards_in_a_period(city):
    back = factories.record(city.member_a, since=ago(300))
    back.status, back.ended_on = RecordStatus.RETURNED, ago(30)
    back.save()
    moved = factories.record(MemberFactory(organisation=city.branch_a), since=ago(300))
    moved.status, moved.ended_on = RecordStatus.TRANSFERRED, ago(200)
    moved.save()
    card = factories.card(back.member, number="YD-1", issued_on=ago(250), valid_until=ago(1), record_=back)
    card.returned_on = ago(30)
    card.save()
    factories.card(moved.member, number="YD-2", issued_on=ago(280), valid_until=ago(100))
    f = compute(city.root, start=ago(60), end=TODAY)
    assert (f.departed, f.returned, f.transferred) == (0, 1, 0)
    assert (f.cards_issued, f.cards_returned, f.cards_valid) == (0, 1, 0)
    whole = compute(city.root)
    assert (whole.departed, whole.returned, whole.transferred, whole.cards_issued) == (2, 1, 1, 2)
    assert compute(city.root, end=ago(150)).cards_valid == 2
    assert compute(city.root, end=ago(150)).away_people == 1


def test_lost_contact_counts(city):
    found = factories.lost(city.member_a, since=ago(900))
    found.status, found.found_on = LostStatus.FOUND, ago(10)
    found.save()
    factories.lost(MemberFactory(organisation=city.branch_a), since=ago(500))
    factories.lost(city.member_b, since=ago(100))
    f = compute(city.root)
    assert (f.lost_opened, f.lost_found, f.lost_closed, f.lost_open) == (3, 1, 0, 2)
    assert compute(city.root, end=ago(20)).lost_open == 3
    assert compute(city.district_a).lost_open == 1


def test_service_bodies_by_role_and_provinces(city):
    factories.point(city.district_a, role=PointRole.CENTRE)
    factories.point(city.committee_a)
    factories.point(city.branch_a, role=PointRole.CONTACT_POINT)
    factories.outside_organisation(city.district_a, province="广东省")
    factories.outside_organisation(city.district_b, name="驻粤二", province="广东省")
    factories.outside_organisation(city.district_b, name="驻浙", province="浙江省")
    f = compute(city.root)
    assert f.points == {"centre": 1, "station": 1, "contact_point": 1, "outside": 3}
    assert f.point_total == 6 and f.provinces == 2
    assert compute(city.district_a).point_total == 4


def test_figures_refuse_a_user_outside_the_subtree(city):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        figures.compute(organisation=city.district_b, user=city.secretary_a)
