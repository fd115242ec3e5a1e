"""Questionnaires (征求意见表) filled offline and collected in a spreadsheet: reading them, and the blank template.

A sheet names its columns in Chinese (简 or 繁) or English; the header row is
found below any title rows.  Channel, direction and who gave the opinion may
be written in words (座谈会, 民评官, 群众) or as the codes; a column left out or
a cell left blank takes the value chosen on the import form.  Every bad row is
named with its column and why, and nothing is stored unless every row is good.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import xlsxwriter
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, restrict
from vanguard.core.spreadsheets import (
    DEFAULT_LIMITS,
    CellError,
    Column,
    PartialDate,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    is_blank,
    normalise_header,
    open_sheets,
    parse_date,
    text,
)
from vanguard.opinions import services
from vanguard.opinions.models import Channel, Direction, Opinion, SourceGroup
from vanguard.orgs.models import Organisation

# Read and written in the request: a few thousand rows take a second or two (one insert per unit).
MAX_ROWS = 5000

COLUMNS = [
    Column(
        "text", ["意见", "意见内容", "意见建议", "意见和建议", "具体意见", "内容", "opinion", "opinions", "text"], True
    ),
    Column("received_on", ["日期", "收到日期", "征求日期", "时间", "date"]),
    Column("channel", ["渠道", "征求方式", "方式", "来源渠道", "channel"]),
    Column("direction", ["方向", "评议方向", "评议方式", "direction"]),
    Column("source_group", ["身份", "来源", "提出人身份", "意见来源", "对象", "source", "sourcegroup", "source group"]),
    Column("name", ["姓名", "提出人", "name"]),
    Column("phone", ["电话", "联系电话", "手机", "手机号", "phone", "telephone", "mobile"]),
    Column("email", ["邮箱", "电子邮箱", "电子邮件", "e-mail", "email", "mail"]),
    Column("organisation", ["单位", "组织", "所在单位", "被评单位", "党组织", "unit", "organisation", "organization"]),
]

# The template's header row: one of each column's names, in the order offices fill them.
TEMPLATE_HEADERS = ["意见内容", "日期", "渠道", "方向", "身份", "姓名", "电话", "邮箱", "单位"]

_WORDS: dict[str, dict[str, list[str]]] = {
    "channel": {
        Channel.FORUM: ["座谈会", "座谈", "召开座谈会", "论坛", "forum"],
        Channel.INTERVIEW: ["个别访谈", "访谈", "走访", "谈心谈话", "个别谈话", "interview"],
        Channel.QUESTIONNAIRE: ["问卷", "问卷调查", "调查问卷", "征求意见表", "questionnaire"],
        Channel.SUGGESTION_BOX: ["意见箱", "征求意见箱", "意见征集箱", "suggestion box", "suggestionbox"],
        Channel.HOTLINE: ["热线", "热线电话", "电话", "12345", "hotline"],
        Channel.WEB: ["网上信箱", "网络信箱", "网上", "网络", "网站", "web", "web mailbox", "webmailbox"],
    },
    "direction": {
        Direction.DOWN_UP: ["下评上", "下级评上级", "下评上级"],
        Direction.PUBLIC_OFFICIAL: ["民评官", "群众评干部", "民评"],
        Direction.BUSINESS_OFFICE: ["企评政", "企业评机关", "企业评部门"],
    },
    "source_group": {
        SourceGroup.MEMBERS: ["党员", "党员群众", "party members", "member", "members"],
        SourceGroup.PUBLIC: ["群众", "公众", "居民", "村民", "public"],
        SourceGroup.SERVICE_USERS: ["服务对象", "办事群众", "办事人", "service users"],
        SourceGroup.BUSINESSES: ["企业", "企业代表", "企业家", "businesses", "business"],
        SourceGroup.REPRESENTATIVES: ["各界代表", "社会各界代表", "两代表一委员", "代表", "representatives"],
        SourceGroup.STAFF: ["干部职工", "干部", "职工", "机关干部", "staff"],
    },
}

_CHOICES = {"channel": Channel, "direction": Direction, "source_group": SourceGroup}


def _vocabulary(key: str) -> dict[str, str]:
    """Every way a value may be written (normalised like headers: 繁→简, spaces gone, lower case) → its code."""
    words: dict[str, str] = {}
    for choice in _CHOICES[key]:
        words[normalise_header(choice.value)] = choice.value
        words[normalise_header(choice.label)] = choice.value  # the label as shown in the current language
    for code, written in _WORDS[key].items():
        for word in written:
            words[normalise_header(word)] = code
    return words


def value_code(key: str, value: str) -> str | None:
    """'座談會' → 'forum'; None when the words name nothing of `key`."""
    return _vocabulary(key).get(normalise_header(value))


@dataclass(frozen=True)
class RowProblem:
    row: int  # the sheet's own row number; 0 for the file as a whole
    column: str  # "C · 渠道", or the import form's field when the sheet has no such column
    message: str


class QuestionnaireRefused(Exception):
    """The file is not imported; `problems` says where and why (nothing was stored)."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(problems[0].message if problems else "")


