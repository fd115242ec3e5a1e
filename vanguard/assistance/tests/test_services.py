"""Pairings, special services, and the fund's ledger: what is allowed, what is refused and why."""

from __future__ import annotations

import datetime

import pytest

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.assistance import services
from vanguard.assistance.models import Entry, Fund, Grant, GrantStatus, PairingKind, SpecialService
from vanguard.assistance.tests import factories
from vanguard.core import audit
from vanguard.core.testing import refused
from vanguard.members.factories import MemberFactory
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind, Sector

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# --- pairings ------------------------------------------------------------------------------------------------------


def test_one_plus_one_and_one_plus_two(city):
    helper = MemberFactory(organisation=city.branch_a, name="机关党员")
    poor = [MemberFactory(organisation=city.branch_a2, name=f"困难党员{i}") for i in range(3)]
    one = services.make_pairing(
        actor=city.secretary_a, organisation=city.district_a, kind=PairingKind.ONE_PLUS_ONE, started_on=ago(10),
        helper_member=helper, helped=poor[:1], hardship="下岗失业",
    )  # fmt: skip
    assert list(one.helped.all()) == poor[:1]
    two = services.make_pairing(
        actor=city.secretary_a, organisation=city.district_a, kind=PairingKind.ONE_PLUS_TWO, started_on=ago(10),
        helper_member=helper, helped=poor[1:], hardship="子女上学",
    )  # fmt: skip
    assert set(two.helped.all()) == set(poor[1:])
    base = {"actor": city.secretary_a, "organisation": city.district_a, "started_on": ago(1), "hardship": "x"}
    refused("wrong_count", services.make_pairing, **base, kind="one_two", helper_member=helper, helped=poor[:1])
    refused("wrong_count", services.make_pairing, **base, kind="one_one", helper_member=helper, helped=[helper])
    refused("no_helper", services.make_pairing, **base, kind="one_one", helped=poor[:1])
    outsider = city.member_b
    refused("outside_subtree", services.make_pairing, **base, kind="one_one", helper_member=helper, helped=[outsider])
    refused(
        "forbidden", services.make_pairing, **{**base, "actor": city.branch_secretary_a}, kind="one_one",
        helper_member=helper, helped=poor[:1],
    )  # fmt: skip
    refused(
        "no_hardship", services.make_pairing, **{**base, "hardship": ""}, kind="one_one", helper_member=helper,
        helped=poor[:1],
    )  # fmt: skip


def test_double_pairings_of_branches_and_units(city):
    community = OrganisationFactory(
        name="某社区党委", kind=Kind.GRASSROOTS_COMMITTEE, sector=Sector.COMMUNITY, parent=city.district_a
    )
    person = services.make_pairing(
        actor=city.secretary_a, organisation=city.district_a, kind=PairingKind.BRANCH_PERSON, started_on=ago(5),
        helper_organisation=city.branch_a, partner_name="孤寡老人 刘婆婆",
    )  # fmt: skip
    assert person.partner_name == "孤寡老人 刘婆婆" and person.helper_member is None
    unit = services.make_pairing(
        actor=city.secretary_a, organisation=city.district_a, kind=PairingKind.UNIT_COMMUNITY, started_on=ago(5),
        helper_organisation=city.committee_a, partner_organisation=community,
    )  # fmt: skip
    assert unit.partner_name == "某社区党委"
    base = {"actor": city.secretary_a, "organisation": city.district_a, "started_on": ago(1)}
    refused("not_a_branch", services.make_pairing, **base, kind="branch_person", helper_organisation=city.committee_a,
            partner_name="x")  # fmt: skip
    refused("no_partner", services.make_pairing, **base, kind="branch_person", helper_organisation=city.branch_a)
    refused("no_partner", services.make_pairing, **base, kind="unit_community", helper_organisation=city.committee_a)
    refused("same", services.make_pairing, **base, kind="unit_community", helper_organisation=community,
            partner_organisation=community)  # fmt: skip
    # Help given within the pairing's time, then it ends.
    services.record_visit(actor=city.secretary_a, pairing=person, visited_on=ago(3), help_kind="daily_life",
                          note="送米送油", value="200")  # fmt: skip
    refused("outside_pairing", services.record_visit, actor=city.secretary_a, pairing=person, visited_on=ago(6),
            help_kind="visit", note="x")  # fmt: skip
    refused("not_positive", services.record_visit, actor=city.secretary_a, pairing=person, visited_on=ago(1),
            help_kind="visit", note="x", value="-5")  # fmt: skip
    services.end_pairing(actor=city.secretary_a, pairing=person, on=TODAY, reason="老人已入住养老院")
    refused("ended", services.end_pairing, actor=city.secretary_a, pairing=person, on=TODAY, reason="x")


