"""The appraisals share of seed_demo: one branch's phase 2 and a district's look-back and screening, with results.

In the demo branch every member writes a self-analysis, the branch publishes
them and rates them by ballot (a few fall below the threshold and go back for
a rewrite), and the branch meeting's peer appraisal leaves one member
不合格 (a case to open).  In 渝中, representatives rate its units at 回头看 (one
unit is ordered remedial work), the district assesses its streets, and a
screening ranks them.  All through the services, as real use would.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from vanguard.appraisals import analysis, lookback, peer, screening
from vanguard.appraisals.models import Audience, SelfAnalysis
from vanguard.ballots import services as ballots
from vanguard.ballots.models import Ballot, Constituency, Grade, Medium, Satisfaction
from vanguard.campaigns.models import Campaign, Unit
from vanguard.core.demo import DemoContext, Scale
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

TEXT = (
    "对照党章和先进性具体要求，我在理论学习上还不够系统，联系群众还不够经常，"
    "工作中有时满足于完成任务。今后要做到：一是坚持每周学习；二是每月走访群众；三是把整改落实到岗位上。"
)


def loaded() -> str:
    return "self-analyses" if SelfAnalysis.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale != "demo":
        return
    campaign = Campaign.objects.order_by("pk").first()
    if campaign is None:
        return
    rng = random.Random(context.seed + 23)
    today = timezone.localdate()
    window = {"opens_on": today - datetime.timedelta(days=2), "closes_on": today + datetime.timedelta(days=5)}
    branch = context.organisations["branch"]
    secretary = context.users.get("branch")
    yuzhong = context.users.get("yuzhong")
    members = list(Member.objects.filter(organisation=branch).order_by("pk")[:12])
    if secretary is not None and members and analysis.branch_campaigns(branch).filter(pk=campaign.pk).exists():
        _self_analyses(rng, campaign, branch, secretary, members, today, window)
        _peer(rng, campaign, branch, secretary, window)
    district = context.organisations["district"]
    if yuzhong is not None and Unit.objects.filter(campaign=campaign, organisation=district).exists():
        _lookback(rng, campaign, district, yuzhong, window)
        _screening(rng, campaign, district, yuzhong)
    context.progress(
        f"appraisals: {SelfAnalysis.objects.count()} self-analyses, "
        f"{Ballot.objects.filter(kind__in=['peer_appraisal', 'lookback']).count()} peer and look-back ballots"
    )


def _vote_all(ballot: Ballot, constituency: str, count: int, choose) -> None:
    ballot = ballots.open_ballot(ballot=ballot, actor=None) if ballot.status == "draft" else ballot
    for code in ballots.issue_tokens(
        ballot=ballot, actor=None, count=count, medium=Medium.SHEET, constituency=constituency
    ):
        ballots.cast(ballot=ballot, code=code, answers={q["key"]: choose(q) for q in ballot.questions})
    ballots.close_ballot(ballot=ballot, actor=None)


def _self_analyses(rng, campaign, branch, secretary, members, today, window) -> None:
    for member in members:
        analysis.write_version(campaign=campaign, member=member, actor=secretary, text=f"{member.name}：{TEXT}")
    for item in SelfAnalysis.objects.filter(campaign=campaign, organisation=branch):
        analysis.publish(
            analysis=item,
            actor=secretary,
            audience=Audience.BRANCH,
            published_from=today - datetime.timedelta(days=3),
            published_until=today + datetime.timedelta(days=4),
        )
    ballot = analysis.create_rating_ballot(campaign=campaign, organisation=branch, actor=secretary, **window)
    # Two members' self-analyses are judged thin: mostly dissatisfied.
    weak = {q["key"] for q in ballot.questions[:2]}

    def choose(question):
        lean = 0.25 if question["key"] in weak else 0.75
        roll = rng.random()
        return (
            Satisfaction.SATISFIED
            if roll < lean
            else Satisfaction.BASICALLY
            if roll < lean + 0.1
            else Satisfaction.DISSATISFIED
        )

    _vote_all(ballot, Constituency.MEMBERS, 15, choose)


def _peer(rng, campaign, branch, secretary, window) -> None:
    ballot = peer.start_peer_appraisal(branch=branch, actor=secretary, campaign=campaign, **window)
    poor = ballot.questions[-1]["key"]

    def choose(question):
        if question["key"] == poor:
            return Grade.UNQUALIFIED if rng.random() < 0.7 else Grade.BASICALLY
        return rng.choice([Grade.EXCELLENT, Grade.QUALIFIED, Grade.QUALIFIED, Grade.QUALIFIED])

    _vote_all(ballot, Constituency.MEMBERS, 14, choose)


def _lookback(rng, campaign, district, actor, window) -> None:
    ballot = lookback.start_lookback(
        organisation=district,
        campaign=campaign,
        actor=actor,
        reach="children",
        constituencies=[Constituency.REPRESENTATIVES],
        **window,
    )
    unhappy = ballot.questions[-1]["key"]

    def choose(question):
        lean = 0.2 if question["key"] == unhappy else 0.7
        roll = rng.random()
        return (
            Satisfaction.SATISFIED
            if roll < lean
            else Satisfaction.BASICALLY
            if roll < lean + 0.15
            else Satisfaction.DISSATISFIED
        )

    _vote_all(ballot, Constituency.REPRESENTATIVES, 30, choose)


def _screening(rng, campaign, district, actor) -> None:
    streets = list(Organisation.objects.filter(parent=district).order_by("path"))
    for street in streets:
        if screening.in_campaign(campaign, street):
            screening.record_assessment(
                campaign=campaign, organisation=street, actor=actor, score=rng.randrange(55, 96), note="年度考核"
            )
    if streets:
        screening.run_screening(campaign=campaign, organisation=district, level=streets[0].kind, actor=actor)
