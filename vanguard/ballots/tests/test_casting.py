"""Casting: one code, one ballot; every refusal says why and writes nothing; paper keyed twice; closing."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Cast, Constituency, PaperEntry, Source, Status, Token
from vanguard.ballots.tests.factories import ballot, codes, questionnaire, vote

pytestmark = pytest.mark.django_db


def counts(b: Ballot) -> tuple[int, int]:
    return Cast.objects.filter(ballot=b).count(), Token.objects.filter(ballot=b, spent=True).count()


def test_a_code_votes_once(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    vote(b, code, q1="satisfied")
    with pytest.raises(services.Refused) as refused:
        vote(b, code, q1="dissatisfied")
    assert refused.value.code == "spent"
    assert counts(b) == (1, 1)
    assert Cast.objects.get(ballot=b).answers == {"q1": "satisfied"}


def test_codes_are_read_however_they_are_typed(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    vote(b, f"  {code.lower().replace('-', ' ')} ", q1="satisfied")
    assert counts(b) == (1, 1)


@pytest.mark.parametrize(
    ("make_code", "reason"),
    [
        (lambda own, other: "not-a-code", "malformed"),
        (lambda own, other: "ABCDE-0OIL1", "malformed"),  # 0, O, I, L, 1 are never in a code
        (lambda own, other: "ABCDE-23456", "unknown"),  # well-formed, forged
        (lambda own, other: other, "other_ballot"),
    ],
)
def test_bad_codes_are_refused_and_nothing_is_written(city, make_code, reason):
    b = ballot(city.district_a)
    other = ballot(city.district_a, title="另一次测评")
    [own] = codes(b, 1)
    [foreign] = codes(other, 1)
    with pytest.raises(services.Refused) as refused:
        vote(b, make_code(own, foreign), q1="satisfied")
    assert refused.value.code == reason
    assert counts(b) == (0, 0) and counts(other) == (0, 0)


def test_a_void_code_cannot_vote(city):
    b = ballot(city.district_a)
    first, second = codes(b, 2)
    assert services.void_codes(ballot=b, actor=None, codes=[first]) == 1
    b.refresh_from_db()
    assert b.issued == 1
    with pytest.raises(services.Refused) as refused:
        vote(b, first, q1="satisfied")
    assert refused.value.code == "void"
    # A spent code is not voided after the fact.
    vote(b, second, q1="satisfied")
    assert services.void_codes(ballot=b, actor=None, codes=[second]) == 0


def test_votes_only_inside_the_window_and_while_open(city):
    today = timezone.localdate()
    draft = ballot(city.district_a, open=False)
    [code] = codes(draft, 1)
    with pytest.raises(services.Refused) as refused:
        vote(draft, code, q1="satisfied")
    assert refused.value.code == "not_open"

    later = ballot(city.district_a, opens_on=today + datetime.timedelta(days=1))
    [code] = codes(later, 1)
    with pytest.raises(services.Refused) as refused:
        vote(later, code, q1="satisfied")
    assert refused.value.code == "not_open"

    expired = ballot(
        city.district_a, opens_on=today - datetime.timedelta(days=9), closes_on=today - datetime.timedelta(days=1)
    )
    [code] = codes(expired, 1)
    with pytest.raises(services.Refused) as refused:
        vote(expired, code, q1="satisfied")
    assert refused.value.code == "closed"

    closed = ballot(city.district_a)
    [code] = codes(closed, 1)
    services.close_ballot(ballot=closed, actor=None)
    with pytest.raises(services.Refused) as refused:
        vote(closed, code, q1="satisfied")
    assert refused.value.code == "closed"
    assert Token.objects.filter(spent=True).count() == 0


def test_answers_are_checked_against_the_questions(city):
    b = ballot(city.district_a, questions=questionnaire(), kind="questionnaire")
    answers, errors = services.check_answers(
        b, {"q1": "satisfied", "q2": "7", "q3": ["0", "0"], "q4": "9", "q5": "x" * (services.MAX_TEXT + 1)}
    )
    assert set(errors) == {"q2", "q3", "q4", "q5"}
    answers, errors = services.check_answers(b, {"q1": "basically_satisfied", "q2": "1", "q3": ["2", "0"], "q4": "5"})
    assert errors == {}
    assert answers == {"q1": "basically_satisfied", "q2": "1", "q3": ["0", "2"], "q4": 5}


def test_required_questions(city):
    b = ballot(city.district_a)  # the factory's satisfaction question is required
    _answers, errors = services.check_answers(b, {})
    assert set(errors) == {"q1"}


def test_a_questions_problems_name_the_question(city):
    problems = services.check_questions(
        [
            {"key": "q1", "kind": "single", "label": "学习形式", "options": ["一种"]},
            {"key": "q1", "kind": "rating", "label": "打分", "scale": 11},
            {"key": "q3", "kind": "colour", "label": "?"},
        ]
    )
    text = " ".join(problems)
    for number in (1, 2, 3):
        assert services.check_questions.__module__  # the messages are translated: check they name each question
        assert str(number) in text
    assert len(problems) == 4


def test_issuing_checks_the_constituency_and_counts(city):
    b = ballot(city.district_a, constituencies=[Constituency.MEMBERS])
    with pytest.raises(ValidationError):
        codes(b, 3, constituency=Constituency.BUSINESSES)
    with pytest.raises(ValidationError):
        codes(b, 0)
    issued = codes(b, 25)
    assert len(set(issued)) == 25
    b.refresh_from_db()
    assert b.issued == 25
    # Only keyed hashes are stored: no code appears in the table.
    stored = set(Token.objects.filter(ballot=b).values_list("code_hash", flat=True))
    assert not stored & set(issued)
    assert stored == {services.code_hash(code) for code in issued}


def test_staff_outside_the_subtree_cannot_manage_a_ballot(city):
    b = ballot(city.district_b)
    for call in (
        lambda: services.issue_tokens(
            ballot=b, actor=city.secretary_a, count=1, medium="sheet", constituency=Constituency.MEMBERS
        ),
        lambda: services.close_ballot(ballot=b, actor=city.secretary_a),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.code == "forbidden"


# --- paper ballots -----------------------------------------------------------------------------------------------


def test_paper_counts_when_two_clerks_agree(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    first = services.key_in_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    assert first.state == "waiting"
    assert counts(b) == (0, 0)
    with pytest.raises(ValidationError) as refused:
        services.key_in_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    assert refused.value.code == "same_clerk"
    second = services.key_in_paper(ballot=b, actor=city.secretary_a, code=code, answers={"q1": "satisfied"})
    assert second.state == "counted"
    assert counts(b) == (1, 1)
    assert Cast.objects.get(ballot=b).source == Source.PAPER
    # Once counted, nothing keeps the sheet's code beside its answers.
    assert not PaperEntry.objects.exists()


def test_disagreeing_paper_entries_are_held_for_a_third_look(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    services.key_in_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    held = services.key_in_paper(ballot=b, actor=city.secretary_a, code=code, answers={"q1": "dissatisfied"})
    assert held.state == "mismatch"
    assert counts(b) == (0, 0)
    assert PaperEntry.objects.filter(mismatch=True).count() == 2
    # Closing waits for the third look.
    with pytest.raises(ValidationError) as refused:
        services.close_ballot(ballot=b, actor=None)
    assert refused.value.code == "paper_pending"
    # Neither clerk may settle it; a third person does.
    with pytest.raises(ValidationError):
        services.resolve_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    third = make_user("clerk_three", Role.SECRETARY, city.district_a)
    services.resolve_paper(ballot=b, actor=third, code=code, answers={"q1": "dissatisfied"})
    assert counts(b) == (1, 1)
    assert Cast.objects.get(ballot=b).answers == {"q1": "dissatisfied"}
    assert not PaperEntry.objects.exists()


def test_a_sheet_voted_online_cannot_be_keyed_in(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    vote(b, code, q1="satisfied")
    with pytest.raises(services.Refused) as refused:
        services.key_in_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    assert refused.value.code == "spent"
    assert counts(b) == (1, 1)


# --- closing -----------------------------------------------------------------------------------------------------


def test_close_due_closes_past_ballots_without_pending_paper(city):
    today = timezone.localdate()
    past = ballot(
        city.district_a, opens_on=today - datetime.timedelta(days=5), closes_on=today - datetime.timedelta(days=1)
    )
    waiting = ballot(
        city.district_a, opens_on=today - datetime.timedelta(days=5), closes_on=today - datetime.timedelta(days=1)
    )
    running = ballot(city.district_a)
    [code] = codes(waiting, 1)
    services.key_in_paper(ballot=waiting, actor=city.office, code=code, answers={"q1": "satisfied"})
    closed = services.close_due()
    assert [b.pk for b in closed] == [past.pk]
    assert Ballot.objects.get(pk=waiting.pk).status == Status.OPEN
    assert Ballot.objects.get(pk=running.pk).status == Status.OPEN


def attempt(b: Ballot, code: str, outcomes: list, barrier: threading.Barrier | None = None) -> None:
    """One voter in a thread of its own: "counted" or the refusal's code goes to `outcomes`."""
    if barrier is not None:
        barrier.wait()
    try:
        vote(b, code, q1="satisfied")
        outcomes.append("counted")
    except services.Refused as refused:
        outcomes.append(refused.code)
    finally:
        connection.close()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_racing_casts_with_one_code_store_one_ballot(city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    barrier = threading.Barrier(6)
    outcomes = []
    threads = [threading.Thread(target=attempt, args=(b, code, outcomes, barrier)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] + ["spent"] * 5
    assert counts(b) == (1, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time: no cast runs meanwhile")
@pytest.mark.django_db(transaction=True)
def test_a_cast_that_waits_for_a_close_finds_the_ballot_closed(city):
    # The cast's copy of the ballot says open (as a worker's cached copy would); the close is under way when it arrives.
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    outcomes = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [services.ballot_lock_key(b.pk)])
        Ballot.objects.filter(pk=b.pk).update(status=Status.CLOSED)
        thread = threading.Thread(target=attempt, args=(b, code, outcomes))
        thread.start()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("the cast never waited for the close")
    thread.join()
    assert outcomes == ["closed"]
    assert counts(b) == (0, 0)
