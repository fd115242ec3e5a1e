from hypothesis import given
from hypothesis import strategies as st

from vanguard.core import tree

pks = st.lists(st.integers(1, 10**9 - 2), min_size=1, max_size=6)


def path_of(keys):
    path = ""
    for key in keys:
        path = tree.child_path(path, key)
    return path


@given(root=pks, other=pks)
def test_range_matches_exactly_the_descendants(root, other):
    root_path, other_path = path_of(root), path_of(other)
    inside = tree.subtree_upper_bound(root_path) > other_path >= root_path
    assert inside == other_path.startswith(root_path)


def test_ancestors_and_depth():
    path = path_of([1, 22, 333])
    assert tree.depth_of(path) == 3
    assert tree.ancestor_pks(path) == [1, 22]
    assert tree.ancestor_paths(path) == [path_of([1]), path_of([1, 22])]


def test_minimal_roots_drops_nested_paths():
    a, b, c = path_of([1]), path_of([1, 2]), path_of([3])
    assert tree.minimal_roots([b, c, a, a]) == [a, c]
