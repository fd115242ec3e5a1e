"""The five tables (五表) of an organisation's subtree for a period: every figure counted from records, none typed.

Which records belong to the period
----------------------------------
The opinions' `received_on` decides everything.  The period's opinions are
those received in [start, end] (both days included) by an organisation of the
subtree (and, given a campaign, entered for it).  The period's problems are
the distinct problems those opinions were grouped into, wherever the problem
was grouped or forwarded; a problem whose opinions straddle two periods
belongs to both.  Tables 3–5 then read the problems' and ratings' state as it
is now (forwarded, replied, rectified, rated), not as it was at `end`: the
tables follow what became of the period's opinions.  So the chain only ever
narrows:

    opinions ≥ grouped opinions;  problems ≥ forwarded ≥ replied ≥ rectified ≥ rated ≥ rated satisfied

Definitions
-----------
1. 征求意见表: opinions, by channel, direction, source group and by direct
   child unit of the organisation (opinions taken in by the organisation
   itself have their own row).
2. 意见汇总表: problems (distinct), opinions grouped into one, not yet
   grouped, and grouped opinions per problem.
3. 意见反馈表: forwarded = problems past "grouped" (forwarded, replied or
   rectified); replied = replied or rectified; reply rate = replied ÷
   forwarded × 100; forwarded and replied by category and by the responsible
   unit, rolled up to the organisation's direct children (responsible units
   outside the subtree share one row).
4. 整改情况表: rectified; in progress = forwarded or replied; overdue = in
   progress past its deadline (on `today`); escalated, listed publicly (挂牌)
   and circulated (通报) = problems that ever were; on-time % = problems
   rectified on or before their deadline (the local date of `rectified_at`) ÷
   rectified problems that have a deadline × 100.
5. 整改效果表: ratings of the period's problems that are rectified now (a
   reopened problem's ratings judged a rectification that was undone), by
   verdict and by source; satisfaction rate = (满意 + 基本满意) ÷ ratings ×
   100 (DOMAIN §4); problems rated; problems rated satisfied = rated problems
   whose own satisfaction rate is at least SATISFIED_THRESHOLD.

Every figure comes from a handful of grouped queries over path ranges (about
seven whatever the subtree's size), never from a loop over rows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core import tree
from vanguard.opinions.models import (
    Category,
    Channel,
    Direction,
    EffectRating,
    Opinion,
    Problem,
    ProblemStatus,
    RatingSource,
    SourceGroup,
    Verdict,
)
from vanguard.orgs.models import Organisation

# DOMAIN §4: the usual pass mark of a satisfaction rate.
SATISFIED_THRESHOLD = 70

IN_HAND = (ProblemStatus.FORWARDED, ProblemStatus.REPLIED)
FORWARDED = (ProblemStatus.FORWARDED, ProblemStatus.REPLIED, ProblemStatus.RECTIFIED)
REPLIED = (ProblemStatus.REPLIED, ProblemStatus.RECTIFIED)


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole × 100 to one decimal; None when there is nothing to divide by (shown as “—”, never 0 %)."""
    return round(part * 100 / whole, 1) if whole else None


@dataclass(frozen=True)
class UnitRow:
    """One row of a by-unit table: a direct child of the organisation, the organisation itself, or elsewhere."""

    organisation_id: int | None
    name: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Collected:
    """征求意见表."""

    total: int
    by_channel: dict[str, int]
    by_direction: dict[str, int]
    by_source: dict[str, int]
    by_unit: list[UnitRow]


@dataclass(frozen=True)
class Summarised:
    """意见汇总表."""

    problems: int
    grouped: int
    ungrouped: int

    @property
    def per_problem(self) -> float | None:
        return round(self.grouped / self.problems, 1) if self.problems else None


@dataclass(frozen=True)
class Fedback:
    """意见反馈表."""

    forwarded: int
    replied: int
    forwarded_by_category: dict[str, int]
    replied_by_category: dict[str, int]
    by_unit: list[UnitRow]

    @property
    def reply_rate(self) -> float | None:
        return rate(self.replied, self.forwarded)


