"""Audit event types of opinions (the problem's transitions are declared by opinions.workflows)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

PAGE_OPENED = audit.declare("opinions.page.opened", _("Public opinion page opened"))
PAGE_CHANGED = audit.declare("opinions.page.changed", _("Public opinion page changed"))
OPINION_SUBMITTED = audit.declare("opinions.opinion.submitted", _("Opinion submitted on a public page"))
OPINIONS_ENTERED = audit.declare("opinions.opinion.entered", _("Opinions entered"))
PROBLEM_GROUPED = audit.declare("opinions.problem.grouped", _("Opinions grouped into a problem"))
OPINIONS_MOVED = audit.declare("opinions.problem.opinions_moved", _("Opinions moved between problems"))
OPINIONS_UNGROUPED = audit.declare("opinions.problem.opinions_ungrouped", _("Opinions taken out of their problem"))
PROBLEMS_MERGED = audit.declare("opinions.problem.merged", _("Problems merged"))
PROBLEM_EDITED = audit.declare("opinions.problem.edited", _("Problem edited"))
PROGRESS_NOTED = audit.declare("opinions.problem.progress", _("Rectification progress noted"))
PROBLEM_ESCALATED = audit.declare("opinions.problem.escalated", _("Overdue problem escalated"))
PROBLEM_LISTED = audit.declare("opinions.problem.listed", _("Problem listed publicly with its deadline"))
PROBLEM_UNLISTED = audit.declare("opinions.problem.unlisted", _("Problem taken off the public list"))
PROBLEM_CIRCULATED = audit.declare("opinions.problem.circulated", _("Problem circulated as a case"))
EFFECT_RATED = audit.declare("opinions.problem.rated", _("Effect rated"))
SAMPLE_RATED = audit.declare("opinions.problem.sample_rated", _("Effect rated by a sample"))
MONITORING_BODY_SET = audit.declare("opinions.monitoring.body_set", _("Monitoring body designated"))
APPRAISAL_RECORDED = audit.declare("opinions.monitoring.appraisal", _("Conduct appraisal recorded"))
