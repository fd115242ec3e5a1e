"""Audit event types of ballots.

Casting is deliberately not audited: an entry per cast would say when a token voted.
"""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

BALLOT_CREATED = audit.declare("ballots.ballot.created", _("Ballot created"))
BALLOT_CHANGED = audit.declare("ballots.ballot.changed", _("Ballot changed"))
BALLOT_OPENED = audit.declare("ballots.ballot.opened", _("Ballot opened"))
BALLOT_CLOSED = audit.declare("ballots.ballot.closed", _("Ballot closed"))
TOKENS_ISSUED = audit.declare("ballots.tokens.issued", _("Ballot tokens issued"))
TOKENS_VOIDED = audit.declare("ballots.tokens.voided", _("Ballot tokens voided"))
PAPER_RESOLVED = audit.declare("ballots.paper.resolved", _("Disagreeing paper entries resolved"))
FRAME_UPLOADED = audit.declare("ballots.frame.uploaded", _("Sampling frame uploaded"))
SAMPLE_DRAWN = audit.declare("ballots.sample.drawn", _("Random sample drawn"))
