"""Audit event types of the organisation tree."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

ORGANISATION_CREATED = audit.declare("orgs.organisation.created", _("Organisation created"))
ORGANISATION_UPDATED = audit.declare("orgs.organisation.updated", _("Organisation changed"))
ORGANISATION_MOVED = audit.declare("orgs.organisation.moved", _("Moved under another parent"))
