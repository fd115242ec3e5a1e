"""Rectification's declared transitions (DOMAIN §5, §6): plans, items, rules, cases and remedies.

Who acts:
- the *organisation* of a plan or item (its staff, or anyone above) draws it up and reports it done;
- a *verifier* checks the report: for a unit's item the organisation above, for a member's item the branch;
- a case is run by the *branch* and decided *above* it (a role, so a successor in the role can act on
  what their predecessor left pending, and the predecessor cannot once handed over);
- the *member concerned* files their registration application and states their case.

Services pass `by=<user>` in the context (guards such as "not who proposed" compare it), `today=` where
a date matters (the demo and catch-up runs take past days), and the free texts.  Every case transition
that decides something needs a reason, and every case entry is sealed (audit.Seal): a decision changed
by direct SQL disagrees with the trail and `verify_audit` names it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.ballots.models import Grade
from vanguard.core import audit, tree
from vanguard.core.transitions import StateMachine, Transition
from vanguard.opinions.models import Category
from vanguard.rectification.models import (
    OPEN_STAGES,
    Case,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    ItemStatus,
    NoticeMethod,
    Outcome,
    PlanStatus,
    RectificationItem,
    RectificationPlan,
    Registration,
    Remedy,
    RemedyStatus,
    Stage,
    Timing,
)

# ---------------------------------------------------------------------------------------------------- sides


def _above(user, path: str) -> bool:
    """A role held above `path`: over its parent's subtree.  The top of the tree answers for itself."""
    parents = tree.ancestor_paths(path)
    return can_at_path(user, Action.CHANGE, parents[-1] if parents else path)


def _is_member(user, member_id: int | None) -> bool:
    return member_id is not None and getattr(user, "member_id", None) == member_id


def plan_side(user, plan: RectificationPlan) -> bool:
    """The plan's organisation (or above); for a member's plan also the member."""
    return can_at_path(user, Action.CHANGE, plan.org_path) or _is_member(user, plan.member_id)


def responsible_side(user, item: RectificationItem) -> bool:
    """Who does the work: the responsible organisation (or above); for a member's item also the member."""
    return can_at_path(user, Action.CHANGE, item.responsible_path) or _is_member(user, item.plan.member_id)


def verifier_side(user, item: RectificationItem) -> bool:
    """Who checks the work: above the unit for a unit's item; the branch (never the member) for a member's."""
    if item.plan.member_id is not None:
        return can_at_path(user, Action.CHANGE, item.org_path)
    return _above(user, item.org_path)


def institution_side(user, institution: Institution) -> bool:
    return can_at_path(user, Action.CHANGE, institution.org_path)


def branch_side(user, case: Case) -> bool:
    return can_at_path(user, Action.CHANGE, case.org_path)


def case_above_side(user, case: Case) -> bool:
    return _above(user, case.org_path)


def member_or_branch(user, case: Case) -> bool:
    return _is_member(user, case.member_id) or branch_side(user, case)


def remedy_side(user, remedy: Remedy) -> bool:
    """A weak organisation is put right from above: the organisation above runs and closes its remedy."""
    return _above(user, remedy.org_path)


# ---------------------------------------------------------------------------------------------------- guards


def today_of(context: dict) -> datetime.date:
    return context.get("today") or timezone.localdate()


def needs(key: str, message):
    def guard(obj, context: dict):
        return None if str(context.get(key) or "").strip() else message

    return guard


def _not_earlier_than_today(key: str, message):
    def guard(obj, context: dict):
        value = context.get(key)
        if value is None:
            return message
        if value < today_of(context):
            return _("The date has already passed.")
        return None

    return guard


def _later_than(key: str, field: str):
    def guard(obj, context: dict):
        value, current = context.get(key), getattr(obj, field)
        if value is None:
            return _("Give the new date.")
        if current is not None and value <= current:
            return _("The new date must be later than the present one (%(date)s).") % {"date": current}
        if value < today_of(context):
            return _("The date has already passed.")
        return None

    return guard


def _not_by(field: str, message):
    """The user who did `field` (an FK to a user) may not also take this transition: four eyes."""

    def guard(obj, context: dict):
        by = context.get("by")
        if by is not None and not by.is_superuser and getattr(obj, f"{field}_id") == by.pk:
            return message
        return None

    return guard


# ---------------------------------------------------------------------------------------------------- plans


def _has_items(plan: RectificationPlan, context: dict):
    return None if plan.items.exists() else _("A plan with no items cannot be published.")


