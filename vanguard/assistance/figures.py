"""The assistance figures of one organisation's subtree over a period (DOMAIN §9, seeds 000 and 003).

Pairs (87,000 with needy people and 15,000 with units in seed 003; 1+1 and 1+2 in seed 000), help given, the
households promised special services and how the promise was kept, the funds (10 million yuan+ in seed 000),
and the skills training of laid-off members with re-employment (21,937 classes, 8,506 trained, 4,419
re-employed), which exemplars keeps and this page reads.

Pairings in force and households listed are as they stood at the period's end; the period bounds pairings made,
help given, services due, and money in and out (both ends included; either may be open; an open end is today).
Each row counts at the organisation whose path it copies: a pairing where it was arranged, a fund where it is held.
One grouped query per kind of row, by direct child, whatever the subtree's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from vanguard.assistance.models import (
    Entry,
    Grant,
    GrantStatus,
    HelpKind,
    Household,
    HouseholdGroup,
    Pairing,
    PairingKind,
    SpecialService,
    Visit,
)
from vanguard.core import tree
from vanguard.core.access import Action, can_at_path
from vanguard.exemplars import figures as training_figures
from vanguard.exemplars.models import ClassKind
from vanguard.orgs.figures import Units, period_q
from vanguard.orgs.models import Organisation


@dataclass
class ChildRow:
    organisation_id: int
    name: str
    pairs: int = 0
    visits: int = 0
    households: int = 0
    services_done: int = 0
    balance_fen: int = 0


@dataclass
class Figures:
    organisation: Organisation
    start: datetime.date | None
    end: datetime.date | None
    as_of: datetime.date
    pairs: dict[str, int]  # kind -> in force at as_of
    pairs_made: dict[str, int]  # kind -> made in the period
    members_helped: int  # places of members helped in member pairings in force
    visits: dict[str, int]  # help kind -> in the period
    help_value_fen: int
    households: dict[str, int]  # group -> listed at as_of
    services_due: int
    services_done: int
    services_on_time: int
    services_overdue: int  # due before as_of and not done
    income_fen: int
    granted_fen: int
    balance_fen: int  # at as_of
    grants_requested: int
    grants_paid: int
    grants_refused: int
    skills_classes: int
    laid_off_trained: int
    re_employed: int
    children: list[ChildRow] = field(default_factory=list)

    @property
    def pair_total(self) -> int:
        return sum(self.pairs.values())

    @property
    def visit_total(self) -> int:
        return sum(self.visits.values())

    @property
    def household_total(self) -> int:
        return sum(self.households.values())


def compute(
    *,
    organisation: Organisation,
    user,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Figures:
    """The figures of `organisation`'s subtree; refused unless `user` may view it (`user=None` is the system)."""
    if user is not None and not can_at_path(user, Action.VIEW, organisation.path):
        raise PermissionDenied
    today = today or timezone.localdate()
    as_of = min(end, today) if end is not None else today
    subtree = tree.subtree_q("org_path", organisation.path)
    units = Units(organisation)
    unit = units.by_unit()
    add = units.add

    in_force = Q(started_on__lte=as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
    pairs = dict.fromkeys(PairingKind.values, 0)
    made = dict.fromkeys(PairingKind.values, 0)
    for kind, path, n, new in (
        Pairing.objects.filter(subtree)
        .annotate(unit=unit)
        .values_list("kind", "unit")
        .annotate(n=Count("pk", filter=in_force), new=Count("pk", filter=period_q("started_on", start, end)))
        .order_by()
    ):
        pairs[kind] += n
        made[kind] += new
        add(path, "pairs", n)
    members_helped = (
        Pairing.helped.through.objects.filter(
            Q(
                pairing__org_path__gte=organisation.path,
                pairing__org_path__lt=tree.subtree_upper_bound(organisation.path),
            ),
            pairing__started_on__lte=as_of,
        )
        .filter(Q(pairing__ended_on__isnull=True) | Q(pairing__ended_on__gt=as_of))
        .count()
    )

    visits = dict.fromkeys(HelpKind.values, 0)
    help_value = 0
    for kind, path, n, value in (
        Visit.objects.filter(subtree, period_q("visited_on", start, end))
        .annotate(unit=unit)
        .values_list("help_kind", "unit")
        .annotate(n=Count("pk"), value=Sum("value_fen"))
        .order_by()
    ):
        visits[kind] += n
        help_value += value or 0
        add(path, "visits", n)

    listed = Q(listed_on__lte=as_of) & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))
    households = dict.fromkeys(HouseholdGroup.values, 0)
    for group, path, n in (
        Household.objects.filter(subtree, listed)
        .annotate(unit=unit)
        .values_list("group", "unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        households[group] += n
        add(path, "households", n)
    due = SpecialService.objects.filter(subtree, period_q("due_on", start, end))
    services = due.aggregate(
        due=Count("pk"),
        done=Count("pk", filter=Q(done_on__isnull=False, done_on__lte=as_of)),
        on_time=Count("pk", filter=Q(done_on__isnull=False, done_on__lte=as_of) & Q(done_on__lte=F("due_on"))),
        overdue=Count("pk", filter=Q(due_on__lt=as_of) & (Q(done_on__isnull=True) | Q(done_on__gt=as_of))),
    )
    for path, n in (
        due.filter(done_on__isnull=False, done_on__lte=as_of)
        .annotate(unit=unit)
        .values_list("unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(path, "services_done", n)

    entries = Entry.objects.filter(subtree)
    money = entries.filter(period_q("on", start, end)).aggregate(
        income=Sum("amount_fen", filter=Q(debit="cash")), granted=Sum("amount_fen", filter=Q(debit="grants"))
    )
    for path, income, granted in (
        entries.filter(on__lte=as_of)
        .annotate(unit=unit)
        .values_list("unit")
        .annotate(income=Sum("amount_fen", filter=Q(debit="cash")), granted=Sum("amount_fen", filter=Q(debit="grants")))
        .order_by()
    ):
        add(path, "balance_fen", (income or 0) - (granted or 0))
    grants = Grant.objects.filter(subtree).aggregate(
        requested=Count("pk", filter=period_q("requested_on", start, end)),
        paid=Count("pk", filter=Q(status=GrantStatus.PAID) & period_q("decided_on", start, end)),
        refused=Count("pk", filter=Q(status=GrantStatus.REFUSED) & period_q("decided_on", start, end)),
    )
    skills = training_figures.compute(organisation=organisation, user=None, start=start, end=end).training[
        ClassKind.SKILLS
    ]

    children = units.rows(ChildRow)
    return Figures(
        organisation=organisation,
        start=start,
        end=end,
        as_of=as_of,
        pairs=pairs,
        pairs_made=made,
        members_helped=members_helped,
        visits=visits,
        help_value_fen=help_value,
        households=households,
        services_due=services["due"],
        services_done=services["done"],
        services_on_time=services["on_time"],
        services_overdue=services["overdue"],
        income_fen=money["income"] or 0,
        granted_fen=money["granted"] or 0,
        balance_fen=sum(row.balance_fen for row in children),
        grants_requested=grants["requested"],
        grants_paid=grants["paid"],
        grants_refused=grants["refused"],
        skills_classes=skills.classes,
        laid_off_trained=skills.laid_off_members,
        re_employed=skills.re_employed,
        children=children,
    )


def subtree_counts(organisation: Organisation) -> dict[str, int]:
    """For orgs.hooks.register_subtree_figures: the subtree's counts, all dates, as of today."""
    f = compute(organisation=organisation, user=None)
    counts = {f"pairs_{kind}": n for kind, n in f.pairs.items()}
    counts.update(
        members_helped=f.members_helped,
        help_given=f.visit_total,
        households=f.household_total,
        services_done=f.services_done,
        services_overdue=f.services_overdue,
        fund_balance_fen=f.balance_fen,
    )
    return counts
