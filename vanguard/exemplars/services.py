"""Writes of typical examples, lecture groups and training classes: each in one transaction, audited.

Who may act: CHANGE at the organisation that acts (the one selecting an example, setting up a group, holding a
class); everyone concerned (the example, the lecturers, the trainees on the roll, where a talk is given) lies in
that organisation's subtree.  Refusals are ValidationErrors with a code.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, refusals, tree
from vanguard.exemplars import events
from vanguard.exemplars.models import (
    AudienceKind,
    Channel,
    ClassKind,
    ExampleKind,
    Exemplar,
    GroupMember,
    GroupRole,
    LectureGroup,
    Outcome,
    Talk,
    Trainee,
    TrainingClass,
)
from vanguard.members.models import Category as MemberCategory
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

MAX_CLASS_HOURS = Decimal("2000")
MAX_AUDIENCE = 100_000


def _campaign_covers(campaign, path: str) -> None:
    if campaign is not None and not tree.is_within(path, campaign.org_path):
        raise refusals.invalid("campaign", _("The organisation is not in the campaign."), "outside_campaign")


def _member_within(member: Member, organisation: Organisation, field: str = "member") -> None:
    if not tree.is_within(member.org_path, organisation.path):
        message = _("%(name)s is not a member of %(organisation)s or an organisation below it.") % {
            "name": member.name,
            "organisation": organisation.name,
        }
        raise refusals.invalid(field, message, "outside_subtree")


# --- typical examples ----------------------------------------------------------------------------------------------


@transaction.atomic
def select_example(
    *,
    actor,
    selected_by: Organisation,
    member: Member | None = None,
    organisation: Organisation | None = None,
    title: str,
    deeds: str,
    selected_on: datetime.date,
    campaign=None,
) -> Exemplar:
    """Select an exemplary member or organisation (先进典型, DOMAIN §2 preparation).

    The selecting organisation is the example's own organisation or one above it (a branch names its own
    members, the office any in the city); the actor holds CHANGE there.  One example per member or organisation
    per campaign."""
    if (member is None) == (organisation is None):
        raise ValidationError(_("Name either a member or an organisation."), code="member_or_organisation")
    refusals.require(actor, selected_by.path, _("You may select typical examples only for your own subtree."))
    subject = member.organisation if member is not None else organisation
    if not tree.is_within(subject.path, selected_by.path):
        raise ValidationError(
            _("%(organisation)s is not at or above the example's organisation, so it cannot select it.")
            % {"organisation": selected_by.name},
            code="not_above",
        )
    title = refusals.text(title, "title", _("Give the honour, e.g. 优秀共产党员."), "no_title")
    deeds = refusals.text(deeds, "deeds", _("Describe the deeds."), "no_deeds")
    refusals.not_future(selected_on, "selected_on")
    _campaign_covers(campaign, selected_by.path)
    if campaign is not None:
        same = Exemplar.objects.filter(campaign=campaign)
        same = same.filter(member=member) if member is not None else same.filter(organisation=organisation, member=None)
        if same.exists():
            raise ValidationError(_("Already selected as a typical example in this campaign."), code="already_selected")
    example = Exemplar.objects.create(
        kind=ExampleKind.MEMBER if member is not None else ExampleKind.ORGANISATION,
        member=member,
        organisation=subject,
        org_path=subject.path,
        selected_by=selected_by,
        selected_by_path=selected_by.path,
        campaign=campaign,
        title=title,
        deeds=deeds,
        selected_on=selected_on,
        created_by=actor,
    )
    audit.record(
        event=events.EXAMPLE_SELECTED,
        **acting_as(actor, selected_by.path),
        target=example,
        organisation=subject,
        data={
            "kind": example.kind,
            "member": getattr(member, "pk", None),
            "selected_by": selected_by.pk,
            "title": title,
            "selected_on": selected_on.isoformat(),
            "campaign": getattr(campaign, "pk", None),
        },
    )
    return example


@transaction.atomic
def record_publicity(
    *, actor, example: Exemplar, publicised_on: datetime.date, channel: str, note: str = ""
) -> Exemplar:
    """When and how the selecting organisation (or one above it) made the example known; a later record
    replaces the earlier one, the trail keeps both."""
    example = Exemplar.objects.select_for_update().get(pk=example.pk)
    refusals.require(actor, example.selected_by_path, _("Only the selecting organisation or one above it publicises."))
    if channel not in Channel.values:
        raise refusals.invalid("channel", _("Unknown channel."), "bad_channel")
    refusals.not_future(publicised_on, "publicised_on")
    if publicised_on < example.selected_on:
        message = _("Publicised before the example was selected (%(date)s).") % {"date": example.selected_on}
        raise refusals.invalid("publicised_on", message, "before_selection")
    note = (note or "").strip()
    changes = {
        field: [str(old) if old else "", str(new)]
        for field, old, new in (
            ("publicised_on", example.publicised_on, publicised_on),
            ("channel", example.channel, channel),
            ("publicity_note", example.publicity_note, note),
        )
        if old != new
    }
    example.publicised_on, example.channel, example.publicity_note = publicised_on, channel, note
    example.save(update_fields=["publicised_on", "channel", "publicity_note"])
    audit.record(
        event=events.EXAMPLE_PUBLICISED,
        **acting_as(actor, example.selected_by_path),
        target=example,
        organisation=example.organisation_id,
        changes=changes,
    )
    return example


# --- lecture groups ------------------------------------------------------------------------------------------------


@transaction.atomic
def set_up_group(
    *, actor, organisation: Organisation, name: str, set_up_on: datetime.date, campaign=None, note: str = ""
) -> LectureGroup:
    """An organisation sets up a lecture group (宣讲团) to give talks in its subtree."""
    refusals.require(actor, organisation.path, _("You may set up lecture groups only for your own subtree."))
    name = refusals.text(name, "name", _("Name the group."), "no_name")
    refusals.not_future(set_up_on, "set_up_on")
    _campaign_covers(campaign, organisation.path)
    group = LectureGroup.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        name=name,
        campaign=campaign,
        set_up_on=set_up_on,
        note=(note or "").strip(),
        created_by=actor,
    )
    audit.record(
        event=events.GROUP_SET_UP,
        **acting_as(actor, organisation.path),
        target=group,
        organisation=organisation,
        data={"name": name, "set_up_on": set_up_on.isoformat(), "campaign": getattr(campaign, "pk", None)},
    )
    return group


@transaction.atomic
def add_lecturer(*, actor, group: LectureGroup, member: Member, role: str = GroupRole.LECTURER) -> GroupMember:
    """A member of the group's subtree joins it (a typical example may: the group's page marks them)."""
    refusals.require(actor, group.org_path, _("Only the organisation that set up the group changes its members."))
    if role not in GroupRole.values:
        raise refusals.invalid("role", _("Unknown role."), "bad_role")
    _member_within(member, group.organisation)
    if GroupMember.objects.filter(group=group, member=member).exists():
        raise refusals.invalid(
            "member", _("%(name)s is already in the group.") % {"name": member.name}, "already_in_group"
        )
    lecturer = GroupMember.objects.create(group=group, org_path=group.org_path, member=member, role=role)
    audit.record(
        event=events.GROUP_MEMBER_ADDED,
        **acting_as(actor, group.org_path),
        target=group,
        organisation=group.organisation_id,
        data={"member": member.pk, "role": role},
    )
    return lecturer


@transaction.atomic
def record_talk(
    *,
    actor,
    group: LectureGroup,
    speaker: GroupMember,
    given_at: Organisation,
    given_on: datetime.date,
    topic: str,
    audience_kind: str,
    audience_size: int,
    place: str = "",
) -> Talk:
    """A talk one of the group's lecturers gave at an organisation of the group's subtree; recorded by the group's
    organisation or by the one where it was given."""
    if not (can_at_path(actor, Action.CHANGE, group.org_path) or can_at_path(actor, Action.CHANGE, given_at.path)):
        raise ValidationError(
            _("Only the group's organisation or the one where the talk was given records it."), code="forbidden"
        )
    if speaker.group_id != group.pk:
        raise refusals.invalid("speaker", _("The speaker is not in this lecture group."), "not_in_group")
    if not tree.is_within(given_at.path, group.org_path):
        raise refusals.invalid(
            "given_at",
            _("%(organisation)s is outside the group's organisation.") % {"organisation": given_at.name},
            "outside_subtree",
        )
    topic = refusals.text(topic, "topic", _("Give the talk's topic."), "no_topic")
    if audience_kind not in AudienceKind.values:
        raise refusals.invalid("audience_kind", _("Unknown audience."), "bad_audience")
    if not isinstance(audience_size, int) or not 1 <= audience_size <= MAX_AUDIENCE:
        raise refusals.invalid(
            "audience_size",
            _("The audience is between 1 and %(max)s people.") % {"max": MAX_AUDIENCE},
            "bad_audience_size",
        )
    refusals.not_future(given_on, "given_on")
    if given_on < group.set_up_on:
        raise refusals.invalid(
            "given_on",
            _("The group was set up on %(date)s, after this date.") % {"date": group.set_up_on},
            "before_set_up",
        )
    talk = Talk.objects.create(
        group=group,
        group_path=group.org_path,
        speaker=speaker,
        given_at=given_at,
        org_path=given_at.path,
        given_on=given_on,
        topic=topic,
        place=(place or "").strip(),
        audience_kind=audience_kind,
        audience_size=audience_size,
        created_by=actor,
    )
    audit.record(
        event=events.TALK_RECORDED,
        **acting_as(actor, given_at.path),
        target=talk,
        organisation=given_at,
        data={
            "group": group.pk,
            "speaker": speaker.member_id,
            "given_on": given_on.isoformat(),
            "audience_kind": audience_kind,
            "audience_size": audience_size,
        },
    )
    return talk


# --- training classes ----------------------------------------------------------------------------------------------


def _hours(value, field: str, *, low: Decimal, high: Decimal, message: str, code: str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise refusals.invalid(field, message, code) from None
    if not hours.is_finite() or hours < low or hours > high:
        raise refusals.invalid(field, message, code)
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def open_class(
    *,
    actor,
    organisation: Organisation,
    kind: str,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    hours,
    campaign=None,
    place: str = "",
    note: str = "",
) -> TrainingClass:
    """Record a training class an organisation holds: key staff (骨干培训), skills for laid-off members
    (DOMAIN §9), or other."""
    refusals.require(actor, organisation.path, _("You may record training classes only for your own subtree."))
    if kind not in ClassKind.values:
        raise refusals.invalid("kind", _("Unknown kind of class."), "bad_kind")
    title = refusals.text(title, "title", _("Give the class a title."), "no_title")
    if ends_on < starts_on:
        raise refusals.invalid("ends_on", _("The class ends before it starts."), "bad_dates")
    hours = _hours(
        hours,
        "hours",
        low=Decimal("0.5"),
        high=MAX_CLASS_HOURS,
        message=_("A class lasts between 0.5 and %(max)s hours.") % {"max": MAX_CLASS_HOURS},
        code="bad_hours",
    )
    _campaign_covers(campaign, organisation.path)
    training = TrainingClass.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        kind=kind,
        title=title,
        campaign=campaign,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        place=(place or "").strip(),
        note=(note or "").strip(),
        created_by=actor,
    )
    audit.record(
        event=events.CLASS_OPENED,
        **acting_as(actor, organisation.path),
        target=training,
        organisation=organisation,
        data={
            "kind": kind,
            "title": title,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "hours": str(hours),
        },
    )
    return training


@transaction.atomic
def enrol(
    *,
    actor,
    training_class: TrainingClass,
    member: Member | None = None,
    name: str = "",
    laid_off: bool | None = None,
) -> Trainee:
    """Put a member of the organiser's subtree, or a named person not on the roll, in a class.

    `laid_off` defaults to the member's category (laid off or unemployed) and to no for a named person."""
    refusals.require(actor, training_class.org_path, _("Only the organisation holding the class enrols trainees."))
    name = (name or "").strip()
    if (member is None) == (not name):
        raise ValidationError(_("Name either a member or a person not on the roll."), code="member_or_name")
    if member is not None:
        _member_within(member, training_class.organisation)
        if Trainee.objects.filter(training_class=training_class, member=member).exists():
            raise refusals.invalid(
                "member", _("%(name)s is already in the class.") % {"name": member.name}, "already_enrolled"
            )
        name = member.name
        if laid_off is None:
            laid_off = member.category == MemberCategory.LAID_OFF
    trainee = Trainee.objects.create(
        training_class=training_class,
        org_path=training_class.org_path,
        member=member,
        name=name[:64],
        laid_off=bool(laid_off),
    )
    audit.record(
        event=events.TRAINEE_ENROLLED,
        **acting_as(actor, training_class.org_path),
        target=training_class,
        organisation=training_class.organisation_id,
        data={"trainee": trainee.pk, "member": getattr(member, "pk", None), "laid_off": trainee.laid_off},
    )
    return trainee


