"""Rectification plans: drawn up by the unit or the member, published to an audience, read by that audience."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.appraisals.models import Audience
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core import audit
from vanguard.core.transitions import NotAllowed
from vanguard.members.factories import MemberFactory
from vanguard.opinions.models import Category
from vanguard.rectification.models import PlanStatus
from vanguard.rectification.services import items, plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def unit_plan(city, campaign, audience=Audience.UNIT):
    plan = plans.create_plan(
        actor=city.branch_secretary_a,
        campaign=campaign,
        organisation=city.branch_a,
        title="整改方案",
        audience=audience,
    )
    items.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )
    return plan


def test_a_plan_is_drawn_up_once_and_published_with_items(city, campaign):
    plan = plans.create_plan(actor=city.branch_secretary_a, campaign=campaign, organisation=city.branch_a, title="方案")
    with pytest.raises(ValidationError):
        plans.create_plan(actor=city.branch_secretary_a, campaign=campaign, organisation=city.branch_a, title="又一个")
    with pytest.raises(ValidationError):
        plans.create_plan(actor=city.secretary_b, campaign=campaign, organisation=city.branch_a2, title="越权")
    with pytest.raises(NotAllowed):
        plans.publish(plan=plan, actor=city.branch_secretary_a)
    items.create_item(actor=city.branch_secretary_a, plan=plan, title="门口积水", category=Category.AT_ONCE)
    plan = plans.publish(plan=plan, actor=city.branch_secretary_a)
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at is not None
    with pytest.raises(NotAllowed):
        plans.unpublish(plan=plan, actor=city.branch_secretary_a, reason="")
    plan = plans.unpublish(plan=plan, actor=city.branch_secretary_a, reason="内容要修改")
    assert plan.status == PlanStatus.DRAFT and plan.published_at is None
    plan = plans.edit_plan(plan=plan, actor=city.branch_secretary_a, title="整改方案（修订）")
    events = list(audit.history(plan).values_list("event", flat=True))
    assert events.count("rectification.plan.edited") == 1 and "rectification.plan.publish" in events


def test_audiences_read_published_plans(city, campaign):
    plan = unit_plan(city, campaign, audience=Audience.UNIT)
    branch_b_user = make_user("mem_b", Role.MEMBER, city.branch_b, member=city.member_b)
    sibling = make_user("mem_a2", Role.MEMBER, city.branch_a2, member=MemberFactory(organisation=city.branch_a2))
    # Staff with a role over the branch read it as a draft; members do not.
    assert plans.may_read(city.secretary_a, plan) and plans.may_read(city.branch_secretary_a, plan)
    assert not plans.may_read(city.member_user_a, plan)
    plans.publish(plan=plan, actor=city.branch_secretary_a)
    assert plans.may_read(city.member_user_a, plan)
    assert not plans.may_read(branch_b_user, plan) and not plans.may_read(sibling, plan)
    plans.edit_plan(plan=plan, actor=city.branch_secretary_a, audience=Audience.PUBLIC)
    assert plans.may_read(branch_b_user, plan) and plans.may_read(sibling, plan)
    # A committee's plan published to its unit reaches the members of its branches.
    committee_plan = plans.create_plan(
        actor=city.secretary_a, campaign=campaign, organisation=city.committee_a, title="党工委方案"
    )
    items.create_item(actor=city.secretary_a, plan=committee_plan, title="x", category=Category.AT_ONCE)
    plans.publish(plan=committee_plan, actor=city.secretary_a)
    assert plans.may_read(sibling, committee_plan) and not plans.may_read(branch_b_user, committee_plan)


def test_member_writes_own_plan(city, campaign):
    plan = plans.create_plan(actor=city.member_user_a, campaign=campaign, member=city.member_a, title="个人整改措施")
    assert plan.organisation == city.branch_a and plan.member == city.member_a
    other = MemberFactory(organisation=city.branch_a)
    with pytest.raises(ValidationError):
        plans.create_plan(actor=city.member_user_a, campaign=campaign, member=other, title="替别人写")
    # The branch may draw up a member's plan too; the member's own is there once.
    with pytest.raises(ValidationError):
        plans.create_plan(actor=city.branch_secretary_a, campaign=campaign, member=city.member_a, title="重复")
    plans.edit_plan(plan=plan, actor=city.member_user_a, text="每周学习一次")
    assert plans.may_read(city.member_user_a, plan)
    assert not plans.may_read(make_user("x", Role.MEMBER, city.branch_a, member=other), plan)


def test_public_code_is_checked(city, campaign):
    code = plans.public_code(campaign, city.branch_a)
    assert plans.parse_public_code(code) == (campaign.pk, city.branch_a.pk)
    forged = f"{campaign.pk}-{city.branch_b.pk}-{code.rsplit('-', 1)[1]}"
    assert plans.parse_public_code(forged) is None and plans.parse_public_code("nonsense") is None
