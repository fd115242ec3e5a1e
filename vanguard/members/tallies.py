"""Keeping MemberTally right: deltas from every member write, and a set-based rebuild.

Each member counts once for every organisation on its path (its own and each
ancestor).  Services pass deltas keyed by (org_path, category, status); moving
a subtree shifts its totals from the old ancestors to the new ones.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import Max, Sum

from vanguard.core import tallies as core_tallies
from vanguard.core import tree
from vanguard.members.models import Member, MemberTally

Key = tuple[str, str, str]  # (org_path, category, status)


KEYS = ("organisation_id", "category", "status")


def adjust(deltas: Counter[Key] | dict[Key, int]) -> None:
    """Add each delta to the tallies of the organisation at org_path and of all its ancestors."""
    core_tallies.increment(
        MemberTally,
        KEYS,
        core_tallies.along_paths(
            (path, (category, status), {"count": n}) for (path, category, status), n in deltas.items()
        ),
    )


def shift_subtree(*, moved_pk: int, old_path: str, new_parent_path: str) -> None:
    """A subtree moved: its totals leave the old ancestors and join the new ones."""
    core_tallies.shift_subtree(
        MemberTally, KEYS, ["count"], moved_pk=moved_pk, old_path=old_path, new_parent_path=new_parent_path
    )


def on_subtree_moved(sender, *, organisation, old_path: str, new_parent, **kwargs) -> None:
    """orgs.hooks.subtree_moved receiver: orgs moved a subtree and rewrote the members' paths."""
    shift_subtree(moved_pk=organisation.pk, old_path=old_path, new_parent_path=new_parent.path)


def subtree_counts(organisation_pk: int, field: str) -> dict[str, int]:
    rows = (
        MemberTally.objects.filter(organisation_id=organisation_pk, count__gt=0)
        .values(field)
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {row[field]: row["n"] for row in rows}


@transaction.atomic
def rebuild() -> int:
    """Recount every tally from the member table: one grouped INSERT per tree level."""
    from vanguard.orgs.models import Organisation

    MemberTally.objects.all().delete()
    tally = connection.ops.quote_name(MemberTally._meta.db_table)
    member = connection.ops.quote_name(Member._meta.db_table)
    org = connection.ops.quote_name(Organisation._meta.db_table)
    deepest = Organisation.objects.aggregate(d=Max("depth"))["d"] or 0
    with connection.cursor() as cursor:
        for depth in range(deepest + 1):
            cursor.execute(
                f"INSERT INTO {tally} (organisation_id, category, status, count) "
                f"SELECT o.id, m.category, m.status, COUNT(*) FROM {member} m "
                f"JOIN {org} o ON o.path = SUBSTR(m.org_path, 1, %s) "
                f"WHERE o.depth = %s GROUP BY o.id, m.category, m.status",
                [tree.SEGMENT_WIDTH * (depth + 1), depth],
            )
    return MemberTally.objects.count()
