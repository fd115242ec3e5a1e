"""Reads of typical examples, lecture groups and training classes beyond a get.

`training_of(member)` and `lectures_of(member)` serve the member's page (what they were trained in, the talks
they gave); the `*_in(organisation)` lists serve the organisation's page, newest first.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from vanguard.core import tree
from vanguard.exemplars.models import Exemplar, GroupMember, LectureGroup, Talk, Trainee, TrainingClass


def training_of(member) -> QuerySet[Trainee]:
    """The classes `member` attended, newest first: each row a `Trainee` with its class, hours and outcome."""
    return (
        Trainee.objects.filter(member=member)
        .select_related("training_class", "training_class__organisation")
        .order_by("-training_class__starts_on", "-pk")
    )


def lectures_of(member) -> QuerySet[Talk]:
    """The talks `member` gave as a lecturer of a lecture group, newest first."""
    return Talk.objects.filter(speaker__member=member).select_related("group", "given_at").order_by("-given_on", "-pk")


def is_exemplar(member) -> bool:
    return Exemplar.objects.filter(member=member).exists()


def examples_in(organisation) -> QuerySet[Exemplar]:
    """Typical examples of the organisation's subtree (members and organisations)."""
    return (
        Exemplar.objects.filter(tree.subtree_q("org_path", organisation.path))
        .select_related("member", "organisation", "selected_by")
        .order_by("-selected_on", "-pk")
    )


def groups_in(organisation) -> QuerySet[LectureGroup]:
    """Lecture groups set up in the organisation's subtree, with their lecturers, talks and audience."""
    return (
        LectureGroup.objects.filter(tree.subtree_q("org_path", organisation.path))
        .select_related("organisation")
        .annotate(
            lecturer_count=Count("lecturers", distinct=True),
            talk_count=Count("talks", distinct=True),
        )
        .order_by("-set_up_on", "-pk")
    )


def classes_in(organisation) -> QuerySet[TrainingClass]:
    """Training classes organised in the organisation's subtree, with their trainees."""
    return (
        TrainingClass.objects.filter(tree.subtree_q("org_path", organisation.path))
        .select_related("organisation")
        .annotate(trainee_count=Count("trainees"))
        .order_by("-starts_on", "-pk")
    )


def lecturers_of(group: LectureGroup) -> list[GroupMember]:
    """The group's lecturers, each marked `.exemplar` when the member is a typical example."""
    lecturers = list(group.lecturers.select_related("member").order_by("role", "member__name", "pk"))
    examples = set(
        Exemplar.objects.filter(member_id__in=[g.member_id for g in lecturers]).values_list("member_id", flat=True)
    )
    for lecturer in lecturers:
        lecturer.exemplar = lecturer.member_id in examples
    return lecturers


def audience_of(group: LectureGroup) -> int:
    return group.talks.aggregate(n=Sum("audience_size"))["n"] or 0
