"""Cases driven through random sequences of CASE transitions by every kind of actor, invariants checked each step.

A small model of who acts for which side and what each guard asks predicts whether a step goes ahead; the
service's answer must agree, a refusal must leave no trace and an acceptance exactly one sealed entry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.accounts.services import hand_over
from vanguard.ballots.models import Grade
from vanguard.core import audit
from vanguard.core.models import AuditEntry
from vanguard.core.transitions import NotAllowed
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rectification.case_views import history_rows
from vanguard.rectification.events import CASE_OPENED
from vanguard.rectification.models import OPEN_STAGES, Case, NoticeMethod, Outcome, Registration, Stage
from vanguard.rectification.services import cases
from vanguard.rectification.services.cases import REGISTRATION_OF_STAGE
from vanguard.rectification.workflows import APPROVALS, CASE

NAMES = [t.name for t in CASE.transitions]
APPROVAL_OUTCOME = {name: outcome for name, _label, outcome, _target, _closes in APPROVALS}
# Who may take each transition, by the side its `may` names.
BRANCH, ABOVE, MEMBER_OR_BRANCH = "branch", "above", "member_or_branch"
SIDE = {
    **dict.fromkeys(NAMES, BRANCH),
    **dict.fromkeys([*APPROVAL_OUTCOME, "return_proposal", "withdraw"], ABOVE),
    "file_application": MEMBER_OR_BRANCH,
    "state_case": MEMBER_OR_BRANCH,
}
# The free text each transition cannot go without.
REQUIRED_TEXT = {**dict.fromkeys(NAMES, "reason"), "file_application": "text", "state_case": "statement"}


@dataclass
class Actor:
    user_id: int
    branch: bool  # holds CHANGE over the case's branch
    above: bool  # holds CHANGE over the organisation above the branch
    role: str = ""
    organisation_id: int | None = None
    member_id: int | None = None


@dataclass
class World:
    """What stays across examples: the city and the members cases are opened on (rolled back with the test)."""

    branch_id: int
    subjects: list[int]  # members a case may be opened on (the first has their own account)
    helper_id: int
    outsider_helper_id: int
    actors: dict[str, Actor]
    district_assignment_id: int
    committee_id: int
    office_id: int


def later(days: int, today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=days)


def row_of(case_id: int) -> dict:
    return model_to_dict(Case.objects.get(pk=case_id))


class CaseMachine(RuleBasedStateMachine):
    world: World  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        # One savepoint per example: everything it did is undone in teardown, so examples do not see each other.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.actors = dict(self.world.actors)
        self.handed_over = False
        self.changed = True
        self.case_ids: list[int] = []
        # case id -> [(event, stage after, reason)], the accepted steps as the trail should tell them
        self.story: dict[int, list[tuple[str, str | None, str]]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------------------------------------ opening

    def _open(self, member_id: int, actor: Actor) -> None:
        member = Member.objects.get(pk=member_id)
        has_open = Case.objects.filter(member_id=member_id, stage__in=OPEN_STAGES).exists()
        entries = AuditEntry.objects.count()
        try:
            case = cases.open_case(member=member, actor=User.objects.get(pk=actor.user_id), reason="违反党的纪律")
        except ValidationError:
            assert has_open or not actor.branch, "the branch (or above) opens a case on a member with none open"
            assert AuditEntry.objects.count() == entries
            return
        assert actor.branch and not has_open
        self.case_ids.append(case.pk)
        self.story[case.pk] = [(CASE_OPENED, None, "违反党的纪律")]
        self.changed = True

    @initialize()
    def open_first_case(self) -> None:
        self._open(self.world.subjects[0], self.actors["branch_secretary"])

    @precondition(lambda self: Case.objects.filter(pk__in=self.case_ids, stage__in=OPEN_STAGES).count() < 2)
    @rule(data=st.data())
    def open_a_case(self, data: st.DataObject) -> None:
        member_id = data.draw(st.sampled_from(self.world.subjects), label="member")
        who = data.draw(st.sampled_from(sorted(self.actors)), label="opened by")
        self._open(member_id, self.actors[who])

    # ------------------------------------------------------------------------------------------------ hand-over

    @precondition(lambda self: not self.handed_over)
    @rule()
    def hand_over_the_district(self) -> None:
        """The district secretary hands the role to a successor: pending approvals are theirs, no longer his."""
        assignment = RoleAssignment.objects.get(pk=self.world.district_assignment_id)
        successor = MemberFactory(organisation=Organisation.objects.get(pk=self.world.committee_id), name="接任书记")
        office = User.objects.get(pk=self.world.office_id)
        new, _first = hand_over(actor=office, assignment=assignment, member=successor)
        former = self.actors["district_secretary"]
        self.actors["former_district_secretary"] = Actor(former.user_id, branch=False, above=False)
        self.actors["district_secretary"] = Actor(
            new.user_id, branch=True, above=True, role=Role.SECRETARY, organisation_id=former.organisation_id
        )
        self.handed_over = True
        self.changed = True

    # ------------------------------------------------------------------------------------------------ steps

    def _context(self, data: st.DataObject, case: Case, name: str, today: datetime.date | None) -> dict:
        draw = data.draw
        context: dict = {"reason": f"理由：{name}"}
        if name == "start_education":
            helper = draw(st.sampled_from([self.world.helper_id, self.world.helper_id, self.world.outsider_helper_id]))
            context |= {"helper": Member.objects.get(pk=helper), "until": later(30, today)}
        elif name == "extend_education":
            context["until"] = (case.education_until or later(30, today)) + datetime.timedelta(days=30)
        elif name == "transform":
            context["grade"] = draw(st.sampled_from(Grade.values), label="grade")
        elif name == "file_application":
            context = {"text": "本人申请登记，拥护党的路线。"}
        elif name == "notify":
            context |= {
                "outcome": draw(st.sampled_from(Outcome.values), label="outcome"),
                "how": draw(st.sampled_from(NoticeMethod.values), label="how"),
            }
        elif name == "state_case":
            context = {"statement": "我有话说。"}
        elif name == "propose":
            told = case.intended_outcome or Outcome.REMOVAL
            context["outcome"] = draw(st.sampled_from([told] * 5 + Outcome.values), label="proposed")
        elif name in APPROVAL_OUTCOME:
            context["until"] = later(60, today)
        if draw(st.integers(0, 7), label="leave out the text it needs") == 0:
            context[REQUIRED_TEXT[name]] = "  "
        return context

    @staticmethod
    def _on_side(case: Case, name: str, actor: Actor) -> bool:
        is_member = actor.member_id is not None and actor.member_id == case.member_id
        return {BRANCH: actor.branch, ABOVE: actor.above, MEMBER_OR_BRANCH: actor.branch or is_member}[SIDE[name]]

    def _predicted(self, case: Case, name: str, actor: Actor, context: dict, today: datetime.date) -> bool:
        """Whether the step should go ahead: our own reading of DOMAIN §5.3, not the workflow's code."""
        t = CASE.transition(name)
        if case.stage not in t.source:
            return False
        if not self._on_side(case, name, actor):
            return False
        if not str(context.get(REQUIRED_TEXT[name]) or "").strip():
            return False
        if name == "start_education":
            return context["helper"].pk == self.world.helper_id
        if name == "transform":
            return context["grade"] in (Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASICALLY)
        if name == "notify":
            return context["outcome"] != Outcome.REGISTERED or bool(case.application_text)
        if name == "propose":
            heard = case.statement or case.statement_waived or (case.statement_due and today > case.statement_due)
            return bool(heard) and context["outcome"] == case.intended_outcome
        if name in APPROVAL_OUTCOME:
            return case.proposed_outcome == APPROVAL_OUTCOME[name] and case.proposed_by_id != actor.user_id
        return True

    @rule(data=st.data())
    def take_a_step(self, data: st.DataObject) -> None:
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        case = Case.objects.get(pk=case_id)
        offered = [t.name for t in CASE.transitions if case.stage in t.source]
        # Mostly what the stage offers, by someone on the side that takes it: else random walks end early.
        aimed = data.draw(st.integers(0, 3), label="aimed") > 0
        # Withdrawing ends a case from any stage; offered as often as the rest, it would end most walks early.
        # At a proposal only the approval of what was proposed can go ahead (as offered_case_transitions shows).
        ahead = [
            name
            for name in offered
            if name != "withdraw" and APPROVAL_OUTCOME.get(name, case.proposed_outcome) == case.proposed_outcome
        ] or offered
        name = data.draw(st.sampled_from(ahead if ahead and aimed else NAMES), label="transition")
        fitting = sorted(who for who, actor in self.actors.items() if self._on_side(case, name, actor))
        who = data.draw(st.sampled_from(fitting if fitting and aimed else sorted(self.actors)), label="actor")
        actor = self.actors[who]
        today = None
        if case.statement_due and data.draw(st.booleans(), label="after the statement window"):
            today = case.statement_due + datetime.timedelta(days=1)
        context = self._context(data, case, name, today)
        expected = self._predicted(case, name, actor, context, today or timezone.localdate())

        before, entries = row_of(case_id), AuditEntry.objects.count()
        seals = audit.history(case).count()
        user = User.objects.get(pk=actor.user_id)  # a fresh request: no role cache from before a hand-over
        try:
            taken = cases.take(case=case, name=name, actor=user, today=today, **context)
        except NotAllowed as refused:
            assert not expected, f"{name} by {who} from {case.stage} was refused: {refused.messages}"
            assert refused.code == "transition_refused"
            assert row_of(case_id) == before, "a refused step changed the case"
            assert AuditEntry.objects.count() == entries, "a refused step wrote to the trail"
            return
        assert expected, f"{name} by {who} from {case.stage} went ahead"
        event(f"accepted {name}")
        self._check_accepted(case, taken, name, actor, context, seals, today or timezone.localdate())

    def _check_accepted(self, case, taken, name, actor, context, seals, today) -> None:
        t = CASE.transition(name)
        assert case.stage in OPEN_STAGES, "a closed case accepted a step"
        stored = Case.objects.get(pk=case.pk)
        assert taken.stage == stored.stage == t.target
        assert audit.history(case).count() == seals + 1
        entry = audit.history(case).order_by("-seq").first()
        assert entry.event == CASE.event(name)
        assert entry.changes == {"stage": [case.stage, t.target]}
        assert entry.actor_id == actor.user_id
        assert (entry.actor_role, entry.actor_organisation_id) == (actor.role, actor.organisation_id)
        assert entry.data["seal"]["stage"] == t.target
        reason = context.get("reason", "").strip()
        if REQUIRED_TEXT[name] == "reason":
            assert entry.data["reason"] == reason
        if name == "propose":
            # Told, then heard (statement, waiver or the window passed), and proposing what the member was told.
            assert case.notified_at is not None
            assert case.statement or case.statement_waived or today > case.statement_due
            assert stored.proposed_outcome == case.intended_outcome
            assert stored.proposed_by_id == actor.user_id
        if name in APPROVAL_OUTCOME:
            assert case.proposed_by_id != actor.user_id, "the proposer approved their own proposal"
            assert stored.outcome == case.proposed_outcome and stored.decided_by_id == actor.user_id
        assert stored.is_open == (t.target in OPEN_STAGES)
        self.story[case.pk].append((CASE.event(name), t.target, reason))
        self.changed = True

    # ------------------------------------------------------------------------------------------------ invariants

    @invariant()
    def nothing_went_astray(self) -> None:
        """After every step that wrote something (a refused one is checked where it is taken: nothing moved)."""
        if not self.changed:
            return
        self.changed = False
        for case_id, story in self.story.items():
            case = Case.objects.get(pk=case_id)
            # The trail's story of the case is the accepted steps in order, and so is the history page's.
            events = list(audit.history(case).order_by("seq").values_list("event", flat=True))
            assert events == [event for event, _stage, _reason in story]
            rows = history_rows(case)
            assert [row["to"] for row in rows] == [Stage(stage).label if stage else "" for _e, stage, _r in story]
            assert [row["reason"] for row in rows] == [reason for _e, _s, reason in story]
            assert case.stage == next((stage for _e, stage, _r in reversed(story) if stage), Stage.OPENED)
            # The register line follows a decided case.
            status = REGISTRATION_OF_STAGE.get(case.stage)
            row = Registration.objects.get(member_id=case.member_id, year=case.year)
            if status is not None and row.case_id == case.pk:
                assert row.status == status
        for member_id in self.world.subjects:
            assert Case.objects.filter(member_id=member_id, stage__in=OPEN_STAGES).count() <= 1
        broken, _count, _head = audit.verify()
        assert broken is None, broken
        assert not audit.run_checks()