def _publish(plan: RectificationPlan, context: dict) -> None:
    plan.published_at = timezone.now()


def _unpublish(plan: RectificationPlan, context: dict) -> None:
    plan.published_at = None


PLAN = StateMachine(
    "rectification.plan",
    RectificationPlan,
    field="status",
    organisation_of=lambda plan: plan.organisation_id,
    transitions=[
        Transition(
            "publish",
            gettext_lazy("Publish"),
            source=[PlanStatus.DRAFT],
            target=PlanStatus.PUBLISHED,
            may=plan_side,
            guards=[_has_items],
            effect=_publish,
            saves=["published_at"],
        ),
        Transition(
            "unpublish",
            gettext_lazy("Withdraw from publication"),
            source=[PlanStatus.PUBLISHED],
            target=PlanStatus.DRAFT,
            may=plan_side,
            guards=[needs("reason", gettext_lazy("Say why the plan is withdrawn."))],
            effect=_unpublish,
            saves=["published_at"],
        ),
    ],
)

# ---------------------------------------------------------------------------------------------------- items


def _evidence_given(item: RectificationItem, context: dict):
    # The service says whether there is evidence: a file with this report or a note with a file before it.
    return None if context.get("evidence") else _("Attach evidence: a file with this report or a note with one.")


def _report_done(item: RectificationItem, context: dict) -> None:
    item.done_text = context["text"].strip()
    item.done_at = timezone.now()
    item.done_by = context.get("by")


def _timing(item: RectificationItem, done_on: datetime.date) -> str:
    # Judged by when the work was reported done, not when it was checked: the owner does not wait on the checker.
    if item.deadline is None:
        return Timing.NONE
    return Timing.ON_TIME if done_on <= item.deadline else Timing.LATE


def _verify(item: RectificationItem, context: dict) -> None:
    item.closed_at = timezone.now()
    item.closed_on = today_of(context)
    done_on = timezone.localtime(item.done_at).date() if item.done_at else item.closed_on
    item.timing = _timing(item, min(done_on, item.closed_on))


def _return(item: RectificationItem, context: dict) -> None:
    item.done_text, item.done_at, item.done_by = "", None, None
    deadline = context.get("deadline")
    if deadline is not None and deadline != item.deadline:
        item.deadline = deadline
        item.escalated_at = None


def _new_deadline_not_past(item: RectificationItem, context: dict):
    deadline = context.get("deadline")
    if deadline is not None and deadline < today_of(context):
        return _("The new deadline has already passed.")
    return None


def _explainable(item: RectificationItem, context: dict):
    if item.category != Category.EXPLAIN:
        return _("Only an item to be explained (说明情况) is closed by an explanation.")
    if not str(context.get("explanation") or item.explanation or "").strip():
        return _("Write the explanation the public will read.")
    return None


def _explain(item: RectificationItem, context: dict) -> None:
    if str(context.get("explanation") or "").strip():
        item.explanation = context["explanation"].strip()
    item.closed_at = timezone.now()
    item.closed_on = today_of(context)


def _extend(item: RectificationItem, context: dict) -> None:
    item.deadline = context["deadline"]
    item.escalated_at = None


def _cancel(item: RectificationItem, context: dict) -> None:
    item.closed_at = timezone.now()
    item.closed_on = today_of(context)


def _reopen_item(item: RectificationItem, context: dict) -> None:
    item.closed_at, item.closed_on, item.timing = None, None, Timing.NONE
    item.done_text, item.done_at, item.done_by = "", None, None
    deadline = context.get("deadline")
    if deadline is not None:
        item.deadline = deadline
        item.escalated_at = None


_CLOSING = ["closed_at", "closed_on", "timing", "done_text", "done_at", "done_by"]

