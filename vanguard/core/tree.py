"""Materialised paths for the organisation tree.

Each node's path is its ancestors' primary keys, zero-padded to a fixed width
and concatenated.  A subtree is then one index range scan on both SQLite and
PostgreSQL.  Paths use digits only, so byte order and every locale's collation
agree and a plain B-tree index serves the range (LIKE 'x%' would need a C
collation or pattern_ops on PostgreSQL and ESCAPE defeats SQLite's index).
The keys are primary keys, never official codes, which can change (DOMAIN §1).
"""

from __future__ import annotations

from django.db.models import Q

SEGMENT_WIDTH = 9  # up to 999,999,999 organisations
PATH_MAX_LENGTH = 255  # 28 levels


def segment(pk: int) -> str:
    return f"{pk:0{SEGMENT_WIDTH}d}"


def child_path(parent_path: str, pk: int) -> str:
    return f"{parent_path}{segment(pk)}"


def depth_of(path: str) -> int:
    return len(path) // SEGMENT_WIDTH


def ancestor_paths(path: str) -> list[str]:
    """Paths of every ancestor, root first, excluding the node itself."""
    return [path[:end] for end in range(SEGMENT_WIDTH, len(path), SEGMENT_WIDTH)]


def ancestor_pks(path: str) -> list[int]:
    return [int(path[i : i + SEGMENT_WIDTH]) for i in range(0, len(path) - SEGMENT_WIDTH, SEGMENT_WIDTH)]


def path_pks(path: str) -> list[int]:
    """Primary keys along the path, root first, including the node itself."""
    return [int(path[i : i + SEGMENT_WIDTH]) for i in range(0, len(path), SEGMENT_WIDTH)]


def subtree_upper_bound(path: str) -> str:
    """The smallest path that sorts after every path starting with `path`."""
    # Incrementing the last segment as a number keeps the width: a path with
    # pk 999,999,999 would overflow, which SEGMENT_WIDTH rules out.
    head, last = path[:-SEGMENT_WIDTH], int(path[-SEGMENT_WIDTH:])
    return f"{head}{segment(last + 1)}"


def subtree_q(field: str, path: str) -> Q:
    """Q matching rows whose `field` lies in the subtree rooted at `path` (inclusive)."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": subtree_upper_bound(path)})


def subtrees_q(field: str, paths: list[str] | set[str]) -> Q:
    """Q matching the union of several subtrees; an empty list matches nothing."""
    query = Q(pk__in=[])
    for path in minimal_roots(paths):
        query |= subtree_q(field, path)
    return query


def minimal_roots(paths: list[str] | set[str]) -> list[str]:
    """Drop paths that lie inside another path of the list, so ranges never overlap."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    return roots


def is_within(path: str, root: str) -> bool:
    return path.startswith(root)
