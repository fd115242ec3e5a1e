"""A unit's way through its phases, declared once (DOMAIN §2, §7).

In a phase the unit records its steps; when the phase's required steps are
done it asks for acceptance (验收) where the template asks for it, or
completes the phase itself where it does not.  The acceptor — a supervision
group covering the unit, else the organisation above — accepts (the next
phase opens, or the unit has finished) or returns it with reasons (it stays
open, the reasons shown, until the unit asks again).  Who asked may not
decide.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.campaigns.models import Acceptance, CampaignStatus, Step, Unit, UnitState
from vanguard.core import tree
from vanguard.core.transitions import StateMachine, Transition


def unit_side(user, unit: Unit) -> bool:
    """Whoever may change the unit's organisation records its steps and asks for acceptance."""
    return can_at_path(user, Action.CHANGE, unit.org_path)


def acceptor_side(user, unit: Unit, supervised: tuple[set[str], set[str]] | None = None) -> bool:
    """Who decides on this unit's phase: a supervision group covering it where the phase asks for one and a group
    covers it, else a role above it.

    `supervised` — (paths of every unit assigned to a group of the campaign, paths of those assigned to the user's
    groups), read once by `supervised_paths` — answers for many units without a query each.
    """
    if getattr(user, "is_superuser", False):
        return True
    if unit.phase.acceptance == Acceptance.SUPERVISION:
        if supervised is not None:
            covering = [p for p in tree.ancestor_paths(unit.org_path) + [unit.org_path] if p in supervised[0]]
            if covering:
                return any(p in supervised[1] for p in covering)
        else:
            from vanguard.campaigns import supervision

            if supervision.covering_groups(unit).exists():
                return supervision.may_accept(user, unit)
    return above_side(user, unit)


def supervised_paths(user, campaign_id: int) -> tuple[set[str], set[str]]:
    """For `acceptor_side` over many units: the paths of the campaign's assigned units, and of the user's."""
    assigned = Unit.objects.filter(campaign_id=campaign_id, supervision_groups__isnull=False)
    mine = assigned.filter(supervision_groups__people__user=user) if user.is_authenticated else assigned.none()
    return set(assigned.values_list("org_path", flat=True)), set(mine.values_list("org_path", flat=True))


def above_side(user, unit: Unit) -> bool:
    """A role held above the unit's organisation: its parent's subtree, not only the unit's own."""
    parent = tree.ancestor_paths(unit.org_path)
    return bool(parent) and can_at_path(user, Action.CHANGE, parent[-1])


def missing_required(unit: Unit) -> list[Step]:
    """The required steps of the unit's current phase it has not recorded."""
    return list(
        Step.objects.filter(phase_id=unit.phase_id, required=True, responsible__in=responsible_for(unit))
        .exclude(records__unit=unit)
        .order_by("order")
    )


def responsible_for(unit: Unit) -> list[str]:
    from vanguard.campaigns.models import Responsible, UnitClass

    if unit.unit_class == UnitClass.BRANCH:
        return [Responsible.UNIT, Responsible.BRANCHES, Responsible.MEMBERS]
    return [Responsible.UNIT, Responsible.LEADERS]


def required_steps_done(unit: Unit, context: dict) -> str | None:
    missing = missing_required(unit)
    if missing:
        return _("Required steps not yet recorded: %(steps)s.") % {"steps": "、".join(s.name for s in missing)}
    return None


def campaign_running(unit: Unit, context: dict) -> str | None:
    if unit.campaign.status != CampaignStatus.RUNNING:
        return _("The campaign is not running.")
    return None


def needs_acceptance(unit: Unit, context: dict) -> str | None:
    if unit.phase.acceptance == Acceptance.NONE:
        return _("This phase needs no acceptance: complete it instead.")
    return None


def needs_no_acceptance(unit: Unit, context: dict) -> str | None:
    if unit.phase.acceptance != Acceptance.NONE:
        return _("This phase ends with acceptance: ask for it.")
    return None


def has_next_phase(unit: Unit, context: dict) -> str | None:
    return None if next_phase_id(unit) else _("This is the last phase of the batch.")


def is_last_phase(unit: Unit, context: dict) -> str | None:
    return _("A later phase follows this one.") if next_phase_id(unit) else None


def reasons_given(unit: Unit, context: dict) -> str | None:
    return None if str(context.get("reasons", "")).strip() else _("Give the reasons for returning the phase.")


def not_who_asked(unit: Unit, context: dict) -> str | None:
    actor = context.get("decider")
    pending = unit.acceptances.filter(phase_id=unit.phase_id, decision="").first()
    if actor is not None and pending is not None and pending.requested_by_id == actor.pk and not actor.is_superuser:
        return _("Who asked for acceptance may not decide on it.")
    return None


def next_phase_id(unit: Unit) -> int | None:
    """The phase after the current one in the unit's batch, by the windows' dates."""
    phases = list(unit.batch.windows.order_by("starts_on", "phase__order").values_list("phase_id", flat=True))
    position = phases.index(unit.phase_id)
    return phases[position + 1] if position + 1 < len(phases) else None


def advance(unit: Unit, context: dict) -> None:
    following = next_phase_id(unit)
    if following is not None:
        unit.phase_id = following
        unit.required_done = 0


S = UnitState
PHASE = StateMachine(
    "campaigns.phase",
    Unit,
    field="state",
    organisation_of=lambda unit: unit.organisation_id,
    transitions=[
        Transition(
            "ask",
            gettext_lazy("Ask for acceptance"),
            source=[S.OPEN, S.RETURNED],
            target=S.AWAITING,
            may=unit_side,
            guards=[campaign_running, needs_acceptance, required_steps_done],
        ),
        Transition(
            "accept",
            gettext_lazy("Accept"),
            source=[S.AWAITING],
            target=S.OPEN,
            may=acceptor_side,
            guards=[campaign_running, not_who_asked, has_next_phase],
            effect=advance,
            saves=["phase", "required_done"],
        ),
        Transition(
            "accept_last",
            gettext_lazy("Accept"),
            source=[S.AWAITING],
            target=S.FINISHED,
            may=acceptor_side,
            guards=[campaign_running, not_who_asked, is_last_phase],
        ),
        Transition(
            "return",
            gettext_lazy("Return with reasons"),
            source=[S.AWAITING],
            target=S.RETURNED,
            may=acceptor_side,
            guards=[campaign_running, not_who_asked, reasons_given],
        ),
        Transition(
            "complete",
            gettext_lazy("Complete the phase"),
            source=[S.OPEN, S.RETURNED],
            target=S.OPEN,
            may=unit_side,
            guards=[campaign_running, needs_no_acceptance, required_steps_done, has_next_phase],
            effect=advance,
            saves=["phase", "required_done"],
        ),
        Transition(
            "complete_last",
            gettext_lazy("Complete the phase"),
            source=[S.OPEN, S.RETURNED],
            target=S.FINISHED,
            may=unit_side,
            guards=[campaign_running, needs_no_acceptance, required_steps_done, is_last_phase],
        ),
    ],
)


def offered(unit: Unit, user) -> list[Transition]:
    """The transitions to show this user as buttons: of each pair (accept / accept_last), the one that applies."""
    last = next_phase_id(unit) is None
    skip = {"accept", "complete"} if last else {"accept_last", "complete_last"}
    return [t for t in PHASE.available(unit, user) if t.name not in skip]
