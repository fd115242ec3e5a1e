import pytest

from vanguard.members.factories import MemberFactory
from vanguard.orgs import selectors

pytestmark = pytest.mark.django_db


def test_counts_cover_the_whole_subtree(city):
    MemberFactory(organisation=city.branch_a2, category="retired")
    MemberFactory(organisation=city.branch_a2, category="mobile", status="probationary")
    assert selectors.organisation_counts_by_kind(city.district_a) == {"grassroots_committee": 1, "branch": 2}
    # Member counts come from what members registered with orgs.hooks.
    figures = selectors.subtree_figures(city.district_a)
    assert figures["members_by_category"] == {"ordinary": 1, "retired": 1, "mobile": 1}
    status = figures["members_by_status"]
    assert status["probationary"] >= 1 and sum(status.values()) == 3
    assert sum(selectors.subtree_figures(city.root)["members_by_category"].values()) == 4


def test_search_by_name_in_either_script_and_by_code(city):
    assert [o.name for o in selectors.search(city.office, "甲一")] == ["甲一支部"]
    assert [o.name for o in selectors.search(city.office, "甲區委")] == ["甲区委"]  # Traditional input
    assert [o.name for o in selectors.search(city.office, city.branch_b.code)] == ["乙一支部"]


def test_search_never_leaves_the_users_subtree(city):
    assert list(selectors.search(city.secretary_a, "乙")) == []


def test_top_level_is_the_roles_roots(city):
    assert [o.name for o in selectors.top_level(city.secretary_a)] == ["甲区委"]
    assert [o.name for o in selectors.top_level(city.office)] == ["测试市委"]


def test_ancestors_stop_at_the_users_scope(city):
    assert [o.name for o in selectors.ancestors(city.secretary_a, city.branch_a)] == ["甲区委", "甲街道党工委"]
    assert [o.name for o in selectors.ancestors(city.office, city.branch_a)] == ["测试市委", "甲区委", "甲街道党工委"]
