"""The voting pages under hostile input: every refusal has a clear message, a status of its own, and writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from vanguard.ballots import services
from vanguard.ballots.models import Cast, Token
from vanguard.ballots.tests.factories import ballot, codes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def vote_url(b, code):
    return reverse("ballots_public:vote", args=[b.public_id, code])


def written(b) -> tuple[int, int]:
    return Cast.objects.filter(ballot=b).count(), Token.objects.filter(ballot=b, spent=True).count()


def test_a_vote_by_link_is_counted_once(client, city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    page = client.get(vote_url(b, code))
    assert page.status_code == 200
    assert b"<script" not in page.content.split(b"<main")[-1]  # the ballot itself needs no JavaScript
    counted = client.post(vote_url(b, code), {"q1": "satisfied"})
    assert counted.status_code == 201
    assert 'data-testid="counted"' in counted.content.decode()
    again = client.post(vote_url(b, code), {"q1": "dissatisfied"})
    assert again.status_code == 409
    assert services.REFUSALS["spent"]() in again.content.decode()
    assert written(b) == (1, 1)


def test_an_unanswered_required_question_keeps_the_code(client, city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    response = client.post(vote_url(b, code), {"q1": "neither"})
    assert response.status_code == 400
    assert written(b) == (0, 0)
    assert client.post(vote_url(b, code), {"q1": "satisfied"}).status_code == 201


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [("rubbish", 400, "malformed"), ("ABCDE-23456", 404, "unknown")],
)
def test_forged_and_malformed_codes(client, city, code, status, reason):
    b = ballot(city.district_a)
    response = client.post(vote_url(b, code), {"q1": "satisfied"})
    assert response.status_code == status
    assert f'data-reason="{reason}"' in response.content.decode()
    assert services.REFUSALS[reason]() in response.content.decode()
    assert written(b) == (0, 0)


def test_another_ballots_code(client, city):
    b = ballot(city.district_a)
    other = ballot(city.district_a, title="另一次")
    [code] = codes(other, 1)
    response = client.post(vote_url(b, code), {"q1": "satisfied"})
    assert response.status_code == 404
    assert 'data-reason="other_ballot"' in response.content.decode()
    assert written(b) == (0, 0) and written(other) == (0, 0)


def test_a_closed_or_expired_ballot(client, city):
    today = timezone.localdate()
    expired = ballot(
        city.district_a, opens_on=today - datetime.timedelta(days=5), closes_on=today - datetime.timedelta(days=1)
    )
    [code] = codes(expired, 1)
    response = client.post(vote_url(expired, code), {"q1": "satisfied"})
    assert response.status_code == 410
    assert 'data-reason="closed"' in response.content.decode()
    closed = ballot(city.district_a)
    [code] = codes(closed, 1)
    services.close_ballot(ballot=closed, actor=None)
    assert client.get(vote_url(closed, code)).status_code == 410
    assert client.post(vote_url(closed, code), {"q1": "satisfied"}).status_code == 410
    assert written(expired) == (0, 0) and written(closed) == (0, 0)


def test_a_flood_of_guesses_from_one_address_is_stopped(client, city, settings):
    settings.VANGUARD_BALLOT_BAD_CODE_RATE = "5/10m"
    b = ballot(city.district_a)
    [good] = codes(b, 1)
    for n in range(5):
        assert (
            client.post(vote_url(b, f"ABCDE-2345{n + 2}"), {"q1": "satisfied"}, REMOTE_ADDR="198.51.100.9").status_code
            == 404
        )
    stopped = client.post(vote_url(b, good), {"q1": "satisfied"}, REMOTE_ADDR="198.51.100.9")
    assert stopped.status_code == 429
    assert stopped["Retry-After"]
    assert written(b) == (0, 0)
    # Another address is not held back by the flood.
    assert client.post(vote_url(b, good), {"q1": "satisfied"}, REMOTE_ADDR="198.51.100.10").status_code == 201


def test_valid_votes_from_one_address_are_not_limited(client, city, settings):
    settings.VANGUARD_BALLOT_BAD_CODE_RATE = "2/10m"
    b = ballot(city.district_a)
    for code in codes(b, 6):  # a kiosk: many voters, one address
        assert client.post(vote_url(b, code), {"q1": "satisfied"}, REMOTE_ADDR="198.51.100.11").status_code == 201
    assert written(b) == (6, 6)


def test_the_kiosk_takes_a_typed_code(client, city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    kiosk = reverse("ballots_public:kiosk", args=[b.public_id])
    assert client.get(kiosk).status_code == 200
    wrong = client.post(kiosk, {"code": "ABCDE-23456"})
    assert wrong.status_code == 400
    assert services.REFUSALS["unknown"]() in wrong.content.decode()
    typed = client.post(kiosk, {"code": code.lower().replace("-", "")})
    assert typed.status_code == 302
    assert typed["Location"] == vote_url(b, code)


def test_an_oversized_body_is_refused_before_it_is_read(client, city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    response = client.post(vote_url(b, code), {"q1": "satisfied", "pad": "x" * 70_000})
    assert response.status_code == 413
    assert written(b) == (0, 0)
