"""The public rectification page /r/<code>/: only listed items, explanations and a plan published to the public."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from vanguard.appraisals.models import Audience
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.opinions.models import Category
from vanguard.rectification.services import items, plans

pytestmark = pytest.mark.django_db


def test_public_page_shows_only_listed_items_and_explanations(client, city, today):
    campaign = make_campaign(city.root)
    plan = plans.create_plan(
        actor=city.branch_secretary_a,
        campaign=campaign,
        organisation=city.branch_a,
        title="甲一支部整改方案",
        text="公开的方案正文",
        audience=Audience.PUBLIC,
    )
    deadline = today + datetime.timedelta(days=9)
    common = {"actor": city.branch_secretary_a, "plan": plan, "category": Category.DEADLINE, "deadline": deadline}
    listed = items.create_item(title="挂牌事项", **common)
    hidden = items.create_item(title="未挂牌事项", **common)
    explained = items.create_item(actor=city.branch_secretary_a, plan=plan, title="说明事项", category=Category.EXPLAIN)
    items.explain(item=explained, actor=city.branch_secretary_a, explanation="受规划限制，已向上级反映")
    items.list_publicly(item=listed, actor=city.office, listed=True)
    member_plan = plans.create_plan(actor=city.member_user_a, campaign=campaign, member=city.member_a, title="个人")
    personal = items.create_item(
        actor=city.member_user_a,
        plan=member_plan,
        title="个人事项",
        **{k: v for k, v in common.items() if k not in ("actor", "plan")},
    )
    items.list_publicly(item=personal, actor=city.office, listed=True)

    url = reverse("rectification_public:page", args=[plans.public_code(campaign, city.branch_a)])
    html = client.get(url).content.decode()
    assert "挂牌事项" in html and "受规划限制，已向上级反映" in html
    assert "未挂牌事项" not in html and hidden.title not in html
    # A member's own items and the plan while in draft are not shown; people are never named.
    assert "个人事项" not in html and "公开的方案正文" not in html and city.member_a.name not in html
    plans.publish(plan=plan, actor=city.branch_secretary_a)
    assert "公开的方案正文" in client.get(url).content.decode()
    plans.edit_plan(plan=plan, actor=city.branch_secretary_a, audience=Audience.UNIT)
    assert "公开的方案正文" not in client.get(url).content.decode()
    # A forged code is a 404.
    forged = plans.public_code(campaign, city.branch_a)[:-1] + "0"
    forged = forged if forged != plans.public_code(campaign, city.branch_a) else forged[:-1] + "1"
    assert client.get(reverse("rectification_public:page", args=[forged])).status_code == 404
