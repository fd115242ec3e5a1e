"""Each member's credit standing, computed from what was recorded — never typed (DOMAIN §9).

A standing keeps what a member did in a phase: per activity, how many were credited (sessions attended, or
absent and made up later; sessions given; study records) and their hours, and the sessions attended and
missed. What that is worth is the campaign's rules applied when it is read: the activity's rule for the member's
category where there is one, else the general rule (none: no credit), against the phase's requirement for the
category. So a change of the rules writes nothing and holds at once, and every member's credits under them are
one read of the standings (`valued`, CASE expressions over the counts), never of the attendance rows.
Time spent on a page is never counted: only what an organisation or the member recorded.

A session counts once for a member however many organisations see it (the attendance row is the meeting's),
and a study record is one row seen by the home branch and the organisation hosting the member.

Two ways to write the counts, held to the same rows by tests:
- `recompute(member_ids=…)`: the members a write touched, from their rows (in the write's transaction);
- `rebuild_all`: a whole campaign from every row, one set-based statement (the demo, a repair).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import reduce

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Round

from vanguard.campaigns.models import Campaign
from vanguard.core import tallies as core_tallies
from vanguard.meetings.models import Attendance
from vanguard.members.models import Member
from vanguard.study.models import Activity, Basis, CreditRule, Requirement, Session, Standing, StudyRecord

BATCH = 5000
ZERO = Decimal(0)
CENT = Decimal("0.01")
TALLY = [f"{kind}_{activity}" for activity in Activity.values for kind in ("done", "hours")]
EMPTY_TALLY = {name: (0 if name.startswith("done_") else ZERO) for name in TALLY}
# A credit is a rule's credits (one decimal) times a count or hours (one decimal): two decimals are exact.
CREDITS = DecimalField(max_digits=12, decimal_places=2)


class Rules:
    """A campaign's credit rules and requirements, read once; applied to a standing in hand (`value`) or written
    as expressions for the database (`earned_expression`, `required_expression`)."""

    def __init__(self, rules: Iterable[CreditRule], requirements: Iterable[Requirement]) -> None:
        self.rules = {(r.activity, r.category): r for r in rules}
        self.required = {(q.phase_id, q.category): q.credits for q in requirements}

    @classmethod
    def of(cls, campaign: Campaign) -> Rules:
        return cls(CreditRule.objects.filter(campaign=campaign), Requirement.objects.filter(campaign=campaign))

    @classmethod
    def every(cls) -> dict[int, Rules]:
        """Every campaign's rules by campaign id (those with none are left out: nothing earned, nothing asked)."""
        rules: dict[int, list[CreditRule]] = defaultdict(list)
        requirements: dict[int, list[Requirement]] = defaultdict(list)
        for rule in CreditRule.objects.all():
            rules[rule.campaign_id].append(rule)
        for requirement in Requirement.objects.all():
            requirements[requirement.campaign_id].append(requirement)
        return {pk: cls(rules[pk], requirements[pk]) for pk in {*rules, *requirements}}

    def rule(self, activity: str, category: str) -> CreditRule | None:
        return self.rules.get((activity, category)) or self.rules.get((activity, ""))

    def credit(self, activity: str, category: str, count: int, hours: Decimal | None) -> Decimal:
        rule = self.rule(activity, category)
        if rule is None:
            return ZERO
        if rule.basis == Basis.HOUR:
            return rule.credits * (hours or ZERO)
        return rule.credits * count

    def requirement(self, phase_id: int, category: str) -> Decimal:
        found = self.required.get((phase_id, category))
        return found if found is not None else self.required.get((phase_id, ""), ZERO)

    def value(self, standing: Standing) -> Standing:
        """Set `earned`, `required` and `complete` on a standing in hand (the same as `valued` in the database)."""
        earned = sum(
            (
                self.credit(a, standing.category, getattr(standing, f"done_{a}"), getattr(standing, f"hours_{a}"))
                for a in Activity.values
            ),
            ZERO,
        )
        standing.earned = earned.quantize(CENT)
        standing.required = self.requirement(standing.phase_id, standing.category)
        standing.complete = standing.earned >= standing.required
        return standing

    def earned_expression(self) -> Expression:
        """Credits earned, from a standing's counts and category: per activity, a CASE over the categories with a
        rule of their own, else the general rule."""
        terms = []
        for activity in Activity.values:
            general = self.rules.get((activity, ""))
            own = [(cat, rule) for (act, cat), rule in sorted(self.rules.items()) if act == activity and cat]
            if general is None and not own:
                continue

            def worth(rule: CreditRule, activity: str = activity) -> Expression:
                counted = F(f"hours_{activity}" if rule.basis == Basis.HOUR else f"done_{activity}")
                return ExpressionWrapper(Value(rule.credits, output_field=CREDITS) * counted, output_field=CREDITS)

            fallback = worth(general) if general is not None else Value(ZERO, output_field=CREDITS)
            whens = [When(category=cat, then=worth(rule)) for cat, rule in own]
            terms.append(Case(*whens, default=fallback, output_field=CREDITS) if whens else fallback)
        return reduce(operator.add, terms) if terms else Value(ZERO, output_field=CREDITS)

    def required_expression(self) -> Expression:
        """The phase's requirement for the standing's category, else the phase's general one, else nothing."""
        ordered = sorted(self.required.items(), key=lambda item: (item[0][1] == "", item[0]))
        whens = [
            When(Q(phase_id=phase_id) & (Q(category=cat) if cat else Q()), then=Value(credits, output_field=CREDITS))
            for (phase_id, cat), credits in ordered
        ]
        return Case(*whens, default=Value(ZERO, output_field=CREDITS), output_field=CREDITS)


