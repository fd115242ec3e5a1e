"""Sampling frames (DOMAIN §4, seed 004): the lists of residents, businesses or members a random sample is drawn from.

An office uploads the list as .xlsx, .xls, .ods or CSV (through
core.spreadsheets, so title rows, merged cells and headers in 简体, 繁體 or
English are read as rosters are).  Each row names someone (姓名) and the
stratum they are drawn in (地区 / 分层 / 片区), and may give a phone (for a link)
and an address (for delivering a sheet).  Every bad row is named with its
column and why, and nothing is stored unless every row is good.  The rows go
in through core.bulk (COPY on PostgreSQL); a small list loads within the
request, a big one (over BACKGROUND_BYTES: 100,000 rows take about ten
seconds) in a background job whose page shows its progress and its problems.
"""

from __future__ import annotations

import itertools
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.ballots import events
from vanguard.ballots.models import Frame, FrameKind, FrameRow
from vanguard.core import audit, bulk, jobs
from vanguard.core.models import Job
from vanguard.core.spreadsheets import (
    DEFAULT_LIMITS,
    Column,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    is_blank,
    open_sheets,
    text,
)

# The drawing form has two fields per stratum, and a request carries at most 1,000 (Django's default).
MAX_STRATA = 400
# Most rows a frame may have: 300,000 load in about half a minute (in a background job); a bigger list is split.
MAX_ROWS = 300_000

COLUMNS = [
    Column("name", ["姓名", "名称", "单位名称", "企业名称", "户主姓名", "name", "full name", "fullname"], True),
    Column(
        "stratum",
        ["地区", "分层", "片区", "层", "区域", "地域", "社区", "街道"]
        + ["stratum", "strata", "area", "region", "district"],
        True,
    ),
    Column(
        "phone", ["联系电话", "电话", "手机", "手机号", "手机号码", "电话号码", "phone", "mobile", "telephone", "tel"]
    ),
    Column("address", ["地址", "住址", "联系地址", "家庭住址", "通讯地址", "address"]),
]
REQUIRED = [column.key for column in COLUMNS if column.required]

# The template's header row, one name per column, as an office would fill it.
TEMPLATE_HEADERS = ["姓名", "地区", "联系电话", "地址"]

# Lengths of the FrameRow fields the cells go into.
MAX_LENGTH = {
    "name": FrameRow._meta.get_field("name").max_length,
    "stratum": FrameRow._meta.get_field("stratum").max_length,
    "phone": FrameRow._meta.get_field("phone").max_length,
    "address": FrameRow._meta.get_field("address").max_length,
}

# What separates a phone number's digits as people write them: 023-6389 1234, (023)63891234, +86 138 0013 8000.
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the sheet's own row number; 0 for the file as a whole
    column: str  # "B · 地区", or "" for the file or the row as a whole
    message: str


