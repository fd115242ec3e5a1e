"""The progress table as a printable workbook: title rows, the header repeated on every printed page, column
widths, A4 landscape fitted to the page's width (the layout of `rosters.workbooks`)."""

from __future__ import annotations

import datetime
from pathlib import Path

import xlsxwriter
from django.utils import formats
from django.utils.translation import gettext as _

from vanguard.campaigns import dashboard, selectors

TITLE_ROWS = 2  # the title, then the organisation and the date; the header is the next row


def write_progress(*, progress: selectors.Progress, path: Path, today: datetime.date) -> int:
    """Write the table of `progress` (a row per child subtree, then the whole); returns the rows written."""
    headers = dashboard.headers(progress)
    rows = dashboard.rows(progress, links=False)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("Progress")[:31])
    last = len(headers) - 1
    title = _("%(campaign)s: progress") % {"campaign": progress.campaign.name}
    sheet.merge_range(0, 0, 0, last, title, workbook.add_format({"bold": True, "font_size": 16, "align": "center"}))
    line = _("Unit: %(unit)s    Date: %(date)s") % {
        "unit": progress.organisation.name,
        "date": formats.date_format(today),
    }
    sheet.merge_range(1, 0, 1, last, line)
    head = workbook.add_format(
        {"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"}
    )
    cell = workbook.add_format({"border": 1})
    total = workbook.add_format({"border": 1, "bold": True})
    for col, label in enumerate(headers):
        sheet.write(TITLE_ROWS, col, label, head)
        sheet.set_column(col, col, 28 if col == 0 else 11)
    for offset, row in enumerate(rows, start=TITLE_ROWS + 1):
        for col, value in enumerate(dashboard.values(row)):
            sheet.write(offset, col, value, total if row.is_total else cell)
    sheet.freeze_panes(TITLE_ROWS + 1, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(TITLE_ROWS)
    sheet.set_footer("&C" + _("Page &P of &N"))
    workbook.close()
    return len(rows)
