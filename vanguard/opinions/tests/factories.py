"""Shared builders for opinions tests: opinions entered by the system and a problem walked to a given state."""

from __future__ import annotations

import datetime

from django.utils import timezone

from vanguard.opinions import services
from vanguard.opinions.models import Category, Channel, Direction, Opinion, Problem, ProblemStatus, SourceGroup


def row(text: str = "窗口办事排队时间太长", **fields) -> services.OpinionInput:
    values = {
        "text": text,
        "direction": Direction.PUBLIC_OFFICIAL,
        "source_group": SourceGroup.PUBLIC,
        "channel": Channel.FORUM,
        "received_on": timezone.localdate() - datetime.timedelta(days=3),
    }
    values.update(fields)
    return services.OpinionInput(**values)


def opinions(organisation, texts=("窗口办事排队时间太长",), **fields) -> list[Opinion]:
    return services.enter_opinions(organisation=organisation, actor=None, rows=[row(t, **fields) for t in texts])


def problem_in_state(
    organisation,
    responsible,
    state: str,
    *,
    texts=("窗口办事排队时间太长", "办事要排很久的队"),
    deadline_days: int = 10,
) -> Problem:
    """A problem grouped at `organisation`, taken by the system as far as `state`."""
    items = opinions(organisation, texts)
    problem = services.group_opinions(
        organisation=organisation, actor=None, opinion_ids=[o.pk for o in items], title="办事排队时间长"
    )
    order = [ProblemStatus.OPEN, ProblemStatus.FORWARDED, ProblemStatus.REPLIED, ProblemStatus.RECTIFIED]
    if order.index(state) >= 1:
        problem = services.forward(
            problem=problem,
            actor=None,
            responsible=responsible,
            deadline=timezone.localdate() + datetime.timedelta(days=deadline_days),
            category=Category.DEADLINE,
        )
    if order.index(state) >= 2:
        problem = services.reply(problem=problem, actor=None, text="已增设窗口，下月起错峰办理。")
    if order.index(state) >= 3:
        problem = services.rectify(problem=problem, actor=None, text="增设两个窗口，平均等候降到10分钟。")
    return problem
