"""The case machine walked from CASE.graph(): every transition goes ahead from its sources and nowhere else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vanguard.appraisals.models import AppraisalResult
from vanguard.ballots.models import Grade
from vanguard.core import audit
from vanguard.core.models import AuditEntry
from vanguard.core.transitions import NotAllowed
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Case, NoticeMethod, Outcome, Registration, RegistrationStatus, Stage
from vanguard.rectification.services import cases
from vanguard.rectification.tests.casework import APPROVAL_OUTCOME, actor_for, context_for, reach, step
from vanguard.rectification.workflows import CASE

ALLOWED = [(name, source) for source, moves in CASE.graph().items() for name, _target in moves]
TARGET = {t.name: t.target for t in CASE.transitions}


@pytest.mark.parametrize(("name", "source"), ALLOWED, ids=[f"{n}-from-{s}" for n, s in ALLOWED])
def test_every_transition_goes_ahead_from_its_sources(city, name, source):
    case = reach(city, source, outcome=APPROVAL_OUTCOME.get(name, Outcome.REMOVAL))
    seals = AuditEntry.objects.filter(object_type="rectification.case", object_id=str(case.pk)).count()
    case = step(city, case, name)
    assert case.stage == TARGET[name]
    assert Case.objects.get(pk=case.pk).stage == TARGET[name]
    entry = audit.history(case).first()
    assert entry.event == CASE.event(name)
    assert entry.changes == {"stage": [source, TARGET[name]]}
    assert entry.data["seal"]["stage"] == TARGET[name]
    assert audit.history(case).count() == seals + 1


@pytest.mark.parametrize("name", [t.name for t in CASE.transitions])
def test_every_transition_is_refused_from_every_other_stage(city, name):
    sources = set(CASE.transition(name).source)
    for stage in [s for s in Stage.values if s not in sources]:
        case = reach(city, stage, member=MemberFactory(organisation=city.branch_a))
        with pytest.raises(NotAllowed) as refused:
            cases.take(case=case, name=name, actor=actor_for(city, name), **context_for(city, case, name))
        assert refused.value.code == "transition_refused"
        assert str(Stage(stage).label) in refused.value.messages[0]
        assert Case.objects.get(pk=case.pk).stage == stage


def test_refused_for_the_wrong_side(city):
    case = reach(city, Stage.OPENED)
    # The branch runs the case; the member concerned, another district and the branch itself for approvals may not.
    for user, name in [
        (city.member_user_a, "start_education"),
        (city.secretary_b, "start_review"),
        (city.supervisor_a, "start_review"),
        (city.branch_secretary_a, "withdraw"),
    ]:
        with pytest.raises(NotAllowed):
            cases.take(case=case, name=name, actor=user, **context_for(city, case, name))
    assert Case.objects.get(pk=case.pk).stage == Stage.OPENED


def test_every_case_transition_needs_a_reason(city):
    case = reach(city, Stage.OPENED)
    with pytest.raises(NotAllowed):
        cases.take(case=case, name="start_review", actor=city.branch_secretary_a, reason="  ")
    assert Case.objects.get(pk=case.pk).stage == Stage.OPENED


def test_branch_opens_a_case(city):
    case = cases.open_case(member=city.member_a, actor=city.branch_secretary_a, reason="长期不参加组织生活")
    entry = audit.history(case).get()
    assert (entry.event, entry.actor, entry.data["reason"]) == (
        "rectification.case.opened",
        city.branch_secretary_a,
        "长期不参加组织生活",
    )
    assert Registration.objects.get(member=city.member_a, year=case.year).case == case
    with pytest.raises(ValidationError):
        cases.open_case(member=city.member_b, actor=city.branch_secretary_a, reason="别的支部")
    with pytest.raises(ValidationError):
        cases.open_case(member=city.member_a, actor=city.member_user_a, reason="自己")


def test_one_open_case_per_member(city):
    case = reach(city, Stage.OPENED)
    with pytest.raises(ValidationError):
        cases.open_case(member=city.member_a, actor=city.branch_secretary_a, reason="再开一个")
    step(city, case, "withdraw")
    again = cases.open_case(member=city.member_a, actor=city.branch_secretary_a, reason="再开一个")
    assert again.pk != case.pk and Case.objects.filter(member=city.member_a).count() == 2


def test_unqualified_result_opens_one_case(city):
    from vanguard.ballots.tests.factories import ballot as make_ballot

    ballot = make_ballot(city.branch_a, open=False)
    result = AppraisalResult.objects.create(
        ballot=ballot,
        member=city.member_a,
        organisation=city.branch_a,
        org_path=city.branch_a.path,
        unqualified=3,
        grade=Grade.UNQUALIFIED,
    )
    case = cases.open_from_result(result, city.branch_secretary_a)
    assert case.appraisal_result == result and case.stage == Stage.OPENED and case.year == ballot.closes_on.year
    assert AppraisalResult.objects.get(pk=result.pk).case_opened
    assert cases.open_from_result(result, None) == case
    assert Case.objects.filter(member=city.member_a).count() == 1
    row = Registration.objects.get(member=city.member_a, year=case.year)
    assert (row.grade, row.status, row.case) == (Grade.UNQUALIFIED, RegistrationStatus.PENDING, case)


def test_no_proposal_before_the_member_is_heard(city):
    case = step(city, reach(city, Stage.REVIEW), "notify")
    with pytest.raises(NotAllowed):
        step(city, case, "propose")
    case = step(city, case, "state_case")
    assert step(city, case, "propose").stage == Stage.PROPOSED


def test_proposal_once_the_statement_window_passed(city):
    import datetime

    case = step(city, reach(city, Stage.REVIEW), "notify")
    # The window passed: the branch may propose without a statement.
    later = case.statement_due + datetime.timedelta(days=1)
    assert (
        cases.take(
            case=case,
            name="propose",
            actor=city.branch_secretary_a,
            today=later,
            reason="逾期未陈述",
            outcome=Outcome.REMOVAL,
        ).stage
        == Stage.PROPOSED
    )


def test_changed_intention_must_be_notified_again(city):
    case = reach(city, Stage.HEARING, outcome=Outcome.REMOVAL)
    with pytest.raises(NotAllowed):
        step(city, case, "propose", outcome=Outcome.PERSUADE_TO_LEAVE)
    case = step(city, case, "notify", outcome=Outcome.PERSUADE_TO_LEAVE, how=NoticeMethod.IN_WRITING)
    assert not case.statement_waived  # a new hearing
    case = step(city, case, "state_case")
    assert step(city, case, "propose").proposed_outcome == Outcome.PERSUADE_TO_LEAVE


def test_registered_needs_the_members_application(city):
    case = reach(city, Stage.REVIEW)
    with pytest.raises(NotAllowed):
        step(city, case, "notify", outcome=Outcome.REGISTERED)


def test_every_decision_names_actor_role_and_reason(city):
    case = reach(city, Stage.REMOVED)
    entries = list(audit.history(case))
    assert len(entries) == 6  # opened, review, notify, waive, propose, approve
    for entry in entries:
        assert entry.actor is not None and entry.actor_role and entry.actor_organisation is not None
        assert entry.data.get("reason")
    decision = entries[0]
    assert decision.event == "rectification.case.approve_removed"
    assert (decision.actor, decision.actor_role, decision.actor_organisation) == (
        city.secretary_a,
        "secretary",
        city.district_a,
    )


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        (Stage.TRANSFORMED, RegistrationStatus.REGISTERED),
        (Stage.REGISTERED, RegistrationStatus.REGISTERED),
        (Stage.CORRECTING, RegistrationStatus.DEFERRED),
        (Stage.PERSUADED, RegistrationStatus.NOT_REGISTERED),
        (Stage.REMOVED, RegistrationStatus.NOT_REGISTERED),
        (Stage.REFERRED, RegistrationStatus.REFERRED),
        (Stage.WITHDRAWN, RegistrationStatus.PENDING),
    ],
)
def test_register_follows_the_outcome(city, stage, status):
    case = reach(city, stage)
    row = Registration.objects.get(member=city.member_a, year=case.year)
    assert (row.status, row.case_id) == (status, case.pk)
    assert (row.decided_at is not None) == (status != RegistrationStatus.PENDING)