@dataclass(frozen=True)
class Rectification:
    """整改情况表."""

    rectified: int
    in_progress: int
    overdue: int
    escalated: int
    on_time: int
    with_deadline: int
    listed: int
    circulated: int

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.with_deadline)


@dataclass(frozen=True)
class Effect:
    """整改效果表."""

    ratings: int
    by_verdict: dict[str, int]
    # source → verdict → ratings
    by_source: dict[str, dict[str, int]]
    problems_rated: int
    problems_satisfied: int

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.by_verdict[Verdict.SATISFIED] + self.by_verdict[Verdict.BASICALLY], self.ratings)


@dataclass(frozen=True)
class FiveTables:
    organisation: Organisation
    start: datetime.date
    end: datetime.date
    campaign_id: int | None
    collected: Collected
    summarised: Summarised
    fedback: Fedback
    rectification: Rectification
    effect: Effect
    today: datetime.date = field(default_factory=timezone.localdate)

    def headline(self) -> dict[str, int | float | None]:
        """The chain's figures, as stored in campaign evidence (keys are HEADLINE_FIGURES)."""
        return {
            "opinions": self.collected.total,
            "problems": self.summarised.problems,
            "forwarded": self.fedback.forwarded,
            "replied": self.fedback.replied,
            "rectified": self.rectification.rectified,
            "rated": self.effect.problems_rated,
            "rated_satisfied": self.effect.problems_satisfied,
            "reply_rate": self.fedback.reply_rate,
            "on_time_rate": self.rectification.on_time_rate,
            "satisfaction_rate": self.effect.satisfaction_rate,
        }


# The counts a campaign step may require to be non-zero (rates are shown, not required).
HEADLINE_FIGURES = ("opinions", "problems", "forwarded", "replied", "rectified", "rated", "rated_satisfied")


def five_tables(
    *,
    organisation: Organisation,
    user,
    start: datetime.date,
    end: datetime.date,
    campaign=None,
    today: datetime.date | None = None,
) -> FiveTables:
    """The five tables of `organisation`'s subtree for opinions received in [start, end] (see the module's text).

    `user` must see the organisation (a role anywhere above it or a grant of its
    subtree): its whole subtree is then in their scope.  Anyone else is refused.
    `user=None` is the system (campaign evidence, benchmarks).
    """
    if user is not None and not can_at_path(user, Action.VIEW, organisation.path):
        raise PermissionDenied
    return compute(organisation=organisation, start=start, end=end, campaign=campaign, today=today)


def period_opinions(
    *, organisation: Organisation, start: datetime.date, end: datetime.date, campaign=None
) -> QuerySet[Opinion]:
    opinions = Opinion.objects.filter(tree.subtree_q("org_path", organisation.path), received_on__range=(start, end))
    if campaign is not None:
        opinions = opinions.filter(campaign=campaign)
    return opinions.order_by()


