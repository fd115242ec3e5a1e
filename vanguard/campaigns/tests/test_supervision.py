"""Supervision (DOMAIN §7): groups, people, assigned units, visits, the scope a group's people get, acceptance."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_user
from vanguard.accounts import scoping
from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.campaigns import supervision
from vanguard.campaigns.models import CampaignStatus, GroupKind, GroupMember, Visit
from vanguard.campaigns.tests.factories import make_campaign, unit_of
from vanguard.core.models import AuditEntry
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(city):
    return make_campaign(city.root, pilots=[city.branch_a2])


@pytest.fixture
def inspector(city):
    """A supervisor with no role anywhere: what they see comes from their group alone."""
    return make_user("inspector")


@pytest.fixture
def group(city, campaign, inspector):
    group = supervision.create_group(campaign=campaign, name="第一督导组", kind="supervision", actor=city.office)
    supervision.add_person(group=group, user=inspector, is_leader=True, actor=city.office)
    supervision.assign_units(group=group, units=[unit_of(campaign, city.committee_a)], actor=city.office)
    return group


def events(code: str) -> int:
    return AuditEntry.objects.filter(event=code).count()


def test_the_office_creates_a_group_adds_people_and_assigns_units(city, campaign, group, inspector):
    assert group.sent_by == city.root and group.org_path == city.root.path
    assert list(group.people.values_list("user__username", "is_leader")) == [("inspector", True)]
    assert list(group.units.values_list("organisation__name", flat=True)) == ["甲街道党工委"]
    assert events(supervision.GROUP_CREATED) == events(supervision.PERSON_ADDED) == 1
    assert events(supervision.UNITS_ASSIGNED) == 1
    # A new leader takes over; assigning the same unit again changes nothing and writes nothing.
    deputy = make_user("deputy")
    supervision.add_person(group=group, user=deputy, is_leader=True, actor=city.office)
    assert list(group.people.filter(is_leader=True).values_list("user__username", flat=True)) == ["deputy"]
    assert supervision.assign_units(group=group, units=[unit_of(campaign, city.committee_a)], actor=city.office) == 0
    assert events(supervision.UNITS_ASSIGNED) == 1
    with pytest.raises(ValidationError):
        supervision.add_person(group=group, user=deputy, actor=city.office)


def test_only_an_office_sends_groups(city, campaign):
    for who in (city.secretary_a, city.supervisor_a, city.branch_secretary_a):
        with pytest.raises(ValidationError):
            supervision.create_group(campaign=campaign, name="x", kind=GroupKind.SUPERVISION, actor=who)
    # A district office inside the campaign sends from its own organisation, to its own subtree only.
    district_office = make_user("office_a", "admin", city.district_a)
    own = supervision.create_group(campaign=campaign, name="甲区督导组", kind="supervision", actor=district_office)
    assert own.sent_by == city.district_a
    with pytest.raises(ValidationError):
        supervision.assign_units(group=own, units=[unit_of(campaign, city.branch_b)], actor=district_office)
    with pytest.raises(ValidationError):  # the city's group is not the district office's to change
        group = supervision.create_group(campaign=campaign, name="市督导组", kind="supervision", actor=city.office)
        supervision.add_person(group=group, user=city.secretary_b, actor=district_office)


def test_a_stationed_group_sits_only_with_pilot_units(city, campaign):
    stationed = supervision.create_group(campaign=campaign, name="蹲点组", kind=GroupKind.STATIONED, actor=city.office)
    with pytest.raises(ValidationError) as refused:
        supervision.assign_units(group=stationed, units=[unit_of(campaign, city.branch_a)], actor=city.office)
    assert "units" in refused.value.message_dict
    assert supervision.assign_units(group=stationed, units=[unit_of(campaign, city.branch_a2)], actor=city.office)
    assert list(supervision.assignable_units(stationed)) == []  # the only pilot is taken


def test_a_supervisor_sees_only_the_assigned_units_and_their_subtrees(city, campaign, group, inspector):
    assert can_at_path(inspector, Action.VIEW, city.branch_a.path)
    assert can_at_path(inspector, Action.VIEW, city.committee_a.path)
    assert not can_at_path(inspector, Action.VIEW, city.district_a.path)
    assert not can_at_path(inspector, Action.VIEW, city.branch_b.path)
    assert not can_at_path(inspector, Action.CHANGE, city.branch_a.path)
    seen = set(restrict(Organisation.objects.all(), inspector).values_list("name", flat=True))
    assert seen == {"甲街道党工委", "甲一支部", "甲二支部"}
    assert list(restrict(Member.objects.all(), inspector).values_list("name", flat=True)) == ["张甲"]


def test_the_grant_ends_with_the_campaign(city, campaign, group, inspector):
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    scoping.forget(inspector)
    assert not can_at_path(inspector, Action.VIEW, city.branch_a.path)


def test_the_grant_costs_no_query_of_its_own(city, group, inspector, django_assert_num_queries):
    with django_assert_num_queries(1):
        scoping.scope_roots(inspector)
    with django_assert_num_queries(0):
        scoping.scope_roots(inspector)  # cached on the user
    secretary = city.secretary_a  # roles and no group: still one statement
    with django_assert_num_queries(1):
        assert scoping.scope_roots(secretary) == [city.district_a.path]


def test_the_supervisors_pages(client, city, campaign, group, inspector):
    client.force_login(inspector)
    assert client.get(reverse("orgs:detail", args=[city.branch_a.pk])).status_code == 200
    assert client.get(reverse("orgs:detail", args=[city.district_a.pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[city.branch_b.pk])).status_code == 404
    assert client.get(reverse("members:detail", args=[city.member_b.pk])).status_code == 404
    page = client.get(reverse("campaigns:supervision_group", args=[group.pk]))
    assert page.status_code == 200 and page.context["may_visit"] and not page.context["may_manage"]
    assert group.name in client.get(reverse("campaigns:supervision_groups")).content.decode()
    # Not the office: the management pages are not theirs.
    assert client.get(reverse("campaigns:supervision_person", args=[group.pk])).status_code == 404
    assert client.get(reverse("campaigns:supervision_group_new", args=[campaign.pk])).status_code == 404


def test_a_sibling_districts_users_get_404(client, city, campaign, group):
    sibling = make_user("sibling_office", "admin", city.district_b)
    for user in (city.secretary_b, sibling, city.secretary_a):
        client.force_login(user)
        for name in ("supervision_group", "supervision_person", "supervision_units", "supervision_visit"):
            assert client.get(reverse(f"campaigns:{name}", args=[group.pk])).status_code == 404, (user, name)
        assert group.name not in client.get(reverse("campaigns:supervision_groups")).content.decode()


def test_members_record_visits_to_covered_units(city, campaign, group, inspector, today):
    branch = unit_of(campaign, city.branch_a)
    visit = supervision.record_visit(
        group=group, unit=branch, visited_on=today, talks=12, findings="学习笔记齐全", advice="加强谈心", rating="good",
        actor=inspector,
    )  # fmt: skip
    assert visit.recorded_by == inspector and events(supervision.VISIT_RECORDED) == 1
    assert list(supervision.visits_of(branch)) == [visit]
    with pytest.raises(ValidationError):  # not a unit the group covers
        supervision.record_visit(group=group, unit=unit_of(campaign, city.branch_b), visited_on=today, findings="x",
                                 actor=inspector)  # fmt: skip
    with pytest.raises(ValidationError):  # the office is not one of the group's people
        supervision.record_visit(group=group, unit=branch, visited_on=today, findings="x", actor=city.office)
    with pytest.raises(ValidationError):
        supervision.record_visit(group=group, unit=branch, visited_on=today + datetime.timedelta(days=1),
                                 findings="x", actor=inspector)  # fmt: skip
    assert Visit.objects.count() == 1


def test_visit_and_management_pages(client, city, campaign, group, inspector, today):
    client.force_login(city.office)
    response = client.post(reverse("campaigns:supervision_person", args=[group.pk]), {"username": "sec_b"})
    assert response.status_code == 302
    assert GroupMember.objects.filter(group=group, user=city.secretary_b).exists()
    missing = client.post(reverse("campaigns:supervision_person", args=[group.pk]), {"username": "nobody"})
    assert missing.status_code == 200 and missing.context["form"].errors["username"]
    response = client.post(
        reverse("campaigns:supervision_units", args=[group.pk]),
        {"units": [unit_of(campaign, city.district_b).pk], "codes": city.branch_a2.code},
    )
    assert response.status_code == 302
    assert set(group.units.values_list("organisation__name", flat=True)) == {"甲街道党工委", "乙区委", "甲二支部"}
    bad_code = client.post(reverse("campaigns:supervision_units", args=[group.pk]), {"codes": "000"})
    assert bad_code.status_code == 200 and "000" in str(bad_code.context["form"].errors["codes"])

    client.force_login(inspector)
    visit_url = reverse("campaigns:supervision_visit", args=[group.pk])
    form = client.get(visit_url)
    assert form.status_code == 200
    response = client.post(
        visit_url,
        {"unit": unit_of(campaign, city.committee_a).pk, "visited_on": today.isoformat(), "talks": 3,
         "findings": "动员会记录完整", "advice": "", "rating": "fair"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("campaigns:supervision_group", args=[group.pk])).content.decode()
    assert "动员会记录完整" in page


def test_the_office_creates_a_group_through_its_page(client, city, campaign):
    client.force_login(city.office)
    assert str(campaign.pk) in client.get(reverse("campaigns:supervision_groups")).content.decode()
    response = client.post(
        reverse("campaigns:supervision_group_new", args=[campaign.pk]), {"name": "第二督导组", "kind": "stationed"}
    )
    made = campaign.supervision_groups.get()
    assert response.status_code == 302 and made.kind == GroupKind.STATIONED
    client.force_login(city.secretary_a)
    assert client.get(reverse("campaigns:supervision_group_new", args=[campaign.pk])).status_code == 404


def test_who_may_accept(city, campaign, group, inspector):
    """A member of a group assigned to the unit or a unit above it; no one of another group or elsewhere."""
    other = supervision.create_group(campaign=campaign, name="乙区组", kind="supervision", actor=city.office)
    outsider = make_user("outsider")
    supervision.add_person(group=other, user=outsider, actor=city.office)
    supervision.assign_units(group=other, units=[unit_of(campaign, city.district_b)], actor=city.office)
    branch_a, branch_b = unit_of(campaign, city.branch_a), unit_of(campaign, city.branch_b)
    assert supervision.may_accept(inspector, branch_a)
    assert supervision.may_accept(inspector, unit_of(campaign, city.committee_a))
    assert not supervision.may_accept(inspector, unit_of(campaign, city.district_a))  # above the assigned unit
    assert not supervision.may_accept(inspector, branch_b)
    assert supervision.may_accept(outsider, branch_b) and not supervision.may_accept(outsider, branch_a)
    assert not supervision.may_accept(city.office, branch_a)
    assert list(supervision.covering_groups(branch_a)) == [group]
    assert not supervision.covering_groups(unit_of(campaign, city.root)).exists()
    # Another campaign's groups never cover this campaign's units.
    later = make_campaign(city.root, name="later")
    assert not supervision.may_accept(inspector, unit_of(later, city.branch_a))


def test_a_grant_source_may_give_plain_pairs(city, monkeypatch):
    """`register_grants` takes a queryset (folded into the roles' statement) or any iterable of pairs."""
    stranger = make_user("stranger")
    monkeypatch.setattr(scoping, "_grants", list(scoping._grants))
    scoping.register_grants(lambda user: [(Action.CHANGE, city.branch_b.path)] if user.pk == stranger.pk else [])
    assert scoping.scope_roots(stranger, Action.CHANGE) == [city.branch_b.path]
    assert scoping.scope_roots(stranger, Action.VIEW) == []
