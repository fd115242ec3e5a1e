"""Study's writes: the catalogue, sessions and their attendance, study records, credit rules. Each in one
transaction, audited, and keeping the members' standings (study.credits) current as it goes."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.campaigns.models import Campaign, Phase, Unit
from vanguard.core import audit, jobs, tree
from vanguard.core.models import Job
from vanguard.meetings import services as meetings
from vanguard.meetings.models import Attendance
from vanguard.meetings.uploads import check_upload
from vanguard.members.models import Category as MemberCategory
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.study import credits, events, tallies
from vanguard.study.models import (
    RECORD_ACTIVITIES,
    SESSION_KINDS,
    Activity,
    Basis,
    CreditRule,
    Material,
    Requirement,
    Session,
    StudyForm,
    StudyRecord,
)

# What a member records for themself; study at home and skills training are recorded by an organisation.
SELF_RECORDED = (Activity.SELF_STUDY, Activity.REMOTE)
MAX_CREDITS = Decimal("999")


def _require(actor, action: Action, path: str, message: str) -> None:
    if not can_at_path(actor, action, path):
        raise ValidationError(message, code="forbidden")


def _campaign_covers(campaign: Campaign, path: str) -> None:
    if not tree.is_within(path, campaign.org_path):
        raise ValidationError(_("The organisation is not in the campaign."), code="outside_campaign")


def current_phase(campaign: Campaign, organisation: Organisation) -> Phase:
    """The phase the organisation's unit is in (its nearest unit up the tree), else the campaign's first."""
    paths = [*tree.ancestor_paths(organisation.path), organisation.path]
    unit = (
        Unit.objects.filter(campaign=campaign, org_path__in=paths).select_related("phase").order_by("-org_path").first()
    )
    if unit is not None:
        return unit.phase
    phase = campaign.phases.order_by("order").first()
    if phase is None:
        raise ValidationError(_("The campaign has no phases."), code="no_phase")
    return phase


def _phase_of(campaign: Campaign, phase: Phase | None, organisation: Organisation) -> Phase:
    if phase is None:
        return current_phase(campaign, organisation)
    if phase.campaign_id != campaign.pk:
        raise ValidationError({"phase": _("The phase is not one of the campaign's.")}, code="foreign_phase")
    return phase


# --- the catalogue -------------------------------------------------------------------------------------------------


@transaction.atomic
def add_material(
    *,
    campaign: Campaign,
    organisation: Organisation,
    actor,
    title: str,
    required: bool = False,
    form: str = StudyForm.SELF,
    description: str = "",
    link: str = "",
    file: UploadedFile | None = None,
) -> Material:
    """List a text for the organisation's subtree (the office for the whole campaign, or a unit for its own)."""
    _require(actor, Action.CHANGE, organisation.path, _("You may list materials only for your own subtree."))
    _campaign_covers(campaign, organisation.path)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the material a title.")}, code="no_title")
    if form not in StudyForm.values:
        raise ValidationError({"form": _("Unknown form of study.")}, code="bad_form")
    if not link and file is None:
        raise ValidationError(_("Give a link or attach the file."), code="no_content")
    if file is not None:
        check_upload(file)
    material = Material(
        campaign=campaign,
        organisation=organisation,
        org_path=organisation.path,
        title=title,
        required=required,
        form=form,
        description=description,
        link=link,
        added_by=actor,
    )
    if file is not None:
        material.file.save(file.name, file, save=False)
    material.save()
    audit.record(
        event=events.MATERIAL_ADDED,
        **acting_as(actor, organisation.path),
        target=material,
        organisation=organisation,
        data={"title": title, "required": required, "form": form},
    )
    return material


@transaction.atomic
def remove_material(*, material: Material, actor) -> None:
    _require(actor, Action.CHANGE, material.org_path, _("You may remove only your own subtree's materials."))
    audit.record(
        event=events.MATERIAL_REMOVED,
        **acting_as(actor, material.org_path),
        target=material,
        organisation=material.organisation_id,
        data={"title": material.title},
    )
    material.delete()


# --- sessions ------------------------------------------------------------------------------------------------------


