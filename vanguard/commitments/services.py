"""Commitments (承诺): templates, making, publishing (公示), revising as new versions, rating at the end.

Every write is one transaction, checked against the actor's scope and audited.
A member writes their own commitments; their branch's secretary or anyone with
CHANGE over the branch may record them for the member.  A published text is
fixed: a change is a new version and the old ones are kept.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.commitments import events
from vanguard.commitments.models import (
    PUBLIC_FIELD,
    Audience,
    Commitment,
    Status,
    Template,
    TemplateFor,
    Verdict,
    Version,
)
from vanguard.core import audit
from vanguard.members.models import Category

MAX_TEXT = 2000


def _forbidden() -> ValidationError:
    return ValidationError(_("You may not do this for this organisation."), code="forbidden")


def _may_write_for(actor, member) -> bool:
    return (
        actor is None
        or getattr(actor, "member_id", None) == member.pk
        or can_at_path(actor, Action.CHANGE, member.org_path)
    )


def published_q(today: datetime.date | None = None) -> Q:
    """Commitments under publication today."""
    today = today or timezone.localdate()
    return Q(status=Status.PUBLISHED, published_from__lte=today, published_until__gte=today)


@transaction.atomic
def create_template(*, actor, campaign, name: str, meant_for: str = TemplateFor.ALL, items: list[str]) -> Template:
    """The office's template for a campaign (RUN_CAMPAIGNS over the campaign's organisation)."""
    if actor is not None and not can_at_path(actor, Action.RUN_CAMPAIGNS, campaign.org_path):
        raise _forbidden()
    name = (name or "").strip()
    cleaned = [str(item).strip() for item in items or [] if str(item).strip()]
    errors = {}
    if not name:
        errors["name"] = ValidationError(_("Give the template a name."), code="required")
    if meant_for not in TemplateFor.values:
        errors["meant_for"] = ValidationError(_("Choose whom the template is for."), code="invalid")
    if not cleaned:
        errors["items"] = ValidationError(_("A template needs at least one item."), code="required")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            template = Template.objects.create(campaign=campaign, name=name, meant_for=meant_for, items=cleaned)
    except IntegrityError:
        raise ValidationError(
            {"name": ValidationError(_("The campaign already has a template of this name."), code="duplicate")}
        ) from None
    audit.record(
        event=events.TEMPLATE_CREATED,
        **acting_as(actor, campaign.org_path),
        target=template,
        organisation=campaign.organisation,
        data={"campaign": campaign.pk, "items": len(cleaned)},
    )
    return template


@transaction.atomic
def make_commitment(
    *, actor, campaign, member, text: str = "", template: Template | None = None, item_index: int | None = None
) -> Commitment:
    """A commitment in free text, or taking up one item of a template (the text defaults to the item's)."""
    if not _may_write_for(actor, member):
        raise _forbidden()
    is_leader = member.category == Category.LEADER
    text = (text or "").strip()
    if template is not None:
        if template.campaign_id != campaign.pk:
            raise ValidationError(_("This template belongs to another campaign."), code="wrong_campaign")
        if template.meant_for == TemplateFor.LEADERS and not is_leader:
            raise ValidationError(_("This template is for leading cadres."), code="leaders_only")
        if item_index is None or not 0 <= item_index < len(template.items):
            raise ValidationError({"item_index": ValidationError(_("Choose an item of the template."), code="invalid")})
        text = text or template.items[item_index]
    elif item_index is not None:
        raise ValidationError(_("An item needs its template."), code="invalid")
    if not text:
        raise ValidationError({"text": ValidationError(_("Write what you commit to."), code="required")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": ValidationError(_("The commitment is too long."), code="max_length")})
    commitment = Commitment.objects.create(
        campaign=campaign,
        member=member,
        organisation=member.organisation,
        org_path=member.org_path,
        template=template,
        item_index=item_index,
        by_leader=is_leader,
        text=text,
    )
    Version.objects.create(commitment=commitment, number=1, text=text, written_by=actor)
    audit.record(
        event=events.COMMITMENT_MADE,
        **acting_as(actor, member.org_path),
        target=commitment,
        organisation=member.organisation,
        data={"campaign": campaign.pk, "member": member.pk, "template": getattr(template, "pk", None)},
    )
    return commitment


def _locked(commitment: Commitment) -> Commitment:
    return Commitment.objects.select_for_update().select_related("member", "organisation").get(pk=commitment.pk)


@transaction.atomic
def revise(*, commitment: Commitment, actor, text: str) -> Version:
    """A new version of the text; a rated commitment is final."""
    commitment = _locked(commitment)
    if not _may_write_for(actor, commitment.member):
        raise _forbidden()
    if commitment.status == Status.RATED:
        raise ValidationError(_("A rated commitment cannot change."), code="rated")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError(_("Write what you commit to."), code="required")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": ValidationError(_("The commitment is too long."), code="max_length")})
    if text == commitment.text:
        raise ValidationError({"text": ValidationError(_("The text is unchanged."), code="unchanged")})
    number = commitment.versions.count() + 1
    version = Version.objects.create(commitment=commitment, number=number, text=text, written_by=actor)
    commitment.text = text
    commitment.save(update_fields=["text"])
    audit.record(
        event=events.COMMITMENT_REVISED,
        **acting_as(actor, commitment.org_path),
        target=commitment,
        organisation=commitment.organisation,
        data={"version": number},
    )
    return version


@transaction.atomic
def publish(
    *, commitment: Commitment, actor, audience: str, published_from: datetime.date, published_until: datetime.date
) -> Commitment:
    """公示: to the branch, the unit or the public, for a window; may be republished to change scope or window."""
    commitment = _locked(commitment)
    if not _may_write_for(actor, commitment.member):
        raise _forbidden()
    if commitment.status == Status.RATED:
        raise ValidationError(_("A rated commitment cannot change."), code="rated")
    if audience not in Audience.values:
        raise ValidationError({"audience": ValidationError(_("Choose who may read it."), code="invalid")})
    if not published_from or not published_until or published_until < published_from:
        raise ValidationError(
            {"published_until": ValidationError(_("The window must end on or after its first day."), code="window")}
        )
    changes = {"audience": [commitment.audience, audience]}
    commitment.status = Status.PUBLISHED
    commitment.audience = audience
    commitment.published_from = published_from
    commitment.published_until = published_until
    commitment.save(update_fields=["status", "audience", "published_from", "published_until"])
    audit.record(
        event=events.COMMITMENT_PUBLISHED,
        **acting_as(actor, commitment.org_path),
        target=commitment,
        organisation=commitment.organisation,
        changes=changes,
        data={"from": published_from.isoformat(), "until": published_until.isoformat()},
    )
    return commitment


def _campaign_ended(campaign, today: datetime.date) -> bool:
    return campaign.ends_on is not None and campaign.ends_on <= today


@transaction.atomic
def rate(
    *, commitment: Commitment, actor, verdict: str, note: str = "", today: datetime.date | None = None
) -> Commitment:
    """The branch's verdict at the campaign's end (CHANGE over the branch; not the member on their own)."""
    today = today or timezone.localdate()
    commitment = _locked(commitment)
    if actor is not None and not can_at_path(actor, Action.CHANGE, commitment.org_path):
        raise _forbidden()
    if commitment.status == Status.DRAFT:
        raise ValidationError(_("Only a published commitment is rated."), code="not_published")
    if not _campaign_ended(commitment.campaign, today):
        raise ValidationError(_("Commitments are rated when the campaign ends."), code="too_early")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": ValidationError(_("Choose a verdict."), code="invalid")})
    note = (note or "").strip()
    if verdict != Verdict.KEPT and not note:
        raise ValidationError({"note": ValidationError(_("Say what was not kept."), code="required")})
    changes = {"verdict": [commitment.verdict, verdict]}
    commitment.verdict = verdict
    commitment.verdict_note = note
    commitment.status = Status.RATED
    commitment.rated_by = actor
    commitment.rated_at = timezone.now()
    commitment.save(update_fields=["verdict", "verdict_note", "status", "rated_by", "rated_at"])
    audit.record(
        event=events.COMMITMENT_RATED,
        **acting_as(actor, commitment.org_path),
        target=commitment,
        organisation=commitment.organisation,
        changes=changes,
    )
    return commitment


def publicly_rateable(commitment: Commitment, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        commitment.audience == Audience.PUBLIC
        and commitment.published_from is not None
        and commitment.status in (Status.PUBLISHED, Status.RATED)
        and commitment.published_from <= today <= commitment.published_until
    )


@transaction.atomic
def rate_publicly(*, commitment: Commitment, verdict: str, today: datetime.date | None = None) -> None:
    """A reader's verdict on a commitment published to the public: counted, never who (no audit entry names them)."""
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": ValidationError(_("Choose a verdict."), code="invalid")})
    if not publicly_rateable(commitment, today):
        raise ValidationError(_("This commitment is not published to the public now."), code="not_public")
    field = PUBLIC_FIELD[verdict]
    Commitment.objects.filter(pk=commitment.pk).update(**{field: F(field) + 1})
