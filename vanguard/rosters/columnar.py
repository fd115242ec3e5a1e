"""The member import's column-wise lane: a big .xlsx roster checked a column at a time.

The row-wise import (services.MemberImport) is the reference: every rule
and every message lives there.  This lane takes from a big sheet only the
rows whose outcome it can compute column-wise with certainty, and gives
the row-wise code everything else, so a file imports exactly as it would
row by row.  A row is taken here when every cell is in a plain form whose
meaning does not depend on the cell's type (columnar.py explains why that
matters): an 18-character ID number with a right
check digit, a name of Chinese characters (or Latin letters) without
spaces, dates at midnight ("2005-01-05" or "2005-01-05 00:00:00"),
choices spelt as the row-wise reader accepts them, text already in NFKC
form without outer spaces, and values that pass the members app's rules
(birth date and sex as the ID number gives them, joined at 18 or older,
nothing in the future, a mobile member's date and place).

Such a row gives no problem and no warning.  It is created directly when
its ID number occurs once in the file and is not on record; otherwise it
goes to the row-wise `settle` (updates, duplicates, members elsewhere).
Every other row (a typo, a text date, a 合计 row) is read again with the
row-wise reader and goes through `parse`, as in a row-wise import; when
too many rows need that, the whole file is read row-wise instead.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection

from vanguard.core import columnar, crypto, idnumber
from vanguard.core.spreadsheets import CellError, Limits, SheetRow, find_header, text
from vanguard.members.models import Category, Member, Status
from vanguard.members.services import MIN_JOINING_AGE
from vanguard.rosters import parallel
from vanguard.rosters.columns import MEMBER_FIELDS

if TYPE_CHECKING:
    from collections import Counter

    import pyarrow as pa

    from vanguard.core import bulk
    from vanguard.core.spreadsheets import HeaderMatch
    from vanguard.orgs.models import Organisation
    from vanguard.rosters.services import Candidate, ImportReport

MIN_ROWS = 20_000  # smaller sheets are read row-wise: loading twice would cost more than it saves
MAX_ROW_WISE = 20_000  # rows this lane may hand to the row-wise reader before giving it the whole file
# The share of the chunks (the last ones) whose ID numbers the forked helper hashes and encrypts; this
# process does the others.  1.0 and 0.8 measured the same on a million rows (30 s either way).
HELPER_SHARE = 1.0
CHUNK_ROWS = 50_000  # rows checked, settled and written at a time, so the server stores one while we check the next

ID_SHAPE = r"^[0-9]{17}[0-9X]$"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # GB 11643; idnumber.parse is the reference
NAME_SHAPE = r"^[\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}·A-Za-z]+$"  # NFKC leaves these as they are
# A date cell at midnight as fastexcel writes it, or a full date typed as text (2005-01-05, 2005.1.5,
# 2005/1/5, 2005年1月5日); never digits alone, which a number cell could also have given.
DATE_SHAPE = r"^(?P<year>[0-9]{4})[-./年](?P<month>[0-9]{1,2})[-./月](?P<day>[0-9]{1,2})日?(?: 00:00:00)?$"
# Python's str.isspace() characters: a text starting or ending with one is trimmed row-wise.
SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
# Texts whose cell type changes their meaning: a boolean, a time, a fraction written differently by
# Python ("1e-07") and by fastexcel ("0.0000001").  Control characters and backslashes would need escaping.
AMBIGUOUS_TEXT = r"^(true|false)$|^-?[0-9]*\.[0-9]+$|^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:|[\x{00}-\x{1f}\x{7f}\\]"
# A first cell that might read as 合计 (total) after NFKC, Traditional→Simplified and lower case.
MAYBE_TOTAL = r"[合总小共計计總縂TtOoAaLl]|[^\x{00}-\x{7f}\x{4e00}-\x{9fff}]|^" + SPACE + r"*$"
TEXT_FIELDS = ("name", "ethnicity", "mobile_place", "work_unit", "post", "phone")
CHOICE_FIELDS = ("gender", "status", "category", "education")


def real_dates(texts, layout: str) -> Any:
    """Dates from texts in `layout`; null where no such day exists.

    Arrow's strptime rolls an impossible day over (2005-02-30 becomes
    2005-03-02), so the date is written back and must give the same text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    parsed = pc.cast(pc.strptime(texts, format=layout, unit="s", error_is_null=True), pa.date32())
    # Compared as numbers (YYYYMMDD): strftime would cost more than everything else here.
    written = pc.add(pc.multiply(pc.add(pc.multiply(pc.year(parsed), 100), pc.month(parsed)), 100), pc.day(parsed))
    digits = pc.cast(pc.replace_substring(texts, "-", ""), pa.int64(), safe=False) if "-" in layout else pc.cast(
        texts, pa.int64(), safe=False
    )  # fmt: skip
    return pc.if_else(pc.fill_null(pc.equal(written, digits), False), parsed, pa.scalar(None, pa.date32()))


