"""Writing rosters: the printable export of a subtree, and the problem workbook of a dry run.

XlsxWriter in constant-memory mode streams rows to disk, so exporting a
million members needs no more memory than exporting a hundred.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.core import crypto, tree
from vanguard.core.spreadsheets import column_letter, fill_merged, open_sheets
from vanguard.members.filters import filter_members
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rosters import member_keys
from vanguard.rosters.columns import MEMBER_COLUMN_SPECS, ORGANISATION_COLUMN_SPECS, normalise_name
from vanguard.rosters.services import ImportReport, iter_problem_rows

MEMBER_EXPORT_COLUMNS = [key for key, *_rest in MEMBER_COLUMN_SPECS]
ORGANISATION_EXPORT_COLUMNS = [key for key, *_rest in ORGANISATION_COLUMN_SPECS if key != "parent_name"] + [
    "parent_name"
]
WIDTHS = {
    "seq": 6,
    "name": 10,
    "id_number": 21,
    "member_key": 16,
    "organisation_name": 24,
    "work_unit": 24,
    "mobile_place": 18,
}


class _PrintableSheet:
    """A sheet with a title, a unit-and-date line, a frozen header and A4 landscape print settings."""

    def __init__(self, workbook, *, title: str, unit: str, headers: list[str], keys: list[str]):
        self.book = workbook
        self.sheet = workbook.add_worksheet(_("Roster")[:31])
        self.date_format = workbook.add_format({"num_format": "yyyy-mm-dd", "border": 1})
        self.cell_format = workbook.add_format({"border": 1})
        last = len(headers) - 1
        self.sheet.merge_range(
            0, 0, 0, last, title, workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
        )
        today = formats.date_format(timezone.localdate())
        self.sheet.merge_range(1, 0, 1, last, _("Unit: %(unit)s    Date: %(date)s") % {"unit": unit, "date": today})
        head = workbook.add_format(
            {"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"}
        )
        for col, (key, label) in enumerate(zip(keys, headers, strict=True)):
            self.sheet.write(2, col, label, head)
            self.sheet.set_column(col, col, WIDTHS.get(key, 12))
        self.sheet.freeze_panes(3, 0)
        self.sheet.set_landscape()
        self.sheet.set_paper(9)  # A4
        self.sheet.fit_to_pages(1, 0)
        self.sheet.repeat_rows(2)
        self.sheet.set_footer("&C" + _("Page &P of &N"))
        self.next_row = 3

    def write(self, values: list[Any]) -> None:
        for col, value in enumerate(values):
            if isinstance(value, datetime.date):
                self.sheet.write_datetime(self.next_row, col, value, self.date_format)
            else:
                self.sheet.write(self.next_row, col, value, self.cell_format)
        self.next_row += 1


def export_members(
    *,
    organisation: Organisation,
    user,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
    filters: dict[str, str] | None = None,
) -> int:
    """The members of `organisation`'s subtree that the user may see, as a printable roster; returns the count.

    `filters` are the member list's (an export of "these results"), applied as the list applies them.
    """
    members = restrict(Member.objects.all(), user).filter(tree.subtree_q("org_path", organisation.path))
    if filters:
        members = filter_members(members, user=user, params=filters)
    members = members.select_related("organisation").order_by("org_path", "name", "pk")
    total = members.count()
    show_identity = can_at_path(user, Action.VIEW_IDENTITY, organisation.path)
    labels = {key: str(label) for key, label, *_rest in MEMBER_COLUMN_SPECS}
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = _PrintableSheet(
        workbook,
        title=_("Member roster of %(name)s") % {"name": organisation.name},
        unit=organisation.name,
        headers=[labels[key] for key in MEMBER_EXPORT_COLUMNS],
        keys=MEMBER_EXPORT_COLUMNS,
    )
    for number, member in enumerate(members.iterator(chunk_size=5000), start=1):
        sheet.write([_member_cell(member, key, number, show_identity) for key in MEMBER_EXPORT_COLUMNS])
        if progress and number % 5000 == 0:
            progress(number, total)
    workbook.close()
    if progress:
        progress(total, total)
    return total


def masked_columns(*, organisation: Organisation, user) -> list[str]:
    """The labels of the columns an export of `organisation` masks for this user (the export page names them)."""
    if can_at_path(user, Action.VIEW_IDENTITY, organisation.path):
        return []
    return [next(str(label) for key, label, *_rest in MEMBER_COLUMN_SPECS if key == "id_number")]


def _member_cell(member: Member, key: str, number: int, show_identity: bool) -> Any:
    if key == "seq":
        return number
    if key == "member_key":
        return member_keys.member_key(member.pk)
    if key == "name":
        return normalise_name(member.name)  # as the import reads it, so a round trip changes nothing
    if key == "id_number":
        if show_identity and member.id_number_encrypted:
            return crypto.decrypt(member.id_number_encrypted)
        return member.id_number_masked
    if key == "organisation_name":
        return member.organisation.name
    if key == "organisation_code":
        return member.organisation.code
    if key in ("gender", "education", "status", "category"):
        return getattr(member, f"get_{key}_display")()
    value = getattr(member, key)
    return "" if value is None else value


def export_organisations(*, organisation: Organisation, user, path: Path) -> int:
    """The organisations of the subtree, one row each with its parent's code, in tree order."""
    orgs = (
        restrict(Organisation.objects.all(), user)
        .filter(tree.subtree_q("path", organisation.path))
        .select_related("parent")
        .order_by("path")
    )
    labels = {key: str(label) for key, label, *_rest in ORGANISATION_COLUMN_SPECS}
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = _PrintableSheet(
        workbook,
        title=_("Organisations under %(name)s") % {"name": organisation.name},
        unit=organisation.name,
        headers=[labels[key] for key in ORGANISATION_EXPORT_COLUMNS],
        keys=ORGANISATION_EXPORT_COLUMNS,
    )
    count = 0
    for count, org in enumerate(orgs.iterator(chunk_size=5000), start=1):
        parent = org.parent
        values = {
            "seq": count,
            "name": org.name,
            "kind": org.get_kind_display(),
            "sector": org.get_sector_display(),
            "code": org.code,
            "parent_code": parent.code if parent else "",
            "parent_name": parent.name if parent else "",
        }
        sheet.write([values[key] for key in ORGANISATION_EXPORT_COLUMNS])
    workbook.close()
    return count


