"""回头看 (DOMAIN §2, phase 3): representatives of all circles rate the campaign's units; remedial work (整改补课).

A look-back rating is one ballot of kind `lookback` with one satisfaction
question per campaign unit rated.  When it closes, a unit whose raters are
more than the campaign's `remedial_share` dissatisfied (all constituencies
together) is ordered remedial work: a `RemedialOrder`, shown on the unit's
campaign page and its organisation's page until it is done.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals import events
from vanguard.appraisals.campaign_rules import rules_for
from vanguard.appraisals.models import RemedialOrder
from vanguard.ballots import results as ballot_results
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot, Constituency, Kind, QuestionKind, Status, Subject
from vanguard.campaigns.models import Campaign, Unit
from vanguard.core import audit, tree

# Which units a look-back started at an organisation rates.
REACHES = {
    "self": gettext_lazy("This organisation's own unit"),
    "children": gettext_lazy("This organisation and the units directly below it"),
    "subtree": gettext_lazy("Every unit of the subtree"),
}


def units_to_rate(*, campaign: Campaign, organisation, reach: str) -> QuerySet[Unit]:
    units = Unit.objects.filter(campaign=campaign).select_related("organisation")
    if reach == "self":
        units = units.filter(organisation=organisation)
    elif reach == "children":
        units = units.filter(organisation=organisation) | units.filter(organisation__parent=organisation)
    else:
        units = units.filter(tree.subtree_q("org_path", organisation.path))
    return units.order_by("org_path", "pk")


def dissatisfied_share(hits: int, total: int) -> Decimal:
    return (Decimal(hits) / Decimal(total)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def needs_remedial(dissatisfied: int, valid: int, *, remedial_share: Decimal) -> bool:
    """More than `remedial_share` of the valid ratings of the unit are 不满意 (exactly half is not "most")."""
    return valid > 0 and Decimal(dissatisfied) > Decimal(str(remedial_share)) * valid


def start_lookback(
    *,
    organisation,
    campaign: Campaign,
    actor,
    reach: str,
    constituencies: list[str],
    opens_on: datetime.date,
    closes_on: datetime.date,
    title: str = "",
) -> Ballot:
    """A draft look-back ballot held by `organisation`: a satisfaction question per unit of the campaign it reaches."""
    if actor is not None and not can_at_path(actor, Action.CHANGE, organisation.path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if reach not in REACHES:
        raise ValidationError(_("Choose which units are rated."), code="reach")
    units = list(units_to_rate(campaign=campaign, organisation=organisation, reach=reach))
    if not units:
        raise ValidationError(_("The campaign has no unit here to rate."), code="no_units")
    if len(units) > ballot_services.MAX_QUESTIONS:
        raise ValidationError(
            _("%(count)d units are too many for one ballot (at most %(limit)d): start it lower in the tree.")
            % {"count": len(units), "limit": ballot_services.MAX_QUESTIONS},
            code="too_many",
        )
    questions = [
        {
            "key": f"u{unit.pk}",
            "kind": QuestionKind.SATISFACTION,
            "label": unit.organisation.name,
            "subject": Subject.UNIT,
            "subject_id": unit.pk,
            "required": False,
        }
        for unit in units
    ]
    return ballot_services.create_ballot(
        organisation=organisation,
        actor=actor,
        kind=Kind.LOOKBACK,
        title=title or _("Look-back rating of %(campaign)s") % {"campaign": campaign.name},
        questions=questions,
        constituencies=constituencies or [Constituency.REPRESENTATIVES],
        opens_on=opens_on,
        closes_on=closes_on,
        campaign=campaign,
    )


def unit_questions(ballot: Ballot) -> list[dict]:
    return [
        q for q in ballot.questions if q.get("kind") == QuestionKind.SATISFACTION and q.get("subject") == Subject.UNIT
    ]


@transaction.atomic
def order_remedial_work(*, ballot: Ballot, actor) -> list[RemedialOrder]:
    """Order remedial work for each rated unit most of whose raters are dissatisfied (DOMAIN §2 回头看).

    Run when the ballot closes; running it again orders nothing twice (one
    order per unit and ballot, by the database).
    """
    ballot = Ballot.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=ballot.pk)
    if ballot.kind != Kind.LOOKBACK:
        raise ValidationError(_("This ballot is not a look-back rating."), code="not_lookback")
    if ballot.status != Status.CLOSED:
        raise ValidationError(_("Remedial work is decided once the ballot is closed."), code="not_closed")
    share = rules_for(ballot.campaign).remedial_share
    computed = ballot_results.compute(ballot)
    questions = unit_questions(ballot)
    units = Unit.objects.filter(pk__in=[q["subject_id"] for q in questions]).select_related("organisation")
    units = {unit.pk: unit for unit in units}
    already = set(RemedialOrder.objects.filter(ballot=ballot).values_list("unit_id", flat=True))
    today = timezone.localdate()
    ordered = []
    for question in questions:
        unit = units.get(question["subject_id"])
        if unit is None or unit.pk in already:
            continue
        dissatisfied = computed.question(question["key"]).dissatisfied()
        if not needs_remedial(dissatisfied.hits, dissatisfied.total, remedial_share=share):
            continue
        order = RemedialOrder.objects.create(
            unit=unit,
            org_path=unit.org_path,
            ballot=ballot,
            dissatisfied_share=dissatisfied_share(dissatisfied.hits, dissatisfied.total),
            ordered_on=today,
        )
        audit.record(
            event=events.REMEDIAL_ORDERED,
            **acting_as(actor, unit.org_path),
            target=unit,
            organisation=unit.organisation,
            data={
                "ballot": ballot.pk,
                "dissatisfied": dissatisfied.hits,
                "valid": dissatisfied.total,
                "remedial_share": str(share),
            },
        )
        ordered.append(order)
    return ordered


@transaction.atomic
def complete_remedial_work(*, order: RemedialOrder, actor, done_on: datetime.date | None = None) -> RemedialOrder:
    """Record remedial work as done: by whoever holds the look-back that ordered it (or above), not the unit alone.

    A unit does not close its own remedial order unless it held the look-back itself.
    """
    order = RemedialOrder.objects.select_for_update().select_related("ballot", "unit__organisation").get(pk=order.pk)
    if actor is not None and not can_at_path(actor, Action.CHANGE, order.ballot.org_path):
        raise ValidationError(
            _("Remedial work is confirmed by the organisation that held the look-back rating."), code="forbidden"
        )
    if order.done_on is not None:
        raise ValidationError(_("This remedial work is already recorded as done."), code="done")
    order.done_on = done_on or timezone.localdate()
    if order.done_on < order.ordered_on:
        raise ValidationError(_("Remedial work cannot be done before it was ordered."), code="date")
    order.save(update_fields=["done_on"])
    audit.record(
        event=events.REMEDIAL_DONE,
        **acting_as(actor, order.ballot.org_path),
        target=order.unit,
        organisation=order.unit.organisation,
        data={
            "ballot": order.ballot_id,
            "ordered_on": order.ordered_on.isoformat(),
            "done_on": order.done_on.isoformat(),
        },
    )
    return order


def open_orders_of(units) -> QuerySet[RemedialOrder]:
    return (
        RemedialOrder.objects.filter(unit__in=units, done_on__isnull=True)
        .select_related("ballot")
        .order_by("-ordered_on", "pk")
    )


def on_close(*, ballot: Ballot, actor) -> None:
    """The rule run when any ballot closes (appraisals.rules.ON_CLOSE): only look-back ratings concern it."""
    if ballot.kind == Kind.LOOKBACK:
        order_remedial_work(ballot=ballot, actor=actor)
