"""Keeping the campaign roll-ups right: deltas from every unit change, and a set-based rebuild.

A unit counts for its own organisation and for every ancestor down from the
campaign's organisation.  `ProgressTally` holds units by (batch, current
phase, state, class, pilot) with the required steps of that phase they have
recorded; `StepTally` holds how many units have recorded each step.  The
dashboards read only these, so a city's top level is a few hundred rows
whatever the number of units.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from vanguard.campaigns.models import Campaign, ProgressTally, StepRecord, StepTally, Unit
from vanguard.core import tallies as core_tallies
from vanguard.core import tree


@dataclass(frozen=True)
class UnitKey:
    batch_id: int
    phase_id: int
    state: str
    unit_class: str
    pilot: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitKey:
        return cls(unit.batch_id, unit.phase_id, unit.state, unit.unit_class, unit.is_pilot)


def _ancestors(campaign: Campaign, org_path: str) -> list[int]:
    """The unit's organisation and its ancestors down from the campaign's organisation."""
    return tree.path_pks(org_path)[tree.depth_of(campaign.org_path) - 1 :]


def move_unit(campaign: Campaign, unit: Unit, before: UnitKey, before_done: int) -> None:
    """A unit changed batch, phase, state or pilot mark: its count and its done steps follow it."""
    after = UnitKey.of(unit)
    if after == before and unit.required_done == before_done:
        return
    rows: Counter[tuple[int, UnitKey]] = Counter()
    done: Counter[tuple[int, UnitKey]] = Counter()
    for pk in _ancestors(campaign, unit.org_path):
        rows[(pk, before)] -= 1
        rows[(pk, after)] += 1
        done[(pk, before)] -= before_done
        done[(pk, after)] += unit.required_done
    _apply_progress(campaign.pk, rows, done)


def step_recorded(campaign: Campaign, unit: Unit, step_id: int, *, required: bool, change: int = 1) -> None:
    """A unit recorded (or, with change=-1, withdrew) a step; `unit.required_done` already holds the new value."""
    ancestors = _ancestors(campaign, unit.org_path)
    key = UnitKey.of(unit)
    if required:
        _apply_progress(campaign.pk, Counter(), Counter({(pk, key): change for pk in ancestors}))
    core_tallies.increment(
        StepTally,
        ("campaign_id", "organisation_id", "batch_id", "step_id"),
        {(campaign.pk, pk, unit.batch_id, step_id): {"done": change} for pk in ancestors},
    )


PROGRESS_KEYS = ("campaign_id", "organisation_id", "batch_id", "phase_id", "state", "unit_class", "pilot")


def _apply_progress(campaign_id: int, rows: Counter, done: Counter) -> None:
    core_tallies.increment(
        ProgressTally,
        PROGRESS_KEYS,
        {
            (campaign_id, pk, k.batch_id, k.phase_id, k.state, k.unit_class, k.pilot): {
                "units": rows[(pk, k)],
                "required_done": done[(pk, k)],
            }
            for pk, k in {*rows, *done}
        },
    )


@transaction.atomic
def rebuild(campaign: Campaign) -> None:
    """Recount a campaign's tallies from its units and records: grouped INSERTs, one per tree level."""
    from vanguard.orgs.models import Organisation

    ProgressTally.objects.filter(campaign=campaign).delete()
    StepTally.objects.filter(campaign=campaign).delete()
    q = connection.ops.quote_name
    progress, steps = q(ProgressTally._meta.db_table), q(StepTally._meta.db_table)
    unit, record, org = q(Unit._meta.db_table), q(StepRecord._meta.db_table), q(Organisation._meta.db_table)
    top = tree.depth_of(campaign.org_path) - 1
    deepest = Unit.objects.filter(campaign=campaign).aggregate(d=Max("organisation__depth"))["d"]
    if deepest is None:
        return
    with connection.cursor() as cursor:
        for depth in range(top, deepest + 1):
            width = tree.SEGMENT_WIDTH * (depth + 1)
            cursor.execute(
                f"INSERT INTO {progress} (campaign_id, organisation_id, batch_id, phase_id, state, unit_class, pilot,"
                f" units, required_done) "
                f"SELECT u.campaign_id, o.id, u.batch_id, u.phase_id, u.state, u.unit_class, u.is_pilot, COUNT(*),"
                f" SUM(u.required_done) FROM {unit} u JOIN {org} o ON o.path = SUBSTR(u.org_path, 1, %s) "
                f"WHERE u.campaign_id = %s AND o.depth = %s "
                f"GROUP BY u.campaign_id, o.id, u.batch_id, u.phase_id, u.state, u.unit_class, u.is_pilot",
                [width, campaign.pk, depth],
            )
            cursor.execute(
                f"INSERT INTO {steps} (campaign_id, organisation_id, batch_id, step_id, done) "
                f"SELECT u.campaign_id, o.id, u.batch_id, r.step_id, COUNT(*) FROM {record} r "
                f"JOIN {unit} u ON u.id = r.unit_id JOIN {org} o ON o.path = SUBSTR(u.org_path, 1, %s) "
                f"WHERE u.campaign_id = %s AND o.depth = %s GROUP BY u.campaign_id, o.id, u.batch_id, r.step_id",
                [width, campaign.pk, depth],
            )


def on_subtree_moved(sender, *, organisation, **kwargs) -> None:
    """orgs.hooks.subtree_moved receiver: a moved subtree changes ancestors, so its campaigns are recounted."""
    for campaign in Campaign.objects.filter(units__organisation=organisation).distinct():
        rebuild(campaign)
