"""Audit event types of pairings, special services and the assistance funds.

Grants' decisions are declared transitions (assistance.services.GRANT_FLOW), which declare their own events.
"""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

PAIRING_MADE = audit.declare("assistance.pairing.made", _("Pairing made"))
PAIRING_ENDED = audit.declare("assistance.pairing.ended", _("Pairing ended"))
VISIT_RECORDED = audit.declare("assistance.visit.recorded", _("Help given recorded"))
HOUSEHOLD_LISTED = audit.declare("assistance.household.listed", _("Household listed for special services"))
SERVICES_SCHEDULED = audit.declare("assistance.services.scheduled", _("Special services scheduled"))
SERVICE_DONE = audit.declare("assistance.service.done", _("Special service done"))
FUND_SET_UP = audit.declare("assistance.fund.set_up", _("Assistance fund set up"))
INCOME_RECORDED = audit.declare("assistance.fund.income", _("Income to a fund recorded"))
GRANT_REQUESTED = audit.declare("assistance.grant.requested", _("Grant requested"))
GRANT_PAID = audit.declare("assistance.fund.grant_paid", _("Grant paid from a fund"))
