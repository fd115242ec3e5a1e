"""Study (DOMAIN §2 phase 1, §9 learning): the catalogue, sessions, self-study, credit rules and each member's standing.

A study session is a `meetings.Meeting` (its attendance is the meeting's); `Session` adds what study needs on
top: the campaign and phase it counts in, who gave it, and whether its attendance has been recorded yet (a
session is scheduled first and recorded after it is held). Credits are never typed: `Standing` is computed from
attendance and study records by `study.credits` and kept up to date as they are recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree
from vanguard.core.fields import path_field
from vanguard.meetings.models import MeetingKind
from vanguard.members.models import Category as MemberCategory


class StudyForm(models.TextChoices):
    """The forms of study of DOMAIN §2 phase 1."""

    LEADERS = "leaders", _("Leaders speak (领导讲)")
    EXPERTS = "experts", _("Experts speak (专家讲)")
    EXAMPLES = "examples", _("Typical examples speak (典型讲)")
    SELF = "self", _("Study on one's own (自己学)")
    DISCUSSION = "discussion", _("Everyone discusses (大家议)")
    ORGANISED = "organised", _("The organisation urges (组织促)")


class Material(models.Model):
    """A text of the campaign's catalogue, visible to the subtree of the organisation that lists it."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("listed for")
    )
    org_path = path_field()
    title = models.CharField(_("title"), max_length=200)
    required = models.BooleanField(_("required reading"), default=False)
    form = models.CharField(_("form of study"), max_length=12, choices=StudyForm.choices, default=StudyForm.SELF)
    description = models.TextField(_("description"), blank=True)
    link = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="study/%Y/%m/", blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["-required", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class Activity(models.TextChoices):
    """What earns credits: the kinds of meeting that are study, and what a member does outside them."""

    STUDY = MeetingKind.STUDY.value, _("Study session")
    PARTY_LECTURE = MeetingKind.PARTY_LECTURE.value, _("Party lecture attended")
    CENTRAL_GROUP = MeetingKind.CENTRAL_GROUP.value, _("Central-group study")
    TOPICAL_LIFE = MeetingKind.TOPICAL_LIFE.value, _("Organisational life meeting")
    DEMOCRATIC_LIFE = MeetingKind.DEMOCRATIC_LIFE.value, _("Democratic life meeting")
    GAVE_LECTURE = "gave_lecture", _("Party lecture given")
    SELF_STUDY = "self_study", _("Self-study")
    REMOTE = "remote", _("Study away from home (remote or with the inflow organisation)")
    HOME_VISIT = "home_visit", _("Study at home with a visiting member")
    SKILLS = "skills", _("Skills training")


SESSION_KINDS = (
    MeetingKind.STUDY,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.CENTRAL_GROUP,
    MeetingKind.TOPICAL_LIFE,
    MeetingKind.DEMOCRATIC_LIFE,
)
RECORD_ACTIVITIES = (Activity.SELF_STUDY, Activity.REMOTE, Activity.HOME_VISIT, Activity.SKILLS)


class Session(models.Model):
    """A meeting that is a study session of a campaign: scheduled, then its attendance recorded."""

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, primary_key=True, related_name="study", verbose_name=_("meeting")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    phase = models.ForeignKey("campaigns.Phase", on_delete=models.PROTECT, related_name="+", verbose_name=_("phase"))
    org_path = path_field()
    given_by = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("given by"),
    )
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=2)
    recorded_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["-meeting__held_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "org_path"], name="study_session_campaign_path")]

    def __str__(self) -> str:
        return str(self.meeting)


class Basis(models.TextChoices):
    EACH = "each", _("for each")
    HOUR = "hour", _("per hour")


class CreditRule(models.Model):
    """学分制: what an activity earns in a campaign; a rule for one member category overrides the general one."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    activity = models.CharField(_("activity"), max_length=16, choices=Activity.choices)
    category = models.CharField(
        _("member category"), max_length=16, choices=MemberCategory.choices, blank=True, help_text=_("empty: all")
    )
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1)
    basis = models.CharField(_("counted"), max_length=4, choices=Basis.choices, default=Basis.EACH)

    scope_fields = ("campaign__organisation__path",)

    class Meta:
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        ordering = ["campaign", "activity", "category"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "activity", "category"], name="study_rule_once"),
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="study_rule_credits_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()}: {self.credits}"


class Requirement(models.Model):
    """The credits a member must reach in a phase; one for a member category overrides the general one."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    phase = models.ForeignKey("campaigns.Phase", on_delete=models.CASCADE, related_name="+", verbose_name=_("phase"))
    category = models.CharField(
        _("member category"), max_length=16, choices=MemberCategory.choices, blank=True, help_text=_("empty: all")
    )
    credits = models.DecimalField(_("credits required"), max_digits=6, decimal_places=1)

    scope_fields = ("campaign__organisation__path",)

    class Meta:
        verbose_name = _("credit requirement")
        verbose_name_plural = _("credit requirements")
        ordering = ["campaign", "phase", "category"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "category"], name="study_requirement_once"),
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="study_requirement_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.phase_id} {self.category or '*'}: {self.credits}"


