"""Reproducible stratified random samples from a frame (DOMAIN §4, seed 004), and issuing tokens to them.

The draw, as shown on the sample's page so that anyone can redo it:
strata are taken in code-point order of their names; one
`random.Random(seed)` draws, for each stratum in turn, `rng.sample(rows, n)`
from that stratum's rows in row order (the row numbers of the uploaded
sheet).  The same frame, seed and sizes therefore always give the same
sample.  The seed is `secrets.randbits(63)` unless one is given (to redo a
published draw), and it is stored and shown.

Sizes are typed per stratum, or a total is allocated to the chosen strata in
proportion to their rows by the largest-remainder (Hamilton) method.

Issuing gives each stratum exactly as many tokens as its sample size, in the
frame kind's constituency (FRAME_CONSTITUENCY).  Which code went to which row
is never kept: links are texted through services.send_links, and printed
sheets are handed out from a delivery list that carries names and addresses
but no codes.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable, Mapping

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.ballots import events, services
from vanguard.ballots.frames import stratum_counts
from vanguard.ballots.models import (
    FRAME_CONSTITUENCY,
    Ballot,
    Constituency,
    Frame,
    FrameRow,
    Medium,
    Sample,
    SampleRow,
    Status,
)
from vanguard.core import audit, bulk, jobs
from vanguard.core.models import Job

SEED_BITS = 63  # Sample.seed is a signed 64-bit column


def allocate_proportional(counts: Mapping[str, int], total: int) -> dict[str, int]:
    """`total` shared among strata in proportion to their rows, by largest remainder; sums to `total` exactly.

    Each stratum gets the whole part of total × rows ÷ all rows; the units
    left over go to the largest fractional parts (ties: the bigger stratum,
    then the name).  Exact integer arithmetic, so no rounding drift; no
    stratum gets more than its rows, since a stratum with no remainder is
    never among those that get one more.
    """
    counts = {stratum: int(n) for stratum, n in counts.items() if int(n) > 0}
    population = sum(counts.values())
    if total < 0 or total > population:
        raise ValidationError(
            _("A sample of %(total)d cannot be drawn from %(population)d rows.")
            % {"total": total, "population": population},
            code="too_large",
        )
    sizes = {stratum: total * n // population for stratum, n in counts.items()}
    remainders = {stratum: total * n % population for stratum, n in counts.items()}
    left = total - sum(sizes.values())
    for stratum in sorted(counts, key=lambda s: (-remainders[s], -counts[s], s))[:left]:
        sizes[stratum] += 1
    return sizes


def draw_rows(rows_by_stratum: Mapping[str, list[int]], sizes: Mapping[str, int], seed: int) -> dict[str, list[int]]:
    """{stratum: drawn row ids, in row order}: strata in code-point order, one Random(seed) across them.

    `rows_by_stratum` lists each stratum's row ids in row order; the draw
    depends on nothing else, so it is the same on every machine and database.
    """
    rng = random.Random(seed)
    drawn: dict[str, list[int]] = {}
    for stratum in sorted(sizes):
        size = sizes[stratum]
        if size <= 0:
            continue
        rows = rows_by_stratum[stratum]
        chosen = set(rng.sample(rows, size))
        drawn[stratum] = [row for row in rows if row in chosen]
    return drawn


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def _check_sizes(counts: Mapping[str, int], sizes: Mapping[str, int]) -> dict[str, int]:
    problems = []
    checked: dict[str, int] = {}
    for stratum, size in sizes.items():
        if stratum not in counts:
            problems.append(_("The frame has no stratum “%(stratum)s”.") % {"stratum": stratum})
            continue
        if not isinstance(size, int) or size < 0:
            problems.append(_("The size for “%(stratum)s” must be a whole number.") % {"stratum": stratum})
            continue
        if size > counts[stratum]:
            problems.append(
                _("“%(stratum)s” has only %(rows)d rows; a sample of %(size)d cannot be drawn from it.")
                % {"stratum": stratum, "rows": counts[stratum], "size": size}
            )
            continue
        if size:
            checked[stratum] = size
    if problems:
        raise ValidationError([ValidationError(problem, code="sizes") for problem in problems])
    if not checked:
        raise ValidationError(_("Give at least one stratum a sample size above zero."), code="empty")
    return checked


@transaction.atomic
def draw_sample(
    *,
    ballot: Ballot,
    frame: Frame,
    actor,
    sizes: Mapping[str, int] | None = None,
    strata: Iterable[str] | None = None,
    total: int | None = None,
    seed: int | None = None,
) -> Sample:
    """Draw and store a sample of `frame` for `ballot`: typed `sizes` per stratum, or `total` shared by `strata`.

    Refused (ValidationError) when the actor may not change the ballot or see
    the frame, when the ballot is closed or not put to the frame's
    constituency, or when a size exceeds its stratum.
    """
    if actor is not None and not (
        can_at_path(actor, Action.CHANGE, ballot.org_path) and can(actor, Action.VIEW, frame)
    ):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if ballot.status == Status.CLOSED:
        raise ValidationError(_("The ballot is closed."), code="closed")
    constituency = FRAME_CONSTITUENCY[frame.kind]
    if constituency not in ballot.constituencies:
        raise ValidationError(
            _("This ballot is not put to %(constituency)s, whom this frame lists.")
            % {"constituency": Constituency(constituency).label},
            code="constituency",
        )
    if seed is None:
        seed = new_seed()
    elif not 0 <= seed < 2**SEED_BITS:
        raise ValidationError(_("A seed is a whole number from 0 to 2^63 − 1."), code="seed")
    counts = stratum_counts(frame)
    if total is not None:
        chosen = list(strata) if strata is not None else list(counts)
        unknown = [s for s in chosen if s not in counts]
        if unknown:
            raise ValidationError(_("The frame has no stratum “%(stratum)s”.") % {"stratum": unknown[0]}, code="sizes")
        if not chosen:
            raise ValidationError(_("Choose at least one stratum."), code="empty")
        sizes = allocate_proportional({s: counts[s] for s in chosen}, total)
    if sizes is None:
        raise ValidationError(_("Give the sample's sizes or its total."), code="empty")
    sizes = _check_sizes(counts, sizes)

    rows_by_stratum: dict[str, list[int]] = {stratum: [] for stratum in sizes}
    listed = (
        FrameRow.objects.filter(frame=frame, stratum__in=list(sizes))
        .order_by("number")
        .values_list("stratum", "pk")
        .iterator(chunk_size=10000)
    )
    for stratum, pk in listed:
        rows_by_stratum[stratum].append(pk)
    drawn = draw_rows(rows_by_stratum, sizes, seed)

    sample = Sample.objects.create(
        ballot=ballot,
        frame=frame,
        seed=seed,
        sizes=dict(sorted(sizes.items())),
        size=sum(sizes.values()),
        drawn_by=actor,
    )
    bulk.insert_rows(SampleRow, ({"sample_id": sample.pk, "row_id": pk} for rows in drawn.values() for pk in rows))
    audit.record(
        event=events.SAMPLE_DRAWN,
        **acting_as(actor, ballot.org_path),
        target=sample,
        organisation=ballot.organisation,
        data={"ballot": ballot.pk, "frame": frame.pk, "seed": seed, "sizes": sample.sizes, "size": sample.size},
    )
    return sample


def drawn_rows(sample: Sample):
    """The sample's frame rows, by stratum then row number (the delivery list's order)."""
    return FrameRow.objects.filter(pk__in=SampleRow.objects.filter(sample=sample).values("row_id")).order_by(
        "stratum", "number"
    )


def _claim_for_issue(sample: Sample, actor, medium: str) -> tuple[Ballot, str]:
    """Check that tokens may go to the sample, then claim it once: a second request (a double click) issues nothing.

    The claim is committed before any token is made, so a crash half-way leaves
    a sample marked issued with fewer tokens (the audit trail shows how many),
    never one issued twice.
    """
    ballot = sample.ballot
    if actor is not None and not can_at_path(actor, Action.CHANGE, ballot.org_path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if ballot.status == Status.CLOSED:
        raise ValidationError(_("The ballot is closed."), code="closed")
    constituency = FRAME_CONSTITUENCY[sample.frame.kind]
    if constituency not in ballot.constituencies:
        raise ValidationError(_("This ballot is not put to that constituency."), code="constituency")
    claimed = Sample.objects.filter(pk=sample.pk, issued_as="").update(issued_as=medium)
    if claimed != 1:
        raise ValidationError(_("Tokens have already been issued to this sample."), code="issued")
    sample.issued_as = medium
    return ballot, constituency


def _phones_by_stratum(sample: Sample) -> dict[str, list[str]]:
    """The drawn rows' phones per stratum; refused unless every drawn row has one (each stratum gets its size)."""
    rows = list(drawn_rows(sample).values_list("stratum", "phone"))
    without = sum(1 for _stratum, phone in rows if not phone)
    if without:
        raise ValidationError(
            _("%(count)d drawn rows have no phone number: issue printed sheets to this sample instead.")
            % {"count": without},
            code="no_phone",
        )
    phones: dict[str, list[str]] = {}
    for stratum, phone in rows:
        phones.setdefault(stratum, []).append(phone)
    return phones


