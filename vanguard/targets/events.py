"""Audit event types of target management; letters' signing and assessment are declared transitions."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

SHEET_DEFINED = audit.declare("targets.sheet.defined", _("Score sheet defined"))
SHEET_PUBLISHED = audit.declare("targets.sheet.published", _("Score sheet published"))
LETTERS_ISSUED = audit.declare("targets.letters.issued", _("Responsibility letters issued"))
TARGET_BROKEN_DOWN = audit.declare("targets.target.broken_down", _("Target broken down"))
EVIDENCE_ADDED = audit.declare("targets.evidence.added", _("Evidence added to a target"))
SCORES_GIVEN = audit.declare("targets.letter.scored", _("Targets scored"))