def valued(queryset: QuerySet[Standing], campaign: Campaign | None = None) -> QuerySet[Standing]:
    """The standings with `earned`, `required` and `complete` computed by the database under the rules of
    `campaign` (every row must be of it), else of each row's own campaign."""
    if campaign is not None:
        rules = Rules.of(campaign)
        earned, required = rules.earned_expression(), rules.required_expression()
    else:
        every = Rules.every()
        zero = Value(ZERO, output_field=CREDITS)
        earned = Case(
            *[When(campaign_id=pk, then=r.earned_expression()) for pk, r in every.items()],
            default=zero,
            output_field=CREDITS,
        )
        required = Case(
            *[When(campaign_id=pk, then=r.required_expression()) for pk, r in every.items()],
            default=zero,
            output_field=CREDITS,
        )
    # Rounded to the exact two decimals: SQLite adds in binary floating point (0.7 × 3 = 2.0999…).
    return queryset.annotate(earned=Round(earned, 2, output_field=CREDITS), required=required).annotate(
        complete=ExpressionWrapper(Q(earned__gte=F("required")), output_field=BooleanField())
    )


def _members(member_ids: Iterable[int]) -> Iterator[list[tuple[int, str, str]]]:
    ids = sorted(set(member_ids))
    for at in range(0, len(ids), BATCH):
        yield list(Member.objects.filter(pk__in=ids[at : at + BATCH]).values_list("pk", "org_path", "category"))


def recompute(*, campaign: Campaign, member_ids: Iterable[int]) -> int:
    """Count again what the given members did in the campaign, from their rows, and write their standings: one
    per phase where something is recorded, none where nothing is (a standing that no longer counts anything is
    deleted), and the credit tallies follow. Returns the number of standing rows written."""
    phases = list(campaign.phases.values_list("pk", flat=True))
    rules = Rules.of(campaign)
    written = 0
    for batch in _members(member_ids):
        written += _recompute_batch(campaign, rules, phases, batch)
    return written


