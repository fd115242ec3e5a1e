"""Every write of the five-form loop (DOMAIN §3): intake, grouping, forwarding, replies, rectification, ratings.

Services check who acts (`actor=None` is the system: the demo, a scheduled
job, the public through a page) and write the audit trail in the same
transaction.  Public callers never learn more than their own receipt shows.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.meetings.uploads import check_upload
from vanguard.opinions import events, notify
from vanguard.opinions.models import (
    Aspect,
    Channel,
    ConductAppraisal,
    Direction,
    EffectRating,
    IntakePage,
    MonitoringBody,
    MonitoringLevel,
    Opinion,
    Problem,
    ProblemStatus,
    ProgressNote,
    RatingSource,
    SourceGroup,
    Verdict,
)
from vanguard.opinions.workflows import PROBLEM
from vanguard.orgs.models import Organisation

# Readable over the phone and on paper: no 0/O, 1/I/L.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 10
PAGE_CODE_LENGTH = 6
# An opinion is a few paragraphs; a longer text is a document and goes through staff.
MAX_TEXT = 5000


def _code(length: int) -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(length))


def new_receipt() -> str:
    """A receipt code: 31^10 ≈ 8·10^14 values, so guessing one is hopeless and a collision is retried by the caller."""
    return _code(RECEIPT_LENGTH)


def normalise_receipt(text: str) -> str:
    """What a person typed (lower case, spaces, dashes) as the stored code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _require(actor, path: str, message=None) -> None:
    if actor is not None and not can_at_path(actor, Action.CHANGE, path):
        raise ValidationError(message or _("You may not do this for this organisation."), code="forbidden")


# --- public pages ----------------------------------------------------------------------------------------------


@transaction.atomic
def open_page(*, organisation: Organisation, actor, title: str = "", campaign=None, direction: str = "") -> IntakePage:
    """A public opinion page for `organisation`, with a short code for its link and poster."""
    _require(actor, organisation.path)
    if direction and direction not in Direction.values:
        raise ValidationError({"direction": _("Choose a direction from the list.")})
    for _attempt in range(5):
        code = _code(PAGE_CODE_LENGTH)
        if not IntakePage.objects.filter(code=code).exists():
            break
    page = IntakePage.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        campaign=campaign,
        code=code,
        title=(title or "").strip() or organisation.name,
        direction=direction or Direction.PUBLIC_OFFICIAL,
        created_by=actor,
    )
    audit.record(
        event=events.PAGE_OPENED, **acting_as(actor, organisation.path), target=page, organisation=organisation
    )
    return page


@transaction.atomic
def set_page_open(*, page: IntakePage, actor, is_open: bool) -> IntakePage:
    _require(actor, page.org_path)
    if page.is_open != is_open:
        IntakePage.objects.filter(pk=page.pk).update(is_open=is_open)
        audit.record(
            event=events.PAGE_CHANGED,
            **acting_as(actor, page.org_path),
            target=page,
            organisation=page.organisation,
            changes={"is_open": [page.is_open, is_open]},
        )
        page.is_open = is_open
    return page


@dataclass(frozen=True)
class OpinionInput:
    """One opinion as staff or the public gave it (checked by `check_input`)."""

    text: str
    direction: str
    source_group: str
    channel: str = Channel.WEB
    received_on: datetime.date | None = None
    name: str = ""
    phone: str = ""
    email: str = ""


