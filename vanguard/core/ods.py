"""Merged cell ranges of OpenDocument spreadsheets (.ods), read from content.xml.

python-calamine (0.9.1) reads the values of an .ods sheet but reports no merged
ranges for it (`merged_cell_ranges` is None), so `fill_merged` had nothing to
fill and rows under a merged cell such as 所在党组织 lost their value.  This
module finds the merges itself, in the shape calamine gives for .xlsx/.xls:
``((first_row, first_col), (last_row, last_col))``, zero-based, inclusive.

content.xml is streamed out of the zip with `iterparse`, elements are dropped as
soon as they end, and the file is treated as hostile: at most `max_bytes` of
XML are read, a DOCTYPE (the only place entity definitions, and so an entity
"billion laughs" bomb, can live) is refused before the parser sees it, only
UTF-8 is accepted (so that the DOCTYPE check cannot be dodged by another
encoding), and element depth and the number of ranges are capped.  Every
refusal and every unreadable file raises ValueError.

How positions are counted (ODF 1.2, part 1, 9.1): every table:table-row of the
sheet, wherever it is nested (table:table-header-rows, table:table-rows,
table:table-row-group), is `table:number-rows-repeated` rows; every
table:table-cell and table:covered-table-cell in it is
`table:number-columns-repeated` columns.  A table:table-cell with
`table:number-rows-spanned` or `table:number-columns-spanned` above 1 starts a
merge; the covered cells it hides are there in the XML and take their
positions like any other cell.  Tables nested in a cell (sub-tables) are not
part of the sheet's grid and are skipped.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

MergedRange = tuple[tuple[int, int], tuple[int, int]]

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_RANGES = 100_000  # a real roster has a handful; each range costs ~200 bytes
MAX_DEPTH = 1000  # content.xml written by office suites nests a few dozen deep at most

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TABLE = f"{{{_TABLE}}}table"
ROW = f"{{{_TABLE}}}table-row"
CELL = f"{{{_TABLE}}}table-cell"
COVERED = f"{{{_TABLE}}}covered-table-cell"
NAME = f"{{{_TABLE}}}name"
ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
ROWS_SPANNED = f"{{{_TABLE}}}number-rows-spanned"
COLUMNS_SPANNED = f"{{{_TABLE}}}number-columns-spanned"

_HEAD_BYTES = 4096
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = max(len(marker) for marker in _FORBIDDEN) - 1
_XML_DECLARATION_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def is_ods(path: Path) -> bool:
    """True when `path` is a zip whose `mimetype` member names an OpenDocument spreadsheet."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("mimetype") as member:
            return member.read(len(MIMETYPE) + 1).strip() == MIMETYPE.encode()
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        return False


def merged_ranges(
    path: Path,
    sheet_name: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_ranges: int = DEFAULT_MAX_RANGES,
) -> list[MergedRange]:
    """The merged ranges of the sheet called `sheet_name`, zero-based ((r0, c0), (r1, c1)) as calamine gives them.

    Reading stops at the end of that sheet.  Raises ValueError when the file is
    not a readable .ods, has no such sheet, holds a DOCTYPE, is not UTF-8, or
    when content.xml is larger than `max_bytes` or merges more than `max_ranges`
    ranges.
    """
    found = dict(_sheets(path, max_bytes, max_ranges, only=sheet_name))
    if sheet_name in found:
        return found[sheet_name]
    raise ValueError(f"The spreadsheet has no sheet named {sheet_name!r}.")


def all_merged_ranges(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_ranges: int = DEFAULT_MAX_RANGES,
) -> dict[str, list[MergedRange]]:
    """Sheet name → its merged ranges, for every sheet, in one pass over content.xml (`max_ranges` is in total)."""
    return dict(_sheets(path, max_bytes, max_ranges, only=None))


class _CappedReader:
    """A read()-only view of a binary stream that counts bytes and refuses DOCTYPEs, other encodings and excess.

    The checks run on each chunk before it is handed to the parser, so the parser
    never sees a forbidden declaration; the chunks overlap by a few bytes so a
    marker split across two reads is still found.
    """

    def __init__(self, raw, max_bytes: int) -> None:
        self._raw = raw
        self._max_bytes = max_bytes
        self._count = 0
        self._tail = b""
        head = self._take(_HEAD_BYTES)
        _check_encoding(head)
        self._pending = head

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return self._take(size if size > 0 else 64 * 1024)

    def _take(self, size: int) -> bytes:
        data = self._raw.read(size)
        self._count += len(data)
        if self._count > self._max_bytes:
            raise ValueError(f"content.xml is larger than {self._max_bytes} bytes.")
        window = self._tail + data
        if any(marker in window for marker in _FORBIDDEN):
            raise ValueError("content.xml declares a DOCTYPE, which a spreadsheet never needs; refused.")
        self._tail = window[-_OVERLAP:]
        return data


