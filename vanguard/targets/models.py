"""Target management (目标管理, DOMAIN §9; issue 22 point 4): score sheets defined as data, responsibility letters
signed at the start of a year with targets broken down to departments and people, evidence through the year,
scores at its end, and a ranking of the units.

- `ScoreSheet` with its `SheetItem`s: e.g. “双百分” for towns and streets (two parts of 100 points: party building,
  and economic and social development), “六定任务” for departments (each task with its six 定: task, standard,
  deadline, responsible, measures, reward or penalty).  A sheet is drafted, then published; a published sheet's
  parts each add up to their stated total.
- `Letter` (目标责任书): one unit's letter for one year on one sheet, issued by an organisation above it, signed,
  then assessed; its `Target`s are the sheet's items for this unit, each broken down further to departments or
  people (`Target.parent`).  `Evidence` is what the unit shows through the year; scores are given at the end by
  the issuing side, never by the unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core.fields import path_field


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ScoreSheet(models.Model):
    """A score-sheet template: its parts (each with a total) and items (each with its points), as data."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("defined by")
    )
    org_path = path_field()
    name = models.CharField(_("name"), max_length=200)
    meant_for = models.CharField(_("for"), max_length=200, help_text=_("e.g. towns and streets; city departments"))
    # [{"key": "party", "name": "党建工作", "total": 100}, …]: the parts and the points each adds up to.
    parts = models.JSONField(_("parts"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["org_path", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="targets_sheet_name_once")]

    def __str__(self) -> str:
        return self.name

    def part_name(self, key: str) -> str:
        return next((p["name"] for p in self.parts if p["key"] == key), key)


class SheetItem(models.Model):
    """One line of a score sheet: what is assessed, how many points it carries and how it is scored."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items")
    part = models.CharField(_("part"), max_length=32)
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("item"), max_length=300)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1)
    criterion = models.TextField(_("how it is scored"), blank=True)
    # 六定任务: the task's standard, deadline, who answers for it, the measures, the reward or penalty.
    standard = models.CharField(_("standard"), max_length=300, blank=True)
    deadline = models.CharField(_("deadline"), max_length=100, blank=True)
    responsible = models.CharField(_("responsible"), max_length=100, blank=True)
    measures = models.CharField(_("measures"), max_length=300, blank=True)
    reward = models.CharField(_("reward or penalty"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("score-sheet item")
        verbose_name_plural = _("score-sheet items")
        ordering = ["sheet", "order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "order"], name="targets_item_order_once"),
            models.CheckConstraint(condition=Q(points__gt=0), name="targets_item_points_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class LetterStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, awaiting signature")
    SIGNED = "signed", _("Signed")
    ASSESSED = "assessed", _("Assessed")


class Letter(models.Model):
    """目标责任书: a unit's targets for a year on a sheet, issued by an organisation above it."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, related_name="letters")
    year = models.PositiveSmallIntegerField(_("year"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    org_path = path_field()
    issued_by = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_by_path = path_field(_("issuer's path"))
    status = models.CharField(_("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.ISSUED)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_by = models.CharField(_("signed for the unit by"), max_length=100, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=1, null=True, blank=True)
    outcome = models.CharField(_("reward or penalty"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path", "issued_by_path")

    class Meta:
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "year", "organisation"], name="targets_letter_once"),
            models.CheckConstraint(
                condition=~Q(status="assessed") | Q(total__isnull=False, assessed_on__isnull=False),
                name="targets_assessed_has_total",
            ),
        ]
        indexes = [models.Index(fields=["sheet", "year", "issued_by_path"], name="targets_letter_ranking")]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.year} · {self.sheet}"


class Target(models.Model):
    """A target of a letter: one sheet item as this unit must meet it, or a share of one given to a department
    or a person (`parent` is the target it breaks down)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="targets")
    item = models.ForeignKey(SheetItem, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="shares", verbose_name=_("part of")
    )
    text = models.TextField(_("target"))
    assignee_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    assignee_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=1, null=True, blank=True)
    score_note = models.CharField(_("why this score"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["letter", "item__order", "parent_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "item"], condition=Q(parent__isnull=True), name="targets_one_per_item"
            ),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0), name="targets_score_positive"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class Evidence(models.Model):
    """What a unit shows for a target through the year: a note, a date, and where to find the document."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="evidence")
    on = models.DateField(_("date"))
    text = models.CharField(_("what was done"), max_length=500)
    link = models.URLField(_("link to the document"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["target", "on", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
