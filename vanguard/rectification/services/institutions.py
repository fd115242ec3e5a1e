"""建章立制 (DOMAIN §5.2): rules drafted, edited while drafts, adopted with their 四定, repealed; what is in force.

A rule in force is the adopted text: it is not edited in place.  To change it, a new draft that `supersedes`
it is adopted, and adopting it repeals the old one the day before the new one takes effect.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.meetings.uploads import check_upload
from vanguard.rectification import events
from vanguard.rectification.models import Institution, InstitutionKind, InstitutionStatus
from vanguard.rectification.workflows import INSTITUTION

# What a draft's form may change; the state, dates and organisation change only through the workflow.
EDITABLE = ("kind", "title", "rule", "procedure", "standard", "measures", "trade", "post", "campaign", "supersedes")


def _require(actor, path: str) -> None:
    if actor is not None and not can_at_path(actor, Action.CHANGE, path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")


def _check_supersedes(organisation, supersedes: Institution | None) -> None:
    # A rule replaces one of its own organisation's: one above is changed by those above.
    if supersedes is not None and supersedes.organisation_id != organisation.pk:
        raise ValidationError({"supersedes": _("A rule can only replace a rule of the same organisation.")})


def _attach(institution: Institution, file: UploadedFile | None) -> None:
    if file is not None:
        check_upload(file)
        institution.file_name = file.name[:200]
        institution.file.save(file.name, file, save=False)


@transaction.atomic
def draft_institution(
    *,
    organisation,
    actor,
    title: str,
    kind: str = InstitutionKind.RULE,
    rule: str = "",
    procedure: str = "",
    standard: str = "",
    measures: str = "",
    trade: str = "",
    post: str = "",
    campaign=None,
    supersedes: Institution | None = None,
    file: UploadedFile | None = None,
    problems: Iterable = (),
    items: Iterable = (),
) -> Institution:
    """A draft rule of `organisation`; its four parts may be filled in later, but it is adopted only with all four."""
    _require(actor, organisation.path)
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the rule a title.")})
    if kind not in InstitutionKind.values:
        raise ValidationError({"kind": _("Choose what kind of rule this is.")})
    _check_supersedes(organisation, supersedes)
    institution = Institution(
        organisation=organisation,
        org_path=organisation.path,
        campaign=campaign,
        kind=kind,
        title=title.strip(),
        rule=rule.strip(),
        procedure=procedure.strip(),
        standard=standard.strip(),
        measures=measures.strip(),
        trade=trade.strip(),
        post=post.strip(),
        supersedes=supersedes,
        created_by=actor,
    )
    _attach(institution, file)
    institution.save()
    if problems:
        institution.problems.set(problems)
    if items:
        institution.items.set(items)
    audit.record(
        event=events.INSTITUTION_CREATED,
        **acting_as(actor, organisation.path),
        target=institution,
        organisation=organisation,
        data={"kind": kind, "title": institution.title, "supersedes": supersedes.pk if supersedes else None},
    )
    return institution


@transaction.atomic
def edit_institution(*, institution: Institution, actor, file: UploadedFile | None = None, **fields) -> Institution:
    """Change a draft; an adopted rule is replaced by a new one instead (see the module's docstring)."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    _require(actor, institution.org_path)
    if institution.status != InstitutionStatus.DRAFT:
        raise ValidationError(_("Only a draft is edited; draft a new rule that replaces this one."), code="state")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _("Give the rule a title.")})
    if "supersedes" in fields:
        _check_supersedes(institution.organisation, fields["supersedes"])
        if fields["supersedes"] is not None and fields["supersedes"].pk == institution.pk:
            raise ValidationError({"supersedes": _("A rule cannot replace itself.")})
    changes = {}
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        old = getattr(institution, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(institution, name, value)
    if file is not None:
        _attach(institution, file)
        changes["file"] = [None, institution.file_name]
    if not changes:
        return institution
    institution.save()
    audit.record(
        event=events.INSTITUTION_EDITED,
        **acting_as(actor, institution.org_path),
        target=institution,
        organisation=institution.organisation_id,
        changes=changes,
    )
    return institution


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, str) and len(value) > 200:
        return audit.digest(value)
    return value


@transaction.atomic
def adopt(
    *, institution: Institution, actor, effective_from: datetime.date | None = None, today: datetime.date | None = None
) -> Institution:
    """In force from `effective_from` (today by default); the rule it replaces ends the day before."""
    today = today or timezone.localdate()
    effective_from = effective_from or institution.effective_from or today
    adopted = INSTITUTION.take(
        institution,
        "adopt",
        **acting_as(actor, institution.org_path),
        by=actor,
        today=today,
        effective_from=effective_from,
        data={"effective_from": effective_from.isoformat()},
    )
    old = adopted.supersedes
    if old is not None and old.status == InstitutionStatus.IN_FORCE:
        until = max(effective_from - datetime.timedelta(days=1), old.effective_from or effective_from)
        INSTITUTION.take(
            old,
            "repeal",
            **acting_as(actor, old.org_path),
            by=actor,
            today=today,
            reason=_("Replaced by “%(title)s”.") % {"title": adopted.title},
            effective_until=until,
            data={"reason": "replaced", "replaced_by": adopted.pk, "effective_until": until.isoformat()},
        )
    return adopted


@transaction.atomic
def repeal(
    *,
    institution: Institution,
    actor,
    reason: str,
    effective_until: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Institution:
    today = today or timezone.localdate()
    until = effective_until or today
    return INSTITUTION.take(
        institution,
        "repeal",
        **acting_as(actor, institution.org_path),
        by=actor,
        today=today,
        reason=reason,
        effective_until=until,
        data={"reason": (reason or "").strip(), "effective_until": until.isoformat()},
    )


def in_force_q(on: datetime.date) -> Q:
    """Rules in force on `on`: adopted, begun, and not ended before it (a repealed rule was in force until its end)."""
    return Q(status__in=[InstitutionStatus.IN_FORCE, InstitutionStatus.REPEALED], effective_from__lte=on) & (
        Q(effective_until__isnull=True) | Q(effective_until__gte=on)
    )


def rules_in_force(organisation, on: datetime.date | None = None) -> list[Institution]:
    """The organisation's own rules in force on `on`, then those of the organisations above it, nearest first.

    Each carries `from_above` (False for its own): a branch keeps the rules of its committee and district too.
    """
    on = on or timezone.localdate()
    paths = [*tree.ancestor_paths(organisation.path), organisation.path]
    rules = list(
        Institution.objects.filter(in_force_q(on), org_path__in=paths)
        .select_related("organisation")
        .order_by("-org_path", "kind", "-effective_from", "pk")
    )
    for rule in rules:
        rule.from_above = rule.org_path != organisation.path
    return rules
