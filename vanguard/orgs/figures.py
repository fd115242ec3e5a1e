"""Pieces the apps' figures of a subtree share: the period a date falls in, and counts kept per direct child.

An app's `figures.compute` groups its rows by the first segments of their path copy (`by_unit`), adds each count to
the unit it belongs to (`Units.add`) and lays them out as one row per unit that has any (`Units.rows`): the
organisation itself first, then its children in tree order.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db.models import CharField, Q
from django.db.models.functions import Substr

from vanguard.core import tree
from vanguard.orgs.models import Organisation


def period_q(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """`field` within [start, end], both ends included, either end open."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lte": end})
    return q


class Units:
    """Counts per direct child of `organisation` (and the organisation itself), keyed by the child's path."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.width = len(organisation.path) + tree.SEGMENT_WIDTH
        self.counts: dict[str, Counter] = {}

    def by_unit(self, field: str = "org_path") -> Substr:
        """An annotation naming the unit a row's path copy `field` falls in."""
        return Substr(field, 1, self.width, output_field=CharField())

    def add(self, unit: str, key: str, n) -> None:
        if unit:
            self.counts.setdefault(unit, Counter())[key] += n or 0

    def rows(self, row_class) -> list:
        """`row_class(organisation_id, name, **counts)` for each unit with any count, in tree order."""
        units = [
            (self.organisation.pk, self.organisation.name, self.organisation.path),
            *Organisation.objects.filter(parent=self.organisation).order_by("path").values_list("pk", "name", "path"),
        ]
        fields = row_class.__dataclass_fields__
        rows = []
        for pk, name, path in units:
            counts = self.counts.get(path)
            if counts and any(counts.values()):
                rows.append(row_class(pk, name, **{k: v for k, v in counts.items() if k in fields}))
        return rows
