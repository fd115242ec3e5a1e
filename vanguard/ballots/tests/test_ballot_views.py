"""The staff pages: a ballot made from the form, opened, paper keyed twice, closed, results shown only then."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.ballots.models import Ballot, Cast, PaperEntry, Status
from vanguard.ballots.tests.factories import ballot, codes, vote

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_a_ballot_from_the_form(client, city):
    signed_in(client, city.secretary_a)
    today = timezone.localdate()
    response = client.post(
        reverse("ballots:new"),
        {
            "organisation": city.district_a.pk,
            "kind": "satisfaction",
            "title": "甲区委领导班子测评",
            "constituencies": ["members", "public"],
            "opens_on": today.isoformat(),
            "closes_on": (today + datetime.timedelta(days=3)).isoformat(),
            "min_count": 0,
        },
    )
    made = Ballot.objects.get(title="甲区委领导班子测评")
    assert response.status_code == 302 and response["Location"] == reverse("ballots:detail", args=[made.pk])
    assert made.org_path == city.district_a.path and made.status == Status.DRAFT
    assert made.constituencies == ["members", "public"]
    assert [q["kind"] for q in made.questions] == ["satisfaction"]


def test_the_form_refuses_a_window_backwards_and_an_organisation_out_of_scope(client, city):
    signed_in(client, city.secretary_a)
    today = timezone.localdate()
    response = client.post(
        reverse("ballots:new"),
        {
            "organisation": city.district_b.pk,
            "kind": "satisfaction",
            "title": "越权",
            "constituencies": ["members"],
            "opens_on": today.isoformat(),
            "closes_on": (today - datetime.timedelta(days=1)).isoformat(),
            "min_count": 0,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"organisation", "closes_on"}
    assert not Ballot.objects.exists()


def test_open_key_paper_close_and_see_results(client, city):
    b = ballot(city.district_a, open=False)
    [online, paper] = codes(b, 2)
    signed_in(client, city.secretary_a)
    detail = reverse("ballots:detail", args=[b.pk])
    assert client.post(reverse("ballots:open", args=[b.pk]), {"confirm": "1"}).status_code == 302
    vote(Ballot.objects.get(pk=b.pk), online, q1="dissatisfied")
    page = client.get(detail)
    assert 'data-testid="results-hidden"' in page.content.decode()
    hidden = client.get(reverse("ballots:results", args=[b.pk]))
    assert 'data-testid="rate"' not in hidden.content.decode()

    # First clerk keys the sheet; it is not counted yet.
    keyed = client.post(reverse("ballots:paper", args=[b.pk]), {"sheet-code": paper, "answers-q1": "satisfied"})
    assert keyed.status_code == 302
    assert PaperEntry.objects.count() == 1 and Cast.objects.filter(ballot=b).count() == 1
    # Closing now is refused with the reason on the page.
    refused = client.post(reverse("ballots:close", args=[b.pk]), {"confirm": "1"})
    assert refused.status_code == 200 and refused.context["form"].errors
    # A second clerk keys the same answers: counted.
    second = make_user("clerk_two", Role.SECRETARY, city.district_a)
    client.logout()
    signed_in(client, second)
    client.post(reverse("ballots:paper", args=[b.pk]), {"sheet-code": paper, "answers-q1": "satisfied"})
    assert Cast.objects.filter(ballot=b).count() == 2 and not PaperEntry.objects.exists()

    assert client.post(reverse("ballots:close", args=[b.pk]), {"confirm": "1"}).status_code == 302
    shown = client.get(reverse("ballots:results", args=[b.pk]))
    body = shown.content.decode()
    assert 'data-testid="rate"' in body
    assert "50.0%" in body  # one satisfied of two valid
    assert 'id="ballot-results-data"' in body


def test_a_member_and_a_sibling_district_cannot_reach_a_ballot(client, city):
    b = ballot(city.district_a)
    for user in (city.secretary_b, city.member_user_a):
        client.logout()
        signed_in(client, user)
        for name in ("ballots:detail", "ballots:results", "ballots:paper", "ballots:close"):
            assert client.get(reverse(name, args=[b.pk])).status_code == 404, (user, name)
    # The list shows only what is in scope.
    client.logout()
    signed_in(client, city.secretary_b)
    assert b.title not in client.get(reverse("ballots:list")).content.decode()


def test_the_third_look_page_shows_both_keyings(client, city):
    b = ballot(city.district_a)
    [code] = codes(b, 1)
    from vanguard.ballots import services

    services.key_in_paper(ballot=b, actor=city.office, code=code, answers={"q1": "satisfied"})
    services.key_in_paper(ballot=b, actor=city.secretary_a, code=code, answers={"q1": "dissatisfied"})
    signed_in(client, make_user("reader", Role.SECRETARY, city.district_a))
    page = client.get(reverse("ballots:paper_mismatches", args=[b.pk]))
    body = page.content.decode()
    assert code in body and city.office.username in body and city.secretary_a.username in body
    client.post(reverse("ballots:paper_mismatches", args=[b.pk]), {"sheet-code": code, "answers-q1": "satisfied"})
    assert Cast.objects.get(ballot=b).answers == {"q1": "satisfied"}
