"""Audit event types of meetings."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

MEETING_RECORDED = audit.declare("meetings.meeting.recorded", _("Meeting recorded"))
MEETING_UPDATED = audit.declare("meetings.meeting.updated", _("Meeting changed"))
FILE_ADDED = audit.declare("meetings.meeting.file_added", _("File added to a meeting"))
