"""Every write of a campaign: creating it from a template, batches, pilots, launching, steps, phases.

A campaign is created as a draft from a template: its phases, steps, batches
and windows are copied from the template's definition, and every organisation
of the office's subtree becomes a unit in one batch by the batches' rules.
The office previews and overrides the batches, marks pilots, moves batch
dates, then launches.  Units record steps with evidence and move through
their phases by the declared workflow (`workflows.PHASE`); every change keeps
the roll-ups (`tallies`) and writes the audit trail.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.campaigns import events, evidence, tallies
from vanguard.campaigns.models import (
    AcceptanceRequest,
    Batch,
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Decision,
    Evidence,
    Phase,
    Step,
    StepRecord,
    Unit,
    UnitClass,
    UnitState,
    Window,
)
from vanguard.campaigns.workflows import PHASE, missing_required, next_phase_id
from vanguard.core import audit, tree
from vanguard.orgs.models import BRANCH_KINDS, Kind, Organisation

# Party groups (党小组) sit inside a branch and take part through it.
NOT_UNITS = (Kind.GROUP,)
BULK = 5000


# ---------------------------------------------------------------- creating a campaign


@transaction.atomic
def create_campaign(
    *,
    template: CampaignTemplate,
    organisation: Organisation,
    name: str,
    starts_on: datetime.date,
    actor,
    theme: str = "",
    is_pilot: bool = False,
) -> Campaign:
    """A draft campaign for `organisation`'s subtree, its shape copied from the template, every unit in a batch."""
    _require_office(actor, organisation.path)
    definition = template.definition
    campaign = Campaign.objects.create(
        template=template,
        name=name,
        theme=theme,
        organisation=organisation,
        org_path=organisation.path,
        starts_on=starts_on,
        is_pilot=is_pilot,
        definition=definition,
        created_by=actor,
    )
    phases = {}
    for order, spec in enumerate(definition["phases"], start=1):
        phase = Phase.objects.create(
            campaign=campaign,
            key=spec["key"],
            name=spec["name"],
            order=order,
            days=spec["days"],
            acceptance=spec.get("acceptance", "none"),
        )
        phases[phase.key] = phase
        Step.objects.bulk_create(
            Step(
                phase=phase,
                key=step["key"],
                name=step["name"],
                description=step.get("description", ""),
                responsible=step.get("by", "unit"),
                required=step.get("required", True),
                due_day=step.get("due_day"),
                evidence=step.get("evidence", []),
                order=position,
            )
            for position, step in enumerate(spec.get("steps", []), start=1)
        )
    for order, spec in enumerate(definition["batches"], start=1):
        batch = Batch.objects.create(
            campaign=campaign,
            key=spec["key"],
            name=spec["name"],
            order=order,
            starts_on=starts_on + datetime.timedelta(days=spec.get("starts_after_days", 0)),
            rules=spec.get("rules", []),
            is_default=spec.get("default", False),
        )
        _make_windows(batch, spec["schedule"], phases)
    _update_end(campaign)
    plan = plan_batches(campaign)
    _write_units(campaign, plan)
    audit.record(
        event=events.CAMPAIGN_CREATED,
        **acting_as(actor, organisation.path),
        target=campaign,
        organisation=organisation,
        data={"template": template.key, "starts_on": starts_on.isoformat(), "units": len(plan.batch_of)},
    )
    return campaign


def _make_windows(batch: Batch, schedule: list[dict], phases: Mapping[str, Phase]) -> None:
    Window.objects.bulk_create(
        Window(
            batch=batch,
            phase=phases[entry["phase"]],
            starts_on=batch.starts_on + datetime.timedelta(days=entry["start_day"]),
            ends_on=batch.starts_on + datetime.timedelta(days=entry["start_day"] + entry["days"] - 1),
        )
        for entry in schedule
    )


def _update_end(campaign: Campaign) -> None:
    last = Window.objects.filter(batch__campaign=campaign).order_by("-ends_on").values_list("ends_on", flat=True)
    campaign.ends_on = last.first()
    campaign.save(update_fields=["ends_on"])


# ---------------------------------------------------------------- batches


