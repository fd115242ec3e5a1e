"""Keeping MemberTally right: deltas from every member write, and a set-based rebuild.

Each member counts once for every organisation on its path (its own and each
ancestor).  Services pass deltas keyed by (org_path, category, status); moving
a subtree shifts its totals from the old ancestors to the new ones.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import F, Max, Sum

from vanguard.core import tree
from vanguard.members.models import Member, MemberTally

Key = tuple[str, str, str]  # (org_path, category, status)


def adjust(deltas: Counter[Key] | dict[Key, int]) -> None:
    """Add each delta to the tallies of the organisation at org_path and of all its ancestors."""
    totals: Counter[tuple[int, str, str]] = Counter()
    for (path, category, status), change in deltas.items():
        if change:
            for pk in tree.path_pks(path):
                totals[(pk, category, status)] += change
    _apply(totals)


def _apply(totals: Counter[tuple[int, str, str]]) -> None:
    totals = Counter({key: n for key, n in totals.items() if n})
    if not totals:
        return
    with transaction.atomic():
        # Rows first (a no-op where they exist), then increments, so concurrent writers never lose a count.
        MemberTally.objects.bulk_create(
            [MemberTally(organisation_id=pk, category=c, status=s, count=0) for pk, c, s in totals],
            ignore_conflicts=True,
        )
        for (pk, category, status), change in totals.items():
            MemberTally.objects.filter(organisation_id=pk, category=category, status=status).update(
                count=F("count") + change
            )


def shift_subtree(*, moved_pk: int, old_path: str, new_parent_path: str) -> None:
    """A subtree moved: its totals leave the old ancestors and join the new ones."""
    rows = MemberTally.objects.filter(organisation_id=moved_pk).values_list("category", "status", "count")
    old_ancestors = tree.ancestor_pks(old_path)
    new_ancestors = tree.path_pks(new_parent_path)
    totals: Counter[tuple[int, str, str]] = Counter()
    for category, status, count in rows:
        for pk in old_ancestors:
            totals[(pk, category, status)] -= count
        for pk in new_ancestors:
            totals[(pk, category, status)] += count
    _apply(totals)


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
