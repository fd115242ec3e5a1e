"""The shared subtree counters (core.tallies), on MemberTally: every app's tallies are written through them."""

from __future__ import annotations

import pytest

from vanguard.core import tallies
from vanguard.members.models import MemberTally
from vanguard.orgs.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
KEYS = ("organisation_id", "category", "status")


def counts() -> dict:
    return {(t.organisation_id, t.category, t.status): t.count for t in MemberTally.objects.all()}


def test_increment_creates_rows_adds_to_them_and_skips_zeros():
    root = OrganisationFactory()
    tallies.increment(MemberTally, KEYS, {(root.pk, "ordinary", "full"): {"count": 2}})
    tallies.increment(
        MemberTally,
        KEYS,
        {(root.pk, "ordinary", "full"): {"count": -1}, (root.pk, "elderly", "full"): {"count": 0}},
    )
    assert counts() == {(root.pk, "ordinary", "full"): 1}


def test_along_paths_counts_for_the_organisation_and_every_ancestor():
    root = OrganisationFactory()
    child = OrganisationFactory(parent=root)
    leaf = OrganisationFactory(parent=child)
    changes = tallies.along_paths(
        [(leaf.path, ("ordinary", "full"), {"count": 1}), (child.path, ("ordinary", "full"), {"count": 2})]
    )
    assert {key: dict(value) for key, value in changes.items()} == {
        (root.pk, "ordinary", "full"): {"count": 3},
        (child.pk, "ordinary", "full"): {"count": 3},
        (leaf.pk, "ordinary", "full"): {"count": 1},
    }


def test_shift_subtree_moves_the_totals_to_the_new_ancestors():
    root = OrganisationFactory()
    old_parent, new_parent = OrganisationFactory(parent=root), OrganisationFactory(parent=root)
    moved = OrganisationFactory(parent=old_parent)
    tallies.increment(MemberTally, KEYS, tallies.along_paths([(moved.path, ("ordinary", "full"), {"count": 4})]))
    tallies.shift_subtree(
        MemberTally, KEYS, ["count"], moved_pk=moved.pk, old_path=moved.path, new_parent_path=new_parent.path
    )
    assert counts() == {
        (root.pk, "ordinary", "full"): 4,
        (old_parent.pk, "ordinary", "full"): 0,
        (new_parent.pk, "ordinary", "full"): 4,
        (moved.pk, "ordinary", "full"): 4,
    }
