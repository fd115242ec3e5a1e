"""A problem's way through the five forms, declared once (DOMAIN §3, §5.1).

Grouped (open) → forwarded (转办, to a responsible organisation with a category
and a deadline) → replied (the reply reaches everyone who raised it) →
rectified (整改 done; now it may be rated).  The receiving side may send a
problem back as not theirs, with a reason; the grouping side may reopen a
rectified problem whose effect was judged poor.  Who grouped a problem may not
reply to it unless they also act for the receiving organisation.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core.transitions import StateMachine, Transition
from vanguard.opinions.models import Category, Problem, ProblemStatus


def grouping_side(user, problem: Problem) -> bool:
    """Staff of the organisation that grouped the problem (or above it) forward, list and reopen it."""
    return can_at_path(user, Action.CHANGE, problem.org_path)


def receiving_side(user, problem: Problem) -> bool:
    """Staff of the organisation it was forwarded to (or above it) reply and rectify."""
    return bool(problem.responsible_path) and can_at_path(user, Action.CHANGE, problem.responsible_path)


def _forward_complete(problem: Problem, context: dict):
    if context.get("responsible") is None:
        return _("Choose the organisation responsible for this problem.")
    if context.get("category") not in Category.values:
        return _("Choose how it is to be rectified.")
    deadline = context.get("deadline")
    if deadline is None:
        return _("Set a deadline.")
    if deadline < timezone.localdate():
        return _("The deadline has already passed.")
    if not problem.opinions.exists():
        return _("A problem with no opinions cannot be forwarded.")
    return None


def _forward(problem: Problem, context: dict) -> None:
    responsible = context["responsible"]
    problem.responsible = responsible
    problem.responsible_path = responsible.path
    problem.category = context["category"]
    problem.deadline = context["deadline"]
    problem.suggested = context.get("suggested")
    problem.suggestion_confidence = context.get("confidence")
    problem.forwarded_at = timezone.now()
    problem.escalated_at = None


def _needs(key: str, message):
    def guard(problem: Problem, context: dict):
        return None if str(context.get(key) or "").strip() else message

    return guard


def _send_back(problem: Problem, context: dict) -> None:
    problem.responsible = None
    problem.responsible_path = ""
    problem.forwarded_at = None


def _reply(problem: Problem, context: dict) -> None:
    problem.reply = context["text"].strip()
    problem.replied_at = timezone.now()


def _rectify(problem: Problem, context: dict) -> None:
    problem.rectification = context["text"].strip()
    problem.rectified_at = timezone.now()


def _reopen(problem: Problem, context: dict) -> None:
    problem.rectified_at = None


def _problem_organisation(problem: Problem):
    return problem.organisation


PROBLEM = StateMachine(
    "opinions.problem",
    Problem,
    field="status",
    organisation_of=_problem_organisation,
    transitions=[
        Transition(
            "forward",
            gettext_lazy("Forward"),
            source=[ProblemStatus.OPEN],
            target=ProblemStatus.FORWARDED,
            may=grouping_side,
            guards=[_forward_complete],
            effect=_forward,
            saves=[
                "responsible",
                "responsible_path",
                "category",
                "deadline",
                "suggested",
                "suggestion_confidence",
                "forwarded_at",
                "escalated_at",
            ],
        ),
        Transition(
            "send_back",
            gettext_lazy("Send back"),
            source=[ProblemStatus.FORWARDED],
            target=ProblemStatus.OPEN,
            may=receiving_side,
            guards=[_needs("reason", gettext_lazy("Say why it is not yours to rectify."))],
            effect=_send_back,
            saves=["responsible", "responsible_path", "forwarded_at"],
        ),
        Transition(
            "reply",
            gettext_lazy("Reply"),
            source=[ProblemStatus.FORWARDED],
            target=ProblemStatus.REPLIED,
            may=receiving_side,
            guards=[_needs("text", gettext_lazy("Write the reply."))],
            effect=_reply,
            saves=["reply", "replied_at"],
        ),
        Transition(
            "rectify",
            gettext_lazy("Mark rectified"),
            source=[ProblemStatus.REPLIED],
            target=ProblemStatus.RECTIFIED,
            may=receiving_side,
            guards=[_needs("text", gettext_lazy("Say what was done."))],
            effect=_rectify,
            saves=["rectification", "rectified_at"],
        ),
        Transition(
            "reopen",
            gettext_lazy("Reopen"),
            source=[ProblemStatus.RECTIFIED],
            target=ProblemStatus.REPLIED,
            may=grouping_side,
            guards=[_needs("reason", gettext_lazy("Say why the rectification is not enough."))],
            effect=_reopen,
            saves=["rectified_at"],
        ),
    ],
)
