"""The assistance figures for any subtree and period: pairs in force, help, services kept, money, training."""

from __future__ import annotations

import datetime

import pytest

from vanguard.assistance import figures, services
from vanguard.assistance.models import PairingKind
from vanguard.assistance.tests import factories
from vanguard.exemplars.tests import factories as training
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def compute(organisation, **kwargs):
    return figures.compute(organisation=organisation, user=None, today=TODAY, **kwargs)


def test_pairs_services_and_money_by_subtree_and_period(city):
    old = factories.pairing(city.member_a, MemberFactory(organisation=city.branch_a), on=ago(300))
    old.ended_on = ago(100)
    old.save()
    factories.pairing(MemberFactory(organisation=city.branch_a), MemberFactory(organisation=city.branch_a), on=ago(50))
    factories.pairing(city.member_b, MemberFactory(organisation=city.branch_b), on=ago(10))
    household = factories.household(city.branch_a, on=ago(200))
    factories.service(household, due=ago(20))
    factories.service(household, due=ago(30))
    on_time = factories.service(household, due=ago(5))
    on_time.done_on, on_time.note = ago(6), "ok"
    on_time.save()
    fund = services.set_up_fund(actor=city.secretary_a, organisation=city.district_a, name="基金", set_up_on=ago(90))
    services.record_income(actor=city.secretary_a, fund=fund, amount="1000", on=ago(80), description="x")
    grant = services.request_grant(actor=city.branch_secretary_a, fund=fund, beneficiary="x", amount="250.5",
                                   purpose="y", requested_at=city.branch_a)  # fmt: skip
    services.approve_grant(actor=city.secretary_a, grant=grant, on=ago(5))
    a = compute(city.district_a)
    assert a.pairs[PairingKind.ONE_PLUS_ONE] == 1 and a.members_helped == 1
    assert (a.services_due, a.services_done, a.services_on_time, a.services_overdue) == (3, 1, 1, 2)
    assert (a.income_fen, a.granted_fen, a.balance_fen) == (100_000, 25_050, 74_950)
    assert compute(city.root).pair_total == 2
    # As it stood 150 days ago: the old pairing was in force, no money yet.
    then = compute(city.district_a, end=ago(150))
    assert then.pairs[PairingKind.ONE_PLUS_ONE] == 1 and then.balance_fen == 0
    # Money in a period: the income before it is not counted, the balance at its end is.
    recent = compute(city.district_a, start=ago(30), end=TODAY)
    assert (recent.income_fen, recent.granted_fen, recent.balance_fen) == (0, 25_050, 74_950)
    assert compute(city.district_b).balance_fen == 0


def test_skills_training_is_read_from_the_training_classes(city):
    skills = training.training_class(city.district_a, title="家政培训班", kind="skills")
    laid_off = MemberFactory(organisation=city.branch_a, category="laid_off")
    training.trainee(skills, laid_off, laid_off=True, outcome="re_employed")
    f = compute(city.root)
    assert (f.skills_classes, f.laid_off_trained, f.re_employed) == (1, 1, 1)
