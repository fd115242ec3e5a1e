import pytest
from django.core.management import call_command
from django.db.models import F

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.members.models import Category, Member, Transfer
from vanguard.orgs.models import BRANCH_KINDS, Organisation, Reorganisation

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_small_populated_city():
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    branches = Organisation.objects.filter(kind__in=BRANCH_KINDS).count()
    assert 140 <= branches <= 170
    assert 4000 <= Member.objects.count() <= 6500
    present = set(Member.objects.values_list("category", flat=True).distinct())
    assert present == set(Category.values)
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Transfer.objects.values("status").distinct().count() == 3
    assert Reorganisation.objects.exists()
    assert Member.objects.filter(host_organisation__isnull=False).exists()
    # Every member's denormalised path agrees with its organisation's.
    assert not Member.objects.exclude(org_path=F("organisation__path")).exists()


def test_seed_demo_refuses_a_non_empty_database_unless_asked(city):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
    call_command("seed_demo", "--if-empty", verbosity=0)  # quietly does nothing
    assert Organisation.objects.count() == 7