class StudyRecord(models.Model):
    """Study outside the sessions: self-study the member logs, study with the inflow organisation or remotely,
    study at home with a visiting member, skills training. Recorded by the member or by an organisation over them
    (their branch or above, or the organisation hosting them away from home: both sides see it)."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="study_records", verbose_name=_("member")
    )
    # The member's branch when it was recorded: roll-ups count it there even after a transfer.
    org_path = path_field()
    recorded_at_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by organisation")
    )
    recorded_at_path = path_field(_("recording organisation's path"))
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    phase = models.ForeignKey("campaigns.Phase", on_delete=models.PROTECT, related_name="+", verbose_name=_("phase"))
    activity = models.CharField(_("activity"), max_length=16, choices=Activity.choices, default=Activity.SELF_STUDY)
    studied_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    what = models.CharField(_("what was studied"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("material")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path", "recorded_at_path")

    class Meta:
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        ordering = ["-studied_on", "-pk"]
        indexes = [models.Index(fields=["member", "campaign"], name="study_record_member")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24), name="study_record_hours_in_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.what}"


class Standing(models.Model):
    """What one member did in one phase of a campaign, counted from what was recorded (study.credits), never typed.

    What it is worth (credits earned, required, complete) is not stored: the campaign's rules are applied when it
    is read (`credits.valued`, `credits.Rules.value`), so a change of the rules holds at once and writes nothing.
    A standing exists once something of the member's is recorded in the phase; none means nothing done yet."""

    # A city writes millions of these when rebuilt, so they carry only the two indexes they are read by: the
    # unique (member, phase) (a member's page, a branch's list, the upsert) and (campaign, org_path) (roll-ups).
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("member")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("campaign")
    )
    phase = models.ForeignKey(
        "campaigns.Phase", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("phase")
    )
    # The member's organisation and category now: the branch's "who is behind" list reads them without a join.
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    category = models.CharField(_("member category"), max_length=16, choices=MemberCategory.choices)
    attended = models.PositiveIntegerField(_("sessions attended"), default=0)
    missed = models.PositiveIntegerField(_("sessions missed"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("credit standing")
        verbose_name_plural = _("credit standings")
        constraints = [models.UniqueConstraint(fields=["member", "phase"], name="study_standing_once")]
        indexes = [models.Index(fields=["campaign", "org_path"], name="study_standing_path")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.phase_id}: {self.attended} attended, {self.missed} missed"


# Per activity, how many were credited (sessions attended or made up, sessions given, records) and their hours:
# all the rules need, so every member's credits under any rules are one read of the standings, never of the tens
# of millions of attendance rows they count.
for _activity in Activity:
    Standing.add_to_class(
        f"done_{_activity.value}",
        models.PositiveIntegerField(f"done: {_activity.value}", default=0, editable=False),
    )
    Standing.add_to_class(
        f"hours_{_activity.value}",
        models.DecimalField(f"hours: {_activity.value}", max_digits=8, decimal_places=1, default=0, editable=False),
    )


class _PhaseTally(models.Model):
    """An organisation's subtree totals in one phase of a campaign (study.tallies keeps them)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("campaign")
    )
    phase = models.ForeignKey(
        "campaigns.Phase", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("phase")
    )

    class Meta:
        abstract = True


class CreditTally(_PhaseTally):
    """Per organisation, for its whole subtree: the members with something recorded in a phase of a campaign, and
    how many of them have the phase's credits under the rules, by member category. Kept by every write of a
    standing and recounted when the rules change (study.tallies), so a city's figures read a few rows."""

    category = models.CharField(_("member category"), max_length=16, choices=MemberCategory.choices)
    recorded = models.IntegerField(_("members with something recorded"), default=0)
    complete = models.IntegerField(_("members with the phase's credits"), default=0)

    class Meta:
        verbose_name = _("credit tally")
        verbose_name_plural = _("credit tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "campaign", "phase", "category"], name="study_credit_tally_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.phase_id} {self.category}: {self.complete}/{self.recorded}"


class SessionTally(_PhaseTally):
    """Per organisation, for its whole subtree: the sessions held there in a phase of a campaign by kind, their
    attendance rows and those credited (present, or made up later). Kept by every schedule and attendance write."""

    kind = models.CharField(_("kind"), max_length=32)
    sessions = models.IntegerField(_("sessions"), default=0)
    attendance_rows = models.IntegerField(_("attendance rows"), default=0)
    credited_rows = models.IntegerField(_("attendance credited"), default=0)

    class Meta:
        verbose_name = _("session tally")
        verbose_name_plural = _("session tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "campaign", "phase", "kind"], name="study_session_tally_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.phase_id} {self.kind}: {self.sessions}"
