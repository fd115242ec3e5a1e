"""The figures laid out for people: blocks of labelled rows, shown on the page and written to .xlsx.

One layout serves both, so the page and the workbook never disagree.  The sheets are named as the paper forms
are (先进典型, 宣讲活动, 培训) whatever the language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vanguard.exemplars.figures import Figures
from vanguard.exemplars.models import AudienceKind, ClassKind, ExampleKind

SHEET_NAMES = {"examples": "先进典型", "lectures": "宣讲活动", "training": "培训"}


@dataclass
class Block:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    key: str = ""
    ids: list[int | None] = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[int | None, Any, list[tuple[str, Any]]]]:
        """(organisation id, row label, [(column header, value), …]): what a stacked table needs."""
        ids = self.ids or [None] * len(self.rows)
        return [
            (pk, row[0], list(zip(self.headers[1:], row[1:], strict=True)))
            for pk, row in zip(ids, self.rows, strict=True)
        ]


@dataclass
class Section:
    key: str
    name: str
    blocks: list[Block] = field(default_factory=list)


def sections(f: Figures) -> list[Section]:
    n = _("Number")
    training = f.training
    skills = training[ClassKind.SKILLS]
    return [
        Section(
            "examples",
            SHEET_NAMES["examples"],
            [
                Block(
                    _("Typical examples selected"),
                    [_("Figure"), n],
                    [
                        *[[str(label), f.examples[value]] for value, label in ExampleKind.choices],
                        [_("Total"), f.example_total],
                        [_("Publicised"), f.publicised],
                    ],
                    "examples",
                )
            ],
        ),
        Section(
            "lectures",
            SHEET_NAMES["lectures"],
            [
                Block(
                    _("Lecture groups"),
                    [_("Figure"), n],
                    [[_("Lecture groups set up"), f.groups], [_("Lecturers"), f.lecturers]],
                    "groups",
                ),
                Block(
                    _("Talks by audience"),
                    [_("Audience"), _("Talks"), _("People")],
                    [
                        *[[str(label), f.talks[value], f.audience[value]] for value, label in AudienceKind.choices],
                        [_("Total"), f.talk_total, f.audience_total],
                    ],
                    "talks",
                ),
            ],
        ),
        Section(
            "training",
            SHEET_NAMES["training"],
            [
                Block(
                    _("Training classes by kind"),
                    [_("Kind"), _("Classes"), _("Trained"), _("Of them members"), _("Completed"), _("Hours attended")],
                    [
                        [str(label), line.classes, line.trained, line.members, line.completed, round(line.hours, 1)]
                        for value, label in ClassKind.choices
                        for line in [training[value]]
                    ],
                    "classes",
                ),
                Block(
                    _("Skills training of laid-off members"),
                    [_("Figure"), n],
                    [
                        [_("Skills classes"), skills.classes],
                        [_("Laid-off members trained"), skills.laid_off_members],
                        [_("Re-employed"), skills.re_employed],
                    ],
                    "skills",
                ),
            ],
        ),
        Section(
            "units",
            _("By unit"),
            [
                Block(
                    _("By unit"),
                    [_("Unit"), _("Typical examples"), _("Talks"), _("Audience"), _("Classes"), _("Trained")],
                    [[r.name, r.examples, r.talks, r.audience, r.classes, r.trained] for r in f.children],
                    "units",
                    [r.organisation_id for r in f.children],
                )
            ],
        ),
    ]


def heading(f: Figures) -> str:
    if f.start is None and f.end is None:
        period = _("all dates")
    else:
        first = formats.date_format(f.start) if f.start else "…"
        last = formats.date_format(f.end) if f.end else "…"
        period = f"{first} – {last}"
    return _("%(unit)s · %(period)s") % {"unit": f.organisation.name, "period": period}


def chart_data(f: Figures) -> dict:
    """What static/exemplars/figures.js draws: data only (json_script), never code."""
    return {
        "kinds": [str(label) for _v, label in ClassKind.choices],
        "classes": [f.training[k].classes for k in ClassKind.values],
        "trained": [f.training[k].trained for k in ClassKind.values],
        "audiences": [str(label) for _v, label in AudienceKind.choices],
        "talks": [f.talks[k] for k in AudienceKind.values],
        "labels": {"classes": _("Classes"), "trained": _("Trained"), "talks": _("Talks")},
    }


def workbook(f: Figures) -> bytes:
    """One A4 landscape sheet per section, its title and heading repeated on every printed page."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    title_format = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    block_format = book.add_format({"bold": True, "font_size": 12})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"})
    cell = book.add_format({"border": 1})
    made = _("Made %(date)s") % {"date": formats.date_format(timezone.localdate())}
    for number, section in enumerate(sections(f), start=1):
        sheet = book.add_worksheet(f"{number} {section.name}"[:31])
        width = max(len(block.headers) for block in section.blocks)
        sheet.merge_range(0, 0, 0, width - 1, section.name, title_format)
        sheet.merge_range(1, 0, 1, width - 1, f"{heading(f)}    {made}")
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
        sheet.repeat_rows(0, 1)
        sheet.set_footer("&C" + _("Page &P of &N"))
    book.close()
    return output.getvalue()
