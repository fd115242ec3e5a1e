"""Reading a roster row by row, and running an import as a dry run or an all-or-nothing commit.

`RosterImport` is what the member and the organisation import share: it
finds the header, reads the rows in batches, words problems by row and
column, and leaves parsing a row (`parse`), checking a batch against the
database (`settle`) and the work that needs every row (`finish`) to its
subclasses.  `run_import` runs one as a dry run or inside one transaction.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core import idnumber
from vanguard.core.spreadsheets import (
    CellError,
    Limits,
    SheetRow,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    normalise_header,
    open_sheets,
    text,
)
from vanguard.orgs.models import Organisation
from vanguard.rosters.columns import TOTAL_ROW_WORDS, choice_lookup, header_label
from vanguard.rosters.services.report import ImportReport, Problem, Say

BATCH_SIZE = 2000


class Abort(Exception):
    """Raised inside the commit transaction to roll it back."""


def run_import(
    importer: RosterImport,
    path: Path,
    *,
    commit: bool,
    limits: Limits,
    progress: Callable[[int, int], None] | None,
) -> ImportReport:
    """Dry run, or commit inside one transaction that any problem rolls back (all or nothing)."""
    report = importer.report
    if not can_at_path(importer.user, Action.CHANGE, importer.root.path):
        raise PermissionDenied
    try:
        if not commit:
            importer.run(path, limits, progress, write=False)
            return report
        with transaction.atomic():
            importer.run(path, limits, progress, write=True)
            if not report.ok:
                raise Abort
            report.committed = True
    except Abort:
        report.created = report.updated = 0
        report.committed = False
    except SpreadsheetError as exc:
        report.add_problem(Problem(0, "", "", str(exc)))
    finally:
        importer.close_out()  # outside the rolled-back transaction: what it keeps must stay
    return report


class RosterImport:
    """Reading a roster row by row; subclasses parse a row and settle batches against the database."""

    specs: list = []
    example_headers = ""

    @staticmethod
    def column_definitions() -> list:
        raise NotImplementedError

    def __init__(self, root: Organisation, user, today: datetime.date, file_name: str):
        self.report = ImportReport(file_name=file_name)
        self.root = root
        self.user = user
        self.today = today
        self.columns = {c.key: c for c in self.column_definitions()}
        self.positions: dict[str, int] = {}

    def close_out(self) -> None:
        """Called once the import has ended, committed or not, outside its transaction."""

    def run(self, path: Path, limits: Limits, progress, write: bool) -> None:
        sheet, header, rows = self.locate(path, limits)
        report = self.report
        self.take_header(sheet.name, header)
        missing = [k for k, c in self.columns.items() if c.required and k not in header.positions]
        for key in missing:
            message = Say(gettext_noop("The column “%(column)s” is missing."), {"column": self.label(key)})
            report.add_problem(Problem.said(header.row_number, "", "", message))
        if missing:
            return
        total = sheet.total_rows
        self.sheet = sheet
        self.prepare(total, write)
        self.consume(rows, total, progress, write)
        self.finish(write)
        if progress:
            progress(total, total)

    def take_header(self, sheet_name: str, header) -> None:
        """Where the columns are, for the report and for reading rows."""
        report = self.report
        report.sheet, report.header_row = sheet_name, header.row_number
        report.columns = header.labels
        report.column_letters = {key: column_letter(i) for key, i in header.positions.items()}
        self.positions = header.positions

    def consume(self, rows: Iterator[SheetRow], total: int, progress, write: bool) -> None:
        """Parse the rows and settle them batch by batch, in row order."""
        for batch in self.parsed_batches(rows):
            self.settle(batch, write)
            if progress and batch:
                progress(batch[-1].row, total)

    def parsed_batches(self, rows: Iterator[SheetRow]) -> Iterator[list]:
        """Candidates of BATCH_SIZE rows at a time (the last batch may be shorter or empty)."""
        report = self.report
        batch: list = []
        for row in rows:
            report.rows_read += 1
            if self.skips(row):
                report.skipped += 1
                continue
            candidate = self.parse(row)
            if candidate is not None:
                batch.append(candidate)
                if len(batch) >= BATCH_SIZE:
                    yield batch
                    batch = []
        yield batch

    def prepare(self, total_rows: int, write: bool) -> None:
        """Set-up once the header is known, before the first row."""

    def parse(self, row: SheetRow):
        """The row's candidate for `settle`, or None once its problems are reported."""
        raise NotImplementedError

    def settle(self, batch: list, write: bool) -> None:
        """Check a batch against the rows before it and the database; write it when `write` and all is well."""
        raise NotImplementedError

    def finish(self, write: bool) -> None:
        """Work that needs every row first (organisations whose parents come later)."""

    def locate(self, path: Path, limits: Limits):
        """The first sheet with a recognisable header: (sheet, header, the rows after the header)."""
        for sheet in open_sheets(path, limits):
            rows = fill_merged(sheet.rows, sheet.merged)
            head = list(itertools.islice(rows, limits.header_search_rows))
            header = find_header(head, list(self.columns.values()))
            if header is None:
                continue
            after = [r for r in head if r.number > header.row_number]
            return sheet, header, itertools.chain(after, rows)
        raise SpreadsheetError(
            _("No header row found: the first rows of the sheet should name columns such as %(examples)s.")
            % {"examples": self.example_headers}
        )

    @staticmethod
    def skips(row: SheetRow) -> bool:
        """Whether the row is left out: blank rows, and the 合计 (total) row offices add at the end."""
        for cell in row.cells:
            if cell is None or cell == "":
                continue
            if type(cell) is not str:
                return False  # a number or date first (序号 1, 2, 3…): a member's row
            first = text(cell)
            if first:
                return normalise_header(first) in TOTAL_ROW_WORDS
        return True

    def label(self, key: str) -> str:
        """The column's header as the file writes it, else its usual name."""
        return self.report.columns.get(key) or header_label(self.specs, key)

    def report_problem(self, row: int, key: str, message: Say | str, value: object = "") -> None:
        """A problem on `row` in the column of `key` ("" for the whole row), with the cell's value."""
        position = self.positions.get(key)
        letter = column_letter(position) if position is not None else ""
        shown = text(value)[:100]
        if key == "id_number" and shown:
            # Reports are shown to everyone who sees the job; the marked-up workbook keeps the full value.
            shown = idnumber.mask(idnumber.normalise(shown))
        self.report.add_problem(Problem.said(row, letter, self.label(key) if key else "", message, shown))

    @staticmethod
    def reason(exc: Exception) -> Say | str:
        """A cell error's message, kept as a code when this app worded it."""
        message = exc.args[0] if exc.args else ""
        return message if isinstance(message, Say) else str(exc)

    def cell(self, row: SheetRow, key: str) -> object:
        """The raw cell of `key` on `row`; "" when the file has no such column or the row is short."""
        position = self.positions.get(key)
        if position is None or position >= len(row.cells):
            return ""
        return row.cells[position]

    def choice_value(self, key: str, raw: object) -> str:
        """The stored value of a choice cell spelt as offices spell it (男, 正式党员); CellError if none."""
        cell = normalise_header(raw)
        if not cell:
            return ""
        value = choice_lookup(key).get(cell)
        if value is None:
            raise CellError(Say(gettext_noop("“%(value)s” is not one of the accepted values."), {"value": text(raw)}))
        return value