# --- special services ----------------------------------------------------------------------------------------------


def test_due_dates_spread_over_the_year():
    assert services.due_dates(2026, 3) == [datetime.date(2026, 4, 30), datetime.date(2026, 8, 31),
                                          datetime.date(2026, 12, 31)]  # fmt: skip
    assert services.due_dates(2026, 1) == [datetime.date(2026, 12, 31)]
    assert services.due_dates(2024, 12)[1] == datetime.date(2024, 2, 29)


def test_a_years_services_are_scheduled_once_and_recorded(city):
    old = services.list_household(
        actor=city.branch_secretary_a, organisation=city.branch_a, name="张老伯", address="解放路1号",
        group="model_worker", listed_on=ago(400),
    )  # fmt: skip
    added = services.schedule_services(
        actor=city.branch_secretary_a, organisation=city.branch_a, year=TODAY.year,
        promises={"safety_check": 3, "cleaning": 1},
    )  # fmt: skip
    assert added == 4
    late = services.list_household(
        actor=city.branch_secretary_a, organisation=city.branch_a, name="李阿姨", address="解放路2号",
        group="disabled", listed_on=ago(0),
    )  # fmt: skip
    # Again: only the newly listed household's share is added.
    again = services.schedule_services(
        actor=city.branch_secretary_a, organisation=city.branch_a, year=TODAY.year,
        promises={"safety_check": 3, "cleaning": 1},
    )  # fmt: skip
    assert again == 4 and SpecialService.objects.filter(household=late).count() == 4
    assert SpecialService.objects.filter(household=old, kind="safety_check").count() == 3
    refused("bad_times", services.schedule_services, actor=city.branch_secretary_a, organisation=city.branch_a,
            year=TODAY.year, promises={"cleaning": 13})  # fmt: skip
    refused("bad_year", services.schedule_services, actor=city.branch_secretary_a, organisation=city.branch_a,
            year=TODAY.year + 5, promises={"cleaning": 1})  # fmt: skip
    first = SpecialService.objects.filter(household=old).order_by("due_on").first()
    services.record_service(actor=city.branch_secretary_a, service=first, done_on=ago(0), note="燃气管老化，已报修")
    refused("done", services.record_service, actor=city.branch_secretary_a, service=first, done_on=TODAY, note="x")
    pending = SpecialService.objects.filter(household=old, done_on=None).first()
    refused("forbidden", services.record_service, actor=city.secretary_b, service=pending, done_on=TODAY, note="x")


# --- the fund ------------------------------------------------------------------------------------------------------


@pytest.fixture
def fund(city):
    return services.set_up_fund(actor=city.secretary_a, organisation=city.district_a, name="甲区帮扶基金",
                                set_up_on=ago(100))  # fmt: skip


def test_income_grants_and_the_balance(city, fund):
    services.record_income(actor=city.secretary_a, fund=fund, amount="10,000.50", on=ago(50), description="党员捐款")
    grant = services.request_grant(
        actor=city.branch_secretary_a, fund=fund, beneficiary="困难党员王某", amount="3000", purpose="子女学费",
        requested_at=city.branch_a,
    )  # fmt: skip
    # The branch holds no role over the district's fund, nor does a member; the district's secretary decides.
    refused("forbidden", services.approve_grant, actor=city.branch_secretary_a, grant=grant)
    refused("forbidden", services.approve_grant, actor=city.member_user_a, grant=grant)
    own = services.request_grant(actor=city.secretary_a, fund=fund, beneficiary="x", amount="1", purpose="y",
                                 requested_at=city.district_a)  # fmt: skip
    refused("transition_refused", services.approve_grant, actor=city.secretary_a, grant=own)  # four eyes
    paid = services.approve_grant(actor=city.secretary_a, grant=grant)
    assert paid.status == GrantStatus.PAID and paid.decided_role == Role.SECRETARY
    assert paid.decided_at_organisation_id == city.district_a.pk
    fund.refresh_from_db()
    assert (fund.income_fen, fund.granted_fen, fund.balance_fen) == (1_000_050, 300_000, 700_050)
    entry = Entry.objects.get(grant=paid)
    assert (entry.debit, entry.credit, entry.amount_fen) == ("grants", "cash", 300_000)
    assert list(services.ledger_problems()) == []
    # A successor in the office role decides what is pending (the role decides, not the person).
    successor = make_user("new_sec_a", Role.SECRETARY, city.district_a)
    other = services.request_grant(actor=city.branch_secretary_a, fund=fund, beneficiary="x", amount="1",
                                   purpose="y", requested_at=city.branch_a)  # fmt: skip
    assert services.refuse_grant(actor=successor, grant=other, reason="不符合条件").decided_by == successor


