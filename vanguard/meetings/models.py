"""Meetings of an organisation (会议记录): who spoke, who came, who was away and why, the minutes and files.

A campaign step proves itself with one (the meeting evidence kind); study
sessions (issue #16) are meetings too and add credits on top, without a
meeting model of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    MOBILISATION = "mobilisation", _("Mobilisation meeting")
    STUDY = "study", _("Study session")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    CENTRAL_GROUP = "central_group", _("Central-group study")
    TOPICAL_LIFE = "topical_life", _("Topical organisational life meeting")
    DEMOCRATIC_LIFE = "democratic_life", _("Democratic life meeting")
    FORUM = "forum", _("Forum")


class Meeting(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("organisation")
    )
    # A copy of the organisation's tree path (kept by orgs.hooks on moves) so scoping needs no join.
    org_path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    speakers = models.CharField(_("who spoke"), max_length=500, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class Attendance(models.Model):
    """One member invited to a meeting: present, or absent with a reason (and, for study, made up later)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting"))
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="meeting_attendance", verbose_name=_("member")
    )
    present = models.BooleanField(_("present"), default=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)
    made_up_on = models.DateField(_("made up on"), null=True, blank=True)

    scope_fields = ("meeting__organisation__path",)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.member}"


class MeetingFile(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files", verbose_name=_("meeting"))
    file = models.FileField(_("file"), upload_to="meetings/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    scope_fields = ("meeting__organisation__path",)

    class Meta:
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")

    def __str__(self) -> str:
        return self.name