@dataclass
class Defaults:
    """What the import form chose, for columns the sheet lacks and cells left blank."""

    organisation: Organisation
    channel: str = Channel.QUESTIONNAIRE
    direction: str = Direction.PUBLIC_OFFICIAL
    source_group: str = SourceGroup.PUBLIC
    received_on: datetime.date | None = None
    campaign: object = None


@dataclass
class _Entry:
    number: int
    organisation: Organisation
    row: services.OpinionInput


@dataclass
class _Reading:
    entries: list[_Entry] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # column key → "C · 渠道"


def _form_label(key: str) -> str:
    return {
        "text": _("Opinion"),
        "received_on": _("Date"),
        "channel": _("Channel"),
        "direction": _("Direction"),
        "source_group": _("Source group"),
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "organisation": _("Unit"),
    }.get(key, key)


def _header_and_rows(path: Path):
    for sheet in open_sheets(path):
        rows = fill_merged(sheet.rows, sheet.merged)
        head = list(itertools.islice(rows, DEFAULT_LIMITS.header_search_rows))
        header = find_header(head, COLUMNS)
        if header is not None and "text" in header.positions:
            return header, itertools.chain((r for r in head if r.number > header.row_number), rows)
    return None, None


class _Units:
    """The 单位 column: an organisation's code or exact name, within the importer's scope (looked up once each)."""

    def __init__(self, actor) -> None:
        self.scope = restrict(Organisation.objects.all(), actor, Action.CHANGE)
        self.found: dict[str, Organisation | str] = {}

    def get(self, written: str) -> Organisation | str:
        if written not in self.found:
            by_code = list(self.scope.filter(code=written)[:2]) if written else []
            matches = by_code or list(self.scope.filter(name=written)[:2])
            if len(matches) == 1:
                self.found[written] = matches[0]
            elif matches:
                self.found[written] = _("Several units are called “%(unit)s”; write its code.") % {"unit": written}
            else:
                self.found[written] = _("“%(unit)s” is not a unit you may enter opinions for.") % {"unit": written}
        return self.found[written]


