"""A decision is approved by a role above the branch: whoever holds it now, never who proposed it."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from vanguard.accounts.models import RoleAssignment, User
from vanguard.accounts.services import hand_over
from vanguard.core import audit
from vanguard.core.transitions import NotAllowed
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Case, Outcome, Stage
from vanguard.rectification.services import cases
from vanguard.rectification.tests.casework import reach, step


def approve(case, user):
    return cases.take(case=case, name="approve_removed", actor=user, reason="同意除名")


def fresh(user) -> User:
    # A new request: the role cache of the object in hand is not what the next page would see.
    return User.objects.get(pk=user.pk)


def test_only_a_role_above_approves(city):
    case = reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL)
    for user in (city.branch_secretary_a, city.secretary_b, city.supervisor_a, city.member_user_a):
        with pytest.raises(NotAllowed):
            approve(case, user)
    assert Case.objects.get(pk=case.pk).stage == Stage.PROPOSED
    assert approve(case, city.office).stage == Stage.REMOVED


def test_only_the_matching_approval_is_offered(city):
    from vanguard.rectification.workflows import offered_case_transitions

    case = reach(city, Stage.PROPOSED, outcome=Outcome.PERSUADE_TO_LEAVE)
    names = {t.name for t in offered_case_transitions(case, city.secretary_a)}
    assert names == {"approve_persuaded", "return_proposal", "withdraw"}
    assert not {t.name for t in offered_case_transitions(case, city.branch_secretary_a)} & names - {"withdraw"}


def test_successor_in_the_role_approves_a_pending_case_and_the_predecessor_is_refused(city):
    case = reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL)
    successor_member = MemberFactory(organisation=city.committee_a, name="接任书记")
    assignment = RoleAssignment.objects.get(user=city.secretary_a, organisation=city.district_a)
    new_assignment, _first = hand_over(actor=city.office, assignment=assignment, member=successor_member)
    successor = fresh(new_assignment.user)
    with pytest.raises(NotAllowed):
        approve(case, fresh(city.secretary_a))
    decided = approve(case, successor)
    assert (decided.stage, decided.decided_by) == (Stage.REMOVED, successor)
    entry = audit.history(decided).first()
    assert (entry.actor, entry.actor_role, entry.actor_organisation) == (successor, "secretary", city.district_a)


def test_proposer_may_not_approve(city):
    # The district secretary may act for the branch too; having proposed, they may not also approve.
    case = reach(city, Stage.HEARING, outcome=Outcome.REMOVAL)
    case = cases.take(case=case, name="propose", actor=city.secretary_a, reason="拟除名", outcome=Outcome.REMOVAL)
    with pytest.raises(NotAllowed) as refused:
        approve(case, city.secretary_a)
    assert refused.value.messages == [gettext("Who proposed the decision may not also approve it.")]
    assert Case.objects.get(pk=case.pk).stage == Stage.PROPOSED
    assert approve(case, city.office).decided_by == city.office


def test_a_returned_proposal_goes_back_to_review(city):
    case = reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL)
    case = step(city, case, "return_proposal")
    assert (case.stage, case.proposed_outcome, case.proposed_by) == (Stage.REVIEW, "", None)
