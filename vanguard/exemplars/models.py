"""Typical examples, lecture groups and training classes (DOMAIN §2 preparation, §9 assistance; issue 21 point 5).

- `Exemplar` (先进典型): an exemplary member or organisation, their deeds, selected by an organisation at or
  above them, and when and how publicised.
- `LectureGroup` (宣讲团) with its `GroupMember`s (members of its subtree; a typical example may be one) and the
  `Talk`s they gave (典型讲).
- `TrainingClass` with its `Trainee`s: key-staff training (骨干培训), skills training for laid-off members
  (技能培训, with each trainee's re-employment), or other training.

Every row copies the tree path it is counted under (`org_path`) so a subtree's figures need no join; moves of
the tree rewrite the copies (orgs.hooks.register_path_copy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core.fields import path_field


class ExampleKind(models.TextChoices):
    MEMBER = "member", _("Exemplary member")
    ORGANISATION = "organisation", _("Exemplary organisation")


class Channel(models.TextChoices):
    """How a typical example was made known."""

    REPORT_MEETING = "report_meeting", _("Report meeting (报告会)")
    PRESS = "press", _("Newspapers and magazines")
    BROADCAST = "broadcast", _("Radio and television")
    BRIEFING = "briefing", _("Campaign briefing (简报)")
    WEBSITE = "website", _("Website")
    NOTICE_BOARD = "notice_board", _("Notice board or exhibition")
    OTHER = "other", _("Other")


class Exemplar(models.Model):
    """先进典型: an exemplary member or organisation, selected by its organisation or one above it."""

    kind = models.CharField(_("kind"), max_length=12, choices=ExampleKind.choices)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member"),
    )
    # The exemplary organisation itself, or the member's organisation when selected.
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    selected_by = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("selected by")
    )
    selected_by_path = path_field(_("selecting organisation's path"), index=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    title = models.CharField(_("honour"), max_length=200)
    deeds = models.TextField(_("deeds"))
    selected_on = models.DateField(_("selected on"))
    publicised_on = models.DateField(_("publicised on"), null=True, blank=True)
    channel = models.CharField(_("publicised through"), max_length=16, choices=Channel.choices, blank=True)
    publicity_note = models.CharField(_("publicity note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("typical example")
        verbose_name_plural = _("typical examples")
        ordering = ["-selected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ExampleKind.MEMBER, member__isnull=False)
                | Q(kind=ExampleKind.ORGANISATION, member__isnull=True),
                name="exemplar_member_or_organisation",
            ),
        ]
        indexes = [models.Index(fields=["member"], name="exemplar_member")]

    def __str__(self) -> str:
        return f"{self.name} · {self.title}"

    @property
    def name(self) -> str:
        return self.member.name if self.member_id else self.organisation.name


class LectureGroup(models.Model):
    """宣讲团: a group an organisation sets up to give talks in its subtree."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("set up by")
    )
    org_path = path_field()
    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    set_up_on = models.DateField(_("set up on"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("lecture group")
        verbose_name_plural = _("lecture groups")
        ordering = ["-set_up_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class GroupRole(models.TextChoices):
    HEAD = "head", _("Head of the group")
    LECTURER = "lecturer", _("Lecturer")


class GroupMember(models.Model):
    """A member of a lecture group: a member of the group's subtree."""

    group = models.ForeignKey(LectureGroup, on_delete=models.CASCADE, related_name="lecturers")
    org_path = path_field(index=False)  # the group's
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    role = models.CharField(_("role"), max_length=8, choices=GroupRole.choices, default=GroupRole.LECTURER)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturers")
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="exemplars_lecturer_once")]
        indexes = [models.Index(fields=["member"], name="exemplars_lecturer_member")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.member_id}"


class AudienceKind(models.TextChoices):
    MEMBERS = "members", _("Party members")
    CADRES = "cadres", _("Cadres")
    PUBLIC = "public", _("The public")
    STUDENTS = "students", _("Students")
    WORKERS = "workers", _("Workers and staff")
    VILLAGERS = "villagers", _("Villagers")
    MIXED = "mixed", _("Mixed audience")


class Talk(models.Model):
    """A talk a lecturer of the group gave at an organisation of the group's subtree."""

    group = models.ForeignKey(LectureGroup, on_delete=models.CASCADE, related_name="talks")
    group_path = path_field(_("group's path"), index=False)
    speaker = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="talks", verbose_name=_("speaker"))
    given_at = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("given at")
    )
    org_path = path_field()  # where it was given: the talk counts in that subtree
    given_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    audience_kind = models.CharField(_("audience"), max_length=12, choices=AudienceKind.choices)
    audience_size = models.PositiveIntegerField(_("audience size"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    # Seen where it was given and by the organisation whose group gave it.
    scope_fields = ("org_path", "group_path")

    class Meta:
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return self.topic


class ClassKind(models.TextChoices):
    KEY_STAFF = "key_staff", _("Key-staff training (骨干培训)")
    SKILLS = "skills", _("Skills training (技能培训)")
    OTHER = "other", _("Other training")


class TrainingClass(models.Model):
    """A training class an organisation held: key staff, skills for laid-off members, or other."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organised by")
    )
    org_path = path_field(index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ClassKind.choices)
    title = models.CharField(_("title"), max_length=200)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    place = models.CharField(_("place"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="exemplars_class_dates"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="exemplars_class_hours"),
        ]
        indexes = [models.Index(fields=["org_path", "starts_on"], name="exemplars_class_path")]

    def __str__(self) -> str:
        return self.title


class Outcome(models.TextChoices):
    """What became of a laid-off trainee after skills training."""

    RE_EMPLOYED = "re_employed", _("Re-employed")
    NOT_YET = "not_yet", _("Not yet employed")
    UNKNOWN = "unknown", _("Not known")


class Trainee(models.Model):
    """One person in a class: a member of the organiser's subtree or a named person not on the roll."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="trainees")
    org_path = path_field()  # the class's
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    name = models.CharField(_("name"), max_length=64)
    laid_off = models.BooleanField(_("laid off or unemployed"), default=False)
    hours_attended = models.DecimalField(_("hours attended"), max_digits=6, decimal_places=1, default=0)
    completed = models.BooleanField(_("completed"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("outcome as of"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"], condition=Q(member__isnull=False), name="exemplars_trainee_once"
            ),
            models.CheckConstraint(condition=Q(hours_attended__gte=0), name="exemplars_trainee_hours"),
        ]
        indexes = [models.Index(fields=["member"], name="exemplars_trainee_member")]

    def __str__(self) -> str:
        return self.name