@transaction.atomic
def record_progress(
    *,
    actor,
    trainee: Trainee,
    hours_attended,
    completed: bool,
    outcome: str = "",
    outcome_on: datetime.date | None = None,
) -> Trainee:
    """A trainee's hours and completion, and for skills training what became of them (re-employed, not yet,
    not known) as of a date."""
    trainee = Trainee.objects.select_for_update().select_related("training_class").get(pk=trainee.pk)
    training = trainee.training_class
    refusals.require(actor, training.org_path, _("Only the organisation holding the class records its trainees."))
    hours = _hours(
        hours_attended,
        "hours_attended",
        low=Decimal(0),
        high=training.hours,
        message=_("Hours attended are between 0 and the class's %(hours)s.") % {"hours": training.hours},
        code="bad_hours",
    )
    outcome = outcome or ""
    if outcome and training.kind != ClassKind.SKILLS:
        raise refusals.invalid("outcome", _("Only skills training records an outcome."), "outcome_not_skills")
    if outcome and outcome not in Outcome.values:
        raise refusals.invalid("outcome", _("Unknown outcome."), "bad_outcome")
    if outcome in (Outcome.RE_EMPLOYED, Outcome.NOT_YET) and outcome_on is None:
        raise refusals.invalid("outcome_on", _("Give the date of the outcome."), "no_outcome_date")
    if not outcome:
        outcome_on = None
    if outcome_on is not None:
        refusals.not_future(outcome_on, "outcome_on")
        if outcome_on < training.starts_on:
            message = _("The outcome is dated before the class began (%(date)s).") % {"date": training.starts_on}
            raise refusals.invalid("outcome_on", message, "outcome_before_class")
    new = {"hours_attended": hours, "completed": bool(completed), "outcome": outcome, "outcome_on": outcome_on}
    changes = {
        field: [None if old is None else str(old), None if value is None else str(value)]
        for field, value in new.items()
        if (old := getattr(trainee, field)) != value
    }
    for field, value in new.items():
        setattr(trainee, field, value)
    trainee.save(update_fields=list(new))
    audit.record(
        event=events.TRAINEE_UPDATED,
        **acting_as(actor, training.org_path),
        target=training,
        organisation=training.organisation_id,
        changes=changes,
        data={"trainee": trainee.pk},
    )
    return trainee
