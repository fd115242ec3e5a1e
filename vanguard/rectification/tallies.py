"""Keeping ItemTally right: deltas from every item write, and a set-based rebuild.

An item counts once, under its campaign, for its RESPONSIBLE organisation and
for every ancestor of it (`responsible_path`), keyed by (category, status,
timing).  The item services call `item_added` after creating an item and
`item_changed(item, before)` after a transition, `before` being
`ItemKey.of(item)` taken before it; both run inside the caller's transaction.
The figures read only these rows, so a city's top level is a few hundred rows
whatever the number of items.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from vanguard.core import tallies as core_tallies
from vanguard.core import tree
from vanguard.rectification.models import ItemTally, RectificationItem, RectificationPlan

# (organisation pk, campaign pk, category, status, timing)
Row = tuple[int, int, str, str, str]


@dataclass(frozen=True)
class ItemKey:
    """What an item's tally row depends on, besides where it sits."""

    campaign_id: int
    category: str
    status: str
    timing: str
    responsible_path: str = ""

    @classmethod
    def of(cls, item: RectificationItem) -> ItemKey:
        return cls(_campaign_id(item), item.category, item.status, item.timing or "", item.responsible_path)


def _campaign_id(item: RectificationItem) -> int:
    plan = item._state.fields_cache.get("plan")
    if plan is not None:
        return plan.campaign_id
    return RectificationPlan.objects.filter(pk=item.plan_id).values_list("campaign_id", flat=True).get()


KEYS = ("organisation_id", "campaign_id", "category", "status", "timing")


def _rows(key: ItemKey, change: int) -> Counter[Row]:
    pks = tree.path_pks(key.responsible_path)
    return Counter({(pk, key.campaign_id, key.category, key.status, key.timing): change for pk in pks})


def item_added(item: RectificationItem) -> None:
    """A new item: +1 for its responsible organisation and each ancestor."""
    _apply(_rows(ItemKey.of(item), 1))


def item_changed(item: RectificationItem, before: ItemKey) -> None:
    """An item changed status, timing, category or responsible organisation: its count follows it."""
    after = ItemKey.of(item)
    if after == before:
        return
    totals = _rows(before, -1)
    totals.update(_rows(after, 1))
    _apply(totals)


def item_removed(item: RectificationItem) -> None:
    """An item deleted (only ever by a cascade or a test): its count leaves every ancestor."""
    _apply(_rows(ItemKey.of(item), -1))


def _apply(totals: Counter[Row]) -> None:
    core_tallies.increment(ItemTally, KEYS, {row: {"items": n} for row, n in totals.items()})


def shift_subtree(*, moved_pk: int, old_path: str, new_parent_path: str) -> None:
    """A subtree moved: its totals leave the old ancestors and join the new ones."""
    core_tallies.shift_subtree(
        ItemTally, KEYS, ["items"], moved_pk=moved_pk, old_path=old_path, new_parent_path=new_parent_path
    )


def on_subtree_moved(sender, *, organisation, old_path: str, new_parent, **kwargs) -> None:
    """orgs.hooks.subtree_moved receiver: orgs moved a subtree and rewrote the items' responsible paths."""
    shift_subtree(moved_pk=organisation.pk, old_path=old_path, new_parent_path=new_parent.path)


@transaction.atomic
def rebuild(campaign=None) -> int:
    """Recount the tallies (of one campaign, or all) from the items: one grouped INSERT per tree level."""
    from vanguard.orgs.models import Organisation

    tallies = ItemTally.objects.all()
    if campaign is not None:
        tallies = tallies.filter(campaign=campaign)
    tallies.delete()
    q = connection.ops.quote_name
    tally, item = q(ItemTally._meta.db_table), q(RectificationItem._meta.db_table)
    plan, org = q(RectificationPlan._meta.db_table), q(Organisation._meta.db_table)
    where, params = "", []
    if campaign is not None:
        where, params = " AND p.campaign_id = %s", [campaign.pk]
    deepest = Organisation.objects.aggregate(d=Max("depth"))["d"] or 0
    with connection.cursor() as cursor:
        for depth in range(deepest + 1):
            cursor.execute(
                f"INSERT INTO {tally} (organisation_id, campaign_id, category, status, timing, items) "
                f"SELECT o.id, p.campaign_id, i.category, i.status, i.timing, COUNT(*) FROM {item} i "
                f"JOIN {plan} p ON p.id = i.plan_id "
                f"JOIN {org} o ON o.path = SUBSTR(i.responsible_path, 1, %s) "
                f"WHERE o.depth = %s{where} GROUP BY o.id, p.campaign_id, i.category, i.status, i.timing",
                [tree.SEGMENT_WIDTH * (depth + 1), depth, *params],
            )
    return tallies.count()
