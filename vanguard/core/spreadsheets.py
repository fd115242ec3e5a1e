"""Reading spreadsheets as offices really fill them, safely.

Any of .xlsx, .xls, .ods (through python-calamine) or .csv (UTF-8, UTF-8 with
BOM, GB18030) becomes a stream of `SheetRow`s with real spreadsheet row
numbers and column letters.  The header row is found, not assumed: title and
"填报单位" rows above it are skipped, headers are matched after removing
spaces and converting Traditional to Simplified script.  Merged cells are
filled from their top-left cell.  Every limit a hostile file could push on
(size, zip expansion, sheets, columns, cell length) is checked before or
while reading, and breaking one raises `SpreadsheetError` with a message for
the user.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import python_calamine
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vanguard.core import ods
from vanguard.core.chinese import to_simplified


class SpreadsheetError(ValueError):
    """The file cannot be read as a roster; the message says why, for the user."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 300 * 1024 * 1024
    # A sheet's XML is held in memory while it is read (about 1 KB per roster row),
    # so 2 GB admits well over a million members in one sheet.
    max_unzipped_bytes: int = 2 * 1024 * 1024 * 1024
    max_zip_ratio: int = 100  # real sheets compress 5-30 times; bombs thousands
    max_sheets: int = 20
    max_columns: int = 100
    max_cell_chars: int = 2000
    header_search_rows: int = 30


DEFAULT_LIMITS = Limits()
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE container with this stream; calamine would call it a corrupt .xls.
ENCRYPTION_MARKER = "EncryptionInfo".encode("utf-16-le")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(slots=True)
class SheetRow:
    number: int  # as the spreadsheet shows it, from 1
    cells: list  # values as read: str, float, int, bool, date, datetime, timedelta; "" when empty


@dataclass
class Sheet:
    name: str
    rows: Iterator[SheetRow]
    total_rows: int  # upper bound, for progress
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # The rows come from memory, not from an open file whose offset a forked process would share.
    in_memory: bool = False
    # A second pass over the rows from a given row number on (None where it would cost a full pass).
    rows_from: Callable[[int], Iterator[SheetRow] | None] | None = None


def open_sheets(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Sheet]:
    """The sheets of the file, loaded one at a time as the caller asks; raises SpreadsheetError."""
    path = Path(path)
    kind = check_file(path, limits)
    if kind in ("zip", "ole"):
        return _calamine_sheets(path, limits)
    return iter([_csv_sheet(path, limits)])


def check_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The limits checked before anything is parsed; returns the container: "zip", "ole" or "text"."""
    size = path.stat().st_size
    if size == 0:
        raise SpreadsheetError(_("The file is empty."))
    if size > limits.max_bytes:
        raise SpreadsheetError(
            _("The file is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": size // 2**20, "limit": limits.max_bytes // 2**20}
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path, limits)
        return "zip"
    return "ole" if head.startswith(OLE_MAGIC) else "text"


def _check_zip(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise SpreadsheetError(_("The file is damaged: it looks like a spreadsheet but cannot be opened.")) from None
    unpacked = sum(member.file_size for member in members)
    # Each member on its own: stored padding beside a bomb must not dilute the ratio.
    bomb = any(
        m.file_size > 1024 * 1024 and m.file_size / max(1, m.compress_size) > limits.max_zip_ratio for m in members
    )
    if unpacked > limits.max_unzipped_bytes or bomb:
        raise SpreadsheetError(
            _("The file would expand to %(size)d MB when opened, which is not a normal spreadsheet.")
            % {"size": unpacked // 2**20}
        )


def _is_encrypted_ooxml(path: Path) -> bool:
    with path.open("rb") as handle:
        # The OLE directory sits near the start in files this size; 4 MB is ample.
        return ENCRYPTION_MARKER in handle.read(4 * 1024 * 1024)


PASSWORD_MESSAGE = gettext_noop("The file is protected by a password. Save it without a password and upload again.")


def _calamine_sheets(path: Path, limits: Limits) -> Iterator[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise SpreadsheetError(_(PASSWORD_MESSAGE)) from None
    except Exception:  # noqa: BLE001 - calamine raises many kinds; all mean "unreadable"
        # Only now look for the encryption stream: a readable .xls may hold that word in a cell.
        if _is_encrypted_ooxml(path):
            raise SpreadsheetError(_(PASSWORD_MESSAGE)) from None
        raise SpreadsheetError(_("This is not a spreadsheet Vanguard can read (.xlsx, .xls, .ods or .csv).")) from None
    names = workbook.sheet_names
    if len(names) > limits.max_sheets:
        raise SpreadsheetError(
            _("The workbook has %(count)d sheets; put the roster in a workbook of at most %(limit)d sheets.")
            % {"count": len(names), "limit": limits.max_sheets}
        )
    return _each_sheet(workbook, names, limits, ods_path=path if ods.is_ods(path) else None)


def _each_sheet(workbook, names: list[str], limits: Limits, ods_path: Path | None = None) -> Iterator[Sheet]:
    """Load sheets one at a time, so a workbook's other sheets never sit in memory beside the roster."""
    for index, name in enumerate(names):
        try:
            sheet = workbook.get_sheet_by_index(index)
        except Exception:  # noqa: BLE001
            raise SpreadsheetError(_("The sheet “%(name)s” cannot be read.") % {"name": name}) from None
        if sheet.width > limits.max_columns:
            raise SpreadsheetError(
                _("The sheet “%(name)s” has %(count)d columns; a roster has at most %(limit)d.")
                % {"name": name, "count": sheet.width, "limit": limits.max_columns}
            )
        first_column = sheet.start[1] if sheet.height else 0
        merged = list(sheet.merged_cell_ranges or [])
        if not merged and ods_path is not None:
            # python-calamine gives no merged ranges for .ods; read them from content.xml.
            try:
                merged = ods.merged_ranges(ods_path, name)
            except ValueError:
                raise SpreadsheetError(_("The sheet “%(name)s” cannot be read.") % {"name": name}) from None
        yield Sheet(
            name=name,
            rows=_calamine_rows(sheet, first_column, limits),
            total_rows=sheet.height + (sheet.start[0] if sheet.height else 0),
            merged=merged,
            in_memory=True,
            rows_from=_rows_from(sheet, first_column, limits, merged),
        )


