"""一年一评议一登记: a branch's yearly register of its members (DOMAIN §5.3).

Opening a year writes one line per member of the branch, with that year's appraisal result; confirming
registers those rated qualified or better who have no open case.  Lines of members with a case follow the
case (services.cases).  Every line is sealed in the trail, so each write records it (one lock for all).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.core.access import Action, can_at_path
from vanguard.rectification import events
from vanguard.rectification.models import OPEN_STAGES, Case, Registration, RegistrationStatus
from vanguard.rectification.workflows import QUALIFIED_OR_BETTER, REGISTRATION_SEAL


def _may(actor, organisation) -> None:
    if actor is not None and not can_at_path(actor, Action.CHANGE, organisation.path):
        raise ValidationError(_("Only the branch or an organisation above it keeps its register."), code="denied")


def year_grades(organisation, year: int) -> dict[int, str]:
    """Each member's peer-appraisal result in `year` at this branch (the latest ballot's, if several)."""
    from vanguard.appraisals.models import AppraisalResult

    grades: dict[int, str] = {}
    rows = (
        AppraisalResult.objects.filter(organisation=organisation, ballot__closes_on__year=year)
        .order_by("ballot__closes_on", "pk")
        .values_list("member_id", "grade")
    )
    for member_id, grade in rows:
        grades[member_id] = grade
    return grades


@transaction.atomic
def open_year(*, organisation, year: int, actor) -> list[Registration]:
    """The year's register of the branch: a pending line for every member who has none yet (run again: adds
    the members who joined since)."""
    from vanguard.members.models import Member

    _may(actor, organisation)
    have = set(Registration.objects.filter(organisation=organisation, year=year).values_list("member_id", flat=True))
    grades = year_grades(organisation, year)
    cases = dict(
        Case.objects.filter(organisation=organisation, year=year).order_by("pk").values_list("member_id", "pk")
    )
    # Members registered elsewhere this year (moved in) keep that line: one line per member and year.
    taken = set(Registration.objects.filter(year=year).values_list("member_id", flat=True))
    members = Member.objects.filter(organisation=organisation).exclude(pk__in=have | taken).order_by("pk")
    rows = Registration.objects.bulk_create(
        [
            Registration(
                member=member,
                organisation=organisation,
                org_path=organisation.path,
                year=year,
                grade=grades.get(member.pk, ""),
                case_id=cases.get(member.pk),
            )
            for member in members
        ]
    )
    acting = acting_as(actor, organisation.path)
    audit.record_many(
        REGISTRATION_SEAL.draft(
            row, event=events.REGISTER_OPENED, organisation=organisation.pk, data={"year": year}, **acting
        )
        for row in rows
    )
    return rows


@transaction.atomic
def confirm(*, organisation, year: int, actor) -> list[Registration]:
    """Register the pending lines rated qualified or better whose member has no open case."""
    _may(actor, organisation)
    open_cases = Case.objects.filter(stage__in=OPEN_STAGES).values("member_id")
    rows = list(
        Registration.objects.select_for_update()
        .filter(
            organisation=organisation,
            year=year,
            status=RegistrationStatus.PENDING,
            grade__in=[str(grade) for grade in QUALIFIED_OR_BETTER],
        )
        .exclude(member_id__in=open_cases)
        .order_by("pk")
    )
    now = timezone.now()
    for row in rows:
        row.status, row.decided_at = RegistrationStatus.REGISTERED, now
    Registration.objects.bulk_update(rows, ["status", "decided_at"])
    acting = acting_as(actor, organisation.path)
    audit.record_many(
        REGISTRATION_SEAL.draft(
            row, event=events.REGISTRATION_DECIDED, organisation=organisation.pk, data={"confirmed": True}, **acting
        )
        for row in rows
    )
    return rows


def register_of(queryset, *, organisation=None, year: int | None = None):
    """The lines of a (scoped) register, filtered; callers restrict with VIEW_CASES first."""
    if organisation is not None:
        queryset = queryset.filter(tree.subtree_q("org_path", organisation.path))
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.select_related("member", "organisation", "case")
