"""Peer appraisal (民主评议): the counting rule at its boundaries, results per member on close, the 不合格 hook once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.appraisals import hooks, peer
from vanguard.appraisals.campaign_rules import update_rules
from vanguard.appraisals.models import AppraisalResult
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot, Constituency, Grade, Kind, Medium, QuestionKind, Status, Subject
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASICALLY, Grade.UNQUALIFIED
HALF = Decimal("0.5")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 不合格: more than half of the valid ballots; exactly half is not more than half.
        ({U: 5, E: 5}, B),  # 5 of 10 unqualified: not carried; 5 E vs 5 (U as B) tie -> lower
        ({U: 6, E: 4}, U),  # one over half
        ({U: 3, Q: 3}, B),  # exactly half (odd share of an even count): not unqualified, tie -> lower grade
        ({U: 4, Q: 3}, U),  # 4 of 7 > 3.5
        ({U: 1}, U),
        # Plurality of the other grades, ties to the lower grade.
        ({E: 4, Q: 3, B: 2}, E),
        ({E: 3, Q: 3}, Q),
        ({E: 3, Q: 3, B: 3}, B),
        ({E: 3, Q: 1, B: 1, U: 2}, B),  # unqualified votes that did not carry count as 基本合格: 3 vs 3 -> lower
        ({E: 4, Q: 1, B: 1, U: 2}, E),
        ({Q: 1}, Q),
        ({}, ""),  # nobody graded the member
    ],
)
def test_grade_rule(counts, expected):
    assert peer.grade_of(counts, unqualified_share=HALF) == expected


def test_grade_rule_follows_the_campaigns_share():
    # One third: 4 of 10 is more than a third.
    assert peer.grade_of({U: 4, E: 6}, unqualified_share=Decimal("0.333")) == U
    assert peer.grade_of({U: 3, E: 7}, unqualified_share=Decimal("0.333")) == E
    # A share of 1 can never be exceeded: nobody is unqualified by ballot alone.
    assert peer.grade_of({U: 10}, unqualified_share=Decimal("1")) == B


@pytest.fixture
def branch(city):
    # The branch's roll: member_a (张甲) and two more.
    MemberFactory(organisation=city.branch_a, name="王丙")
    MemberFactory(organisation=city.branch_a, name="赵丁")
    return city.branch_a


def start(branch, actor, **kw):
    today = timezone.localdate()
    return peer.start_peer_appraisal(
        branch=branch, actor=actor, opens_on=today, closes_on=today + datetime.timedelta(days=3), **kw
    )


def test_one_grade_question_per_member_of_the_branch(city, branch):
    ballot = start(branch, city.branch_secretary_a)
    assert ballot.kind == Kind.PEER_APPRAISAL and ballot.status == Status.DRAFT
    assert ballot.constituencies == [Constituency.MEMBERS]
    members = peer.members_to_appraise(branch)
    assert [q["label"] for q in ballot.questions] == [m.name for m in members]
    assert {q["subject_id"] for q in ballot.questions} == {m.pk for m in members}
    assert all(q["kind"] == QuestionKind.GRADE and q["subject"] == Subject.MEMBER for q in ballot.questions)
    assert city.member_b.pk not in {q["subject_id"] for q in ballot.questions}


def test_only_a_branch_in_scope_starts_one(city, branch):
    with pytest.raises(ValidationError) as refused:
        start(city.branch_b, city.branch_secretary_a)
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError) as refused:
        start(city.committee_a, city.secretary_a)
    assert refused.value.code == "not_branch"
    assert not Ballot.objects.filter(kind=Kind.PEER_APPRAISAL).exists()


def vote_and_close(ballot, papers: list[dict], actor=None):
    ballot = ballot_services.open_ballot(ballot=ballot, actor=actor)
    codes = ballot_services.issue_tokens(
        ballot=ballot, actor=actor, count=len(papers), medium=Medium.SHEET, constituency=Constituency.MEMBERS
    )
    for code, answers in zip(codes, papers, strict=True):
        ballot_services.cast(ballot=ballot, code=code, answers=answers)
    return ballot_services.close_ballot(ballot=ballot, actor=actor)


@pytest.fixture(autouse=True)
def own_handlers_only():
    """Appraisals' tests see only the handlers they register (casework's is set aside), and the rest comes back."""
    saved = list(hooks._unqualified_handlers)
    hooks._unqualified_handlers.clear()
    yield
    hooks._unqualified_handlers[:] = saved


@pytest.fixture
def handled():
    calls = []

    def handler(result, actor):
        calls.append((result.member_id, result.grade, actor))

    hooks.register_unqualified_handler(handler)
    yield calls
    hooks.unregister_unqualified_handler(handler)


def test_closing_records_results_per_member_and_calls_the_hook_once(city, branch, handled):
    ballot = start(branch, city.branch_secretary_a)
    keys = {q["label"]: q["key"] for q in ballot.questions}
    zhang, wang, zhao = keys["张甲"], keys["王丙"], keys["赵丁"]
    papers = [
        {zhang: U, wang: E, zhao: U},
        {zhang: U, wang: E, zhao: U},
        {zhang: U, wang: Q, zhao: E},
        {zhang: E, wang: Q, zhao: E},
        {wang: B},  # a blank for 张甲 and 赵丁 is no vote for them
    ]
    ballot = vote_and_close(ballot, papers, actor=city.branch_secretary_a)
    results = {r.member.name: r for r in peer.results_of(ballot)}
    assert set(results) == {"张甲", "王丙", "赵丁"}
    z = results["张甲"]
    assert (z.excellent, z.qualified, z.basically_qualified, z.unqualified, z.grade) == (1, 0, 0, 3, U)
    w = results["王丙"]
    assert (w.excellent, w.qualified, w.basically_qualified, w.unqualified, w.grade) == (2, 2, 1, 0, Q)
    # 赵丁: 2 of 4 unqualified is exactly half: not unqualified; 2 E against 2 (U as B) goes to the lower grade.
    assert results["赵丁"].grade == B
    assert results["张甲"].org_path == branch.path
    assert handled == [(city.member_a.pk, U, city.branch_secretary_a)]
    assert list(peer.cases_to_open(ballot)) == [z]
    assert AuditEntry.objects.filter(event="appraisals.peer.counted").count() == 1
    # Recording again (a second receiver, a retry) changes nothing and calls nobody again.
    peer.record_results(ballot=ballot, actor=None)
    assert AppraisalResult.objects.filter(ballot=ballot).count() == 3
    assert len(handled) == 1


def test_the_campaigns_share_decides(city, branch):
    campaign = make_campaign(city.root)
    values = {"unqualified_share": "0.25"}
    update_rules(campaign=campaign, actor=city.office, values=values)
    ballot = start(branch, city.branch_secretary_a, campaign=campaign)
    key = next(q["key"] for q in ballot.questions if q["label"] == "张甲")
    vote_and_close(ballot, [{key: U}, {key: E}, {key: E}])  # a third > a quarter
    assert AppraisalResult.objects.get(ballot=ballot, member=city.member_a).grade == U


def test_other_ballots_record_nothing(city, branch):
    from vanguard.ballots.tests.factories import ballot as satisfaction_ballot

    made = satisfaction_ballot(city.branch_a, open=False)
    vote_and_close(made, [{"q1": "satisfied"}])
    assert not AppraisalResult.objects.exists()
    with pytest.raises(ValidationError):
        peer.record_results(ballot=made, actor=None)


# --- pages -----------------------------------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_start_page_and_results_page(client, city, branch):
    login(client, city.branch_secretary_a)
    url = reverse("appraisals:peer_start", kwargs={"pk": branch.pk})
    page = client.get(url)
    assert page.status_code == 200 and "王丙" in page.content.decode()
    today = timezone.localdate()
    response = client.post(url, {"title": "", "opens_on": today, "closes_on": today + datetime.timedelta(days=1)})
    ballot = Ballot.objects.get(kind=Kind.PEER_APPRAISAL)
    assert response.status_code == 302 and response["Location"] == reverse("appraisals:peer", kwargs={"pk": ballot.pk})
    key = next(q["key"] for q in ballot.questions if q["label"] == "张甲")
    vote_and_close(ballot, [{key: U}, {key: U}, {key: E}])
    page = client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="cases-to-open"' in body and "张甲" in body
    listing = client.get(reverse("appraisals:peer_list"))
    assert ballot.title in listing.content.decode()


def test_pages_outside_scope_are_404(client, city, branch):
    ballot = start(branch, city.branch_secretary_a)
    login(client, city.secretary_b)
    assert client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk})).status_code == 404
    assert client.get(reverse("appraisals:peer_start", kwargs={"pk": branch.pk})).status_code == 404
    assert client.post(reverse("appraisals:peer_count", kwargs={"pk": ballot.pk})).status_code == 404
    # A supervisor sees the results but may not start one.
    login(client, city.supervisor_a)
    assert client.get(reverse("appraisals:peer", kwargs={"pk": ballot.pk})).status_code == 200
    assert client.get(reverse("appraisals:peer_start", kwargs={"pk": branch.pk})).status_code == 404
