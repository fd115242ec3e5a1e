"""Audit event types of members (transfer transitions are declared by members.workflows)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

MEMBER_CREATED = audit.declare("members.member.created", _("Record created"))
MEMBER_UPDATED = audit.declare("members.member.updated", _("Record changed"))
MEMBER_IMPORTED = audit.declare("members.member.imported", _("Record changed by a roster import"))
HOSTING_STARTED = audit.declare("members.member.hosting_started", _("Hosting started"))
HOSTING_ENDED = audit.declare("members.member.hosting_ended", _("Hosting ended"))
TRANSFER_STARTED = audit.declare("members.transfer.started", _("Transfer started"))
# Asking whether an ID number is on record elsewhere reveals something about a person: each refusal is kept.
ELSEWHERE_REFUSED = audit.declare("members.member.already_elsewhere", _("Refused: already a member elsewhere"))
