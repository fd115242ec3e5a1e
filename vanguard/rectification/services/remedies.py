"""软弱涣散整顿 (DOMAIN §6): remedies for weak organisations, run and closed by the organisation above.

A remedy is opened for an organisation flagged by a screening (one remedy per flagged entry) or directly.
Its measures are ticked when opened and proven before it closes: a replaced head is a `HeadChange` (one
role assignment ended, another begun, through accounts.services.hand_over), a stationed team is named,
sorting out where it belongs is a reorganisation or a note.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts import services as accounts
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.meetings.uploads import check_upload
from vanguard.orgs.models import Organisation
from vanguard.rectification import events
from vanguard.rectification.models import Cause, HeadChange, Remedy, RemedyNote, RemedyStatus
from vanguard.rectification.workflows import REMEDY, remedy_side

# What the remedy's form may change while it is open; its state changes only through the workflow.
EDITABLE = ("cause", "cause_text", "replace_head", "station_team", "sort_out", "team_from", "team", "deadline")


def _runner_path(organisation_path: str) -> str:
    """Where a remedy is run from: the organisation above the weak one (the top of the tree answers for itself)."""
    parents = tree.ancestor_paths(organisation_path)
    return parents[-1] if parents else organisation_path


def _require_runner(actor, organisation_path: str) -> None:
    parents = tree.ancestor_paths(organisation_path)
    if actor is not None and not can_at_path(actor, Action.CHANGE, parents[-1] if parents else organisation_path):
        raise ValidationError(_("A remedy is run by the organisation above the one remedied."), code="forbidden")


def _check_measures(values: dict, today: datetime.date) -> None:
    errors = {}
    if values.get("cause") not in Cause.values:
        errors["cause"] = _("Say why the organisation is weak.")
    elif values["cause"] == Cause.OTHER and not (values.get("cause_text") or "").strip():
        errors["cause_text"] = _("Describe the cause.")
    deadline = values.get("deadline")
    if deadline is None:
        errors["deadline"] = _("Set a deadline for the remedy.")
    elif deadline < today:
        errors["deadline"] = _("The date has already passed.")
    if values.get("station_team") and values.get("team_from") is None and not (values.get("team") or "").strip():
        errors["team"] = _("Say who sends the work team, or name its members.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def open_remedy(
    *,
    actor,
    cause: str,
    deadline: datetime.date,
    organisation: Organisation | None = None,
    entry=None,
    cause_text: str = "",
    replace_head: bool = False,
    station_team: bool = False,
    sort_out: bool = False,
    team_from: Organisation | None = None,
    team: str = "",
    campaign=None,
    today: datetime.date | None = None,
) -> Remedy:
    """A remedy for a flagged screening `entry` (its organisation and campaign) or for `organisation` directly."""
    today = today or timezone.localdate()
    if entry is not None:
        if not entry.flagged:
            raise ValidationError(_("Only an organisation flagged by the screening is remedied from it."), code="state")
        if Remedy.objects.filter(screening_entry=entry).exists():
            raise ValidationError(_("A remedy is already open for this screening result."), code="duplicate")
        organisation = entry.organisation
        campaign = campaign or entry.screening.campaign
    if organisation is None:
        raise ValueError("open_remedy needs an organisation or a screening entry")
    _require_runner(actor, organisation.path)
    values = {
        "cause": cause,
        "cause_text": (cause_text or "").strip(),
        "replace_head": bool(replace_head),
        "station_team": bool(station_team),
        "sort_out": bool(sort_out),
        "team_from": team_from,
        "team": (team or "").strip(),
        "deadline": deadline,
    }
    _check_measures(values, today)
    try:
        with transaction.atomic():
            remedy = Remedy.objects.create(
                screening_entry=entry,
                organisation=organisation,
                org_path=organisation.path,
                campaign=campaign,
                created_by=actor,
                **values,
            )
    except IntegrityError:
        # Two people opening the same entry's remedy at once: the second finds the first's.
        raise ValidationError(_("A remedy is already open for this screening result."), code="duplicate") from None
    audit.record(
        event=events.REMEDY_OPENED,
        **acting_as(actor, _runner_path(organisation.path)),
        target=remedy,
        organisation=organisation,
        data={
            "cause": cause,
            "measures": [m for m in ("replace_head", "station_team", "sort_out") if values[m]],
            "deadline": deadline.isoformat(),
            "entry": entry.pk if entry is not None else None,
        },
    )
    return remedy


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@transaction.atomic
def edit_remedy(*, remedy: Remedy, actor, today: datetime.date | None = None, **fields) -> Remedy:
    """Change an open remedy's cause, measures, team or deadline; a new deadline may be escalated again."""
    today = today or timezone.localdate()
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    _require_runner(actor, remedy.org_path)
    if remedy.status != RemedyStatus.OPEN:
        raise ValidationError(_("A closed remedy is reopened before it is changed."), code="state")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = {name: getattr(remedy, name) for name in EDITABLE}
    values.update({k: v.strip() if isinstance(v, str) else v for k, v in fields.items()})
    if values["deadline"] == remedy.deadline:
        # An unchanged deadline may have passed: that is what escalation is for, not a reason to refuse an edit.
        _check_measures(values, min(today, remedy.deadline))
    else:
        _check_measures(values, today)
    changes = {}
    for name in EDITABLE:
        if getattr(remedy, name) != values[name]:
            changes[name] = [_plain(getattr(remedy, name)), _plain(values[name])]
            setattr(remedy, name, values[name])
    if not changes:
        return remedy
    if "deadline" in changes:
        remedy.escalated_at = None
    remedy.save()
    audit.record(
        event=events.REMEDY_EDITED,
        **acting_as(actor, _runner_path(remedy.org_path)),
        target=remedy,
        organisation=remedy.organisation_id,
        changes=changes,
    )
    return remedy


