import datetime

import pytest
from django.core.exceptions import ValidationError

from vanguard.core import audit, tree
from vanguard.members.models import Member
from vanguard.orgs import services
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Organisation, Reorganisation

pytestmark = pytest.mark.django_db


def test_created_organisation_path_extends_parent(city):
    assert city.branch_a.path.startswith(city.committee_a.path)
    assert city.branch_a.depth == 3
    assert tree.ancestor_pks(city.branch_a.path) == [city.root.pk, city.district_a.pk, city.committee_a.pk]


def test_path_does_not_depend_on_official_code(city):
    before = city.branch_a.path
    old_code, sector = city.branch_a.code, city.branch_a.sector
    services.update_organisation(
        organisation=city.branch_a,
        name="甲一支部",
        sector=sector,
        code="999999999999",
        kind="branch",
        actor=city.office,
    )
    city.branch_a.refresh_from_db()
    assert city.branch_a.path == before and city.branch_a.code == "999999999999"
    entry = audit.history(city.branch_a).get(event="orgs.organisation.updated")
    assert entry.changes == {"code": [old_code, "999999999999"]} and entry.actor == city.office


def test_moving_a_subtree_rewrites_paths_and_records_history(city):
    move = services.move_organisation(
        organisation=city.committee_a,
        new_parent=city.district_b,
        effective_on=datetime.date(2005, 7, 1),
        reason="区划调整",
        actor=city.office,
    )
    for org in (city.committee_a, city.branch_a, city.branch_a2):
        org.refresh_from_db()
        assert org.path.startswith(city.district_b.path)
    city.committee_a.refresh_from_db()
    assert city.committee_a.parent_id == city.district_b.pk
    assert city.branch_a.depth == 3
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.org_path == city.branch_a.path
    assert (move.organisations_moved, move.members_moved) == (3, 1)
    history = Reorganisation.objects.get()
    assert history.old_parent_id == city.district_a.pk and history.new_parent_id == city.district_b.pk
    assert history.effective_on == datetime.date(2005, 7, 1) and history.moved_by == city.office
    entry = audit.history(city.committee_a).get(event="orgs.organisation.moved")
    assert entry.changes == {"parent": [city.district_a.name, city.district_b.name]}
    assert entry.actor_role == "admin" and entry.data["members_moved"] == 1 and entry.data["reason"] == "区划调整"
    # Nothing is left behind under the old parent.
    assert (
        not Organisation.objects.filter(tree.subtree_q("path", city.district_a.path))
        .exclude(pk=city.district_a.pk)
        .exists()
    )


def test_a_second_move_keeps_the_first_in_history(city):
    services.move_organisation(
        organisation=city.branch_a, new_parent=city.branch_a2, effective_on=datetime.date(2005, 1, 1)
    )
    services.move_organisation(
        organisation=city.branch_a, new_parent=city.district_b, effective_on=datetime.date(2005, 2, 1)
    )
    assert Reorganisation.objects.filter(organisation=city.branch_a).count() == 2


@pytest.mark.parametrize("target", ["self", "descendant"])
def test_cannot_move_under_itself(city, target):
    new_parent = city.committee_a if target == "self" else city.branch_a
    with pytest.raises(ValidationError):
        services.move_organisation(
            organisation=city.committee_a, new_parent=new_parent, effective_on=datetime.date.today()
        )


def test_cannot_move_the_root(city):
    with pytest.raises(ValidationError):
        services.move_organisation(organisation=city.root, new_parent=city.branch_b, effective_on=datetime.date.today())


def test_deep_trees_keep_working(db):
    node = OrganisationFactory(name="root")
    for depth in range(1, 20):
        node = OrganisationFactory(name=f"n{depth}", parent=node)
    assert node.depth == 19
    assert len(tree.ancestor_pks(node.path)) == 19
