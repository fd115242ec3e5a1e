"""Audit event types of typical examples, lecture groups and training classes."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

EXAMPLE_SELECTED = audit.declare("exemplars.example.selected", _("Typical example selected"))
EXAMPLE_PUBLICISED = audit.declare("exemplars.example.publicised", _("Typical example publicised"))
GROUP_SET_UP = audit.declare("exemplars.group.set_up", _("Lecture group set up"))
GROUP_MEMBER_ADDED = audit.declare("exemplars.group.member_added", _("Lecturer added to a lecture group"))
TALK_RECORDED = audit.declare("exemplars.talk.recorded", _("Talk recorded"))
CLASS_OPENED = audit.declare("exemplars.class.opened", _("Training class recorded"))
TRAINEE_ENROLLED = audit.declare("exemplars.trainee.enrolled", _("Trainee enrolled"))
TRAINEE_UPDATED = audit.declare("exemplars.trainee.updated", _("Trainee's attendance or outcome recorded"))