@dataclass
class BatchPlan:
    """Where each organisation lands: its batch, and whether by hand; counts per batch for the preview."""

    batch_of: dict[int, int] = field(default_factory=dict)  # organisation pk -> batch pk
    overridden: set[int] = field(default_factory=set)
    counts: Counter[int] = field(default_factory=Counter)

    def count_rows(self, campaign: Campaign) -> list[tuple[Batch, int]]:
        return [(batch, self.counts.get(batch.pk, 0)) for batch in campaign.batches.all()]


def _matches(rule: dict, kind: str, sector: str, level: int) -> bool:
    checks = (("kinds", kind), ("sectors", sector), ("levels", level))
    given = [(name, value) for name, value in checks if rule.get(name)]
    return bool(given) and all(value in rule[name] for name, value in given)


def plan_batches(campaign: Campaign, overrides: Mapping[int, int] | None = None) -> BatchPlan:
    """Each organisation's batch by the rules, nothing written: the preview and the assignment share it.

    An organisation takes the first batch with a rule matching it; with none
    it follows its parent; the campaign's organisation with none takes the
    default batch.  An override (organisation pk -> batch pk) places that
    organisation and everything below it that has no override of its own;
    overrides already saved on units count unless `overrides` names the same
    organisation.
    """
    batches = list(campaign.batches.order_by("order"))
    default = next((b.pk for b in batches if b.is_default), batches[-1].pk if batches else None)
    saved = dict(
        Unit.objects.filter(campaign=campaign, batch_overridden=True).values_list("organisation_id", "batch_id")
    )
    forced = {**saved, **(overrides or {})}
    top = tree.depth_of(campaign.org_path) - 1
    plan = BatchPlan()
    placed: dict[str, tuple[int, bool]] = {}  # path -> (batch pk, placed by an override)
    rows = (
        Organisation.objects.filter(tree.subtree_q("path", campaign.org_path))
        .exclude(kind__in=NOT_UNITS)
        .order_by("path")
        .values_list("pk", "path", "kind", "sector", "depth")
    )
    for pk, path, kind, sector, depth in rows.iterator(chunk_size=BULK):
        parent = placed.get(path[: -tree.SEGMENT_WIDTH])
        if pk in forced:
            batch, by_hand = forced[pk], True
        elif parent is not None and parent[1]:
            batch, by_hand = parent[0], True
        else:
            own = next((b.pk for b in batches if any(_matches(r, kind, sector, depth - top) for r in b.rules)), None)
            batch = own or (parent[0] if parent is not None else default)
            by_hand = False
        placed[path] = (batch, by_hand)
        plan.batch_of[pk] = batch
        if pk in forced:
            plan.overridden.add(pk)
        plan.counts[batch] += 1
    return plan


def _first_phases(campaign: Campaign) -> dict[int, int]:
    """batch pk -> the phase its units start in (its earliest window)."""
    first: dict[int, int] = {}
    for batch_id, phase_id in (
        Window.objects.filter(batch__campaign=campaign)
        .order_by("starts_on", "phase__order")
        .values_list("batch_id", "phase_id")
    ):
        first.setdefault(batch_id, phase_id)
    return first


def _write_units(campaign: Campaign, plan: BatchPlan) -> None:
    first = _first_phases(campaign)
    rows = Organisation.objects.filter(tree.subtree_q("path", campaign.org_path)).exclude(kind__in=NOT_UNITS)
    units = []
    for pk, path, kind in rows.values_list("pk", "path", "kind").iterator(chunk_size=BULK):
        batch = plan.batch_of[pk]
        units.append(
            Unit(
                campaign=campaign,
                organisation_id=pk,
                org_path=path,
                unit_class=UnitClass.BRANCH if kind in BRANCH_KINDS else UnitClass.COMMITTEE,
                batch_id=batch,
                batch_overridden=pk in plan.overridden,
                phase_id=first[batch],
            )
        )
        if len(units) >= BULK:
            Unit.objects.bulk_create(units)
            units = []
    Unit.objects.bulk_create(units)


