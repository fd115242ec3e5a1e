"""Counter rows kept per organisation for its whole subtree (members, campaign units, study), written once here.

A tally model has key fields (the first is always `organisation_id`) and integer counters defaulting to 0. A
change is a delta per key; applied to a subtree total it goes to the organisation on whose path it happened and to
every ancestor (`tree.path_pks`). Pages then read a few rows per organisation instead of counting millions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, models, transaction
from django.db.models import F, Max

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


def write_from_leaves(
    model: type[models.Model],
    leaves: tuple[str, Sequence],
    *,
    keys: Sequence[str],
    counters: Mapping[str, str],
    fixed: Mapping[str, object],
) -> int:
    """Make the rows of `model` having the `fixed` key values (the campaign) the subtree totals of every
    organisation counted from `leaves` (SQL and its parameters): rows of `org_path`, the `keys` columns and the
    counted columns (`counters`: the model's column → the leaf's), grouped where things happened. The totals are
    built in a temporary table (one grouped INSERT per tree level); then only the rows whose counts differ are
    updated, the new ones inserted and those no longer counted deleted, so a recount that changes little writes
    little (and an update of counters alone leaves the indexes be). Returns the rows whose counts changed. Run it
    in a transaction."""
    from vanguard.orgs.models import Organisation

    q = connection.ops.quote_name
    table, org, fresh = q(model._meta.db_table), q(Organisation._meta.db_table), q("vanguard_fresh_tallies")
    leaf = q("vanguard_tally_leaves")
    key_columns = ["organisation_id", *fixed, *keys]
    columns = [*key_columns, *counters]
    sql, params = leaves
    deepest = Organisation.objects.aggregate(d=Max("depth"))["d"] or 0
    matches = " AND ".join(f"t.{q(c)} = f.{q(c)}" for c in key_columns)
    differs = " OR ".join(f"t.{q(c)} <> f.{q(c)}" for c in counters)
    with connection.cursor() as cursor:
        tuned_for_millions(cursor)
        for name in (leaf, fresh):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {leaf} AS {sql}", params)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {fresh} AS SELECT {', '.join(q(c) for c in columns)} FROM {table} WHERE 1 = 0"
        )
        for depth in range(deepest + 1):
            chosen = ["o.id", *("%s" for _ in fixed), *(f"l.{q(k)}" for k in keys)]
            chosen += [f"SUM(l.{q(c)})" for c in counters.values()]
            cursor.execute(
                f"INSERT INTO {fresh} ({', '.join(q(c) for c in columns)}) SELECT {', '.join(chosen)} FROM {leaf} l "
                f"JOIN {org} o ON o.path = SUBSTR(l.{q('org_path')}, 1, %s) WHERE o.depth = %s "
                f"GROUP BY o.id{''.join(f', l.{q(k)}' for k in keys)}",
                [*fixed.values(), tree.SEGMENT_WIDTH * (depth + 1), depth],
            )
        written = 0
        cursor.execute(
            f"UPDATE {table} AS t SET {', '.join(f'{q(c)} = f.{q(c)}' for c in counters)} FROM {fresh} AS f "
            f"WHERE {matches} AND ({differs})"
        )
        written += max(cursor.rowcount, 0)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(f'f.{q(c)}' for c in columns)} FROM {fresh} f "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {matches})"
        )
        written += max(cursor.rowcount, 0)
        where = " AND ".join(f"t.{q(c)} = %s" for c in fixed)
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT t.id FROM {table} t WHERE {where} "
            f"AND NOT EXISTS (SELECT 1 FROM {fresh} f WHERE {matches}))",
            list(fixed.values()),
        )
        written += max(cursor.rowcount, 0)
        for name in (leaf, fresh):
            cursor.execute(f"DROP TABLE {name}")
    return written
