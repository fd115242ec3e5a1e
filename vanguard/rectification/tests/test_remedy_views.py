"""Remedy pages: opening from a flagged entry, notes, replacing the head, closing; who sees and who acts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from conftest import PASSWORD
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.appraisals.models import Screening, ScreeningEntry
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.rectification.models import HeadChange, Remedy, RemedyStatus
from vanguard.rectification.tests.factories import make_remedy

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def flagged(city):
    campaign = make_campaign(city.root)
    run = Screening.objects.create(
        campaign=campaign, organisation=city.root, org_path=city.root.path, level="branch", bottom_share="0.100"
    )
    return ScreeningEntry.objects.create(
        screening=run, organisation=city.branch_a, rank=1, composite="30.00", flagged=True
    )


def test_open_a_remedy_from_a_flagged_entry_once(client, city, flagged, today):
    login(client, city.secretary_a)
    url = reverse("rectification:remedy_new", kwargs={"pk": city.branch_a.pk}) + f"?entry={flagged.pk}"
    assert client.get(url).status_code == 200
    deadline = (today + datetime.timedelta(days=60)).isoformat()
    response = client.post(url, {"cause": "weak_leadership", "replace_head": "on", "deadline": deadline})
    remedy = Remedy.objects.get()
    assert response.status_code == 302 and remedy.screening_entry == flagged and remedy.replace_head
    # The entry has its remedy: the page leads to it instead of opening another.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == reverse("rectification:remedy", args=[remedy.pk])


def test_the_branch_itself_may_not_open_its_own_remedy(client, city, flagged):
    login(client, city.branch_secretary_a)
    url = reverse("rectification:remedy_new", kwargs={"pk": city.branch_a.pk})
    assert client.get(url).status_code == 404
    assert client.get(reverse("rectification:remedies")).status_code == 200


def test_note_replace_head_and_close_through_the_pages(client, city, today):
    remedy = make_remedy(city.branch_a, replace_head=True)
    login(client, city.branch_secretary_a)
    detail = client.get(reverse("rectification:remedy", kwargs={"pk": remedy.pk})).content.decode()
    assert 'data-testid="note"' in detail and 'data-testid="head"' not in detail and "act-close" not in detail
    note = client.post(reverse("rectification:remedy_note", kwargs={"pk": remedy.pk}), {"text": "重新选举支委会"})
    assert note.status_code == 302 and remedy.notes.count() == 1

    client.logout()
    login(client, city.secretary_a)
    close = reverse("rectification:remedy_act", kwargs={"pk": remedy.pk}) + "?t=close"
    refused = client.post(close, {"assessment": "已好转"})
    assert refused.status_code == 200 and refused.context["form"].errors  # the head is not yet replaced
    head = RoleAssignment.objects.get(user=city.branch_secretary_a, role=Role.SECRETARY)
    replaced = client.post(
        reverse("rectification:remedy_head", kwargs={"pk": remedy.pk}),
        {"assignment": head.pk, "successor": city.member_a.pk, "reason": "书记长期不在岗"},
    )
    assert replaced.status_code == 302
    assert HeadChange.objects.get(remedy=remedy).new_assignment.user == city.member_user_a
    assert client.post(close, {"assessment": "已好转"}).status_code == 302
    remedy.refresh_from_db()
    assert remedy.status == RemedyStatus.CLOSED
    detail = client.get(reverse("rectification:remedy", kwargs={"pk": remedy.pk})).content.decode()
    assert 'data-testid="head-changes"' in detail and "act-reopen" in detail


def test_the_list_shows_overdue_remedies_in_scope_only(client, city, today):
    late = make_remedy(city.branch_a, deadline=today - datetime.timedelta(days=1))
    make_remedy(city.branch_a2)
    make_remedy(city.branch_b, deadline=today - datetime.timedelta(days=1))
    login(client, city.secretary_a)
    html = client.get(reverse("rectification:remedies"), {"overdue": "1"}).content.decode()
    assert f'data-testid="remedy-{late.pk}"' in html
    assert html.count('data-testid="remedy-') == 1
    assert "乙一支部" not in html


def test_the_screening_page_links_a_flagged_entry_to_its_remedy_or_offers_to_open_one(client, city, flagged):
    page = reverse("appraisals:screening_detail", kwargs={"pk": flagged.screening_id})
    login(client, city.secretary_a)
    html = client.get(page).content.decode()
    assert f"?entry={flagged.pk}" in html and 'data-testid="open-remedy"' in html
    remedy = make_remedy(city.branch_a, screening_entry=flagged)
    html = client.get(page).content.decode()
    assert reverse("rectification:remedy", args=[remedy.pk]) in html and 'data-testid="open-remedy"' not in html
    # The branch itself sees its remedy, never the button to open one.
    Remedy.objects.all().delete()
    client.logout()
    login(client, city.branch_secretary_a)
    html = client.get(page).content.decode()
    assert 'data-testid="open-remedy"' not in html


def test_the_organisation_page_shows_its_remedy_and_offers_those_above_to_open_one(client, city, flagged):
    page = reverse("orgs:detail", kwargs={"pk": city.branch_a.pk})
    login(client, city.secretary_a)
    html = client.get(page).content.decode()
    assert f"?entry={flagged.pk}" in html and 'data-testid="remedy-card"' not in html
    remedy = make_remedy(city.branch_a, screening_entry=flagged)
    html = client.get(page).content.decode()
    assert 'data-testid="remedy-card"' in html and reverse("rectification:remedy", args=[remedy.pk]) in html
    assert 'data-testid="open-remedy"' not in html
    client.logout()
    login(client, city.branch_secretary_a)
    html = client.get(page).content.decode()
    assert 'data-testid="remedy-card"' in html and 'data-testid="open-remedy"' not in html


def test_the_api_lists_remedies_in_scope_with_the_overdue_filter(client, city, today):
    late = make_remedy(city.branch_a, deadline=today - datetime.timedelta(days=1))
    on_time = make_remedy(city.branch_a2)
    make_remedy(city.branch_b)
    login(client, city.secretary_a)
    listed = client.get("/api/weak-organisation-remedies/").json()
    assert {row["id"] for row in listed["results"]} == {late.pk, on_time.pk}
    overdue = client.get("/api/weak-organisation-remedies/", {"overdue": "true"}).json()
    assert [row["id"] for row in overdue["results"]] == [late.pk]
    assert overdue["results"][0]["cause"] == late.cause