@transaction.atomic
def assign_batches(*, campaign: Campaign, overrides: Mapping[int, int], actor) -> BatchPlan:
    """Save the batches of a draft campaign's units: the rules with these overrides (organisation pk -> batch pk)."""
    campaign = _locked_draft(campaign)
    _require_office(actor, campaign.org_path)
    batch_ids = set(campaign.batches.values_list("pk", flat=True))
    if set(overrides.values()) - batch_ids:
        raise ValidationError(_("Choose a batch of this campaign."), code="invalid_batch")
    plan = plan_batches(campaign, overrides)
    first = _first_phases(campaign)
    # Grouped by where the units go, so a city's reassignment is a few UPDATEs of many rows, not one per unit.
    moves: dict[tuple[int, bool], list[int]] = {}
    for pk, organisation_id, batch_id, by_hand in (
        Unit.objects.filter(campaign=campaign)
        .values_list("pk", "organisation_id", "batch_id", "batch_overridden")
        .iterator(chunk_size=BULK)
    ):
        batch = plan.batch_of[organisation_id]
        overridden = organisation_id in plan.overridden
        if batch_id != batch or by_hand != overridden:
            moves.setdefault((batch, overridden), []).append(pk)
    changed = 0
    for (batch, overridden), pks in moves.items():
        for start in range(0, len(pks), BULK):
            changed += Unit.objects.filter(pk__in=pks[start : start + BULK]).update(
                batch_id=batch, batch_overridden=overridden, phase_id=first[batch]
            )
    audit.record(
        event=events.BATCHES_ASSIGNED,
        **acting_as(actor, campaign.org_path),
        target=campaign,
        organisation=campaign.organisation_id,
        data={"overrides": {str(k): v for k, v in overrides.items()}, "units_changed": changed},
    )
    return plan


@transaction.atomic
def set_batch_start(*, batch: Batch, starts_on: datetime.date, actor) -> Batch:
    """Move a draft batch: its phase windows keep their lengths and gaps."""
    campaign = _locked_draft(batch.campaign)
    _require_office(actor, campaign.org_path)
    shift = starts_on - batch.starts_on
    old = batch.starts_on
    batch.starts_on = starts_on
    batch.save(update_fields=["starts_on"])
    for window in batch.windows.all():
        window.starts_on += shift
        window.ends_on += shift
        window.save(update_fields=["starts_on", "ends_on"])
    _update_end(campaign)
    audit.record(
        event=events.BATCH_DATES_SET,
        **acting_as(actor, campaign.org_path),
        target=batch,
        organisation=campaign.organisation_id,
        changes={"starts_on": [old.isoformat(), starts_on.isoformat()]},
    )
    return batch


@transaction.atomic
def set_pilots(*, campaign: Campaign, organisations: Iterable[Organisation], actor) -> int:
    """Mark exactly these organisations' units as pilot units (试点); returns how many are marked."""
    _require_office(actor, campaign.org_path)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("The campaign is closed."), code="closed")
    pks = {o.pk for o in organisations}
    units = Unit.objects.filter(campaign=campaign)
    if pks - set(units.filter(organisation_id__in=pks).values_list("organisation_id", flat=True)):
        raise ValidationError(_("A pilot unit must be an organisation of the campaign."), code="not_a_unit")
    running = campaign.status == CampaignStatus.RUNNING
    for unit in units.filter(is_pilot=True).exclude(organisation_id__in=pks) | units.filter(
        organisation_id__in=pks, is_pilot=False
    ):
        before, done = tallies.UnitKey.of(unit), unit.required_done
        unit.is_pilot = unit.organisation_id in pks
        unit.save(update_fields=["is_pilot", "updated_at"])
        if running:
            tallies.move_unit(campaign, unit, before, done)
    audit.record(
        event=events.PILOTS_MARKED,
        **acting_as(actor, campaign.org_path),
        target=campaign,
        organisation=campaign.organisation_id,
        data={"organisations": sorted(pks)},
    )
    return len(pks)


@transaction.atomic
def launch(*, campaign: Campaign, actor) -> Campaign:
    """The draft starts: units begin their batch's first phase, the roll-ups are counted."""
    campaign = _locked_draft(campaign)
    _require_office(actor, campaign.org_path)
    campaign.status = CampaignStatus.RUNNING
    campaign.launched_at = timezone.now()
    campaign.save(update_fields=["status", "launched_at"])
    tallies.rebuild(campaign)
    audit.record(
        event=events.CAMPAIGN_LAUNCHED,
        **acting_as(actor, campaign.org_path),
        target=campaign,
        organisation=campaign.organisation_id,
        changes={"status": [CampaignStatus.DRAFT, CampaignStatus.RUNNING]},
    )
    return campaign


