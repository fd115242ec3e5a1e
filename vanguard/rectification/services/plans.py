"""整改方案 (DOMAIN §5.1): a unit's plan or one member's, drawn up, edited and published (公示) to an audience."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals.models import Audience
from vanguard.core import audit, tree
from vanguard.orgs.models import Organisation
from vanguard.rectification import events
from vanguard.rectification.models import PlanStatus, RectificationPlan
from vanguard.rectification.workflows import PLAN, plan_side

EDITABLE = ("title", "text", "audience")


def _check(values: dict) -> None:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = _("Give the plan a title.")
    if values.get("audience") not in Audience.values:
        errors["audience"] = _("Choose who may read the published plan.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_plan(
    *,
    actor,
    campaign,
    title: str,
    organisation: Organisation | None = None,
    member=None,
    text: str = "",
    audience: str = Audience.UNIT,
) -> RectificationPlan:
    """A unit's plan (`organisation`) or a member's (`member`: their branch holds it); one of each per campaign."""
    if member is not None:
        organisation = member.organisation
        allowed = getattr(actor, "member_id", None) == member.pk or can_at_path(actor, Action.CHANGE, member.org_path)
    elif organisation is not None:
        allowed = can_at_path(actor, Action.CHANGE, organisation.path)
    else:
        raise ValueError("create_plan needs an organisation or a member")
    if actor is not None and not allowed:
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    values = {"title": (title or "").strip(), "text": (text or "").strip(), "audience": audience}
    _check(values)
    try:
        with transaction.atomic():
            plan = RectificationPlan.objects.create(
                campaign=campaign,
                organisation=organisation,
                org_path=organisation.path,
                member=member,
                created_by=actor,
                **values,
            )
    except IntegrityError:
        raise ValidationError(_("A plan already exists for this campaign."), code="duplicate") from None
    audit.record(
        event=events.PLAN_CREATED,
        **acting_as(actor, organisation.path),
        target=plan,
        organisation=organisation,
        data={"campaign": campaign.pk, "member": getattr(member, "pk", None)},
    )
    return plan


@transaction.atomic
def edit_plan(*, plan: RectificationPlan, actor, **fields) -> RectificationPlan:
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if actor is not None and not plan_side(actor, plan):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = {name: getattr(plan, name) for name in EDITABLE}
    values.update({k: v.strip() if isinstance(v, str) else v for k, v in fields.items()})
    _check(values)
    changes = {}
    for name in EDITABLE:
        if getattr(plan, name) != values[name]:
            changes[name] = [getattr(plan, name), values[name]]
            setattr(plan, name, values[name])
    if changes:
        plan.save()
        audit.record(
            event=events.PLAN_EDITED,
            **acting_as(actor, plan.org_path),
            target=plan,
            organisation=plan.organisation_id,
            changes=changes,
        )
    return plan


def publish(*, plan: RectificationPlan, actor) -> RectificationPlan:
    """公示: readable by its audience from now on."""
    return PLAN.take(plan, "publish", **acting_as(actor, plan.org_path), by=actor, data={"audience": plan.audience})


def unpublish(*, plan: RectificationPlan, actor, reason: str) -> RectificationPlan:
    return PLAN.take(
        plan,
        "unpublish",
        **acting_as(actor, plan.org_path),
        by=actor,
        reason=reason,
        data={"reason": (reason or "").strip()},
    )


def readable_plans(user) -> QuerySet[RectificationPlan]:
    """Plans the user may read: by role over the organisation, their own, or published to an audience they are in."""
    query = Q(pk__in=restrict(RectificationPlan.objects.all(), user).values("pk"))
    published = Q(status=PlanStatus.PUBLISHED)
    query |= published & Q(audience=Audience.PUBLIC)
    member = getattr(user, "member", None) if getattr(user, "member_id", None) else None
    if member is not None:
        query |= Q(member_id=member.pk)
        # A member reads what is published to their branch, or to their unit (the plan's organisation holds them).
        query |= published & Q(audience=Audience.BRANCH, organisation_id=member.organisation_id)
        query |= published & Q(audience=Audience.UNIT) & _holds(member.org_path)
    return RectificationPlan.objects.filter(query).select_related("organisation", "member", "campaign")


def _holds(path: str) -> Q:
    """Plans whose organisation is `path` or one of its ancestors."""
    return Q(org_path__in=[*tree.ancestor_paths(path), path])


def may_read(user, plan: RectificationPlan) -> bool:
    return readable_plans(user).filter(pk=plan.pk).exists()


def _mac(campaign_id: int, organisation_id: int) -> str:
    return salted_hmac("vanguard.rectification.public", f"{campaign_id}:{organisation_id}").hexdigest()[:16]


def public_code(campaign, organisation) -> str:
    """The unit's public rectification page (/r/<code>/): keyed by the secret key, so no one guesses another's."""
    return f"{campaign.pk}-{organisation.pk}-{_mac(campaign.pk, organisation.pk)}"


def parse_public_code(code: str) -> tuple[int, int] | None:
    parts = (code or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    campaign_id, organisation_id = int(parts[0]), int(parts[1])
    if not constant_time_compare(parts[2], _mac(campaign_id, organisation_id)):
        return None
    return campaign_id, organisation_id