def check_id_numbers(ids, today: datetime.date) -> tuple[Any, Any, Any, Any]:
    """What idnumber.parse accepts, column-wise, for IDs already in normal form (digits, upper-case X).

    Returns where the number is valid (shape, check digit, a real birth date
    between 1890 and today), the numbers with a placeholder where invalid,
    the birth dates and the sexes ("M"/"F") the numbers give.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = pc.fill_null(pc.match_substring_regex(ids, ID_SHAPE), False)
    ids = pc.if_else(ok, ids, "000000190001010000")  # a placeholder keeps the arithmetic below defined
    # The 17 digits as one integer (< 10**17 fits in 64 bits), taken apart with integer arithmetic:
    # far cheaper than slicing a million strings 17 times.
    rest = pc.cast(pc.utf8_slice_codeunits(ids, 0, 17), pa.int64())
    total = None
    for weight in reversed(ID_WEIGHTS):
        tens = pc.divide(rest, 10)
        digit = pc.subtract(rest, pc.multiply(tens, 10))
        total = pc.multiply(digit, weight) if total is None else pc.add(total, pc.multiply(digit, weight))
        rest = tens
    number = pc.subtract(12, pc.subtract(total, pc.multiply(pc.divide(total, 11), 11)))
    number = pc.if_else(pc.greater_equal(number, 11), pc.subtract(number, 11), number)
    expected = pc.if_else(pc.equal(number, 10), "X", pc.cast(number, pa.string()))
    ok = pc.and_(ok, pc.equal(expected, pc.utf8_slice_codeunits(ids, 17, 18)))
    born = real_dates(pc.utf8_slice_codeunits(ids, 6, 14), "%Y%m%d")
    in_range = pc.and_(pc.less_equal(born, pa.scalar(today, pa.date32())), pc.greater_equal(pc.year(born), 1890))
    ok = pc.and_(ok, pc.fill_null(in_range, False))
    male = pc.equal(pc.bit_wise_and(pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int32()), 1), 1)
    return ok, ids, born, pc.if_else(male, "M", "F")


class RowWiseImport(Protocol):
    """What this lane uses of the row-wise member import (`services.MemberImport` provides it).

    Every rule and message stays with the row-wise import: the lane only
    decides which rows it can take, and hands the others to `parse` and
    `settle` in row order.
    """

    report: ImportReport
    root: Organisation
    today: datetime.date
    columns: dict[str, Any]  # key → column definition, to find the header by
    positions: dict[str, int]  # key → column index, once the header is known
    orgs_by_code: dict[str, Organisation] | None  # None until load_organisations()
    orgs_by_name: dict[str, list[Organisation]] | None
    # Set by prepare():
    orgs_by_pk: dict[int, Organisation]
    id_letter: str
    tally_deltas: Counter[tuple[str, str, str]]  # (path, category, status) → members added
    stream: bulk.RowStream | None  # where new members are written; None in a dry run

    def locate(self, path: Path, limits: Limits) -> tuple[Any, HeaderMatch, Iterator[SheetRow]]:
        """The row-wise reader's sheet, header and rows after the header."""

    def take_header(self, sheet_name: str, header: HeaderMatch) -> None:
        """Record where the columns are, in the report and for reading rows."""

    def prepare(self, total_rows: int, write: bool) -> None:
        """Set-up before the first row (the writer, readers, organisations)."""

    def skips(self, row: SheetRow) -> bool:
        """Whether the row-wise import leaves the row out (blank, 合计)."""

    def parse(self, row: SheetRow) -> Candidate | None:
        """The row checked on its own; None once its problems are reported."""

    def settle(self, batch: list[Candidate], write: bool) -> None:
        """Rows checked against the file so far and the database, and written when all is well."""

    def existing(self, hashes: list[str]) -> dict[str, Any]:
        """Members on record holding these ID numbers, by lookup hash."""

    def finish(self, write: bool) -> None:
        """Work after the last row (tallies)."""

    def label(self, key: str) -> str:
        """The column's header as the file writes it."""

    def region_warning(self, row: int, number: idnumber.IDNumber) -> Any:
        """The warning (a services.Problem) of a row whose region code never existed."""

    def choice_value(self, key: str, raw: object) -> str:
        """The stored value of a choice cell; CellError if the spelling is not accepted."""

    def load_organisations(self) -> None:
        """Fill orgs_by_code and orgs_by_name with the subtree's organisations."""


