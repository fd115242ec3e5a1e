"""Every item transition, allowed and refused: by state, by side, and by its guards."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core import audit
from vanguard.core.transitions import NotAllowed
from vanguard.opinions.models import Category
from vanguard.rectification.models import ItemStatus, Timing
from vanguard.rectification.services import items as services
from vanguard.rectification.services import plans
from vanguard.rectification.workflows import ITEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(city):
    campaign = make_campaign(city.root)
    return plans.create_plan(actor=city.branch_secretary_a, campaign=campaign, organisation=city.branch_a, title="方案")


def new_item(city, plan, today, category=Category.DEADLINE, **fields):
    values = {"title": "台账不全", "category": category, "today": today}
    if category != Category.EXPLAIN:
        values["deadline"] = today + datetime.timedelta(days=10)
    return services.create_item(actor=city.branch_secretary_a, plan=plan, **{**values, **fields})


def evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("proof.pdf", b"%PDF-1.4\nproof\n", content_type="application/pdf")


def to_state(city, plan, today, state):
    """An item taken by the services to `state`."""
    if state == ItemStatus.EXPLAINED:
        item = new_item(city, plan, today, category=Category.EXPLAIN)
        return services.explain(item=item, actor=city.branch_secretary_a, explanation="因规划调整，暂不具备条件。")
    item = new_item(city, plan, today)
    if state == ItemStatus.OPEN:
        return item
    if state == ItemStatus.CANCELLED:
        return services.cancel(item=item, actor=city.secretary_a, reason="重复")
    item = services.report_done(item=item, actor=city.branch_secretary_a, text="已完成", file=evidence())
    if state == ItemStatus.DONE:
        return item
    return services.verify(item=item, actor=city.secretary_a)


# The context that satisfies each transition's guards, and who acts (the side that may).
GOOD = {
    "report_done": ("branch_secretary_a", {"text": "已完成", "file": True}),
    "verify": ("secretary_a", {}),
    "return": ("secretary_a", {"reason": "照片不清"}),
    "explain": ("branch_secretary_a", {"explanation": "情况说明"}),
    "extend": ("secretary_a", {"reason": "需协调", "deadline": 40}),
    "cancel": ("secretary_a", {"reason": "重复"}),
    "reopen": ("secretary_a", {"reason": "群众反映仍未解决", "deadline": 40}),
}
# Someone on the other side: the verifier may not do the work's part, the branch may not check its own work.
WRONG_SIDE = {
    "report_done": "member_user_a",
    "verify": "branch_secretary_a",
    "return": "branch_secretary_a",
    "explain": "secretary_b",
    "extend": "branch_secretary_a",
    "cancel": "branch_secretary_a",
    "reopen": "branch_secretary_a",
}


def fields_for(name, today):
    who, values = GOOD[name]
    values = dict(values)
    if values.get("file"):
        values["file"] = evidence()
    if "deadline" in values:
        values["deadline"] = today + datetime.timedelta(days=values["deadline"])
    return who, values


@pytest.mark.parametrize("state", [s.value for s in ItemStatus])
def test_every_item_transition_allowed_and_refused(city, plan, today, state):
    graph = ITEM.graph()
    for transition in ITEM.transitions:
        item = to_state(city, plan, today, state)
        who, values = fields_for(transition.name, today)
        if state not in transition.source:
            with pytest.raises(NotAllowed):
                services.take(item=item, actor=getattr(city, who), transition=transition.name, **values)
            continue
        if transition.name == "explain" and item.category != Category.EXPLAIN:
            # Only a 说明情况 item is explained: refused on a deadline item whatever the side.
            with pytest.raises(NotAllowed):
                services.take(item=item, actor=getattr(city, who), transition="explain", **values)
            item = to_state(city, plan, today, ItemStatus.EXPLAINED)
            item = services.reopen(item=item, actor=city.secretary_a, reason="再议")
        wrong = getattr(city, WRONG_SIDE[transition.name])
        with pytest.raises(NotAllowed):
            services.take(item=item, actor=wrong, transition=transition.name, **fields_for(transition.name, today)[1])
        after = services.take(item=item, actor=getattr(city, who), transition=transition.name, **values)
        assert (transition.name, after.status) in graph[state]
        entry = audit.history(after).first()
        assert entry.event == f"rectification.item.{transition.name}"
        assert entry.actor == getattr(city, who)


def test_done_needs_evidence(city, plan, today):
    item = new_item(city, plan, today)
    with pytest.raises(NotAllowed):
        services.report_done(item=item, actor=city.branch_secretary_a, text="已完成")
    with pytest.raises(NotAllowed):
        services.report_done(item=item, actor=city.branch_secretary_a, text="", file=evidence())
    # A note without a file is no evidence; one with a file is.
    services.add_note(item=item, actor=city.branch_secretary_a, text="开会部署")
    with pytest.raises(NotAllowed):
        services.report_done(item=item, actor=city.branch_secretary_a, text="已完成")
    services.add_note(item=item, actor=city.branch_secretary_a, text="整改照片", file=evidence())
    item = services.report_done(item=item, actor=city.branch_secretary_a, text="已完成")
    assert item.status == ItemStatus.DONE and item.done_by == city.branch_secretary_a


def test_reporter_may_not_verify(city, plan, today):
    item = new_item(city, plan, today)
    # The district secretary is on both sides here: reporting done, they may not also verify.
    item = services.report_done(item=item, actor=city.secretary_a, text="已完成", file=evidence())
    with pytest.raises(NotAllowed) as refused:
        services.verify(item=item, actor=city.secretary_a)
    assert "verify" in str(refused.value) or refused.value.code == "transition_refused"
    item = services.verify(item=item, actor=city.office)
    assert item.status == ItemStatus.CLOSED


def test_explain_needs_category_and_public_text(city, plan, today):
    item = new_item(city, plan, today, category=Category.EXPLAIN)
    assert item.deadline is None
    with pytest.raises(NotAllowed):
        services.explain(item=item, actor=city.branch_secretary_a, explanation="  ")
    item = services.explain(item=item, actor=city.branch_secretary_a, explanation="历史遗留问题，已向上级报告。")
    assert item.status == ItemStatus.EXPLAINED and item.explanation == "历史遗留问题，已向上级报告。"
    deadline_item = new_item(city, plan, today)
    with pytest.raises(NotAllowed):
        services.explain(item=deadline_item, actor=city.branch_secretary_a, explanation="说明")


def test_timing_is_judged_by_the_day_reported_done(city, plan, today):
    item = new_item(city, plan, today, deadline=today + datetime.timedelta(days=1))
    item = services.report_done(item=item, actor=city.branch_secretary_a, text="已完成", file=evidence())
    # Checked late, but the work was reported in time.
    item = services.verify(item=item, actor=city.secretary_a, today=today + datetime.timedelta(days=20))
    assert item.timing == Timing.ON_TIME and item.closed_on == today + datetime.timedelta(days=20)


def test_member_plan_items_are_checked_by_the_branch(city, today):
    campaign = make_campaign(city.root)
    plan = plans.create_plan(actor=city.member_user_a, campaign=campaign, member=city.member_a, title="个人整改")
    item = services.create_item(
        actor=city.member_user_a,
        plan=plan,
        title="学习不够",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=30),
    )
    item = services.report_done(item=item, actor=city.member_user_a, text="读完三本书", file=evidence())
    with pytest.raises(NotAllowed):
        services.verify(item=item, actor=city.member_user_a)
    item = services.verify(item=item, actor=city.branch_secretary_a)
    assert item.status == ItemStatus.CLOSED
