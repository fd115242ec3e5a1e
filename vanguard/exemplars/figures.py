"""The figures of one organisation's subtree over a period: typical examples, lecture groups and talks, training.

These are the counts seed 000 quotes (17 typical examples; 3,574 key-staff classes, 25,949 trained) and DOMAIN §9
(21,937 skills classes, 8,506 laid-off members trained, 4,419 re-employed), for any subtree and any date range.
Each row counts where its path copy puts it: an example at its own organisation, a group where it was set up, a
talk where it was given, a class and its trainees at the organisation that held it.  The period bounds the date
of selection, set-up, talk and class start (both ends included; either may be open).  "Trained" counts places in
classes (人次): a person in two classes counts twice.

One grouped query per kind of row, by direct child (the path's next segment), whatever the subtree's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum

from vanguard.core import tree
from vanguard.core.access import Action, can_at_path
from vanguard.exemplars.models import (
    AudienceKind,
    ClassKind,
    ExampleKind,
    Exemplar,
    LectureGroup,
    Outcome,
    Talk,
    Trainee,
    TrainingClass,
)
from vanguard.orgs.figures import Units, period_q
from vanguard.orgs.models import Organisation


@dataclass
class Training:
    """One kind of class: how many were held, how many places, completed, laid-off members, re-employed."""

    classes: int = 0
    trained: int = 0
    members: int = 0  # places taken by members on the roll
    completed: int = 0
    hours: float = 0.0  # hours attended, summed
    laid_off_members: int = 0
    re_employed: int = 0


@dataclass
class ChildRow:
    organisation_id: int
    name: str
    examples: int = 0
    talks: int = 0
    audience: int = 0
    classes: int = 0
    trained: int = 0


@dataclass
class Figures:
    organisation: Organisation
    start: datetime.date | None
    end: datetime.date | None
    examples: dict[str, int]  # kind -> n
    publicised: int
    groups: int
    lecturers: int
    talks: dict[str, int]  # audience kind -> talks
    audience: dict[str, int]  # audience kind -> people
    training: dict[str, Training]  # class kind -> figures
    children: list[ChildRow] = field(default_factory=list)

    @property
    def talk_total(self) -> int:
        return sum(self.talks.values())

    @property
    def audience_total(self) -> int:
        return sum(self.audience.values())

    @property
    def example_total(self) -> int:
        return sum(self.examples.values())


def compute(
    *, organisation: Organisation, user, start: datetime.date | None = None, end: datetime.date | None = None
) -> Figures:
    """The figures of `organisation`'s subtree; refused unless `user` may view it (`user=None` is the system)."""
    if user is not None and not can_at_path(user, Action.VIEW, organisation.path):
        raise PermissionDenied
    subtree = tree.subtree_q("org_path", organisation.path)
    units = Units(organisation)
    add = units.add

    examples = dict.fromkeys(ExampleKind.values, 0)
    publicised = 0
    for kind, unit, n, known in (
        Exemplar.objects.filter(subtree, period_q("selected_on", start, end))
        .annotate(unit=units.by_unit())
        .values_list("kind", "unit")
        .annotate(n=Count("pk"), known=Count("pk", filter=Q(publicised_on__isnull=False)))
        .order_by()
    ):
        examples[kind] += n
        publicised += known
        add(unit, "examples", n)

    group_rows = LectureGroup.objects.filter(subtree, period_q("set_up_on", start, end)).aggregate(
        groups=Count("pk", distinct=True), lecturers=Count("lecturers", distinct=True)
    )

    talks = dict.fromkeys(AudienceKind.values, 0)
    audience = dict.fromkeys(AudienceKind.values, 0)
    for kind, unit, n, people in (
        Talk.objects.filter(subtree, period_q("given_on", start, end))
        .annotate(unit=units.by_unit())
        .values_list("audience_kind", "unit")
        .annotate(n=Count("pk"), people=Sum("audience_size"))
        .order_by()
    ):
        talks[kind] += n
        audience[kind] += people or 0
        add(unit, "talks", n)
        add(unit, "audience", people)

    training = {kind: Training() for kind in ClassKind.values}
    for kind, unit, n in (
        TrainingClass.objects.filter(subtree, period_q("starts_on", start, end))
        .annotate(unit=units.by_unit())
        .values_list("kind", "unit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        training[kind].classes += n
        add(unit, "classes", n)
    for kind, unit, n, members, completed, hours, laid_off, re_employed in (
        Trainee.objects.filter(subtree, period_q("training_class__starts_on", start, end))
        .annotate(unit=units.by_unit())
        .values_list("training_class__kind", "unit")
        .annotate(
            # Named apart from the fields they count: a filter on `completed` would otherwise read the annotation.
            n=Count("pk"),
            members_n=Count("pk", filter=Q(member__isnull=False)),
            completed_n=Count("pk", filter=Q(completed=True)),
            hours_n=Sum("hours_attended"),
            laid_off_n=Count("pk", filter=Q(laid_off=True, member__isnull=False)),
            re_employed_n=Count("pk", filter=Q(laid_off=True, member__isnull=False, outcome=Outcome.RE_EMPLOYED)),
        )
        .order_by()
    ):
        line = training[kind]
        line.trained += n
        line.members += members
        line.completed += completed
        line.hours += float(hours or 0)
        line.laid_off_members += laid_off
        line.re_employed += re_employed
        add(unit, "trained", n)

    children = units.rows(ChildRow)
    return Figures(
        organisation=organisation,
        start=start,
        end=end,
        examples=examples,
        publicised=publicised,
        groups=group_rows["groups"] or 0,
        lecturers=group_rows["lecturers"] or 0,
        talks=talks,
        audience=audience,
        training=training,
        children=children,
    )


def subtree_counts(organisation: Organisation) -> dict[str, int]:
    """For orgs.hooks.register_subtree_figures: every count of the subtree, all dates."""
    f = compute(organisation=organisation, user=None)
    counts = {
        "examples_members": f.examples[ExampleKind.MEMBER],
        "examples_organisations": f.examples[ExampleKind.ORGANISATION],
        "lecture_groups": f.groups,
        "talks": f.talk_total,
        "audience": f.audience_total,
    }
    for kind, line in f.training.items():
        counts[f"{kind}_classes"] = line.classes
        counts[f"{kind}_trained"] = line.trained
    counts["laid_off_members_trained"] = f.training[ClassKind.SKILLS].laid_off_members
    counts["re_employed"] = f.training[ClassKind.SKILLS].re_employed
    return counts
