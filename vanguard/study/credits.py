"""Each member's credit standing, computed from what was recorded — never typed (DOMAIN §9).

Per member and phase: the sessions attended (present, or absent and made up later) and the sessions given,
the study records, each valued by the campaign's rule for the activity (the member category's own rule where
there is one, else the general rule; none: no credit), against the phase's requirement for the category.
Time spent on a page is never counted: only what an organisation or the member recorded.

A session counts once for a member however many organisations see it (the attendance row is the meeting's),
and a study record is one row seen by the home branch and the organisation hosting the member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.db.models import Count, Q, Sum

from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.meetings.models import Attendance
from vanguard.members.models import Category as MemberCategory
from vanguard.members.models import Member
from vanguard.study.models import Activity, Basis, CreditRule, Requirement, Session, Standing, StudyRecord

BATCH = 5000
ZERO = Decimal(0)


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
    records = (
        StudyRecord.objects.filter(campaign=campaign, member_id__in=ids)
        .values("member_id", "phase_id", "activity")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    for row in records:
        key = (row["member_id"], row["phase_id"])
        earned[key] += rules.credit(row["activity"], category_of[key[0]], row["n"], row["hours"])
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
        )
        for pk, path, category in batch
        for phase_id in rules.phases
    ]
    Standing.objects.bulk_create(
        standings,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["member", "phase"],
        update_fields=["org_path", "category", "earned", "required", "attended", "missed", "updated_at"],
    )
    return len(standings)


# --- the whole campaign at once ------------------------------------------------------------------------------------
#
# The same rules as `_recompute_batch`, as one set-based statement: every member under the campaign's organisation
# times every phase, what they did valued by the category's rule (else the general one), against the category's
# requirement (else the general one), upserted. Used for a whole campaign (a rules change, the nightly catch-up),
# where a million members in batches of Python would take minutes; a test holds the two ways to the same numbers.

# The value of one thing done for one category: the category's rule, else the general one, else nothing.
_RULES_CTE = """
rule_value AS (
    SELECT k.activity, cat.category, COALESCE(rc.credits, rg.credits, 0) AS credits,
           COALESCE(rc.basis, rg.basis, 'each') AS basis
    FROM (SELECT DISTINCT activity FROM study_creditrule WHERE campaign_id = %(campaign)s) k
    CROSS JOIN ({categories}) cat
    LEFT JOIN study_creditrule rc
        ON rc.campaign_id = %(campaign)s AND rc.activity = k.activity AND rc.category = cat.category
    LEFT JOIN study_creditrule rg
        ON rg.campaign_id = %(campaign)s AND rg.activity = k.activity AND rg.category = ''
)"""

_VALUE = "CASE WHEN rv.basis = 'hour' THEN rv.credits * {hours} ELSE COALESCE(rv.credits, 0) END"
_CREDITED = "(a.present OR a.made_up_on IS NOT NULL)"

_ALL_SQL = f"""
WITH {_RULES_CTE},
earned AS (
    SELECT x.member_id, x.phase_id, SUM(x.earned) AS earned, SUM(x.attended) AS attended, SUM(x.missed) AS missed
    FROM (
        SELECT a.member_id, s.phase_id,
               SUM(CASE WHEN {_CREDITED} THEN {_VALUE.format(hours="s.hours")} ELSE 0 END) AS earned,
               SUM(CASE WHEN {_CREDITED} THEN 1 ELSE 0 END) AS attended,
               SUM(CASE WHEN {_CREDITED} THEN 0 ELSE 1 END) AS missed
        FROM meetings_attendance a
        JOIN study_session s ON s.meeting_id = a.meeting_id
        JOIN meetings_meeting mt ON mt.id = a.meeting_id
        JOIN members_member mm ON mm.id = a.member_id
        LEFT JOIN rule_value rv ON rv.activity = mt.kind AND rv.category = mm.category
        WHERE s.campaign_id = %(campaign)s
        GROUP BY a.member_id, s.phase_id
        UNION ALL
        SELECT s.given_by_id, s.phase_id, SUM({_VALUE.format(hours="s.hours")}), 0, 0
        FROM study_session s
        JOIN members_member mm ON mm.id = s.given_by_id
        LEFT JOIN rule_value rv ON rv.activity = 'gave_lecture' AND rv.category = mm.category
        WHERE s.campaign_id = %(campaign)s AND s.recorded_at IS NOT NULL
        GROUP BY s.given_by_id, s.phase_id
        UNION ALL
        SELECT r.member_id, r.phase_id, SUM({_VALUE.format(hours="r.hours")}), 0, 0
        FROM study_studyrecord r
        JOIN members_member mm ON mm.id = r.member_id
        LEFT JOIN rule_value rv ON rv.activity = r.activity AND rv.category = mm.category
        WHERE r.campaign_id = %(campaign)s
        GROUP BY r.member_id, r.phase_id
    ) x
    GROUP BY x.member_id, x.phase_id
)
INSERT INTO study_standing
    (member_id, campaign_id, phase_id, org_path, category, earned, required, attended, missed, updated_at)
SELECT m.id, %(campaign)s, p.id, m.org_path, m.category,
       COALESCE(e.earned, 0), COALESCE(qc.credits, qg.credits, 0),
       COALESCE(e.attended, 0), COALESCE(e.missed, 0), %(now)s
FROM members_member m
CROSS JOIN campaigns_phase p
LEFT JOIN earned e ON e.member_id = m.id AND e.phase_id = p.id
LEFT JOIN study_requirement qc ON qc.phase_id = p.id AND qc.category = m.category
LEFT JOIN study_requirement qg ON qg.phase_id = p.id AND qg.category = ''
WHERE p.campaign_id = %(campaign)s AND m.org_path >= %(low)s AND m.org_path < %(high)s
ON CONFLICT (member_id, phase_id) DO UPDATE SET
    org_path = excluded.org_path, category = excluded.category, earned = excluded.earned,
    required = excluded.required, attended = excluded.attended, missed = excluded.missed,
    updated_at = excluded.updated_at
"""


def recompute_all(*, campaign: Campaign) -> int:
    """Every standing of the campaign in one statement; returns the rows written."""
    from django.db import connection, transaction
    from django.utils import timezone

    params = {
        "campaign": campaign.pk,
        "now": timezone.now(),
        "low": campaign.org_path,
        "high": tree.subtree_upper_bound(campaign.org_path),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Millions of groups: sort and hash in memory rather than in a server's default 4 MB (this statement
            # only, for its transaction); compiling the plan with JIT costs more than it saves here.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        # The member categories as a literal table (portable: no array type on SQLite), bound as parameters.
        values = MemberCategory.values
        categories = " UNION ALL ".join(f"SELECT %(category_{i})s AS category" for i in range(len(values)))
        params.update({f"category_{i}": value for i, value in enumerate(values)})
        cursor.execute(_ALL_SQL.replace("{categories}", categories), params)
        if cursor.rowcount >= 0:
            return cursor.rowcount
    # SQLite does not count the rows of an INSERT that begins with WITH; the statement wrote one row for every
    # member of the subtree and phase of the campaign.
    members = Member.objects.filter(tree.subtree_q("org_path", campaign.org_path)).count()
    return members * campaign.phases.count()