def import_rows(importer: RowWiseImport, path: Path, limits: Limits, progress, write: bool) -> bool:
    """Run the import column-wise if the file suits; False (having changed nothing) to read it row-wise."""
    if not columnar.available():
        return False
    sheet = columnar.load(path, limits, min_rows=MIN_ROWS)
    if sheet is None:
        return False
    header = find_header(sheet.rows(1, limits.header_search_rows), list(importer.columns.values()))
    if header is None or any(r1 + 1 > header.row_number for (_r0, _c0), (r1, _c1) in sheet.merged):
        return False  # no header in the first sheet, or merged cells among the rows: the row-wise reader decides
    if any(c.required and k not in header.positions for k, c in importer.columns.items()):
        return False  # the row-wise import words the missing column
    importer.positions = header.positions  # what parse reads; the report's fields once it is taken
    lane = _Lane(importer, sheet, header)
    with lane.helper(write) as protected:
        if not lane.classify():
            return False
        slow_rows = lane.slow_rows(path, limits)
        if slow_rows is None:
            return False
        importer.take_header(sheet.name, header)
        total = sheet.last_row
        importer.prepare(total, write)
        lane.run(slow_rows, progress, write, protected)
        importer.finish(write)
        protected.completed = True
    if progress:
        progress(total, total)
    return True


