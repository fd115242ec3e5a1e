"""三级两评 read side (DOMAIN §3): a monitoring body's network and the roll-ups of its points' appraisals.

The office sees every station and point of its network, a station its points, a point itself: the network
is found by the office and station paths copied onto each body, so a roll-up is one grouped query however
many points there are.  Rates are (satisfied + basically satisfied) ÷ all × 100 (DOMAIN §4).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from vanguard.accounts.scoping import restrict
from vanguard.opinions.models import ConductAppraisal, MonitoringBody, MonitoringLevel


def bodies_for(user) -> QuerySet[MonitoringBody]:
    """The monitoring bodies the user may see: their own subtree's, and every body of a network they run."""
    return restrict(MonitoringBody.objects.select_related("organisation", "parent__organisation"), user).order_by(
        "office_path", "level", "org_path"
    )


def network_q(body: MonitoringBody) -> Q:
    """The points whose appraisals roll up into `body`."""
    if body.level == MonitoringLevel.OFFICE:
        return Q(point__office_path=body.org_path)
    if body.level == MonitoringLevel.STATION:
        return Q(point__station_path=body.org_path)
    return Q(point=body)


def appraisals(body: MonitoringBody, *, start: datetime.date | None = None, end: datetime.date | None = None):
    queryset = ConductAppraisal.objects.filter(network_q(body))
    if start:
        queryset = queryset.filter(appraised_on__gte=start)
    if end:
        queryset = queryset.filter(appraised_on__lte=end)
    return queryset


@dataclass(frozen=True)
class Row:
    key: object
    label: str
    aspect: str
    satisfied: int
    basically: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basically + self.unsatisfied

    @property
    def rate(self) -> float | None:
        return round((self.satisfied + self.basically) * 100 / self.total, 1) if self.total else None


def _rows(queryset, key: str, label: str) -> list[Row]:
    grouped = (
        queryset.values(key, label, "aspect")
        .annotate(s=Sum("satisfied"), b=Sum("basically"), u=Sum("unsatisfied"))
        .order_by(label, key, "aspect")
    )
    return [Row(r[key], r[label], r["aspect"], r["s"] or 0, r["b"] or 0, r["u"] or 0) for r in grouped]


def by_subject(body: MonitoringBody, **period) -> list[Row]:
    """Per office or trade appraised and per aspect: the summed counts and the rate."""
    return _rows(appraisals(body, **period), "subject_id", "subject__name")


def by_point(body: MonitoringBody, **period) -> list[Row]:
    return _rows(appraisals(body, **period), "point_id", "point__organisation__name")


def by_station(body: MonitoringBody, **period) -> list[Row]:
    return _rows(appraisals(body, **period), "point__parent_id", "point__parent__organisation__name")


def by_month(body: MonitoringBody, **period) -> list[Row]:
    grouped = (
        appraisals(body, **period)
        .annotate(month=TruncMonth("appraised_on"))
        .values("month", "aspect")
        .annotate(s=Sum("satisfied"), b=Sum("basically"), u=Sum("unsatisfied"))
        .order_by("month", "aspect")
    )
    return [
        Row(r["month"], r["month"].strftime("%Y-%m"), r["aspect"], r["s"] or 0, r["b"] or 0, r["u"] or 0)
        for r in grouped
    ]