def compute(
    *, organisation: Organisation, start: datetime.date, end: datetime.date, campaign=None, today=None
) -> FiveTables:
    today = today or timezone.localdate()
    opinions = period_opinions(organisation=organisation, start=start, end=end, campaign=campaign)
    problems = Problem.objects.filter(pk__in=opinions.filter(problem__isnull=False).values("problem_id")).order_by()
    children = list(Organisation.objects.filter(parent=organisation).order_by("path").values_list("pk", "name", "path"))
    width = len(organisation.path) + tree.SEGMENT_WIDTH
    collected = _opinion_tables(opinions, organisation, children, width)
    chained = _problem_tables(problems, organisation, children, width, today)
    return FiveTables(
        organisation=organisation,
        start=start,
        end=end,
        campaign_id=getattr(campaign, "pk", campaign),
        today=today,
        collected=collected["collected"],
        summarised=Summarised(
            problems=chained["problems"],
            grouped=collected["grouped"],
            ungrouped=collected["total"] - collected["grouped"],
        ),
        fedback=chained["fedback"],
        rectification=chained["rectification"],
        effect=_effect(problems),
    )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _opinion_tables(opinions: QuerySet, organisation: Organisation, children: list, width: int) -> dict:
    """Opinions by (channel, direction, source group, grouped or not), then by child unit: two queries."""
    groups = (
        opinions.annotate(grouped=_flag(Q(problem__isnull=False)))
        .values("channel", "direction", "source_group", "grouped")
        .annotate(n=Count("pk"))
        .values_list("channel", "direction", "source_group", "grouped", "n")
    )
    channels, directions, sources = Counter(), Counter(), Counter()
    total = grouped = 0
    for channel, direction, source, is_grouped, n in groups:  # at most 6 × 3 × 6 × 2 groups, not rows
        total += n
        grouped += n if is_grouped else 0
        channels[channel] += n
        directions[direction] += n
        sources[source] += n
    units = _per_unit(opinions, organisation, children)
    collected = Collected(
        total=total,
        by_channel={value: channels[value] for value in Channel.values},
        by_direction={value: directions[value] for value in Direction.values},
        by_source={value: sources[value] for value in SourceGroup.values},
        by_unit=_unit_rows(organisation, children, {key: {"opinions": n} for key, n in units.items()}, ["opinions"]),
    )
    return {"collected": collected, "grouped": grouped, "total": total}


# SQLite allows 500 terms in one compound SELECT.
UNION_CHUNK = 200


def _per_unit(opinions: QuerySet, organisation: Organisation, children: list) -> dict[str, int]:
    """Opinions of the organisation itself and of each child's subtree: one range count per child, UNION ALL.

    Each part is a range scan of the (org_path, received_on) index, COUNT(*) so that it needs no other column
    (an index-only scan once the table is vacuumed); grouping every row by a substring
    of its path instead costs twice a plain count on PostgreSQL (measured: bench/opinions_tables.py).
    """
    parts = [
        opinions.filter(org_path=organisation.path)
        .annotate(unit=Value(organisation.path, output_field=CharField()))
        .values("unit")
        .annotate(n=Count("*"))
        .values_list("unit", "n")
    ]
    parts += [
        opinions.filter(tree.subtree_q("org_path", path))
        .annotate(unit=Value(path, output_field=CharField()))
        .values("unit")
        .annotate(n=Count("*"))
        .values_list("unit", "n")
        for _pk, _name, path in children
    ]
    counts: dict[str, int] = {}
    for start in range(0, len(parts), UNION_CHUNK):
        first, *rest = parts[start : start + UNION_CHUNK]
        counts.update(first.union(*rest, all=True) if rest else first)
    return {key: n for key, n in counts.items() if n}


def _unit_rows(organisation: Organisation, children: list, counts: dict[str, dict], keys: list[str]) -> list[UnitRow]:
    """The organisation itself (when it has any), each direct child (zeros included), then elsewhere (when any)."""
    zero = dict.fromkeys(keys, 0)
    rows = []
    if organisation.path in counts:
        rows.append(
            UnitRow(organisation.pk, _("%(name)s (itself)") % {"name": organisation.name}, counts[organisation.path])
        )
    rows += [UnitRow(pk, name, counts.get(path, zero)) for pk, name, path in children]
    if "" in counts:
        rows.append(UnitRow(None, _("Outside this organisation"), counts[""]))
    return rows


PROBLEM_FLAGS = ("overdue", "escalated", "listed", "circulated", "dated", "on_time")