def check_input(row: OpinionInput, *, today: datetime.date | None = None) -> dict[str, str]:
    """field → what is wrong with it; empty when the opinion may be stored. The text is kept exactly as given."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if not (row.text or "").strip():
        problems["text"] = _("Write the opinion.")
    elif len(row.text) > MAX_TEXT:
        problems["text"] = _("An opinion may be at most %(limit)d characters; this one has %(count)d.") % {
            "limit": MAX_TEXT,
            "count": len(row.text),
        }
    elif "\x00" in row.text:
        problems["text"] = _("The text contains a null character.")
    if row.direction not in Direction.values:
        problems["direction"] = _("Choose a direction from the list.")
    if row.source_group not in SourceGroup.values:
        problems["source_group"] = _("Choose who gave the opinion from the list.")
    if row.channel not in Channel.values:
        problems["channel"] = _("Choose a channel from the list.")
    if row.received_on is not None and row.received_on > today:
        problems["received_on"] = _("The date is in the future.")
    if len(row.name or "") > 100:
        problems["name"] = _("A name may be at most 100 characters.")
    phone = (row.phone or "").strip()
    if phone and not (phone.replace("-", "").replace(" ", "").lstrip("+").isdigit() and 5 <= len(phone) <= 32):
        problems["phone"] = _("A phone number is digits, at most 32 characters.")
    email = (row.email or "").strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = _("Enter a valid e-mail address.")
    return problems


def _opinion(row: OpinionInput, *, organisation: Organisation, campaign, page, actor, receipt: str) -> Opinion:
    return Opinion(
        organisation=organisation,
        org_path=organisation.path,
        campaign=campaign,
        intake_page=page,
        channel=row.channel,
        direction=row.direction,
        source_group=row.source_group,
        received_on=row.received_on or timezone.localdate(),
        text=row.text,
        name=(row.name or "").strip(),
        phone=(row.phone or "").strip(),
        email=(row.email or "").strip(),
        receipt=receipt,
        entered_by=actor,
    )


def submit_opinion(*, page: IntakePage, row: OpinionInput) -> Opinion:
    """An opinion given on a public page (channel: web mailbox); returns it with its receipt code.

    Rate limits live in the view (they are about addresses, which are never stored).
    """
    if not page.is_open:
        raise ValidationError(_("This page no longer takes opinions."), code="closed")
    row = OpinionInput(**{**row.__dict__, "channel": Channel.WEB, "received_on": None})
    problems = check_input(row)
    if problems:
        raise ValidationError(problems)
    for attempt in range(5):
        try:
            with transaction.atomic():
                opinion = _opinion(
                    row,
                    organisation=page.organisation,
                    campaign=page.campaign,
                    page=page,
                    actor=None,
                    receipt=new_receipt(),
                )
                opinion.save()
                audit.record(
                    event=events.OPINION_SUBMITTED,
                    target=opinion,
                    organisation=page.organisation,
                    data={"page": page.code, "direction": row.direction},
                )
                return opinion
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


class RowErrors(ValidationError):
    """Bad rows of a bulk entry: `rows` maps a 1-based row number to field → message; nothing was stored."""

    def __init__(self, rows: dict[int, dict[str, str]]):
        self.rows = rows
        first = min(rows)
        super().__init__(
            _("%(count)d rows have problems (first: row %(row)d); nothing was stored.")
            % {"count": len(rows), "row": first},
            code="rows",
        )


@transaction.atomic
def enter_opinions(
    *, organisation: Organisation, actor, rows: Sequence[OpinionInput], campaign=None, row_numbers: Sequence[int] = ()
) -> list[Opinion]:
    """Opinions from offline channels (forum minutes, interviews, hotline, box, questionnaires): all or none.

    `row_numbers` names the rows in errors (a sheet's own row numbers); by default 1, 2, ….
    """
    _require(actor, organisation.path)
    numbers = list(row_numbers) or list(range(1, len(rows) + 1))
    errors = {}
    for number, row in zip(numbers, rows, strict=True):
        problems = check_input(row)
        if row.received_on is None:
            problems.setdefault("received_on", _("Give the date the opinion was received."))
        if problems:
            errors[number] = problems
    if errors:
        raise RowErrors(errors)
    receipts: set[str] = set()
    while len(receipts) < len(rows):
        receipts.add(new_receipt())
    taken = set(Opinion.objects.filter(receipt__in=receipts).values_list("receipt", flat=True))
    fresh = [r for r in receipts if r not in taken]
    while len(fresh) < len(rows):
        code = new_receipt()
        if code not in taken and code not in fresh and not Opinion.objects.filter(receipt=code).exists():
            fresh.append(code)
    opinions = Opinion.objects.bulk_create(
        _opinion(row, organisation=organisation, campaign=campaign, page=None, actor=actor, receipt=receipt)
        for row, receipt in zip(rows, fresh, strict=False)
    )
    audit.record(
        event=events.OPINIONS_ENTERED,
        **acting_as(actor, organisation.path),
        organisation=organisation,
        data={"count": len(opinions), "channels": sorted({row.channel for row in rows})},
    )
    return opinions


# --- grouping (意见汇总) ----------------------------------------------------------------------------------------


def _opinions_in(organisation: Organisation, ids: Iterable[int]) -> list[Opinion]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError(_("Choose at least one opinion."), code="empty")
    found = list(
        Opinion.objects.filter(pk__in=ids)
        .filter(tree.subtree_q("org_path", organisation.path))
        .select_related("problem")
    )
    if len(found) != len(ids):
        raise ValidationError(_("Some of these opinions are not in this organisation's subtree."), code="elsewhere")
    settled = [o for o in found if o.problem is not None and o.problem.status != ProblemStatus.OPEN]
    if settled:
        raise ValidationError(
            _("Opinion %(receipt)s belongs to a problem already forwarded; it can no longer move.")
            % {"receipt": settled[0].receipt},
            code="settled",
        )
    return found


def _forget_empty(problem_ids: Iterable[int]) -> None:
    """A grouped problem left with no opinions is deleted: it was only ever their summary."""
    Problem.objects.filter(pk__in=set(problem_ids), status=ProblemStatus.OPEN, opinions__isnull=True).delete()


@transaction.atomic
def group_opinions(
    *,
    organisation: Organisation,
    actor,
    opinion_ids: Iterable[int],
    title: str,
    summary: str = "",
    keywords: str = "",
    campaign=None,
) -> Problem:
    """Make one problem of these opinions (taking them from any open problem they were in)."""
    _require(actor, organisation.path)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the problem a title.")})
    opinions = _opinions_in(organisation, opinion_ids)
    if campaign is None:
        campaign = next((o.campaign for o in opinions if o.campaign_id), None)
    problem = Problem.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        campaign=campaign,
        title=title[:200],
        summary=summary,
        keywords=keywords[:200],
        created_by=actor,
    )
    previous = {o.problem_id for o in opinions if o.problem_id}
    Opinion.objects.filter(pk__in=[o.pk for o in opinions]).update(problem=problem)
    _forget_empty(previous)
    audit.record(
        event=events.PROBLEM_GROUPED,
        **acting_as(actor, organisation.path),
        target=problem,
        organisation=organisation,
        data={"opinions": len(opinions), "from_problems": sorted(previous)},
    )
    return problem


@transaction.atomic
def move_opinions(*, problem: Problem, actor, opinion_ids: Iterable[int]) -> Problem:
    """Move opinions into an open problem (from wherever they were grouped)."""
    _require(actor, problem.org_path)
    if problem.status != ProblemStatus.OPEN:
        raise ValidationError(_("Opinions can only be added to a problem that has not been forwarded."), code="settled")
    opinions = _opinions_in(problem.organisation, opinion_ids)
    previous = {o.problem_id for o in opinions if o.problem_id and o.problem_id != problem.pk}
    Opinion.objects.filter(pk__in=[o.pk for o in opinions]).update(problem=problem)
    _forget_empty(previous)
    audit.record(
        event=events.OPINIONS_MOVED,
        **acting_as(actor, problem.org_path),
        target=problem,
        organisation=problem.organisation,
        data={"opinions": [o.pk for o in opinions], "from_problems": sorted(previous)},
    )
    return problem


@transaction.atomic
def ungroup_opinions(*, problem: Problem, actor, opinion_ids: Iterable[int]) -> int:
    """Take opinions out of an open problem (they wait to be grouped again)."""
    _require(actor, problem.org_path)
    if problem.status != ProblemStatus.OPEN:
        raise ValidationError(_("A forwarded problem keeps its opinions."), code="settled")
    moved = Opinion.objects.filter(problem=problem, pk__in=list(opinion_ids)).update(problem=None)
    _forget_empty([problem.pk])
    audit.record(
        event=events.OPINIONS_UNGROUPED,
        **acting_as(actor, problem.org_path),
        target=problem,
        organisation=problem.organisation,
        data={"opinions": moved},
    )
    return moved


@transaction.atomic
def split_problem(*, problem: Problem, actor, opinion_ids: Iterable[int], title: str) -> Problem:
    """A new problem of some of this one's opinions."""
    ids = list(opinion_ids)
    if set(ids) - set(problem.opinions.values_list("pk", flat=True)):
        raise ValidationError(_("Only opinions of this problem can be split off."), code="elsewhere")
    return group_opinions(
        organisation=problem.organisation, actor=actor, opinion_ids=ids, title=title, campaign=problem.campaign
    )


@transaction.atomic
def merge_problems(*, into: Problem, actor, others: Iterable[Problem]) -> Problem:
    """The opinions of `others` join `into`; the others, now empty, go."""
    _require(actor, into.org_path)
    others = [p for p in others if p.pk != into.pk]
    for problem in [into, *others]:
        if problem.status != ProblemStatus.OPEN:
            raise ValidationError(
                _("“%(title)s” has been forwarded; only problems not yet forwarded can be merged.")
                % {"title": problem.title},
                code="settled",
            )
        if not tree.is_within(problem.org_path, into.org_path):
            raise ValidationError(_("Problems of another organisation cannot be merged here."), code="elsewhere")
    moved = Opinion.objects.filter(problem__in=others).update(problem=into)
    _forget_empty(p.pk for p in others)
    audit.record(
        event=events.PROBLEMS_MERGED,
        **acting_as(actor, into.org_path),
        target=into,
        organisation=into.organisation,
        data={"merged": [p.pk for p in others], "opinions": moved},
    )
    return into


@transaction.atomic
def edit_problem(*, problem: Problem, actor, title: str, summary: str, keywords: str = "") -> Problem:
    _require(actor, problem.org_path)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the problem a title.")})
    changes = {
        field: [getattr(problem, field), value]
        for field, value in (("title", title[:200]), ("summary", summary), ("keywords", keywords[:200]))
        if getattr(problem, field) != value
    }
    if changes:
        Problem.objects.filter(pk=problem.pk).update(**{k: v[1] for k, v in changes.items()})
        for field, (_old, new) in changes.items():
            setattr(problem, field, new)
        audit.record(
            event=events.PROBLEM_EDITED,
            **acting_as(actor, problem.org_path),
            target=problem,
            organisation=problem.organisation,
            changes=changes,
        )
    return problem


# --- forwarding, replies, rectification (意见反馈, 整改情况) ---------------------------------------------------


def _take(problem: Problem, name: str, actor, path: str, **context) -> Problem:
    return PROBLEM.take(problem, name, **acting_as(actor, path), data=context.pop("data", None), **context)


def forward(
    *,
    problem: Problem,
    actor,
    responsible: Organisation,
    deadline: datetime.date,
    category: str,
    suggested: Organisation | None = None,
    confidence: float | None = None,
) -> Problem:
    """转办: to the organisation responsible, with a category (DOMAIN §5.1) and a deadline."""
    with transaction.atomic():
        if responsible is not None and actor is not None and not can_at_path(actor, Action.VIEW, responsible.path):
            # Forwarding goes down or across within what the office can see; the receiving side sees it from then on.
            raise ValidationError({"responsible": _("Choose an organisation within your own subtree.")})
        return _take(
            problem,
            "forward",
            actor,
            problem.org_path,
            responsible=responsible,
            deadline=deadline,
            category=category,
            suggested=suggested,
            confidence=confidence,
            data={
                "responsible": getattr(responsible, "pk", None),
                "category": category,
                "deadline": deadline.isoformat() if deadline else None,
                "suggested": getattr(suggested, "pk", None),
            },
        )


def send_back(*, problem: Problem, actor, reason: str) -> Problem:
    """The receiving organisation says it is not theirs; it returns to the grouping side to forward again."""
    return _take(problem, "send_back", actor, problem.responsible_path, reason=reason, data={"reason": reason})


def reply(*, problem: Problem, actor, text: str) -> Problem:
    """意见反馈: the reply is shown on every receipt of the problem and sent to whoever left a phone or e-mail."""
    with transaction.atomic():
        after = _take(problem, "reply", actor, problem.responsible_path, text=text, data={"length": len(text or "")})
        notify.queue_reply(after)
    return after


def rectify(*, problem: Problem, actor, text: str) -> Problem:
    """整改 done: say what was done. From now whoever raised it may rate the effect."""
    with transaction.atomic():
        after = _take(problem, "rectify", actor, problem.responsible_path, text=text)
        notify.queue_rectified(after)
    return after


def reopen(*, problem: Problem, actor, reason: str) -> Problem:
    return _take(problem, "reopen", actor, problem.org_path, reason=reason, data={"reason": reason})


@transaction.atomic
def add_progress(*, problem: Problem, actor, text: str, file: UploadedFile | None = None) -> ProgressNote:
    """整改情况: a step of the rectification with optional evidence, while the problem is with its receiver."""
    if actor is not None and not (
        problem.responsible_path and can_at_path(actor, Action.CHANGE, problem.responsible_path)
    ):
        raise ValidationError(_("Only the organisation responsible notes progress."), code="forbidden")
    if problem.status not in (ProblemStatus.FORWARDED, ProblemStatus.REPLIED):
        raise ValidationError(_("Progress is noted between forwarding and rectification."), code="state")
    if not (text or "").strip():
        raise ValidationError({"text": _("Say what was done.")})
    note = ProgressNote(problem=problem, text=text.strip(), recorded_by=actor)
    if file is not None:
        check_upload(file)
        note.file_name = file.name[:200]
        note.file.save(file.name, file, save=False)
    note.save()
    audit.record(
        event=events.PROGRESS_NOTED,
        **acting_as(actor, problem.responsible_path),
        target=problem,
        organisation=problem.responsible,
        data={"note": note.pk, "file": note.file_name},
    )
    return note


def _parent_of(path: str) -> Organisation | None:
    ancestors = tree.ancestor_paths(path)
    return Organisation.objects.filter(path=ancestors[-1]).first() if ancestors else None


@transaction.atomic
def escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Problems past their deadline and not rectified go to the organisation above the responsible one (once)."""
    today = today or timezone.localdate()
    overdue = list(
        # of=self: PostgreSQL refuses to lock the nullable side of the join to the responsible organisation.
        Problem.objects.select_for_update(of=("self",))
        .filter(
            status__in=[ProblemStatus.FORWARDED, ProblemStatus.REPLIED], deadline__lt=today, escalated_at__isnull=True
        )
        .select_related("responsible")
    )
    now = timezone.now()
    drafts = []
    for problem in overdue:
        above = _parent_of(problem.responsible_path) or problem.responsible
        drafts.append(
            audit.Draft(
                events.PROBLEM_ESCALATED,
                None,
                "",
                None,
                problem,
                above,
                {"escalated_at": [None, now.isoformat()]},
                {"deadline": problem.deadline.isoformat(), "responsible": problem.responsible_id},
            )
        )
    Problem.objects.filter(pk__in=[p.pk for p in overdue]).update(escalated_at=now)
    audit.record_many(drafts)
    return len(overdue)


@transaction.atomic
def list_publicly(*, problem: Problem, actor, listed: bool) -> Problem:
    """挂牌限时整改: the problem, its deadline and its state on the public page of its unit."""
    _require(actor, problem.org_path)
    if listed and problem.status == ProblemStatus.OPEN:
        raise ValidationError(_("Forward the problem with a deadline before listing it."), code="state")
    value = timezone.now() if listed else None
    if bool(problem.listed_at) != listed:
        Problem.objects.filter(pk=problem.pk).update(listed_at=value)
        problem.listed_at = value
        audit.record(
            event=events.PROBLEM_LISTED if listed else events.PROBLEM_UNLISTED,
            **acting_as(actor, problem.org_path),
            target=problem,
            organisation=problem.organisation,
        )
    return problem


@transaction.atomic
def circulate(*, problem: Problem, actor, text: str) -> Problem:
    """通报: a negative case circulated within the subtree, in the office's words."""
    _require(actor, problem.org_path)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the circular.")})
    now = timezone.now()
    Problem.objects.filter(pk=problem.pk).update(circulated_at=now, circular=text.strip())
    problem.circulated_at, problem.circular = now, text.strip()
    audit.record(
        event=events.PROBLEM_CIRCULATED,
        **acting_as(actor, problem.org_path),
        target=problem,
        organisation=problem.organisation,
    )
    return problem


# --- effect ratings (整改效果) ----------------------------------------------------------------------------------


def rate_by_receipt(*, receipt: str, verdict: str, comment: str = "") -> EffectRating:
    """Whoever raised an opinion rates the effect once its problem is rectified; a second rating is refused."""
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose a rating.")})
    if len(comment or "") > MAX_TEXT:
        raise ValidationError({"comment": _("The comment is too long.")})
    opinion = Opinion.objects.select_related("problem").filter(receipt=normalise_receipt(receipt)).first()
    if opinion is None:
        raise ValidationError(_("No opinion has this receipt code."), code="unknown")
    if opinion.problem is None or opinion.problem.status != ProblemStatus.RECTIFIED:
        raise ValidationError(_("The effect can be rated once the problem is rectified."), code="state")
    try:
        with transaction.atomic():
            rating = EffectRating.objects.create(
                problem=opinion.problem, opinion=opinion, source=RatingSource.RAISER, verdict=verdict, comment=comment
            )
            audit.record(
                event=events.EFFECT_RATED,
                target=opinion.problem,
                organisation=opinion.problem.organisation,
                data={"verdict": verdict, "source": RatingSource.RAISER},
            )
    except IntegrityError:
        raise ValidationError(_("This opinion's effect has already been rated."), code="rated") from None
    return rating


@transaction.atomic
def rate_by_sample(*, problem: Problem, actor, satisfied: int, basically: int, unsatisfied: int) -> int:
    """A sample of the public chosen by the office rated the effect (e.g. the statistics bureau's survey)."""
    _require(actor, problem.org_path)
    if problem.status != ProblemStatus.RECTIFIED:
        raise ValidationError(_("The effect can be rated once the problem is rectified."), code="state")
    counts = {Verdict.SATISFIED: satisfied, Verdict.BASICALLY: basically, Verdict.UNSATISFIED: unsatisfied}
    if any(n < 0 for n in counts.values()) or not sum(counts.values()):
        raise ValidationError(_("Give how many of the sample chose each rating."), code="counts")
    EffectRating.objects.bulk_create(
        EffectRating(problem=problem, source=RatingSource.SAMPLE, verdict=verdict, entered_by=actor)
        for verdict, n in counts.items()
        for _i in range(n)
    )
    audit.record(
        event=events.SAMPLE_RATED,
        **acting_as(actor, problem.org_path),
        target=problem,
        organisation=problem.organisation,
        data={str(k): v for k, v in counts.items()},
    )
    return sum(counts.values())


# --- 三级两评 -------------------------------------------------------------------------------------------------


@transaction.atomic
def designate_body(
    *, organisation: Organisation, actor, level: str, parent: MonitoringBody | None = None
) -> MonitoringBody:
    """Make `organisation` the district office, a monitoring station (under an office) or a point (under a station)."""
    _require(actor, organisation.path)
    expected_parent = {
        MonitoringLevel.OFFICE: None,
        MonitoringLevel.STATION: MonitoringLevel.OFFICE,
        MonitoringLevel.POINT: MonitoringLevel.STATION,
    }
    if level not in expected_parent:
        raise ValidationError({"level": _("Choose a level from the list.")})
    wanted = expected_parent[level]
    if (parent is None) != (wanted is None) or (parent is not None and parent.level != wanted):
        raise ValidationError(
            {"parent": _("An office reports to no one, a station to an office, a point to a station.")}
        )
    if MonitoringBody.objects.filter(organisation=organisation).exists():
        raise ValidationError(_("This organisation already has a monitoring role."), code="exists")
    body = MonitoringBody.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        level=level,
        parent=parent,
        office_path=parent.office_path if parent else organisation.path,
        station_path=(
            parent.org_path
            if level == MonitoringLevel.POINT
            else organisation.path
            if level == MonitoringLevel.STATION
            else ""
        ),
    )
    audit.record(
        event=events.MONITORING_BODY_SET,
        **acting_as(actor, organisation.path),
        target=body,
        organisation=organisation,
        data={"level": level, "parent": parent.pk if parent else None},
    )
    return body