class FrameRefused(Exception):
    """The file is not stored; `problems` says where and why."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(problems[0].message if problems else "")


@dataclass
class FrameReading:
    rows: list[dict] = field(default_factory=list)  # {"number", "name", "stratum", "phone", "address"}
    problems: list[RowProblem] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # column key → "B · 地区"


def column_name(key: str) -> str:
    return {
        "name": _("Name"),
        "stratum": _("Stratum"),
        "phone": _("Phone"),
        "address": _("Address"),
    }[key]


def normalise_phone(written: str) -> str | None:
    """The number with its separators dropped ('+86 138-0013-8000' → '+8613800138000'); None if it is not one."""
    compact = _PHONE_SEPARATORS.sub("", written)
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        return None
    return compact


def _header_and_rows(path: Path):
    """The first sheet whose header names a name and a stratum column, its rows below the header, and its size."""
    best = None
    for sheet in open_sheets(path):
        rows = fill_merged(sheet.rows, sheet.merged)
        head = list(itertools.islice(rows, DEFAULT_LIMITS.header_search_rows))
        header = find_header(head, COLUMNS)
        if header is None:
            continue
        if all(key in header.positions for key in REQUIRED):
            return header, itertools.chain((r for r in head if r.number > header.row_number), rows), sheet.total_rows
        best = best or header
    return best, None, 0


def read_frame(path: Path | str, *, progress: Callable | None = None) -> FrameReading:
    """The rows of the file as frame rows, and every problem found reading them (nothing is stored here).

    `progress(done, total, message)` is called every PROGRESS_ROWS rows (a background job's).
    """
    reading = FrameReading()
    try:
        header, rows, total = _header_and_rows(Path(path))
    except SpreadsheetError as exc:
        reading.problems.append(RowProblem(0, "", str(exc)))
        return reading
    if header is None:
        reading.problems.append(
            RowProblem(0, "", _("No header row found: the first rows should name the columns 姓名 and 地区."))
        )
        return reading
    if rows is None:
        missing = [column_name(key) for key in REQUIRED if key not in header.positions]
        reading.problems.append(
            RowProblem(
                header.row_number,
                "",
                _("The header row has no column for: %(columns)s.") % {"columns": ", ".join(missing)},
            )
        )
        return reading
    reading.labels = {key: f"{column_letter(index)} · {header.labels[key]}" for key, index in header.positions.items()}
    positions = header.positions

    for row in rows:
        if progress is not None and row.number % PROGRESS_ROWS == 0:
            progress(row.number, total, _("Checking the rows"))
        cells = row.cells
        values = {key: text(cells[index]) if index < len(cells) else "" for key, index in positions.items()}
        # Only a row empty in the frame's columns can be blank: the whole row is looked at for those alone.
        if not any(values.values()) and is_blank(cells):
            continue
        if len(reading.rows) >= MAX_ROWS:
            reading.problems.append(
                RowProblem(
                    row.number,
                    "",
                    _("More than %(count)d rows: split the list by area and upload each part as a frame.")
                    % {"count": MAX_ROWS},
                )
            )
            break
        problems = reading.problems
        for key in REQUIRED:
            if not values[key]:
                problems.append(RowProblem(row.number, reading.labels[key], _("This cell must not be empty.")))
        for key, value in values.items():
            if len(value) > MAX_LENGTH[key]:
                problems.append(
                    RowProblem(
                        row.number,
                        reading.labels[key],
                        _("At most %(limit)d characters; this cell has %(count)d.")
                        % {"limit": MAX_LENGTH[key], "count": len(value)},
                    )
                )
        phone = values.get("phone", "")
        if phone:
            normal = normalise_phone(phone)
            if normal is None:
                problems.append(
                    RowProblem(
                        row.number,
                        reading.labels["phone"],
                        _("“%(value)s” is not a phone number: write 7 to 15 digits, like 13800138000.")
                        % {"value": phone},
                    )
                )
            else:
                phone = normal
        reading.rows.append(
            {
                "number": row.number,
                "name": values["name"],
                "stratum": values["stratum"],
                "phone": phone,
                "address": values.get("address", ""),
            }
        )
    if not reading.rows and not reading.problems:
        reading.problems.append(RowProblem(header.row_number, "", _("The sheet has no rows below its header.")))
    strata = len({row["stratum"] for row in reading.rows})
    if strata > MAX_STRATA:
        reading.problems.append(
            RowProblem(
                0,
                reading.labels["stratum"],
                _("The list has %(count)d strata; a frame has at most %(limit)d (areas, not addresses).")
                % {"count": strata, "limit": MAX_STRATA},
            )
        )
    return reading


def _check_upload(*, organisation, actor, kind: str, name: str) -> str:
    if actor is not None and not can_at_path(actor, Action.CHANGE, organisation.path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if kind not in FrameKind.values:
        raise ValidationError(_("Unknown kind of frame."), code="kind")
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the frame a name."), code="name")
    return name


def import_frame(
    *,
    organisation,
    actor,
    kind: str,
    name: str,
    path: Path | str,
    file_name: str = "",
    progress: Callable | None = None,
) -> Frame:
    """The whole file stored as a frame of `organisation`, or nothing: raises FrameRefused naming every bad row.

    The frame belongs to the organisation's subtree: only who may change
    records there may upload one, and only they and those above see it.
    """
    name = _check_upload(organisation=organisation, actor=actor, kind=kind, name=name)
    reading = read_frame(path, progress=progress)
    if reading.problems:
        raise FrameRefused(sorted(reading.problems, key=lambda p: (p.row, p.column)))
    with transaction.atomic():
        frame = Frame.objects.create(
            organisation=organisation,
            org_path=organisation.path,
            name=name[: Frame._meta.get_field("name").max_length],
            kind=kind,
            file_name=(file_name or "")[: Frame._meta.get_field("file_name").max_length],
            rows=len(reading.rows),
            created_by=actor,
        )
        count = len(reading.rows)
        bulk.insert_rows(
            FrameRow,
            ({"frame_id": frame.pk, **row} for row in reading.rows),
            progress=(lambda done: progress(done, count, _("Storing the rows"))) if progress else None,
        )
        audit.record(
            event=events.FRAME_UPLOADED,
            **acting_as(actor, organisation.path),
            target=frame,
            organisation=organisation,
            data={"kind": kind, "rows": len(reading.rows), "file": file_name, "strata": len(strata_of(reading.rows))},
        )
    return frame


# --- big lists in the background ---------------------------------------------------------------------------------

JOB_KIND = "ballots.frame"
# Above this an upload is loaded by a background job (about 40,000 rows of .xlsx; a few seconds' work per 100,000).
BACKGROUND_BYTES = 2 * 1024 * 1024
PROGRESS_ROWS = 5000
# A job's result keeps at most this many problems (the count says how many there were).
MAX_PROBLEMS_KEPT = 1000


def upload_directory() -> Path:
    path = Path(settings.DATA_DIR) / "ballot-frames"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_import(*, organisation, actor, kind: str, name: str, path: Path | str, file_name: str = "") -> Job:
    """Queue the loading of a big list (moved out of `path` into the data directory); the job stores it or names
    every bad row, as import_frame does."""
    name = _check_upload(organisation=organisation, actor=actor, kind=kind, name=name)
    stored = upload_directory() / f"{uuid.uuid4().hex}{Path(path).suffix.lower()[:8]}"
    shutil.move(str(path), stored)
    params = {"kind": kind, "name": name, "file": stored.name, "file_name": file_name}
    return jobs.start(kind=JOB_KIND, params=params, user=actor, organisation=organisation)


@jobs.register(JOB_KIND, title=gettext_lazy("Load a sampling frame"), result_template="ballots/samples/_frame_job.html")
def load_frame_job(job: Job, progress) -> dict:
    params = job.params or {}
    path = upload_directory() / Path(str(params.get("file", ""))).name
    user = job.created_by
    if user is None or not can_at_path(user, Action.CHANGE, job.organisation.path):
        path.unlink(missing_ok=True)
        raise jobs.JobFailed(_("This organisation is no longer within your organisations."))
    if not path.is_file():
        raise jobs.JobFailed(_("The uploaded file is no longer there: upload it again."))
    try:
        frame = import_frame(
            organisation=job.organisation,
            actor=user,
            kind=params.get("kind", ""),
            name=params.get("name", ""),
            path=path,
            file_name=params.get("file_name", ""),
            progress=progress,
        )
    except FrameRefused as refused:
        kept = [[p.row, p.column, p.message] for p in refused.problems[:MAX_PROBLEMS_KEPT]]
        result = {"frame": None, "problem_count": len(refused.problems), "problems": kept}
    except ValidationError as exc:
        raise jobs.JobFailed(" ".join(exc.messages)) from None
    else:
        result = {"frame": frame.pk, "rows": frame.rows}
    # Kept until now so that a job whose worker died starts again from the file (the import is all or nothing).
    path.unlink(missing_ok=True)
    return result


def strata_of(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["stratum"]] = counts.get(row["stratum"], 0) + 1
    return counts


def stratum_counts(frame: Frame) -> dict[str, int]:
    """{stratum: rows} of a stored frame, strata in code-point order (the order samples are drawn in)."""
    counted = FrameRow.objects.filter(frame=frame).values("stratum").annotate(n=Count("pk")).order_by()
    return dict(sorted((entry["stratum"], entry["n"]) for entry in counted))


def write_template(target) -> None:
    """The blank frame: a header row naming each column, widths to type into."""
    workbook = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "in_memory": True})
    sheet = workbook.add_worksheet("抽样名单")
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    sheet.write_row(0, 0, TEMPLATE_HEADERS, bold)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 16, workbook.add_format({"num_format": "@"}))
    sheet.set_column(3, 3, 40)
    sheet.freeze_panes(1, 0)
    workbook.close()
