"""What the apps above orgs register with orgs.hooks reaches the moves, the organisation page and the API."""

import datetime

import pytest
from django.urls import reverse

from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs import hooks, services

pytestmark = pytest.mark.django_db


def test_a_move_rewrites_registered_path_copies_and_tells_the_receivers(city):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)
        # Sent once the copies are rewritten, inside the move's transaction.
        assert Member.objects.get(pk=city.member_a.pk).org_path.startswith(city.district_b.path)

    old_path = city.committee_a.path
    hooks.subtree_moved.connect(receiver)
    try:
        move = services.move_organisation(
            organisation=city.committee_a, new_parent=city.district_b, effective_on=datetime.date(2005, 7, 1)
        )
    finally:
        hooks.subtree_moved.disconnect(receiver)
    assert move.members_moved == 1  # members registered Member.org_path with recorded_as="members_moved"
    [call] = heard
    assert call["old_path"] == old_path and call["new_parent"] == city.district_b
    assert call["organisation"].path == call["new_path"] and call["new_path"].startswith(city.district_b.path)


@pytest.mark.parametrize("who, may_change", [("secretary_a", True), ("supervisor_a", False)])
def test_the_organisation_page_shows_the_sections_of_members_and_rosters(client, city, who, may_change):
    MemberFactory(organisation=city.branch_a2, category="retired")
    client.force_login(getattr(city, who))
    page = client.get(reverse("orgs:detail", args=[city.district_a.pk])).content.decode()
    assert 'data-testid="category-counts"' in page and 'data-testid="status-counts"' in page
    assert f"{reverse('members:list')}?organisation={city.district_a.pk}&category=retired" in page
    assert reverse("rosters:export", args=[city.district_a.pk]) in page
    assert (reverse("members:create", args=[city.district_a.pk]) in page) is may_change
    assert (reverse("rosters:upload", args=[city.district_a.pk]) in page) is may_change


def test_a_later_app_adds_its_figures_to_the_page_the_same_way(client, city, settings, tmp_path, monkeypatch):
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "_figures.html").write_text(
        '<section class="card" data-testid="later">{{ organisation.name }}: {{ done }} of {{ units }}</section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0].get("DIRS", [])]}]

    def later_sections(request, organisation):
        return [hooks.PageSection("later/_figures.html", {"done": 3, "units": 4})]

    monkeypatch.setattr(hooks, "_page_sections", [*hooks._page_sections, later_sections])
    client.force_login(city.office)
    page = client.get(reverse("orgs:detail", args=[city.district_a.pk])).content.decode()
    assert '<section class="card" data-testid="later">甲区委: 3 of 4</section>' in page
    # Figures go in the grid of counts, after the members' cards.
    assert page.index('data-testid="status-counts"') < page.index('data-testid="later"')


def test_subtree_figures_are_served_by_the_api_under_their_names(client, city, monkeypatch):
    monkeypatch.setitem(hooks._subtree_figures, "units_behind_schedule", lambda organisation: {"branch": 2})
    client.force_login(city.office)
    body = client.get(f"/api/organisations/{city.district_a.pk}/counts/").json()
    assert body["units_behind_schedule"] == {"branch": 2}
    assert body["members_by_category"] == {"ordinary": 1}
    assert body["organisations_by_kind"] == {"grassroots_committee": 1, "branch": 2}
