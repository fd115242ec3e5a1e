"""Mobile members and their service network (流动党员, DOMAIN §1 and §8; issue 22 points 1–2).

- `ServicePoint`: an organisation's role in the mobile-member service network: a district's service centre
  (流动党员管理服务中心), a town's or street's station (服务站), a community's or village's contact point (联络点),
  or a mobile-member organisation set up in another province (流动党员党组织), each with its service area.
- `MobileRecord` (流动登记): one person away from home: a member of the roll registered by their home branch
  (outflow), received by the organisation where they now live and work (inflow), or someone from outside the
  city registered by the inflow side alone.  One row per person away, so a member is counted once whichever
  side counts them.
- `Card` (流动党员活动证): issued by the home side to a member away, with a number unique in the city and a
  validity; renewed or returned.  DOMAIN §1: away six months or more → the relation transferred or a card.
- `LostContact` (失联党员) with its `Search`es: looked for until found or the case is closed.

Rows copy the tree paths they are counted under, which follow moves of the tree (orgs.hooks.register_path_copy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core.fields import path_field


class PointRole(models.TextChoices):
    CENTRE = "centre", _("Service centre (流动党员管理服务中心)")
    STATION = "station", _("Service station (服务站)")
    CONTACT_POINT = "contact_point", _("Contact point (联络点)")
    OUTSIDE = "outside", _("Mobile-member organisation in another province")


class Service(models.TextChoices):
    """What a service body runs for mobile members (DOMAIN §8, seed 000)."""

    FARM_HELP = "farm_help", _("Farming help team (助耕队)")
    RIGHTS = "rights", _("Rights protection centre (维权中心)")
    PROSPERITY = "prosperity", _("Prosperity work team (富民工作队)")
    ONE_TO_ONE = "one_to_one", _("One helps one (一帮一)")
    JOBS = "jobs", _("Job information")
    STUDY = "study", _("Study and organisational life")


class ServicePoint(models.Model):
    """An organisation's role in the service network, with its service area (DOMAIN §8)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    role = models.CharField(_("role"), max_length=16, choices=PointRole.choices)
    name = models.CharField(_("name"), max_length=200)
    service_area = models.CharField(_("service area"), max_length=300)
    # Where a mobile-member organisation works (广东省, 浙江省宁波市): the inflow side members are registered to.
    province = models.CharField(_("province or city away"), max_length=100, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    set_up_on = models.DateField(_("set up on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("service body")
        verbose_name_plural = _("service bodies")
        ordering = ["org_path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "role"], name="mobility_point_role_once"),
            models.CheckConstraint(condition=~Q(role="outside") | ~Q(province=""), name="mobility_outside_province"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def service_labels(self) -> list[str]:
        return [str(Service(code).label) for code in self.services if code in Service.values]


class RecordStatus(models.TextChoices):
    AWAY = "away", _("Away, not yet received")
    RECEIVED = "received", _("Received by the inflow organisation")
    RETURNED = "returned", _("Back home")
    TRANSFERRED = "transferred", _("Relation transferred")


OPEN_STATUSES = (RecordStatus.AWAY, RecordStatus.RECEIVED)


class MobileRecord(models.Model):
    """流动登记: one person away from home, seen by the home side and the inflow side."""

    # A member of the roll; None for someone from outside the city registered by the inflow side.
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    name = models.CharField(_("name"), max_length=64)
    home_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("home organisation"),
    )
    home_path = path_field(_("home organisation's path"))
    # The home organisation as the person gave it, when it is outside the city.
    home_name = models.CharField(_("home organisation (outside the city)"), max_length=200, blank=True)
    inflow_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inflow organisation"),
    )
    inflow_path = path_field(_("inflow organisation's path"))
    destination = models.CharField(_("where to"), max_length=200)
    away_since = models.DateField(_("away since"))
    contact = models.CharField(_("contact"), max_length=100)
    work = models.CharField(_("work away"), max_length=200, blank=True)
    # A card from a home organisation outside the city (the city's own cards are Card rows).
    outside_card = models.CharField(_("card number (issued outside the city)"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.AWAY)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # The member's category before they were registered away, given back when they return.
    category_before = models.CharField(max_length=16, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("home_path", "inflow_path")

    class Meta:
        verbose_name = _("mobile-member record")
        verbose_name_plural = _("mobile-member records")
        ordering = ["-away_since", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(member__isnull=False, status__in=["away", "received"]),
                name="mobility_one_open_record",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(home_organisation__isnull=False), name="mobility_member_home"
            ),
            models.CheckConstraint(
                condition=Q(home_organisation__isnull=False) | Q(inflow_organisation__isnull=False),
                name="mobility_one_side_in_city",
            ),
            models.CheckConstraint(
                condition=~Q(status="received") | Q(inflow_organisation__isnull=False, received_on__isnull=False),
                name="mobility_received_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.destination}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Card(models.Model):
    """流动党员活动证: issued by the home side, numbered, valid for a period; renewed or returned."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    record = models.ForeignKey(
        MobileRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="cards", verbose_name=_("record")
    )
    number = models.CharField(_("card number"), max_length=32)
    issued_by = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    org_path = path_field(_("issuer's path"))
    # Where the member was received when the card was issued or renewed, so that side sees the card too.
    inflow_path = path_field(_("inflow organisation's path"), index=False)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path", "inflow_path")

    class Meta:
        verbose_name = _("mobile-member card")
        verbose_name_plural = _("mobile-member cards")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="mobility_card_number_once"),
            models.UniqueConstraint(
                fields=["member"], condition=Q(returned_on__isnull=True), name="mobility_one_card_held"
            ),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("issued_on")), name="mobility_card_dates"),
        ]
        indexes = [models.Index(fields=["member", "valid_until"], name="mobility_card_member")]

    def __str__(self) -> str:
        return self.number


class LostStatus(models.TextChoices):
    SEARCHING = "searching", _("Being looked for")
    FOUND = "found", _("Found")
    CLOSED = "closed", _("Closed")


class SearchMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Home visit")
    FAMILY = "family", _("Through family or neighbours")
    EMPLOYER = "employer", _("Through the last employer")
    NOTICE = "notice", _("Public notice")
    OTHER_ORGANISATION = "other_organisation", _("Through another organisation")


class LostContact(models.Model):
    """失联党员: a member the branch cannot reach, looked for until found or the case is closed."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = path_field()
    lost_since = models.DateField(_("out of contact since"))
    last_known = models.CharField(_("last known whereabouts"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=LostStatus.choices, default=LostStatus.SEARCHING)
    found_on = models.DateField(_("found on"), null=True, blank=True)
    found_where = models.CharField(_("where found"), max_length=300, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.TextField(_("why closed"), blank=True)
    category_before = models.CharField(max_length=16, blank=True, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("lost-contact case")
        verbose_name_plural = _("lost-contact cases")
        ordering = ["-lost_since", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="searching"), name="mobility_one_open_search"
            ),
        ]

    def __str__(self) -> str:
        return str(self.member)


class Search(models.Model):
    """One attempt to reach a lost-contact member: when, how, by whom, what came of it."""

    case = models.ForeignKey(LostContact, on_delete=models.CASCADE, related_name="searches")
    searched_on = models.DateField(_("searched on"))
    method = models.CharField(_("how"), max_length=20, choices=SearchMethod.choices)
    result = models.CharField(_("what came of it"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("case__org_path",)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ["-searched_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.searched_on}"