def _recompute_batch(campaign: Campaign, rules: Rules, phases: list[int], batch: list[tuple[int, str, str]]) -> int:
    ids = [pk for pk, _path, _category in batch]
    counted: dict[tuple[int, int], dict[str, object]] = defaultdict(dict)

    def tally(key: tuple[int, int], activity: str, n: int, hours: Decimal | None) -> None:
        kept = counted[key]
        kept[f"done_{activity}"] = kept.get(f"done_{activity}", 0) + n
        kept[f"hours_{activity}"] = kept.get(f"hours_{activity}", ZERO) + (hours or ZERO)

    attended: dict[tuple[int, int], int] = defaultdict(int)
    missed: dict[tuple[int, int], int] = defaultdict(int)
    credited = Q(present=True) | Q(made_up_on__isnull=False)
    sessions = (
        Attendance.objects.filter(member_id__in=ids, meeting__study__campaign=campaign)
        .values("member_id", "meeting__study__phase_id", "meeting__kind")
        .annotate(
            n=Count("pk", filter=credited),
            hours=Sum("meeting__study__hours", filter=credited),
            missed=Count("pk", filter=~credited),
        )
    )
    for row in sessions:
        key = (row["member_id"], row["meeting__study__phase_id"])
        tally(key, row["meeting__kind"], row["n"], row["hours"])
        attended[key] += row["n"]
        missed[key] += row["missed"]
    given = (
        Session.objects.filter(campaign=campaign, given_by_id__in=ids, recorded_at__isnull=False)
        .values("given_by_id", "phase_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    for row in given:
        tally((row["given_by_id"], row["phase_id"]), Activity.GAVE_LECTURE, row["n"], row["hours"])
    records = (
        StudyRecord.objects.filter(campaign=campaign, member_id__in=ids)
        .values("member_id", "phase_id", "activity")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    for row in records:
        tally((row["member_id"], row["phase_id"]), row["activity"], row["n"], row["hours"])
    standings = [
        Standing(
            member_id=pk,
            campaign=campaign,
            phase_id=phase_id,
            org_path=path,
            category=category,
            attended=attended.get((pk, phase_id), 0),
            missed=missed.get((pk, phase_id), 0),
            **{**EMPTY_TALLY, **counted[(pk, phase_id)]},
        )
        for pk, path, category in batch
        for phase_id in phases
        if (pk, phase_id) in counted
    ]
    before = list(Standing.objects.filter(campaign=campaign, member_id__in=ids))
    kept = {(s.member_id, s.phase_id) for s in standings}
    stale = [s.pk for s in before if (s.member_id, s.phase_id) not in kept]
    if stale:
        Standing.objects.filter(pk__in=stale).delete()
    Standing.objects.bulk_create(
        standings,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["member", "phase"],
        update_fields=["org_path", "category", "attended", "missed", "updated_at", *TALLY],
    )
    from vanguard.study import tallies  # the figures kept from standings: it reads this module

    tallies.standings_changed(rules, before, standings)
    return len(standings)


# --- the whole campaign at once ------------------------------------------------------------------------------------
#
# The same counts as `_recompute_batch`, as SQL over a whole campaign, where a million members in batches of Python
# would take many minutes.


class _Sql:
    """Named parameters for a generated statement (both databases take `%(name)s`)."""

    def __init__(self, **params) -> None:
        self.params = dict(params)

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"


_CREDITED = "(a.present OR a.made_up_on IS NOT NULL)"

# Per member, phase and activity: how many were credited and their hours; sessions also attended and missed.
_DONE = f"""
SELECT a.member_id, s.phase_id, mt.kind AS activity,
       SUM(CASE WHEN {_CREDITED} THEN 1 ELSE 0 END) AS n,
       SUM(CASE WHEN {_CREDITED} THEN s.hours ELSE 0 END) AS hours,
       SUM(CASE WHEN {_CREDITED} THEN 1 ELSE 0 END) AS attended,
       SUM(CASE WHEN {_CREDITED} THEN 0 ELSE 1 END) AS missed
FROM meetings_attendance a
JOIN study_session s ON s.meeting_id = a.meeting_id
JOIN meetings_meeting mt ON mt.id = a.meeting_id
WHERE s.campaign_id = %(campaign)s
GROUP BY a.member_id, s.phase_id, mt.kind
UNION ALL
SELECT s.given_by_id, s.phase_id, 'gave_lecture', COUNT(*), SUM(s.hours), 0, 0
FROM study_session s
WHERE s.campaign_id = %(campaign)s AND s.recorded_at IS NOT NULL AND s.given_by_id IS NOT NULL
GROUP BY s.given_by_id, s.phase_id
UNION ALL
SELECT r.member_id, r.phase_id, r.activity, COUNT(*), SUM(r.hours), 0, 0
FROM study_studyrecord r
WHERE r.campaign_id = %(campaign)s
GROUP BY r.member_id, r.phase_id, r.activity"""


def rebuild_all(*, campaign: Campaign) -> int:
    """Every standing of the campaign counted again from every row, in one statement; returns the rows written
    (one for each member and phase with something recorded)."""
    from django.db import connection, transaction
    from django.utils import timezone

    sql = _Sql(campaign=campaign.pk, now=timezone.now())
    pivot = ",\n".join(
        f"SUM(CASE WHEN x.activity = {sql.bind(activity)} THEN x.{'n' if kind == 'done' else 'hours'} ELSE 0 END)"
        f" AS {kind}_{activity}"
        for activity in Activity.values
        for kind in ("done", "hours")
    )
    columns = ", ".join(TALLY)
    statement = f"""
WITH tallied AS (
    SELECT x.member_id, x.phase_id, SUM(x.attended) AS attended, SUM(x.missed) AS missed,
           {pivot}
    FROM ({_DONE}) x
    GROUP BY x.member_id, x.phase_id
)
INSERT INTO study_standing
    (member_id, campaign_id, phase_id, org_path, category, attended, missed, updated_at, {columns})
SELECT m.id, %(campaign)s, t.phase_id, m.org_path, m.category, t.attended, t.missed, %(now)s,
       {", ".join(f"t.{name}" for name in TALLY)}
FROM tallied t
JOIN members_member m ON m.id = t.member_id
"""
    with transaction.atomic(), connection.cursor() as cursor:
        core_tallies.tuned_for_millions(cursor)
        # Deleted and written again rather than upserted: the rows that no longer count anything go with the rest,
        # and on an empty table (the demo) the delete costs nothing.
        cursor.execute("DELETE FROM study_standing WHERE campaign_id = %(campaign)s", sql.params)
        cursor.execute(statement, sql.params)
        if cursor.rowcount >= 0:
            return cursor.rowcount
    # SQLite does not count the rows of an INSERT that begins with WITH.
    return Standing.objects.filter(campaign=campaign).count()