def issue_links(
    *, sample: Sample, actor, link_for: Callable[[str], str], progress: Callable | None = None
) -> tuple[int, int]:
    """Text each drawn row its own link (services.send_links, stratum by stratum); (sent, failed).

    Every drawn row must have a phone, so that each stratum gets exactly its
    sample size in tokens; otherwise nothing is issued and sheets are the way.
    Messages go out stratum by stratum, each stratum's tokens committed before
    its texts are sent, so no one is texted a link that a rollback voided.
    """
    phones = _phones_by_stratum(sample)
    ballot, constituency = _claim_for_issue(sample, actor, Medium.LINK)
    sent = failed = 0
    for stratum, numbers in sorted(phones.items()):
        if progress is not None:
            progress(sent + failed, sample.size, _("Sending links"))
        ok, bad = services.send_links(
            ballot=ballot, actor=actor, phones=numbers, constituency=constituency, stratum=stratum, link_for=link_for
        )
        sent += ok
        failed += bad
    return sent, failed


LINKS_JOB_KIND = "ballots.sample_links"
# Texting waits on the SMS gateway for each number: beyond this many the links go out from a background job.
LINKS_IN_REQUEST = 200


def start_issue_links(*, sample: Sample, actor, base_url: str) -> Job:
    """Queue the texting of a big sample's links.  The job claims the sample when it runs, so a job run a second
    time (its worker died, or it was started again) finds it claimed and sends nothing: no one gets two links."""
    ballot = sample.ballot
    if actor is not None and not can_at_path(actor, Action.CHANGE, ballot.org_path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    _phones_by_stratum(sample)
    if sample.issued_as:
        raise ValidationError(_("Tokens have already been issued to this sample."), code="issued")
    return jobs.start(
        kind=LINKS_JOB_KIND,
        params={"sample": sample.pk, "base_url": base_url},
        user=actor,
        organisation=ballot.organisation,
    )


@jobs.register(LINKS_JOB_KIND, title=gettext_lazy("Text a sample its ballot links"))
def issue_links_job(job: Job, progress) -> dict:
    from vanguard.ballots import sheets  # the voting link's address

    sample = Sample.objects.select_related("ballot__organisation", "frame").filter(pk=job.params.get("sample")).first()
    if sample is None:
        raise jobs.JobFailed(_("The sample no longer exists."))
    base_url = job.params.get("base_url", "")
    try:
        sent, failed = issue_links(
            sample=sample,
            actor=job.created_by,
            link_for=lambda code: sheets.vote_link(base_url, sample.ballot, code),
            progress=progress,
        )
    except ValidationError as exc:
        raise jobs.JobFailed(" ".join(exc.messages)) from None
    message = _("%(sent)d links sent; %(failed)d could not be sent and were withdrawn.") % {
        "sent": sent,
        "failed": failed,
    }
    progress(sample.size, sample.size, message)
    return {"sample": sample.pk, "sent": sent, "failed": failed}


@transaction.atomic
def issue_sheets(*, sample: Sample, actor, base_url: str) -> list[Job]:
    """Queue the printing of exactly each stratum's sample size in sheets (ballots.tasks, one job per stratum).

    The codes exist only in the jobs' PDFs; the delivery list says which
    names get a sheet in each stratum, never which sheet.  A stratum bigger
    than one job prints is split over several jobs.  If any job is refused,
    none is queued and the sample stays unissued.
    """
    from vanguard.ballots import tasks  # the printing jobs (ballots.sheets)

    ballot, constituency = _claim_for_issue(sample, actor, Medium.SHEET)
    started = []
    for stratum, size in sorted(sample.sizes.items()):
        for start in range(0, size, tasks.MAX_SHEETS):
            started.append(
                tasks.start_issuing(
                    ballot=ballot,
                    actor=actor,
                    format=tasks.SHEETS,
                    count=min(tasks.MAX_SHEETS, size - start),
                    constituency=constituency,
                    stratum=stratum,
                    base_url=base_url,
                )
            )
    return started


DELIVERY_HEADERS = ["分层", "序号", "姓名", "地址", "联系电话", "送达签收"]


def write_delivery_list(sample: Sample, target) -> None:
    """The drawn rows per stratum (name, address, phone) to hand sheets to: no code, no sheet number.

    Headers are the paper form's Chinese names whatever the language, as the
    office prints and carries it; a page per stratum when printed.
    """
    workbook = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "in_memory": True})
    sheet = workbook.add_worksheet("送达名单")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    cell = workbook.add_format({"border": 1})
    sheet.write(0, 0, f"{sample.ballot.title} · {sample.frame.name} · 随机样本送达名单", title)
    sheet.write_row(1, 0, DELIVERY_HEADERS, bold)
    widths = [14, 6, 14, 40, 16, 12]
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    line = 2
    previous = None
    number = 0
    breaks = []
    for stratum, name, address, phone in drawn_rows(sample).values_list("stratum", "name", "address", "phone"):
        if stratum != previous:
            if previous is not None:
                breaks.append(line)
            previous, number = stratum, 0
        number += 1
        sheet.write_row(line, 0, [stratum, number, name, address, phone, ""], cell)
        line += 1
    sheet.freeze_panes(2, 0)
    sheet.repeat_rows(1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    if breaks:
        sheet.set_h_pagebreaks(breaks[:1023])  # Excel's limit on manual page breaks
    workbook.close()