def _calamine_rows(sheet, first_column: int, limits: Limits, first: int = 1) -> Iterator[SheetRow]:
    pad = [""] * first_column
    # calamine trims leading empty columns but not leading empty rows.
    rows = itertools.islice(sheet.iter_rows(), first - 1, None)
    for index, cells in enumerate(rows, start=first):
        yield SheetRow(index, _checked(pad + cells if pad else cells, index, limits))


def _rows_from(sheet, first_column: int, limits: Limits, merged: list):
    """For Sheet.rows_from: rows from a given number on, without making the ones before into Python objects."""

    def rows_from(first: int) -> Iterator[SheetRow] | None:
        if any(r0 + 1 < first <= r1 + 1 for (r0, _c0), (r1, _c1) in merged):
            return None  # a merged range straddles the start: its value is in a row not read
        return fill_merged(_calamine_rows(sheet, first_column, limits, first), merged)

    return rows_from


def _checked(cells: list, number: int, limits: Limits) -> list:
    limit = limits.max_cell_chars
    for value in cells:
        if type(value) is str and len(value) > limit:
            position = next(i for i, v in enumerate(cells) if isinstance(v, str) and len(v) > limit)
            raise SpreadsheetError(
                _("Cell %(cell)s holds %(count)d characters; a roster cell holds at most %(limit)d.")
                % {"cell": f"{column_letter(position)}{number}", "count": len(cells[position]), "limit": limit}
            )
    return cells


def _csv_sheet(path: Path, limits: Limits) -> Sheet:
    encoding = _csv_encoding(path)
    with path.open("rb") as handle:
        total = sum(1 for _ in handle)

    def rows() -> Iterator[SheetRow]:
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(64 * 1024)
            handle.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
            except csv.Error:
                dialect = csv.excel
            # The csv module's limit is process-wide: raise it for this read only, so that
            # _checked (not the csv module) names the overlong cell.
            previous = csv.field_size_limit(CSV_FIELD_LIMIT)
            reader = csv.reader(handle, dialect)
            try:
                for number, cells in enumerate(reader, start=1):
                    if len(cells) > limits.max_columns:
                        raise SpreadsheetError(
                            _("Row %(row)d has %(count)d columns; a roster has at most %(limit)d.")
                            % {"row": number, "count": len(cells), "limit": limits.max_columns}
                        )
                    yield SheetRow(number, _checked(cells, number, limits))
            except csv.Error:
                raise SpreadsheetError(
                    _("Row %(row)d of the CSV file cannot be read: a quotation mark is not closed or a cell is huge.")
                    % {"row": reader.line_num}
                ) from None
            finally:
                csv.field_size_limit(previous)

    # A CSV file has one unnamed sheet: its stored name (a random one for uploads) means nothing to the reader.
    return Sheet(name="", rows=rows(), total_rows=total)


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves CSV; anything else is refused."""
    with path.open("rb") as handle:
        sample = handle.read(1024 * 1024)
    if b"\x00" in sample:
        raise SpreadsheetError(_("This is not a spreadsheet Vanguard can read (.xlsx, .xls, .ods or .csv)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            _decode_all(path, encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _decode_all(path: Path, encoding: str) -> None:
    decoder = io.TextIOWrapper(path.open("rb"), encoding=encoding, errors="strict")
    with decoder:
        while decoder.read(1024 * 1024):
            pass


# --- headers ---------------------------------------------------------------

_HEADER_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】<>《》#]|\(.*?\)|（.*?）")


@lru_cache(maxsize=4096)  # choice cells (男, 正式党员, 离退休…) repeat on every row
def normalise_header(text: object) -> str:
    """'姓 名', '身份證號碼（18位）', 'Name*' → '姓名', '身份证号码', 'name'."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"[（(].*?[)）]", "", value)
    value = _HEADER_NOISE.sub("", value)
    return to_simplified(value).lower()


