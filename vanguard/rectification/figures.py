"""The rectification figures of one organisation's subtree (DESIGN §7): items, cases, remedies, institutions.

Items are read from `ItemTally` (the organisation's rows and its children's:
a few hundred rows at city scale, whatever the number of items); only the
overdue items are read from the item table, through the partial index
`rect_item_owed` (deadline, responsible_path over open and done items).
Cases, remedies and institutions are grouped in one query each.  So a call
costs about seven queries whatever the subtree's size.

`campaign` narrows the items (their plan's campaign); cases, remedies and
institutions are shown as they stand in the subtree, since they outlive any
one campaign.  The case block is there only for a user granted VIEW_CASES
at the organisation: for anyone else it is None.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from vanguard.core import tree
from vanguard.core.access import Action, can_at_path, restrict
from vanguard.opinions.models import Category
from vanguard.orgs.models import Organisation
from vanguard.rectification.models import (
    OPEN_ITEM_STATES,
    OPEN_STAGES,
    Case,
    Cause,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    ItemStatus,
    ItemTally,
    Outcome,
    RectificationItem,
    Remedy,
    RemedyStatus,
    Stage,
    Timing,
)

OVERDUE_LISTED = 50


def rate(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


@dataclass
class ChildRow:
    """One direct child of the organisation (or the organisation itself, for what it holds directly)."""

    organisation_id: int
    name: str
    total: int = 0
    closed: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.on_time + self.late)


@dataclass
class Items:
    by_category: dict[str, dict[str, int]]  # category -> status -> n
    total: int
    on_time: int
    late: int
    overdue: int
    children: list[ChildRow]
    overdue_items: list[RectificationItem]

    @property
    def closed(self) -> int:
        return sum(row.get(ItemStatus.CLOSED, 0) for row in self.by_category.values())

    @property
    def on_time_rate(self) -> float | None:
        """Closed on time ÷ closed items that had a deadline (their timing is set when verified)."""
        return rate(self.on_time, self.on_time + self.late)

    def by_status(self) -> dict[str, int]:
        return {s: sum(row[s] for row in self.by_category.values()) for s in ItemStatus.values}


@dataclass
class Cases:
    by_stage: dict[str, dict[str, int]]  # stage -> outcome ("" for none yet) -> n
    by_child: list[tuple[int, str, int, int]]  # (organisation id, name, open, closed)
    total: int


@dataclass
class Remedies:
    by_cause: dict[str, dict[str, int]]  # cause -> status -> n
    overdue: int
    total: int


@dataclass
class Figures:
    organisation: Organisation
    campaign_id: int | None
    today: datetime.date
    items: Items
    cases: Cases | None
    remedies: Remedies
    institutions: dict[str, int] = field(default_factory=dict)  # in force today, by kind


def compute(*, organisation: Organisation, campaign=None, user, today: datetime.date | None = None) -> Figures:
    """The figures of `organisation`'s subtree; refused unless `user` may view it (`user=None` is the system)."""
    if user is not None and not can_at_path(user, Action.VIEW, organisation.path):
        raise PermissionDenied
    today = today or timezone.localdate()
    campaign_id = getattr(campaign, "pk", campaign)
    children = list(Organisation.objects.filter(parent=organisation).order_by("path").values_list("pk", "name", "path"))
    width = len(organisation.path) + tree.SEGMENT_WIDTH
    cases = None
    if user is None or can_at_path(user, Action.VIEW_CASES, organisation.path):
        cases = _cases(organisation, children, width, user)
    return Figures(
        organisation=organisation,
        campaign_id=campaign_id,
        today=today,
        items=_items(organisation, children, width, campaign_id, today),
        cases=cases,
        remedies=_remedies(organisation, today),
        institutions=in_force_by_kind(organisation, today),
    )


