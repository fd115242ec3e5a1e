"""Counting rules: valid ballots, the satisfaction rate both ways, constituencies and strata apart, response rates,
results hidden until the ballot closes or reaches its minimum count."""

from __future__ import annotations

import pytest

from vanguard.ballots import results, services
from vanguard.ballots.models import Constituency
from vanguard.ballots.stats import wilson
from vanguard.ballots.tests.factories import ballot, codes, questionnaire, vote

pytestmark = pytest.mark.django_db
ALL = results.ALL


def cast_many(b, constituency, stratum, answers_list):
    for code, answers in zip(codes(b, len(answers_list), constituency, stratum), answers_list, strict=True):
        vote(b, code, **answers)


@pytest.fixture
def counted(city):
    b = ballot(city.district_a, questions=questionnaire(), kind="questionnaire")
    # Members, stratum 甲: 3 satisfied, 2 basically, 1 dissatisfied, 1 blank on q1.
    cast_many(
        b,
        Constituency.MEMBERS,
        "甲片区",
        [{"q1": "satisfied", "q4": 5}] * 3
        + [{"q1": "basically_satisfied", "q3": ["0", "1"]}] * 2
        + [{"q1": "dissatisfied", "q2": "2", "q4": 1}]
        + [{"q5": "多开座谈会"}],
    )
    # Public, stratum 乙: 1 satisfied, 3 dissatisfied; 2 more codes issued, never used.
    cast_many(b, Constituency.PUBLIC, "乙片区", [{"q1": "satisfied"}] + [{"q1": "dissatisfied", "q3": ["1"]}] * 3)
    codes(b, 2, Constituency.PUBLIC, "乙片区")
    return b


def test_results_are_hidden_until_the_ballot_closes(counted):
    early = results.compute(counted)
    assert not early.visible
    assert early.question("q1").tally().valid == 0  # nothing counted for show
    assert early.cast == 11  # the turnout is shown: it says nothing of how anyone voted
    assert early.texts("q5") == []
    services.close_ballot(ballot=counted, actor=None)
    counted.refresh_from_db()
    assert results.compute(counted).visible


def test_a_minimum_count_shows_results_early(city):
    b = ballot(city.district_a, min_count=3)
    cast_many(b, Constituency.MEMBERS, "", [{"q1": "satisfied"}] * 2)
    assert not results.compute(b).visible
    cast_many(b, Constituency.MEMBERS, "", [{"q1": "satisfied"}])
    assert results.compute(b).visible


def test_counting_rules(counted):
    services.close_ballot(ballot=counted, actor=None)
    counted.refresh_from_db()
    found = results.compute(counted)
    q1 = found.question("q1")
    # The blank is not a valid vote on q1: 6 members + 4 public.
    assert q1.tally().valid == 10
    assert q1.tally(Constituency.MEMBERS).valid == 6
    rate = q1.satisfaction()
    assert (rate.hits, rate.total) == (6, 10)  # 3 + 2 members, 1 public
    assert rate.interval == wilson(6, 10)
    members = q1.satisfaction(Constituency.MEMBERS)
    assert (members.hits, members.total) == (5, 6)
    public = q1.satisfaction(Constituency.PUBLIC, "乙片区")
    assert (public.hits, public.total) == (1, 4)
    assert q1.dissatisfied(Constituency.PUBLIC).hits == 3
    # Multiple choice: shares of valid ballots, adding up to more than one.
    q3 = found.question("q3")
    assert q3.tally().valid == 5
    assert q3.tally().counts == {"0": 2, "1": 5}
    # Rating: mean over valid ballots only.
    assert found.question("q4").tally().mean == pytest.approx((5 * 3 + 1) / 4)
    # Free text stays with its answers, in no particular order.
    assert found.texts("q5") == ["多开座谈会"]
    # Response rates: members 7 of 7; public 4 of 6 issued.
    assert found.turnout[(Constituency.MEMBERS, ALL)].response.share == 1
    public_turnout = found.turnout[(Constituency.PUBLIC, "乙片区")]
    assert (public_turnout.cast, public_turnout.issued) == (4, 6)
    assert found.strata == {Constituency.MEMBERS: ["甲片区"], Constituency.PUBLIC: ["乙片区"]}


def test_counting_only_satisfied_when_the_campaign_says_so(city):
    b = ballot(city.district_a, count_basically=False)
    cast_many(b, Constituency.MEMBERS, "", [{"q1": "satisfied"}, {"q1": "basically_satisfied"}, {"q1": "dissatisfied"}])
    services.close_ballot(ballot=b, actor=None)
    b.refresh_from_db()
    rate = results.compute(b).question("q1").satisfaction()
    assert (rate.hits, rate.total) == (1, 3)


def test_voided_codes_do_not_count_as_issued(city):
    b = ballot(city.district_a)
    issued = codes(b, 4)
    vote(b, issued[0], q1="satisfied")
    services.void_codes(ballot=b, actor=None, codes=issued[1:3])
    turnout = results.compute(b).turnout[(ALL, ALL)]
    assert (turnout.cast, turnout.issued) == (1, 2)
