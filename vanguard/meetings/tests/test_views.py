import datetime

import pytest
from django.urls import reverse

from conftest import PASSWORD
from vanguard.meetings import services
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.meetings.tests.conftest import pdf
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def meeting_in(organisation, member, files=()):
    return services.record_meeting(
        organisation=organisation,
        actor=None,
        kind=MeetingKind.STUDY,
        title=f"{organisation.name}学习会",
        held_on=datetime.date(2026, 3, 2),
        attendees=[(member, True, "")],
        files=list(files),
    )


def test_record_a_meeting_through_the_page(client, city):
    away = MemberFactory(organisation=city.branch_a, name="王缺")
    login(client, city.branch_secretary_a)
    url = reverse("meetings:create", args=[city.branch_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "张甲" in page.content.decode() and "王缺" in page.content.decode()
    assert 'data-testid="member-search"' not in page.content.decode()  # a branch lists its own members
    response = client.post(
        url,
        {
            "kind": "mobilisation",
            "title": "动员大会",
            "held_on": "2026-03-02",
            f"attendance_{city.member_a.pk}": "present",
            f"attendance_{away.pk}": "absent",
            f"reason_{away.pk}": "出差",
            "files": [pdf()],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    detail = client.get(response["Location"])
    assert detail.context["counts"] == {"present": 1, "absent": 1, "invited": 2}
    assert "出差" in detail.content.decode()
    (item,) = meeting.files.all()
    download = client.get(reverse("meetings:download", args=[item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]


def test_a_bad_post_shows_errors_and_saves_nothing(client, city):
    login(client, city.branch_secretary_a)
    url = reverse("meetings:create", args=[city.branch_a.pk])
    response = client.post(url, {"kind": "mobilisation", "title": "x", "held_on": "2026-03-02",
                                 f"attendance_{city.member_a.pk}": "absent"})  # fmt: skip
    assert response.status_code == 200 and f"reason_{city.member_a.pk}" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_committee_search_lists_subtree_members(client, city):
    login(client, city.secretary_a)
    url = reverse("meetings:create", args=[city.committee_a.pk])
    page = client.get(url).content.decode()
    assert "张甲" not in page and 'data-testid="member-search"' in page
    found = client.get(url, {"q": "张"})
    assert "张甲" in found.content.decode()
    response = client.post(
        f"{url}?q=张",
        {"kind": "forum", "title": "座谈会", "held_on": "2026-03-02", f"attendance_{city.member_a.pk}": "present"},
    )
    assert response.status_code == 302
    assert Meeting.objects.get().attendance.get().member == city.member_a


def test_supervisor_sees_but_may_not_record(client, city):
    meeting = meeting_in(city.branch_a, city.member_a)
    login(client, city.supervisor_a)
    assert client.get(reverse("meetings:list", args=[city.district_a.pk])).status_code == 200
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("meetings:create", args=[city.branch_a.pk])).status_code == 404
    assert client.get(reverse("meetings:edit", args=[meeting.pk])).status_code == 404


def test_list_shows_the_subtree_with_counts(client, city, django_assert_max_num_queries):
    meeting_in(city.branch_a, city.member_a)
    meeting_in(city.branch_a2, MemberFactory(organisation=city.branch_a2))
    meeting_in(city.branch_b, city.member_b)
    login(client, city.secretary_a)
    with django_assert_max_num_queries(12):  # not one per meeting: the counts are annotated
        response = client.get(reverse("meetings:list", args=[city.district_a.pk]))
    body = response.content.decode()
    assert "甲一支部学习会" in body and "甲二支部学习会" in body and "乙一支部学习会" not in body
    assert [m.present_count for m in response.context["page"]] == [1, 1]
    assert client.get(reverse("meetings:list", args=[city.district_b.pk])).status_code == 404


def test_edit_and_add_files(client, city):
    meeting = meeting_in(city.branch_a, city.member_a)
    login(client, city.branch_secretary_a)
    response = client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {"kind": "study", "title": "改名", "held_on": "2026-03-03", "place": "", "speakers": "", "minutes": "纪要"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.minutes, meeting.held_on) == ("改名", "纪要", datetime.date(2026, 3, 3))
    response = client.post(reverse("meetings:add_files", args=[meeting.pk]), {"files": [pdf("a.pdf"), pdf("b.pdf")]})
    assert response.status_code == 302 and meeting.files.count() == 2
    refused = client.post(reverse("meetings:add_files", args=[meeting.pk]), {"files": [pdf("x.exe")]})
    assert refused.status_code == 200 and meeting.files.count() == 2


def test_sibling_district_gets_404_for_meeting_and_file(client, city, settings):
    meeting = meeting_in(city.branch_a, city.member_a, files=[pdf()])
    item = meeting.files.get()
    login(client, city.secretary_b)
    for url in (
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:edit", args=[meeting.pk]),
        reverse("meetings:add_files", args=[meeting.pk]),
        reverse("meetings:download", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"files": [pdf()]}).status_code == 404, url
    assert meeting.files.count() == 1


def test_files_are_not_served_from_a_public_media_url(client, city, settings):
    meeting = meeting_in(city.branch_a, city.member_a, files=[pdf()])
    item = meeting.files.get()
    login(client, city.branch_secretary_a)
    assert client.get(f"/{settings.MEDIA_URL}{item.file.name}").status_code == 404
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert item.file.name not in detail and reverse("meetings:download", args=[item.pk]) in detail


def test_organisation_page_links_to_its_meetings(client, city):
    login(client, city.secretary_a)
    body = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    assert reverse("meetings:list", args=[city.branch_a.pk]) in body
