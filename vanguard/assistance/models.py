"""Assistance (帮扶, DOMAIN §9; issue 22 point 3): pairings and the help given, special services to listed
households, and assistance funds with a double-entry ledger.

- `Pairing` (结对): 1+1 or 1+2 between members (one helper, one or two members in hardship), or 双结对: a branch
  with a needy person, a unit's organisation with a community or “两新” organisation.  `Visit`: help given.
- `Household` (特别服务对象) listed by an organisation, and its `SpecialService`s: each one scheduled for a date
  and then done (e.g. seed 003: three home safety checks and one cleaning a year).
- `Fund` (帮扶基金): its `Entry` rows are the double-entry ledger; each moves an amount from one of the fund's
  accounts to another (cash, income, grants), so the books always balance; `Fund.balance` is the cash held,
  kept with every entry under a database CHECK that it never goes below zero.  `Grant`s are requested and
  decided by a role; paying an approved grant is an entry.

Skills-training classes and their re-employment outcomes are exemplars' `TrainingClass` (issue 21); the
assistance figures read them from there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core.fields import path_field
from vanguard.core.money import yuan


class PairingKind(models.TextChoices):
    ONE_PLUS_ONE = "one_one", _("1+1: one member helps one member")
    ONE_PLUS_TWO = "one_two", _("1+2: one member helps two members")
    BRANCH_PERSON = "branch_person", _("A branch paired with a needy person (双结对)")
    UNIT_COMMUNITY = "unit_community", _("A unit paired with a community or “两新” organisation (双结对)")


MEMBER_PAIRINGS = (PairingKind.ONE_PLUS_ONE, PairingKind.ONE_PLUS_TWO)


class Pairing(models.Model):
    """结对: who helps whom, arranged by an organisation (the helper's, or one above it)."""

    kind = models.CharField(_("kind"), max_length=16, choices=PairingKind.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("arranged by")
    )
    org_path = path_field()
    helper_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("helper")
    )
    # The branch (with a needy person) or the unit's organisation (with a community or “两新” organisation).
    helper_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("helping organisation"),
    )
    helped = models.ManyToManyField("members.Member", blank=True, related_name="+", verbose_name=_("members helped"))
    # A needy person not on the roll, or a community or “两新” organisation outside the tree.
    partner_name = models.CharField(_("paired with"), max_length=200, blank=True)
    partner_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paired organisation"),
    )
    hardship = models.CharField(_("hardship"), max_length=300, blank=True)
    started_on = models.DateField(_("paired on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["org_path", "kind"], name="assistance_pairing_path")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assistance_pairing_dates",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["one_one", "one_two"], helper_member__isnull=False)
                | Q(kind__in=["branch_person", "unit_community"], helper_organisation__isnull=False),
                name="assistance_pairing_helper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.partner_name or self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class HelpKind(models.TextChoices):
    """The help seed 000 names (助子女入学、助孤残生活、助特困户脱贫、筹集社会捐助) and more."""

    SCHOOLING = "schooling", _("Help children into school")
    DAILY_LIFE = "daily_life", _("Help the orphaned and disabled live")
    OUT_OF_POVERTY = "out_of_poverty", _("Help a household out of poverty")
    DONATION = "donation", _("Donations raised")
    JOB = "job", _("Help into work")
    VISIT = "visit", _("Visit and talk")
    OTHER = "other", _("Other help")


class Visit(models.Model):
    """A visit or help given within a pairing."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    org_path = path_field()  # the pairing's
    visited_on = models.DateField(_("date"))
    help_kind = models.CharField(_("help given"), max_length=16, choices=HelpKind.choices)
    # Money or goods given, in fen (分: money is kept in whole fen, exact on every database), if any; a grant from a
    # fund is recorded on the fund.
    value_fen = models.BigIntegerField(_("value (fen)"), default=0)
    note = models.CharField(_("note"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("visit or help")
        verbose_name_plural = _("visits and help")
        ordering = ["-visited_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(value_fen__gte=0), name="assistance_visit_value")]

    def __str__(self) -> str:
        return f"{self.pairing_id} · {self.visited_on}"


class HouseholdGroup(models.TextChoices):
    MODEL_WORKER = "model_worker", _("Retired model worker (老劳模)")
    MARTYR_FAMILY = "martyr_family", _("Family of a soldier or martyr (军烈属)")
    LONELY_ELDERLY = "lonely_elderly", _("Elderly living alone (孤老)")
    DISABLED = "disabled", _("Disabled (残障人士)")
    HARDSHIP = "hardship", _("Household in hardship")


class Household(models.Model):
    """特别服务对象: a household an organisation has promised special services to."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("served by")
    )
    org_path = path_field()
    name = models.CharField(_("name"), max_length=64)
    address = models.CharField(_("address"), max_length=200)
    group = models.CharField(_("group"), max_length=16, choices=HouseholdGroup.choices)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    listed_on = models.DateField(_("listed on"))
    left_on = models.DateField(_("left the list on"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("served household")
        verbose_name_plural = _("served households")
        ordering = ["org_path", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    SAFETY_CHECK = "safety_check", _("Home safety check")
    CLEANING = "cleaning", _("Home cleaning")
    REPAIR = "repair", _("Small repairs")
    CARE_VISIT = "care_visit", _("Care visit")


class SpecialService(models.Model):
    """One promised service to a household: scheduled for a date, then done (by whom, what was found)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="services")
    org_path = path_field()  # the household's
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    due_on = models.DateField(_("due by"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("done by")
    )
    note = models.CharField(_("what was done"), max_length=300, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("special service")
        verbose_name_plural = _("special services")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["org_path", "due_on"], name="assistance_service_path")]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_kind_display()} · {self.due_on}"


# --- the fund ------------------------------------------------------------------------------------------------------


class Account(models.TextChoices):
    """The fund's accounts.  An entry moves its amount from `credit` to `debit`: income is cash ← income, a grant
    is grants ← cash, so cash (the balance) = income − grants, and the three always sum to zero."""

    CASH = "cash", _("Cash held")
    INCOME = "income", _("Income")
    GRANTS = "grants", _("Grants paid")


class Fund(models.Model):
    """帮扶基金 of an organisation; `balance` is the cash held, kept with every entry."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    name = models.CharField(_("name"), max_length=200)
    # Money in whole fen (分), exact on every database: the CHECKs below compare sums, which floating point cannot.
    balance_fen = models.BigIntegerField(_("balance (fen)"), default=0)
    income_fen = models.BigIntegerField(_("income (fen)"), default=0)
    granted_fen = models.BigIntegerField(_("grants paid (fen)"), default=0)
    set_up_on = models.DateField(_("set up on"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("assistance fund")
        verbose_name_plural = _("assistance funds")
        ordering = ["org_path", "name"]
        constraints = [
            # The cash held never goes below zero: a grant that would overdraw fails here whatever raced it.
            models.CheckConstraint(condition=Q(balance_fen__gte=0), name="assistance_fund_not_overdrawn"),
            models.CheckConstraint(
                condition=Q(balance_fen=models.F("income_fen") - models.F("granted_fen")),
                name="assistance_fund_balances",
            ),
            models.UniqueConstraint(fields=["organisation", "name"], name="assistance_fund_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """One line of the ledger: `amount` moves from the `credit` account to the `debit` account."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    org_path = path_field()  # the fund's
    on = models.DateField(_("date"))
    debit = models.CharField(_("debit"), max_length=8, choices=Account.choices)
    credit = models.CharField(_("credit"), max_length=8, choices=Account.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    description = models.CharField(_("description"), max_length=300)
    grant = models.OneToOneField(
        "Grant", null=True, blank=True, on_delete=models.PROTECT, related_name="entry", verbose_name=_("grant")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["fund", "on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="assistance_entry_positive"),
            models.CheckConstraint(condition=~Q(debit=models.F("credit")), name="assistance_entry_two_accounts"),
            models.CheckConstraint(
                condition=Q(debit="cash", credit="income", grant__isnull=True)
                | Q(debit="grants", credit="cash", grant__isnull=False),
                name="assistance_entry_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} · {self.on} · {yuan(self.amount_fen)}"


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PAID = "paid", _("Approved and paid")
    REFUSED = "refused", _("Not approved")


class Grant(models.Model):
    """A grant from a fund to someone in hardship: requested, then approved (and paid) or refused by a role."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="grants")
    org_path = path_field()  # the fund's
    # Requested from below: the requesting organisation sees it too.
    requested_at_path = path_field(_("requesting organisation's path"), index=False)
    beneficiary = models.CharField(_("beneficiary"), max_length=100)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    pairing = models.ForeignKey(
        Pairing, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants", verbose_name=_("pairing")
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_on = models.DateField(_("requested on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_role = models.CharField(_("decided in the role"), max_length=16, blank=True)
    decided_at_organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    scope_fields = ("org_path", "requested_at_path")

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="assistance_grant_positive"),
            # Every decided grant names the role it was decided in (DOMAIN §1: rights belong to a role).
            models.CheckConstraint(
                condition=Q(status="requested") | (~Q(decided_role="") & Q(decided_on__isnull=False)),
                name="assistance_grant_decided_by_a_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} · {yuan(self.amount_fen)}"

    @property
    def decided_role_label(self) -> str:
        """The role the decision was taken in, as people call it (书记, 管理员)."""
        from vanguard.accounts.models import Role

        return str(Role(self.decided_role).label) if self.decided_role in Role.values else self.decided_role
