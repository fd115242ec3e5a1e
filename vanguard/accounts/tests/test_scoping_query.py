"""The shape of the scope filter: the same rows as a plain `IN (subquery)`, and index scans on PostgreSQL."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test import RequestFactory

from vanguard.accounts.scoping import Action, restrict, scope_roots
from vanguard.core import tree
from vanguard.members.factories import MemberFactory
from vanguard.members.filters import MemberFilter
from vanguard.members.models import Member, Transfer
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db

ORDERINGS = ["name", "-name", "birth_date", "-birth_date", "joined_on", "-joined_on", "org_path", "-org_path"]


@pytest.fixture
def hosted_city(city):
    """Members in every branch, two of district B's hosted by district A's branches."""
    for organisation in (city.branch_a, city.branch_a2, city.branch_b, city.district_b):
        for _ in range(4):
            MemberFactory(organisation=organisation)
    hosted = list(Member.objects.filter(organisation=city.branch_b).order_by("pk")[:2])
    Member.objects.filter(pk=hosted[0].pk).update(host_organisation=city.branch_a)
    Member.objects.filter(pk=hosted[1].pk).update(host_organisation=city.committee_a)
    return city


def reference_q(user) -> Q | None:
    """The scope as written before: the hosted side as `host_organisation IN (subquery)`."""
    roots = scope_roots(user, Action.VIEW)
    if roots is None:
        return None
    hosts = Organisation.objects.filter(tree.subtrees_q("path", roots)).values("pk")
    query = tree.subtrees_q("org_path", roots) | Q(host_organisation__in=hosts)
    return query | Q(pk=user.member_id) if user.member_id else query


def listed(user, queryset, params):
    request = RequestFactory().get("/members/", params)
    request.user = user
    return MemberFilter(params, queryset=queryset, request=request).qs


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_member_list_rows_and_order_are_unchanged_for_every_role(hosted_city, ordering):
    city = hosted_city
    users = [city.office, city.secretary_a, city.secretary_b, city.branch_secretary_a, city.supervisor_a]
    users.append(city.member_user_a)
    for user in users:
        for extra in ({}, {"category": "ordinary"}, {"organisation": str(city.committee_a.pk)}):
            params = {"ordering": ordering, **extra}
            got = listed(user, restrict(Member.objects.all(), user), params)
            expected = listed(user, Member.objects.filter(reference_q(user)), params)
            key = ordering.lstrip("-")
            assert sorted(got.values_list("pk", flat=True)) == sorted(expected.values_list("pk", flat=True))
            assert list(got.values_list(key, flat=True)) == list(expected.values_list(key, flat=True))


def test_hosting_district_sees_hosted_members_and_the_home_district_keeps_them(hosted_city):
    city = hosted_city
    hosted = set(Member.objects.filter(host_organisation__isnull=False).values_list("pk", flat=True))
    seen_by_a = set(restrict(Member.objects.all(), city.secretary_a).values_list("pk", flat=True))
    seen_by_b = set(restrict(Member.objects.all(), city.secretary_b).values_list("pk", flat=True))
    assert len(hosted) == 2 and hosted <= seen_by_a and hosted <= seen_by_b
    assert not restrict(Member.objects.filter(pk__in=hosted), city.secretary_a, Action.CHANGE).exists()


def test_transfers_scoped_by_either_side(hosted_city):
    """Transfer's scope fields are both relations: each side's filter must still find it."""
    city = hosted_city
    member = Member.objects.filter(organisation=city.branch_b).order_by("pk").last()
    Transfer.objects.create(
        member=member, from_organisation=city.branch_b, to_organisation=city.branch_a, letter_valid_until="2099-01-01"
    )
    assert restrict(Transfer.objects.all(), city.secretary_a).count() == 1
    assert restrict(Transfer.objects.all(), city.secretary_b).count() == 1
    assert restrict(Transfer.objects.all(), city.branch_secretary_a).count() == 1
    assert not restrict(Transfer.objects.filter(to_organisation=city.branch_b), city.secretary_a).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_district_list_can_be_read_through_indexes_on_postgresql(hosted_city):
    """The scope reaches members_member through an index: the ORed sides as a BitmapOr, or the range that
    bounds them as an index condition.

    On a few dozen rows the planner rightly reads the whole table, so sequential
    scans are priced out (`enable_seqscan = off`, for this transaction only): the
    question is whether an index plan exists at all.  With `host IN (subquery)`
    and no bounding range none did, and PostgreSQL read every member to test each one.
    """
    queryset = restrict(Member.objects.all(), hosted_city.secretary_a)
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    assert "= ANY(ARRAY(" in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) counted", params)
        lines = [row[0] for row in cursor.fetchall()]
    plan = "\n".join(lines)
    assert "Seq Scan on members_member" not in plan, plan
    # The outer scan is the one without an alias (the bounds' subqueries read members_member v0).
    outer = next(i for i, line in enumerate(lines) if re.search(r"Scan.* on members_member  \(", line))
    # The bound may print as `(org_path)::text >= …` or `org_path >= LEAST(…)`, by the planner's choice.
    bounded = re.search(r"Index Cond: \(+org_path", lines[outer + 1])
    assert "Bitmap Heap Scan" in lines[outer] or bounded, plan
    if "Bitmap Heap Scan" in lines[outer]:
        assert "BitmapOr" in plan or "org_path" in lines[outer + 1], plan


def test_office_of_the_only_city_needs_no_filter_but_one_of_two_cities_does(hosted_city):
    from vanguard.accounts.scoping import forget, scope_q
    from vanguard.orgs.factories import OrganisationFactory

    city = hosted_city
    assert scope_q(Member, city.office) is None
    assert scope_q(Member, city.secretary_a) is not None
    other_city = OrganisationFactory(name="另一市委")
    stranger = MemberFactory(organisation=OrganisationFactory(parent=other_city))
    Member.objects.filter(pk=stranger.pk).update(host_organisation=city.branch_b)
    forget(city.office)
    assert scope_q(Member, city.office) is not None
    seen = set(restrict(Member.objects.all(), city.office).values_list("pk", flat=True))
    assert stranger.pk in seen  # hosted in the office's city
    assert seen == set(Member.objects.values_list("pk", flat=True))
    Member.objects.filter(pk=stranger.pk).update(host_organisation=None)
    assert stranger.pk not in set(restrict(Member.objects.all(), city.office).values_list("pk", flat=True))
