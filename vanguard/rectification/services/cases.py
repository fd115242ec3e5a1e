"""不合格党员处置: opening a member's case and taking its declared transitions (DOMAIN §5.3).

Every write to a Case goes through `workflows.CASE` (sealed) or `CASE_SEAL.record`, and the member's line in
the yearly register follows the case's outcome in the same transaction (sealed by `REGISTRATION_SEAL`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.selectors import acting_as
from vanguard.core.access import Action, can_at_path
from vanguard.rectification import events
from vanguard.rectification.models import OPEN_STAGES, Case, Registration, RegistrationStatus, Stage
from vanguard.rectification.workflows import CASE, CASE_SEAL, REGISTRATION_SEAL

# The register line a closed or decided case leaves (一年一评议一登记); stages not listed leave it as it is.
REGISTRATION_OF_STAGE = {
    Stage.TRANSFORMED: RegistrationStatus.REGISTERED,
    Stage.REGISTERED: RegistrationStatus.REGISTERED,
    Stage.CORRECTING: RegistrationStatus.DEFERRED,
    Stage.PERSUADED: RegistrationStatus.NOT_REGISTERED,
    Stage.REMOVED: RegistrationStatus.NOT_REGISTERED,
    Stage.REFERRED: RegistrationStatus.REFERRED,
}


def _registration_for(case: Case, actor, *, grade: str = "") -> Registration:
    """The member's register line for the case's year, made pending (and sealed) if there is none yet."""
    row = Registration.objects.select_for_update().filter(member_id=case.member_id, year=case.year).first()
    if row is not None:
        if row.case_id != case.pk or (grade and not row.grade):
            row.case = case
            row.grade = row.grade or grade
            row.save(update_fields=["case", "grade"])
            REGISTRATION_SEAL.record(
                row,
                event=events.REGISTRATION_DECIDED,
                **acting_as(actor, row.org_path),
                organisation=row.organisation_id,
            )
        return row
    row = Registration.objects.create(
        member_id=case.member_id,
        organisation_id=case.organisation_id,
        org_path=case.org_path,
        year=case.year,
        grade=grade,
        case=case,
    )
    REGISTRATION_SEAL.record(
        row, event=events.REGISTER_OPENED, **acting_as(actor, row.org_path), organisation=row.organisation_id
    )
    return row


def _create(*, member, actor, reason: str, campaign=None, result=None, year: int) -> Case:
    if Case.objects.filter(member=member, stage__in=OPEN_STAGES).exists():
        raise ValidationError(_("This member already has an open case."), code="case_open")
    try:
        with transaction.atomic():
            case = Case.objects.create(
                member=member,
                organisation_id=member.organisation_id,
                org_path=member.org_path,
                campaign=campaign,
                year=year,
                appraisal_result=result,
                opened_reason=reason,
                opened_by=actor,
            )
    except IntegrityError:  # another request opened one meanwhile (the partial unique constraint)
        raise ValidationError(_("This member already has an open case."), code="case_open") from None
    CASE_SEAL.record(
        case,
        event=events.CASE_OPENED,
        **acting_as(actor, case.org_path),
        organisation=case.organisation_id,
        data={"reason": reason, "appraisal_result": result.pk if result is not None else None},
    )
    return case


@transaction.atomic
def open_case(*, member, actor, reason: str, campaign=None, today: datetime.date | None = None) -> Case:
    """The branch (or above) opens a case on a member, with its reason (breach of discipline, conduct…)."""
    if actor is not None and not can_at_path(actor, Action.CHANGE, member.org_path):
        raise ValidationError(_("Only the member's branch or an organisation above it opens a case."), code="denied")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is recorded with the decision.")})
    year = (today or timezone.localdate()).year
    case = _create(member=member, actor=actor, reason=reason, campaign=campaign, year=year)
    _registration_for(case, actor)
    return case


@transaction.atomic
def open_from_result(result, actor) -> Case | None:
    """The handler of appraisals' 不合格 results: one case per result, whoever calls it how often.

    Registered in RectificationConfig.ready().  A member who already has an open case (opened by the branch
    before the appraisal) keeps that one: the result is marked taken up and linked to nothing new.
    """
    existing = Case.objects.filter(appraisal_result=result).first()
    if existing is not None:
        return existing
    from vanguard.appraisals.models import AppraisalResult

    ballot = result.ballot
    year = ballot.closes_on.year
    member = result.member
    if Case.objects.filter(member=member, stage__in=OPEN_STAGES).exists():
        AppraisalResult.objects.filter(pk=result.pk).update(case_opened=True)
        result.case_opened = True
        return None
    case = _create(
        member=member,
        actor=actor,
        reason=_("Rated unqualified (不合格) in the peer appraisal “%(ballot)s”.") % {"ballot": ballot.title},
        campaign=ballot.campaign,
        result=result,
        year=year,
    )
    _registration_for(case, actor, grade=result.grade)
    AppraisalResult.objects.filter(pk=result.pk).update(case_opened=True)
    result.case_opened = True
    return case


# Context keys a transition reads that go into its entry's data as well (the reason is always kept).
_RECORDED = ("reason", "outcome", "how", "grade", "until", "helper")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def take(*, case: Case, name: str, actor, today: datetime.date | None = None, **context: Any) -> Case:
    """Take the case transition `name` (reason, outcome, helper, until, grade, statement… in `context`).

    The entry names the actor, their role and organisation, and keeps the reason and the decision; a decision
    carries the member's register line with it.
    """
    context = {key: (value.strip() if isinstance(value, str) else value) for key, value in context.items()}
    data = {key: _jsonable(context[key]) for key in _RECORDED if context.get(key) not in (None, "")}
    if name == "state_case":
        data["statement"] = context.get("statement", "")
    case = CASE.take(case, name, **acting_as(actor, case.org_path), by=actor, today=today, data=data, **context)
    status = REGISTRATION_OF_STAGE.get(case.stage)
    if status is not None:
        row = _registration_for(case, actor)
        if row.status != status:
            row.status = status
            row.decided_at = timezone.now()
            row.save(update_fields=["status", "decided_at"])
            REGISTRATION_SEAL.record(
                row,
                event=events.REGISTRATION_DECIDED,
                **acting_as(actor, row.org_path),
                organisation=row.organisation_id,
                data={"case": case.pk, "stage": case.stage},
            )
    return case
