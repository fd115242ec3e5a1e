"""Every write to members: records with protected ID numbers, relation transfers, hosting."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, crypto, dates, idnumber
from vanguard.core.models import AuditEntry
from vanguard.members import events, hooks, tallies
from vanguard.members.models import (
    Category,
    Member,
    Transfer,
    TransferStatus,
    TransferStep,
)
from vanguard.members.workflows import TRANSFER
from vanguard.orgs.models import Organisation

MIN_JOINING_AGE = 18
TRACKED_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "status",
    "category",
    "mobile_since",
    "mobile_place",
    "work_unit",
    "post",
    "phone",
)


def find_by_id_number(raw: str) -> Member | None:
    """Exact-value lookup through the keyed hash; the plaintext is never stored in clear.

    Searches under every configured key, so a member not yet re-keyed by a running
    rotate_field_key is found too.
    """
    value = idnumber.normalise(raw)
    return Member.objects.filter(id_number_hash__in=crypto.lookup_hashes(value)).first() if value else None


def reveal_id_number(member: Member) -> str:
    """The full ID number; callers check Action.VIEW_IDENTITY first."""
    return crypto.decrypt(member.id_number_encrypted) if member.id_number_encrypted else ""


def protected_id_columns(value: str) -> dict[str, str]:
    """The stored columns for a validated ID number: encrypted value, lookup hash, masked form."""
    return protected_id_columns_many([value])[0]


def protected_id_columns_many(values: list[str], lookup_hashes: list[str] | None = None) -> list[dict[str, str]]:
    """protected_id_columns for a batch (an import's), reusing lookup hashes already computed."""
    hashes = lookup_hashes if lookup_hashes is not None else crypto.lookup_hash_many(values)
    return [
        {"id_number_encrypted": sealed, "id_number_hash": digest, "id_number_masked": idnumber.mask(value)}
        for value, sealed, digest in zip(values, crypto.encrypt_many(values), hashes, strict=True)
    ]


def protect_id_number(member: Member, value: str) -> None:
    for name, stored in protected_id_columns(value).items():
        setattr(member, name, stored)


@dataclass
class MemberCheck:
    """What the database-free rules found: errors by field, warnings, and the parsed ID number."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    id_number: idnumber.IDNumber | None = None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def warnings(self) -> list[str]:
        """What does not block saving (an unknown region code, DOMAIN §1); worded only when asked for."""
        return self.id_number.warnings if self.id_number is not None else []


def check_member(member: Member, id_number: str | None, today: datetime.date | None = None) -> MemberCheck:
    """The rules a member record obeys on its own, without the database (shared by forms, API and imports).

    Clears the mobile fields of non-mobile members.
    """
    check = check_member_values(vars(member), id_number, today)
    if member.category != Category.MOBILE:
        member.mobile_since = None
        member.mobile_place = ""
    return check


def check_member_values(
    values: Mapping[str, Any], id_number: str | None, today: datetime.date | None = None
) -> MemberCheck:
    """check_member on plain field values (attribute name → value), as a roster import holds them.

    ID number strict and consistent with birth date and sex (DOMAIN §1); no
    future dates; joined at 18 or older; a mobile member has a since-date and
    a place (seed 002 §4.3).
    """
    check = MemberCheck()
    today = today or timezone.localdate()
    birth_date = values.get("birth_date")
    if id_number:
        try:
            check.id_number = idnumber.parse(id_number, birth_date=birth_date, sex=values.get("gender"), today=today)
        except idnumber.IDNumberError as exc:
            check.add("id_number", str(exc))
    if birth_date and birth_date > today:
        check.add("birth_date", _("The birth date is in the future."))
    joined_on = values.get("joined_on")
    if joined_on:
        if joined_on > today:
            check.add("joined_on", _("The date joined is in the future."))
        elif birth_date and dates.age_on(birth_date, joined_on) < MIN_JOINING_AGE:
            check.add(
                "joined_on", _("The member would have joined before the age of %(age)d.") % {"age": MIN_JOINING_AGE}
            )
    if values.get("category") == Category.MOBILE:
        mobile_since = values.get("mobile_since")
        if not mobile_since:
            check.add("mobile_since", _("A mobile member needs the date they left."))
        elif mobile_since > today:
            check.add("mobile_since", _("The date away cannot be in the future."))
        if not values.get("mobile_place"):
            check.add("mobile_place", _("A mobile member needs the place where they are."))
    return check


def validate_member(member: Member, id_number: str | None) -> list[str]:
    """check_member plus the database's view (ID number unused elsewhere); raise ValidationError by field.

    Returns warnings that do not block saving (an unknown region code, DOMAIN §1).
    """
    check = check_member(member, id_number)
    if check.id_number is not None:
        other = Member.objects.filter(id_number_hash__in=crypto.lookup_hashes(check.id_number.value))
        other = other.exclude(pk=member.pk)
        if other.exists():
            check.add("id_number", _("Another member record already has this ID number."))
    if check.errors:
        raise ValidationError(check.errors)
    return check.warnings


def elsewhere_refusals(actor) -> int:
    """How many times in the window `actor` was told an ID number is on record outside their scope."""
    since = timezone.now() - datetime.timedelta(hours=settings.VANGUARD_ELSEWHERE_WINDOW_HOURS)
    entries = AuditEntry.objects.filter(event=events.ELSEWHERE_REFUSED, actor=actor, at__gte=since)
    return sum(int(data.get("count", 1)) for data in entries.values_list("data", flat=True))


def elsewhere_allowance(actor) -> int:
    """How many more such refusals `actor` may receive in the window (DOMAIN §1 data is sensitive)."""
    return max(0, settings.VANGUARD_ELSEWHERE_LIMIT - elsewhere_refusals(actor))


def throttled_message() -> str:
    return _(
        "You have been told too many times today that a person is a member elsewhere. To protect personal data, "
        "ID numbers are not checked for you until tomorrow; ask the campaign office to record this member."
    )


def record_elsewhere_refusals(*, actor, masked_numbers: list[str], organisation=None) -> None:
    """Keep, in its own transaction, that `actor` was refused these ID numbers as members elsewhere.

    Written even though the change it refused is rolled back: asking is what the trail must show.
    """
    if not masked_numbers or actor is None:
        return
    with transaction.atomic():
        who = acting_as(actor, organisation.path) if organisation is not None else {"actor": actor}
        audit.record(
            event=events.ELSEWHERE_REFUSED,
            **who,
            organisation=who.get("actor_organisation") or organisation,
            data={"count": len(masked_numbers), "id_numbers": masked_numbers[:50]},
        )


def refuse_if_elsewhere(*, actor, id_number: str, at: Organisation, exclude: Member | None = None) -> None:
    """ "Already a member elsewhere" (a transfer needs it) is kept and throttled per user, before any write.

    A person on record outside the actor's scope is refused with the same
    words whether or not the actor may see where; each such refusal is
    written to the audit trail, and past VANGUARD_ELSEWHERE_LIMIT refusals in
    VANGUARD_ELSEWHERE_WINDOW_HOURS the actor's ID numbers are not checked at
    all, so a secretary cannot quietly test the city's ID numbers.
    """
    value = idnumber.normalise(id_number) if id_number else ""
    if actor is None or not value or getattr(actor, "is_superuser", False):
        return
    if elsewhere_allowance(actor) <= 0:
        raise ValidationError({"id_number": ValidationError(throttled_message(), code="throttled")})
    other = Member.objects.filter(id_number_hash__in=crypto.lookup_hashes(value))
    if exclude is not None:
        other = other.exclude(pk=exclude.pk)
    path = other.values_list("org_path", flat=True).first()
    if path is None or can_at_path(actor, Action.VIEW, path):
        return  # nothing there, or one the actor may see: validate_member words it
    record_elsewhere_refusals(actor=actor, masked_numbers=[idnumber.mask(value)], organisation=at)
    message = _("This person is already a member of %(where)s; move them with a relation transfer.") % {
        "where": _("another organisation")
    }
    raise ValidationError({"id_number": ValidationError(message, code="elsewhere")})


def _snapshot(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in TRACKED_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(before[name] or ""), str(after[name] or "")]
        for name in TRACKED_FIELDS
        if before[name] != after[name]
    }


def create_member(*, organisation: Organisation, fields: dict[str, Any], id_number: str = "", actor=None) -> Member:
    """Add a member to `organisation`.  `fields` are Member attributes; the ID number is validated and protected."""
    refuse_if_elsewhere(actor=actor, id_number=id_number, at=organisation)
    return _create_member(organisation=organisation, fields=fields, id_number=id_number, actor=actor)


@transaction.atomic
def _create_member(*, organisation: Organisation, fields: dict[str, Any], id_number: str, actor) -> Member:
    # The path from the database, not the caller's copy: a reorganisation may have moved it since.
    organisation.refresh_from_db(fields=["path"])
    member = Member(organisation=organisation, org_path=organisation.path, **fields)
    validate_member(member, id_number or None)
    if id_number:
        protect_id_number(member, idnumber.normalise(id_number))
    _save_unique(member)
    tallies.adjust({(member.org_path, member.category, member.status): 1})
    audit.record(
        event=events.MEMBER_CREATED, **acting_as(actor, member.org_path), target=member, organisation=organisation
    )
    return member


def update_member(*, member: Member, fields: dict[str, Any], id_number: str | None = None, actor=None) -> Member:
    """Change a member's record.  `id_number=None` leaves the ID number as it is."""
    refuse_if_elsewhere(actor=actor, id_number=id_number or "", at=member.organisation, exclude=member)
    return _update_member(member=member, fields=fields, id_number=id_number, actor=actor)


@transaction.atomic
def _update_member(*, member: Member, fields: dict[str, Any], id_number: str | None, actor) -> Member:
    # Compare with the stored row: a bound ModelForm has already copied the new values onto `member`.
    before = _snapshot(Member.objects.get(pk=member.pk))
    for name, value in fields.items():
        setattr(member, name, value)
    validate_member(member, id_number or None)
    changes = _diff(before, _snapshot(member))
    if id_number:
        new_value = idnumber.normalise(id_number)
        if member.id_number_hash not in crypto.lookup_hashes(new_value):
            before_masked = member.id_number_masked
            protect_id_number(member, new_value)
            changes["id_number_masked"] = [before_masked, member.id_number_masked]
    _save_unique(member)
    if (before["category"], before["status"]) != (member.category, member.status):
        tallies.adjust(
            {
                (member.org_path, before["category"], before["status"]): -1,
                (member.org_path, member.category, member.status): 1,
            }
        )
    if "category" in changes:
        hooks.member_changed.send(sender=Member, member=member)
    if changes:
        audit.record(
            event=events.MEMBER_UPDATED,
            **acting_as(actor, member.org_path),
            target=member,
            organisation=member.organisation_id,
            changes=changes,
        )
    return member


def _save_unique(member: Member) -> None:
    # The check in validate_member races with concurrent saves; the unique
    # index is the guarantee, and this turns its error into the same message.
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        if "id_number_hash" in str(exc):
            raise ValidationError({"id_number": [_("Another member record already has this ID number.")]}) from exc
        raise


def _move_member(member: Member, organisation: Organisation) -> None:
    tallies.adjust(
        {(member.org_path, member.category, member.status): -1, (organisation.path, member.category, member.status): 1}
    )
    member.organisation = organisation
    member.org_path = organisation.path
    member.save(update_fields=["organisation", "org_path", "host_organisation", "hosted_since", "updated_at"])
    hooks.member_changed.send(sender=Member, member=member)


@transaction.atomic
def start_transfer(
    *,
    member: Member,
    to_organisation: Organisation,
    valid_days: int = 30,
    note: str = "",
    actor=None,
) -> Transfer:
    """The outgoing side issues the introduction letter; it stays responsible until the receipt."""
    if to_organisation.pk == member.organisation_id:
        raise ValidationError({"to_organisation": [_("The member already belongs to this organisation.")]})
    if not 1 <= valid_days <= 180:
        raise ValidationError({"valid_days": [_("A letter is valid for 1 to 180 days.")]})
    if Transfer.objects.filter(member=member, status__in=[TransferStatus.PENDING, TransferStatus.RETURNED]).exists():
        raise ValidationError(_("This member already has a transfer in progress."))
    transfer = Transfer.objects.create(
        member=member,
        from_organisation_id=member.organisation_id,
        to_organisation=to_organisation,
        letter_valid_until=timezone.localdate() + datetime.timedelta(days=valid_days),
        note=note,
    )
    who = acting_as(actor, member.org_path)
    TransferStep.objects.create(transfer=transfer, action=TransferStep.Action.STARTED, comment=note, **who)
    audit.record(
        event=events.TRANSFER_STARTED,
        **who,
        target=transfer,
        organisation=member.organisation_id,
        data={"to": to_organisation.name, "valid_days": valid_days},
    )
    return transfer


def _decide(transfer: Transfer, name: str, step: str, *, actor, comment: str = "", **context) -> Transfer:
    """Take a declared transition (members.workflows) and record the step both sides see."""
    side = "from" if name in ("resubmit", "cancel") else "to"
    who = acting_as(actor, getattr(transfer, f"{side}_organisation").path)
    transfer = TRANSFER.take(transfer, name, **who, data={"comment": comment} if comment else None, **context)
    TransferStep.objects.create(transfer=transfer, action=step, comment=comment, **who)
    return transfer


@transaction.atomic
def accept_transfer(*, transfer: Transfer, actor=None, comment: str = "") -> Transfer:
    """The receiving side accepts: the member's record moves and hosting ends."""
    transfer = _decide(transfer, "accept", TransferStep.Action.ACCEPTED, actor=actor, comment=comment)
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    member.host_organisation = None
    member.hosted_since = None
    _move_member(member, transfer.to_organisation)
    return transfer


@transaction.atomic
def refuse_transfer(*, transfer: Transfer, reason: str, actor=None) -> Transfer:
    """The receiving side refuses, with a reason; the member stays where they were."""
    return _decide(
        transfer,
        "refuse",
        TransferStep.Action.REFUSED,
        actor=actor,
        comment=reason,
        reason=reason,
    )


@transaction.atomic
def return_transfer(*, transfer: Transfer, reason: str, actor=None) -> Transfer:
    """The receiving side sends it back for correction (打回); the sender may resubmit."""
    return _decide(
        transfer,
        "return",
        TransferStep.Action.RETURNED,
        actor=actor,
        comment=reason,
        reason=reason,
    )


@transaction.atomic
def resubmit_transfer(*, transfer: Transfer, note: str = "", valid_days: int = 30, actor=None) -> Transfer:
    return _decide(
        transfer,
        "resubmit",
        TransferStep.Action.RESUBMITTED,
        actor=actor,
        comment=note,
        valid_days=valid_days,
    )


@transaction.atomic
def cancel_transfer(*, transfer: Transfer, actor=None, comment: str = "") -> Transfer:
    return _decide(transfer, "cancel", TransferStep.Action.CANCELLED, actor=actor, comment=comment)


@transaction.atomic
def set_host(
    *, member: Member, host_organisation: Organisation | None, since: datetime.date | None = None, actor=None
) -> Member:
    """托管: record the branch that hosts the member day to day; the home organisation stays of record.

    `host_organisation=None` ends hosting.
    """
    if host_organisation is not None and host_organisation.pk == member.organisation_id:
        raise ValidationError({"host_organisation": [_("The host must differ from the home organisation.")]})
    before = member.host_organisation.name if member.host_organisation_id else ""
    member.host_organisation = host_organisation
    member.hosted_since = (since or timezone.localdate()) if host_organisation else None
    member.save(update_fields=["host_organisation", "hosted_since", "updated_at"])
    audit.record(
        event=events.HOSTING_STARTED if host_organisation else events.HOSTING_ENDED,
        **acting_as(actor, member.org_path),
        target=member,
        organisation=member.organisation_id,
        changes={"host_organisation": [before, host_organisation.name if host_organisation else ""]},
    )
    return member
