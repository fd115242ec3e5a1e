"""The ballots share of seed_demo: a few ballots of each kind, with results.

- 渝中's satisfaction ballot on its leadership team, by members and the public,
  sheets issued per street, most cast online and some keyed in from paper; closed.
- The city's questionnaire to members (seed 000's survey, small): a frame of
  members by district, a stratified random sample with its seed, links; closed,
  so its written answers are opinions now.
- An open ballot with its answers still hidden, and a paper sheet whose two
  keyings disagree, waiting for a third look.
Everything goes through the services, as real use would; casting picks answers
at random with a lean that differs by constituency, so the results page has
something to show.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from pathlib import Path

import xlsxwriter
from django.utils import timezone

from vanguard.ballots import frames, sampling, services
from vanguard.ballots.models import Ballot, Constituency, FrameKind, Kind, Medium, QuestionKind
from vanguard.campaigns.models import Campaign
from vanguard.core.demo import DemoContext, Scale
from vanguard.orgs.models import Organisation

COMMENTS = [
    "学习形式可以更灵活一些",
    "希望多组织到社区服务",
    "整改要抓落实，定期公开进展",
    "领导班子联系群众还不够",
    "建议减少会议，多办实事",
]


def loaded() -> str:
    return "ballots" if Ballot.objects.exists() else ""


def _answers(rng: random.Random, questions: list[dict], lean: float) -> dict:
    """Answers with `lean` the chance of satisfied (the rest split between basically satisfied and dissatisfied)."""
    answers: dict = {}
    for question in questions:
        kind = question["kind"]
        roll = rng.random()
        if kind == QuestionKind.SATISFACTION:
            answers[question["key"]] = (
                "satisfied" if roll < lean else "basically_satisfied" if roll < lean + 0.2 else "dissatisfied"
            )
        elif kind == QuestionKind.SINGLE:
            answers[question["key"]] = str(rng.randrange(len(question["options"])))
        elif kind == QuestionKind.MULTIPLE:
            picked = sorted({str(rng.randrange(len(question["options"]))) for _ in range(2)}, key=int)
            answers[question["key"]] = picked
        elif kind == QuestionKind.RATING:
            answers[question["key"]] = min(question.get("scale", 5), 1 + int(roll * 5 * (0.5 + lean)))
        elif kind == QuestionKind.TEXT and roll < 0.15:
            answers[question["key"]] = rng.choice(COMMENTS)
    return answers


def _cast(ballot: Ballot, codes: list[str], rng: random.Random, lean: float, share: float) -> int:
    cast = 0
    for code in codes:
        if rng.random() < share:
            services.cast(ballot=ballot, code=code, answers=_answers(rng, ballot.questions, lean))
            cast += 1
    return cast


def seed(context: DemoContext, scale: Scale) -> None:
    if scale != "demo":
        return
    rng = random.Random(context.seed + 19)
    today = timezone.localdate()
    campaign = Campaign.objects.order_by("pk").first()
    district = context.organisations["district"]
    city = context.organisations["city"]
    office = context.users.get("office")
    clerk = context.users.get("yuzhong")
    _team_ballot(rng, district, campaign, today, office, clerk)
    _questionnaire(rng, city, campaign, today, office)
    _open_ballot(rng, district, campaign, today, office, clerk)
    context.progress(f"ballots: {Ballot.objects.count()} ballots")


def _window(today: datetime.date) -> dict:
    return {"opens_on": today - datetime.timedelta(days=3), "closes_on": today + datetime.timedelta(days=4)}


def _team_ballot(rng, district, campaign, today, office, clerk) -> None:
    questions = [
        {
            "key": "q1",
            "kind": QuestionKind.SATISFACTION,
            "label": f"对{district.name}领导班子的总体评价",
            "subject": "team",
            "subject_id": district.pk,
            "required": True,
        },
        {"key": "q2", "kind": QuestionKind.SATISFACTION, "label": "对先进性教育活动整改情况的评价"},
    ]
    ballot = services.create_ballot(
        organisation=district,
        actor=None,
        kind=Kind.SATISFACTION,
        title=f"{district.name}领导班子满意度测评",
        questions=questions,
        constituencies=[Constituency.MEMBERS, Constituency.PUBLIC],
        campaign=campaign,
        instructions="请在每个问题的选项中选择一项。测评不记名，投票后代码作废。",
        **_window(today),
    )
    ballot = services.open_ballot(ballot=ballot, actor=None)
    streets = list(Organisation.objects.filter(parent=district).order_by("path")[:4])
    for street in streets:
        members = services.issue_tokens(
            ballot=ballot,
            actor=None,
            count=40,
            medium=Medium.SHEET,
            constituency=Constituency.MEMBERS,
            stratum=street.name,
        )
        public = services.issue_tokens(
            ballot=ballot,
            actor=None,
            count=30,
            medium=Medium.SHEET,
            constituency=Constituency.PUBLIC,
            stratum=street.name,
        )
        _cast(ballot, members[:34], rng, 0.62, 0.9)
        _cast(ballot, public[:24], rng, 0.42, 0.85)
        # Paper sheets keyed in twice by two clerks: agreeing entries count.
        if office is not None and clerk is not None:
            for code in members[34:37]:
                answers = _answers(rng, ballot.questions, 0.6)
                services.key_in_paper(ballot=ballot, actor=office, code=code, answers=answers)
                services.key_in_paper(ballot=ballot, actor=clerk, code=code, answers=answers)
    services.close_ballot(ballot=ballot, actor=None)


def _questionnaire(rng, city, campaign, today, office) -> None:
    questions = [
        {
            "key": "q1",
            "kind": QuestionKind.SATISFACTION,
            "label": "您对本单位先进性教育活动的总体评价",
            "required": True,
        },
        {
            "key": "q2",
            "kind": QuestionKind.SINGLE,
            "label": "您每月参加集中学习的次数",
            "options": ["1次", "2–3次", "4次以上"],
        },
        {
            "key": "q3",
            "kind": QuestionKind.MULTIPLE,
            "label": "您认为效果较好的学习形式",
            "options": ["领导讲", "专家讲", "典型讲", "自己学", "大家议"],
        },
        {"key": "q4", "kind": QuestionKind.RATING, "label": "请为本支部组织生活的质量打分", "scale": 5},
        {"key": "q5", "kind": QuestionKind.TEXT, "label": "您对整改工作的意见和建议"},
    ]
    ballot = services.create_ballot(
        organisation=city,
        actor=None,
        kind=Kind.QUESTIONNAIRE,
        title="党员问卷调查（抽样）",
        questions=questions,
        constituencies=[Constituency.MEMBERS],
        campaign=campaign,
        **_window(today),
    )
    ballot = services.open_ballot(ballot=ballot, actor=None)
    # A frame of members by district, drawn from the roster as an office would export it.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "党员抽样框.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["姓名", "分层", "联系电话"])
        row = 1
        tops = list(Organisation.objects.filter(parent=city).order_by("path")[:5])
        for top in tops:
            for n in range(rng.randrange(60, 120)):
                sheet.write_row(row, 0, [f"{top.name}党员{n + 1:03d}", top.name, f"139{rng.randrange(10**8):08d}"])
                row += 1
        workbook.close()
        frame = frames.import_frame(
            organisation=city,
            actor=None,
            kind=FrameKind.MEMBERS,
            name="党员抽样框（演示）",
            path=path,
            file_name=path.name,
        )
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, total=150, seed=20051)
    codes_by_stratum = {
        stratum: services.issue_tokens(
            ballot=ballot,
            actor=None,
            count=size,
            medium=Medium.LINK,
            constituency=Constituency.MEMBERS,
            stratum=stratum,
        )
        for stratum, size in sample.sizes.items()
    }
    for codes in codes_by_stratum.values():
        _cast(ballot, codes, rng, 0.55 + rng.random() * 0.2, 0.8)
    services.close_ballot(ballot=ballot, actor=office)


def _open_ballot(rng, district, campaign, today, office, clerk) -> None:
    questions = [{"key": "q1", "kind": QuestionKind.SATISFACTION, "label": "对窗口单位服务的评价", "required": True}]
    ballot = services.create_ballot(
        organisation=district,
        actor=None,
        kind=Kind.SATISFACTION,
        title=f"{district.name}窗口单位服务满意度测评（进行中）",
        questions=questions,
        constituencies=[Constituency.SERVICE_USERS],
        campaign=campaign,
        **_window(today),
    )
    ballot = services.open_ballot(ballot=ballot, actor=None)
    codes = services.issue_tokens(
        ballot=ballot, actor=None, count=60, medium=Medium.KIOSK, constituency=Constituency.SERVICE_USERS
    )
    _cast(ballot, codes[:40], rng, 0.7, 0.8)
    if office is not None and clerk is not None:
        services.key_in_paper(ballot=ballot, actor=office, code=codes[50], answers={"q1": "satisfied"})
        services.key_in_paper(ballot=ballot, actor=clerk, code=codes[50], answers={"q1": "dissatisfied"})
