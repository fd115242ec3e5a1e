"""Every write to the organisation tree: creation, edits, reorganisation (moving a subtree)."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.orgs import events, hooks
from vanguard.orgs.models import Organisation, Reorganisation


@transaction.atomic
def create_organisation(
    *, parent: Organisation | None, name: str, kind: str, sector: str = "", code: str = "", actor=None
) -> Organisation:
    """Add a node; its path is the parent's path plus its own primary key."""
    org = Organisation.objects.create(
        parent=parent,
        name=name.strip(),
        kind=kind,
        sector=sector,
        code=code.strip(),
        # A unique placeholder until the primary key is known.
        path=f"pending-{uuid.uuid4().hex}",
    )
    org.path = tree.child_path(parent.path if parent else "", org.pk)
    org.depth = tree.depth_of(org.path) - 1
    org.save(update_fields=["path", "depth"])
    audit.record(
        event=events.ORGANISATION_CREATED,
        **acting_as(actor, org.path),
        target=org,
        organisation=org,
        data={"parent": parent.name if parent else "", "code": org.code},
    )
    return org


def assign_paths(orgs: list[Organisation]) -> None:
    """Fill path and depth for freshly bulk-created organisations whose parents already have paths."""
    for org in orgs:
        parent_path = org.parent.path if org.parent_id else ""
        org.path = tree.child_path(parent_path, org.pk)
        org.depth = tree.depth_of(org.path) - 1


@transaction.atomic
def update_organisation(
    *, organisation: Organisation, name: str, sector: str, code: str, kind: str, actor=None
) -> Organisation:
    """Change descriptive fields.  The official code may change; the tree's keys never depend on it."""
    fields = ("name", "sector", "code", "kind")
    before = Organisation.objects.values(*fields).get(pk=organisation.pk)
    organisation.name = name.strip()
    organisation.sector = sector
    organisation.code = code.strip()
    organisation.kind = kind
    organisation.full_clean(exclude=["path", "parent"])
    organisation.save(update_fields=list(fields))
    changes = {f: [before[f], getattr(organisation, f)] for f in fields if before[f] != getattr(organisation, f)}
    if changes:
        audit.record(
            event=events.ORGANISATION_UPDATED,
            **acting_as(actor, organisation.path),
            target=organisation,
            organisation=organisation,
            changes=changes,
        )
    return organisation


@transaction.atomic
def move_organisation(
    *,
    organisation: Organisation,
    new_parent: Organisation,
    effective_on: datetime.date,
    reason: str = "",
    actor=None,
) -> Reorganisation:
    """Move a whole subtree under `new_parent` (reorganisation) and record it, dated.

    Paths of every organisation below, and every copy of them other apps
    registered (members' `org_path`, see orgs.hooks), are rewritten with one
    set-based UPDATE per table, whatever the subtree's size.  Then
    `hooks.subtree_moved` lets those apps move what they keep per subtree.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    new_parent = Organisation.objects.get(pk=new_parent.pk)
    if organisation.parent_id is None:
        raise ValidationError(_("The root of the tree cannot be moved."))
    if new_parent.pk == organisation.parent_id:
        raise ValidationError(_("The organisation is already under %(parent)s.") % {"parent": new_parent})
    if tree.is_within(new_parent.path, organisation.path):
        raise ValidationError(_("An organisation cannot be moved under itself or its own sub-organisations."))
    if effective_on > datetime.date.today() + datetime.timedelta(days=366):
        raise ValidationError(_("The effective date is more than a year ahead."))

    old_path = organisation.path
    new_path = tree.child_path(new_parent.path, organisation.pk)
    depth_change = tree.depth_of(new_path) - tree.depth_of(old_path)
    tail_start = len(old_path) + 1  # SQL substrings count from 1
    in_subtree = tree.subtree_q("path", old_path)
    old_parent_id = organisation.parent_id

    orgs_moved = Organisation.objects.filter(in_subtree).update(
        path=Concat(Value(new_path), Substr("path", tail_start), output_field=CharField()),
        depth=F("depth") + depth_change,
    )
    recorded = {"members_moved": 0}
    for copy in hooks.path_copies():
        moved = copy.model._base_manager.filter(tree.subtree_q(copy.field, old_path)).update(
            **{copy.field: Concat(Value(new_path), Substr(copy.field, tail_start), output_field=CharField())}
        )
        if copy.recorded_as:
            recorded[copy.recorded_as] = recorded.get(copy.recorded_as, 0) + moved
    Organisation.objects.filter(pk=organisation.pk).update(parent=new_parent)
    organisation.parent, organisation.path, organisation.depth = new_parent, new_path, organisation.depth + depth_change
    hooks.subtree_moved.send(
        sender=Organisation, organisation=organisation, old_path=old_path, new_path=new_path, new_parent=new_parent
    )
    old_parent_name = Organisation.objects.filter(pk=old_parent_id).values_list("name", flat=True).first() or ""
    audit.record(
        event=events.ORGANISATION_MOVED,
        **acting_as(actor, new_path),
        target=organisation,
        organisation=organisation,
        changes={
            "parent": [old_parent_name, new_parent.name],
        },
        data={
            "path": [old_path, new_path],
            "effective_on": effective_on.isoformat(),
            "reason": reason,
            "organisations_moved": orgs_moved,
            **recorded,
        },
    )
    return Reorganisation.objects.create(
        organisation=organisation,
        old_parent_id=old_parent_id,
        new_parent=new_parent,
        effective_on=effective_on,
        reason=reason,
        moved_by=actor,
        organisations_moved=orgs_moved,
        **recorded,
    )