def _items(organisation: Organisation, children: list, width: int, campaign_id, today) -> Items:
    # Every campaign's rows: they also tell whether the subtree holds items of other campaigns at all.
    rows = (
        ItemTally.objects.filter(organisation_id__in=[organisation.pk, *(pk for pk, _n, _p in children)], items__gt=0)
        .values_list("campaign_id", "organisation_id", "category", "status", "timing")
        .annotate(n=Sum("items"))
        .order_by()
    )
    by_category = {c: dict.fromkeys(ItemStatus.values, 0) for c in Category.values}
    per_org: dict[int, Counter] = {}
    other_campaigns = False
    for row_campaign, org_id, category, status, timing, n in rows:
        if campaign_id is not None and row_campaign != campaign_id:
            other_campaigns = True
            continue
        counts = per_org.setdefault(org_id, Counter())
        counts["total"] += n
        if status == ItemStatus.CLOSED:
            counts["closed"] += n
        if timing == Timing.ON_TIME:
            counts["on_time"] += n
        elif timing == Timing.LATE:
            counts["late"] += n
        if org_id == organisation.pk:
            by_category.setdefault(category, dict.fromkeys(ItemStatus.values, 0))[status] += n
    own = per_org.get(organisation.pk, Counter())
    on_time, late = own["on_time"], own["late"]

    owed = RectificationItem.objects.filter(
        tree.subtree_q("responsible_path", organisation.path), status__in=OPEN_ITEM_STATES, deadline__lt=today
    )
    # The plan join only when the tallies show other campaigns' items here: without it the count is an
    # index-only scan of rect_item_owed (deadline, responsible_path), a tenth of the time at city scale.
    if other_campaigns:
        owed = owed.filter(plan__campaign_id=campaign_id)
    overdue_by = dict(
        owed.annotate(unit=Substr("responsible_path", 1, width, output_field=CharField()))
        .values_list("unit")
        .annotate(n=Count("*"))  # not Count("pk"): the id is not in the index
        .order_by()
    )
    listed = list(owed.select_related("responsible").order_by("deadline", "responsible_path", "pk")[:OVERDUE_LISTED])

    child_rows = []
    own_row = ChildRow(organisation.pk, organisation.name)
    below = Counter()
    for pk, name, path in children:
        counts = per_org.get(pk, Counter())
        below.update(counts)
        child_rows.append(
            ChildRow(
                pk,
                name,
                total=counts["total"],
                closed=counts["closed"],
                on_time=counts["on_time"],
                late=counts["late"],
                overdue=overdue_by.get(path, 0),
            )
        )
    # What the organisation holds itself (not through a child): its own total less its children's.
    for key in ("total", "closed", "on_time", "late"):
        setattr(own_row, key, own[key] - below[key])
    own_row.overdue = overdue_by.get(organisation.path, 0)
    if own_row.total or own_row.overdue:
        child_rows.insert(0, own_row)
    return Items(
        by_category=by_category,
        total=own["total"],
        on_time=on_time,
        late=late,
        overdue=sum(overdue_by.values()),
        children=child_rows,
        overdue_items=listed,
    )


def _cases(organisation: Organisation, children: list, width: int, user) -> Cases:
    cases = Case.objects.filter(tree.subtree_q("org_path", organisation.path))
    if user is not None:
        cases = restrict(cases, user, Action.VIEW_CASES)
    rows = (
        cases.annotate(unit=Substr("org_path", 1, width, output_field=CharField()))
        .values_list("stage", "outcome", "unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_stage = {s: dict.fromkeys(["", *Outcome.values], 0) for s in Stage.values}
    open_by, closed_by = Counter(), Counter()
    open_stages = {s.value for s in OPEN_STAGES}
    total = 0
    for stage, outcome, unit, n in rows:
        by_stage.setdefault(stage, dict.fromkeys(["", *Outcome.values], 0))[outcome or ""] += n
        (open_by if stage in open_stages else closed_by)[unit] += n
        total += n
    names = [(organisation.pk, organisation.name, organisation.path), *children]
    by_child = [
        (pk, name, open_by[path], closed_by[path]) for pk, name, path in names if open_by[path] or closed_by[path]
    ]
    return Cases(by_stage=by_stage, by_child=by_child, total=total)


def _remedies(organisation: Organisation, today) -> Remedies:
    rows = (
        Remedy.objects.filter(tree.subtree_q("org_path", organisation.path))
        .values_list("cause", "status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(status=RemedyStatus.OPEN, deadline__lt=today)))
        .order_by()
    )
    by_cause = {c: dict.fromkeys(RemedyStatus.values, 0) for c in Cause.values}
    overdue = total = 0
    for cause, status, n, late in rows:
        by_cause.setdefault(cause, dict.fromkeys(RemedyStatus.values, 0))[status] += n
        overdue += late
        total += n
    return Remedies(by_cause=by_cause, overdue=overdue, total=total)


def in_force_by_kind(organisation: Organisation, today: datetime.date) -> dict[str, int]:
    """Rules in force in the subtree on `today`, by kind."""
    in_force = Institution.objects.filter(
        tree.subtree_q("org_path", organisation.path),
        Q(effective_from__isnull=True) | Q(effective_from__lte=today),
        Q(effective_until__isnull=True) | Q(effective_until__gte=today),
        status=InstitutionStatus.IN_FORCE,
    )
    counts = dict(in_force.values_list("kind").annotate(n=Count("pk")).order_by())
    return {kind: counts.get(kind, 0) for kind in InstitutionKind.values}
