"""Staff pages of public opinion pages: the list in scope, opening one, closing and reopening it, the A4 poster."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from vanguard.core.models import AuditEntry
from vanguard.opinions import services
from vanguard.opinions.models import Direction, IntakePage

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def pages(city):
    a = services.open_page(organisation=city.branch_a, actor=city.secretary_a, title="甲一支部意见箱")
    b = services.open_page(organisation=city.branch_b, actor=city.secretary_b, title="乙一支部意见箱")
    return a, b


def test_a_secretary_opens_a_page_and_gets_its_poster(client, city):
    login(client, city.secretary_a)
    form = client.get(reverse("opinions:page_new"), {"organisation": city.branch_a.pk})
    assert form.status_code == 200 and form.context["form"]["organisation"].value() == city.branch_a.pk
    response = client.post(
        reverse("opinions:page_new"),
        {"organisation": city.branch_a.pk, "title": "", "direction": Direction.BUSINESS_OFFICE},
    )
    page = IntakePage.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("opinions:page_poster", args=[page.pk])
    assert page.title == city.branch_a.name and page.direction == Direction.BUSINESS_OFFICE
    assert AuditEntry.objects.filter(event="opinions.page.opened").count() == 1
    poster = client.get(response["Location"])
    html = poster.content.decode()
    link = f"http://testserver/o/{page.code}/"
    assert poster.status_code == 200 and poster.context["link"] == link
    assert "<svg" in html and 'class="segno"' in html and link in html and city.branch_a.name in html
    assert "opinions/poster.css" in html


def test_the_qr_code_is_of_the_short_link(client, city, pages):
    """segno rebuilt from the same link gives the very SVG on the poster."""
    import segno

    login(client, city.secretary_a)
    poster = client.get(reverse("opinions:page_poster", args=[pages[0].pk]))
    expected = segno.make(poster.context["link"], error="m").svg_inline(scale=10, omitsize=True, title=pages[0].code)
    assert expected in poster.content.decode()


def test_staff_see_only_the_pages_of_their_subtree(client, city, pages):
    a, b = pages
    login(client, city.secretary_a)
    listing = client.get(reverse("opinions:pages")).content.decode()
    assert "甲一支部意见箱" in listing and "乙一支部意见箱" not in listing and f"/o/{a.code}/" in listing
    login(client, city.secretary_b)
    assert client.get(reverse("opinions:page_poster", args=[a.pk])).status_code == 404
    assert client.post(reverse("opinions:page_set_open", args=[a.pk]), {"is_open": "0"}).status_code == 404
    a.refresh_from_db()
    assert a.is_open
    login(client, city.office)
    listing = client.get(reverse("opinions:pages")).content.decode()
    assert "甲一支部意见箱" in listing and "乙一支部意见箱" in listing


def test_a_page_is_closed_and_opened_again(client, city, pages):
    a, _b = pages
    login(client, city.branch_secretary_a)
    url = reverse("opinions:page_set_open", args=[a.pk])
    assert client.post(url, {}).status_code == 404  # a bare POST says nothing
    assert client.post(url, {"is_open": "0"}).status_code == 302
    a.refresh_from_db()
    assert not a.is_open
    client.logout()
    refused = client.post(reverse("opinions_public:page", args=[a.code]), {"text": "x", "direction": "down_up"})
    assert refused.status_code == 410
    login(client, city.branch_secretary_a)
    assert client.post(url, {"is_open": "1"}).status_code == 302
    a.refresh_from_db()
    assert a.is_open
    assert AuditEntry.objects.filter(event="opinions.page.changed").count() == 2


def test_a_supervisor_sees_the_poster_but_may_not_close_it(client, city, pages):
    a, _b = pages
    login(client, city.supervisor_a)
    poster = client.get(reverse("opinions:page_poster", args=[a.pk]))
    assert poster.status_code == 200 and not poster.context["may_change"]
    assert 'action="/opinions/pages/' not in poster.content.decode()
    assert client.post(reverse("opinions:page_set_open", args=[a.pk]), {"is_open": "0"}).status_code == 404
    a.refresh_from_db()
    assert a.is_open
    assert client.get(reverse("opinions:page_new")).status_code == 404


def test_a_page_is_opened_only_for_an_organisation_one_may_change(client, city):
    login(client, city.secretary_a)
    form = client.get(reverse("opinions:page_new"), {"organisation": city.branch_b.pk})
    assert form.status_code == 200 and "乙一支部" not in form.content.decode()
    assert form.context["form"]["organisation"].value() is None
    response = client.post(
        reverse("opinions:page_new"), {"organisation": city.branch_b.pk, "direction": Direction.PUBLIC_OFFICIAL}
    )
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert not IntakePage.objects.exists()
    login(client, city.member_user_a)
    assert client.get(reverse("opinions:page_new")).status_code == 404


def test_staff_pages_need_signing_in(client, pages):
    for url in (reverse("opinions:pages"), reverse("opinions:page_poster", args=[pages[0].pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_reads_a_fixed_number_of_queries(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, city.secretary_a)
    for i in range(2):
        services.open_page(organisation=city.branch_a, actor=None, title=f"页{i}")
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("opinions:pages")).status_code == 200
    for i in range(2, 12):
        services.open_page(organisation=city.branch_a2, actor=None, title=f"页{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("opinions:pages")).status_code == 200
    assert len(many) == len(few)