@transaction.atomic
def schedule_session(
    *,
    campaign: Campaign,
    organisation: Organisation,
    actor,
    kind: str,
    title: str,
    held_on: datetime.date,
    place: str = "",
    given_by: Member | None = None,
    hours: Decimal = Decimal(2),
    phase: Phase | None = None,
) -> Session:
    """A study session, 党课, central-group study or life meeting the organisation will hold (or held)."""
    _require(actor, Action.CHANGE, organisation.path, _("You may schedule sessions only in your own subtree."))
    _campaign_covers(campaign, organisation.path)
    if kind not in SESSION_KINDS:
        raise ValidationError({"kind": _("This kind of meeting is not a study session.")}, code="bad_kind")
    hours = _hours(hours, field="hours")
    if given_by is not None and not (
        tree.is_within(given_by.org_path, campaign.org_path) and can_at_path(actor, Action.VIEW, given_by.org_path)
    ):
        raise ValidationError({"given_by": _("Choose who gives it from the members you may see.")}, code="speaker")
    phase = _phase_of(campaign, phase, organisation)
    meeting = meetings.record_meeting(
        organisation=organisation,
        actor=actor,
        kind=kind,
        title=title,
        held_on=held_on,
        place=place,
        speakers=given_by.name if given_by is not None else "",
    )
    session = Session.objects.create(
        meeting=meeting, campaign=campaign, phase=phase, org_path=organisation.path, given_by=given_by, hours=hours
    )
    tallies.session_changed(session, sessions=1)
    audit.record(
        event=events.SESSION_SCHEDULED,
        **acting_as(actor, organisation.path),
        target=session,
        organisation=organisation,
        data={"kind": kind, "held_on": held_on.isoformat(), "phase": phase.key, "given_by": given_by and given_by.pk},
    )
    return session


def meeting_kind_lock(meeting) -> str:
    """meetings.hooks kind lock: a study session's kind decides what its attendance earns, so it stays."""
    if Session.objects.filter(pk=meeting.pk).exists():
        return _("This meeting is a study session: its kind decides the credits its attendance earns, so it stays.")
    return ""


def _hours(value: Any, *, field: str, low: Decimal = Decimal("0.5"), high: Decimal = Decimal(24)) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give the hours as a number.")}, code="bad_hours") from None
    if not hours.is_finite() or hours < low or hours > high:
        raise ValidationError(
            {field: _("Hours must be between %(low)s and %(high)s.") % {"low": low, "high": high}}, code="bad_hours"
        )
    return hours.quantize(Decimal("0.1"))


def invitees(session: Session) -> list[Member]:
    """Who is expected: the organisation's members and those it hosts, those already recorded first."""
    organisation = session.meeting.organisation
    members = Member.objects.filter(tree.subtree_q("org_path", organisation.path)) | Member.objects.filter(
        host_organisation=organisation
    )
    return list(members.order_by("name", "pk"))


@transaction.atomic
def record_attendance(
    *, session: Session, actor, rows: Sequence[tuple[Member, bool, str]], today: datetime.date | None = None
) -> Session:
    """Who came and who did not (with the reason), replacing what was recorded; the standings follow."""
    today = today or timezone.localdate()
    meeting = session.meeting
    _require(actor, Action.CHANGE, meeting.org_path, _("You may record attendance only in your own subtree."))
    if meeting.held_on > today:
        raise ValidationError(
            _("The session is on %(date)s: record its attendance once it is held.") % {"date": meeting.held_on},
            code="not_held",
        )
    before = set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    rows_before, credited_before = tallies.session_counts(session)
    made_up = dict(
        Attendance.objects.filter(meeting=meeting, made_up_on__isnull=False).values_list("member_id", "made_up_on")
    )
    meetings.update_meeting(meeting=meeting, actor=actor, fields={}, attendees=rows)
    # A make-up recorded earlier stays with a member still recorded absent.
    for member_id, on in made_up.items():
        Attendance.objects.filter(meeting=meeting, member_id=member_id, present=False).update(made_up_on=on)
    session.recorded_at = timezone.now()
    session.save(update_fields=["recorded_at"])
    rows_after, credited_after = tallies.session_counts(session)
    tallies.session_changed(session, rows=rows_after - rows_before, credited=credited_after - credited_before)
    after = {member.pk for member, _present, _reason in rows}
    present = sum(1 for _member, is_present, _reason in rows if is_present)
    audit.record(
        event=events.ATTENDANCE_RECORDED,
        **acting_as(actor, meeting.org_path),
        target=session,
        organisation=meeting.organisation_id,
        data={"present": present, "absent": len(rows) - present},
    )
    affected = before | after
    if session.given_by_id:
        affected.add(session.given_by_id)
    credits.recompute(campaign=session.campaign, member_ids=affected)
    return session