ITEM = StateMachine(
    "rectification.item",
    RectificationItem,
    field="status",
    organisation_of=lambda item: item.responsible_id,
    transitions=[
        Transition(
            "report_done",
            gettext_lazy("Report done"),
            source=[ItemStatus.OPEN],
            target=ItemStatus.DONE,
            may=responsible_side,
            guards=[needs("text", gettext_lazy("Say what was done.")), _evidence_given],
            effect=_report_done,
            saves=["done_text", "done_at", "done_by"],
        ),
        Transition(
            "verify",
            gettext_lazy("Verify and close"),
            source=[ItemStatus.DONE],
            target=ItemStatus.CLOSED,
            may=verifier_side,
            guards=[_not_by("done_by", gettext_lazy("Who reported the work done may not also verify it."))],
            effect=_verify,
            saves=["closed_at", "closed_on", "timing"],
        ),
        Transition(
            "return",
            gettext_lazy("Return: not done"),
            source=[ItemStatus.DONE],
            target=ItemStatus.OPEN,
            may=verifier_side,
            guards=[needs("reason", gettext_lazy("Say what is still missing.")), _new_deadline_not_past],
            effect=_return,
            saves=["done_text", "done_at", "done_by", "deadline", "escalated_at"],
        ),
        Transition(
            "explain",
            gettext_lazy("Close with the explanation"),
            source=[ItemStatus.OPEN],
            target=ItemStatus.EXPLAINED,
            may=responsible_side,
            guards=[_explainable],
            effect=_explain,
            saves=["explanation", "closed_at", "closed_on"],
        ),
        Transition(
            "extend",
            gettext_lazy("Extend the deadline"),
            source=[ItemStatus.OPEN],
            target=ItemStatus.OPEN,
            may=verifier_side,
            guards=[needs("reason", gettext_lazy("Say why more time is given.")), _later_than("deadline", "deadline")],
            effect=_extend,
            saves=["deadline", "escalated_at"],
        ),
        Transition(
            "cancel",
            gettext_lazy("Cancel"),
            source=[ItemStatus.OPEN, ItemStatus.DONE],
            target=ItemStatus.CANCELLED,
            may=verifier_side,
            guards=[needs("reason", gettext_lazy("Say why the item is cancelled."))],
            effect=_cancel,
            saves=["closed_at", "closed_on"],
        ),
        Transition(
            "reopen",
            gettext_lazy("Reopen"),
            source=[ItemStatus.CLOSED, ItemStatus.EXPLAINED],
            target=ItemStatus.OPEN,
            may=verifier_side,
            guards=[needs("reason", gettext_lazy("Say why the item is reopened.")), _new_deadline_not_past],
            effect=_reopen_item,
            saves=[*_CLOSING, "deadline", "escalated_at"],
        ),
    ],
)

# ---------------------------------------------------------------------------------------------------- rules


def _adoptable(institution: Institution, context: dict):
    if institution.kind == InstitutionKind.RULE:
        missing = [
            label
            for field, label in (
                ("rule", _("rule")),
                ("procedure", _("procedure")),
                ("standard", _("standard")),
                ("measures", _("measures")),
            )
            if not getattr(institution, field).strip()
        ]
        if missing:
            return _("A rule is adopted with all four of its parts (四定); missing: %(fields)s.") % {
                "fields": ", ".join(missing)
            }
    if (context.get("effective_from") or institution.effective_from) is None:
        return _("Say from when it is in force.")
    return None


def _adopt(institution: Institution, context: dict) -> None:
    if context.get("effective_from") is not None:
        institution.effective_from = context["effective_from"]


def _repeal_date(institution: Institution, context: dict):
    until = context.get("effective_until") or today_of(context)
    if institution.effective_from and until < institution.effective_from:
        return _("A rule cannot end before it came into force (%(date)s).") % {"date": institution.effective_from}
    return None


def _repeal(institution: Institution, context: dict) -> None:
    institution.effective_until = context.get("effective_until") or today_of(context)


INSTITUTION = StateMachine(
    "rectification.institution",
    Institution,
    field="status",
    organisation_of=lambda institution: institution.organisation_id,
    transitions=[
        Transition(
            "adopt",
            gettext_lazy("Adopt: in force"),
            source=[InstitutionStatus.DRAFT],
            target=InstitutionStatus.IN_FORCE,
            may=institution_side,
            guards=[_adoptable],
            effect=_adopt,
            saves=["effective_from"],
        ),
        Transition(
            "repeal",
            gettext_lazy("Repeal"),
            source=[InstitutionStatus.IN_FORCE],
            target=InstitutionStatus.REPEALED,
            may=institution_side,
            guards=[needs("reason", gettext_lazy("Say why the rule is repealed.")), _repeal_date],
            effect=_repeal,
            saves=["effective_until"],
        ),
    ],
)

# ---------------------------------------------------------------------------------------------------- cases

REASON = needs("reason", gettext_lazy("Give the reason; it is recorded with the decision."))
QUALIFIED_OR_BETTER = (Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASICALLY)

