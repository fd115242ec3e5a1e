"""Importing rosters (花名册): a dry run that names every problem, and an all-or-nothing commit.

The same pass serves both: rows stream from the file, each is parsed and
checked with the members app's own rules (`check_member`), then in batches
against the database (ID number already held elsewhere, in-file duplicates).
A dry run writes nothing; a commit writes batch by batch inside one
transaction and rolls everything back if any problem appears, so either every
row is in or nothing changed.  Members are matched by ID number, so importing
the same file twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import itertools
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core import bulk, crypto, idnumber, tree
from vanguard.core.spreadsheets import (
    DEFAULT_LIMITS,
    CellError,
    Limits,
    PartialDate,
    SheetRow,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    normalise_header,
    open_sheets,
    parse_date,
    text,
)
from vanguard.members import tallies
from vanguard.members.models import Category, Member, MemberEvent, Status
from vanguard.members.services import check_member_values, protected_id_columns_many
from vanguard.orgs.models import Organisation
from vanguard.rosters import columnar, parallel
from vanguard.rosters.columns import (
    MEMBER_COLUMN_SPECS,
    MEMBER_FIELDS,
    ORGANISATION_COLUMN_SPECS,
    TOTAL_ROW_WORDS,
    choice_lookup,
    header_label,
    member_columns,
    organisation_columns,
)

BATCH_SIZE = 2000
KEEP_PROBLEMS = 2000  # listed in full; beyond this only counted, so 100,000 bad rows stay in bounded memory
KEEP_CHANGES = 500
# A load at least this big into a member table no bigger than the file rebuilds the indexes afterwards.
BULK_LOAD_MIN_ROWS = 100_000
DATE_FIELDS = {"birth_date", "joined_on", "mobile_since"}


def _read_date(raw: object) -> datetime.date | PartialDate | None:
    kind = type(raw)
    if kind is datetime.date:  # a date cell, the usual case: nothing to parse
        return raw
    if kind is datetime.datetime:
        return raw.date()
    return parse_date(raw)


def _read_text(raw: object, *, limit: int | None, squash: bool) -> str:
    if type(raw) is str and (raw.isascii() or unicodedata.is_normalized("NFKC", raw)):
        value = raw.strip()  # what text() returns for these, without normalising again
    else:
        value = text(raw)
    if squash and not value.isalnum():
        value = "".join(value.split())  # '张  三' padded to line up two-character names
    if limit and len(value) > limit:
        raise CellError(_("Longer than %(limit)d characters.") % {"limit": limit})
    return value


@dataclass
class Problem:
    row: int
    column: str  # letter, "" when the problem is the whole row or file
    header: str
    message: str
    value: str = ""


@dataclass
class Change:
    row: int
    name: str
    fields: dict[str, list[str]]  # field → [before, after]


@dataclass
class ImportReport:
    file_name: str
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # key → header as written
    column_letters: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    changes: list[Change] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(problem)

    def add_warning(self, problem: Problem | Callable[[], Problem]) -> None:
        """Count a warning; keep the first few. Pass a function to word it only when it is kept."""
        self.warning_count += 1
        if len(self.warnings) < KEEP_PROBLEMS:
            self.warnings.append(problem() if callable(problem) else problem)

    def merge(self, other: ImportReport) -> None:
        """Add what another pass over later rows of the same file found (a forked reader's)."""
        for problem in other.problems:
            self.add_problem(problem)
        self.problem_count += other.problem_count - len(other.problems)
        for warning in other.warnings:
            self.add_warning(warning)
        self.warning_count += other.warning_count - len(other.warnings)
        self.rows_read += other.rows_read
        self.skipped += other.skipped

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["problems"] = [Problem(**p) for p in data.get("problems", [])]
        data["warnings"] = [Problem(**p) for p in data.get("warnings", [])]
        data["changes"] = [Change(**c) for c in data.get("changes", [])]
        return cls(**data)


class _Abort(Exception):
    """Raised inside the commit transaction to roll it back."""


@dataclass(slots=True)
class _Candidate:
    row: int
    organisation: Organisation
    values: dict[str, Any]  # parsed member fields present in the file
    id_number: str
    id_hash: str = ""
    prepared: Any = None  # the row for RowStream.write_prepared, made by the forked reader


def import_members(
    *,
    path: Path,
    organisation: Organisation,
    user,
    commit: bool,
    file_name: str = "",
    progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    today: datetime.date | None = None,
) -> ImportReport:
    """Read a member roster into `organisation`'s subtree: a dry run (commit=False) or the real thing.

    Raises nothing for bad content: every problem goes into the report (row,
    column, reason); an unreadable file is one problem on row 0.
    """
    importer = _MemberImport(organisation, user, today or timezone.localdate(), file_name or Path(path).name)
    return _execute(importer, path, commit=commit, limits=limits, progress=progress)


def _execute(importer: _RosterImport, path: Path, *, commit: bool, limits: Limits, progress) -> ImportReport:
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
                raise _Abort
            report.committed = True
    except _Abort:
        report.created = report.updated = 0
        report.committed = False
    except SpreadsheetError as exc:
        report.add_problem(Problem(0, "", "", str(exc)))
    return report


class _RosterImport:
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

    def run(self, path: Path, limits: Limits, progress, write: bool) -> None:
        sheet, header, rows = self._locate(path, limits)
        report = self.report
        self.take_header(sheet.name, header)
        missing = [k for k, c in self.columns.items() if c.required and k not in header.positions]
        for key in missing:
            message = _("The column “%(column)s” is missing.") % {"column": self._label(key)}
            report.add_problem(Problem(header.row_number, "", "", message))
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
            if self._skip(row):
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
        raise NotImplementedError

    def settle(self, batch: list, write: bool) -> None:
        raise NotImplementedError

    def finish(self, write: bool) -> None:
        """Work that needs every row first (organisations whose parents come later)."""

    def _locate(self, path: Path, limits: Limits):
        """The first sheet with a recognisable header, and its rows after the header."""
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
    def _skip(row: SheetRow) -> bool:
        """Blank rows, and the 合计 (total) row offices add at the end."""
        for cell in row.cells:
            if cell is None or cell == "":
                continue
            if type(cell) is not str:
                return False  # a number or date first (序号 1, 2, 3…): a member's row
            first = text(cell)
            if first:
                return normalise_header(first) in TOTAL_ROW_WORDS
        return True

    def _label(self, key: str) -> str:
        return self.report.columns.get(key) or header_label(self.specs, key)

    def _problem(self, row: int, key: str, message: str, value: object = "") -> None:
        position = self.positions.get(key)
        letter = column_letter(position) if position is not None else ""
        shown = text(value)[:100]
        if key == "id_number" and shown:
            # Reports are shown to everyone who sees the job; the marked-up workbook keeps the full value.
            shown = idnumber.mask(idnumber.normalise(shown))
        self.report.add_problem(Problem(row, letter, self._label(key) if key else "", message, shown))

    def _cell(self, row: SheetRow, key: str) -> object:
        position = self.positions.get(key)
        if position is None or position >= len(row.cells):
            return ""
        return row.cells[position]

    def _choice(self, key: str, raw: object) -> str:
        cell = normalise_header(raw)
        if not cell:
            return ""
        value = choice_lookup(key).get(cell)
        if value is None:
            raise CellError(_("“%(value)s” is not one of the accepted values.") % {"value": text(raw)})
        return value


class _MemberImport(_RosterImport):
    specs = MEMBER_COLUMN_SPECS
    example_headers = gettext_lazy("Full name, ID number, Date joined")
    column_definitions = staticmethod(member_columns)

    def __init__(self, *args):
        super().__init__(*args)
        self.cleanup = contextlib.ExitStack()
        self.stream: bulk.RowStream | None = None
        self.known: dict[str, int] | None = None  # lookup hash → pk of every member, during a bulk load
        self.seen_hashes: dict[str, int] = {}  # lookup hash → first row, for in-file duplicates
        self.orgs_by_code: dict[str, Organisation] | None = None
        self.orgs_by_name: dict[str, list[Organisation]] | None = None
        # Applied once at the end: a million-row import touches each tally row once, not per batch.
        self.tally_deltas: Counter[tuple[str, str, str]] = Counter()

    def prepare(self, total_rows: int, write: bool) -> None:
        """Readers for the columns present; on a big first load into PostgreSQL, indexes rebuilt at the end."""
        if write:
            self.stream = self.cleanup.enter_context(bulk.RowStream(Member))
            if connection.vendor == "postgresql" and total_rows >= BULK_LOAD_MIN_ROWS:
                if bulk.estimated_rows(Member) <= total_rows:
                    # Held in memory (at most as many as the file's rows), since the hash index is about to go.
                    self.known = dict(
                        Member.objects.filter(id_number_hash__isnull=False).values_list("id_number_hash", "pk")
                    )
                    self.cleanup.enter_context(bulk.indexes_rebuilt_after(Member))
        # One reader per column present, so each row costs a few dictionary lookups per cell.
        self.readers = [(key, self.positions[key], self._reader(key)) for key in MEMBER_FIELDS if key in self.positions]
        self.id_position = self.positions["id_number"]
        self.by_root = "organisation_code" not in self.positions and "organisation_name" not in self.positions
        self.id_letter = self.report.column_letters.get("id_number", "")
        self.orgs_by_pk = {self.root.pk: self.root}
        if not self.by_root:
            if self.orgs_by_code is None:  # the column-wise lane may have loaded them
                self._load_organisations()  # now: a forked reader must not query the database
            self.orgs_by_pk.update((org.pk, org) for org in self.orgs_by_code.values())
            self.orgs_by_pk.update((org.pk, org) for orgs in self.orgs_by_name.values() for org in orgs)

    # -- on two cores ---------------------------------------------------------

    def consume(self, rows: Iterator[SheetRow], total: int, progress, write: bool) -> None:
        """A big sheet is checked by two processes (see parallel.py); the database sees rows in order."""
        if not (self.sheet.in_memory and parallel.worthwhile(total)):
            super().consume(rows, total, progress, write)
            return
        last = parallel.split_row(self.report.header_row, total)
        with parallel.ForkedReader(self, rows, last, write) as reader:
            super().consume(parallel.until(rows, last), total, progress, write)
            for kind, payload in reader.results():
                if kind == "report":
                    self.report.merge(payload)
                    continue
                batch = [
                    _Candidate(row, self.orgs_by_pk[org_pk], values, id_number, id_hash, prepared)
                    for row, org_pk, values, id_number, id_hash, prepared in payload
                ]
                self.settle(batch, write)
                if progress and batch:
                    progress(batch[-1].row, total)

    def rows_after(self, last: int) -> Iterator[SheetRow] | None:
        return self.sheet.rows_from(last + 1) if self.sheet.rows_from else None

    def child_batches(self, rows: Iterator[SheetRow], write: bool) -> Iterator[list[tuple]]:
        """In the forked reader: checked rows with their lookup hashes and, when writing, their stored rows."""
        parent = self.report
        self.report = ImportReport(parent.file_name, columns=parent.columns, column_letters=parent.column_letters)
        for batch in self.parsed_batches(rows):
            hashes = crypto.lookup_hash_many([c.id_number for c in batch])
            prepared = self._stored_rows(batch, hashes, copy=True) if write else [None] * len(batch)
            yield [
                (c.row, c.organisation.pk, c.values, c.id_number, digest, item)
                for c, digest, item in zip(batch, hashes, prepared, strict=True)
            ]

    def child_report(self) -> ImportReport:
        return self.report

    def parse(self, row: SheetRow) -> _Candidate | None:
        before = self.report.problem_count
        cells = row.cells
        width = len(cells)
        values: dict[str, Any] = {}
        unreadable: set[str] = set()  # reported once; not "empty" as well
        for key, position, read in self.readers:
            raw = cells[position] if position < width else ""
            if raw is None or raw == "":
                continue
            try:
                value = read(raw)
            except CellError as exc:
                self._problem(row.number, key, str(exc), raw)
                unreadable.add(key)
                continue
            if value is not None and value != "":
                values[key] = value
        id_number = idnumber.normalise(text(cells[self.id_position]) if self.id_position < width else "")
        self._fill_from_id(row, values, id_number)
        if not (id_number and "name" in values and "joined_on" in values):
            for key in ("name", "joined_on", "id_number"):
                if key in unreadable or key == "id_number" and id_number or key in values:
                    continue
                self._problem(row.number, key, _("This required field is empty."))
        organisation = self.root if self.by_root else self._organisation(row)
        if self.report.problem_count > before or organisation is None:
            return None
        values.setdefault("category", Category.ORDINARY)
        check = check_member_values(values, id_number, today=self.today)
        if values["category"] != Category.MOBILE:
            # The check constraint allows these only on mobile members; other rosters fill them in anyway.
            values.pop("mobile_since", None)
            values.pop("mobile_place", None)
        for key, messages in check.errors.items():
            for message in messages:
                self._problem(row.number, key, message, self._cell(row, key))
        if check.id_number is not None and not check.id_number.region_known:
            self.report.add_warning(
                lambda: Problem(row.number, self.id_letter, self._label("id_number"), check.warnings[0])
            )
        if check.errors:
            return None
        return _Candidate(row.number, organisation, values, check.id_number.value)

    def _reader(self, key: str) -> Callable[[object], Any]:
        if key in DATE_FIELDS:
            return _read_date
        if key in ("gender", "status", "category", "education"):
            return functools.partial(self._read_choice, key, {})
        limit = Member._meta.get_field(key).max_length
        return functools.partial(_read_text, limit=limit, squash=key == "name")

    def _read_choice(self, key: str, seen: dict[object, str], raw: object) -> str:
        # Choice cells repeat on every row (男, 正式党员): remember each spelling once read.
        value = seen.get(raw)
        if value is None:
            value = self._choice(key, raw)
            if len(seen) < 1000:
                seen[raw] = value
        return value

    def _fill_from_id(self, row: SheetRow, values: dict[str, Any], id_number: str) -> None:
        """Birth date and gender come from the ID number when blank, or when only year and month are given."""
        for key in ("joined_on", "mobile_since"):
            partial = values.get(key)
            if type(partial) is PartialDate:
                values[key] = datetime.date(partial.year, partial.month, 1)
        if type(values.get("birth_date")) is datetime.date and "gender" in values:
            return  # the usual row: nothing to take from the ID number
        well_formed = len(id_number) == 18 and id_number[:17].isdigit()
        born = idnumber.birth_date_of(id_number) if well_formed else None  # a bad one is reported by check_member
        birth = values.get("birth_date")
        if isinstance(birth, PartialDate):
            if born and (born.year, born.month) == (birth.year, birth.month):
                values["birth_date"] = born
            else:
                del values["birth_date"]
                self._problem(
                    row.number,
                    "birth_date",
                    _("Only the year and month are given and they do not match the ID number."),
                )
        elif birth is None and born:
            values["birth_date"] = born
        # Without a usable ID number there is no birth date to fall back on, but the ID problem is reported already.
        if not values.get("gender") and born and id_number[16].isdigit():
            values["gender"] = "M" if int(id_number[16]) % 2 else "F"

    def _organisation(self, row: SheetRow) -> Organisation | None:
        code = text(self._cell(row, "organisation_code"))
        name = text(self._cell(row, "organisation_name"))
        if not code and not name:
            return self.root
        if self.orgs_by_code is None:
            self._load_organisations()
        if code:
            found = self.orgs_by_code.get(code)
            if found is None:
                self._problem(
                    row.number,
                    "organisation_code",
                    _("No organisation with the code %(code)s under %(root)s.") % {"code": code, "root": self.root},
                    code,
                )
            return found
        matches = self.orgs_by_name.get(name, [])
        if len(matches) == 1:
            return matches[0]
        message = (
            _("No organisation named %(name)s under %(root)s.")
            if not matches
            else _("Several organisations are named %(name)s; add the organisation code column.")
        )
        self._problem(row.number, "organisation_name", message % {"name": name, "root": self.root}, name)
        return None

    def _load_organisations(self) -> None:
        self.orgs_by_code, self.orgs_by_name = {}, {}
        for org in Organisation.objects.filter(tree.subtree_q("path", self.root.path)).only(
            "pk", "name", "code", "path"
        ):
            if org.code:
                self.orgs_by_code.setdefault(org.code, org)
            self.orgs_by_name.setdefault(org.name, []).append(org)

    # -- against the database -------------------------------------------------

    def settle(self, batch: list[_Candidate], write: bool) -> None:
        """Check a batch against the file so far and the database; write it when committing and all is well."""
        if not batch:
            return
        fresh = [c for c in batch if not c.id_hash]  # the forked reader's come hashed already
        for candidate, digest in zip(fresh, crypto.lookup_hash_many([c.id_number for c in fresh]), strict=True):
            candidate.id_hash = digest
        existing = self._existing([c.id_hash for c in batch])
        new: list[_Candidate] = []
        updates: list[tuple[Member, dict[str, Any], dict[str, list[str]]]] = []
        for candidate in batch:
            first = self.seen_hashes.setdefault(candidate.id_hash, candidate.row)
            if first != candidate.row:
                self._problem(
                    candidate.row, "id_number", _("The same ID number is already on row %(row)d.") % {"row": first}
                )
                continue
            member = existing.get(candidate.id_hash)
            if member is None:
                new.append(candidate)
                continue
            if member.organisation_id != candidate.organisation.pk:
                where = (
                    member.organisation.name
                    if can_at_path(self.user, Action.VIEW, member.org_path)
                    else _("another organisation")
                )
                self._problem(
                    candidate.row,
                    "id_number",
                    _("This person is already a member of %(where)s; move them with a relation transfer.")
                    % {"where": where},
                )
                continue
            changed = self._diff(member, candidate.values)
            if changed:
                updates.append((member, candidate.values, changed))
                if len(self.report.changes) < KEEP_CHANGES:
                    self.report.changes.append(Change(candidate.row, member.name, changed))
            else:
                self.report.unchanged += 1
        self.report.created += len(new)
        self.report.updated += len(updates)
        if write and self.report.ok:
            unprepared = [c for c in new if c.prepared is None]
            stored = iter(self._stored_rows(unprepared, [c.id_hash for c in unprepared]))  # encrypted only now
            self.stream.write_prepared([c.prepared if c.prepared is not None else next(stored) for c in new])
            if updates:
                self.stream.pause()
                self._apply_updates(updates)
            deltas = self.tally_deltas
            for c in new:
                deltas[(c.organisation.path, c.values["category"], c.values.get("status", Status.FULL))] += 1

    def _existing(self, hashes: list[str]) -> dict[str, Member]:
        """The members already holding these ID numbers, by lookup hash."""
        members = Member.objects.select_related("organisation").order_by()
        if self.known is not None:
            pks = [self.known[h] for h in hashes if h in self.known]
            if not pks:
                return {}
            members = members.filter(pk__in=pks)
        else:
            members = members.filter(id_number_hash__in=hashes)
        if self.stream is not None:
            self.stream.pause()
        return {m.id_number_hash: m for m in members}

    def run(self, path: Path, limits: Limits, progress, write: bool) -> None:
        with self.cleanup:
            if not columnar.import_rows(self, path, limits, progress, write):
                super().run(path, limits, progress, write)
            if write and not self.report.ok:
                raise _Abort  # before rebuilding any index for a transaction that is rolled back anyway

    def finish(self, write: bool) -> None:
        if self.stream is not None:
            self.stream.pause()
        if write and self.report.ok:
            tallies.adjust(self.tally_deltas)

    def _stored_rows(self, candidates: list[_Candidate], hashes: list[str], *, copy: bool = False) -> list[Any]:
        """What RowStream writes for each new member; `copy` leaves the candidates' values untouched."""
        protected = protected_id_columns_many([c.id_number for c in candidates], hashes)
        rows = []
        for candidate, columns in zip(candidates, protected, strict=True):
            row = dict(candidate.values) if copy else candidate.values
            row["organisation_id"] = candidate.organisation.pk
            row["org_path"] = candidate.organisation.path
            row.update(columns)
            rows.append(self.stream.prepare(row))
        return rows

    def _diff(self, member: Member, values: dict[str, Any]) -> dict[str, list[str]]:
        # A blank cell never erases what is stored: a roster without phones must not wipe them.
        return {
            key: [str(getattr(member, key) or ""), str(value)]
            for key, value in values.items()
            if getattr(member, key) != value
        }

    def _apply_updates(self, updates: list[tuple[Member, dict[str, Any], dict[str, list[str]]]]) -> None:
        if not updates:
            return
        fields: set[str] = {"updated_at"}
        now = timezone.now()
        for member, values, changed in updates:
            self.tally_deltas[(member.org_path, member.category, member.status)] -= 1
            for key in changed:
                setattr(member, key, values[key])
            self.tally_deltas[(member.org_path, member.category, member.status)] += 1
            member.updated_at = now
            fields.update(changed)
        Member.objects.bulk_update([m for m, _v, _c in updates], sorted(fields), batch_size=500)
        MemberEvent.objects.bulk_create(
            [MemberEvent(member=m, kind="imported", summary=self.report.file_name, changes=c, actor=self.user)
             for m, _v, c in updates]
        )  # fmt: skip


def import_organisations(
    *,
    path: Path,
    organisation: Organisation,
    user,
    commit: bool,
    file_name: str = "",
    progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read a list of organisations into `organisation`'s subtree, matched by official code.

    Each row names its parent by code: the root, an organisation already
    below it, or another row of the file (in any order).  A known code
    updates name, kind and sector; a different parent is refused, since
    moving a subtree is a reorganisation with its own dated record.
    """
    importer = _OrganisationImport(organisation, user, timezone.localdate(), file_name or Path(path).name)
    return _execute(importer, path, commit=commit, limits=limits, progress=progress)


@dataclass
class _OrgRow:
    row: int
    values: dict[str, str]
    parent_code: str


class _OrganisationImport(_RosterImport):
    specs = ORGANISATION_COLUMN_SPECS
    example_headers = gettext_lazy("Name, Kind, Official code, Parent code")
    column_definitions = staticmethod(organisation_columns)

    def __init__(self, *args):
        super().__init__(*args)
        self.rows: dict[str, _OrgRow] = {}  # code → row; organisation lists are small enough to hold
        self.updates: list[str] = []

    def parse(self, row: SheetRow) -> _OrgRow | None:
        before = self.report.problem_count
        values = {"name": text(self._cell(row, "name")), "code": text(self._cell(row, "code"))}
        for key in ("kind", "sector"):
            try:
                values[key] = self._choice(key, self._cell(row, key))
            except CellError as exc:
                self._problem(row.number, key, str(exc), self._cell(row, key))
        parent_code = text(self._cell(row, "parent_code"))
        for key, value in (("name", values["name"]), ("code", values["code"]), ("kind", values.get("kind")),
                           ("parent_code", parent_code)):  # fmt: skip
            if not value and key not in self._reported(row.number):
                self._problem(row.number, key, _("This required field is empty."))
        limit = Organisation._meta.get_field("name").max_length
        if len(values["name"]) > limit:
            self._problem(row.number, "name", _("Longer than %(limit)d characters.") % {"limit": limit})
        if values["code"] in self.rows:
            first = self.rows[values["code"]].row
            self._problem(row.number, "code", _("The same code is already on row %(row)d.") % {"row": first})
        if self.report.problem_count > before:
            return None
        self.rows[values["code"]] = _OrgRow(row.number, values, parent_code)
        return None  # everything is settled in finish(), once parents can be looked up

    def _reported(self, row: int) -> set[str]:
        letters = {p.column for p in self.report.problems if p.row == row}
        return {key for key, position in self.positions.items() if column_letter(position) in letters}

    def settle(self, batch: list, write: bool) -> None:
        pass

    def finish(self, write: bool) -> None:
        codes = set(self.rows) | {r.parent_code for r in self.rows.values()}
        inside = tree.subtree_q("path", self.root.path)
        existing = {
            org.code: org for org in Organisation.objects.filter(inside, code__in=codes).select_related("parent")
        }
        outside = set(
            Organisation.objects.filter(code__in=list(self.rows)).exclude(inside).values_list("code", flat=True)
        )
        for code, row in self.rows.items():
            parent = row.parent_code
            if parent not in self.rows and parent not in existing:
                self._problem(
                    row.row, "parent_code",
                    _("No organisation with the code %(code)s under %(root)s.") % {"code": parent, "root": self.root},
                    parent,
                )  # fmt: skip
            if code in outside and code not in existing:
                self._problem(row.row, "code", _("This code belongs to an organisation outside %(root)s.")
                              % {"root": self.root}, code)  # fmt: skip
        self._check_cycles()
        plan = self._plan(existing)
        if write and self.report.ok:
            self._write(plan, existing)

    def _check_cycles(self) -> None:
        for code, row in self.rows.items():
            seen, current = {code}, row.parent_code
            while current in self.rows:
                if current in seen:
                    self._problem(row.row, "parent_code", _("The parent codes form a loop."), row.parent_code)
                    break
                seen.add(current)
                current = self.rows[current].parent_code

    def _plan(self, existing: dict[str, Organisation]) -> list[str]:
        """Codes to create, parents first; counts updates and unchanged rows on the way."""
        order: list[str] = []
        placed: set[str] = set()

        def place(code: str) -> None:
            chain: list[str] = []
            current = code
            while current in self.rows and current not in placed and current not in chain:
                chain.append(current)
                current = self.rows[current].parent_code
            for link in reversed(chain):  # a loop ends the walk; it is reported by _check_cycles
                placed.add(link)
                order.append(link)

        for code in self.rows:
            place(code)
        creates = []
        for code in order:
            row = self.rows[code]
            current = existing.get(code)
            if current is None:
                creates.append(code)
                continue
            if current.parent_id and (current.parent.code if current.parent else "") != row.parent_code:
                self._problem(
                    row.row,
                    "parent_code",
                    _("This organisation is under another parent now; use Move (reorganise) to change its parent."),
                    row.parent_code,
                )
                continue  # fmt: skip
            changed = {
                key: [getattr(current, key), value]
                for key, value in row.values.items()
                if getattr(current, key) != value
            }
            if changed:
                self.updates.append(code)
                if len(self.report.changes) < KEEP_CHANGES:
                    self.report.changes.append(Change(row.row, current.name, changed))
            else:
                self.report.unchanged += 1
        self.report.created = len(creates)
        self.report.updated = len(self.updates)
        return creates

    def _write(self, creates: list[str], existing: dict[str, Organisation]) -> None:
        from vanguard.orgs import services as org_services

        by_code = dict(existing)
        for code in creates:
            row = self.rows[code]
            by_code[code] = org_services.create_organisation(parent=by_code[row.parent_code], **row.values)
        for code in self.updates:
            org_services.update_organisation(organisation=existing[code], **self.rows[code].values)


def iter_problem_rows(report: ImportReport) -> Iterator[tuple[int, list[Problem]]]:
    """Problems grouped by row, in row order (for the marked-up workbook)."""
    by_row: dict[int, list[Problem]] = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem)
    yield from sorted(by_row.items())
