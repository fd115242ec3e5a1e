"""Supervision (DOMAIN §7): 督导组 and 蹲点组, their people and assigned units, visits, and who may accept a phase.

An office (the campaign office: an ADMIN role at or above the campaign's
organisation, or a district office inside it) sends groups; a stationed group
(蹲点组) sits only with pilot units (§2).  A group's people see the units
assigned to it and their subtrees while the campaign runs, through the scope
grant `scope_grants` registered with `accounts.scoping` (nothing else: a
supervisor needs no role).  `may_accept` is what the phase workflow asks when
a phase's acceptance is by supervision.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts import scoping
from vanguard.accounts.models import Role
from vanguard.accounts.scoping import Action
from vanguard.accounts.selectors import acting_as, roles_of
from vanguard.campaigns.models import (
    Campaign,
    CampaignStatus,
    GroupKind,
    GroupMember,
    Rating,
    SupervisionGroup,
    Unit,
    Visit,
)
from vanguard.core import audit, tree
from vanguard.orgs.models import Organisation

GROUP_CREATED = audit.declare("campaigns.group.created", gettext_lazy("Supervision group created"))
PERSON_ADDED = audit.declare("campaigns.group.person_added", gettext_lazy("Person added to a supervision group"))
PERSON_REMOVED = audit.declare(
    "campaigns.group.person_removed", gettext_lazy("Person removed from a supervision group")
)
UNITS_ASSIGNED = audit.declare("campaigns.group.units_assigned", gettext_lazy("Units assigned to a supervision group"))
VISIT_RECORDED = audit.declare("campaigns.visit.recorded", gettext_lazy("Supervision visit recorded"))


# --- who is an office ---------------------------------------------------------------------------------------


def admin_paths(user) -> list[str]:
    """Paths of the organisations where `user` holds a current ADMIN role (the offices they act for)."""
    return [a.organisation.path for a in roles_of(user) if a.role == Role.ADMIN]


def is_office_at(user, path: str) -> bool:
    """Whether `user` acts as an office over the organisation at `path`: superuser, or ADMIN at or above it."""
    if getattr(user, "is_superuser", False):
        return True
    return any(tree.is_within(path, root) for root in admin_paths(user))


def office_organisation(user, campaign: Campaign) -> Organisation | None:
    """Where `user` sends groups from in `campaign`, or None when they are no office of it.

    An office at or above the campaign's organisation sends from the campaign's
    organisation; a district office inside the campaign from its own (the
    shallowest, when it holds several), and only to its own subtree.
    """
    if getattr(user, "is_superuser", False):
        return campaign.organisation
    inside = None
    for assignment in roles_of(user):
        if assignment.role != Role.ADMIN:
            continue
        organisation = assignment.organisation
        if tree.is_within(campaign.org_path, organisation.path):
            return campaign.organisation
        if tree.is_within(organisation.path, campaign.org_path) and (
            inside is None or organisation.depth < inside.depth
        ):
            inside = organisation
    return inside


# --- services -----------------------------------------------------------------------------------------------


@transaction.atomic
def create_group(*, campaign: Campaign, name: str, kind: str, actor) -> SupervisionGroup:
    """A new group sent by the actor's office; refused to anyone else and in a closed campaign."""
    sender = office_organisation(actor, campaign)
    if sender is None:
        raise ValidationError(_("Only the campaign office sends supervision groups."))
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("The campaign is closed."))
    if kind not in GroupKind.values:
        raise ValidationError({"kind": _("Unknown kind of group.")})
    group = SupervisionGroup.objects.create(
        campaign=campaign, name=name.strip(), kind=kind, sent_by=sender, org_path=sender.path
    )
    audit.record(
        event=GROUP_CREATED,
        **acting_as(actor, sender.path),
        target=group,
        organisation=sender,
        data={"campaign": campaign.pk, "kind": kind, "name": group.name},
    )
    return group


def _require_office(actor, group: SupervisionGroup) -> None:
    if not is_office_at(actor, group.org_path):
        raise ValidationError(_("Only the office that sent the group changes it."))