@transaction.atomic
def add_note(*, remedy: Remedy, actor, text: str, file: UploadedFile | None = None) -> RemedyNote:
    """Progress of the remedy, by the organisation itself, its work team's organisation or those above."""
    if actor is not None and not (
        can_at_path(actor, Action.CHANGE, remedy.org_path)
        or (remedy.team_from_id and can_at_path(actor, Action.CHANGE, remedy.team_from.path))
    ):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if remedy.status != RemedyStatus.OPEN:
        raise ValidationError(_("Progress is noted while the remedy is open."), code="state")
    if not (text or "").strip():
        raise ValidationError({"text": _("Say what was done.")})
    note = RemedyNote(remedy=remedy, text=text.strip(), recorded_by=actor)
    if file is not None:
        check_upload(file)
        note.file_name = file.name[:200]
        note.file.save(file.name, file, save=False)
    note.save()
    audit.record(
        event=events.REMEDY_NOTED,
        **acting_as(actor, remedy.org_path),
        target=remedy,
        organisation=remedy.organisation_id,
        data={"note": note.pk, "file": note.file_name},
    )
    return note


def heads_of(remedy: Remedy, on: datetime.date | None = None):
    """The current secretaries of the remedied organisation itself: the heads a replacement ends."""
    return (
        RoleAssignment.objects.current(on)
        .filter(organisation_id=remedy.organisation_id, role=Role.SECRETARY)
        .select_related("user", "organisation")
    )


@transaction.atomic
def replace_head(
    *, remedy: Remedy, assignment: RoleAssignment, successor, actor, reason: str
) -> tuple[HeadChange, accounts.FirstPassword | None]:
    """调整班子: the head's role ends and `successor` (a member there) takes it, recorded as a HeadChange.

    Returns the change and, when the successor had no account, their first password to hand over.
    """
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    if actor is not None and not remedy_side(actor, remedy):
        raise ValidationError(_("A remedy is run by the organisation above the one remedied."), code="forbidden")
    if remedy.status != RemedyStatus.OPEN:
        raise ValidationError(_("The remedy is closed."), code="state")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the head is replaced.")})
    if not heads_of(remedy).filter(pk=assignment.pk).exists():
        raise ValidationError(
            {"assignment": _("Choose a current secretary of the organisation being remedied.")}, code="not_head"
        )
    new_assignment, first_password = accounts.hand_over(actor=actor, assignment=assignment, member=successor)
    ended = RoleAssignment.objects.get(pk=assignment.pk)
    change = HeadChange.objects.create(
        remedy=remedy,
        ended_assignment=ended,
        new_assignment=new_assignment,
        changed_on=new_assignment.valid_from,
        reason=reason.strip(),
    )
    audit.record(
        event=events.REMEDY_HEAD_REPLACED,
        **acting_as(actor, _runner_path(remedy.org_path)),
        target=remedy,
        organisation=remedy.organisation_id,
        data={
            "reason": change.reason,
            "ended_assignment": ended.pk,
            "new_assignment": new_assignment.pk,
            "predecessor": ended.user_id,
            "successor": new_assignment.user_id,
        },
    )
    return change, first_password


def close(*, remedy: Remedy, actor, assessment: str, today: datetime.date | None = None) -> Remedy:
    """Put right: closes on the assessment, once every ticked measure is shown done."""
    return REMEDY.take(
        remedy,
        "close",
        **acting_as(actor, _runner_path(remedy.org_path)),
        by=actor,
        today=today,
        assessment=assessment,
        data={"assessment": (assessment or "").strip()},
    )


def reopen(
    *,
    remedy: Remedy,
    actor,
    reason: str,
    deadline: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Remedy:
    return REMEDY.take(
        remedy,
        "reopen",
        **acting_as(actor, _runner_path(remedy.org_path)),
        by=actor,
        today=today,
        reason=reason,
        deadline=deadline,
        data={"reason": (reason or "").strip(), "deadline": deadline.isoformat() if deadline else None},
    )


@transaction.atomic
def escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Open remedies past their deadline go to the organisation above the one running them (once per deadline).

    The runner is already the one above the weak organisation, so escalation goes one level higher still.
    """
    today = today or timezone.localdate()
    overdue = list(
        Remedy.objects.select_for_update(of=("self",)).filter(
            status=RemedyStatus.OPEN, deadline__lt=today, escalated_at__isnull=True
        )
    )
    if not overdue:
        return 0
    wanted = {_runner_path(_runner_path(remedy.org_path)) for remedy in overdue}
    by_path = {org.path: org for org in Organisation.objects.filter(path__in=wanted)}
    now = timezone.now()
    drafts = [
        audit.Draft(
            events.REMEDY_ESCALATED,
            None,
            "",
            None,
            remedy,
            by_path.get(_runner_path(_runner_path(remedy.org_path))),
            {"escalated_at": [None, now.isoformat()]},
            {"deadline": remedy.deadline.isoformat(), "organisation": remedy.organisation_id},
        )
        for remedy in overdue
    ]
    Remedy.objects.filter(pk__in=[remedy.pk for remedy in overdue]).update(escalated_at=now)
    audit.record_many(drafts)
    return len(overdue)
