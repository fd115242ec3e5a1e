"""The share of seed_demo for commitments (demo scale only; the city scale has no commitments).

Through the services (audited): the office draws up the leading cadres' "十项承诺" template; a leading cadre of
the demo district takes up three of its items, published to the public, and readers have rated them; the demo
member writes their own commitment and publishes it to the branch; other members of the demo branch commit, some
still drafts. The demo campaign is running, so no commitment has the branch's verdict yet: that comes at its end.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from vanguard.campaigns.models import Campaign
from vanguard.commitments import services
from vanguard.commitments.models import Audience, Commitment, TemplateFor, Verdict
from vanguard.core import tree
from vanguard.core.demo import DemoContext, Scale
from vanguard.members.models import Category, Member

TEN = [
    "带头学习党的理论，每月参加中心组学习",
    "带头深入基层，每月到联系点调研不少于两次",
    "带头解决群众反映的突出问题",
    "带头廉洁自律，不收受礼品礼金",
    "带头执行民主集中制",
    "带头开展批评与自我批评",
    "带头落实整改措施，按期公示进展",
    "带头讲党课",
    "带头联系困难党员和群众",
    "带头遵守各项规章制度",
]
MEMBER_TEXTS = [
    "每周自学党章一章，按时参加支部学习",
    "结对帮扶一户困难群众",
    "在岗位上做到服务零投诉",
    "带头参加社区志愿服务",
    "按时足额交纳党费",
]


def loaded() -> str:
    return "commitments" if Commitment.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    campaign = Campaign.objects.order_by("pk").first()
    office, secretary = context.users.get("office"), context.users.get("branch")
    if scale == "city" or campaign is None or office is None or secretary is None:
        return
    today = timezone.localdate()
    window = {"published_from": today - datetime.timedelta(days=3), "published_until": today + datetime.timedelta(30)}
    template = services.create_template(
        actor=office, campaign=campaign, name="领导干部十项承诺", meant_for=TemplateFor.LEADERS, items=TEN
    )
    district = context.organisations["district"]
    leader = (
        Member.objects.filter(tree.subtree_q("org_path", district.path), category=Category.LEADER)
        .order_by("pk")
        .first()
    )
    rng = random.Random(context.seed)
    if leader is not None:
        for index in (0, 2, 7):
            made = services.make_commitment(
                actor=office, campaign=campaign, member=leader, template=template, item_index=index
            )
            made = services.publish(commitment=made, actor=office, audience=Audience.PUBLIC, **window)
            for _ in range(rng.randint(3, 9)):
                services.rate_publicly(commitment=made, verdict=rng.choice([Verdict.KEPT] * 4 + [Verdict.PARTLY]))
    member_user = context.users.get("member")
    if member_user is not None and getattr(member_user, "member", None) is not None:
        own = services.make_commitment(
            actor=member_user, campaign=campaign, member=member_user.member, text="每周自学党章一章，按时参加支部学习"
        )
        services.publish(commitment=own, actor=member_user, audience=Audience.BRANCH, **window)
    branch = context.organisations["branch"]
    others = Member.objects.filter(organisation=branch).exclude(pk=getattr(member_user, "member_id", None))
    for number, member in enumerate(others.order_by("pk")[:8]):
        made = services.make_commitment(
            actor=secretary, campaign=campaign, member=member, text=MEMBER_TEXTS[number % len(MEMBER_TEXTS)]
        )
        if number % 3 != 2:  # every third stays a draft
            services.publish(commitment=made, actor=secretary, audience=Audience.PUBLIC, **window)
    context.progress(f"commitments: {Commitment.objects.count()} commitments, 1 template")
