"""Audit event types of campaigns (the phase transitions are declared by campaigns.workflows)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

CAMPAIGN_CREATED = audit.declare("campaigns.campaign.created", _("Campaign created"))
BATCHES_ASSIGNED = audit.declare("campaigns.campaign.batches_assigned", _("Batches assigned"))
BATCH_DATES_SET = audit.declare("campaigns.batch.dates_set", _("Batch dates set"))
PILOTS_MARKED = audit.declare("campaigns.campaign.pilots_marked", _("Pilot units marked"))
CAMPAIGN_LAUNCHED = audit.declare("campaigns.campaign.launched", _("Campaign launched"))
STEP_RECORDED = audit.declare("campaigns.step.recorded", _("Step recorded"))
EVIDENCE_ADDED = audit.declare("campaigns.step.evidence_added", _("Evidence added"))
REMINDER_SENT = audit.declare("campaigns.reminder.sent", _("Reminders of overdue steps sent"))