def _require_office(actor, path: str) -> None:
    """Campaigns are shaped by the campaign office over the subtree (actor None: the system, the demo)."""
    if actor is not None and not can_at_path(actor, Action.RUN_CAMPAIGNS, path):
        raise ValidationError(_("Only the campaign office over this organisation may do this."), code="forbidden")


def _locked_draft(campaign: Campaign) -> Campaign:
    """A fresh, locked copy of the campaign, refused unless it is still a draft."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("Only a campaign not yet launched can be changed this way."), code="not_draft")
    return campaign


# ---------------------------------------------------------------- steps


@dataclass(frozen=True)
class EvidenceInput:
    """One filled evidence form: its place in the step's evidence list and the form's cleaned data."""

    index: int
    cleaned_data: dict


@transaction.atomic
def record_step(
    *, unit: Unit, step: Step, actor, note: str = "", evidence_inputs: Iterable[EvidenceInput] = ()
) -> StepRecord:
    """The unit has done `step`: the record, its evidence, the roll-ups and one audit entry."""
    unit = Unit.objects.select_for_update().select_related("campaign", "phase", "batch").get(pk=unit.pk)
    reason = step_refusal(unit, step, actor)
    if reason:
        raise ValidationError(reason, code="step_refused")
    inputs = list(evidence_inputs)
    given = {item.index for item in inputs}
    specs = step.evidence or []
    lacking = [
        spec.get("label") or str(evidence.get(spec["kind"]).label)
        for i, spec in enumerate(specs)
        if not spec.get("optional") and i not in given
    ]
    if lacking:
        raise ValidationError(
            _("This step needs its evidence: %(kinds)s.") % {"kinds": "、".join(lacking)}, code="evidence_missing"
        )
    fields = acting_as(actor, unit.org_path)
    try:
        with transaction.atomic():
            record = StepRecord.objects.create(
                unit=unit,
                step=step,
                note=note,
                recorded_by=actor,
                actor_role=fields["actor_role"],
                actor_organisation=fields["actor_organisation"],
            )
    except IntegrityError:
        raise ValidationError(
            _("This step is already recorded; add evidence to it instead."), code="duplicate"
        ) from None
    pieces = _save_evidence(record, specs, inputs, unit=unit, actor=actor)
    if step.required:
        unit.required_done += 1
        unit.save(update_fields=["required_done", "updated_at"])
    if unit.campaign.status == CampaignStatus.RUNNING:
        tallies.step_recorded(unit.campaign, unit, step.pk, required=step.required)
    audit.record(
        event=events.STEP_RECORDED,
        **fields,
        target=record,
        organisation=unit.organisation_id,
        data={"step": step.key, "phase": unit.phase.key, "evidence": pieces},
    )
    return record


@transaction.atomic
def add_evidence(*, record: StepRecord, actor, evidence_inputs: Iterable[EvidenceInput]) -> list[Evidence]:
    """More proof for a step already recorded (a returned phase is usually sent back for this)."""
    unit = record.unit
    if not can_at_path(actor, Action.CHANGE, unit.org_path):
        raise ValidationError(_("You do not act for this unit."), code="forbidden")
    if unit.state == UnitState.AWAITING or unit.state == UnitState.FINISHED or record.step.phase_id != unit.phase_id:
        raise ValidationError(_("Evidence can be added only while the step's phase is open."), code="closed")
    inputs = list(evidence_inputs)
    pieces = _save_evidence(record, record.step.evidence or [], inputs, unit=unit, actor=actor)
    audit.record(
        event=events.EVIDENCE_ADDED,
        **acting_as(actor, unit.org_path),
        target=record,
        organisation=unit.organisation_id,
        data={"step": record.step.key, "evidence": pieces},
    )
    return list(record.evidence.order_by("-pk")[: len(inputs)])


def _save_evidence(record: StepRecord, specs: list[dict], inputs: list[EvidenceInput], *, unit: Unit, actor) -> list:
    pieces = []
    for item in inputs:
        if not 0 <= item.index < len(specs):
            raise ValidationError(_("This evidence is not asked for by the step."), code="evidence_unknown")
        kind = evidence.get(specs[item.index]["kind"])
        piece = Evidence(record=record, kind=kind.key)
        kind.save(piece, item.cleaned_data, unit=unit, actor=actor)
        piece.save()
        pieces.append({"kind": kind.key, "summary": str(kind.describe(piece))})
    return pieces


def batch_begins(batch: Batch) -> datetime.date | None:
    """The batch's first day, read once per batch object (a unit's page asks for each of its steps)."""
    if not hasattr(batch, "_begins"):
        batch._begins = batch.windows.order_by("starts_on").values_list("starts_on", flat=True).first()
    return batch._begins


def step_refusal(unit: Unit, step: Step, actor) -> str | None:
    """Why `actor` may not record `step` for `unit` now, or None."""
    if actor is not None and not can_at_path(actor, Action.CHANGE, unit.org_path):
        return _("You do not act for this unit.")
    if unit.campaign.status != CampaignStatus.RUNNING:
        return _("The campaign is not running.")
    if step.phase_id != unit.phase_id:
        return _("“%(step)s” belongs to another phase; the unit is in “%(phase)s”.") % {
            "step": step.name,
            "phase": unit.phase.name,
        }
    if unit.unit_class not in step.unit_classes:
        return _("“%(step)s” is not this unit's to do.") % {"step": step.name}
    if unit.state in (UnitState.AWAITING, UnitState.FINISHED):
        return _("The phase is %(state)s; nothing can be recorded now.") % {"state": unit.get_state_display()}
    # Only the batch's beginning holds a unit back: a phase accepted early opens the next at once.
    begins = batch_begins(unit.batch)
    if begins is not None and begins > timezone.localdate():
        return _("%(batch)s begins on %(date)s.") % {"date": begins, "batch": unit.batch}
    return None


# ---------------------------------------------------------------- phases


def _take(unit: Unit, name: str, actor, **context) -> Unit:
    before = Unit.objects.select_related("campaign").get(pk=unit.pk)
    key, done = tallies.UnitKey.of(before), before.required_done
    after = PHASE.take(
        before,
        name,
        **acting_as(actor, before.org_path),
        data={"phase": before.phase.key, "reasons": context.get("reasons", "")},
        decider=actor,
        **context,
    )
    after.campaign = before.campaign
    if after.phase_id != before.phase_id:
        after.required_done = _required_done(after)
        Unit.objects.filter(pk=after.pk).update(required_done=after.required_done)
    tallies.move_unit(before.campaign, after, key, done)
    return after


def _required_done(unit: Unit) -> int:
    return StepRecord.objects.filter(unit=unit, step__phase_id=unit.phase_id, step__required=True).count()


@transaction.atomic
def ask_acceptance(*, unit: Unit, actor) -> Unit:
    after = _take(unit, "ask", actor)
    AcceptanceRequest.objects.create(unit=after, phase_id=after.phase_id, requested_by=actor)
    return after


@transaction.atomic
def decide_acceptance(*, unit: Unit, actor, accept: bool, reasons: str = "") -> Unit:
    """Accept the unit's phase (the next opens, or the unit has finished) or return it with reasons."""
    pending = AcceptanceRequest.objects.filter(unit=unit, phase_id=unit.phase_id, decision="").first()
    phase_id = unit.phase_id
    if accept:
        name = "accept" if next_phase_id(unit) else "accept_last"
        after = _take(unit, name, actor, reasons=reasons)
    else:
        after = _take(unit, "return", actor, reasons=reasons)
    if pending is not None:
        fields = acting_as(actor, unit.org_path)
        AcceptanceRequest.objects.filter(pk=pending.pk, phase_id=phase_id).update(
            decision=Decision.ACCEPTED if accept else Decision.RETURNED,
            reasons=reasons,
            decided_by=actor,
            decided_role=fields["actor_role"],
            decided_organisation=fields["actor_organisation"],
            decided_at=timezone.now(),
        )
    return after


@transaction.atomic
def complete_phase(*, unit: Unit, actor) -> Unit:
    """A phase that needs no acceptance ends when the unit says so (its required steps done)."""
    return _take(unit, "complete" if next_phase_id(unit) else "complete_last", actor)


__all__ = [
    "BatchPlan",
    "EvidenceInput",
    "add_evidence",
    "ask_acceptance",
    "assign_batches",
    "complete_phase",
    "create_campaign",
    "decide_acceptance",
    "launch",
    "missing_required",
    "plan_batches",
    "record_step",
    "set_batch_start",
    "set_pilots",
    "step_refusal",
]