KEEP_ALIVE_ROWS = 5000


def write_problem_workbook(
    *, report: ImportReport, source: Path, path: Path, keep_alive: Callable[[], None] | None = None
) -> None:
    """The uploaded roster again, bad cells filled red with the reason as a comment and in a last column.

    The user fixes this file and uploads it as it is: the extra column is ignored on import.
    `keep_alive` is called every few thousand rows (a job renews its lease with it).
    """
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bad_date = workbook.add_format({"num_format": "yyyy-mm-dd", "bg_color": "#FFC7CE", "font_color": "#9C0006"})
    note_format = workbook.add_format({"font_color": "#9C0006", "text_wrap": True})
    sheet = workbook.add_worksheet(_("Roster")[:31])
    by_row = dict(iter_problem_rows(report))
    # Two passes over the source: the first finds the width, so the notes column sits right of every row.
    width = max((len(row.cells) for row in _source_rows(source, report.sheet)), default=0)
    notes_column = width + 1
    for index, row in enumerate(_source_rows(source, report.sheet)):
        if keep_alive is not None and index % KEEP_ALIVE_ROWS == 0:
            keep_alive()
        marks = {p.column: p for p in by_row.get(row.number, [])}
        for col, value in enumerate(row.cells):
            problem = marks.get(column_letter(col))
            if isinstance(value, datetime.date):
                sheet.write_datetime(row.number - 1, col, value, bad_date if problem else date_format)
            else:
                sheet.write(row.number - 1, col, value, bad if problem else None)
            if problem:
                sheet.write_comment(row.number - 1, col, problem.message, {"x_scale": 2})
        if row.number in by_row:
            notes = "；".join(f"{p.header or _('Row')}: {p.message}" for p in by_row[row.number])
            sheet.write(row.number - 1, notes_column, notes, note_format)
    if report.header_row:
        sheet.write(report.header_row - 1, notes_column, _("Problems"), workbook.add_format({"bold": True}))
        sheet.set_column(notes_column, notes_column, 50)
        sheet.freeze_panes(report.header_row, 0)
    listing = workbook.add_worksheet(_("Problems")[:31])
    for col, label in enumerate([_("Row"), _("Column"), _("Header"), _("Problem"), _("Value")]):
        listing.write(0, col, label, workbook.add_format({"bold": True}))
    for index, problem in enumerate(report.problems, start=1):
        listing.write_row(index, 0, [problem.row, problem.column, problem.header, problem.message, problem.value])
    if report.problem_count > len(report.problems):
        listing.write(
            len(report.problems) + 1,
            0,
            _("… and %(count)d more problems not listed.") % {"count": report.problem_count - len(report.problems)},
        )
    listing.set_column(3, 3, 60)
    workbook.close()


def _source_rows(source: Path, sheet_name: str) -> Iterable:
    sheet = next((s for s in open_sheets(source) if s.name == sheet_name), None)
    return fill_merged(sheet.rows, sheet.merged) if sheet else []