CASE_SEAL = audit.Seal(
    Case,
    lambda case: {
        "member": case.member_id,
        "organisation": case.organisation_id,
        "year": case.year,
        "stage": case.stage,
        "helper": case.helper_id,
        "education_until": case.education_until,
        "reappraisal_grade": case.reappraisal_grade,
        "application": audit.digest(case.application_text),
        "intended_outcome": case.intended_outcome,
        "statement": audit.digest(case.statement),
        "statement_waived": case.statement_waived,
        "proposed_outcome": case.proposed_outcome,
        "proposed_by": case.proposed_by_id,
        "outcome": case.outcome,
        "decided_by": case.decided_by_id,
        "correct_until": case.correct_until,
    },
)

REGISTRATION_SEAL = audit.Seal(
    Registration,
    lambda row: {
        "member": row.member_id,
        "organisation": row.organisation_id,
        "year": row.year,
        "grade": row.grade,
        "status": row.status,
        "case": row.case_id,
    },
)


def _helper_fits(case: Case, context: dict):
    helper = context.get("helper")
    if helper is None:
        return _("Name the member who will help.")
    if helper.pk == case.member_id:
        return _("A member cannot be their own helper.")
    if not tree.is_within(helper.org_path, case.org_path):
        return _("The helper must be a member of the branch.")
    return None


def _start_education(case: Case, context: dict) -> None:
    case.helper = context["helper"]
    case.education_until = context["until"]


def _extend_education(case: Case, context: dict) -> None:
    case.education_until = context["until"]


def _regraded(case: Case, context: dict):
    return (
        None
        if context.get("grade") in QUALIFIED_OR_BETTER
        else _("Record the re-appraisal's result: qualified or better.")
    )


def _close(case: Case, context: dict) -> None:
    case.closed_at = timezone.now()


def _transform(case: Case, context: dict) -> None:
    case.reappraisal_grade = context["grade"]
    _close(case, context)


def _still_unqualified(case: Case, context: dict) -> None:
    if context.get("grade"):
        case.reappraisal_grade = context["grade"]


def _application_given(case: Case, context: dict):
    if str(context.get("text") or "").strip() or context.get("file"):
        return None
    return _("The application states the member's political attitude: write it or attach the signed form.")


def _file_application(case: Case, context: dict) -> None:
    case.application_text = str(context.get("text") or "").strip()
    if context.get("file"):
        case.application_file = context["file"]
    case.application_on = today_of(context)


def _notice_complete(case: Case, context: dict):
    outcome = context.get("outcome")
    if outcome not in Outcome.values:
        return _("Choose the decision the branch intends.")
    if context.get("how") not in NoticeMethod.values:
        return _("Say how the member was told.")
    if outcome == Outcome.REGISTERED and not (case.application_text or case.application_file):
        return _("A member is registered only on their written application; none is on file.")
    return None


def _notify(case: Case, context: dict) -> None:
    case.intended_outcome = context["outcome"]
    case.intended_reasons = context["reason"].strip()
    case.notified_at = timezone.now()
    case.notified_how = context["how"]
    case.statement_due = today_of(context) + datetime.timedelta(days=settings.RECTIFICATION_STATEMENT_DAYS)
    # A new intention is a new hearing: what the member said to the last one does not answer this one.
    case.statement, case.statement_at, case.statement_waived = "", None, False


def _state_case(case: Case, context: dict) -> None:
    case.statement = context["statement"].strip()
    case.statement_at = timezone.now()


def _waive(case: Case, context: dict) -> None:
    case.statement_waived = True


def _heard(case: Case, context: dict):
    if case.statement or case.statement_waived:
        return None
    if case.statement_due is not None and today_of(context) > case.statement_due:
        return None
    return _(
        "The member has until %(date)s to state their case; propose after they have, waived it in writing, "
        "or the time has passed."
    ) % {"date": case.statement_due}


def _as_notified(case: Case, context: dict):
    if context.get("outcome") != case.intended_outcome:
        return _("The member was told of another decision; tell them of this one first, so they may answer it.")
    return None


def _propose(case: Case, context: dict) -> None:
    case.proposed_outcome = context["outcome"]
    case.proposed_reasons = context["reason"].strip()
    case.proposed_by = context.get("by")
    case.proposed_at = timezone.now()


def _return_proposal(case: Case, context: dict) -> None:
    case.proposed_outcome, case.proposed_reasons, case.proposed_by, case.proposed_at = "", "", None, None


def _decide(outcome: str, *, closes: bool):
    def effect(case: Case, context: dict) -> None:
        case.outcome = outcome
        case.decided_by = context.get("by")
        case.decided_at = timezone.now()
        if outcome == Outcome.CORRECT_BY_DEADLINE:
            case.correct_until = context["until"]
        if closes:
            _close(case, context)

    return effect


