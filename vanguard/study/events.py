"""Audit event types of study (meetings record their own: a session's attendance is the meeting's update)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

MATERIAL_ADDED = audit.declare("study.material.added", _("Study material listed"))
MATERIAL_REMOVED = audit.declare("study.material.removed", _("Study material taken off the list"))
SESSION_SCHEDULED = audit.declare("study.session.scheduled", _("Study session scheduled"))
ATTENDANCE_RECORDED = audit.declare("study.session.attendance", _("Study attendance recorded"))
MADE_UP = audit.declare("study.session.made_up", _("Missed study made up"))
RECORD_ADDED = audit.declare("study.record.added", _("Study recorded"))
RECORD_REMOVED = audit.declare("study.record.removed", _("Study record removed"))
RULES_SET = audit.declare("study.rules.set", _("Credit rules set"))