@pytest.mark.django_db
def test_cases_under_random_steps(city):
    plain = MemberFactory(organisation=city.branch_a, name="赵平")
    plain_user = make_user("plain_a", Role.MEMBER, city.branch_a, member=plain)
    helper = MemberFactory(organisation=city.branch_a, name="王帮")
    outsider = MemberFactory(organisation=city.branch_b, name="钱外")
    other = MemberFactory(organisation=city.branch_a, name="孙丙")
    branch: Organisation = city.branch_a
    CaseMachine.world = World(
        branch_id=branch.pk,
        subjects=[city.member_a.pk, other.pk],
        helper_id=helper.pk,
        outsider_helper_id=outsider.pk,
        district_assignment_id=RoleAssignment.objects.get(user=city.secretary_a, organisation=city.district_a).pk,
        committee_id=city.committee_a.pk,
        office_id=city.office.pk,
        actors={
            "branch_secretary": Actor(
                city.branch_secretary_a.pk, branch=True, above=False, role=Role.SECRETARY, organisation_id=branch.pk
            ),
            "district_secretary": Actor(
                city.secretary_a.pk, branch=True, above=True, role=Role.SECRETARY, organisation_id=city.district_a.pk
            ),
            "office": Actor(city.office.pk, branch=True, above=True, role=Role.ADMIN, organisation_id=city.root.pk),
            "member_concerned": Actor(
                city.member_user_a.pk,
                branch=False,
                above=False,
                role=Role.MEMBER,
                organisation_id=branch.pk,
                member_id=city.member_a.pk,
            ),
            "plain_member": Actor(plain_user.pk, branch=False, above=False, member_id=plain.pk),
            "supervisor": Actor(city.supervisor_a.pk, branch=False, above=False),
            "stranger": Actor(city.secretary_b.pk, branch=False, above=False),
        },
    )
    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
