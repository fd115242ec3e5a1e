"""The five tables laid out for people: blocks of labelled rows, shown on the page and written to a printable .xlsx.

One layout serves both, so the page and the workbook can never disagree.
The forms' official names (征求意见表 …) are the sheets' names and titles
whatever the language: they are what the paper forms are called.
XlsxWriter writes the workbook in memory: five small sheets, whatever the
subtree's size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vanguard.opinions.models import Category, Channel, Direction, RatingSource, SourceGroup, Verdict
from vanguard.opinions.tables import FiveTables

FORM_NAMES = {
    "collected": "征求意见表",
    "summarised": "意见汇总表",
    "fedback": "意见反馈表",
    "rectification": "整改情况表",
    "effect": "整改效果表",
}


@dataclass
class Block:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    key: str = ""
    # The organisation of each row, for the page's drill-down (by-unit blocks only).
    ids: list[int | None] = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[int | None, Any, list[tuple[str, Any]]]]:
        """(organisation id, row label, [(column header, value), …]): what a phone-friendly table needs."""
        ids = self.ids or [None] * len(self.rows)
        return [
            (pk, row[0], list(zip(self.headers[1:], row[1:], strict=True)))
            for pk, row in zip(ids, self.rows, strict=True)
        ]


@dataclass
class Section:
    key: str
    name: str  # the form's official name
    blocks: list[Block] = field(default_factory=list)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _choices(labels, counts: dict[str, int]) -> list[list[Any]]:
    return [[str(label), counts[value]] for value, label in labels]


def sections(t: FiveTables) -> list[Section]:
    c, s, f, r, e = t.collected, t.summarised, t.fedback, t.rectification, t.effect
    n = _("Number")
    verdicts = [str(label) for _value, label in Verdict.choices]
    return [
        Section(
            "collected",
            FORM_NAMES["collected"],
            [
                Block(_("Opinions received"), [_("Figure"), n], [[_("Opinions"), c.total]], "total"),
                Block(_("By channel"), [_("Channel"), n], _choices(Channel.choices, c.by_channel), "channel"),
                Block(_("By direction"), [_("Direction"), n], _choices(Direction.choices, c.by_direction), "direction"),
                Block(
                    _("By source group"), [_("Source group"), n], _choices(SourceGroup.choices, c.by_source), "source"
                ),
                Block(
                    _("By unit"),
                    [_("Unit"), _("Opinions")],
                    [[row.name, row.counts["opinions"]] for row in c.by_unit],
                    "units",
                    [row.organisation_id for row in c.by_unit],
                ),
            ],
        ),
        Section(
            "summarised",
            FORM_NAMES["summarised"],
            [
                Block(
                    _("Problems formed"),
                    [_("Figure"), n],
                    [
                        [_("Problems"), s.problems],
                        [_("Opinions grouped into a problem"), s.grouped],
                        [_("Opinions not yet grouped"), s.ungrouped],
                        [_("Grouped opinions per problem"), "—" if s.per_problem is None else s.per_problem],
                    ],
                    "problems",
                )
            ],
        ),
        Section(
            "fedback",
            FORM_NAMES["fedback"],
            [
                Block(
                    _("Forwarded and replied"),
                    [_("Figure"), n],
                    [
                        [_("Problems forwarded"), f.forwarded],
                        [_("Problems replied"), f.replied],
                        [_("Reply rate"), percent(f.reply_rate)],
                    ],
                    "feedback",
                ),
                Block(
                    _("By category"),
                    [_("Category"), _("Forwarded"), _("Replied")],
                    [
                        [str(label), f.forwarded_by_category[value], f.replied_by_category[value]]
                        for value, label in Category.choices
                    ],
                    "category",
                ),
                Block(
                    _("By responsible unit"),
                    [_("Unit"), _("Forwarded"), _("Replied")],
                    [[row.name, row.counts["forwarded"], row.counts["replied"]] for row in f.by_unit],
                    "responsible",
                    [row.organisation_id for row in f.by_unit],
                ),
            ],
        ),
        Section(
            "rectification",
            FORM_NAMES["rectification"],
            [
                Block(
                    _("Rectification"),
                    [_("Figure"), n],
                    [
                        [_("Rectified"), r.rectified],
                        [_("In progress"), r.in_progress],
                        [_("Overdue"), r.overdue],
                        [_("Escalated"), r.escalated],
                        [_("Rectified with a deadline"), r.with_deadline],
                        [_("Rectified by the deadline"), r.on_time],
                        [_("On time"), percent(r.on_time_rate)],
                        [_("Listed publicly with a deadline"), r.listed],
                        [_("Circulated as negative cases"), r.circulated],
                    ],
                    "rectification",
                )
            ],
        ),
        Section(
            "effect",
            FORM_NAMES["effect"],
            [
                Block(
                    _("Effect ratings"),
                    [_("Figure"), n],
                    [
                        [_("Ratings"), e.ratings],
                        *[[str(label), e.by_verdict[value]] for value, label in Verdict.choices],
                        [_("Satisfaction rate"), percent(e.satisfaction_rate)],
                        [_("Problems rated"), e.problems_rated],
                        [_("Problems rated satisfied"), e.problems_satisfied],
                    ],
                    "effect",
                ),
                Block(
                    _("By who rated"),
                    [_("Rated by"), *verdicts],
                    [
                        [str(label), *[e.by_source[value][v] for v in Verdict.values]]
                        for value, label in RatingSource.choices
                    ],
                    "source",
                ),
            ],
        ),
    ]


def period_line(t: FiveTables) -> str:
    return _("%(unit)s · opinions received %(start)s – %(end)s") % {
        "unit": t.organisation.name,
        "start": formats.date_format(t.start),
        "end": formats.date_format(t.end),
    }


def workbook(t: FiveTables) -> bytes:
    """One A4 landscape sheet per table, its title and header row repeated on every printed page."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    title_format = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    block_format = book.add_format({"bold": True, "font_size": 12})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"})
    cell = book.add_format({"border": 1})
    made = _("Made %(date)s") % {"date": formats.date_format(timezone.localdate())}
    for number, section in enumerate(sections(t), start=1):
        sheet = book.add_worksheet(f"{number} {section.name}")
        width = max(len(block.headers) for block in section.blocks)
        sheet.merge_range(0, 0, 0, width - 1, section.name, title_format)
        sheet.merge_range(1, 0, 1, width - 1, f"{period_line(t)}    {made}")
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, width - 1, 14)
        row = 3
        for block in section.blocks:
            sheet.write(row, 0, block.title, block_format)
            row += 1
            for col, label in enumerate(block.headers):
                sheet.write(row, col, label, head)
            row += 1
            for values in block.rows:
                for col, value in enumerate(values):
                    sheet.write(row, col, value, cell)
                row += 1
            row += 1
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, 1)  # the form's name and its unit and period head every printed page
        sheet.set_footer("&C" + _("Page &P of &N"))
    book.close()
    return output.getvalue()
