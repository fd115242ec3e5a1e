"""Every write to members: records with protected ID numbers, relation transfers, hosting."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.core import crypto, dates, idnumber
from vanguard.members import tallies
from vanguard.members.models import (
    Category,
    Member,
    MemberEvent,
    Transfer,
    TransferStatus,
    TransferStep,
)
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
    """Exact-value lookup through the keyed hash; the plaintext is never stored in clear."""
    value = idnumber.normalise(raw)
    return Member.objects.filter(id_number_hash=crypto.lookup_hash(value)).first() if value else None


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
        other = Member.objects.filter(id_number_hash=crypto.lookup_hash(check.id_number.value)).exclude(pk=member.pk)
        if other.exists():
            check.add("id_number", _("Another member record already has this ID number."))
    if check.errors:
        raise ValidationError(check.errors)
    return check.warnings


def _snapshot(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in TRACKED_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(before[name] or ""), str(after[name] or "")]
        for name in TRACKED_FIELDS
        if before[name] != after[name]
    }


@transaction.atomic
def create_member(*, organisation: Organisation, fields: dict[str, Any], id_number: str = "", actor=None) -> Member:
    """Add a member to `organisation`.  `fields` are Member attributes; the ID number is validated and protected."""
    # The path from the database, not the caller's copy: a reorganisation may have moved it since.
    organisation.refresh_from_db(fields=["path"])
    member = Member(organisation=organisation, org_path=organisation.path, **fields)
    validate_member(member, id_number or None)
    if id_number:
        protect_id_number(member, idnumber.normalise(id_number))
    _save_unique(member)
    tallies.adjust({(member.org_path, member.category, member.status): 1})
    MemberEvent.objects.create(member=member, kind="created", summary="", actor=actor)
    return member


@transaction.atomic
def update_member(*, member: Member, fields: dict[str, Any], id_number: str | None = None, actor=None) -> Member:
    """Change a member's record.  `id_number=None` leaves the ID number as it is."""
    # Compare with the stored row: a bound ModelForm has already copied the new values onto `member`.
    before = _snapshot(Member.objects.get(pk=member.pk))
    for name, value in fields.items():
        setattr(member, name, value)
    validate_member(member, id_number or None)
    changes = _diff(before, _snapshot(member))
    if id_number:
        new_value = idnumber.normalise(id_number)
        if crypto.lookup_hash(new_value) != member.id_number_hash:
            protect_id_number(member, new_value)
            changes["id_number"] = ["", member.id_number_masked]
    _save_unique(member)
    if (before["category"], before["status"]) != (member.category, member.status):
        tallies.adjust(
            {
                (member.org_path, before["category"], before["status"]): -1,
                (member.org_path, member.category, member.status): 1,
            }
        )
    if changes:
        MemberEvent.objects.create(member=member, kind="updated", summary="", changes=changes, actor=actor)
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


@transaction.atomic
def start_transfer(
    *,
    member: Member,
    to_organisation: Organisation,
    valid_days: int = 30,
    note: str = "",
    actor=None,
    actor_role: str = "",
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
    TransferStep.objects.create(
        transfer=transfer, action=TransferStep.Action.STARTED, actor=actor, actor_role=actor_role, comment=note
    )
    MemberEvent.objects.create(member=member, kind="transfer_started", summary=to_organisation.name, actor=actor)
    return transfer


def _lock_open(transfer: Transfer, expected: tuple[str, ...]) -> Transfer:
    transfer = Transfer.objects.select_for_update().select_related("member", "to_organisation").get(pk=transfer.pk)
    if transfer.status not in expected:
        raise ValidationError(
            _("The transfer’s status is “%(status)s”; that action is not possible.")
            % {"status": transfer.get_status_display()}
        )
    return transfer


@transaction.atomic
def accept_transfer(*, transfer: Transfer, actor=None, actor_role: str = "", comment: str = "") -> Transfer:
    """The receiving side accepts: the member's record moves and hosting ends."""
    transfer = _lock_open(transfer, (TransferStatus.PENDING,))
    if transfer.letter_valid_until < timezone.localdate():
        raise ValidationError(_("The introduction letter has expired; the sending side must issue a new one."))
    member = transfer.member
    member.host_organisation = None
    member.hosted_since = None
    _move_member(member, transfer.to_organisation)
    return _close(transfer, TransferStatus.ACCEPTED, TransferStep.Action.ACCEPTED, actor, actor_role, comment)


@transaction.atomic
def refuse_transfer(*, transfer: Transfer, reason: str, actor=None, actor_role: str = "") -> Transfer:
    """The receiving side refuses, with a reason; the member stays where they were."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for refusing.")]})
    transfer = _lock_open(transfer, (TransferStatus.PENDING,))
    return _close(transfer, TransferStatus.REFUSED, TransferStep.Action.REFUSED, actor, actor_role, reason)


@transaction.atomic
def return_transfer(*, transfer: Transfer, reason: str, actor=None, actor_role: str = "") -> Transfer:
    """The receiving side sends it back for correction (打回); the sender may resubmit."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what needs correcting.")]})
    transfer = _lock_open(transfer, (TransferStatus.PENDING,))
    transfer.status = TransferStatus.RETURNED
    transfer.save(update_fields=["status"])
    TransferStep.objects.create(
        transfer=transfer, action=TransferStep.Action.RETURNED, actor=actor, actor_role=actor_role, comment=reason
    )
    return transfer


@transaction.atomic
def resubmit_transfer(
    *, transfer: Transfer, note: str = "", valid_days: int = 30, actor=None, actor_role: str = ""
) -> Transfer:
    transfer = _lock_open(transfer, (TransferStatus.RETURNED,))
    transfer.status = TransferStatus.PENDING
    transfer.letter_valid_until = timezone.localdate() + datetime.timedelta(days=valid_days)
    transfer.save(update_fields=["status", "letter_valid_until"])
    TransferStep.objects.create(
        transfer=transfer, action=TransferStep.Action.RESUBMITTED, actor=actor, actor_role=actor_role, comment=note
    )
    return transfer


@transaction.atomic
def cancel_transfer(*, transfer: Transfer, actor=None, actor_role: str = "", comment: str = "") -> Transfer:
    transfer = _lock_open(transfer, (TransferStatus.PENDING, TransferStatus.RETURNED))
    return _close(transfer, TransferStatus.CANCELLED, TransferStep.Action.CANCELLED, actor, actor_role, comment)


def _close(transfer: Transfer, status: str, action: str, actor, actor_role: str, comment: str) -> Transfer:
    transfer.status = status
    transfer.closed_at = timezone.now()
    transfer.save(update_fields=["status", "closed_at"])
    TransferStep.objects.create(transfer=transfer, action=action, actor=actor, actor_role=actor_role, comment=comment)
    MemberEvent.objects.create(member=transfer.member, kind=f"transfer_{status}", summary="", actor=actor)
    return transfer


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
    MemberEvent.objects.create(
        member=member,
        kind="hosting_started" if host_organisation else "hosting_ended",
        summary=host_organisation.name if host_organisation else before,
        actor=actor,
    )
    return member