class _Lane:
    def __init__(self, importer: RowWiseImport, sheet: columnar.ColumnSheet, header):
        import pyarrow as pa
        import pyarrow.compute as pc

        self.pa, self.pc = pa, pc
        self.importer = importer
        self.sheet = sheet
        self.header = header
        self.first = header.row_number + 1  # sheet row of data index 0
        self.rows = sheet.last_row - header.row_number
        offset = self.first - sheet.first_row
        self.cells: dict[str, pa.ChunkedArray] = {}
        for key, position in header.positions.items():
            column = sheet.column(position)
            self.cells[key] = (
                column.slice(offset) if column is not None else pa.chunked_array([pa.nulls(self.rows, pa.string())])
            )
        self.today = importer.today
        self.skipped = 0  # rows the row-wise test skips (合计), found among those not taken here

    # -- deciding which rows this lane takes ----------------------------------

    def classify(self) -> bool:
        """Compute the columns of the rows taken here, and which rows are blank or left to the row-wise code."""
        pa, pc = self.pa, self.pc
        cells, n = self.cells, self.rows
        offset = self.first - self.sheet.first_row
        everything = [column.slice(offset) for column in self.sheet.table.columns]
        first_cell = pc.coalesce(*everything) if everything else pa.nulls(n, pa.string())
        self.blank = pc.is_null(first_cell)
        ok = pc.invert(self.blank)

        valid, ids, born, sex = check_id_numbers(cells["id_number"], self.today)
        ok = pc.and_(ok, valid)
        today = pa.scalar(self.today, pa.date32())
        # A region code that never existed is a warning, not a problem: worded here too.
        region_known = self._regions_known(ids, ok)

        name = cells["name"]
        ok = pc.and_(ok, pc.fill_null(pc.match_substring_regex(name, NAME_SHAPE), False))
        ok = pc.and_(ok, pc.less_equal(pc.utf8_length(name), Member._meta.get_field("name").max_length))
        ok = pc.and_(ok, pc.invert(pc.fill_null(pc.is_in(name, pa.array(["true", "false"])), False)))
        self.values: dict[str, Any] = {"id_number": ids, "name": name, "birth_date": born}
        for key in TEXT_FIELDS[1:]:
            if key in cells:
                ok = pc.and_(ok, self._plain_text(cells[key], Member._meta.get_field(key).max_length))
                self.values[key] = cells[key]  # mobile_place is kept below only for mobile members
        dates = {}
        for key in ("birth_date", "joined_on", "mobile_since"):
            if key in cells:
                column = cells[key]
                well = pc.match_substring_regex(column, DATE_SHAPE)
                parts = pc.extract_regex(column, DATE_SHAPE)
                iso = pc.binary_join_element_wise(
                    pc.struct_field(parts, "year"),
                    pc.utf8_lpad(pc.struct_field(parts, "month"), 2, "0"),
                    pc.utf8_lpad(pc.struct_field(parts, "day"), 2, "0"),
                    "-",
                )
                parsed = real_dates(iso, "%Y-%m-%d")
                # Blank is fine here (a required one is checked below); otherwise a real date in the plain form.
                ok = pc.and_(ok, pc.or_(pc.is_null(column), pc.fill_null(pc.and_(well, pc.is_valid(parsed)), False)))
                dates[key] = parsed
        if "birth_date" in dates:
            ok = pc.and_(ok, pc.fill_null(pc.equal(dates["birth_date"], born), True))
        joined = dates.get("joined_on")
        if joined is None:
            return False
        ok = pc.and_(ok, pc.is_valid(joined))
        ok = pc.and_(ok, pc.fill_null(pc.less_equal(joined, today), False))
        month_day = lambda d: pc.add(pc.multiply(pc.month(d), 100), pc.day(d))  # noqa: E731
        age = pc.subtract(
            pc.subtract(pc.year(joined), pc.year(born)),
            pc.cast(pc.less(month_day(joined), month_day(born)), pa.int64()),
        )
        ok = pc.and_(ok, pc.fill_null(pc.greater_equal(age, MIN_JOINING_AGE), False))
        self.values["joined_on"] = joined

        for key in CHOICE_FIELDS:
            if key in cells:
                stored, readable = self._choices(key, cells[key])
                ok = pc.and_(ok, readable)
                self.values[key] = stored
        if "gender" in self.values:
            ok = pc.and_(ok, pc.fill_null(pc.equal(self.values["gender"], sex), True))
        self.values["gender"] = sex
        category = pc.fill_null(self.values.get("category", pa.nulls(n, pa.string())), Category.ORDINARY.value)
        self.values["category"] = category
        mobile = pc.equal(category, Category.MOBILE.value)
        since = dates.get("mobile_since", pa.nulls(n, pa.date32()))
        place = cells.get("mobile_place", pa.nulls(n, pa.string()))
        mobile_ok = pc.and_(pc.fill_null(pc.less_equal(since, today), False), pc.is_valid(place))
        ok = pc.and_(ok, pc.or_(pc.invert(mobile), mobile_ok))
        self.values["mobile_since"] = pc.if_else(mobile, since, pa.scalar(None, pa.date32()))
        self.values["mobile_place"] = pc.if_else(mobile, place, pa.scalar(None, pa.string()))

        ok = pc.and_(ok, self._organisations())
        # A row taken here must not be one the row-wise reader skips as a 合计 row.
        maybe_total = pc.and_(
            ok,
            pc.and_(
                pc.invert(pc.match_substring_regex(first_cell, r"^[0-9]+$")),
                pc.match_substring_regex(first_cell, MAYBE_TOTAL),
            ),
        )
        # Those go to the row-wise test (slow_rows), which reads them as 合计 rows or as members.
        self.ok = pc.and_(pc.fill_null(ok, False), pc.invert(pc.fill_null(maybe_total, False)))
        self.warned = pc.and_(self.ok, pc.invert(region_known))
        return True

    def _regions_known(self, ids, ok) -> Any:
        """Rows whose region code was ever in use (else the row-wise code words a warning)."""
        pa, pc = self.pa, self.pc
        region = pc.if_else(ok, pc.utf8_slice_codeunits(ids, 0, 6), None)
        known = [code for code in pc.unique(region).drop_null().to_pylist() if idnumber.region_known(code)]
        return pc.fill_null(pc.is_in(region, pa.array(known, pa.string())), False)

    def _plain_text(self, column, limit: int | None) -> Any:
        pc = self.pc
        plain = pc.and_(
            pc.equal(pc.utf8_normalize(column, "NFKC"), column),
            pc.invert(pc.match_substring_regex(column, "^" + SPACE + "|" + SPACE + "$")),
        )
        plain = pc.and_(plain, pc.invert(pc.match_substring_regex(column, AMBIGUOUS_TEXT)))
        if limit:
            plain = pc.and_(plain, pc.less_equal(pc.utf8_length(column), limit))
        return pc.fill_null(plain, True)  # blank is fine

    def _choices(self, key: str, column) -> tuple[Any, Any]:
        """Stored values (null when blank) and where the spelling was read as the row-wise reader would."""
        pa, pc = self.pa, self.pc
        spellings, stored = [], []
        for spelling in pc.unique(column).drop_null().to_pylist():
            try:
                value = self.importer.choice_value(key, spelling)
            except CellError:
                continue
            if value and not re.fullmatch(r"-?[0-9.]+|true|false", spelling):
                spellings.append(spelling)
                stored.append(value)
        index = pc.index_in(column, value_set=pa.array(spellings, pa.string()))
        return pc.take(pa.array(stored, pa.string()), index), pc.or_(pc.is_null(column), pc.is_valid(index))

    def _organisations(self) -> Any:
        """Organisation pk and path per row: the root, or one found by code or (unique) name; unreadable → False."""
        pa, pc = self.pa, self.pc
        importer, n = self.importer, self.rows
        codes, names = self.cells.get("organisation_code"), self.cells.get("organisation_name")
        if codes is None and names is None:
            self.values["organisation_id"] = None  # every row in the root
            return pa.array([True] * n)
        if importer.orgs_by_code is None:
            importer.load_organisations()
        blank = pa.nulls(n, pa.string())
        codes = blank if codes is None else codes
        names = blank if names is None else names
        plain = pc.and_(self._plain_text(codes, None), self._plain_text(names, None))
        key = pc.if_else(pc.is_valid(codes), pc.binary_join_element_wise("c", codes, ":"),
                         pc.binary_join_element_wise("n", names, ":"))  # fmt: skip
        keys, pks, paths = [], [], []
        root = importer.root
        for spelling in pc.unique(key).drop_null().to_pylist():
            kind, value = spelling[0], spelling[2:]
            found = importer.orgs_by_code.get(value) if kind == "c" else None
            if kind == "n":
                matches = importer.orgs_by_name.get(value, [])
                found = matches[0] if len(matches) == 1 else None
            if found is not None:
                keys.append(spelling)
                pks.append(found.pk)
                paths.append(found.path)
        index = pc.index_in(key, value_set=pa.array(keys, pa.string()))
        by_root = pc.is_null(key)
        self.values["organisation_id"] = pc.if_else(by_root, root.pk, pc.take(pa.array(pks, pa.int64()), index))
        self.values["org_path"] = pc.if_else(by_root, root.path, pc.take(pa.array(paths, pa.string()), index))
        return pc.and_(plain, pc.or_(by_root, pc.is_valid(index)))

    def _sheet_row(self, index: int) -> SheetRow:
        number = self.first + index
        return self.sheet.rows(number, number)[0]

    def slow_rows(self, path: Path, limits: Limits) -> list[SheetRow] | None:
        """The rows left to the row-wise code, read by the row-wise reader; None to read the whole file so."""
        pc = self.pc
        left = pc.and_(pc.invert(self.ok), pc.invert(self.blank))
        count = pc.sum(left).as_py() or 0
        if count > MAX_ROW_WISE:
            return None
        wanted = set()
        # Blank and 合计 rows read the same from either reader (a number or date is never 合计): skip them here.
        for number in (self.first + i for i in pc.indices_nonzero(left).to_pylist()):
            if self.importer.skips(self._sheet_row(number - self.first)):
                self.skipped += 1
            else:
                wanted.add(number)
        if not wanted:
            return []
        sheet, header, rows = self.importer.locate(path, limits)
        if header.row_number != self.header.row_number or header.positions != self.header.positions:
            return None
        return [row for row in rows if row.number in wanted]

    # -- the import ------------------------------------------------------------

    def run(self, slow_rows: list[SheetRow], progress, write: bool, protected: _Protected) -> None:
        report, pc = self.importer.report, self.pc
        report.rows_read += self.rows
        report.skipped += (pc.sum(self.blank).as_py() or 0) + self.skipped
        self._mark_shared_ids(slow_rows)
        by_chunk: dict[int, list[SheetRow]] = {}
        for row in slow_rows:
            by_chunk.setdefault((row.number - self.first) // CHUNK_ROWS, []).append(row)
        for start in range(0, self.rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.rows)
            slow = self._parse(start, stop, by_chunk.get(start // CHUNK_ROWS, []))
            self._chunk(start, stop, slow, write, protected.get(start))
            if progress:
                progress(self.first + stop - 1, self.sheet.last_row)

    def _mark_shared_ids(self, slow_rows: list[SheetRow]) -> None:
        """Rows whose ID number is on another row too (here or among the row-wise ones) go through settle.

        Every other row taken here holds an ID number no other row has, so it
        never needs the in-file duplicate bookkeeping.
        """
        pa, pc = self.pa, self.pc
        ids = self.values["id_number"]
        counts = pc.value_counts(pc.filter(ids, self.ok)) if self.rows else None
        shared = [] if counts is None else counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        position = self.header.positions["id_number"]
        elsewhere = [idnumber.normalise(text(row.cells[position])) for row in slow_rows if position < len(row.cells)]
        shared = pa.concat_arrays([pa.array(shared, pa.string()), pa.array(elsewhere, pa.string())])
        self.shared = pc.fill_null(pc.is_in(ids, value_set=shared), False)

    def helper(self, write: bool) -> _Protected:
        """On two cores, a forked process hashes (and encrypts) every ID number while this one checks the rows.

        It starts before the checks, on the ID column as read, so that its
        work overlaps theirs; values that are no ID number come back as None.
        """
        if self.rows < CHUNK_ROWS or not parallel.worthwhile(self.rows):
            return _Protected(None)
        ids = self.cells["id_number"].to_pylist()  # before the fork: the child leaves Arrow (and its threads) alone
        starts = list(range(0, self.rows, CHUNK_ROWS))
        later = starts[len(starts) - max(1, round(len(starts) * HELPER_SHARE)) :]
        work = [(start, ids[start : start + CHUNK_ROWS]) for start in later]
        return _Protected(parallel.ForkedReader(_Protector(work), [], 0, write), later[0])

    def _parse(self, start: int, stop: int, slow_rows: list[SheetRow]) -> list[Candidate]:
        """Parse the chunk's row-wise rows, and word the warnings of the rows taken here, in row order."""
        from vanguard.rosters.services import KEEP_PROBLEMS

        importer, report, pa, pc = self.importer, self.importer.report, self.pa, self.pc
        warned = pc.indices_nonzero(self.warned.slice(start, stop - start)).to_pylist()
        if len(report.warnings) >= KEEP_PROBLEMS:
            report.warning_count += len(warned)  # only counted from here on: their order no longer matters
            warned = []
        numbers = [self.first + start + i for i in warned]
        ids = pc.take(self.values["id_number"], pc.add(pa.array(warned, pa.int64()), start)).to_pylist()
        events = sorted([(row.number, row) for row in slow_rows] + list(zip(numbers, ids, strict=True)),
                        key=lambda event: event[0])  # fmt: skip
        slow = []
        for number, item in events:
            if isinstance(item, str):
                report.add_warning(
                    lambda number=number, item=item: importer.region_warning(
                        number, idnumber.parse(item, today=self.today)
                    )
                )
            elif importer.skips(item):
                report.skipped += 1
            elif (candidate := importer.parse(item)) is not None:
                slow.append(candidate)
        for candidate, digest in zip(slow, crypto.lookup_hash_many([c.id_number for c in slow]), strict=True):
            candidate.id_hash = digest
        return slow

    def _chunk(self, start: int, stop: int, slow: list[Candidate], write: bool, protected) -> None:
        from vanguard.rosters.services import BATCH_SIZE, Candidate

        pa, pc = self.pa, self.pc
        importer, report = self.importer, self.importer.report
        positions = pc.add(pc.indices_nonzero(self.ok.slice(start, stop - start)), start)
        ids = pc.take(self.values["id_number"], positions).to_pylist()
        if protected is not None:  # the helper's, for every row of the chunk: keep those taken here
            offsets = pc.subtract(positions, start).to_pylist()
            hashes = [protected[0][i] for i in offsets]
            tokens = None if protected[1] is None else [protected[1][i] for i in offsets]
        else:
            hashes, tokens = crypto.lookup_hash_many(ids), None
        existing: dict[str, Any] = {}
        for offset in range(0, len(hashes), BATCH_SIZE):
            existing.update(importer.existing(hashes[offset : offset + BATCH_SIZE]))
        shared = pc.take(self.shared, positions)
        if existing:
            shared = pc.or_(shared, pc.is_in(pa.array(hashes, pa.string()), value_set=pa.array(list(existing))))
        others = pc.indices_nonzero(shared).to_pylist()
        batch = list(slow)
        if others:
            numbers = pc.add(pc.take(positions, pa.array(others, pa.int64())), self.first).to_pylist()
            values = self._row_values(pc.take(positions, pa.array(others, pa.int64())))
            for i, number, row_values in zip(others, numbers, values, strict=True):
                organisation = importer.orgs_by_pk.get(row_values.pop("_org"), importer.root)
                batch.append(Candidate(number, organisation, row_values, ids[i], hashes[i]))
            batch.sort(key=lambda c: c.row)
        if batch:
            importer.settle(batch, write)
        if others:
            keep = pc.indices_nonzero(pc.invert(shared)).to_pylist()
            positions = pc.take(positions, pa.array(keep, pa.int64()))
            ids, hashes = [ids[i] for i in keep], [hashes[i] for i in keep]
            tokens = None if tokens is None else [tokens[i] for i in keep]
        report.created += len(hashes)
        if write and report.ok and hashes:
            self._write(positions, ids, hashes, tokens)

    def _column(self, key: str, positions) -> Any:
        """A computed column at these positions; None where the file gives none (the root's organisation)."""
        value = self.values.get(key)
        return None if value is None else self.pc.take(value, positions)

    def _row_values(self, positions) -> list[dict[str, Any]]:
        """The values dicts the row-wise parse would give these rows (only fields present, blank left out)."""
        importer = self.importer
        columns = {}
        for key in MEMBER_FIELDS:
            if key in self.values:
                columns[key] = self._column(key, positions).to_pylist()
        organisation = self._column("organisation_id", positions)
        count = len(positions)
        orgs = [importer.root.pk] * count if organisation is None else organisation.to_pylist()
        result = []
        for i in range(count):
            values = {key: column[i] for key, column in columns.items() if column[i] is not None and column[i] != ""}
            values["_org"] = orgs[i]
            result.append(values)
        return result

    def _write(self, positions, ids: list[str], hashes: list[str], tokens: list[str] | None) -> None:
        importer = self.importer
        tokens = tokens if tokens is not None else crypto.encrypt_many(ids)
        pa, pc = self.pa, self.pc
        count = len(ids)
        status = self._column("status", positions)
        org_paths = self._column("org_path", positions)
        groups = pa.table({
            "path": pa.array([importer.root.path] * count, pa.string()) if org_paths is None else org_paths,
            "category": self._column("category", positions),
            "status": pc.fill_null(status, Status.FULL.value) if status is not None else pa.array(
                [Status.FULL.value] * count, pa.string()
            ),
        }).group_by(["path", "category", "status"]).aggregate([("path", "count")])  # fmt: skip
        deltas = importer.tally_deltas
        for path, category, state, number in zip(
            *(groups.column(n).to_pylist() for n in ("path", "category", "status", "path_count")), strict=True
        ):
            deltas[(path, category, state)] += number
        if connection.vendor == "postgresql":
            importer.stream.write_text(self._copy_lines(positions, ids, hashes, tokens), len(ids))
        else:
            importer.stream.write_prepared(self._model_rows(positions, ids, hashes, tokens))

    def _stored(self, positions, ids, hashes, tokens) -> dict[str, Any]:
        """Arrow columns (or one value for every row) for the member fields this lane sets."""
        pa = self.pa
        columns: dict[str, Any] = {}
        for key in (*MEMBER_FIELDS, "org_path"):
            value = self._column(key, positions)
            if value is not None:
                columns[key] = value
        organisation = self._column("organisation_id", positions)
        columns["organisation_id"] = self.importer.root.pk if organisation is None else organisation
        columns.setdefault("org_path", self.importer.root.path)
        columns["id_number_encrypted"] = pa.array(tokens, pa.string())
        columns["id_number_hash"] = pa.array(hashes, pa.string())
        columns["id_number_masked"] = pa.array([idnumber.mask(value) for value in ids], pa.string())
        return columns

    def _copy_lines(self, positions, ids, hashes, tokens) -> bytes:
        """The rows in COPY's text format; the checks above let through nothing that needs escaping."""
        pa, pc = self.pa, self.pc
        columns = self._stored(positions, ids, hashes, tokens)
        parts = []
        for name, default in self.importer.stream.defaults:
            value = columns.get(name)
            if value is None:
                parts.append(default)
            elif isinstance(value, (int, str)):
                parts.append(str(value))
            else:
                text = value if pa.types.is_string(value.type) else pc.cast(value, pa.string())
                parts.append(pc.fill_null(text, default))
        merged: list = []
        for part in parts:  # neighbouring constants joined once, not once per row
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += "\t" + part
            else:
                merged.append(part)
        lines = pc.binary_join_element_wise(*merged, "\t")
        lines = pc.binary_join_element_wise(lines, "\n", "")
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        # A freshly computed array: its values lie one after another from the start of its data buffer.
        size = pc.sum(pc.binary_length(lines)).as_py() or 0
        assert lines.offset == 0 and lines.null_count == 0
        return lines.buffers()[2].to_pybytes()[:size]

    def _model_rows(self, positions, ids, hashes, tokens) -> list[dict[str, Any]]:
        """The same rows as dicts for bulk_create (databases without COPY); blank fields take their defaults."""
        columns = self._stored(positions, ids, hashes, tokens)
        count = len(ids)
        as_lists = {
            name: [value] * count if isinstance(value, (int, str)) else value.to_pylist()
            for name, value in columns.items()
        }
        rows = []
        for i in range(count):
            rows.append({name: values[i] for name, values in as_lists.items() if values[i] is not None})
        return rows


class _Protector:
    """What parallel.ForkedReader runs in the child: lookup hashes and, when writing, encrypted ID numbers."""

    def __init__(self, work: list[tuple[int, list[str]]]):
        self.work = work

    def rows_after(self, _last: int) -> list[tuple[int, list[str]]]:
        return self.work

    def child_batches(self, work, write: bool):
        for start, ids in work:
            usable = [value if type(value) is str and len(value) == 18 else "" for value in ids]
            yield start, crypto.lookup_hash_many(usable), crypto.encrypt_many(usable) if write else None

    def child_report(self) -> None:
        return None


class _Protected:
    """The forked helper's results by chunk start, read as the chunks come (none without a helper)."""

    def __init__(self, reader: parallel.ForkedReader | None, first: int = 0):
        self.reader = reader
        self.first = first  # the first chunk the helper does; this process does those before it
        self.records = reader.results() if reader is not None else iter(())
        self.completed = False  # every chunk taken: then the child's closing record is read, else it is stopped

    def __enter__(self) -> _Protected:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.reader is None:
            return
        if exc_type is None and self.completed:
            for _record in self.records:  # the closing report, and the child's exit status checked
                pass
        self.reader.__exit__(exc_type, exc, tb)

    def get(self, start: int) -> tuple[list[str], list[str] | None] | None:
        if self.reader is None or start < self.first:
            return None
        kind, (done, hashes, tokens) = next(self.records)
        assert kind == "batch" and done == start, (kind, done, start)
        return hashes, tokens
