"""整改事项 (DOMAIN §5.1): items raised from a source or directly, shares of coordinated items, progress notes
with evidence, the declared transitions, escalation of overdue items, and the office's listing (挂牌) and
circulation (通报).

Every write keeps the tallies (rectification.tallies) in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.core.transitions import NotAllowed
from vanguard.meetings.uploads import check_upload
from vanguard.opinions import notify as opinion_notify
from vanguard.opinions.models import Category, Problem, ProblemStatus
from vanguard.opinions.workflows import PROBLEM
from vanguard.orgs.models import Organisation
from vanguard.rectification import events, tallies
from vanguard.rectification.models import (
    OPEN_ITEM_STATES,
    ItemNote,
    ItemShare,
    RectificationItem,
    RectificationPlan,
)
from vanguard.rectification.workflows import ITEM, plan_side, responsible_side

# (organisation, its share of the work, is it the lead)
Share = tuple[Organisation, str, bool]


def source_path(name: str, obj) -> str:
    """Where a source sits in the tree: who may see it may raise an item from it."""
    if name == "problem":
        return obj.responsible_path or obj.org_path
    if name == "visit":
        return obj.unit.organisation.path
    return obj.org_path


def defaults_from(name: str, obj) -> dict:
    """What a form is prefilled with from a source: a problem brings its title, category, deadline and receiver."""
    if name == "problem":
        values = {"title": obj.title, "description": obj.summary, "category": obj.category, "deadline": obj.deadline}
        if obj.responsible_id:
            values["responsible"] = obj.responsible
        return {k: v for k, v in values.items() if v}
    if name == "self_analysis":
        return {"title": _("Rectify what the self-analysis found: %(name)s") % {"name": obj.member.name}}
    if name == "appraisal_result":
        return {"title": _("Rectify after the appraisal: %(name)s") % {"name": obj.member.name}}
    if name == "remedial_order":
        return {"title": _("Remedial work ordered for %(unit)s") % {"unit": obj.unit.organisation.name}}
    if name == "visit":
        return {"title": _("Supervision finding at %(unit)s") % {"unit": obj.unit.organisation.name}}
    return {}


def _check_shares(shares: Sequence[Share]) -> None:
    if len(shares) < 2:
        raise ValidationError({"shares": _("A coordinated item is shared by at least two organisations.")})
    if sum(1 for _org, _text, lead in shares if lead) != 1:
        raise ValidationError({"shares": _("Exactly one organisation leads a coordinated item.")})
    if len({org.pk for org, _text, _lead in shares}) != len(shares):
        raise ValidationError({"shares": _("Each organisation has one share.")})
    if any(not (text or "").strip() for _org, text, _lead in shares):
        raise ValidationError({"shares": _("Say what each organisation does.")})


def _check(values: dict, today: datetime.date) -> None:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = _("Give the item a title.")
    category = values.get("category")
    if category not in Category.values:
        errors["category"] = _("Choose how the item is rectified.")
    elif category in (Category.DEADLINE, Category.COORDINATED) and values.get("deadline") is None:
        errors["deadline"] = _("Set a deadline.")
    if values.get("deadline") is not None and values["deadline"] < today and "deadline" not in errors:
        errors["deadline"] = _("The date has already passed.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_item(
    *,
    actor,
    plan: RectificationPlan,
    title: str = "",
    category: str = "",
    description: str = "",
    deadline: datetime.date | None = None,
    responsible: Organisation | None = None,
    owner=None,
    explanation: str = "",
    shares: Sequence[Share] = (),
    today: datetime.date | None = None,
    **source,
) -> RectificationItem:
    """An item of `plan`, raised directly or from one source (`problem=`, `self_analysis=`, `appraisal_result=`,
    `remedial_order=` or `visit=`); what is not given is taken from the source where it says."""
    today = today or timezone.localdate()
    if actor is not None and not plan_side(actor, plan):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    source = {k: v for k, v in source.items() if v is not None}
    unknown = set(source) - set(RectificationItem.SOURCES)
    if unknown or len(source) > 1:
        raise ValueError(f"one source of {RectificationItem.SOURCES}, not {sorted(source)}")
    if source:
        ((name, obj),) = source.items()
        if actor is not None and not can_at_path(actor, Action.VIEW, source_path(name, obj)):
            raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
        prefill = defaults_from(name, obj)
        title = title or prefill.get("title", "")
        description = description or prefill.get("description", "")
        category = category or prefill.get("category", "")
        deadline = deadline or prefill.get("deadline")
        responsible = responsible or prefill.get("responsible")
    if category == Category.AT_ONCE and deadline is None:
        deadline = today + datetime.timedelta(days=settings.RECTIFICATION_AT_ONCE_DAYS)
    values = {
        "title": (title or "").strip(),
        "description": (description or "").strip(),
        "category": category,
        "deadline": deadline,
        "explanation": (explanation or "").strip(),
    }
    _check(values, today)
    if category == Category.COORDINATED:
        _check_shares(shares)
        responsible = next(org for org, _text, lead in shares if lead)
    responsible = responsible or plan.organisation
    if actor is not None and responsible != plan.organisation and not can_at_path(actor, Action.VIEW, responsible.path):
        raise ValidationError({"responsible": _("Choose an organisation within your own subtree.")})
    try:
        with transaction.atomic():
            item = RectificationItem.objects.create(
                plan=plan,
                org_path=plan.org_path,
                responsible=responsible,
                responsible_path=responsible.path,
                owner=owner,
                created_by=actor,
                **values,
                **source,
            )
    except IntegrityError:
        raise ValidationError(_("This problem is already an item of the plan."), code="duplicate") from None
    if category == Category.COORDINATED:
        ItemShare.objects.bulk_create(
            ItemShare(item=item, organisation=org, org_path=org.path, share=text.strip(), is_lead=lead)
            for org, text, lead in shares
        )
    audit.record(
        event=events.ITEM_CREATED,
        **acting_as(actor, plan.org_path),
        target=item,
        organisation=plan.organisation_id,
        data={
            "plan": plan.pk,
            "category": category,
            "responsible": responsible.pk,
            "deadline": deadline.isoformat() if deadline else None,
            "source": {name: obj.pk for name, obj in source.items()},
            "shares": [org.pk for org, _text, _lead in shares],
        },
    )
    tallies.item_added(item)
    return item


def _locked(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.select_for_update(of=("self",)).select_related("plan").get(pk=item.pk)


@transaction.atomic
def set_shares(*, item: RectificationItem, actor, shares: Sequence[Share]) -> RectificationItem:
    """综合治理: the organisations sharing an open coordinated item; the lead becomes the responsible one."""
    item = _locked(item)
    if actor is not None and not plan_side(actor, item.plan):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if item.category != Category.COORDINATED:
        raise ValidationError(_("Only a coordinated item has shares."), code="state")
    if item.status not in OPEN_ITEM_STATES:
        raise ValidationError(_("The item is closed."), code="state")
    _check_shares(shares)
    before = tallies.ItemKey.of(item)
    old = list(item.shares.values_list("organisation_id", flat=True))
    item.shares.all().delete()
    ItemShare.objects.bulk_create(
        ItemShare(item=item, organisation=org, org_path=org.path, share=text.strip(), is_lead=lead)
        for org, text, lead in shares
    )
    lead = next(org for org, _text, is_lead in shares if is_lead)
    changes = {"shares": [old, [org.pk for org, _text, _lead in shares]]}
    if lead.pk != item.responsible_id:
        changes["responsible"] = [item.responsible_id, lead.pk]
        item.responsible, item.responsible_path = lead, lead.path
        item.save(update_fields=["responsible", "responsible_path"])
    audit.record(
        event=events.ITEM_SHARES,
        **acting_as(actor, item.org_path),
        target=item,
        organisation=item.plan.organisation_id,
        changes=changes,
    )
    tallies.item_changed(item, before)
    return item


def may_note(user, item: RectificationItem) -> bool:
    """The responsible side, or an organisation with a share in the item."""
    if responsible_side(user, item):
        return True
    return any(can_at_path(user, Action.CHANGE, path) for path in item.shares.values_list("org_path", flat=True))


@transaction.atomic
def add_note(*, item: RectificationItem, actor, text: str, file: UploadedFile | None = None) -> ItemNote:
    """Progress with evidence, while the item is being worked on."""
    if actor is not None and not may_note(actor, item):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if item.status not in OPEN_ITEM_STATES:
        raise ValidationError(_("Progress is noted while the item is open."), code="state")
    if not (text or "").strip():
        raise ValidationError({"text": _("Say what was done.")})
    note = ItemNote(item=item, text=text.strip(), recorded_by=actor)
    if file is not None:
        check_upload(file)
        note.file_name = file.name[:200]
        note.file.save(file.name, file, save=False)
    note.save()
    audit.record(
        event=events.ITEM_NOTED,
        **acting_as(actor, item.responsible_path),
        target=item,
        organisation=item.responsible_id,
        data={"note": note.pk, "file": note.file_name},
    )
    return note


def has_evidence(item: RectificationItem) -> bool:
    return item.notes.exclude(file="").exists()


def _take(item: RectificationItem, name: str, actor, path_of, data: dict, **context) -> RectificationItem:
    with transaction.atomic():
        locked = _locked(item)
        before = tallies.ItemKey.of(locked)
        after = ITEM.take(locked, name, **acting_as(actor, path_of(locked)), by=actor, data=data, **context)
        after.plan = locked.plan
        tallies.item_changed(after, before)
        return after


def _responsible_path(item: RectificationItem) -> str:
    return item.responsible_path


def _verifier_path(item: RectificationItem) -> str:
    if item.plan.member_id is not None:
        return item.org_path
    parents = tree.ancestor_paths(item.org_path)
    return parents[-1] if parents else item.org_path


@transaction.atomic
def report_done(
    *, item: RectificationItem, actor, text: str, file: UploadedFile | None = None, today: datetime.date | None = None
) -> RectificationItem:
    """The work is done: what was done, with evidence (a file now, or a note with one before)."""
    if file is not None:
        # The file becomes a note only if the report would then be taken: a refused report leaves no note.
        fresh = _locked(item)
        reason = ITEM.refusal(fresh, "report_done", actor, {"text": text, "evidence": True, "by": actor})
        if reason:
            raise NotAllowed(reason, code="transition_refused")
        add_note(item=fresh, actor=actor, text=text, file=file)
    return _take(
        item,
        "report_done",
        actor,
        _responsible_path,
        {"text": (text or "").strip()},
        text=text,
        evidence=has_evidence(item),
        today=today,
    )


def _rectify_source(item: RectificationItem) -> None:
    """Closing an item closes the loop of the problem it came from: a replied problem is marked rectified."""
    if not item.problem_id:
        return
    problem = Problem.objects.get(pk=item.problem_id)
    if problem.status != ProblemStatus.REPLIED:
        return
    reporter = item.done_by
    # The reporter did the work; if they cannot act for the problem's receiver the system records it.
    actor = (
        reporter
        if reporter is not None and PROBLEM.refusal(problem, "rectify", reporter, {"text": "x"}) is None
        else None
    )
    after = PROBLEM.take(
        problem,
        "rectify",
        **acting_as(actor, problem.responsible_path),
        text=item.done_text or item.title,
        data={"via_item": item.pk},
    )
    opinion_notify.queue_rectified(after)


@transaction.atomic
def verify(*, item: RectificationItem, actor, today: datetime.date | None = None) -> RectificationItem:
    """Checked and closed by the verifier (not who reported it); its on-time mark is set by the day reported done."""
    after = _take(item, "verify", actor, _verifier_path, {}, today=today)
    _rectify_source(after)
    return after


def return_item(
    *,
    item: RectificationItem,
    actor,
    reason: str,
    deadline: datetime.date | None = None,
    today: datetime.date | None = None,
) -> RectificationItem:
    return _take(
        item,
        "return",
        actor,
        _verifier_path,
        {"reason": (reason or "").strip(), "deadline": deadline.isoformat() if deadline else None},
        reason=reason,
        deadline=deadline,
        today=today,
    )


def explain(
    *, item: RectificationItem, actor, explanation: str = "", today: datetime.date | None = None
) -> RectificationItem:
    """说明情况: closed by the explanation the public reads."""
    return _take(
        item,
        "explain",
        actor,
        _responsible_path,
        {"explanation": (explanation or "").strip()},
        explanation=explanation,
        today=today,
    )


def extend(
    *, item: RectificationItem, actor, reason: str, deadline: datetime.date, today: datetime.date | None = None
) -> RectificationItem:
    """More time: the new deadline may be escalated again if missed."""
    return _take(
        item,
        "extend",
        actor,
        _verifier_path,
        {"reason": (reason or "").strip(), "deadline": deadline.isoformat() if deadline else None},
        reason=reason,
        deadline=deadline,
        today=today,
    )


def cancel(*, item: RectificationItem, actor, reason: str, today: datetime.date | None = None) -> RectificationItem:
    return _take(item, "cancel", actor, _verifier_path, {"reason": (reason or "").strip()}, reason=reason, today=today)


def reopen(
    *,
    item: RectificationItem,
    actor,
    reason: str,
    deadline: datetime.date | None = None,
    today: datetime.date | None = None,
) -> RectificationItem:
    return _take(
        item,
        "reopen",
        actor,
        _verifier_path,
        {"reason": (reason or "").strip(), "deadline": deadline.isoformat() if deadline else None},
        reason=reason,
        deadline=deadline,
        today=today,
    )


def take(*, item: RectificationItem, actor, transition: str, today: datetime.date | None = None, **fields):
    """One entry for forms and the API: the named transition with the fields its form gives."""
    handlers = {
        "report_done": lambda: report_done(
            item=item, actor=actor, text=fields.get("text", ""), file=fields.get("file"), today=today
        ),
        "verify": lambda: verify(item=item, actor=actor, today=today),
        "return": lambda: return_item(
            item=item, actor=actor, reason=fields.get("reason", ""), deadline=fields.get("deadline"), today=today
        ),
        "explain": lambda: explain(item=item, actor=actor, explanation=fields.get("explanation", ""), today=today),
        "extend": lambda: extend(
            item=item, actor=actor, reason=fields.get("reason", ""), deadline=fields.get("deadline"), today=today
        ),
        "cancel": lambda: cancel(item=item, actor=actor, reason=fields.get("reason", ""), today=today),
        "reopen": lambda: reopen(
            item=item, actor=actor, reason=fields.get("reason", ""), deadline=fields.get("deadline"), today=today
        ),
    }
    if transition not in handlers:
        raise ValidationError(_("Unknown action."), code="unknown")
    return handlers[transition]()


# --- overdue, listing and circulation ------------------------------------------------------------------------


@transaction.atomic
def escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Items still owed past their deadline go to the organisation above the responsible one, once per deadline."""
    today = today or timezone.localdate()
    overdue = list(
        RectificationItem.objects.select_for_update(of=("self",)).filter(
            status__in=OPEN_ITEM_STATES, deadline__lt=today, escalated_at__isnull=True
        )
    )
    if not overdue:
        return 0

    def above(item: RectificationItem) -> str:
        parents = tree.ancestor_paths(item.responsible_path)
        return parents[-1] if parents else item.responsible_path

    by_path = {org.path: org for org in Organisation.objects.filter(path__in={above(item) for item in overdue})}
    now = timezone.now()
    drafts = [
        audit.Draft(
            events.ITEM_ESCALATED,
            None,
            "",
            None,
            item,
            by_path.get(above(item)),
            {"escalated_at": [None, now.isoformat()]},
            {"deadline": item.deadline.isoformat(), "responsible": item.responsible_id},
        )
        for item in overdue
    ]
    RectificationItem.objects.filter(pk__in=[item.pk for item in overdue]).update(escalated_at=now)
    audit.record_many(drafts)
    return len(overdue)


