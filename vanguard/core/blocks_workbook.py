"""Figures laid out for people as sections of labelled blocks: shown on a page and written to .xlsx from the same
layout, so the page and the workbook can never disagree (rectification's and exemplars' figures use it)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.utils import formats, timezone
from django.utils.translation import gettext as _


@dataclass
class Block:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    key: str = ""
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
    name: str
    blocks: list[Block] = field(default_factory=list)


RED, BLUE = "#b71c1c", "#457b9d"


def bar_chart(chart_id: str, title: str, categories: list, series: list[tuple[str, list]], *, horizontal=False) -> dict:
    """One chart for core/figures_page.html (drawn by vanguard/bar_charts.js): data only, never code."""
    colours = [RED, BLUE]
    return {
        "id": chart_id,
        "title": str(title),
        "categories": [str(c) for c in categories],
        "series": [{"name": str(name), "data": data, "color": colours[i % 2]} for i, (name, data) in enumerate(series)],
        "horizontal": horizontal,
    }


def period_heading(unit: str, start, end) -> str:
    """ "<unit> · <from> – <to>" (an open end shown as …), or "all dates" when the period is open at both ends."""
    if start is None and end is None:
        period = _("all dates")
    else:
        first = formats.date_format(start) if start else "…"
        last = formats.date_format(end) if end else "…"
        period = f"{first} – {last}"
    return _("%(unit)s · %(period)s") % {"unit": unit, "period": period}


def workbook(sections: list[Section], heading: str) -> bytes:
    """One A4 landscape sheet per section, its title and heading repeated on every printed page."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    title_format = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    block_format = book.add_format({"bold": True, "font_size": 12})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"})
    cell = book.add_format({"border": 1})
    made = _("Made %(date)s") % {"date": formats.date_format(timezone.localdate())}
    for number, section in enumerate(sections, start=1):
        sheet = book.add_worksheet(f"{number} {section.name}"[:31])  # Excel's limit on a sheet's name
        width = max(len(block.headers) for block in section.blocks)
        sheet.merge_range(0, 0, 0, width - 1, section.name, title_format)
        sheet.merge_range(1, 0, 1, width - 1, f"{heading}    {made}")
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
