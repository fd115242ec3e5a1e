"""Opinions and the five-form loop (DOMAIN §3): collect → group into problems → forward and reply → rectify → rate.

Every table keeps a copy of its organisation's tree path (kept by orgs.hooks on
moves) so that scoping and the five tables' roll-ups are range scans, not joins.
A problem has two sides: the organisation that grouped it (`org_path`) and the
one it was forwarded to (`responsible_path`); staff of either subtree see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


class Channel(models.TextChoices):
    FORUM = "forum", _("Forum")
    INTERVIEW = "interview", _("Interview")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web mailbox")


class Direction(models.TextChoices):
    DOWN_UP = "down_up", _("Subordinates rate superiors")
    PUBLIC_OFFICIAL = "public_official", _("Public rates officials")
    BUSINESS_OFFICE = "business_office", _("Businesses rate government offices")


class SourceGroup(models.TextChoices):
    MEMBERS = "members", _("Party members")
    PUBLIC = "public", _("Members of the public")
    SERVICE_USERS = "service_users", _("Service users")
    BUSINESSES = "businesses", _("Businesses")
    REPRESENTATIVES = "representatives", _("Representatives of all circles")
    STAFF = "staff", _("Cadres and staff")


class Category(models.TextChoices):
    """DOMAIN §5.1: how a problem is to be rectified."""

    AT_ONCE = "at_once", _("Fix at once")
    DEADLINE = "deadline", _("Fix by a deadline")
    COORDINATED = "coordinated", _("Coordinated treatment")
    EXPLAIN = "explain", _("Explain the situation")


class IntakePage(models.Model):
    """A unit's public page for opinions: the short link and the poster's QR code lead here."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    code = models.CharField(_("short code"), max_length=16, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The direction a visitor is offered first (a business park's page asks businesses).
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.PUBLIC_OFFICIAL
    )
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("public opinion page")
        verbose_name_plural = _("public opinion pages")
        ordering = ["org_path", "pk"]

    def __str__(self) -> str:
        return self.title


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Grouped, not forwarded")
    FORWARDED = "forwarded", _("Forwarded")
    REPLIED = "replied", _("Replied")
    RECTIFIED = "rectified", _("Rectified")


class Problem(models.Model):
    """意见汇总: many opinions made one problem, forwarded (转办) to the organisation responsible for it."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("grouped by")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    responsible = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    responsible_path = models.CharField(
        _("responsible tree path"), max_length=tree.PATH_MAX_LENGTH, blank=True, editable=False
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # What the routing suggestion proposed when the problem was forwarded, kept to measure it against staff's choice.
    suggested = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suggested organisation"),
    )
    suggestion_confidence = models.FloatField(_("confidence of the suggestion"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    rectification = models.TextField(_("what was done"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    # Overdue: the organisation above the responsible one was told (DOMAIN §5.1 "overdue escalation").
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # 挂牌限时整改: listed on the public page with its deadline.
    listed_at = models.DateTimeField(_("listed publicly at"), null=True, blank=True)
    # 通报: circulated as a negative case, with the office's words.
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    circular = models.TextField(_("circular"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("grouped by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path", "responsible_path")

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["org_path", "created_at"], name="problem_path_created"),
            models.Index(fields=["responsible_path", "status"], name="problem_responsible_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.deadline is not None
            and self.status in (ProblemStatus.FORWARDED, ProblemStatus.REPLIED)
            and self.deadline < timezone.localdate()
        )

    @property
    def on_time(self) -> bool | None:
        """Rectified by the deadline; None while not rectified or without a deadline."""
        if self.rectified_at is None or self.deadline is None:
            return None
        from django.utils import timezone

        return timezone.localdate(self.rectified_at) <= self.deadline


class Opinion(models.Model):
    """征求意见表: one opinion as given, with where, when and how it came in."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    intake_page = models.ForeignKey(
        IntakePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions", verbose_name=_("page")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    source_group = models.CharField(_("source group"), max_length=16, choices=SourceGroup.choices)
    received_on = models.DateField(_("date"))
    text = models.TextField(_("opinion"))
    # Contact details are optional (anonymous opinions are normal) and seen by staff of the unit's subtree only.
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    receipt = models.CharField(_("receipt code"), max_length=16, unique=True)
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions", verbose_name=_("problem")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["org_path", "received_on"], name="opinion_path_received"),
            models.Index(fields=["problem"], name="opinion_problem"),
            # The five tables find a period's problems through their opinions: read from the index alone.
            models.Index(fields=["problem", "received_on", "org_path"], name="opinion_problem_period"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} · {self.text[:30]}"


