"""Audit event types of the mobile-member service network, records, cards and lost-contact cases.

The records' and cases' state changes are declared transitions (mobility.services), which declare their own events.
"""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

POINT_SET_UP = audit.declare("mobility.point.set_up", _("Service body set up"))
POINT_CHANGED = audit.declare("mobility.point.changed", _("Service body changed"))
RECORD_REGISTERED = audit.declare("mobility.record.registered", _("Member registered as away"))
INFLOW_REGISTERED = audit.declare("mobility.record.inflow_registered", _("Member from elsewhere registered"))
RECORD_CHANGED = audit.declare("mobility.record.changed", _("Mobile-member record changed"))
CARD_ISSUED = audit.declare("mobility.card.issued", _("Mobile-member card issued"))
CARD_RENEWED = audit.declare("mobility.card.renewed", _("Mobile-member card renewed"))
CARD_RETURNED = audit.declare("mobility.card.returned", _("Mobile-member card returned"))
LOST_OPENED = audit.declare("mobility.lost.opened", _("Lost-contact case opened"))
SEARCH_RECORDED = audit.declare("mobility.lost.searched", _("Search for a lost-contact member recorded"))