@transaction.atomic
def record_appraisal(
    *,
    point: MonitoringBody,
    actor,
    subject: Organisation,
    aspect: str,
    appraised_on: datetime.date,
    satisfied: int,
    basically: int,
    unsatisfied: int,
    note: str = "",
) -> ConductAppraisal:
    """两评: a monitoring point's appraisal of an office or trade's conduct (行风) or efficiency (效能), as counts of
    satisfied / basically satisfied / not satisfied (DOMAIN §3, §4)."""
    _require(actor, point.org_path, _("Only staff of the monitoring point record its appraisals."))
    if point.level != MonitoringLevel.POINT:
        raise ValidationError(_("Appraisals are recorded by monitoring points."), code="level")
    problems = {}
    if aspect not in Aspect.values:
        problems["aspect"] = _("Choose conduct or efficiency.")
    counts = (satisfied, basically, unsatisfied)
    if any(n is None or n < 0 for n in counts) or not sum(n or 0 for n in counts):
        problems["satisfied"] = _("Give how many rated each way; not all of them can be zero.")
    if appraised_on > timezone.localdate():
        problems["appraised_on"] = _("The date is in the future.")
    if problems:
        raise ValidationError(problems)
    appraisal = ConductAppraisal.objects.create(
        point=point,
        subject=subject,
        aspect=aspect,
        appraised_on=appraised_on,
        satisfied=satisfied,
        basically=basically,
        unsatisfied=unsatisfied,
        note=note,
        recorded_by=actor,
    )
    audit.record(
        event=events.APPRAISAL_RECORDED,
        **acting_as(actor, point.org_path),
        target=appraisal,
        organisation=point.organisation,
        data={"subject": subject.pk, "aspect": aspect, "counts": list(counts)},
    )
    return appraisal
