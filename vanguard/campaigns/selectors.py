"""Reads of campaigns: deadlines, a unit's steps, the progress of any organisation's children, a user's work."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.accounts.scoping import Action, restrict
from vanguard.campaigns.models import (
    AcceptanceRequest,
    Campaign,
    CampaignStatus,
    Phase,
    ProgressTally,
    Step,
    StepRecord,
    StepTally,
    Unit,
    UnitClass,
    UnitState,
    Window,
)
from vanguard.core import tree
from vanguard.orgs.models import Organisation


def campaigns_for(user, action: Action = Action.VIEW) -> QuerySet[Campaign]:
    """Campaigns run by an organisation in the user's scope, or with a unit in it (Campaign.scope_own_q)."""
    return restrict(Campaign.objects.all(), user, action)


def units_for(user, campaign: Campaign, action: Action = Action.VIEW) -> QuerySet[Unit]:
    return restrict(Unit.objects.filter(campaign=campaign), user, action)


def due_on(unit: Unit, step: Step, windows: dict[tuple[int, int], Window] | None = None) -> datetime.date | None:
    """The step's deadline for this unit: its day of the phase in the unit's batch window, else the window's end."""
    window = (
        windows.get((unit.batch_id, step.phase_id))
        if windows is not None
        else Window.objects.filter(batch_id=unit.batch_id, phase_id=step.phase_id).first()
    )
    if window is None:
        return None
    return due_from(window, step)


def due_from(window: Window, step: Step) -> datetime.date:
    if step.due_day:
        return min(window.starts_on + datetime.timedelta(days=step.due_day - 1), window.ends_on)
    return window.ends_on


def windows_of(campaign: Campaign) -> dict[tuple[int, int], Window]:
    return {(w.batch_id, w.phase_id): w for w in Window.objects.filter(batch__campaign=campaign)}


@dataclass
class StepLine:
    step: Step
    due: datetime.date | None
    record: StepRecord | None
    late: bool


def unit_steps(unit: Unit, *, phase: Phase | None = None) -> list[StepLine]:
    """The steps of the unit's current (or a given) phase that are the unit's to do, with deadlines and records."""
    phase = phase or unit.phase
    windows = windows_of(unit.campaign)
    records = {
        r.step_id: r for r in StepRecord.objects.filter(unit=unit, step__phase=phase).prefetch_related("evidence")
    }
    today = timezone.localdate()
    lines = []
    for step in phase.steps.order_by("order"):
        if unit.unit_class not in step.unit_classes:
            continue
        due = due_on(unit, step, windows)
        record = records.get(step.pk)
        late = record is None and step.required and due is not None and due < today and phase.pk == unit.phase_id
        lines.append(StepLine(step, due, record, late))
    return lines


def returned_reasons(unit: Unit) -> AcceptanceRequest | None:
    """The last decision on the unit's current phase when it was returned: its reasons stay shown."""
    if unit.state != UnitState.RETURNED:
        return None
    return unit.acceptances.filter(phase_id=unit.phase_id, decision="returned").order_by("-decided_at").first()


# ---------------------------------------------------------------- progress


@dataclass
class Figures:
    """One organisation's subtree in a campaign."""

    organisation: Organisation
    units: int = 0
    by_phase: dict[int, int] = field(default_factory=dict)  # phase pk -> units currently in it (not finished)
    not_started: int = 0  # units of batches whose first window has not begun
    awaiting: int = 0
    returned: int = 0
    finished: int = 0
    accepted: int = 0  # phase acceptances behind the units: phases passed
    required_total: int = 0
    required_done: int = 0
    overdue: int = 0

    @property
    def done_percent(self) -> float:
        return round(100 * self.required_done / self.required_total, 1) if self.required_total else 0.0


@dataclass
class Progress:
    campaign: Campaign
    organisation: Organisation
    phases: list[Phase]
    total: Figures
    children: list[Figures]