@transaction.atomic
def add_person(*, group: SupervisionGroup, user, is_leader: bool = False, actor) -> GroupMember:
    """Put an existing user in the group; a new leader takes over from the old one (one leader a group)."""
    _require_office(actor, group)
    if not user.is_active:
        raise ValidationError({"username": _("This account is disabled.")})
    if is_leader:
        group.people.filter(is_leader=True).update(is_leader=False)
    try:
        with transaction.atomic():
            person = GroupMember.objects.create(group=group, user=user, is_leader=is_leader)
    except IntegrityError:
        raise ValidationError({"username": _("This person is already in the group.")}) from None
    audit.record(
        event=PERSON_ADDED,
        **acting_as(actor, group.org_path),
        target=group,
        organisation=group.sent_by_id,
        data={"user": user.pk, "username": user.username, "leader": is_leader},
    )
    scoping.forget(user)
    return person


@transaction.atomic
def remove_person(*, group: SupervisionGroup, user, actor) -> None:
    _require_office(actor, group)
    removed, _count = group.people.filter(user=user).delete()
    if not removed:
        raise ValidationError(_("This person is not in the group."))
    audit.record(
        event=PERSON_REMOVED,
        **acting_as(actor, group.org_path),
        target=group,
        organisation=group.sent_by_id,
        data={"user": user.pk, "username": user.username},
    )
    scoping.forget(user)