def read_questionnaire(path: Path, *, actor, defaults: Defaults) -> _Reading:
    """The rows of the file as opinions to enter, and every problem found reading them."""
    reading = _Reading()
    try:
        header, rows = _header_and_rows(Path(path))
    except SpreadsheetError as exc:
        reading.problems.append(RowProblem(0, "", str(exc)))
        return reading
    if header is None:
        reading.problems.append(
            RowProblem(0, "", _("No header row found: the first rows should name the columns 意见内容 and 日期."))
        )
        return reading
    reading.labels = {key: f"{column_letter(index)} · {header.labels[key]}" for key, index in header.positions.items()}
    units = _Units(actor)
    vocabularies = {key: _vocabulary(key) for key in _CHOICES}

    def cell(row, key: str):
        index = header.positions.get(key)
        return row.cells[index] if index is not None and index < len(row.cells) else ""

    count = 0
    for row in rows:
        if is_blank(row.cells):
            continue
        count += 1
        if count > MAX_ROWS:
            message = _("More than %(count)d rows: split the file.") % {"count": MAX_ROWS}
            reading.problems.append(RowProblem(row.number, "", message))
            break

        def report(key: str, message: str, number: int = row.number) -> None:
            reading.problems.append(RowProblem(number, reading.labels.get(key, _form_label(key)), message))

        values: dict[str, object] = {}
        for key in _CHOICES:
            written = text(cell(row, key))
            if not written:
                values[key] = getattr(defaults, key)
                continue
            code = vocabularies[key].get(normalise_header(written))
            if code is None:
                report(key, _("“%(value)s” is not one of the choices.") % {"value": written})
            values[key] = code or ""
        try:
            date = parse_date(cell(row, "received_on"))
        except CellError as exc:
            report("received_on", str(exc))
            date = None
        if isinstance(date, PartialDate):
            report("received_on", _("Only the year and month are given; write the full date."))
            date = None
        organisation = defaults.organisation
        written_unit = text(cell(row, "organisation"))
        if written_unit:
            found = units.get(written_unit)
            if isinstance(found, str):
                report("organisation", found)
            else:
                organisation = found
        # The opinion is kept as written (only outer spaces trimmed): a number cell's text is its digits.
        opinion_text = cell(row, "text")
        opinion_text = text(opinion_text) if not isinstance(opinion_text, str) else opinion_text.strip()
        reading.entries.append(
            _Entry(
                number=row.number,
                organisation=organisation,
                row=services.OpinionInput(
                    text=opinion_text,
                    direction=values["direction"],
                    source_group=values["source_group"],
                    channel=values["channel"],
                    received_on=date or defaults.received_on,
                    name=text(cell(row, "name")),
                    phone=text(cell(row, "phone")),
                    email=text(cell(row, "email")),
                ),
            )
        )
    if not reading.entries and not reading.problems:
        reading.problems.append(RowProblem(header.row_number, "", _("The sheet has no opinions below its header.")))
    return reading


def import_questionnaire(*, path: Path, actor, defaults: Defaults) -> list[Opinion]:
    """Every row of the file entered as an opinion (services.enter_opinions per unit), or none."""
    reading = read_questionnaire(path, actor=actor, defaults=defaults)
    problems = list(reading.problems)
    # A cell already named (an unknown channel) is not named again by the service's own check of the row.
    named = {(p.row, p.column) for p in problems}
    stored: list[Opinion] = []
    with transaction.atomic():
        by_unit: dict[int, list[_Entry]] = {}
        for entry in reading.entries:
            by_unit.setdefault(entry.organisation.pk, []).append(entry)
        for entries in by_unit.values():
            try:
                stored += services.enter_opinions(
                    organisation=entries[0].organisation,
                    actor=actor,
                    rows=[e.row for e in entries],
                    campaign=defaults.campaign,
                    row_numbers=[e.number for e in entries],
                )
            except services.RowErrors as errors:
                for number, fields in errors.rows.items():
                    for key, message in fields.items():
                        label = reading.labels.get(key, _form_label(key))
                        if (number, label) not in named:
                            problems.append(RowProblem(number, label, str(message)))
        if problems:
            # Raised inside the transaction: units already entered are undone with it.
            raise QuestionnaireRefused(sorted(problems, key=lambda p: (p.row, p.column)))
    return stored


def write_template(target: str | Path | IO[bytes], *, rows: Iterable[Sequence[object]] = ()) -> None:
    """The blank questionnaire: a title row, the header row, lists to choose channel, direction and who from."""
    workbook = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "in_memory": True})
    sheet = workbook.add_worksheet("征求意见表")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, "征求意见表", title)
    sheet.write_row(1, 0, TEMPLATE_HEADERS, bold)
    sheet.set_column(0, 0, 60)
    sheet.set_column(1, 1, 12, dates)
    sheet.set_column(2, len(TEMPLATE_HEADERS) - 1, 14)
    for index, key in ((2, "channel"), (3, "direction"), (4, "source_group")):
        choices = [written[0] for written in _WORDS[key].values()]
        sheet.data_validation(2, index, 2 + MAX_ROWS, index, {"validate": "list", "source": choices})
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values):
            if isinstance(value, datetime.date):
                sheet.write_datetime(number, column, datetime.datetime.combine(value, datetime.time()), dates)
            else:
                sheet.write(number, column, value)
    sheet.freeze_panes(2, 0)
    workbook.close()
