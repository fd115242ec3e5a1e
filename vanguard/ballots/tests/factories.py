"""Shared builders for ballot tests: a ballot of a given kind, open, with codes in hand."""

from __future__ import annotations

import datetime

from django.utils import timezone

from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Constituency, Kind, Medium, QuestionKind


def satisfaction_questions(count: int = 1) -> list[dict]:
    return [
        {"key": f"q{n}", "kind": QuestionKind.SATISFACTION, "label": f"对第{n}项工作是否满意", "required": True}
        for n in range(1, count + 1)
    ]


def questionnaire() -> list[dict]:
    return [
        {"key": "q1", "kind": QuestionKind.SATISFACTION, "label": "您对本单位先进性教育活动是否满意"},
        {"key": "q2", "kind": QuestionKind.SINGLE, "label": "您每周学习几次", "options": ["一次", "两次", "三次以上"]},
        {
            "key": "q3",
            "kind": QuestionKind.MULTIPLE,
            "label": "您喜欢的学习形式",
            "options": ["领导讲", "专家讲", "自己学"],
        },
        {"key": "q4", "kind": QuestionKind.RATING, "label": "给学习效果打分", "scale": 5},
        {"key": "q5", "kind": QuestionKind.TEXT, "label": "您的意见和建议"},
    ]


def ballot(
    organisation,
    *,
    questions: list[dict] | None = None,
    kind: str = Kind.SATISFACTION,
    constituencies=(Constituency.MEMBERS, Constituency.PUBLIC),
    open: bool = True,
    actor=None,
    **fields,
) -> Ballot:
    today = timezone.localdate()
    made = services.create_ballot(
        organisation=organisation,
        actor=actor,
        kind=kind,
        title=fields.pop("title", "满意度测评"),
        questions=questions or satisfaction_questions(),
        constituencies=list(constituencies),
        opens_on=fields.pop("opens_on", today),
        closes_on=fields.pop("closes_on", today + datetime.timedelta(days=7)),
        **fields,
    )
    if open:
        made = services.open_ballot(ballot=made, actor=actor)
    return made


def codes(ballot: Ballot, count: int, constituency: str = Constituency.MEMBERS, stratum: str = "") -> list[str]:
    return services.issue_tokens(
        ballot=ballot, actor=None, count=count, medium=Medium.SHEET, constituency=constituency, stratum=stratum
    )


def vote(ballot: Ballot, code: str, **answers):
    return services.cast(ballot=ballot, code=code, answers=answers)