@transaction.atomic
def assign_units(*, group: SupervisionGroup, units: Iterable[Unit], actor) -> int:
    """Assign units of the group's campaign inside the sending office's subtree; a stationed group pilots only.

    Returns how many were newly assigned.  DOMAIN §2: a 蹲点组 sits with a pilot unit.
    """
    _require_office(actor, group)
    units = list(units)
    for unit in units:
        if unit.campaign_id != group.campaign_id or not tree.is_within(unit.org_path, group.org_path):
            raise ValidationError({"units": _("%(unit)s is not a unit of this campaign under the office.") % {
                "unit": unit.organisation.name}})  # fmt: skip
        if group.kind == GroupKind.STATIONED and not unit.is_pilot:
            raise ValidationError(
                {"units": _("A stationed group sits only with pilot units; %(unit)s is not one.")
                 % {"unit": unit.organisation.name}}
            )  # fmt: skip
    already = set(group.units.filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    new = [unit for unit in units if unit.pk not in already]
    if not new:
        return 0
    group.units.add(*new)
    audit.record(
        event=UNITS_ASSIGNED,
        **acting_as(actor, group.org_path),
        target=group,
        organisation=group.sent_by_id,
        data={"units": [unit.pk for unit in new], "names": [unit.organisation.name for unit in new][:50]},
    )
    return len(new)


@transaction.atomic
def record_visit(
    *,
    group: SupervisionGroup,
    unit: Unit,
    visited_on: datetime.date,
    findings: str,
    talks: int = 0,
    advice: str = "",
    rating: str = "",
    actor,
) -> Visit:
    """A group member logs a visit to a unit the group covers (assigned, or below an assigned unit)."""
    if not (getattr(actor, "is_superuser", False) or group.people.filter(user=actor).exists()):
        raise ValidationError(_("Only the group's people record its visits."))
    if not covers(group, unit):
        raise ValidationError({"unit": _("The group is not assigned to this unit.")})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    if rating and rating not in Rating.values:
        raise ValidationError({"rating": _("Unknown rating.")})
    if talks < 0:
        raise ValidationError({"talks": _("Enter a number of people, zero or more.")})
    visit = Visit.objects.create(
        group=group,
        unit=unit,
        visited_on=visited_on,
        talks=talks,
        findings=findings,
        advice=advice,
        rating=rating,
        recorded_by=actor,
    )
    audit.record(
        event=VISIT_RECORDED,
        **acting_as(actor, unit.org_path),
        target=visit,
        organisation=unit.organisation_id,
        data={"group": group.pk, "unit": unit.pk, "visited_on": visited_on, "talks": talks, "rating": rating},
    )
    return visit


# --- selectors ----------------------------------------------------------------------------------------------


def scope_grants(user) -> models.QuerySet:
    """(Action.VIEW, unit path) for every unit assigned to a group of `user`'s in a running campaign.

    Registered with `accounts.scoping.register_grants`, which folds this
    queryset into the statement reading the user's roles (no query of its own).
    """
    return (
        Unit.objects.filter(campaign__status=CampaignStatus.RUNNING, supervision_groups__people__user=user)
        .annotate(action=Value(Action.VIEW.value, output_field=CharField()))
        .values_list("action", "org_path")
        .order_by()
    )


def visible_groups(user) -> models.QuerySet:
    """Groups the user may open: those their scope covers (sent from inside it) and their own."""
    groups = SupervisionGroup.objects.select_related("campaign", "sent_by")
    query = scoping.scope_q(SupervisionGroup, user, Action.VIEW)
    if query is None:
        return groups
    own = GroupMember.objects.filter(group=OuterRef("pk"), user=user.pk if user.is_authenticated else None)
    return groups.filter(query | Q(Exists(own)))


def groups_of(user) -> models.QuerySet:
    """The groups `user` is one of the people of."""
    return SupervisionGroup.objects.filter(people__user=user.pk).select_related("campaign", "sent_by")


def _ancestor_or_self_paths(path: str) -> list[str]:
    return [*tree.ancestor_paths(path), path]


def covers(group: SupervisionGroup, unit: Unit) -> bool:
    """Whether `group` is assigned to `unit` or to a unit above it."""
    return (
        unit.campaign_id == group.campaign_id
        and group.units.filter(org_path__in=_ancestor_or_self_paths(unit.org_path)).exists()
    )


def covering_groups(unit: Unit) -> models.QuerySet:
    """The groups of the unit's campaign assigned to the unit or to a unit above it."""
    return (
        SupervisionGroup.objects.filter(
            campaign=unit.campaign_id,
            pk__in=SupervisionGroup.units.through.objects.filter(
                unit__campaign=unit.campaign_id, unit__org_path__in=_ancestor_or_self_paths(unit.org_path)
            ).values("supervisiongroup_id"),
        )
        .select_related("sent_by")
        .order_by("name", "pk")
    )


def may_accept(user, unit: Unit) -> bool:
    """For a phase accepted by supervision: whether `user` is one of the people of a group covering `unit`.

    DOMAIN §7: the group assigned to the unit, or to a unit above it, accepts.
    Whether any group covers the unit at all (else the organisation above
    accepts) is `covering_groups(unit).exists()`.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    return GroupMember.objects.filter(user=user, group__in=covering_groups(unit).values("pk")).exists()


def visits_of(unit: Unit) -> models.QuerySet:
    """The visits to a unit, newest first, with the group and who recorded them (for the unit's page)."""
    return Visit.objects.filter(unit=unit).select_related("group", "recorded_by").order_by("-visited_on", "-pk")


def assignable_units(group: SupervisionGroup) -> models.QuerySet:
    """Units the office picks from: the organisations just below the sender, and every pilot unit under it.

    Deeper units are assigned by their official code (a city has tens of thousands).
    """
    units = Unit.objects.filter(campaign=group.campaign_id).filter(tree.subtree_q("org_path", group.org_path))
    if group.kind == GroupKind.STATIONED:
        units = units.filter(is_pilot=True)
    else:
        depth = tree.depth_of(group.org_path)  # Organisation.depth counts from 0 at the top
        units = units.filter(Q(organisation__depth__lte=depth) | Q(is_pilot=True))
    return units.exclude(supervision_groups=group).select_related("organisation").order_by("org_path")


def units_by_codes(group: SupervisionGroup, codes: Iterable[str]) -> tuple[list[Unit], list[str]]:
    """Units of the group's campaign under the sender whose organisations have these codes; codes not found."""
    codes = [code.strip() for code in codes if code.strip()]
    if not codes:
        return [], []
    found = list(
        Unit.objects.filter(campaign=group.campaign_id, organisation__code__in=codes)
        .filter(tree.subtree_q("org_path", group.org_path))
        .select_related("organisation")
    )
    known = {unit.organisation.code for unit in found}
    return found, [code for code in codes if code not in known]


def find_user(username: str):
    return get_user_model().objects.filter(username=username.strip()).first()
