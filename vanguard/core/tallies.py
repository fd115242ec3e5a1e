"""Counter rows kept per organisation for its whole subtree (members, campaign units, study), written once here.

A tally model has key fields (the first is always `organisation_id`) and integer counters defaulting to 0. A
change is a delta per key; applied to a subtree total it goes to the organisation on whose path it happened and to
every ancestor (`tree.path_pks`). Pages then read a few rows per organisation instead of counting millions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, models, transaction
from django.db.models import F

from vanguard.core import tree

Key = tuple
Changes = Mapping[Key, Mapping[str, int]]


def increment(model: type[models.Model], keys: Sequence[str], changes: Changes) -> None:
    """Add `changes[key][counter]` to the rows of `model` whose `keys` fields equal `key`."""
    kept = {key: {name: n for name, n in counters.items() if n} for key, counters in changes.items()}
    kept = {key: counters for key, counters in kept.items() if counters}
    if not kept:
        return
    with transaction.atomic():
        # Rows first (a no-op where they exist), then increments, so concurrent writers never lose a count; in one
        # order for every writer (by the keys' text), so two of them never wait on each other's rows.
        model.objects.bulk_create([model(**dict(zip(keys, key, strict=True))) for key in kept], ignore_conflicts=True)
        for key in sorted(kept, key=lambda k: tuple(str(v) for v in k)):
            model.objects.filter(**dict(zip(keys, key, strict=True))).update(
                **{name: F(name) + n for name, n in kept[key].items()}
            )


def along_paths(changes: Iterable[tuple[str, Key, Mapping[str, int]]]) -> dict[Key, dict[str, int]]:
    """Deltas that happened at organisation paths, as deltas of the subtree totals of each organisation on the
    path: `(path, rest_of_key, counters)` → `{(organisation_id, *rest_of_key): counters}`."""
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, rest, counters in changes:
        for pk in tree.path_pks(path):
            cell = totals[(pk, *rest)]
            for name, n in counters.items():
                cell[name] += n
    return totals


def shift_subtree(
    model: type[models.Model],
    keys: Sequence[str],
    counters: Sequence[str],
    *,
    moved_pk: int,
    old_path: str,
    new_parent_path: str,
) -> None:
    """A subtree moved: the totals of its top organisation leave the old ancestors and join the new ones."""
    rest = list(keys[1:])
    changes: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in model.objects.filter(**{keys[0]: moved_pk}).values(*rest, *counters):
        key = tuple(row[name] for name in rest)
        for pk, sign in [(pk, -1) for pk in tree.ancestor_pks(old_path)] + [
            (pk, 1) for pk in tree.path_pks(new_parent_path)
        ]:
            for name in counters:
                changes[(pk, *key)][name] += sign * row[name]
    increment(model, keys, changes)


def tuned_for_millions(cursor) -> None:
    """For a statement grouping millions of rows, in a transaction: on PostgreSQL, sort and hash in memory rather
    than in a server's default 4 MB (this transaction only), and no JIT (compiling the plan costs more than it
    saves here)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