@transaction.atomic
def make_up(*, session: Session, member: Member, actor, on: datetime.date, today: datetime.date | None = None):
    """An absentee made the session up later (补学): it counts as attended."""
    today = today or timezone.localdate()
    meeting = session.meeting
    _require(actor, Action.CHANGE, meeting.org_path, _("You may record make-ups only in your own subtree."))
    row = Attendance.objects.filter(meeting=meeting, member=member).first()
    if row is None or row.present:
        raise ValidationError(_("Only a member recorded absent makes a session up."), code="not_absent")
    if on < meeting.held_on or on > today:
        raise ValidationError(
            {"on": _("The make-up is on or after the session and not in the future.")}, code="bad_date"
        )
    was_made_up = row.made_up_on is not None
    row.made_up_on = on
    row.save(update_fields=["made_up_on"])
    tallies.session_changed(session, credited=0 if was_made_up else 1)
    audit.record(
        event=events.MADE_UP,
        **acting_as(actor, meeting.org_path),
        target=session,
        organisation=meeting.organisation_id,
        data={"member": member.pk, "on": on.isoformat()},
    )
    credits.recompute(campaign=session.campaign, member_ids=[member.pk])
    return row


# --- study records -------------------------------------------------------------------------------------------------


def recording_organisation(actor, member: Member, activity: str) -> Organisation:
    """Who records the member's study: the member themself (self-study, study away), the home branch or above,
    or the organisation hosting the member away from home. Refused for anyone else."""
    if getattr(actor, "member_id", None) == member.pk:
        if activity not in SELF_RECORDED:
            raise ValidationError(
                {"activity": _("Study at home and skills training are recorded by the organisation.")},
                code="not_self",
            )
        return member.host_organisation or member.organisation
    if can_at_path(actor, Action.CHANGE, member.org_path):
        return member.organisation
    host = member.host_organisation
    if host is not None and can_at_path(actor, Action.CHANGE, host.path):
        return host
    raise ValidationError(_("You may record study only for yourself or the members you look after."), code="forbidden")


@transaction.atomic
def record_study(
    *,
    member: Member,
    actor,
    campaign: Campaign,
    activity: str = Activity.SELF_STUDY,
    studied_on: datetime.date,
    hours: Any,
    what: str,
    note: str = "",
    material: Material | None = None,
    phase: Phase | None = None,
    today: datetime.date | None = None,
) -> StudyRecord:
    today = today or timezone.localdate()
    if activity not in RECORD_ACTIVITIES:
        raise ValidationError({"activity": _("Unknown kind of study.")}, code="bad_activity")
    organisation = recording_organisation(actor, member, activity)
    _campaign_covers(campaign, member.org_path)
    what = (what or "").strip()
    if not what:
        raise ValidationError({"what": _("Say what was studied.")}, code="no_what")
    if not isinstance(studied_on, datetime.date) or studied_on > today:
        raise ValidationError({"studied_on": _("The date is not in the future.")}, code="future")
    if studied_on < campaign.starts_on:
        raise ValidationError(
            {"studied_on": _("The campaign began on %(date)s.") % {"date": campaign.starts_on}}, code="before_campaign"
        )
    hours = _hours(hours, field="hours")
    if material is not None and material.campaign_id != campaign.pk:
        raise ValidationError({"material": _("The material is not in the campaign's catalogue.")}, code="material")
    phase = _phase_of(campaign, phase, member.organisation)
    record = StudyRecord.objects.create(
        member=member,
        org_path=member.org_path,
        recorded_at_organisation=organisation,
        recorded_at_path=organisation.path,
        campaign=campaign,
        phase=phase,
        activity=activity,
        studied_on=studied_on,
        hours=hours,
        what=what,
        note=note,
        material=material,
        recorded_by=actor,
    )
    audit.record(
        event=events.RECORD_ADDED,
        **acting_as(actor, organisation.path),
        target=record,
        organisation=organisation,
        data={"member": member.pk, "activity": activity, "hours": str(hours), "on": studied_on.isoformat()},
    )
    credits.recompute(campaign=campaign, member_ids=[member.pk])
    return record