def _problem_tables(problems: QuerySet, organisation: Organisation, children: list, width: int, today) -> dict:
    """One grouped query: problems by (status, category, responsible child unit), the yes/no facts counted in each."""
    inside = tree.subtree_q("responsible_path", organisation.path)
    groups = (
        problems.annotate(
            rectified_on=TruncDate("rectified_at"),
            unit=Case(
                When(inside, then=Substr("responsible_path", 1, width)), default=Value(""), output_field=CharField()
            ),
        )
        .values("status", "category", "unit")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(status__in=IN_HAND, deadline__lt=today)),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
            listed=Count("pk", filter=Q(listed_at__isnull=False)),
            circulated=Count("pk", filter=Q(circulated_at__isnull=False)),
            dated=Count("pk", filter=Q(deadline__isnull=False)),
            on_time=Count("pk", filter=Q(deadline__isnull=False, rectified_on__lte=F("deadline"))),
        )
        .values_list("status", "category", "unit", *PROBLEM_FLAGS, "n")
    )
    figures: Counter[str] = Counter()
    forwarded_by, replied_by = Counter(), Counter()
    units: dict[str, Counter] = {}
    for status, category, unit, overdue, escalated, listed, circulated, dated, on_time, n in groups:
        figures["problems"] += n
        figures["overdue"] += overdue
        figures["escalated"] += escalated
        figures["listed"] += listed
        figures["circulated"] += circulated
        if status == ProblemStatus.RECTIFIED:
            figures["rectified"] += n
            figures["with_deadline"] += dated
            figures["on_time"] += on_time
        elif status in IN_HAND:
            figures["in_progress"] += n
        if status in FORWARDED:
            figures["forwarded"] += n
            forwarded_by[category] += n
            units.setdefault(unit, Counter())["forwarded"] += n
        if status in REPLIED:
            figures["replied"] += n
            replied_by[category] += n
            units.setdefault(unit, Counter())["replied"] += n
    fedback = Fedback(
        forwarded=figures["forwarded"],
        replied=figures["replied"],
        forwarded_by_category={value: forwarded_by[value] for value in Category.values},
        replied_by_category={value: replied_by[value] for value in Category.values},
        by_unit=_unit_rows(
            organisation,
            children,
            {key: {"forwarded": c["forwarded"], "replied": c["replied"]} for key, c in units.items()},
            ["forwarded", "replied"],
        ),
    )
    rectification = Rectification(
        **{
            key: figures[key]
            for key in ("rectified", "in_progress", "overdue", "escalated", "on_time", "with_deadline", "listed")
        },
        circulated=figures["circulated"],
    )
    return {"problems": figures["problems"], "fedback": fedback, "rectification": rectification}


def _effect(problems: QuerySet) -> Effect:
    """One query: ratings counted per problem inside, summed outside (with the problems whose own rate passes)."""
    ratings = EffectRating.objects.filter(
        problem__in=problems.filter(status=ProblemStatus.RECTIFIED).values("pk")
    ).order_by()
    cells = [(source, verdict) for source in RatingSource.values for verdict in Verdict.values]
    good = Q(verdict__in=[Verdict.SATISFIED, Verdict.BASICALLY])
    per_problem = (
        ratings.values("problem_id")
        .annotate(
            n=Count("pk"),
            good_x100=Count("pk", filter=good) * 100,
            **{f"c_{s}_{v}": Count("pk", filter=Q(source=s, verdict=v)) for s, v in cells},
        )
        # Whole numbers on both sides: 7 of 10 at 70 % passes exactly, with no float rounding.
        .annotate(passes=_flag(Q(good_x100__gte=F("n") * SATISFIED_THRESHOLD)))
    )
    row = per_problem.aggregate(
        ratings=Sum("n"),
        problems_rated=Count("problem_id"),
        problems_satisfied=Sum("passes"),
        **{f"t_{s}_{v}": Sum(f"c_{s}_{v}") for s, v in cells},
    )
    by_source = {s: {v: row[f"t_{s}_{v}"] or 0 for v in Verdict.values} for s in RatingSource.values}
    by_verdict = {v: sum(by_source[s][v] for s in RatingSource.values) for v in Verdict.values}
    return Effect(
        ratings=row["ratings"] or 0,
        by_verdict=by_verdict,
        by_source=by_source,
        problems_rated=row["problems_rated"] or 0,
        problems_satisfied=row["problems_satisfied"] or 0,
    )


__all__ = ["FiveTables", "HEADLINE_FIGURES", "SATISFIED_THRESHOLD", "five_tables", "period_opinions", "rate"]
