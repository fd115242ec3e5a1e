"""The service network, registering members away and from elsewhere, receiving, cards, lost contact."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.core import audit, dates
from vanguard.core.models import AuditEntry
from vanguard.core.testing import refused
from vanguard.members import services as member_services
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Category, Member
from vanguard.mobility import selectors, services
from vanguard.mobility.models import Card, LostStatus, MobileRecord, PointRole, RecordStatus
from vanguard.mobility.tests import factories
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def guangdong(city):
    """A mobile-member organisation in another province, set up by district B, with its own secretary."""
    organisation = factories.outside_organisation(city.district_b)
    organisation.secretary = make_user("gd_sec", Role.SECRETARY, organisation)
    return organisation


# --- the six-month rule --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        (datetime.date(2026, 8, 31), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2024, 8, 31), 6, datetime.date(2024, 2, 29)),
        (datetime.date(2026, 1, 15), 6, datetime.date(2025, 7, 15)),
        (datetime.date(2026, 1, 15), -36, datetime.date(2029, 1, 15)),
    ],
)
def test_months_before_clamps_to_the_months_last_day(today, months, expected):
    assert services.months_before(today, months) == expected


def test_six_months_away_needs_a_card_or_a_transfer(city, guangdong):
    long_away = city.member_a
    recent = MemberFactory(organisation=city.branch_a, name="近期外出")
    carded = MemberFactory(organisation=city.branch_a, name="持证外出")
    six_months_ago = services.card_cutoff(TODAY)
    services.register_away(
        actor=city.branch_secretary_a, member=long_away, destination="广东", away_since=six_months_ago, contact="1"
    )
    services.register_away(
        actor=city.branch_secretary_a,
        member=recent,
        destination="浙江",
        away_since=six_months_ago + datetime.timedelta(days=1),
        contact="2",
    )
    carded_record = services.register_away(
        actor=city.branch_secretary_a, member=carded, destination="上海", away_since=ago(400), contact="3"
    )
    services.issue_card(actor=city.branch_secretary_a, record=carded_record, number="YD-0001")
    assert [m.name for m in selectors.needing_card(city.district_a, today=TODAY)] == [long_away.name]
    # An expired card does not count: the member is listed again the day after it runs out.
    card = Card.objects.get(number="YD-0001")
    assert carded in selectors.needing_card(city.district_a, today=card.valid_until + datetime.timedelta(days=1))
    # Their relation transferred to where they live: no longer away from here, nothing owed.
    transfer = member_services.start_transfer(member=long_away, to_organisation=city.branch_a2)
    member_services.accept_transfer(transfer=transfer)
    assert [m.name for m in selectors.needing_card(city.district_a, today=TODAY)] == []
    record = MobileRecord.objects.get(member=long_away)
    assert record.status == RecordStatus.TRANSFERRED and record.ended_on == TODAY
    long_away.refresh_from_db()
    assert long_away.category == Category.ORDINARY and long_away.mobile_since is None


def test_a_member_with_mobile_since_from_the_roster_is_listed_without_a_record(city):
    member = MemberFactory(organisation=city.branch_a, category=Category.MOBILE, mobile_since=ago(365))
    assert list(selectors.needing_card(city.root, today=TODAY)) == [member]
    assert list(selectors.needing_card(city.district_b, today=TODAY)) == []


# --- registering, receiving, both sides ----------------------------------------------------------------------------


def test_outflow_to_an_organisation_in_another_province_and_its_receipt(city, guangdong):
    record = services.register_away(
        actor=city.branch_secretary_a,
        member=city.member_a,
        destination="广东省东莞市长安镇",
        away_since=ago(200),
        contact="13900000000",
        work="电子厂",
        inflow_organisation=guangdong,
    )
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.category == Category.MOBILE and member.mobile_since == ago(200)
    assert member.mobile_place == "广东省东莞市长安镇"
    # The inflow side sees the record before receiving, but not yet the member.
    assert selectors.awaiting(guangdong).get() == record
    # The home side cannot receive for it; the inflow side can.
    refused("transition_refused", services.receive, actor=city.branch_secretary_a, record=record)
    record = services.receive(actor=guangdong.secretary, record=record, on=ago(190))
    assert record.status == RecordStatus.RECEIVED and record.received_on == ago(190)
    member.refresh_from_db()
    assert member.host_organisation_id == guangdong.pk and member.organisation_id == city.branch_a.pk
    events = list(AuditEntry.objects.filter(object_id=str(record.pk)).values_list("event", flat=True))
    assert "mobility.record.receive" in events
    # Back home: hosting ends, the card comes back, the category returns.
    services.issue_card(actor=city.branch_secretary_a, record=record, number="YD-7", issued_on=ago(100))
    record = services.return_home(actor=guangdong.secretary, record=record, on=TODAY)
    member.refresh_from_db()
    assert record.status == RecordStatus.RETURNED and record.ended_on == TODAY
    assert member.host_organisation_id is None and member.category == Category.ORDINARY
    assert Card.objects.get(number="YD-7").returned_on == TODAY
    refused("transition_refused", services.return_home, actor=city.branch_secretary_a, record=record)


def test_declined_and_refusals_when_registering(city, guangdong):
    refused(
        "forbidden",
        services.register_away,
        actor=city.secretary_b,
        member=city.member_a,
        destination="广东",
        away_since=ago(5),
        contact="1",
    )
    for field, value, code in [
        ("destination", " ", "no_destination"),
        ("contact", "", "no_contact"),
        ("away_since", TODAY + datetime.timedelta(days=1), "future_date"),
        ("away_since", city.member_a.joined_on - datetime.timedelta(days=1), "before_joining"),
        ("inflow_organisation", city.branch_a, "same_side"),
        ("inflow_organisation", city.committee_a, "not_a_receiver"),
    ]:
        kwargs = {"destination": "广东", "away_since": ago(5), "contact": "1", field: value}
        error = refused(code, services.register_away, actor=city.branch_secretary_a, member=city.member_a, **kwargs)
        assert field in error.error_dict
    assert not MobileRecord.objects.exists()
    assert Member.objects.get(pk=city.member_a.pk).category == Category.ORDINARY
    record = services.register_away(
        actor=city.branch_secretary_a,
        member=city.member_a,
        destination="广东",
        away_since=ago(5),
        contact="1",
        inflow_organisation=guangdong,
    )
    refused(
        "already_away",
        services.register_away,
        actor=city.branch_secretary_a,
        member=city.member_a,
        destination="浙江",
        away_since=ago(3),
        contact="1",
    )
    # The inflow side says the member is not there: the record goes back to the home side alone.
    refused("no_reason", services.decline, actor=guangdong.secretary, record=record, reason="")
    record = services.decline(actor=guangdong.secretary, record=record, reason="查无此人")
    assert record.inflow_organisation is None and record.inflow_path == "" and record.status == RecordStatus.AWAY
    assert not selectors.awaiting(guangdong).exists()
    refused("transition_refused", services.receive, actor=guangdong.secretary, record=record)


def test_one_open_record_per_member_is_a_database_rule(city):
    factories.record(city.member_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.record(city.member_a)


def test_someone_from_outside_the_city_is_registered_by_the_inflow_side(city, guangdong):
    record = services.register_inflow(
        actor=guangdong.secretary,
        inflow_organisation=guangdong,
        name="外省党员",
        home_name="四川省某县某村党支部",
        destination="东莞",
        away_since=ago(800),
        contact="1",
        outside_card="SC-2005-001",
    )
    assert record.status == RecordStatus.RECEIVED and record.member is None and record.home_path == ""
    refused(
        "forbidden",
        services.register_inflow,
        actor=city.secretary_a,
        inflow_organisation=guangdong,
        name="x",
        home_name="y",
        destination="z",
        away_since=ago(1),
        contact="1",
    )
    refused(
        "bad_number",
        services.register_inflow,
        actor=guangdong.secretary,
        inflow_organisation=guangdong,
        name="x",
        home_name="y",
        destination="z",
        away_since=ago(1),
        contact="1",
        outside_card="!!",
    )


# --- cards ---------------------------------------------------------------------------------------------------------


def test_cards_issued_renewed_returned_and_their_refusals(city, guangdong):
    record = services.register_away(
        actor=city.branch_secretary_a, member=city.member_a, destination="广东", away_since=ago(300), contact="1"
    )
    other = services.register_away(
        actor=city.branch_secretary_a,
        member=MemberFactory(organisation=city.branch_a),
        destination="浙江",
        away_since=ago(300),
        contact="2",
    )
    card = services.issue_card(actor=city.branch_secretary_a, record=record, number=" yd-100 ", issued_on=ago(10))
    assert card.number == "YD-100" and card.valid_until == dates.add_years(ago(10), 1) - datetime.timedelta(days=1)
    refused("duplicate", services.issue_card, actor=city.branch_secretary_a, record=other, number="YD-100")
    refused("card_held", services.issue_card, actor=city.branch_secretary_a, record=record, number="YD-101")
    refused("bad_number", services.issue_card, actor=city.branch_secretary_a, record=other, number="1")
    refused("forbidden", services.issue_card, actor=city.secretary_b, record=other, number="YD-102")
    refused(
        "before_away",
        services.issue_card,
        actor=city.branch_secretary_a,
        record=other,
        number="YD-3",
        issued_on=ago(301),
    )
    refused(
        "too_long",
        services.issue_card,
        actor=city.branch_secretary_a,
        record=other,
        number="YD-103",
        issued_on=TODAY,
        valid_until=TODAY.replace(year=TODAY.year + 4),
    )
    refused(
        "bad_validity",
        services.issue_card,
        actor=city.branch_secretary_a,
        record=other,
        number="YD-103",
        issued_on=TODAY,
        valid_until=TODAY,
    )
    assert Card.objects.count() == 1
    later = card.valid_until + datetime.timedelta(days=365)
    refused("not_later", services.renew_card, actor=city.branch_secretary_a, card=card, valid_until=card.valid_until)
    card = services.renew_card(actor=city.branch_secretary_a, card=card, valid_until=later)
    assert card.valid_until == later and card.renewals == 1
    entry = audit.history(card).filter(event="mobility.card.renewed").get()
    assert entry.changes["valid_until"][1] == later.isoformat()
    card = services.return_card(actor=city.branch_secretary_a, card=card, on=TODAY)
    refused("returned", services.return_card, actor=city.branch_secretary_a, card=card)
    refused("returned", services.renew_card, actor=city.branch_secretary_a, card=card, valid_until=later)
    # The returned card's number stays taken; a new card for the member is fine.
    refused("duplicate", services.issue_card, actor=city.branch_secretary_a, record=record, number="YD-100")
    assert services.issue_card(actor=city.branch_secretary_a, record=record, number="YD-104").number == "YD-104"


def test_two_clerks_cannot_both_issue_one_number(city):
    first = factories.record(city.member_a)
    factories.card(city.member_a, number="YD-9", record_=first)
    second = factories.record(MemberFactory(organisation=city.branch_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.card(second.member, number="YD-9", record_=second)


# --- lost contact --------------------------------------------------------------------------------------------------


def test_a_lost_contact_member_is_looked_for_and_found(city):
    member = city.member_a
    case = services.open_lost_contact(
        actor=city.branch_secretary_a, member=member, lost_since=ago(900), last_known="重庆南岸"
    )
    assert Member.objects.get(pk=member.pk).category == Category.LOST_CONTACT
    refused("already_open", services.open_lost_contact, actor=city.branch_secretary_a, member=member, lost_since=ago(1))
    refused(
        "lost_contact",
        services.register_away,
        actor=city.branch_secretary_a,
        member=member,
        destination="x",
        away_since=ago(5),
        contact="1",
    )
    refused("transition_refused", services.close_case, actor=city.branch_secretary_a, case=case, on=TODAY, reason="x")
    services.record_search(
        actor=city.branch_secretary_a, case=case, searched_on=ago(30), method="phone", result="号码停机"
    )
    refused(
        "before_lost",
        services.record_search,
        actor=city.branch_secretary_a,
        case=case,
        searched_on=ago(901),
        method="visit",
        result="x",
    )
    refused(
        "forbidden",
        services.record_search,
        actor=city.secretary_b,
        case=case,
        searched_on=ago(3),
        method="visit",
        result="x",
    )
    refused("transition_refused", services.mark_found, actor=city.secretary_b, case=case, on=TODAY, where="x")
    case = services.mark_found(actor=city.branch_secretary_a, case=case, on=ago(2), where="深圳某两新组织党支部")
    assert case.status == LostStatus.FOUND and case.found_on == ago(2)
    assert Member.objects.get(pk=member.pk).category == Category.ORDINARY
    refused(
        "closed", services.record_search, actor=city.branch_secretary_a, case=case, searched_on=TODAY, method="phone",
        result="x",
    )  # fmt: skip
    events = [e.event for e in audit.history(case).order_by("seq")]
    assert events == ["mobility.lost.opened", "mobility.lost.searched", "mobility.lost.found"]


def test_a_case_closed_after_searching_keeps_its_reason(city):
    case = services.open_lost_contact(actor=city.branch_secretary_a, member=city.member_a, lost_since=ago(2000))
    services.record_search(actor=city.branch_secretary_a, case=case, searched_on=ago(10), method="notice", result="无")
    refused("no_reason", services.close_case, actor=city.branch_secretary_a, case=case, on=TODAY, reason=" ")
    case = services.close_case(actor=city.branch_secretary_a, case=case, on=TODAY, reason="经公告期满，按程序除名")
    assert case.status == LostStatus.CLOSED and "除名" in case.closing_reason


# --- the service network -------------------------------------------------------------------------------------------


def test_service_bodies_sit_at_the_right_kind_of_organisation(city):
    centre = services.set_up_point(
        actor=city.secretary_a,
        organisation=city.district_a,
        role=PointRole.CENTRE,
        name="甲区流动党员管理服务中心",
        service_area="甲区全域",
        set_up_on=ago(100),
        services=["rights", "jobs"],
    )
    assert centre.services == ["jobs", "rights"]
    refused(
        "wrong_kind",
        services.set_up_point,
        actor=city.secretary_a,
        organisation=city.branch_a,
        role=PointRole.CENTRE,
        name="x",
        service_area="y",
        set_up_on=TODAY,
    )
    refused(
        "duplicate",
        services.set_up_point,
        actor=city.secretary_a,
        organisation=city.district_a,
        role=PointRole.CENTRE,
        name="x",
        service_area="y",
        set_up_on=TODAY,
    )
    outside = OrganisationFactory(name="驻浙流动党员党支部", kind=Kind.MOBILE_ORGANISATION, parent=city.district_a)
    refused(
        "no_province",
        services.set_up_point,
        actor=city.secretary_a,
        organisation=outside,
        role=PointRole.OUTSIDE,
        name="x",
        service_area="y",
        set_up_on=TODAY,
    )
    refused(
        "forbidden",
        services.set_up_point,
        actor=city.secretary_b,
        organisation=city.committee_a,
        role=PointRole.STATION,
        name="x",
        service_area="y",
        set_up_on=TODAY,
    )
    with pytest.raises(ValidationError):
        services.set_up_point(
            actor=city.secretary_a,
            organisation=city.committee_a,
            role=PointRole.STATION,
            name="x",
            service_area="y",
            set_up_on=TODAY,
            services=["made_up"],
        )
