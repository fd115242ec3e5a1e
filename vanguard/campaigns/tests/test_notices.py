"""Notices with read receipts per child subtree, and briefings internal or public (DOMAIN §2 内外有别, §10)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, get_resolver, reverse

from conftest import make_user
from vanguard.campaigns import notices
from vanguard.campaigns.models import Briefing, NoticeReceipt, Visibility
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(city):
    return notices.send_notice(organisation=city.root, title="关于开展学习动员的通知", body="请按时召开动员大会。",
                               actor=city.office)  # fmt: skip


def receipts(notice) -> dict[str, bool]:
    return {
        name: read is not None
        for name, read in NoticeReceipt.objects.filter(notice=notice).values_list("organisation__name", "read_at")
    }


def test_a_notice_reaches_every_organisation_below_the_sender(city, notice):
    everyone = ["甲区委", "甲街道党工委", "甲一支部", "甲二支部", "乙区委", "乙一支部"]
    assert receipts(notice) == dict.fromkeys(everyone, False)
    assert notice.recipients == 6
    assert AuditEntry.objects.filter(event=notices.NOTICE_SENT, object_id=str(notice.pk)).count() == 1
    assert NoticeReceipt.objects.get(notice=notice, organisation=city.branch_a).org_path == city.branch_a.path


def test_a_notice_to_some_kinds_only(city):
    sent = notices.send_notice(organisation=city.root, title="t", body="b", kinds=[Kind.DISTRICT], actor=city.office)
    assert set(receipts(sent)) == {"甲区委", "乙区委"}
    with pytest.raises(ValidationError):
        notices.send_notice(organisation=city.root, title="t", body="b", kinds=["planet"], actor=city.office)
    with pytest.raises(ValidationError):  # reaches nobody: refused, nothing kept
        notices.send_notice(organisation=city.branch_a, title="t", body="b", actor=city.office)
    assert NoticeReceipt.objects.filter(notice__organisation=city.branch_a).count() == 0


def test_only_an_office_sends(city):
    for who in (city.secretary_a, city.supervisor_a, city.branch_secretary_a):
        with pytest.raises(ValidationError):
            notices.send_notice(organisation=city.district_a, title="t", body="b", actor=who)
    district_office = make_user("office_a", "admin", city.district_a)
    with pytest.raises(ValidationError):
        notices.send_notice(organisation=city.root, title="t", body="b", actor=district_office)
    assert notices.send_notice(organisation=city.district_a, title="t", body="b", actor=district_office).recipients == 3


def test_recipients_see_their_notices_unread_first_and_opening_marks_read(client, city, notice):
    later = notices.send_notice(organisation=city.district_a, title="甲区通知", body="…",
                                actor=make_user("office_a", "admin", city.district_a))  # fmt: skip
    client.force_login(city.branch_secretary_a)
    mine = client.get(reverse("campaigns:notices")).context["page"]
    assert [(n.title, n.unread) for n in mine] == [("甲区通知", True), ("关于开展学习动员的通知", True)]
    page = client.get(reverse("campaigns:notice", args=[notice.pk]))
    assert page.status_code == 200 and "请按时召开动员大会" in page.content.decode()
    assert not page.context["may_follow"]
    assert receipts(notice)["甲一支部"] and not receipts(notice)["甲二支部"]
    assert NoticeReceipt.objects.get(notice=notice, organisation=city.branch_a).read_by == city.branch_secretary_a
    assert AuditEntry.objects.filter(event=notices.NOTICE_READ).count() == 1
    client.get(reverse("campaigns:notice", args=[notice.pk]))  # a second opening changes nothing
    assert AuditEntry.objects.filter(event=notices.NOTICE_READ).count() == 1
    mine = client.get(reverse("campaigns:notices")).context["page"]
    assert [(n.title, n.unread) for n in mine] == [("甲区通知", True), ("关于开展学习动员的通知", False)]
    # A branch secretary follows no notice: the figures are the sender's.
    assert client.get(reverse("campaigns:notice_receipts", args=[notice.pk])).status_code == 404
    assert later.pk


def test_a_sibling_districts_users_get_404(client, city):
    office_b = make_user("office_b", "admin", city.district_b)
    notice_b = notices.send_notice(organisation=city.district_b, title="乙区通知", body="…", actor=office_b)
    briefing_b = notices.publish_briefing(organisation=city.district_b, title="乙区简报", body="…",
                                          visibility=Visibility.INTERNAL, actor=office_b)  # fmt: skip
    for user in (city.secretary_a, city.branch_secretary_a, city.supervisor_a):
        client.force_login(user)
        assert client.get(reverse("campaigns:notice", args=[notice_b.pk])).status_code == 404
        assert client.get(reverse("campaigns:notice_receipts", args=[notice_b.pk])).status_code == 404
        assert client.get(reverse("campaigns:briefing", args=[briefing_b.pk])).status_code == 404
        assert "乙区" not in client.get(reverse("campaigns:notices")).content.decode()
        assert "乙区简报" not in client.get(reverse("campaigns:briefings")).content.decode()
    assert not NoticeReceipt.objects.filter(notice=notice_b, read_at__isnull=False).exists()


def read_by(notice, *organisations) -> None:
    NoticeReceipt.objects.filter(notice=notice, organisation__in=organisations).update(read_at="2026-01-01T00:00Z")


def test_read_counts_per_child_subtree(city, notice):
    read_by(notice, city.district_a, city.branch_a, city.branch_b)
    rows = {row.organisation.name: (row.total, row.read, row.unread) for row in notices.read_counts(notice, city.root)}
    assert rows == {"甲区委": (4, 2, 2), "乙区委": (2, 1, 1)}
    # Drill down to district A: its children, and who has not read.
    rows = {r.organisation.name: (r.total, r.read) for r in notices.read_counts(notice, city.district_a)}
    assert rows == {"甲街道党工委": (3, 1)}
    unread = [org.name for org in notices.unread_organisations(notice, city.district_a)]
    assert unread == ["甲街道党工委", "甲二支部"]


def test_read_counts_are_one_grouped_query(city, notice, django_assert_num_queries):
    for n in range(5):
        OrganisationFactory(name=f"新区{n}", kind=Kind.DISTRICT, parent=city.root)
    more = notices.send_notice(organisation=city.root, title="t", body="b", actor=city.office)
    with django_assert_num_queries(2):  # the grouped counts, then the children's names
        rows = notices.read_counts(more, city.root)
    assert len(rows) == 7


def test_the_senders_page_drills_down(client, city, notice):
    read_by(notice, city.branch_a)
    client.force_login(city.office)
    page = client.get(reverse("campaigns:notice_receipts", args=[notice.pk]))
    assert page.status_code == 200
    assert (page.context["total"], page.context["read"], page.context["unread"]) == (6, 1, 5)
    body = page.content.decode()
    assert f'data-org="{city.district_a.pk}"' in body and f'data-org="{city.district_b.pk}"' in body
    drill = client.get(reverse("campaigns:notice_receipts", args=[notice.pk]), {"within": city.committee_a.pk})
    assert (drill.context["total"], drill.context["read"]) == (3, 1)
    assert [o.name for o in drill.context["unread_organisations"]] == ["甲街道党工委", "甲二支部"]
    assert list(drill.context["trail"]) == [city.root, city.district_a]
    # Outside the notice's subtree, or nonsense: 404.
    office_b = make_user("office_b", "admin", city.district_b)
    notice_b = notices.send_notice(organisation=city.district_b, title="乙", body="…", actor=office_b)
    url = reverse("campaigns:notice_receipts", args=[notice_b.pk])
    assert client.get(url, {"within": city.district_a.pk}).status_code == 404
    assert client.get(url, {"within": "x"}).status_code == 404


def test_sending_through_the_page(client, city):
    client.force_login(city.office)
    response = client.post(
        reverse("campaigns:notice_new"),
        {"organisation": city.root.pk, "title": "通知", "body": "正文", "kinds": [Kind.BRANCH]},
    )
    assert response.status_code == 302
    reached = set(NoticeReceipt.objects.values_list("organisation__name", flat=True))
    assert reached == {"甲一支部", "甲二支部", "乙一支部"}
    client.force_login(city.secretary_a)
    assert client.get(reverse("campaigns:notice_new")).status_code == 404
    assert client.post(reverse("campaigns:notice_new"), {"organisation": city.root.pk}).status_code == 404


# --- briefings ----------------------------------------------------------------------------------------------


def publish(city, visibility, **extra):
    fields = {"organisation": city.root, "title": "学习动员阶段工作简报", "body": "全市各级党组织……", **extra}
    return notices.publish_briefing(visibility=visibility, actor=city.office, **fields)


def test_public_briefings_are_on_the_public_page_without_sign_in(client, city):
    public = publish(city, Visibility.PUBLIC, title="公开简报")
    internal = publish(city, Visibility.INTERNAL, title="内部简报")
    listing = client.get(reverse("public:briefings"))
    assert listing.status_code == 200
    assert "公开简报" in listing.content.decode() and "内部简报" not in listing.content.decode()
    assert client.get(reverse("public:briefing", args=[public.pk])).status_code == 200
    assert client.get(reverse("public:briefing", args=[internal.pk])).status_code == 404
    assert client.post(reverse("public:briefing", args=[public.pk])).status_code == 405
    assert AuditEntry.objects.filter(event=notices.BRIEFING_PUBLISHED).count() == 2


def test_internal_briefings_reach_the_subtree_only(client, city):
    internal = publish(city, Visibility.INTERNAL, organisation=city.district_a, title="甲区内部简报")
    for user, sees in ((city.branch_secretary_a, True), (city.office, True), (city.secretary_b, False)):
        client.force_login(user)
        assert client.get(reverse("campaigns:briefing", args=[internal.pk])).status_code == (200 if sees else 404)
        assert ("甲区内部简报" in client.get(reverse("campaigns:briefings")).content.decode()) == sees


def test_a_pilots_briefing_cannot_be_public(city):
    """DOMAIN §2, 内外有别: publicity about pilots is internal."""
    pilot_campaign = make_campaign(city.district_a, name="试点", is_pilot=True)
    with pytest.raises(ValidationError) as refused:
        publish(city, Visibility.PUBLIC, organisation=city.district_a, campaign=pilot_campaign)
    assert refused.value.error_dict["visibility"][0].code == "internal_only"
    make_campaign(city.root, name="全市", pilots=[city.branch_a])
    with pytest.raises(ValidationError):  # published by a pilot unit
        notices.publish_briefing(organisation=city.branch_a, title="t", body="b", visibility=Visibility.PUBLIC,
                                 actor=city.office)  # fmt: skip
    with pytest.raises(ValidationError) as named:  # naming a pilot unit
        publish(city, Visibility.PUBLIC, body="甲一支部的经验做法")
    assert "甲一支部" in named.value.message_dict["visibility"][0]
    assert not Briefing.objects.exists()
    # The same briefings are fine as internal ones, and a briefing about no pilot may be public.
    assert publish(city, Visibility.INTERNAL, body="甲一支部的经验做法").visibility == Visibility.INTERNAL
    assert publish(city, Visibility.PUBLIC, body="甲二支部的经验做法").visibility == Visibility.PUBLIC


def test_the_refusal_shows_on_the_form(client, city):
    make_campaign(city.root, name="全市", pilots=[city.branch_a])
    client.force_login(city.office)
    response = client.post(
        reverse("campaigns:briefing_new"),
        {"organisation": city.root.pk, "title": "甲一支部试点经验", "body": "…", "visibility": Visibility.PUBLIC},
    )
    assert response.status_code == 200 and response.context["form"].errors["visibility"]
    assert not Briefing.objects.exists()
    response = client.post(
        reverse("campaigns:briefing_new"),
        {"organisation": city.root.pk, "title": "全市进展", "body": "…", "visibility": Visibility.PUBLIC},
    )
    assert response.status_code == 302 and Briefing.objects.get().visibility == Visibility.PUBLIC


def test_public_pages_are_the_only_ones_open_without_sign_in(client, city, notice):
    """Every campaign page sends an anonymous visitor to sign in; the /public/ pages are marked public on purpose."""
    briefing = publish(city, Visibility.PUBLIC)
    for namespace, pk in (("campaigns", notice.pk), ("public", briefing.pk)):
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            assert isinstance(pattern, URLPattern)
            url = reverse(f"{namespace}:{pattern.name}", kwargs={"pk": pk} if pattern.pattern.regex.groupindex else {})
            response = client.get(url)
            if namespace == "public":
                assert getattr(pattern.callback, "public_page", False), url
                assert response.status_code == 200, url
            else:  # a POST-only page may refuse the method before asking for a sign-in
                assert not getattr(pattern.callback, "public_page", False), url
                assert response.status_code == 405 or "/accounts/login/" in response.get("Location", ""), url
