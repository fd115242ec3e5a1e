"""The member list at scale: ids-first pages, tie-broken sorts, counts from the tallies or bounded, the list's scope."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.accounts.scoping import scope_beyond_roots
from vanguard.core import pagination
from vanguard.core.pagination import ids_first_page
from vanguard.members import selectors, services
from vanguard.members.factories import MemberFactory
from vanguard.members.filters import MemberFilter
from vanguard.members.models import Member

ORDERINGS = ["", "name", "-name", "birth_date", "-birth_date", "joined_on", "-joined_on", "org_path", "-org_path"]


@pytest.fixture
def crowd(city):
    """Members sharing names and dates across two branches (ties every sort must break the same way each time),
    and one member of district B hosted in district A."""
    day = datetime.date(1980, 5, 1)
    for i in range(7):
        for branch in (city.branch_a, city.branch_a2):
            MemberFactory(
                organisation=branch,
                name="王同" if i % 2 else "李同",
                birth_date=day,
                joined_on=datetime.date(2005, 7, 1),
                # Eight women in district A whatever the factory gives the others: the capped-count tests need > 6.
                gender="F" if i % 3 == 0 or i == 1 else "M",
                category="retired" if i % 2 else "ordinary",
            )
    hosted = MemberFactory(organisation=city.branch_b, name="赵托管", category="mobile")
    services.set_host(member=hosted, host_organisation=city.branch_a, actor=city.secretary_b)
    return hosted


def listed(user, params: dict) -> MemberFilter:
    request = type("Request", (), {"user": user})()
    return MemberFilter(params or None, queryset=selectors.list_members(user), request=request)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_ids_first_pages_are_the_offset_pages_of_a_total_order(city, crowd, ordering):
    rows = listed(city.secretary_a, {"ordering": ordering} if ordering else {}).qs
    everything = list(rows)
    assert len(everything) == len({m.pk for m in everything}) == 16  # 14 + member_a + the hosted member
    keys = [tuple(str(getattr(m, f)) for f in ("org_path", "name", "birth_date", "joined_on")) for m in everything]
    assert len(set(keys)) < len(keys)  # ties exist, so the order rests on the tie-breaker
    walked = []
    for number in range(1, 5):
        page = ids_first_page(rows, number=number, size=5)
        assert [m.pk for m in page] == [m.pk for m in everything[(number - 1) * 5 : number * 5]]
        assert page.count == 16 and page.count_exact and page.has_next == (number < 4)
        walked += [m.pk for m in page.rows]
    assert walked == [m.pk for m in everything]
    assert ids_first_page(rows, number=5, size=5).number == 4  # past the (exact) end: the last page
    # The order is total: reading it again, and in reverse, gives the same sequence.
    assert [m.pk for m in rows.all()] == [m.pk for m in everything]
    if ordering:
        opposite = ordering[1:] if ordering.startswith("-") else f"-{ordering}"
        reverse_rows = list(listed(city.secretary_a, {"ordering": opposite}).qs)
        assert [m.pk for m in reverse_rows] == [m.pk for m in reversed(everything)]


def test_the_lists_scope_is_restricts(city, crowd):
    superuser = make_user("root", is_superuser=True)
    users = [
        superuser,
        city.office,
        city.secretary_a,
        city.secretary_b,
        city.branch_secretary_a,
        city.supervisor_a,
        city.member_user_a,
    ]
    for user in users:
        expected = set(selectors.visible_members(user).values_list("pk", flat=True))
        assert set(selectors.list_members(user).values_list("pk", flat=True)) == expected, user
    assert crowd.pk in set(selectors.list_members(city.secretary_a).values_list("pk", flat=True))


def test_beyond_the_roots_are_the_hosted_and_ones_own(city, crowd):
    roots, beyond = scope_beyond_roots(Member, city.secretary_a)
    assert roots == [city.district_a.path]
    assert list(Member.objects.filter(beyond).values_list("pk", flat=True)) == [crowd.pk]
    assert scope_beyond_roots(Member, make_user("root", is_superuser=True)) == (None, None)
    assert scope_beyond_roots(Member, city.office) == (None, None)  # the whole tree: no filter, nothing beyond
    roots, beyond = scope_beyond_roots(Member, city.member_user_a)
    assert roots == [] and list(Member.objects.filter(beyond)) == [city.member_a]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "retired"},
        {"category": "mobile"},
        {"status": "full"},
        {"category": "ordinary", "status": "full"},
    ],
)
def test_counts_from_the_tallies_are_exact(city, crowd, params):
    superuser = make_user("root", is_superuser=True)
    for user in (superuser, city.office, city.secretary_a, city.secretary_b, city.supervisor_a, city.member_user_a):
        filterset = listed(user, params)
        assert filterset.is_valid() or not params
        cleaned = filterset.form.cleaned_data if params else {}
        assert selectors.list_count(user, cleaned) == filterset.qs.count(), (user, params)
    for organisation in (city.district_a, city.branch_a, city.branch_b):
        filterset = listed(city.office, {**params, "organisation": organisation.pk})
        assert filterset.is_valid()
        assert selectors.list_count(city.office, filterset.form.cleaned_data) == filterset.qs.count()


def test_counts_the_tallies_cannot_give_are_left_to_the_rows(city, crowd):
    filterset = listed(city.secretary_a, {"gender": "F"})
    assert filterset.is_valid() and selectors.list_count(city.secretary_a, filterset.form.cleaned_data) is None
    # A member picks their own organisation: only their own record of it is in scope, not its tally.
    filterset = listed(city.member_user_a, {"organisation": city.branch_a.pk})
    assert filterset.is_valid() and selectors.list_count(city.member_user_a, filterset.form.cleaned_data) is None
    assert filterset.qs.count() == 1


def test_past_the_cap_the_page_says_more_than_and_stays_truthful(client, city, crowd, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    login(client, city.secretary_a)
    women = listed(city.secretary_a, {"gender": "F"}).qs.count()
    assert women > 6  # more than two pages of 3 would need, but the page size is 50: one page, count exact
    response = client.get(reverse("members:list"), {"gender": "F"})
    page = response.context["page"]
    assert page.count_exact and page.count == women  # the last page knows every row
    # Smaller pages: the first knows only that there are more than the cap.
    rows = listed(city.secretary_a, {"gender": "F"}).qs
    first = ids_first_page(rows, number=1, size=2)
    assert not first.count_exact and first.count == 3 < women and first.has_next and first.num_pages is None
    deeper = ids_first_page(rows, number=2, size=2)
    assert not deeper.count_exact and deeper.count == 4 < women and deeper.has_next
    last = ids_first_page(rows, number=(women + 1) // 2, size=2)
    assert last.count_exact and last.count == women and not last.has_next
    past = ids_first_page(rows, number=99, size=2)
    assert past.rows == [] and not past.count_exact and past.count == 3


def test_the_page_words_a_bounded_count(client, city, crowd, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr("vanguard.members.views.PAGE_SIZE", 2)
    login(client, city.secretary_a)
    html = client.get(reverse("members:list"), {"gender": "F"}).content.decode()
    count = re.search(r'data-testid="member-count">([^<]*)<', html).group(1)
    assert count == gettext("More than %(counter)s members") % {"counter": 3}
    number = re.search(r'data-testid="page-number">([^<]*)<', html).group(1)
    assert number == gettext("Page %(number)s") % {"number": 1}
    assert "page=2" in html  # the next page is offered
    exact = client.get(reverse("members:list")).content.decode()
    assert gettext("Page %(number)s of %(pages)s") % {"number": 1, "pages": 8} in exact  # 16 rows, exact
    past = client.get(reverse("members:list"), {"gender": "F", "page": 40}).content.decode()
    assert gettext("This page is past the end of the list.") in past


def test_a_page_past_an_exact_end_is_the_last(client, city, crowd):
    login(client, city.secretary_a)
    page = client.get(reverse("members:list"), {"page": 9}).context["page"]
    assert page.number == 1 and len(page) == 16 and page.count_exact


def test_api_counts_say_whether_they_are_exact(client, city, crowd, monkeypatch):
    login(client, city.secretary_a)
    body = client.get("/api/members/").json()
    assert body["count"] == 16 and body["count_exact"] is True and body["next"] is None
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    body = client.get("/api/members/", {"gender": "F"}).json()
    women = Member.objects.filter(pk__in=[m["id"] for m in body["results"]]).count()
    assert body["count_exact"] is True and body["count"] == women  # one page holds them all: exact again
    body = client.get("/api/members/", {"page": 2}).json()
    assert client.get("/api/members/", {"page": 2}).status_code == 404, body
    assert client.get("/api/members/", {"page": "last"}).json()["count"] == 16


def test_api_pages_walk_the_whole_list(client, city, crowd, monkeypatch):
    monkeypatch.setattr(pagination.IdsFirstPagination, "page_size", 5)
    login(client, city.secretary_a)
    seen, url = [], "/api/members/?ordering=-name"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == list(listed(city.secretary_a, {"ordering": "-name"}).qs.values_list("pk", flat=True))


def test_sector_filter_is_the_organisations_sector(client, city, crowd):
    login(client, city.secretary_a)
    sector = city.branch_a.sector
    rows = listed(city.secretary_a, {"sector": sector}).qs
    assert set(rows.values_list("pk", flat=True)) == set(
        selectors.visible_members(city.secretary_a).filter(organisation__sector=sector).values_list("pk", flat=True)
    )


def test_a_secretary_of_a_branch_sees_no_hosted_member_of_elsewhere(city, crowd):
    other = make_user("sec_a2", Role.SECRETARY, city.branch_a2)
    assert crowd.pk not in set(selectors.list_members(other).values_list("pk", flat=True))
    assert crowd.pk in set(selectors.list_members(city.branch_secretary_a).values_list("pk", flat=True))
