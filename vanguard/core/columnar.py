"""A big .xlsx sheet read column-wise: fastexcel (calamine into Arrow) with every cell as text.

Checking a million-row roster one row at a time in Python costs tens of
microseconds a row; the same checks on whole columns with pyarrow cost a
fraction of that.  This module only loads: it gives the sheet as an Arrow
table of text cells (null when empty) with the sheet's real row and column
numbers, and the merged ranges, so that a caller can decide row by row what
it may take column-wise and hand the rest to the row-wise reader
(`spreadsheets.open_sheets`), which stays the reference.

The text is fastexcel's rendering of each cell: strings as written, numbers
as digits ("1", "1.5", integral floats exactly), dates and date-times as
"YYYY-MM-DD HH:MM:SS", booleans as "true"/"false", error cells as null.  A
caller must accept only texts whose meaning does not depend on the cell's
type (a name in Chinese characters, a date at midnight), since the type is
gone.  Only .xlsx is read this way; anything else, or a sheet whose layout
cannot be confirmed, gives None and the row-wise reader takes the file.
"""

from __future__ import annotations

import re
import threading
import zipfile
from dataclasses import dataclass, field
from importlib import util
from pathlib import Path
from posixpath import dirname, join, normpath
from typing import TYPE_CHECKING

from vanguard.core.spreadsheets import DEFAULT_LIMITS, Limits, SheetRow, check_file, fill_merged

if TYPE_CHECKING:
    import pyarrow as pa

_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SHEET_DATA_END = b"</sheetData>"


@dataclass
class ColumnSheet:
    name: str
    table: pa.Table  # one text column per sheet column; table row 0 is sheet row `first_row`
    first_row: int  # as the spreadsheet numbers rows, from 1
    first_column: int  # 0-based index of the table's first column in the sheet
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # as calamine gives them

    @property
    def last_row(self) -> int:
        return self.first_row + self.table.num_rows - 1

    def column(self, position: int) -> pa.ChunkedArray | None:
        """The sheet column at 0-based `position` (as SheetRow.cells count), None when outside the table."""
        index = position - self.first_column
        if not 0 <= index < self.table.num_columns:
            return None
        return self.table.column(index)

    def rows(self, first: int, last: int) -> list[SheetRow]:
        """Rows first..last as SheetRows ("" for empty cells, as the row-wise reader gives them), merges filled."""
        start = max(first, self.first_row) - self.first_row
        stop = min(last, self.last_row) - self.first_row + 1
        if stop <= start:
            return []
        pad = [""] * self.first_column
        part = self.table.slice(start, stop - start).to_pydict()
        columns = list(part.values())
        rows = [
            SheetRow(self.first_row + start + i, pad + ["" if v is None else v for v in cells])
            for i, cells in enumerate(zip(*columns, strict=True))
        ]
        return list(fill_merged(iter(rows), self.merged))


def available() -> bool:
    # Imported only when used: Arrow starts a thread of its own, and the row-wise reader forks only a
    # process with one thread (rosters.parallel).
    return util.find_spec("fastexcel") is not None and util.find_spec("pyarrow") is not None


def load(path: Path, limits: Limits = DEFAULT_LIMITS, *, min_rows: int = 0) -> ColumnSheet | None:
    """The first sheet of an .xlsx of at least `min_rows` rows, or None (then read the file row-wise).

    None also for anything the row-wise reader must judge and word (a limit
    broken, an unreadable file): it reports those with the user's message.
    """
    path = Path(path)
    if not available():
        return None
    import fastexcel
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if check_file(path, limits) != "zip":
            return None
    except (ValueError, OSError):
        return None
    layout = _Layout(path)
    if not layout.read_head() or layout.rows < min_rows:
        return None
    # The merged ranges sit after the cells, at the end of the sheet's XML: inflating it to find them
    # runs beside fastexcel's load (zlib releases the GIL), and costs about a second per million rows.
    scan = threading.Thread(target=layout.read_merges, name="xlsx-merges")
    scan.start()
    try:
        reader = fastexcel.read_excel(str(path))
        if len(reader.sheet_names) > limits.max_sheets:
            return None
        batch = reader.load_sheet(0, header_row=None, dtypes="string", skip_whitespace_tail_rows=False).to_arrow()
    except Exception:  # noqa: BLE001 - the row-wise reader words the error
        return None
    finally:
        scan.join()
    table = pa.Table.from_batches([batch])
    if layout.merged is None or table.num_rows != layout.rows or table.num_columns != layout.columns:
        return None  # the XML's own dimension disagrees with what was read: row numbers could not be trusted
    if table.num_columns > limits.max_columns:
        return None
    for column in table.columns:
        longest = pc.max(pc.utf8_length(column)).as_py()
        if longest is not None and longest > limits.max_cell_chars:
            return None
    return ColumnSheet(reader.sheet_names[0], table, layout.first_row, layout.first_column, layout.merged)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


class _Layout:
    """Where the first sheet's cells start and end (its <dimension>) and its merged ranges, from the XML."""

    def __init__(self, path: Path):
        self.path = path
        self.part = ""
        self.first_row = self.first_column = self.rows = self.columns = 0
        self.merged: list | None = None

    def read_head(self) -> bool:
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.part = _first_sheet_part(archive)
                if not self.part:
                    return False
                with archive.open(self.part) as stream:
                    head = stream.read(64 * 1024)
        except (zipfile.BadZipFile, KeyError, OSError):
            return False
        match = _DIMENSION.search(head)
        if match is None or match.group(3) is None:
            return False  # a one-cell sheet, or a writer that leaves the dimension out
        self.first_row, self.first_column = int(match.group(2)), _column_index(match.group(1))
        self.rows = int(match.group(4)) - self.first_row + 1
        self.columns = _column_index(match.group(3)) - self.first_column + 1
        return True

    def read_merges(self) -> None:
        tail = b""
        found = False
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.part) as stream:
                while chunk := stream.read(4 * 1024 * 1024):
                    if found:
                        tail += chunk
                        continue
                    window = tail[-len(_SHEET_DATA_END) :] + chunk
                    end = window.find(_SHEET_DATA_END)
                    if end >= 0:
                        found, tail = True, window[end:]
                    else:
                        tail = window
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
            return
        if not found:
            return
        self.merged = [
            ((int(r0) - 1, _column_index(c0)), (int(r1) - 1, _column_index(c1)))
            for c0, r0, c1, r1 in _MERGE.findall(tail)
        ]


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The zip member holding the workbook's first sheet, as fastexcel's sheet 0."""
    workbook = archive.read("xl/workbook.xml")
    sheet = re.search(rb"<sheet\b[^>]*>", workbook)
    if sheet is None:
        return ""
    relation = re.search(rb'r:id="([^"]+)"', sheet.group(0)) or re.search(rb'\bid="([^"]+)"', sheet.group(0))
    if relation is None:
        return ""
    relations = archive.read("xl/_rels/workbook.xml.rels")
    for element in re.findall(rb"<Relationship\b[^>]*>", relations):
        if re.search(rb'\bId="' + re.escape(relation.group(1)) + rb'"', element):
            target = re.search(rb'Target="([^"]+)"', element)
            if target is None:
                return ""
            name = target.group(1).decode()
            return name.lstrip("/") if name.startswith("/") else normpath(join(dirname("xl/workbook.xml"), name))
    return ""