def may_publicise(user, item: RectificationItem) -> bool:
    """挂牌 and 通报 are the campaign office's."""
    return can_at_path(user, Action.RUN_CAMPAIGNS, item.org_path)


def _require_office(actor, item: RectificationItem) -> None:
    if actor is not None and not may_publicise(actor, item):
        raise ValidationError(_("Only the campaign office lists or circulates items."), code="forbidden")


@transaction.atomic
def list_publicly(*, item: RectificationItem, actor, listed: bool) -> RectificationItem:
    """挂牌限时整改: the item, its deadline and its state on the unit's public page."""
    item = _locked(item)
    _require_office(actor, item)
    if listed and (item.deadline is None or item.status not in OPEN_ITEM_STATES):
        raise ValidationError(_("Only an open item with a deadline is listed."), code="state")
    if bool(item.listed_at) != listed:
        before = item.listed_at
        item.listed_at = timezone.now() if listed else None
        item.save(update_fields=["listed_at"])
        audit.record(
            event=events.ITEM_LISTED if listed else events.ITEM_UNLISTED,
            **acting_as(actor, item.org_path),
            target=item,
            organisation=item.plan.organisation_id,
            changes={"listed_at": [before.isoformat() if before else None, _iso(item.listed_at)]},
        )
    return item


def _iso(value):
    return value.isoformat() if value else None


@transaction.atomic
def circulate(*, item: RectificationItem, actor, text: str) -> RectificationItem:
    """通报: circulated within the subtree as a case, in the office's words."""
    item = _locked(item)
    _require_office(actor, item)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the circular.")})
    item.circulated_at, item.circular = timezone.now(), text.strip()
    item.save(update_fields=["circulated_at", "circular"])
    audit.record(
        event=events.ITEM_CIRCULATED,
        **acting_as(actor, item.org_path),
        target=item,
        organisation=item.plan.organisation_id,
        data={"length": len(item.circular)},
    )
    return item


def items_of_problems(problem_ids: Iterable[int]):
    """The items raised from these problems (the problem's side of the link)."""
    return RectificationItem.objects.filter(problem_id__in=list(problem_ids))