@transaction.atomic
def remove_record(*, record: StudyRecord, actor) -> None:
    """A record entered by mistake comes out again: by who recorded it, or the organisation over the member."""
    member = record.member
    own = getattr(actor, "member_id", None) == member.pk and record.recorded_by_id == actor.pk
    if not own and not can_at_path(actor, Action.CHANGE, record.recorded_at_path):
        raise ValidationError(_("You may remove only records you may change."), code="forbidden")
    audit.record(
        event=events.RECORD_REMOVED,
        **acting_as(actor, record.recorded_at_path),
        target=record,
        organisation=record.recorded_at_organisation_id,
        data={"member": member.pk, "what": record.what, "hours": str(record.hours)},
    )
    campaign = record.campaign
    record.delete()
    credits.recompute(campaign=campaign, member_ids=[member.pk])


# --- rules ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def set_rules(
    *,
    campaign: Campaign,
    actor,
    rules: Sequence[dict[str, Any]],
    requirements: Sequence[dict[str, Any]],
) -> Job:
    """Replace the campaign's credit rules and requirements (the office). Each member's standing follows them at
    once (it is valued when read); the campaign's figures are recounted by the background job returned.

    rules: [{"activity", "category" ("" for all), "credits", "basis"}]; requirements: [{"phase", "category",
    "credits"}]. One bad line refuses the lot, naming it.
    """
    _require(actor, Action.RUN_CAMPAIGNS, campaign.org_path, _("Only the campaign office sets the credit rules."))
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    rows: list[CreditRule] = []
    for number, rule in enumerate(rules, start=1):
        activity, category = rule.get("activity"), rule.get("category") or ""
        value = _credits(rule.get("credits"))
        if activity not in Activity.values:
            problems.append(_("Rule %(n)d: unknown activity.") % {"n": number})
        elif category and category not in MemberCategory.values:
            problems.append(_("Rule %(n)d: unknown member category.") % {"n": number})
        elif value is None:
            problems.append(_("Rule %(n)d: credits must be a number from 0 to 999.") % {"n": number})
        elif (activity, category) in seen:
            problems.append(_("Rule %(n)d: the activity and category are already given.") % {"n": number})
        else:
            seen.add((activity, category))
            basis = rule.get("basis") or Basis.EACH
            if basis not in Basis.values:
                problems.append(_("Rule %(n)d: unknown basis.") % {"n": number})
                continue
            rows.append(CreditRule(campaign=campaign, activity=activity, category=category, credits=value, basis=basis))
    phases = {phase.pk: phase for phase in campaign.phases.all()}
    needed: list[Requirement] = []
    seen_needs: set[tuple[int, str]] = set()
    for number, need in enumerate(requirements, start=1):
        phase, category = need.get("phase"), need.get("category") or ""
        phase_id = getattr(phase, "pk", phase)
        value = _credits(need.get("credits"))
        if phase_id not in phases:
            problems.append(_("Requirement %(n)d: the phase is not the campaign's.") % {"n": number})
        elif category and category not in MemberCategory.values:
            problems.append(_("Requirement %(n)d: unknown member category.") % {"n": number})
        elif value is None:
            problems.append(_("Requirement %(n)d: credits must be a number from 0 to 999.") % {"n": number})
        elif (phase_id, category) in seen_needs:
            problems.append(_("Requirement %(n)d: the phase and category are already given.") % {"n": number})
        else:
            seen_needs.add((phase_id, category))
            needed.append(Requirement(campaign=campaign, phase_id=phase_id, category=category, credits=value))
    if problems:
        raise ValidationError(problems, code="bad_rules")
    CreditRule.objects.filter(campaign=campaign).delete()
    Requirement.objects.filter(campaign=campaign).delete()
    CreditRule.objects.bulk_create(rows)
    Requirement.objects.bulk_create(needed)
    audit.record(
        event=events.RULES_SET,
        **acting_as(actor, campaign.org_path),
        target=campaign,
        organisation=campaign.organisation_id,
        data={
            "rules": [[r.activity, r.category, str(r.credits), r.basis] for r in rows],
            "requirements": [[phases[q.phase_id].key, q.category, str(q.credits)] for q in needed],
        },
    )
    return jobs.start(
        kind="study.recount", params={"campaign": campaign.pk}, user=actor, organisation=campaign.organisation
    )


def _credits(value: Any) -> Decimal | None:
    try:
        credits_ = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not credits_.is_finite() or credits_ < 0 or credits_ > MAX_CREDITS:
        return None
    return credits_.quantize(Decimal("0.1"))