class ProgressNote(models.Model):
    """整改情况: a step of the rectification, with its evidence."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="notes", verbose_name=_("problem"))
    text = models.TextField(_("progress"))
    file = models.FileField(_("file"), upload_to="opinions/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("problem__organisation__path", "problem__responsible__path")

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class RatingSource(models.TextChoices):
    RAISER = "raiser", _("Whoever raised it")
    SAMPLE = "sample", _("A sample of the public")


class EffectRating(models.Model):
    """整改效果: one rating of a rectified problem, by whoever raised it (through the receipt) or by a sample."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("problem"))
    opinion = models.ForeignKey(
        Opinion, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("opinion")
    )
    source = models.CharField(_("rated by"), max_length=16, choices=RatingSource.choices)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("entered by")
    )
    rated_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    scope_fields = ("problem__organisation__path", "problem__responsible__path")

    class Meta:
        verbose_name = _("effect rating")
        verbose_name_plural = _("effect ratings")
        constraints = [
            # One rating per opinion, however often the receipt page is submitted.
            models.UniqueConstraint(
                fields=["opinion"], condition=Q(opinion__isnull=False), name="one_rating_per_opinion"
            ),
            models.CheckConstraint(
                condition=Q(source="sample", opinion__isnull=True) | Q(source="raiser", opinion__isnull=False),
                name="rating_source_matches_opinion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.verdict}"


class Notification(models.Model):
    """A reply sent to someone who raised a problem: the outbox, so a failed send is seen and retried, not lost."""

    class Medium(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("opinion")
    )
    medium = models.CharField(_("medium"), max_length=8, choices=Medium.choices)
    address = models.CharField(_("address"), max_length=254)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    scope_fields = ("opinion__organisation__path",)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.medium} {self.status}"


class MonitoringLevel(models.TextChoices):
    """三级: the district office (纠风办), its monitoring stations and their monitoring points."""

    OFFICE = "office", _("Conduct-rectification office")
    STATION = "station", _("Monitoring station")
    POINT = "point", _("Monitoring point")


class MonitoringBody(models.Model):
    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=MonitoringLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("reports to")
    )
    # The office's path on every body of its network, so the office and a station read their roll-ups by range.
    office_path = models.CharField(_("office tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    station_path = models.CharField(_("station tree path"), max_length=tree.PATH_MAX_LENGTH, blank=True, editable=False)

    scope_fields = ("org_path", "office_path", "station_path")

    class Meta:
        verbose_name = _("monitoring body")
        verbose_name_plural = _("monitoring bodies")
        ordering = ["office_path", "level", "org_path"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.organisation}"


class Aspect(models.TextChoices):
    """两评."""

    CONDUCT = "conduct", _("Conduct")
    EFFICIENCY = "efficiency", _("Efficiency")


class ConductAppraisal(models.Model):
    """A monitoring point's appraisal of an office or trade: how many rated it satisfied, basically, not."""

    point = models.ForeignKey(
        MonitoringBody, on_delete=models.PROTECT, related_name="appraisals", verbose_name=_("monitoring point")
    )
    subject = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("office or trade appraised")
    )
    aspect = models.CharField(_("aspect"), max_length=16, choices=Aspect.choices)
    appraised_on = models.DateField(_("date"))
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically = models.PositiveIntegerField(_("basically satisfied"), default=0)
    unsatisfied = models.PositiveIntegerField(_("not satisfied"), default=0)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    # Direct reads follow the point's own subtree; the office and stations read their network's roll-ups through
    # opinions.monitoring, which checks they may see the body first.
    scope_fields = ("point__organisation__path",)

    class Meta:
        verbose_name = _("conduct appraisal")
        verbose_name_plural = _("conduct appraisals")
        ordering = ["-appraised_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_aspect_display()} · {self.appraised_on}"
