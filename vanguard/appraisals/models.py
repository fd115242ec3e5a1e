"""Appraisal (DOMAIN §2 phase 2 and 回头看, §4, §6): self-analyses, peer-appraisal results, rules on results, screening.

Ballots (vanguard.ballots) count; this app decides what a count means for a
member, a unit or an organisation, by the campaign's settings (`Rules`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


class Rules(models.Model):
    """The campaign's settings for appraisal: thresholds, counting and what fires on results."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="appraisal_rules", verbose_name=_("campaign")
    )
    # Satisfaction rate below this (per cent) marks a self-analysis for help and a rewrite.
    threshold = models.DecimalField(_("satisfaction threshold (%)"), max_digits=5, decimal_places=2, default=70)
    # The rate's numerator: 满意 + 基本满意 (the usual formula), or 满意 alone.
    count_basically = models.BooleanField(_("count “basically satisfied” as satisfied"), default=True)
    # A peer appraisal's result is 不合格 when more than this share of valid ballots say so.
    unqualified_share = models.DecimalField(
        _("share of “unqualified” votes that makes the result unqualified"), max_digits=4, decimal_places=3, default=0.5
    )
    rewrite_below_threshold = models.BooleanField(
        _("self-analyses below the threshold return for rewrite"), default=True
    )
    # 回头看: a unit whose raters are more than this share dissatisfied is ordered remedial work (整改补课).
    remedial_share = models.DecimalField(
        _("share of dissatisfied raters that orders remedial work"), max_digits=4, decimal_places=3, default=0.5
    )
    # Weak-organisation screening: weights of the three methods and the bottom share flagged.
    weight_members = models.DecimalField(_("weight of members' appraisal"), max_digits=4, decimal_places=3, default=0.4)
    weight_public = models.DecimalField(
        _("weight of the public's appraisal"), max_digits=4, decimal_places=3, default=0.3
    )
    weight_upper = models.DecimalField(
        _("weight of the assessment from above"), max_digits=4, decimal_places=3, default=0.3
    )
    bottom_share = models.DecimalField(_("bottom share flagged"), max_digits=4, decimal_places=3, default=0.05)

    class Meta:
        verbose_name = _("appraisal rules")
        verbose_name_plural = _("appraisal rules")

    def __str__(self) -> str:
        return str(self.campaign)


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")
    PUBLISHED = "published", _("Published")
    REWRITE = "rewrite", _("Returned for rewrite")
    ACCEPTED = "accepted", _("Accepted")


class Audience(models.TextChoices):
    BRANCH = "branch", _("The member's branch")
    UNIT = "unit", _("The member's unit")
    PUBLIC = "public", _("The public")


class SelfAnalysis(models.Model):
    """党性分析材料: one member's self-analysis in one campaign, with its versions, publication and rating."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT)
    audience = models.CharField(_("published to"), max_length=8, choices=Audience.choices, default=Audience.BRANCH)
    published_from = models.DateField(_("published from"), null=True, blank=True)
    published_until = models.DateField(_("published until"), null=True, blank=True)
    # The latest rating: the satisfaction rate (per cent) of the current version, None until rated.
    rating = models.DecimalField(_("satisfaction rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # Who helps a member whose self-analysis was returned (重点帮助).
    helper = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("helper"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("self-analysis")
        verbose_name_plural = _("self-analyses")
        ordering = ["org_path", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="self_analysis_once")]

    def __str__(self) -> str:
        return f"{self.member} · {self.campaign}"


class Version(models.Model):
    analysis = models.ForeignKey(SelfAnalysis, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to="self-analyses/%Y/%m/", blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # The satisfaction rate this version received (per cent), and the ballot that rated it.
    rating = models.DecimalField(_("satisfaction rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    rated_by_ballot = models.ForeignKey(
        "ballots.Ballot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("self-analysis version")
        verbose_name_plural = _("self-analysis versions")
        ordering = ["analysis", "number"]
        constraints = [models.UniqueConstraint(fields=["analysis", "number"], name="self_analysis_version_once")]

    def __str__(self) -> str:
        return f"{self.analysis_id} v{self.number}"


class Comment(models.Model):
    """A reader's comment during publication (公示); from the public a name is optional."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.text[:30]}"


class AppraisalResult(models.Model):
    """民主评议: one member's result in one peer-appraisal ballot, with the counts it rests on."""

    ballot = models.ForeignKey("ballots.Ballot", on_delete=models.CASCADE, related_name="+", verbose_name=_("ballot"))
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    excellent = models.PositiveIntegerField(_("excellent"), default=0)
    qualified = models.PositiveIntegerField(_("qualified"), default=0)
    basically_qualified = models.PositiveIntegerField(_("basically qualified"), default=0)
    unqualified = models.PositiveIntegerField(_("unqualified"), default=0)
    grade = models.CharField(_("result"), max_length=20)
    # Set when an unqualified result has been handed to casework (the rectification app's cases).
    case_opened = models.BooleanField(_("case opened"), default=False)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        ordering = ["org_path", "member"]
        constraints = [models.UniqueConstraint(fields=["ballot", "member"], name="appraisal_result_once")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.grade}"


class RemedialOrder(models.Model):
    """整改补课: ordered when most of a unit's look-back raters are dissatisfied."""

    unit = models.ForeignKey("campaigns.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    ballot = models.ForeignKey("ballots.Ballot", on_delete=models.CASCADE, related_name="+", verbose_name=_("ballot"))
    dissatisfied_share = models.DecimalField(_("dissatisfied share"), max_digits=5, decimal_places=4)
    ordered_on = models.DateField(_("ordered on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("remedial work order")
        verbose_name_plural = _("remedial work orders")
        ordering = ["-ordered_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "ballot"], name="remedial_once_per_ballot")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.ordered_on}"


class UpperAssessment(models.Model):
    """The organisation above's assessment of an organisation (0–100), one of the three screening methods."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_on = models.DateField(_("assessed on"))

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("assessment from above")
        verbose_name_plural = _("assessments from above")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="upper_assessment_once"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="upper_assessment_range"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.score}"


class Screening(models.Model):
    """A run of weak-organisation screening over a subtree, at one level (kind of organisation)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    level = models.CharField(_("level"), max_length=32)
    bottom_share = models.DecimalField(_("bottom share flagged"), max_digits=4, decimal_places=3)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-run_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.org_path} · {self.level}"


class ScreeningEntry(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="entries")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    members_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    public_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    upper_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    composite = models.DecimalField(_("composite score"), max_digits=5, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    flagged = models.BooleanField(_("flagged for remedy"), default=False)
    # [{"criterion": code, "value": number, "detail": text}]: what the flag rests on.
    criteria = models.JSONField(_("criteria"), default=list)

    class Meta:
        ordering = ["screening", "rank"]
        constraints = [models.UniqueConstraint(fields=["screening", "organisation"], name="screening_entry_once")]

    def __str__(self) -> str:
        return f"{self.screening_id}: {self.organisation_id}"
