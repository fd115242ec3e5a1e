"""Party members, their categories, protected ID numbers, relation transfers and hosting (DOMAIN §1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Status(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class Category(models.TextChoices):
    """How a member takes part in the campaign (seed 002 §4.3)."""

    ORDINARY = "ordinary", _("Ordinary member")
    LEADER = "leader", _("Leading cadre")
    MOBILE = "mobile", _("Mobile member")
    LAID_OFF = "laid_off", _("Laid off or unemployed")
    RETIRED = "retired", _("Retired")
    ELDERLY = "elderly", _("Elderly, frail or little schooling")
    NOT_AT_POST = "not_at_post", _("On the roll, not at the post")
    LOST_CONTACT = "lost_contact", _("Lost contact")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    UNIVERSITY = "university", _("University")
    COLLEGE = "college", _("College")
    SECONDARY = "secondary", _("Secondary school")
    JUNIOR = "junior", _("Junior secondary")
    PRIMARY = "primary", _("Primary or less")


class Member(models.Model):
    """党员.  `org_path` copies the organisation's tree path so subtree roll-ups need no join."""

    name = models.CharField(_("full name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=32, default="汉族")
    birth_date = models.DateField(_("birth date"))
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number lookup hash"), max_length=64, null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    joined_on = models.DateField(_("date joined"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FULL)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.ORDINARY)
    mobile_since = models.DateField(_("away since"), null=True, blank=True)
    mobile_place = models.CharField(_("place away"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    org_path = models.CharField(max_length=tree.PATH_MAX_LENGTH, editable=False)
    host_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        db_index=False,  # see member_hosted: few members are hosted, so only they are indexed
        on_delete=models.PROTECT,
        related_name="hosted_members",
        verbose_name=_("host organisation"),
    )
    hosted_since = models.DateField(_("hosted since"), null=True, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=200, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The hosting branch sees the members it hosts; only the home side changes them.
    scope_fields = ("org_path", "host_organisation__path")
    scope_change_fields = ("org_path",)
    # Sealed by core.crypto, with its lookup hash; manage.py rotate_field_key re-keys the pair.
    encrypted_fields = {"id_number_encrypted": "id_number_hash"}

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["org_path", "name", "pk"]
        indexes = [
            models.Index(fields=["org_path", "category"], name="member_path_category"),
            models.Index(fields=["org_path", "status"], name="member_path_status"),
            # The member list finds a page's ids first (core.pagination), from the index alone: each sort's
            # index ends in the id.  On PostgreSQL member_list_order also carries the filtered and sorted
            # columns (INCLUDE, added by migration 0009 only there), so a district's page under any sort or
            # filter is one range read of this index and a sort of its ids, never of the rows.
            models.Index(fields=["org_path", "name", "id"], name="member_list_order"),
            # The list's city-wide sorts (superuser, campaign office) read these in order and stop after a page.
            # The prefix index below cannot sort under a collation.
            models.Index(fields=["birth_date", "id"], name="member_birth_date_id"),
            models.Index(fields=["name", "id"], name="member_name_id"),
            models.Index(fields=["joined_on", "id"], name="member_joined_on_id"),
            # Name search is a prefix match; byte-wise operators serve it and `=` under any collation
            # (PostgreSQL; other databases ignore opclasses).
            # With the id, a search's capped count (core.pagination) reads this index alone.
            models.Index(
                fields=["name", "id"], name="member_name_prefix_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            models.Index(
                fields=["host_organisation"], name="member_hosted", condition=Q(host_organisation__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(category="mobile") | Q(mobile_since__isnull=True),
                name="member_mobile_since_only_when_mobile",
            ),
            # Byte-wise comparison of hex digests: cheaper to maintain on a million-row import than the
            # collation's, and without the second (LIKE) index Django adds to a unique CharField.
            models.UniqueConstraint(
                fields=["id_number_hash"], name="member_id_number_hash_unique", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_own_q(cls, user) -> Q | None:
        return Q(pk=user.member_id) if user.member_id else None


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving side")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TRANSFER_STATUSES = (TransferStatus.PENDING, TransferStatus.RETURNED)


class Transfer(models.Model):
    """组织关系接转: the outgoing side starts it, the receiving side accepts, refuses or returns it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("member"))
    from_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from")
    )
    to_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    letter_valid_until = models.DateField(_("letter valid until"))
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_fields = ("from_organisation__path", "to_organisation__path")

    class Meta:
        verbose_name = _("relation transfer")
        verbose_name_plural = _("relation transfers")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["pending", "returned"]),
                name="transfer_one_open_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_organisation} → {self.to_organisation}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER_STATUSES


class TransferStep(models.Model):
    """Who did what to a transfer, in which role, when: the history both sides see."""

    class Action(models.TextChoices):
        STARTED = "started", _("Started")
        RESUBMITTED = "resubmitted", _("Corrected and resubmitted")
        RETURNED = "returned", _("Returned for correction")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="steps", verbose_name=_("transfer"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    # The role's code and where it is held, worded when shown (in the reader's language); steps recorded before
    # this change keep the words they were written in, with no organisation.
    actor_role = models.CharField(_("acting as"), max_length=100, blank=True)
    actor_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acting at"),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer step")
        verbose_name_plural = _("transfer steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.action}"

    @property
    def acting_as(self) -> str:
        """'Secretary · 某区委' in the reader's language."""
        from vanguard.accounts.models import Role

        if self.actor_role == "superuser":
            return str(_("Superuser"))
        if self.actor_role not in Role.values:
            return self.actor_role  # worded when it was recorded
        label = str(Role(self.actor_role).label)
        return f"{label} · {self.actor_organisation.name}" if self.actor_organisation_id else label


class MemberTally(models.Model):
    """How many members an organisation's whole subtree holds, by category and status.

    Kept by every service that adds, moves or recategorises members (and rebuilt
    by `manage.py recount_members`), so the organisation page reads a dozen rows
    instead of counting a million members (DOMAIN §10: figures for any subtree).
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="member_tallies", verbose_name=_("organisation")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("member tally")
        verbose_name_plural = _("member tallies")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "category", "status"], name="member_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.category} {self.status}: {self.count}"
