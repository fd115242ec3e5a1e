"""The figures of one organisation's subtree over a period: the service network, people away, cards, lost contact.

The counts seed 000 and seed 003 quote (7,258 service bodies; 409 mobile-member organisations in other provinces;
12,000+ lost-contact members found), for any subtree, as they stood at the period's end, and what happened in it.

- A person away is one record: counted once in a subtree holding their home side, their inflow side or both.
  "Away" at a date: left on or before it and not yet back (or transferred) by it.
- The period bounds set-up dates, departures, cards issued or returned, cases opened, found and closed (both
  ends included; either may be open; an open end is today).
- "Need a card or a transfer" is as of today (DOMAIN §1: away six months or more, no valid card).

One grouped query per kind of row, by direct child (the path's next segment), whatever the subtree's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from vanguard.core import tree
from vanguard.core.access import Action, can_at_path
from vanguard.mobility import selectors
from vanguard.mobility.models import Card, LostContact, LostStatus, MobileRecord, PointRole, ServicePoint
from vanguard.orgs.figures import Units, period_q
from vanguard.orgs.models import Organisation


@dataclass
class ChildRow:
    organisation_id: int
    name: str
    points: int = 0
    away_out: int = 0
    away_in: int = 0
    cards_valid: int = 0
    lost_open: int = 0
    found: int = 0


@dataclass
class Figures:
    organisation: Organisation
    start: datetime.date | None
    end: datetime.date | None
    as_of: datetime.date
    points: dict[str, int]  # role -> n
    provinces: int  # distinct places mobile-member organisations work in
    away_people: int  # persons away at `as_of` with either side in the subtree, each once
    away_out: int  # of whom the home side is in the subtree
    away_in: int  # of whom the inflow side is in the subtree and has received them
    awaiting: int  # registered to an inflow side in the subtree, not yet received
    from_outside: int  # away people whose home organisation is outside the city
    departed: int  # registered as leaving within the period (home side in the subtree)
    returned: int  # back home within the period
    transferred: int  # relation transferred within the period
    need_card: int  # today: away six months or more, no valid card
    cards_issued: int
    cards_valid: int  # at `as_of`
    cards_returned: int
    cards_renewed: int  # cards issued in the period renewed at least once
    lost_opened: int
    lost_found: int
    lost_closed: int
    lost_open: int  # still looked for at `as_of`
    children: list[ChildRow] = field(default_factory=list)

    @property
    def point_total(self) -> int:
        return sum(self.points.values())


def _away_at(day: datetime.date) -> Q:
    """Left on or before `day` and not back or transferred by it."""
    return Q(away_since__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


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
    path = organisation.path
    units = Units(organisation)
    add = units.add

    points = dict.fromkeys(PointRole.values, 0)
    in_subtree = tree.subtree_q("org_path", path)
    for role, unit, n in (
        ServicePoint.objects.filter(in_subtree, period_q("set_up_on", start, end))
        .annotate(unit=units.by_unit("org_path"))
        .values_list("role", "unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        points[role] += n
        add(unit, "points", n)
    provinces = (
        ServicePoint.objects.filter(in_subtree, period_q("set_up_on", start, end), role=PointRole.OUTSIDE)
        .values("province")
        .distinct()
        .count()
    )

    home = tree.subtree_q("home_path", path)
    inflow = tree.subtree_q("inflow_path", path)
    received_by = Q(received_on__isnull=False, received_on__lte=as_of)
    people = MobileRecord.objects.filter(home | (inflow & received_by), _away_at(as_of)).aggregate(
        people=Count("pk"),
        out=Count("pk", filter=home),
        in_=Count("pk", filter=inflow & received_by),
        outside=Count("pk", filter=Q(home_organisation__isnull=True)),
    )
    awaiting = MobileRecord.objects.filter(
        inflow, _away_at(as_of), Q(received_on__isnull=True) | Q(received_on__gt=as_of)
    ).count()
    for unit, n in (
        MobileRecord.objects.filter(home, _away_at(as_of))
        .annotate(unit=units.by_unit("home_path"))
        .values_list("unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(unit, "away_out", n)
    for unit, n in (
        MobileRecord.objects.filter(inflow, received_by, _away_at(as_of))
        .annotate(unit=units.by_unit("inflow_path"))
        .values_list("unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(unit, "away_in", n)
    moves = MobileRecord.objects.filter(home).aggregate(
        departed=Count("pk", filter=period_q("away_since", start, end)),
        returned=Count("pk", filter=Q(status="returned") & period_q("ended_on", start, end)),
        transferred=Count("pk", filter=Q(status="transferred") & period_q("ended_on", start, end)),
    )

    cards = tree.subtree_q("org_path", path)
    card_counts = Card.objects.filter(cards).aggregate(
        issued=Count("pk", filter=period_q("issued_on", start, end)),
        renewed=Count("pk", filter=period_q("issued_on", start, end) & Q(renewals__gt=0)),
        returned=Count("pk", filter=Q(returned_on__isnull=False) & period_q("returned_on", start, end)),
    )
    valid_at = Q(issued_on__lte=as_of, valid_until__gte=as_of) & (
        Q(returned_on__isnull=True) | Q(returned_on__gt=as_of)
    )
    for unit, n in (
        Card.objects.filter(cards, valid_at)
        .annotate(unit=units.by_unit("org_path"))
        .values_list("unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(unit, "cards_valid", n)

    lost = LostContact.objects.filter(tree.subtree_q("org_path", path))
    open_at = Q(lost_since__lte=as_of) & (
        Q(status=LostStatus.SEARCHING) | Q(found_on__gt=as_of) | Q(closed_on__gt=as_of)
    )
    lost_counts = lost.aggregate(
        opened=Count("pk", filter=period_q("lost_since", start, end)),
        found=Count("pk", filter=Q(status=LostStatus.FOUND) & period_q("found_on", start, end)),
        closed=Count("pk", filter=Q(status=LostStatus.CLOSED) & period_q("closed_on", start, end)),
    )
    for unit, still_open, found in (
        lost.annotate(unit=units.by_unit("org_path"))
        .values_list("unit")
        .annotate(
            open_n=Count("pk", filter=open_at),
            found_n=Count("pk", filter=Q(status=LostStatus.FOUND) & period_q("found_on", start, end)),
        )
        .order_by()
    ):
        add(unit, "lost_open", still_open)
        add(unit, "found", found)

    children = units.rows(ChildRow)
    return Figures(
        organisation=organisation,
        start=start,
        end=end,
        as_of=as_of,
        points=points,
        provinces=provinces,
        away_people=people["people"],
        away_out=people["out"],
        away_in=people["in_"],
        awaiting=awaiting,
        from_outside=people["outside"],
        departed=moves["departed"],
        returned=moves["returned"],
        transferred=moves["transferred"],
        need_card=selectors.needing_card(organisation, today=today).count(),
        cards_issued=card_counts["issued"],
        cards_valid=sum(row.cards_valid for row in children),
        cards_returned=card_counts["returned"],
        cards_renewed=card_counts["renewed"],
        lost_opened=lost_counts["opened"],
        lost_found=lost_counts["found"],
        lost_closed=lost_counts["closed"],
        lost_open=sum(row.lost_open for row in children),
        children=children,
    )


def subtree_counts(organisation: Organisation) -> dict[str, int]:
    """For orgs.hooks.register_subtree_figures: the subtree's counts, all dates, as of today."""
    f = compute(organisation=organisation, user=None)
    counts = {f"{role}_points": n for role, n in f.points.items()}
    counts.update(
        service_bodies=f.point_total,
        away=f.away_people,
        away_out=f.away_out,
        away_in=f.away_in,
        need_card_or_transfer=f.need_card,
        cards_valid=f.cards_valid,
        lost_contact_open=f.lost_open,
        lost_contact_found=f.lost_found,
    )
    return counts
