"""Shared fixtures: a small city with two sibling districts and a user for each role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind, Organisation

PASSWORD = "test-pass-2026"


@dataclass
class City:
    root: Organisation
    district_a: Organisation
    committee_a: Organisation
    branch_a: Organisation
    branch_a2: Organisation
    district_b: Organisation
    branch_b: Organisation
    member_a: Member
    member_b: Member
    office: User  # campaign office (admin) at the city
    secretary_a: User  # secretary of district A
    secretary_b: User
    branch_secretary_a: User
    supervisor_a: User
    member_user_a: User  # member_a's own account


def make_user(username: str, role: str | None = None, organisation: Organisation | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user


@pytest.fixture
def city(db) -> City:
    root = OrganisationFactory(name="测试市委", kind=Kind.CITY_COMMITTEE)
    district_a = OrganisationFactory(name="甲区委", kind=Kind.DISTRICT, parent=root)
    committee_a = OrganisationFactory(name="甲街道党工委", kind=Kind.GRASSROOTS_COMMITTEE, parent=district_a)
    branch_a = OrganisationFactory(name="甲一支部", parent=committee_a)
    branch_a2 = OrganisationFactory(name="甲二支部", parent=committee_a)
    district_b = OrganisationFactory(name="乙区委", kind=Kind.DISTRICT, parent=root)
    branch_b = OrganisationFactory(name="乙一支部", parent=district_b)
    member_a = MemberFactory(organisation=branch_a, name="张甲", category="ordinary")
    member_b = MemberFactory(organisation=branch_b, name="李乙", category="ordinary")
    return City(
        root=root,
        district_a=district_a,
        committee_a=committee_a,
        branch_a=branch_a,
        branch_a2=branch_a2,
        district_b=district_b,
        branch_b=branch_b,
        member_a=member_a,
        member_b=member_b,
        office=make_user("office", Role.ADMIN, root),
        secretary_a=make_user("sec_a", Role.SECRETARY, district_a),
        secretary_b=make_user("sec_b", Role.SECRETARY, district_b),
        branch_secretary_a=make_user("branch_sec_a", Role.SECRETARY, branch_a),
        supervisor_a=make_user("sup_a", Role.SUPERVISOR, district_a),
        member_user_a=make_user("mem_a", Role.MEMBER, branch_a, member=member_a),
    )


@pytest.fixture
def today() -> datetime.date:
    return datetime.date.today()


@pytest.fixture(autouse=True)
def audit_stays_verifiable(request):
    """After every test that touched the database, the trail verifies and every sealed row agrees with it.

    So each workflow the suite exercises is shown to leave `verify_audit` clean (issue 20).  Tests that
    tamper on purpose say so with `@pytest.mark.tampers_audit`.
    """
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or request.node.get_closest_marker("tampers_audit"):
        yield
        return
    # Set up after the database fixture, so this runs before its rollback.
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    yield
    from vanguard.core import audit

    broken, _count, _head = audit.verify()
    assert broken is None, f"the audit trail no longer verifies: {broken}"
    problems = audit.run_checks()
    assert not problems, "rows disagree with the audit trail:\n" + "\n".join(problems)