def test_hostile_amounts_and_overdrafts_are_refused_and_write_nothing(city, fund):
    services.record_income(actor=city.secretary_a, fund=fund, amount="100", on=ago(10), description="拨款")
    for value, code in [("-5", "not_positive"), ("0", "not_positive"), ("1e9", "too_large"), ("abc", "bad_amount"),
                        ("NaN", "not_positive"), ("Infinity", "not_positive"), ("1.005", "bad_amount"),
                        ("5000000.01", "too_large")]:  # fmt: skip
        refused(code, services.record_income, actor=city.secretary_a, fund=fund, amount=value, on=TODAY,
                description="x")  # fmt: skip
    refused("future_date", services.record_income, actor=city.secretary_a, fund=fund, amount="1",
            on=TODAY + datetime.timedelta(days=1), description="x")  # fmt: skip
    refused("before_fund", services.record_income, actor=city.secretary_a, fund=fund, amount="1", on=ago(101),
            description="x")  # fmt: skip
    refused("forbidden", services.record_income, actor=city.secretary_b, fund=fund, amount="1", on=TODAY,
            description="x")  # fmt: skip
    big = services.request_grant(actor=city.secretary_a, fund=fund, beneficiary="x", amount="100.01", purpose="y",
                                 requested_at=city.district_a)  # fmt: skip
    other_secretary = make_user("sec_a2", Role.SECRETARY, city.district_a)
    error = refused("overdrawn", services.approve_grant, actor=other_secretary, grant=big)
    assert "100.00" in str(error) and "100.01" in str(error)
    big.refresh_from_db()
    fund.refresh_from_db()
    assert big.status == GrantStatus.REQUESTED and big.decided_by is None
    assert fund.balance_fen == 10_000 and Entry.objects.filter(grant=big).count() == 0
    assert not audit.history(big).filter(event="assistance.grant.approve").exists()


def test_grants_come_from_a_fund_at_or_above_the_requester(city, fund):
    other = services.set_up_fund(actor=city.secretary_b, organisation=city.district_b, name="乙区帮扶基金",
                                 set_up_on=ago(1))  # fmt: skip
    refused("not_above", services.request_grant, actor=city.branch_secretary_a, fund=other, beneficiary="x",
            amount="1", purpose="y", requested_at=city.branch_a)  # fmt: skip
    refused("duplicate", services.set_up_fund, actor=city.secretary_a, organisation=city.district_a,
            name="甲区帮扶基金", set_up_on=TODAY)  # fmt: skip


@pytest.mark.tampers_audit
def test_a_balance_changed_by_sql_is_found(city, fund):
    services.record_income(actor=city.secretary_a, fund=fund, amount="100", on=ago(1), description="x")
    Fund.objects.filter(pk=fund.pk).update(balance_fen=100_000, income_fen=100_000)
    problems = list(services.ledger_problems())
    assert len(problems) == 1 and "its ledger gives 100.00" in problems[0]
    Entry.objects.filter(fund=fund).update(amount_fen=100_000)
    assert any("assistance.entry" in p for p in audit.run_checks())


def test_the_database_refuses_an_overdrawn_fund_and_an_unbalanced_one(city, fund):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(balance_fen=-1, granted_fen=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(balance_fen=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=factories.grant(fund).pk).update(status="paid")