def progress(campaign: Campaign, organisation: Organisation, *, today: datetime.date | None = None) -> Progress:
    """For the organisation and each of its children in the campaign: units per phase, required steps done,
    overdue steps, awaiting acceptance, accepted — from the tallies alone, two queries whatever the size."""
    today = today or timezone.localdate()
    phases = list(campaign.phases.order_by("order"))
    steps = list(Step.objects.filter(phase__campaign=campaign, required=True))
    windows = windows_of(campaign)
    batch_start: dict[int, datetime.date] = {}
    order_in_batch: dict[tuple[int, int], int] = {}
    phases_seen: dict[int, int] = defaultdict(int)
    for (batch_id, phase_id), window in sorted(windows.items(), key=lambda item: item[1].starts_on):
        batch_start.setdefault(batch_id, window.starts_on)
        order_in_batch[(batch_id, phase_id)] = phases_seen[batch_id]
        phases_seen[batch_id] += 1
    required_by = defaultdict(int)  # (phase, class) -> required steps a unit of that class carries
    for step in steps:
        for unit_class in step.unit_classes:
            required_by[(step.phase_id, unit_class)] += 1

    children = list(Organisation.objects.filter(parent=organisation).order_by("name"))
    nodes = [organisation, *children]
    figures = {o.pk: Figures(o) for o in nodes}
    # units by (org, batch) -> (class, phase) -> n, and finished units by (org, batch) -> class -> n
    at_phase: dict[tuple[int, int], dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))
    finished: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = ProgressTally.objects.filter(campaign=campaign, organisation__in=[o.pk for o in nodes], units__gt=0)
    for org, batch, phase, state, unit_class, units, done in rows.values_list(
        "organisation_id", "batch_id", "phase_id", "state", "unit_class", "units", "required_done"
    ):
        f = figures[org]
        f.units += units
        passed = order_in_batch.get((batch, phase), 0)
        if state == UnitState.FINISHED:
            f.finished += units
            f.accepted += units * (passed + 1)
            finished[(org, batch)][unit_class] += units
            continue
        f.accepted += units * passed
        if batch_start.get(batch, today) > today:
            f.not_started += units
        else:
            f.by_phase[phase] = f.by_phase.get(phase, 0) + units
        f.required_done += done
        f.required_total += units * required_by[(phase, unit_class)]
        if state == UnitState.AWAITING:
            f.awaiting += units
        elif state == UnitState.RETURNED:
            f.returned += units
        at_phase[(org, batch)][(unit_class, phase)] += units

    # A required step is overdue for each unit now in its phase, past its deadline, that has not recorded it.
    # StepTally counts every unit that ever recorded the step; the units past its phase all did (it was required).
    done_by = defaultdict(int)
    for org, batch, step_id, n in StepTally.objects.filter(
        campaign=campaign, organisation__in=[o.pk for o in nodes], step__required=True
    ).values_list("organisation_id", "batch_id", "step_id", "done"):
        done_by[(org, batch, step_id)] = n
    for (org, batch), units in at_phase.items():
        for step in steps:
            window = windows.get((batch, step.phase_id))
            if window is None or due_from(window, step) >= today:
                continue
            classes = step.unit_classes
            here = sum(n for (c, p), n in units.items() if c in classes and p == step.phase_id)
            if not here:
                continue
            step_position = order_in_batch[(batch, step.phase_id)]
            beyond = sum(
                n for (c, p), n in units.items() if c in classes and order_in_batch.get((batch, p), 0) > step_position
            )
            beyond += sum(n for c, n in finished[(org, batch)].items() if c in classes)
            done_here = max(0, done_by[(org, batch, step.pk)] - beyond)
            figures[org].overdue += max(0, here - done_here)
    return Progress(
        campaign=campaign,
        organisation=organisation,
        phases=phases,
        total=figures[organisation.pk],
        children=[figures[c.pk] for c in children if figures[c.pk].units],
    )


# ---------------------------------------------------------------- a user's work


@dataclass
class Work:
    """What the home page shows a user for one campaign."""

    campaign: Campaign
    units: list[Unit]  # units where the user holds a role themself (their own unit first)
    to_decide: list[Unit]  # units awaiting acceptance that this user may accept
    supervised: list[Unit] = field(default_factory=list)  # units assigned to the user's supervision groups


def work_for(user) -> list[Work]:
    """For each running campaign touching the user: the units they act for and the acceptances waiting on them.

    Roles are read as they stand today, so a successor sees what their predecessor left (DOMAIN §1).
    """
    from vanguard.campaigns.workflows import acceptor_side, supervised_paths

    if not user.is_authenticated:
        return []
    held = list(
        RoleAssignment.objects.current()
        .filter(user=user, role__in=[Role.ADMIN, Role.SECRETARY])
        .values_list("organisation__path", flat=True)
    )
    running = Campaign.objects.filter(status=CampaignStatus.RUNNING)
    out = []
    for campaign in running:
        own = list(
            Unit.objects.filter(campaign=campaign, org_path__in=held)
            .select_related("organisation", "phase", "batch", "campaign")
            .order_by("org_path")
        )
        waiting = (
            restrict(Unit.objects.filter(campaign=campaign, state=UnitState.AWAITING), user, Action.VIEW)
            .select_related("organisation", "phase", "batch", "campaign")
            .order_by("org_path")[:200]
        )
        # The groups' assignments read once per campaign, so deciding who accepts costs no query per unit.
        supervised = supervised_paths(user, campaign.pk)
        decide = [u for u in waiting if acceptor_side(user, u, supervised)]
        supervised = list(
            Unit.objects.filter(campaign=campaign, supervision_groups__people__user=user)
            .select_related("organisation", "phase")
            .distinct()
            .order_by("org_path")[:200]
        )
        if own or decide or supervised:
            out.append(Work(campaign, own, decide, supervised))
    return out


def member_asks(member) -> list[tuple[Campaign, Unit, list[StepLine]]]:
    """What a member is asked to do: the members' steps of their branch's current phase, per running campaign."""
    out = []
    for unit in Unit.objects.filter(
        organisation_id=member.organisation_id, campaign__status=CampaignStatus.RUNNING, unit_class=UnitClass.BRANCH
    ).select_related("campaign", "phase", "batch"):
        lines = [line for line in unit_steps(unit) if line.step.responsible == "members"]
        out.append((unit.campaign, unit, lines))
    return out


def units_below(campaign: Campaign, organisation: Organisation) -> Q:
    return Q(campaign=campaign) & tree.subtree_q("org_path", organisation.path)
