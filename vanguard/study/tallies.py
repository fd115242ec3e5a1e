"""Keeping study's figures right: deltas from every write, and a recount (core.tallies).

`CreditTally` counts, for each organisation's subtree, the members with a standing in a phase and those whose
standing is complete under the campaign's rules; `credits.recompute` passes the standings it replaces and writes.
A change of the rules changes who is complete everywhere, so `set_rules` has the campaign's credit tallies
recounted (`recount_credits`, a background job: every standing valued once). `SessionTally` counts sessions held
in the subtree by phase and kind with their attendance, from the session services.

A recount holds the campaign's row exclusively while writers hold it shared (PostgreSQL), so no delta lands in
the middle of one and is lost or counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q

from vanguard.campaigns.models import Campaign
from vanguard.core import tallies
from vanguard.meetings.models import Attendance
from vanguard.orgs import tallies as org_tallies
from vanguard.study.credits import Rules, valued
from vanguard.study.models import CreditTally, Session, SessionTally, Standing

CREDIT_KEYS = ("organisation_id", "campaign_id", "phase_id", "category")
SESSION_KEYS = ("organisation_id", "campaign_id", "phase_id", "kind")
CREDITED = Q(present=True) | Q(made_up_on__isnull=False)


def _hold(campaign_id: int, *, exclusive: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM campaigns_campaign WHERE id = %s FOR {'UPDATE' if exclusive else 'SHARE'}",
                [campaign_id],
            )


def standings_changed(rules: Rules, before: Iterable[Standing], after: Iterable[Standing]) -> None:
    """Standings were replaced: `before` as they were (read before the write), `after` as written."""
    changes = []
    for sign, standings in ((-1, before), (1, after)):
        for standing in standings:
            rules.value(standing)
            changes.append(
                (
                    standing.org_path,
                    (standing.campaign_id, standing.phase_id, standing.category),
                    {"recorded": sign, "complete": sign * int(standing.complete)},
                )
            )
    if changes:
        _hold(next(iter(changes))[1][0], exclusive=False)
        tallies.increment(CreditTally, CREDIT_KEYS, tallies.along_paths(changes))


def session_counts(session: Session) -> tuple[int, int]:
    """(attendance rows, credited rows) of a session as recorded now."""
    counts = Attendance.objects.filter(meeting_id=session.pk).aggregate(
        rows=Count("pk"), credited=Count("pk", filter=CREDITED)
    )
    return counts["rows"], counts["credited"]


def session_changed(session: Session, *, sessions: int = 0, rows: int = 0, credited: int = 0) -> None:
    """A session was scheduled (`sessions=1`) or its attendance changed by `rows` and `credited`."""
    _hold(session.campaign_id, exclusive=False)
    key = (session.campaign_id, session.phase_id, session.meeting.kind)
    changes = {"sessions": sessions, "attendance_rows": rows, "credited_rows": credited}
    tallies.increment(SessionTally, SESSION_KEYS, tallies.along_paths([(session.org_path, key, changes)]))


@transaction.atomic
def recount_credits(campaign: Campaign) -> int:
    """The campaign's credit tallies counted again from its standings valued under its rules; returns the rows
    whose counts changed."""
    _hold(campaign.pk, exclusive=True)
    leaves = (
        valued(Standing.objects.filter(campaign=campaign), campaign)
        .values("org_path", "phase_id", "category")
        .annotate(recorded_here=Count("pk"), complete_here=Count("pk", filter=Q(complete=True)))
        .order_by()
    )
    return org_tallies.write_from_leaves(
        CreditTally,
        leaves.query.sql_with_params(),
        keys=["phase_id", "category"],
        counters={"recorded": "recorded_here", "complete": "complete_here"},
        fixed={"campaign_id": campaign.pk},
    )


@transaction.atomic
def recount_sessions(campaign: Campaign) -> int:
    """The campaign's session tallies counted again from its sessions and their attendance; returns the rows."""
    _hold(campaign.pk, exclusive=True)
    SessionTally.objects.filter(campaign=campaign).delete()
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: {"sessions": 0, "attendance_rows": 0, "credited_rows": 0})
    for row in (
        Session.objects.filter(campaign=campaign)
        .values("org_path", "phase_id", "meeting__kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        cells[(row["org_path"], row["phase_id"], row["meeting__kind"])]["sessions"] = row["n"]
    for row in (
        Attendance.objects.filter(meeting__study__campaign=campaign)
        .values("meeting__study__org_path", "meeting__study__phase_id", "meeting__kind")
        .annotate(n=Count("pk"), credited=Count("pk", filter=CREDITED))
        .order_by()
    ):
        cell = cells[(row["meeting__study__org_path"], row["meeting__study__phase_id"], row["meeting__kind"])]
        cell["attendance_rows"], cell["credited_rows"] = row["n"], row["credited"]
    totals = tallies.along_paths(
        (path, (campaign.pk, phase_id, kind), cell) for (path, phase_id, kind), cell in cells.items()
    )
    return _write(SessionTally, SESSION_KEYS, totals)


def recount(campaign: Campaign) -> int:
    return recount_credits(campaign) + recount_sessions(campaign)


def _write(model, keys: tuple[str, ...], totals: dict[tuple, dict[str, int]]) -> int:
    rows = [model(**dict(zip(keys, key, strict=True)), **counters) for key, counters in totals.items()]
    model.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def on_subtree_moved(sender, *, organisation, old_path: str, new_parent, **kwargs) -> None:
    """orgs.hooks.subtree_moved receiver: orgs moved a subtree and rewrote the standings' and sessions' paths."""
    for model, keys, counters in (
        (CreditTally, CREDIT_KEYS, ["recorded", "complete"]),
        (SessionTally, SESSION_KEYS, ["sessions", "attendance_rows", "credited_rows"]),
    ):
        tallies.shift_subtree(
            model, keys, counters, moved_pk=organisation.pk, old_path=old_path, new_parent_path=new_parent.path
        )
