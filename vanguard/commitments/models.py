"""Public commitments (承诺, DOMAIN §9 and issue 21 point 4): templates, commitments with kept versions, ratings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.appraisals.models import Audience
from vanguard.core import tree

__all__ = ["Audience", "Commitment", "Template", "TemplateFor", "Verdict", "Version"]


class TemplateFor(models.TextChoices):
    LEADERS = "leaders", _("Leading cadres")
    ALL = "all", _("All members")


class Template(models.Model):
    """A campaign's commitment template, e.g. leaders' 十项承诺 or the “5+1” week; its items are ordered data."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=200)
    meant_for = models.CharField(_("for"), max_length=8, choices=TemplateFor.choices, default=TemplateFor.ALL)
    # The items in their order: a list of strings.
    items = models.JSONField(_("items"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commitment template")
        verbose_name_plural = _("commitment templates")
        ordering = ["campaign", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="commitment_template_name_once")]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Not yet published")
    PUBLISHED = "published", _("Published")
    RATED = "rated", _("Rated")


class Verdict(models.TextChoices):
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    NOT_KEPT = "not_kept", _("Not kept")


class Commitment(models.Model):
    """One commitment of one member in one campaign; its text lives in versions, the last one current."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    # Position of the template item this commitment takes up (0-based), None for free text.
    item_index = models.PositiveSmallIntegerField(_("template item"), null=True, blank=True)
    # Set when made: a leading cadre's commitment counts among leaders' even if the category changes later.
    by_leader = models.BooleanField(_("by a leading cadre"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    audience = models.CharField(_("published to"), max_length=8, choices=Audience.choices, default=Audience.BRANCH)
    published_from = models.DateField(_("published from"), null=True, blank=True)
    published_until = models.DateField(_("published until"), null=True, blank=True)
    text = models.TextField(_("text"))
    verdict = models.CharField(_("branch's verdict"), max_length=10, choices=Verdict.choices, blank=True)
    verdict_note = models.TextField(_("note on the verdict"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Public verdicts as counts only: who rated is never kept.
    public_kept = models.PositiveIntegerField(_("public: kept"), default=0)
    public_partly = models.PositiveIntegerField(_("public: partly kept"), default=0)
    public_not_kept = models.PositiveIntegerField(_("public: not kept"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["org_path", "member", "pk"]
        indexes = [models.Index(fields=["campaign", "org_path"], name="commitment_campaign_path")]

    def __str__(self) -> str:
        return f"{self.member} · {self.text[:30]}"

    @property
    def public_counts(self) -> dict[str, int]:
        return {
            Verdict.KEPT: self.public_kept,
            Verdict.PARTLY: self.public_partly,
            Verdict.NOT_KEPT: self.public_not_kept,
        }


class Version(models.Model):
    """A commitment's text as it stood; a change after publication is a new version, earlier ones kept."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commitment version")
        verbose_name_plural = _("commitment versions")
        ordering = ["commitment", "number"]
        constraints = [models.UniqueConstraint(fields=["commitment", "number"], name="commitment_version_once")]

    def __str__(self) -> str:
        return f"{self.commitment_id} v{self.number}"


PUBLIC_FIELD = {Verdict.KEPT: "public_kept", Verdict.PARTLY: "public_partly", Verdict.NOT_KEPT: "public_not_kept"}
