"""Each member's credit standing, computed from what was recorded — never typed (DOMAIN §9).

Per member and phase: the sessions attended (present, or absent and made up later) and the sessions given,
the study records, each valued by the campaign's rule for the activity (the member category's own rule where
there is one, else the general rule; none: no credit), against the phase's requirement for the category.
Time spent on a page is never counted: only what an organisation or the member recorded.

A session counts once for a member however many organisations see it (the attendance row is the meeting's),
and a study record is one row seen by the home branch and the organisation hosting the member.

Three ways to write standings, held to the same numbers by tests:
- `recompute(member_ids=…)`: the members a write touched, from their rows (in the write's transaction);
- `rebuild_all`: a whole campaign from every row, one set-based statement (the demo, a repair);
- `revalue`: a whole campaign after its rules change, from the counts each standing keeps per activity
  (`done_<activity>`, `hours_<activity>`), one UPDATE — no attendance row is read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.db.models import Count, Q, Sum

from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.meetings.models import Attendance
from vanguard.members.models import Member
from vanguard.study.models import Activity, Basis, CreditRule, Requirement, Session, Standing, StudyRecord

BATCH = 5000
ZERO = Decimal(0)
TALLY = [f"{kind}_{activity}" for activity in Activity.values for kind in ("done", "hours")]
EMPTY_TALLY = {name: (0 if name.startswith("done_") else ZERO) for name in TALLY}


class Rules:
    """A campaign's credit rules and requirements, read once."""

    def __init__(self, campaign: Campaign) -> None:
        self.rules = {(r.activity, r.category): r for r in CreditRule.objects.filter(campaign=campaign)}
        self.required = {(q.phase_id, q.category): q.credits for q in Requirement.objects.filter(campaign=campaign)}
        self.phases = list(campaign.phases.values_list("pk", flat=True))

    def credit(self, activity: str, category: str, count: int, hours: Decimal | None) -> Decimal:
        rule = self.rules.get((activity, category)) or self.rules.get((activity, ""))
        if rule is None:
            return ZERO
        if rule.basis == Basis.HOUR:
            return rule.credits * (hours or ZERO)
        return rule.credits * count

    def requirement(self, phase_id: int, category: str) -> Decimal:
        found = self.required.get((phase_id, category))
        return found if found is not None else self.required.get((phase_id, ""), ZERO)


