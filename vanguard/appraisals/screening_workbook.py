"""Workbooks of weak-organisation screening: a run's entries for print, and the upload template of assessments.

XlsxWriter writes in memory with constant memory (row by row), so a city-wide screening of tens of thousands of
branches costs no more than its rows.  Only entries the reader may see are passed in (screening.visible_entries).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vanguard.appraisals import screening as logic
from vanguard.appraisals.models import Screening, ScreeningEntry
from vanguard.orgs.models import Kind

# The upload template's header: what check_assessments reads (组织名称 is only for the reader).
TEMPLATE_HEADERS = ["组织代码", "组织名称", "得分", "备注"]


def _number(value) -> float | None:
    return None if value is None else float(value)


def entries_workbook(screening: Screening, entries: Iterable[ScreeningEntry], *, of: int) -> bytes:
    """The run's entries (rank order), one row each, with the criteria of each flag worded in the reader's language."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet(_("Screening")[:31])
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#F3EFEB", "border": 1, "text_wrap": True, "valign": "top"})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    number = book.add_format({"border": 1, "valign": "top", "num_format": "0.00"})
    flag = book.add_format({"border": 1, "valign": "top", "bold": True, "font_color": "#B71C1C"})
    sheet.write(
        0, 0, _("Weak-organisation screening: %(organisation)s") % {"organisation": screening.organisation.name}, title
    )
    sheet.write(
        1,
        0,
        _("%(level)s · bottom share %(share)s%% · run on %(date)s · %(of)s organisations of this level in the run")
        % {
            "level": Kind(screening.level).label if screening.level in Kind.values else screening.level,
            "share": logic.percent_text(screening.bottom_share * 100),
            "date": formats.date_format(timezone.localtime(screening.run_at), "SHORT_DATE_FORMAT"),
            "of": of,
        },
    )
    headers = [
        _("Rank"),
        _("Code"),
        _("Organisation"),
        logic.component_label(logic.MEMBERS),
        logic.component_label(logic.PUBLIC),
        logic.component_label(logic.UPPER),
        _("Composite score"),
        _("Flagged for remedy"),
        _("Criteria"),
    ]
    widths = [7, 16, 32, 12, 12, 12, 12, 10, 70]
    for column, (name, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.set_column(column, column, width)
        sheet.write(3, column, name, header)
    row = 4
    for entry in entries:
        sheet.write(row, 0, entry.rank if entry.rank is not None else _("no data"), cell)
        sheet.write_string(row, 1, entry.organisation.code or "", cell)
        sheet.write_string(row, 2, entry.organisation.name, cell)
        for column, value in enumerate((entry.members_rate, entry.public_rate, entry.upper_score, entry.composite), 3):
            if value is None:
                sheet.write_blank(row, column, None, cell)
            else:
                sheet.write_number(row, column, _number(value), number)
        sheet.write(row, 7, _("Yes") if entry.flagged else "", flag if entry.flagged else cell)
        sheet.write_string(row, 8, "\n".join(logic.describe(c) for c in entry.criteria), cell)
        row += 1
    sheet.freeze_panes(4, 3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(3)
    book.close()
    return output.getvalue()


def template_workbook(rows: Iterable[tuple[str, str, object, str]]) -> bytes:
    """The upload template: (code, name, score or None, note) per organisation the reader may assess."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("上级评价")
    header = book.add_format({"bold": True, "bg_color": "#F3EFEB", "border": 1})
    for column, (name, width) in enumerate(zip(TEMPLATE_HEADERS, [18, 36, 10, 50], strict=True)):
        sheet.set_column(column, column, width)
        sheet.write(0, column, name, header)
    for number, (code, name, score, note) in enumerate(rows, start=1):
        sheet.write_string(number, 0, code or "")
        sheet.write_string(number, 1, name)
        if score is not None:
            sheet.write_number(number, 2, float(score))
        if note:
            sheet.write_string(number, 3, note)
    sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue()
