import datetime

import pytest

from conftest import make_user
from vanguard.accounts import scoping
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.accounts.scoping import Action, restrict
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_secretary_sees_own_subtree_only(city):
    orgs = names(restrict(Organisation.objects.all(), city.secretary_a))
    assert orgs == {"甲区委", "甲街道党工委", "甲一支部", "甲二支部"}
    assert names(restrict(Member.objects.all(), city.secretary_a)) == {"张甲"}


def test_office_sees_everything_below_the_city(city):
    assert names(restrict(Member.objects.all(), city.office)) == {"张甲", "李乙"}


def test_supervisor_may_view_but_not_change(city):
    assert names(restrict(Member.objects.all(), city.supervisor_a)) == {"张甲"}
    assert not restrict(Member.objects.all(), city.supervisor_a, Action.CHANGE).exists()


def test_member_sees_only_their_own_record_and_branch(city):
    user = city.member_user_a
    assert names(restrict(Member.objects.all(), user)) == {"张甲"}
    assert names(restrict(Organisation.objects.all(), user)) == {"甲一支部"}
    assert not restrict(Member.objects.all(), user, Action.CHANGE).exists()


def test_user_without_roles_sees_nothing(city):
    nobody = make_user("nobody")
    assert not restrict(Organisation.objects.all(), nobody).exists()
    assert not restrict(Member.objects.all(), nobody).exists()


def test_superuser_is_unrestricted(city):
    root = make_user("root", is_superuser=True)
    assert restrict(Member.objects.all(), root).count() == 2


def test_expired_role_grants_nothing_and_successor_inherits(city):
    """DOMAIN §1: rights belong to a role held for a period, not to a person."""
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    RoleAssignment.objects.filter(user=city.secretary_b).update(valid_until=yesterday)
    scoping.forget(city.secretary_b)
    assert not restrict(Member.objects.all(), city.secretary_b).exists()
    successor = make_user("successor", Role.SECRETARY, city.district_b)
    assert names(restrict(Member.objects.all(), successor)) == {"李乙"}


def test_hosting_branch_sees_but_cannot_change_hosted_member(city):
    Member.objects.filter(pk=city.member_b.pk).update(host_organisation=city.branch_a)
    seen = restrict(Member.objects.all(), city.branch_secretary_a)
    assert names(seen) == {"张甲", "李乙"}
    assert names(restrict(Member.objects.all(), city.branch_secretary_a, Action.CHANGE)) == {"张甲"}


def test_nested_roles_do_not_duplicate_rows(city):
    RoleAssignment.objects.create(user=city.secretary_a, role=Role.SECRETARY, organisation=city.branch_a)
    scoping.forget(city.secretary_a)
    assert restrict(Member.objects.all(), city.secretary_a).count() == 1
