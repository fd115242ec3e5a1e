"""Every transition of a problem's workflow from every state, through the services: allowed, refused for the
wrong state, refused for the wrong side, and each guard's reason."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from conftest import make_user
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.core.models import AuditEntry
from vanguard.core.transitions import NotAllowed
from vanguard.opinions import services
from vanguard.opinions.models import Category, Problem, ProblemStatus
from vanguard.opinions.tests.factories import problem_in_state
from vanguard.opinions.workflows import PROBLEM

pytestmark = pytest.mark.django_db

STATES = [ProblemStatus.OPEN, ProblemStatus.FORWARDED, ProblemStatus.REPLIED, ProblemStatus.RECTIFIED]
TRANSITIONS = ["forward", "send_back", "reply", "rectify", "reopen"]


@pytest.fixture
def sides(city):
    """Grouped at 甲二支部 (its secretary: the grouping side only), forwarded to 甲一支部 (the receiving side only)."""
    grouper = make_user("grouper_a2", Role.SECRETARY, city.branch_a2)
    # It sees 甲一支部 (so may forward there) without acting for it.
    RoleAssignment.objects.create(user=grouper, role=Role.SUPERVISOR, organisation=city.branch_a)
    return {"grouping": grouper, "receiving": city.branch_secretary_a}


def _take(name: str, problem: Problem, actor, city, **override) -> Problem:
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    calls = {
        "forward": lambda: services.forward(
            problem=problem,
            actor=actor,
            responsible=override.get("responsible", city.branch_a),
            deadline=override.get("deadline", deadline),
            category=override.get("category", Category.DEADLINE),
        ),
        "send_back": lambda: services.send_back(
            problem=problem, actor=actor, reason=override.get("reason", "不归我们管")
        ),
        "reply": lambda: services.reply(problem=problem, actor=actor, text=override.get("text", "已答复")),
        "rectify": lambda: services.rectify(problem=problem, actor=actor, text=override.get("text", "已整改")),
        "reopen": lambda: services.reopen(problem=problem, actor=actor, reason=override.get("reason", "效果不好")),
    }
    return calls[name]()


SIDE_OF = {
    "forward": "grouping",
    "send_back": "receiving",
    "reply": "receiving",
    "rectify": "receiving",
    "reopen": "grouping",
}


def test_the_declared_graph_is_the_one_tested():
    graph = {state: sorted(moves) for state, moves in PROBLEM.graph().items()}
    assert graph == {
        ProblemStatus.OPEN: [("forward", ProblemStatus.FORWARDED)],
        ProblemStatus.FORWARDED: sorted([("send_back", ProblemStatus.OPEN), ("reply", ProblemStatus.REPLIED)]),
        ProblemStatus.REPLIED: [("rectify", ProblemStatus.RECTIFIED)],
        ProblemStatus.RECTIFIED: [("reopen", ProblemStatus.REPLIED)],
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_from_every_state(city, sides, name, state):
    problem = problem_in_state(city.branch_a2, city.branch_a, state)
    transition = PROBLEM.transition(name)
    actor = sides[SIDE_OF[name]]
    before = AuditEntry.objects.filter(event=PROBLEM.event(name)).count()
    if state in transition.source:
        after = _take(name, problem, actor, city)
        assert after.status == transition.target
        problem.refresh_from_db()
        assert problem.status == transition.target
        entry = AuditEntry.objects.filter(event=PROBLEM.event(name)).latest("seq")
        assert entry.changes == {"status": [state, transition.target]}
        assert entry.actor_id == actor.pk
    else:
        with pytest.raises(NotAllowed) as caught:
            _take(name, problem, actor, city)
        assert caught.value.messages == [PROBLEM.refusal(problem, name)]
        assert str(transition.label) in caught.value.messages[0]
        problem.refresh_from_db()
        assert problem.status == state
        assert AuditEntry.objects.filter(event=PROBLEM.event(name)).count() == before


@pytest.mark.parametrize("name", TRANSITIONS)
def test_the_wrong_side_is_refused(city, sides, name):
    source = PROBLEM.transition(name).source[0]
    problem = problem_in_state(city.branch_a2, city.branch_a, source)
    wrong = sides["receiving" if SIDE_OF[name] == "grouping" else "grouping"]
    with pytest.raises(NotAllowed) as caught:
        _take(name, problem, wrong, city)
    expected = gettext("You do not act for the side that may “%(action)s”.") % {
        "action": PROBLEM.transition(name).label
    }
    assert caught.value.messages == [expected]
    problem.refresh_from_db()
    assert problem.status == source


@pytest.mark.parametrize("name", TRANSITIONS)
def test_another_district_is_refused(city, name):
    source = PROBLEM.transition(name).source[0]
    problem = problem_in_state(city.branch_a2, city.branch_a, source)
    with pytest.raises(ValidationError):
        _take(name, problem, city.secretary_b, city, responsible=city.branch_b)
    problem.refresh_from_db()
    assert problem.status == source


def test_the_offices_above_act_for_both_sides(city):
    problem = problem_in_state(city.branch_a2, city.branch_a, ProblemStatus.OPEN)
    for name in ["forward", "reply", "rectify", "reopen", "rectify"]:
        problem = _take(name, problem, city.secretary_a, city)
    assert problem.status == ProblemStatus.RECTIFIED


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"responsible": None}, "Choose the organisation responsible for this problem."),
        ({"category": "whenever"}, "Choose how it is to be rectified."),
        ({"deadline": None}, "Set a deadline."),
        ({"deadline": datetime.date(2000, 1, 1)}, "The deadline has already passed."),
    ],
)
def test_forward_guards(city, sides, override, message):
    problem = problem_in_state(city.branch_a2, city.branch_a, ProblemStatus.OPEN)
    with pytest.raises(NotAllowed) as caught:
        _take("forward", problem, sides["grouping"], city, **override)
    assert caught.value.messages == [gettext(message)]


def test_forward_outside_the_actors_scope_is_refused(city, sides):
    problem = problem_in_state(city.branch_a2, city.branch_a, ProblemStatus.OPEN)
    with pytest.raises(ValidationError) as caught:
        _take("forward", problem, sides["grouping"], city, responsible=city.branch_b)
    assert "responsible" in caught.value.message_dict
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_a_problem_without_opinions_is_not_forwarded(city):
    problem = problem_in_state(city.branch_a2, city.branch_a, ProblemStatus.OPEN)
    # Its opinions leave through a raw update (a service would delete the emptied problem).
    problem.opinions.update(problem=None)
    with pytest.raises(NotAllowed) as caught:
        _take("forward", problem, None, city)
    assert caught.value.messages == [gettext("A problem with no opinions cannot be forwarded.")]


@pytest.mark.parametrize(
    ("name", "field", "message"),
    [
        ("send_back", "reason", "Say why it is not yours to rectify."),
        ("reply", "text", "Write the reply."),
        ("rectify", "text", "Say what was done."),
        ("reopen", "reason", "Say why the rectification is not enough."),
    ],
)
def test_text_guards(city, sides, name, field, message):
    source = PROBLEM.transition(name).source[0]
    problem = problem_in_state(city.branch_a2, city.branch_a, source)
    with pytest.raises(NotAllowed) as caught:
        _take(name, problem, sides[SIDE_OF[name]], city, **{field: "   "})
    assert caught.value.messages == [gettext(message)]


def test_effects_of_the_transitions(city, sides):
    problem = problem_in_state(city.branch_a2, city.branch_a, ProblemStatus.OPEN)
    problem = _take("forward", problem, sides["grouping"], city)
    assert (problem.responsible, problem.responsible_path) == (city.branch_a, city.branch_a.path)
    assert problem.forwarded_at is not None and problem.category == Category.DEADLINE
    problem = _take("send_back", problem, sides["receiving"], city)
    assert (problem.responsible, problem.responsible_path, problem.forwarded_at) == (None, "", None)
    problem = _take("forward", problem, sides["grouping"], city)
    problem = _take("reply", problem, sides["receiving"], city, text="  答复  ")
    assert problem.reply == "答复" and problem.replied_at is not None
    problem = _take("rectify", problem, sides["receiving"], city, text="做了")
    assert problem.rectification == "做了" and problem.rectified_at is not None
    problem = _take("reopen", problem, sides["grouping"], city)
    assert problem.rectified_at is None and problem.status == ProblemStatus.REPLIED