def _members_of(campaign: Campaign, member_ids: Iterable[int] | None) -> Iterator[list[tuple[int, str, str]]]:
    members = Member.objects.all()
    if member_ids is None:
        members = members.filter(tree.subtree_q("org_path", campaign.org_path))
    else:
        members = members.filter(pk__in=list(member_ids))
    batch: list[tuple[int, str, str]] = []
    for row in members.order_by("pk").values_list("pk", "org_path", "category").iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def recompute(
    *, campaign: Campaign, member_ids: Iterable[int] | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute the standings of the given members (default: every member under the campaign's organisation).

    `progress(members_done)` is called after each batch (a background job renews its lease with it). Returns the
    number of standing rows written.
    """
    rules = Rules(campaign)
    if not rules.phases:
        return 0
    written = done = 0
    for batch in _members_of(campaign, member_ids):
        written += _recompute_batch(campaign, rules, batch)
        done += len(batch)
        if progress is not None:
            progress(done)
    return written


def _recompute_batch(campaign: Campaign, rules: Rules, batch: list[tuple[int, str, str]]) -> int:
    ids = [pk for pk, _path, _category in batch]
    category_of = {pk: category for pk, _path, category in batch}
    earned: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    tallies: dict[tuple[int, int], dict[str, object]] = defaultdict(dict)

    def tally(key: tuple[int, int], activity: str, n: int, hours: Decimal | None) -> None:
        kept = tallies[key]
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
        earned[key] += rules.credit(row["meeting__kind"], category_of[key[0]], row["n"], row["hours"])
        tally(key, row["meeting__kind"], row["n"], row["hours"])
        attended[key] += row["n"]
        missed[key] += row["missed"]
    given = (
        Session.objects.filter(campaign=campaign, given_by_id__in=ids, recorded_at__isnull=False)
        .values("given_by_id", "phase_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    for row in given:
        key = (row["given_by_id"], row["phase_id"])
        earned[key] += rules.credit(Activity.GAVE_LECTURE, category_of[key[0]], row["n"], row["hours"])
        tally(key, Activity.GAVE_LECTURE, row["n"], row["hours"])
    records = (
        StudyRecord.objects.filter(campaign=campaign, member_id__in=ids)
        .values("member_id", "phase_id", "activity")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    for row in records:
        key = (row["member_id"], row["phase_id"])
        earned[key] += rules.credit(row["activity"], category_of[key[0]], row["n"], row["hours"])
        tally(key, row["activity"], row["n"], row["hours"])
    standings = [
        Standing(
            member_id=pk,
            campaign=campaign,
            phase_id=phase_id,
            org_path=path,
            category=category,
            earned=earned.get((pk, phase_id), ZERO),
            required=rules.requirement(phase_id, category),
            attended=attended.get((pk, phase_id), 0),
            missed=missed.get((pk, phase_id), 0),
            **{**EMPTY_TALLY, **tallies.get((pk, phase_id), {})},
        )
        for pk, path, category in batch
        for phase_id in rules.phases
    ]
    Standing.objects.bulk_create(
        standings,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["member", "phase"],
        update_fields=["org_path", "category", "earned", "required", "attended", "missed", "updated_at", *TALLY],
    )
    return len(standings)


# --- the whole campaign at once ------------------------------------------------------------------------------------
#
# The same rules as `_recompute_batch`, as SQL over a whole campaign, where a million members in batches of Python
# would take minutes. The rules are few (an activity's general rule and its categories' own), so they are written
# into the statement as CASE expressions over a standing's kept counts rather than joined row by row.


class _Sql:
    """Named parameters for a generated statement (both databases take `%(name)s`)."""

    def __init__(self, **params) -> None:
        self.params = dict(params)

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"


def _earned_sql(rules: Rules, sql: _Sql, category: str, column: Callable[[str], str]) -> str:
    """Credits earned, from the counts (`column("done_study")`…) of a member of `category`."""
    terms = []
    for activity in Activity.values:
        general = rules.rules.get((activity, ""))
        own = [(cat, rule) for (act, cat), rule in sorted(rules.rules.items()) if act == activity and cat]
        if general is None and not own:
            continue

        def value(rule, activity: str = activity) -> str:
            counted = column(f"hours_{activity}" if rule.basis == Basis.HOUR else f"done_{activity}")
            return f"{sql.bind(rule.credits)} * {counted}"

        whens = " ".join(f"WHEN {sql.bind(cat)} THEN {value(rule)}" for cat, rule in own)
        fallback = value(general) if general is not None else "0"
        terms.append(f"(CASE {category} {whens} ELSE {fallback} END)" if own else f"({fallback})")
    return " + ".join(terms) or "0"


def _required_sql(rules: Rules, sql: _Sql, phase: str, category: str) -> str:
    """The phase's requirement for the category, else the phase's general one, else nothing."""
    ordered = sorted(rules.required.items(), key=lambda item: (item[0][1] == "", item[0]))
    whens = []
    for (phase_id, cat), credits in ordered:
        condition = f"{phase} = {sql.bind(phase_id)}" + (f" AND {category} = {sql.bind(cat)}" if cat else "")
        whens.append(f"WHEN {condition} THEN {sql.bind(credits)}")
    return f"(CASE {' '.join(whens)} ELSE 0 END)" if whens else "0"


def _tuned(cursor, connection) -> None:
    if connection.vendor == "postgresql":
        # Millions of groups: sort and hash in memory rather than in a server's default 4 MB (this transaction
        # only); compiling the plan with JIT costs more than it saves here.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")


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
    """Every standing of the campaign, counts and credits, from every row in one statement; returns the rows
    written (one for every member under the campaign's organisation and phase)."""
    from django.db import connection, transaction
    from django.utils import timezone

    rules = Rules(campaign)
    sql = _Sql(
        campaign=campaign.pk,
        now=timezone.now(),
        low=campaign.org_path,
        high=tree.subtree_upper_bound(campaign.org_path),
    )
    pivot = ",\n".join(
        f"SUM(CASE WHEN x.activity = {sql.bind(activity)} THEN x.{'n' if kind == 'done' else 'hours'} ELSE 0 END)"
        f" AS {kind}_{activity}"
        for activity in Activity.values
        for kind in ("done", "hours")
    )
    earned = _earned_sql(rules, sql, "m.category", lambda name: f"COALESCE(t.{name}, 0)")
    required = _required_sql(rules, sql, "p.id", "m.category")
    columns = ", ".join(TALLY)
    statement = f"""
WITH tallied AS (
    SELECT x.member_id, x.phase_id, SUM(x.attended) AS attended, SUM(x.missed) AS missed,
           {pivot}
    FROM ({_DONE}) x
    GROUP BY x.member_id, x.phase_id
)
INSERT INTO study_standing
    (member_id, campaign_id, phase_id, org_path, category, earned, required, attended, missed, updated_at, {columns})
SELECT m.id, %(campaign)s, p.id, m.org_path, m.category, {earned}, {required},
       COALESCE(t.attended, 0), COALESCE(t.missed, 0), %(now)s,
       {", ".join(f"COALESCE(t.{name}, 0)" for name in TALLY)}
FROM members_member m
CROSS JOIN campaigns_phase p
LEFT JOIN tallied t ON t.member_id = m.id AND t.phase_id = p.id
WHERE p.campaign_id = %(campaign)s AND m.org_path >= %(low)s AND m.org_path < %(high)s
ON CONFLICT (member_id, phase_id) DO UPDATE SET
    org_path = excluded.org_path, category = excluded.category, earned = excluded.earned,
    required = excluded.required, attended = excluded.attended, missed = excluded.missed,
    updated_at = excluded.updated_at, {", ".join(f"{name} = excluded.{name}" for name in TALLY)}
"""
    with transaction.atomic(), connection.cursor() as cursor:
        _tuned(cursor, connection)
        cursor.execute(statement, sql.params)
        if cursor.rowcount >= 0:
            return cursor.rowcount
    # SQLite does not count the rows of an INSERT that begins with WITH; the statement wrote one row for every
    # member of the subtree and phase of the campaign.
    members = Member.objects.filter(tree.subtree_q("org_path", campaign.org_path)).count()
    return members * campaign.phases.count()


def revalue(*, campaign: Campaign) -> int:
    """Every standing of the campaign valued again by its rules and requirements from the counts it keeps (after
    the rules change), and a zero standing written for each member and phase still without one (nothing recorded:
    no row of theirs to read); returns the rows written."""
    from django.db import connection, transaction
    from django.utils import timezone

    rules = Rules(campaign)
    sql = _Sql(
        campaign=campaign.pk,
        now=timezone.now(),
        low=campaign.org_path,
        high=tree.subtree_upper_bound(campaign.org_path),
    )
    update = f"""
UPDATE study_standing
SET earned = {_earned_sql(rules, sql, "category", lambda name: name)},
    required = {_required_sql(rules, sql, "phase_id", "category")}, updated_at = %(now)s
WHERE campaign_id = %(campaign)s"""
    insert = f"""
INSERT INTO study_standing
    (member_id, campaign_id, phase_id, org_path, category, earned, required, attended, missed, updated_at,
     {", ".join(TALLY)})
SELECT m.id, %(campaign)s, p.id, m.org_path, m.category, 0, {_required_sql(rules, sql, "p.id", "m.category")},
       0, 0, %(now)s, {", ".join("0" for _name in TALLY)}
FROM members_member m
CROSS JOIN campaigns_phase p
WHERE p.campaign_id = %(campaign)s AND m.org_path >= %(low)s AND m.org_path < %(high)s
  AND NOT EXISTS (SELECT 1 FROM study_standing s WHERE s.member_id = m.id AND s.phase_id = p.id)"""
    with transaction.atomic(), connection.cursor() as cursor:
        _tuned(cursor, connection)
        cursor.execute(update, sql.params)
        written = cursor.rowcount
        cursor.execute(insert, sql.params)
        return written + cursor.rowcount