@dataclass
class Column:
    """A field a roster may carry, with every header that names it."""

    key: str
    headers: Iterable[str]
    required: bool = False

    def __post_init__(self) -> None:
        self.headers = frozenset(normalise_header(h) for h in self.headers)


@dataclass
class HeaderMatch:
    row_number: int
    positions: dict[str, int]  # column key → 0-based index
    labels: dict[str, str]  # column key → header as written


def find_header(rows: list[SheetRow], columns: list[Column]) -> HeaderMatch | None:
    """The row (among the first few) that names the most known columns, at least two."""
    best: HeaderMatch | None = None
    for row in rows:
        positions: dict[str, int] = {}
        labels: dict[str, str] = {}
        for index, cell in enumerate(row.cells):
            name = normalise_header(cell)
            if not name:
                continue
            for column in columns:
                if name in column.headers and column.key not in positions:
                    positions[column.key] = index
                    labels[column.key] = str(cell).strip()
                    break
        if len(positions) >= 2 and (best is None or len(positions) > len(best.positions)):
            best = HeaderMatch(row.number, positions, labels)
    return best


def fill_merged(rows: Iterator[SheetRow], merged: list) -> Iterator[SheetRow]:
    """Give every cell of a merged range the value of its top-left cell."""
    if not merged:
        yield from rows
        return
    by_start: dict[int, list] = {}
    for (r0, c0), (r1, c1) in merged:
        by_start.setdefault(r0 + 1, []).append((r1 + 1, c0, c1))
    active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
    last_start = max(by_start)
    rows = iter(rows)
    for row in rows:
        for last_row, c0, c1 in by_start.get(row.number, ()):
            value = row.cells[c0] if c0 < len(row.cells) else ""
            active.append((last_row, c0, c1, value))
        active = [entry for entry in active if entry[0] >= row.number]
        for _last, c0, c1, value in active:
            if len(row.cells) <= c1:
                row.cells.extend([""] * (c1 + 1 - len(row.cells)))
            for col in range(c0, c1 + 1):
                if row.cells[col] in ("", None):
                    row.cells[col] = value
        yield row
        if not active and row.number >= last_start:
            break  # past the last merged range (usually the title): the rest go through untouched
    yield from rows


# --- cell values -----------------------------------------------------------

CSV_FIELD_LIMIT = 16 * 1024 * 1024
EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [re.compile(r"^(\d{4})[-./年](\d{1,2})月?$"), re.compile(r"^(\d{4})(\d{2})$")]


class CellError(ValueError):
    """One cell's value is unusable; the message says why."""


def text(value: object) -> str:
    """A cell as clean text: full-width to half-width, outer spaces trimmed, floats like 3.0 as 3."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass(frozen=True)
class PartialDate:
    """A year and month without a day, as 出生年月 columns often hold."""

    year: int
    month: int


def parse_date(value: object) -> datetime.date | PartialDate | None:
    """Excel date cells, Excel serial numbers and the text forms offices type; None when blank."""
    if value in ("", None):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1900 <= value < 2100 and not float(value).is_integer():
            # 1970.03 typed into a number cell: year.month.
            year, month = f"{value:.2f}".split(".")
            return _partial(int(year), int(month))
        if 1900 <= value < 2100:  # a year typed into a number cell, not an Excel serial of 1905
            raise CellError(_("Only the year %(year)s is given; write the full date.") % {"year": int(value)})
        if 1 <= value < 80000:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("“%(value)s” is not a date.") % {"value": value})
    shown = text(value)
    raw = re.sub(r"\s+0{1,2}:00(:00)?$", "", shown).replace(" ", "")  # system exports add a midnight time
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CellError(_("“%(value)s” is not a real date.") % {"value": shown}) from None
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(raw)
        if match:
            return _partial(int(match.group(1)), int(match.group(2)))
    if re.fullmatch(r"\d{4}", raw):
        raise CellError(_("Only the year %(year)s is given; write the full date.") % {"year": raw})
    raise CellError(_("“%(value)s” is not a date; write it like 2005-01-05 or 2005年1月5日.") % {"value": shown})


def _partial(year: int, month: int) -> PartialDate:
    if not 1 <= month <= 12:
        raise CellError(_("Month %(month)d does not exist.") % {"month": month})
    return PartialDate(year, month)


def is_blank(cells: list) -> bool:
    return all(text(cell) == "" for cell in cells)