def _check_encoding(head: bytes) -> None:
    # UTF-16/32 (with or without a byte order mark; NUL is in neither UTF-8 XML nor XML at all) would hide
    # "<!DOCTYPE" from a byte search.  So would EBCDIC and the like, where "<" is another byte, and an XML
    # document's first character is "<".
    if b"\x00" in head or not head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"<"):
        raise ValueError("content.xml is not UTF-8.")
    declared = _XML_DECLARATION_ENCODING.match(head)
    if declared and declared.group(1).strip().lower() not in (b"utf-8", b"utf8"):
        raise ValueError("content.xml is not UTF-8.")


def _sheets(path: Path, max_bytes: int, max_ranges: int, only: str | None) -> Iterator[tuple[str, list[MergedRange]]]:
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as member:
            yield from _parse(_CappedReader(member, max_bytes), max_ranges, only)
    except ElementTree.ParseError as exc:
        raise ValueError(f"content.xml is not well-formed XML: {exc}") from None
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        # KeyError: no content.xml; RuntimeError/NotImplementedError: encrypted or unknown compression.
        raise ValueError(f"The file is not a readable OpenDocument spreadsheet: {exc}") from None


def _count(element: ElementTree.Element, attribute: str) -> int:
    value = element.get(attribute)
    if value is None:
        return 1
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"content.xml has {attribute.split('}')[1]}={value[:20]!r}; it must be a positive integer.")
    return number


def _parse(source: _CappedReader, max_ranges: int, only: str | None) -> Iterator[tuple[str, list[MergedRange]]]:
    stack: list[ElementTree.Element] = []
    tables_open = 0  # table:table elements on the stack: 1 in a sheet, more in a table nested in a cell
    total = 0
    sheet: str | None = None  # name of the sheet being read; None between sheets and in sheets skipped
    ranges: list[MergedRange] = []
    row = 0  # first row of the current table:table-row
    row_repeat = 1
    column = 0
    row_spans: list[tuple[int, int, int]] = []  # (column, rows spanned, columns spanned) in the current row

    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        tag = element.tag
        if event == "start":
            stack.append(element)
            if len(stack) > MAX_DEPTH:
                raise ValueError(f"content.xml nests elements more than {MAX_DEPTH} deep.")
            if tag == TABLE:
                tables_open += 1
                if tables_open == 1 and (only is None or element.get(NAME) == only):
                    sheet, ranges, row = element.get(NAME, ""), [], 0
            elif sheet is None or tables_open > 1:
                pass
            elif tag == ROW:
                row_repeat, column, row_spans = _count(element, ROWS_REPEATED), 0, []
            elif tag in (CELL, COVERED) and stack[-2].tag == ROW:
                repeat = _count(element, COLUMNS_REPEATED)
                if tag == CELL:
                    rows_spanned = _count(element, ROWS_SPANNED)
                    columns_spanned = _count(element, COLUMNS_SPANNED)
                    if rows_spanned > 1 or columns_spanned > 1:
                        # A repeated spanned cell is odd, but can only mean one merge at each repetition.
                        for offset in range(repeat):
                            total += row_repeat
                            if total > max_ranges:
                                raise ValueError(f"content.xml merges more than {max_ranges} ranges.")
                            row_spans.append((column + offset, rows_spanned, columns_spanned))
                column += repeat
            continue

        # "end": drop the element, so memory stays bounded however long the file.
        stack.pop()
        if tag == TABLE:
            tables_open -= 1
            if sheet is not None and tables_open == 0:
                yield sheet, ranges
                if only is not None:
                    return
                sheet = None
        elif tag == ROW and sheet is not None and tables_open == 1:
            for offset in range(row_repeat if row_spans else 0):
                first = row + offset
                for start, rows_spanned, columns_spanned in row_spans:
                    ranges.append(((first, start), (first + rows_spanned - 1, start + columns_spanned - 1)))
            row += row_repeat
            row_spans = []
        element.clear()
        if stack:
            stack[-1].remove(element)
