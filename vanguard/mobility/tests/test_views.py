"""Pages: both sides of one person away, study recorded by the inflow side and seen at home, cards, lost contact,
figures and their workbook; what the inflow organisation may and may not see."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Category
from vanguard.mobility.models import Card, LostContact, MobileRecord, RecordStatus
from vanguard.mobility.tests import factories
from vanguard.study.models import StudyRecord

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def guangdong(city):
    organisation = factories.outside_organisation(city.district_b)
    organisation.secretary = make_user("gd_sec", Role.SECRETARY, organisation)
    return organisation


def test_the_home_branch_registers_the_inflow_side_receives_and_records_study(client, city, guangdong):
    make_campaign(city.root)
    client.force_login(city.branch_secretary_a)
    page = client.get(reverse("mobility:register_away", args=[city.branch_a.pk]))
    assert page.status_code == 200 and guangdong.name in page.content.decode()
    choice = str(guangdong.pk)
    response = client.post(
        reverse("mobility:register_away", args=[city.branch_a.pk]),
        {
            "member": city.member_a.pk,
            "destination": "广东省东莞市",
            "away_since": TODAY - datetime.timedelta(days=40),
            "contact": "13900000000",
            "inflow": next(p.pk for p in factories.ServicePoint.objects.filter(organisation_id=choice)),
        },
    )
    record = MobileRecord.objects.get(member=city.member_a)
    assert response.status_code == 302 and record.inflow_organisation_id == guangdong.pk
    # The inflow side: awaiting on its page, receives, records study with the member's record as the way back.
    client.force_login(guangdong.secretary)
    page = client.get(reverse("mobility:organisation", args=[guangdong.pk]))
    assert 'data-testid="awaiting"' in page.content.decode() and city.member_a.name in page.content.decode()
    response = client.post(
        reverse("mobility:record", args=[record.pk]), {"action": "receive", "receive-on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.RECEIVED
    page = client.get(reverse("mobility:record", args=[record.pk])).content.decode()
    assert 'data-testid="record-study"' in page
    back = reverse("mobility:record", args=[record.pk])
    response = client.post(
        reverse("study:record_for", args=[city.member_a.pk]) + f"?next={back}",
        {"activity": "remote", "studied_on": TODAY.isoformat(), "hours": "2", "what": "学习党章（东莞）"},
    )
    assert response.status_code == 302 and response["Location"] == back
    study = StudyRecord.objects.get(member=city.member_a)
    assert study.recorded_at_organisation_id == guangdong.pk
    # The inflow side never sees the home branch's other members or pages.
    other = MemberFactory(organisation=city.branch_a, name="留守党员")
    assert client.get(reverse("members:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("mobility:organisation", args=[city.branch_a.pk])).status_code == 404
    assert client.get(reverse("members:detail", args=[city.member_a.pk])).status_code == 200
    # The home branch sees what the inflow side recorded, on the same page.
    client.force_login(city.branch_secretary_a)
    page = client.get(back).content.decode()
    assert "学习党章（东莞）" in page and guangdong.name in page


def test_an_unsafe_next_is_ignored(client, city, guangdong):
    make_campaign(city.root)
    factories.record(city.member_a, inflow=guangdong, status=RecordStatus.RECEIVED)
    city.member_a.host_organisation = guangdong
    city.member_a.save()
    client.force_login(guangdong.secretary)
    response = client.post(
        reverse("study:record_for", args=[city.member_a.pk]) + "?next=https://evil.example/",
        {"activity": "remote", "studied_on": TODAY.isoformat(), "hours": "1", "what": "x"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_the_inflow_side_sees_only_records_registered_to_it(client, city, guangdong):
    mine = factories.record(city.member_a, inflow=guangdong)
    elsewhere = factories.record(MemberFactory(organisation=city.branch_a, name="去浙江"))
    client.force_login(guangdong.secretary)
    assert client.get(reverse("mobility:record", args=[mine.pk])).status_code == 200
    assert client.get(reverse("mobility:record", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("mobile-record-list")).json()["count"] == 1
    # A member of the home branch (not the secretary) sees none of it.
    client.force_login(city.member_user_a)
    assert client.get(reverse("mobility:record", args=[mine.pk])).status_code == 404


def test_cards_on_the_record_page(client, city):
    record = factories.record(city.member_a, since=TODAY - datetime.timedelta(days=400))
    factories.record(MemberFactory(organisation=city.branch_a), since=TODAY - datetime.timedelta(days=10))
    Card.objects.create(
        member=MemberFactory(organisation=city.branch_a2),
        number="YD-1",
        issued_by=city.branch_a2,
        org_path=city.branch_a2.path,
        issued_on=TODAY,
        valid_until=TODAY + datetime.timedelta(days=30),
    )
    client.force_login(city.branch_secretary_a)
    page = client.get(reverse("mobility:record", args=[record.pk])).content.decode()
    assert 'data-testid="needs-card"' in page and 'data-testid="action-issue_card"' in page
    url = reverse("mobility:record", args=[record.pk])
    response = client.post(url, {"action": "issue_card", "issue_card-number": "YD-1", "issue_card-issued_on": TODAY})
    assert response.status_code == 400 and "YD-1" in response.content.decode()
    assert not Card.objects.filter(member=city.member_a).exists()
    response = client.post(url, {"action": "issue_card", "issue_card-number": "YD-2", "issue_card-issued_on": TODAY})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="needs-card"' not in page and 'data-testid="action-renew_card"' in page
    # An action the page does not offer is refused outright.
    assert client.post(url, {"action": "issue_card", "issue_card-number": "YD-3"}).status_code == 404
    assert client.post(url, {"action": "transferred"}).status_code == 404


def test_the_organisation_page_lists_who_needs_a_card(client, city, django_assert_max_num_queries):
    MemberFactory(
        organisation=city.branch_a,
        name="久出未证",
        category=Category.MOBILE,
        mobile_since=TODAY.replace(year=TODAY.year - 1),
    )
    client.force_login(city.secretary_a)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("mobility:organisation", args=[city.district_a.pk])).content.decode()
    assert "久出未证" in page and 'data-testid="need-card-row"' in page
    client.force_login(city.secretary_b)
    assert client.get(reverse("mobility:organisation", args=[city.district_a.pk])).status_code == 404


def test_lost_contact_pages(client, city):
    client.force_login(city.branch_secretary_a)
    response = client.post(
        reverse("mobility:open_lost", args=[city.branch_a.pk]),
        {"member": city.member_a.pk, "lost_since": TODAY - datetime.timedelta(days=700), "last_known": "南岸"},
    )
    case = LostContact.objects.get()
    assert response.status_code == 302
    url = reverse("mobility:lost", args=[case.pk])
    response = client.post(url, {"action": "close", "close-on": TODAY, "close-reason": "x"})
    assert response.status_code == 400 and "search" in response.content.decode()
    client.post(
        url,
        {"action": "search", "search-searched_on": TODAY, "search-method": "visit", "search-result": "邻居说去了深圳"},
    )
    response = client.post(url, {"action": "found", "found-on": TODAY, "found-where": "深圳"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "邻居说去了深圳" in page and 'data-testid="history"' in page and 'data-testid="actions"' not in page
    # The member's own page links to nothing here once found; a sibling district sees nothing.
    client.force_login(city.secretary_b)
    assert client.get(url).status_code == 404


def test_figures_page_and_workbook(client, city, guangdong):
    factories.record(city.member_a, inflow=guangdong, status=RecordStatus.RECEIVED)
    factories.point(city.committee_a)
    client.force_login(city.office)
    page = client.get(reverse("mobility:figures", args=[city.root.pk]))
    assert page.status_code == 200 and 'data-testid="block-away"' in page.content.decode()
    response = client.get(reverse("mobility:figures_xlsx", args=[city.root.pk]))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[:3] == ["1 服务网络", "2 流动党员", "3 失联党员"]
    rows = book.get_sheet_by_name("2 流动党员").to_python()
    with translation.override("zh-hans"):
        label = translation.gettext("Members away (each counted once)")
    away = next(row for row in rows if row and row[0] == label)
    assert away[1] == 1
    bad = client.get(reverse("mobility:figures", args=[city.root.pk]), {"start": "2026-02-01", "end": "2026-01-01"})
    assert '<span class="error">' in bad.content.decode()