def _proposal_is(outcome: str):
    def guard(case: Case, context: dict):
        if case.proposed_outcome != outcome:
            return _("The branch proposed another decision.")
        return None

    return guard


_NOT_PROPOSER = _not_by("proposed_by", gettext_lazy("Who proposed the decision may not also approve it."))
_DECISION = ["outcome", "decided_by", "decided_at", "correct_until", "closed_at"]

# (transition, label, decision, stage it leads to, whether the case closes)
APPROVALS = [
    ("approve_registered", gettext_lazy("Approve: register"), Outcome.REGISTERED, Stage.REGISTERED, True),
    (
        "approve_correcting",
        gettext_lazy("Approve: correct by a deadline"),
        Outcome.CORRECT_BY_DEADLINE,
        Stage.CORRECTING,
        False,
    ),
    ("approve_persuaded", gettext_lazy("Approve: persuade to leave"), Outcome.PERSUADE_TO_LEAVE, Stage.PERSUADED, True),
    ("approve_removed", gettext_lazy("Approve: removal"), Outcome.REMOVAL, Stage.REMOVED, True),
    ("approve_referred", gettext_lazy("Approve: refer to discipline"), Outcome.REFERRAL, Stage.REFERRED, True),
]


def _approval(name: str, label, outcome: str, target: str, closes: bool) -> Transition:
    guards = [REASON, _proposal_is(outcome), _NOT_PROPOSER]
    if outcome == Outcome.CORRECT_BY_DEADLINE:
        guards.append(_not_earlier_than_today("until", gettext_lazy("Set the date by which to correct.")))
    return Transition(
        name,
        label,
        source=[Stage.PROPOSED],
        target=target,
        may=case_above_side,
        guards=guards,
        effect=_decide(outcome, closes=closes),
        saves=_DECISION,
    )


_BEFORE_REVIEW = [Stage.OPENED, Stage.EDUCATION, Stage.REAPPRAISAL, Stage.APPLICATION]

CASE = StateMachine(
    "rectification.case",
    Case,
    field="stage",
    organisation_of=lambda case: case.organisation_id,
    seal=CASE_SEAL,
    transitions=[
        Transition(
            "start_education",
            gettext_lazy("Start education and help"),
            source=[Stage.OPENED],
            target=Stage.EDUCATION,
            may=branch_side,
            guards=[
                REASON,
                _helper_fits,
                _not_earlier_than_today("until", gettext_lazy("Set until when the education lasts.")),
            ],
            effect=_start_education,
            saves=["helper", "education_until"],
        ),
        Transition(
            "extend_education",
            gettext_lazy("Extend the education"),
            source=[Stage.EDUCATION],
            target=Stage.EDUCATION,
            may=branch_side,
            guards=[REASON, _later_than("until", "education_until")],
            effect=_extend_education,
            saves=["education_until"],
        ),
        Transition(
            "end_education",
            gettext_lazy("End the education: re-appraise"),
            source=[Stage.EDUCATION],
            target=Stage.REAPPRAISAL,
            may=branch_side,
            guards=[REASON],
        ),
        Transition(
            "transform",
            gettext_lazy("Re-appraised: transformed"),
            source=[Stage.REAPPRAISAL],
            target=Stage.TRANSFORMED,
            may=branch_side,
            guards=[REASON, _regraded],
            effect=_transform,
            saves=["reappraisal_grade", "closed_at"],
        ),
        Transition(
            "require_registration",
            gettext_lazy("Not transformed: ask for the registration application"),
            source=[Stage.REAPPRAISAL],
            target=Stage.APPLICATION,
            may=branch_side,
            guards=[REASON],
            effect=_still_unqualified,
            saves=["reappraisal_grade"],
        ),
        Transition(
            "file_application",
            gettext_lazy("File the registration application"),
            source=_BEFORE_REVIEW,
            target=Stage.REVIEW,
            may=member_or_branch,
            guards=[_application_given],
            effect=_file_application,
            saves=["application_text", "application_file", "application_on"],
        ),
        Transition(
            "start_review",
            gettext_lazy("Review by the branch"),
            source=_BEFORE_REVIEW,
            target=Stage.REVIEW,
            may=branch_side,
            guards=[REASON],
        ),
        Transition(
            "notify",
            gettext_lazy("Tell the member the intended decision"),
            source=[Stage.REVIEW, Stage.HEARING],
            target=Stage.HEARING,
            may=branch_side,
            guards=[REASON, _notice_complete],
            effect=_notify,
            saves=[
                "intended_outcome",
                "intended_reasons",
                "notified_at",
                "notified_how",
                "statement_due",
                "statement",
                "statement_at",
                "statement_waived",
            ],
        ),
        Transition(
            "state_case",
            gettext_lazy("State the member's case"),
            source=[Stage.HEARING],
            target=Stage.HEARING,
            may=member_or_branch,
            guards=[needs("statement", gettext_lazy("Write the statement."))],
            effect=_state_case,
            saves=["statement", "statement_at"],
        ),
        Transition(
            "waive_statement",
            gettext_lazy("The member waives a statement"),
            source=[Stage.HEARING],
            target=Stage.HEARING,
            may=branch_side,
            guards=[REASON],
            effect=_waive,
            saves=["statement_waived"],
        ),
        Transition(
            "propose",
            gettext_lazy("Propose the decision to the organisation above"),
            source=[Stage.HEARING],
            target=Stage.PROPOSED,
            may=branch_side,
            guards=[REASON, _heard, _as_notified],
            effect=_propose,
            saves=["proposed_outcome", "proposed_reasons", "proposed_by", "proposed_at"],
        ),
        *[_approval(*approval) for approval in APPROVALS],
        Transition(
            "return_proposal",
            gettext_lazy("Return the proposal to the branch"),
            source=[Stage.PROPOSED],
            target=Stage.REVIEW,
            may=case_above_side,
            guards=[REASON],
            effect=_return_proposal,
            saves=["proposed_outcome", "proposed_reasons", "proposed_by", "proposed_at"],
        ),
        Transition(
            "end_correction",
            gettext_lazy("End the correction period: re-appraise"),
            source=[Stage.CORRECTING],
            target=Stage.REAPPRAISAL,
            may=branch_side,
            guards=[REASON],
        ),
        Transition(
            "withdraw",
            gettext_lazy("Withdraw the case"),
            source=list(OPEN_STAGES),
            target=Stage.WITHDRAWN,
            may=case_above_side,
            guards=[REASON],
            effect=_close,
            saves=["closed_at"],
        ),
    ],
)


