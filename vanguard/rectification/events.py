"""Audit event types of rectification that are not declared transitions (those are declared by workflows.py).

Entries about cases carry reasons and statements: a page listing audit entries must leave out
`rectification.case.*` for users without Action.VIEW_CASES over the case's branch.
"""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

PLAN_CREATED = audit.declare("rectification.plan.created", _("Rectification plan drawn up"))
PLAN_EDITED = audit.declare("rectification.plan.edited", _("Rectification plan edited"))
ITEM_CREATED = audit.declare("rectification.item.created", _("Rectification item added"))
ITEM_EDITED = audit.declare("rectification.item.edited", _("Rectification item edited"))
ITEM_NOTED = audit.declare("rectification.item.noted", _("Rectification progress noted"))
ITEM_SHARES = audit.declare("rectification.item.shares", _("Shares of a coordinated item set"))
ITEM_ESCALATED = audit.declare("rectification.item.escalated", _("Overdue item escalated"))
ITEM_LISTED = audit.declare("rectification.item.listed", _("Item listed publicly with its deadline"))
ITEM_UNLISTED = audit.declare("rectification.item.unlisted", _("Item taken off the public list"))
ITEM_CIRCULATED = audit.declare("rectification.item.circulated", _("Item circulated as a case"))
INSTITUTION_CREATED = audit.declare("rectification.institution.created", _("Rule drafted"))
INSTITUTION_EDITED = audit.declare("rectification.institution.edited", _("Rule edited"))
CASE_OPENED = audit.declare("rectification.case.opened", _("Case opened"))
REGISTER_OPENED = audit.declare("rectification.register.opened", _("Yearly register opened"))
REGISTRATION_DECIDED = audit.declare("rectification.register.decided", _("Registration decided"))
REMEDY_OPENED = audit.declare("rectification.remedy.opened", _("Weak-organisation remedy opened"))
REMEDY_EDITED = audit.declare("rectification.remedy.edited", _("Weak-organisation remedy edited"))
REMEDY_NOTED = audit.declare("rectification.remedy.noted", _("Remedy progress noted"))
REMEDY_HEAD_REPLACED = audit.declare("rectification.remedy.head_replaced", _("Head of a weak organisation replaced"))
REMEDY_ESCALATED = audit.declare("rectification.remedy.escalated", _("Overdue remedy escalated"))
