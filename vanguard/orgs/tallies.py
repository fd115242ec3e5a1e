"""Subtree totals counted afresh for every organisation (the recount half of core.tallies, which cannot know the
organisation table: the tree lives here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, models
from django.db.models import Max

from vanguard.core import tallies as core_tallies
from vanguard.core import tree
from vanguard.orgs.models import Organisation


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

        def analyse(name: str) -> None:
            # A new temporary table has no statistics: the planner takes it for a few rows and joins it row by
            # row (minutes for a few thousand tallies) unless told.
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {name}")

        core_tallies.tuned_for_millions(cursor)
        for name in (leaf, fresh):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {leaf} AS {sql}", params)
        analyse(leaf)
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
        analyse(fresh)
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