def offered_case_transitions(case: Case, user) -> list[Transition]:
    """The buttons for this user: of the five approvals only the one matching the proposal."""
    matching = {name for name, _label, outcome, _target, _closes in APPROVALS if outcome == case.proposed_outcome}
    approvals = {name for name, *_rest in APPROVALS}
    return [t for t in CASE.available(case, user) if t.name not in approvals or t.name in matching]


# ---------------------------------------------------------------------------------------------------- remedies


def _measures_done(remedy: Remedy, context: dict):
    if not str(context.get("assessment") or "").strip():
        return _("Write the assessment the remedy closes on.")
    missing = []
    if remedy.replace_head and not remedy.head_changes.exists():
        missing.append(_("the head has not been replaced"))
    if remedy.station_team and not remedy.team.strip():
        missing.append(_("no work team is recorded"))
    if remedy.sort_out and remedy.reorganisation_id is None and not remedy.notes.exists():
        missing.append(_("nothing is recorded about sorting out where it belongs"))
    if missing:
        return _("Not all its measures are done: %(missing)s.") % {"missing": "; ".join(missing)}
    return None


def _close_remedy(remedy: Remedy, context: dict) -> None:
    remedy.closing_assessment = context["assessment"].strip()
    remedy.closed_at = timezone.now()


def _reopen_remedy(remedy: Remedy, context: dict) -> None:
    remedy.closed_at = None
    if context.get("deadline") is not None:
        remedy.deadline = context["deadline"]
        remedy.escalated_at = None


REMEDY = StateMachine(
    "rectification.remedy",
    Remedy,
    field="status",
    organisation_of=lambda remedy: remedy.organisation_id,
    transitions=[
        Transition(
            "close",
            gettext_lazy("Close: put right"),
            source=[RemedyStatus.OPEN],
            target=RemedyStatus.CLOSED,
            may=remedy_side,
            guards=[_measures_done],
            effect=_close_remedy,
            saves=["closing_assessment", "closed_at"],
        ),
        Transition(
            "reopen",
            gettext_lazy("Reopen"),
            source=[RemedyStatus.CLOSED],
            target=RemedyStatus.OPEN,
            may=remedy_side,
            guards=[needs("reason", gettext_lazy("Say why the remedy is reopened.")), _new_deadline_not_past],
            effect=_reopen_remedy,
            saves=["closed_at", "deadline", "escalated_at"],
        ),
    ],
)
