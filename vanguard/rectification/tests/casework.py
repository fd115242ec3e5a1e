"""Cases brought to any stage through the services, for the case tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from vanguard.ballots.models import Grade
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import NoticeMethod, Outcome, Stage
from vanguard.rectification.services import cases
from vanguard.rectification.workflows import APPROVALS

APPROVAL_OUTCOME = {name: outcome for name, _label, outcome, _target, _closes in APPROVALS}
OUTCOME_OF_STAGE = {target: outcome for _name, _label, outcome, target, _closes in APPROVALS}
APPROVAL_OF_OUTCOME = {outcome: name for name, _label, outcome, _target, _closes in APPROVALS}
ABOVE = {"withdraw", "return_proposal", *APPROVAL_OUTCOME}


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def helper_of(city):
    return MemberFactory(organisation=city.branch_a, name="王帮")


def context_for(city, case, name: str) -> dict:
    """A context under which transition `name` goes ahead from a stage it leaves."""
    reason = {"reason": f"理由：{name}"}
    if name == "start_education":
        return {**reason, "helper": helper_of(city), "until": later(30)}
    if name == "extend_education":
        return {**reason, "until": (case.education_until or later(30)) + datetime.timedelta(days=30)}
    if name == "transform":
        return {**reason, "grade": Grade.QUALIFIED}
    if name == "file_application":
        return {"text": "本人申请登记，拥护党的路线。"}
    if name == "notify":
        return {**reason, "outcome": Outcome.REMOVAL, "how": NoticeMethod.IN_PERSON}
    if name == "state_case":
        return {"statement": "我有话说。"}
    if name == "propose":
        return {**reason, "outcome": case.intended_outcome}
    if name in APPROVAL_OUTCOME:
        return {**reason, "until": later(60)}
    return reason


def actor_for(city, name: str):
    return city.secretary_a if name in ABOVE else city.branch_secretary_a


def step(city, case, name: str, **extra):
    return cases.take(case=case, name=name, actor=actor_for(city, name), **{**context_for(city, case, name), **extra})


def _decided(city, case, outcome: str):
    if outcome == Outcome.REGISTERED:
        case = step(city, case, "file_application")
    else:
        case = step(city, case, "start_review")
    case = step(city, case, "notify", outcome=outcome)
    case = step(city, case, "waive_statement")
    case = step(city, case, "propose")
    return case


def reach(city, stage: str, *, member=None, outcome: str = Outcome.REMOVAL):
    """A case of `member` (张甲) at `stage`; a proposal (or hearing) is for `outcome`."""
    member = member or city.member_a
    case = cases.open_case(member=member, actor=city.branch_secretary_a, reason="违反党的纪律")
    if stage == Stage.OPENED:
        return case
    if stage in (Stage.EDUCATION, Stage.REAPPRAISAL, Stage.APPLICATION, Stage.TRANSFORMED):
        case = step(city, case, "start_education")
        if stage == Stage.EDUCATION:
            return case
        case = step(city, case, "end_education")
        if stage == Stage.REAPPRAISAL:
            return case
        return step(city, case, "require_registration" if stage == Stage.APPLICATION else "transform")
    if stage == Stage.WITHDRAWN:
        return step(city, case, "withdraw")
    if stage == Stage.REVIEW:
        return step(city, case, "start_review")
    if stage == Stage.HEARING:
        case = step(city, case, "file_application" if outcome == Outcome.REGISTERED else "start_review")
        case = step(city, case, "notify", outcome=outcome)
        return step(city, case, "waive_statement")
    decided = OUTCOME_OF_STAGE.get(stage)
    case = _decided(city, case, decided or outcome)
    if stage == Stage.PROPOSED:
        return case
    return step(city, case, APPROVAL_OF_OUTCOME[decided])
