"""Typical examples, lecture groups and classes for tests and siblings, written straight to the tables (the
services' own tests go through the services)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from vanguard.exemplars.models import (
    AudienceKind,
    ClassKind,
    ExampleKind,
    Exemplar,
    GroupMember,
    LectureGroup,
    Talk,
    Trainee,
    TrainingClass,
)


def example(member=None, *, organisation=None, selected_by=None, on=None, **extra) -> Exemplar:
    subject = member.organisation if member is not None else organisation
    selected_by = selected_by or subject
    return Exemplar.objects.create(
        kind=ExampleKind.MEMBER if member is not None else ExampleKind.ORGANISATION,
        member=member,
        organisation=subject,
        org_path=subject.path,
        selected_by=selected_by,
        selected_by_path=selected_by.path,
        title=extra.pop("title", "优秀共产党员"),
        deeds=extra.pop("deeds", "带头致富"),
        selected_on=on or datetime.date.today(),
        **extra,
    )


def group(organisation, *, name="宣讲团", on=None) -> LectureGroup:
    return LectureGroup.objects.create(
        organisation=organisation, org_path=organisation.path, name=name, set_up_on=on or datetime.date.today()
    )


def talk(group_, member, *, at=None, on=None, size=50, kind=AudienceKind.MEMBERS) -> Talk:
    lecturer, _ = GroupMember.objects.get_or_create(group=group_, member=member, defaults={"org_path": group_.org_path})
    at = at or group_.organisation
    return Talk.objects.create(
        group=group_,
        group_path=group_.org_path,
        speaker=lecturer,
        given_at=at,
        org_path=at.path,
        given_on=on or datetime.date.today(),
        topic="学习党章",
        audience_kind=kind,
        audience_size=size,
    )


def training_class(organisation, *, kind=ClassKind.KEY_STAFF, on=None, hours=16, title="支部书记培训班"):
    on = on or datetime.date.today()
    return TrainingClass.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        kind=kind,
        title=title,
        starts_on=on,
        ends_on=on,
        hours=Decimal(hours),
    )


def trainee(training, member=None, *, name="", **extra) -> Trainee:
    return Trainee.objects.create(
        training_class=training,
        org_path=training.org_path,
        member=member,
        name=member.name if member is not None else name,
        **extra,
    )
