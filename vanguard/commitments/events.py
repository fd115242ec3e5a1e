"""Audit event types of commitments (承诺, DOMAIN §9)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

TEMPLATE_CREATED = audit.declare("commitments.template.created", _("Commitment template drawn up"))
COMMITMENT_MADE = audit.declare("commitments.commitment.made", _("Commitment made"))
COMMITMENT_REVISED = audit.declare("commitments.commitment.revised", _("Commitment revised"))
COMMITMENT_PUBLISHED = audit.declare("commitments.commitment.published", _("Commitment published"))
COMMITMENT_RATED = audit.declare("commitments.commitment.rated", _("Commitment rated by the branch"))
