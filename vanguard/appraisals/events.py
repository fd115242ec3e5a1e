"""Audit event types of appraisals."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

RULES_CHANGED = audit.declare("appraisals.rules.changed", _("Appraisal rules changed"))
ANALYSIS_WRITTEN = audit.declare("appraisals.analysis.written", _("Self-analysis version written"))
ANALYSIS_PUBLISHED = audit.declare("appraisals.analysis.published", _("Self-analysis published"))
ANALYSIS_RATED = audit.declare("appraisals.analysis.rated", _("Self-analysis rated"))
ANALYSIS_RETURNED = audit.declare("appraisals.analysis.returned", _("Self-analysis returned for rewrite"))
ANALYSIS_ACCEPTED = audit.declare("appraisals.analysis.accepted", _("Self-analysis accepted"))
ANALYSIS_COMMENTED = audit.declare("appraisals.analysis.commented", _("Comment on a published self-analysis"))
ANALYSIS_HELPER = audit.declare("appraisals.analysis.helper", _("Helper assigned to a self-analysis"))
APPRAISAL_COUNTED = audit.declare("appraisals.peer.counted", _("Peer appraisal results recorded"))
REMEDIAL_ORDERED = audit.declare("appraisals.remedial.ordered", _("Remedial work ordered"))
REMEDIAL_DONE = audit.declare("appraisals.remedial.done", _("Remedial work done"))
UPPER_ASSESSED = audit.declare("appraisals.upper.assessed", _("Assessment from above recorded"))
SCREENING_RUN = audit.declare("appraisals.screening.run", _("Weak-organisation screening run"))
