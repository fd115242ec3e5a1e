"""The member import: a roster (花名册) of members read into an organisation's subtree.

Rows stream from the file, each is parsed and checked with the members
app's own rules (`check_member_values`), then in batches against the
database (ID number already held elsewhere, in-file duplicates).  A dry run
writes nothing; a commit writes batch by batch inside one transaction and
rolls everything back if any problem appears.  Members are matched by ID
number, so importing the same file twice changes nothing the second time.

Two faster lanes drive the same `MemberImport` through its public methods:
`rosters.columnar` (a big .xlsx checked a column at a time) and
`rosters.parallel` (a forked reader checking the second half of a sheet).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, bulk, crypto, idnumber, tree
from vanguard.core.spreadsheets import DEFAULT_LIMITS, CellError, Limits, PartialDate, SheetRow, parse_date, text
from vanguard.members import events, tallies
from vanguard.members.models import Category, Member, Status
from vanguard.members.services import (
    check_member_values,
    elsewhere_allowance,
    protected_id_columns_many,
    record_elsewhere_refusals,
    throttled_message,
)
from vanguard.orgs.models import Organisation
from vanguard.rosters import columnar, member_keys, parallel
from vanguard.rosters.columns import MEMBER_COLUMN_SPECS, MEMBER_FIELDS, member_columns, normalise_name
from vanguard.rosters.services.reading import Abort, RosterImport, run_import
from vanguard.rosters.services.report import KEEP_CHANGES, Change, ImportReport, Problem, Say

# A load at least this big into a member table no bigger than the file rebuilds the indexes afterwards.
BULK_LOAD_MIN_ROWS = 100_000
DATE_FIELDS = {"birth_date", "joined_on", "mobile_since"}
# Worded as members.services.refuse_if_elsewhere words it.
ELSEWHERE = gettext_noop("This person is already a member of %(where)s; move them with a relation transfer.")


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
        value = normalise_name(value)  # '张  三' padded to line up two-character names; the export's own way
    if limit and len(value) > limit:
        raise CellError(Say(gettext_noop("Longer than %(limit)d characters."), {"limit": limit}))
    return value


@dataclass(slots=True)
class Candidate:
    """A row that passed its own checks, waiting to be settled against the file so far and the database."""

    row: int
    organisation: Organisation
    values: dict[str, Any]  # parsed member fields present in the file
    id_number: str
    id_hash: str = ""
    prepared: Any = None  # the row for RowStream.write_prepared, made by the forked reader
    # A row whose ID number the export masked: the member its member key names, and the masked number.
    # `settle` puts the member's own ID number in `id_number`, so from there on it is an ordinary row.
    member_pk: int | None = None
    masked: str = ""


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
    importer = MemberImport(organisation, user, today or timezone.localdate(), file_name or Path(path).name)
    if crypto.rekeying_pending(Member):  # matching by lookup hash would miss the members not re-keyed yet
        message = _("ID numbers are being re-keyed (rotate_field_key). Import the roster once that has finished.")
        importer.report.add_problem(Problem(0, "", "", message))
        return importer.report
    return run_import(importer, path, commit=commit, limits=limits, progress=progress)


class MemberImport(RosterImport):
    """Members read row by row; the column-wise lane and the forked reader use it through public methods.

    The column-wise lane (`columnar.RowWiseImport` names what it uses) parses
    with `parse`, settles with `settle`, asks `existing` and reads
    `orgs_by_pk`, `id_letter`, `tally_deltas` and `stream` once `prepare`
    has run.  The forked reader (`parallel.ForkedWork`) calls `rows_after`,
    `child_batches` and `child_report` in the child process.
    """

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
        # Masked ID numbers the user was told are members outside their scope (members.services.refuse_if_elsewhere).
        self.elsewhere: list[str] = []
        self.elsewhere_allowed: int | None = None

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
                self.load_organisations()  # now: a forked reader must not query the database
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
                    Candidate(row, self.orgs_by_pk[org_pk], values, id_number, id_hash, prepared, member_pk, masked)
                    for row, org_pk, values, id_number, id_hash, prepared, member_pk, masked in payload
                ]
                self.settle(batch, write)
                if progress and batch:
                    progress(batch[-1].row, total)

    def rows_after(self, last: int) -> Iterator[SheetRow] | None:
        """The sheet's rows after `last`, straight from the loaded sheet (None: skip the rows before instead)."""
        return self.sheet.rows_from(last + 1) if self.sheet.rows_from else None

    def child_batches(self, rows: Iterator[SheetRow], write: bool) -> Iterator[list[tuple]]:
        """In the forked reader: checked rows with their lookup hashes and, when writing, their stored rows."""
        parent = self.report
        self.report = ImportReport(parent.file_name, columns=parent.columns, column_letters=parent.column_letters)
        for batch in self.parsed_batches(rows):
            # Rows found by member key are matched by the parent, which may read the database.
            plain = [c for c in batch if c.member_pk is None]
            hashes = crypto.lookup_hash_many([c.id_number for c in plain])
            prepared = self._stored_rows(plain, hashes, copy=True) if write else [None] * len(plain)
            done = {c.row: (digest, item) for c, digest, item in zip(plain, hashes, prepared, strict=True)}
            yield [
                (c.row, c.organisation.pk, c.values, c.id_number, *done.get(c.row, ("", None)), c.member_pk, c.masked)
                for c in batch
            ]

    def child_report(self) -> ImportReport:
        """What the forked reader found besides its batches: problems, warnings, rows read and skipped."""
        return self.report

    def parse(self, row: SheetRow) -> Candidate | None:
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
                self.report_problem(row.number, key, self.reason(exc), raw)
                unreadable.add(key)
                continue
            if value is not None and value != "":
                values[key] = value
        id_number = idnumber.normalise(text(cells[self.id_position]) if self.id_position < width else "")
        masked = idnumber.is_masked(id_number)
        member_pk = self._member_pk(row, id_number) if masked else None
        self._fill_from_id(row, values, id_number)
        if not (id_number and "name" in values and "joined_on" in values):
            for key in ("name", "joined_on", "id_number"):
                if key in unreadable or key == "id_number" and id_number or key in values:
                    continue
                self.report_problem(row.number, key, Say(gettext_noop("This required field is empty.")))
        organisation = self.root if self.by_root else self._organisation(row)
        if self.report.problem_count > before or organisation is None:
            return None
        values.setdefault("category", Category.ORDINARY)
        # A masked number is checked against the member's own once `settle` has found them.
        check = check_member_values(values, None if masked else id_number, today=self.today)
        if values["category"] != Category.MOBILE:
            # The check constraint allows these only on mobile members; other rosters fill them in anyway.
            values.pop("mobile_since", None)
            values.pop("mobile_place", None)
        for key, messages in check.errors.items():
            for message in messages:
                self.report_problem(row.number, key, message, self.cell(row, key))
        if check.id_number is not None and not check.id_number.region_known:
            self.report.add_warning(lambda: self.region_warning(row.number, check.id_number))
        if check.errors:
            return None
        if masked:
            return Candidate(row.number, organisation, values, "", member_pk=member_pk, masked=id_number)
        return Candidate(row.number, organisation, values, check.id_number.value)

    def region_warning(self, row: int, number: idnumber.IDNumber) -> Problem:
        """The warning of a region code that never existed (the column-wise lane words it here too)."""
        message = Say(idnumber.REGION_WARNING, number.region_params)
        return Problem.said(row, self.id_letter, self.label("id_number"), message)

    def _member_pk(self, row: SheetRow, masked: str) -> int | None:
        """The member a masked row's member key names; None once the problem is reported (no key, a bad one)."""
        raw = text(self.cell(row, "member_key"))
        if not raw:
            self.report_problem(
                row.number,
                "id_number",
                Say(
                    gettext_noop(
                        "The ID number is masked (shown with *): write it in full, or keep the member key column "
                        "of the export, which identifies the member."
                    )
                ),
                masked,
            )
            return None
        pk = member_keys.read(raw)
        if pk is None:
            self.report_problem(
                row.number,
                "member_key",
                Say(gettext_noop("This member key is not one Vanguard gave out: copy it unchanged from the export.")),
                raw,
            )
        return pk

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
            value = self.choice_value(key, raw)
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
                self.report_problem(
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
        code = text(self.cell(row, "organisation_code"))
        name = text(self.cell(row, "organisation_name"))
        if not code and not name:
            return self.root
        if self.orgs_by_code is None:
            self.load_organisations()
        if code:
            found = self.orgs_by_code.get(code)
            if found is None:
                message = gettext_noop("No organisation with the code %(code)s under %(root)s.")
                self.report_problem(
                    row.number, "organisation_code", Say(message, {"code": code, "root": str(self.root)}), code
                )
            return found
        matches = self.orgs_by_name.get(name, [])
        if len(matches) == 1:
            return matches[0]
        message = (
            gettext_noop("No organisation named %(name)s under %(root)s.")
            if not matches
            else gettext_noop("Several organisations are named %(name)s; add the organisation code column.")
        )
        self.report_problem(row.number, "organisation_name", Say(message, {"name": name, "root": str(self.root)}), name)
        return None

    def load_organisations(self) -> None:
        """The subtree's organisations by code and by name, for rows that name their organisation."""
        self.orgs_by_code, self.orgs_by_name = {}, {}
        for org in Organisation.objects.filter(tree.subtree_q("path", self.root.path)).only(
            "pk", "name", "code", "path"
        ):
            if org.code:
                self.orgs_by_code.setdefault(org.code, org)
            self.orgs_by_name.setdefault(org.name, []).append(org)

    # -- against the database -------------------------------------------------

    def settle(self, batch: list[Candidate], write: bool) -> None:
        """Check a batch against the file so far and the database; write it when committing and all is well."""
        if not batch:
            return
        if any(c.member_pk is not None and not c.id_number for c in batch):
            batch = self._by_member_key(batch)
        fresh = [c for c in batch if not c.id_hash]  # the forked reader's come hashed already
        for candidate, digest in zip(fresh, crypto.lookup_hash_many([c.id_number for c in fresh]), strict=True):
            candidate.id_hash = digest
        existing = self.existing([c.id_hash for c in batch])
        new: list[Candidate] = []
        updates: list[tuple[Member, dict[str, Any], dict[str, list[str]]]] = []
        for candidate in batch:
            first = self.seen_hashes.setdefault(candidate.id_hash, candidate.row)
            if first != candidate.row:
                message = Say(gettext_noop("The same ID number is already on row %(row)d."), {"row": first})
                self.report_problem(candidate.row, "id_number", message)
                continue
            member = existing.get(candidate.id_hash)
            if member is None:
                new.append(candidate)
                continue
            if member.organisation_id != candidate.organisation.pk:
                visible = can_at_path(self.user, Action.VIEW, member.org_path)
                if not visible:
                    self._note_elsewhere(candidate)
                where = member.organisation.name if visible else Say(gettext_noop("another organisation"))
                self.report_problem(candidate.row, "id_number", Say(ELSEWHERE, {"where": where}))
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

    def _by_member_key(self, batch: list[Candidate]) -> list[Candidate]:
        """Rows with a masked ID number and a member key: given the member's own number, or reported.

        The key may name only a member the user may change within this
        import's organisation: one outside the user's scope is refused in
        the words of an ID number held elsewhere, without saying where.  The
        masked number must still be that member's, and the row's birth date
        and gender agree with their full number as for any other row.
        """
        keyed = [c for c in batch if c.member_pk is not None and not c.id_number]
        members = Member.objects.only("pk", "org_path", "id_number_encrypted", "id_number_masked")
        found = members.in_bulk([c.member_pk for c in keyed])
        if self.stream is not None:
            self.stream.pause()
        dropped: set[int] = set()
        for candidate in keyed:
            member = found.get(candidate.member_pk)
            problem = self._member_key_problem(candidate, member)
            if problem is not None:
                key, message = problem
                value = candidate.masked if key == "id_number" else member_keys.member_key(candidate.member_pk)
                self.report_problem(candidate.row, key, message, value)
                dropped.add(candidate.row)
                continue
            number = crypto.decrypt(member.id_number_encrypted)
            values = candidate.values
            try:
                idnumber.parse(number, birth_date=values.get("birth_date"), sex=values.get("gender"), today=self.today)
            except idnumber.IDNumberError as exc:
                self.report_problem(candidate.row, "id_number", str(exc), candidate.masked)
                dropped.add(candidate.row)
                continue
            candidate.id_number, candidate.id_hash, candidate.prepared = number, "", None
        return [c for c in batch if c.row not in dropped]

    def _member_key_problem(self, candidate: Candidate, member: Member | None) -> tuple[str, Say] | None:
        if member is None:
            return "member_key", Say(gettext_noop("No member has this key any more: write the full ID number."))
        if not (
            tree.is_within(member.org_path, self.root.path) or can_at_path(self.user, Action.VIEW, member.org_path)
        ):
            return "member_key", Say(ELSEWHERE, {"where": Say(gettext_noop("another organisation"))})
        if not member.id_number_encrypted or member.id_number_masked != candidate.masked:
            message = gettext_noop(
                "The masked ID number is not that of the member the member key names: leave both as exported, "
                "or write the full ID number."
            )
            return "id_number", Say(message)
        return None

    def existing(self, hashes: list[str]) -> dict[str, Member]:
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
                raise Abort  # before rebuilding any index for a transaction that is rolled back anyway

    def _note_elsewhere(self, candidate: Candidate) -> None:
        """One more person on record outside the user's scope; past the user's allowance the import stops."""
        if self.elsewhere_allowed is None:
            self.elsewhere_allowed = elsewhere_allowance(self.user) if not self.user.is_superuser else 10**9
        if len(self.elsewhere) >= self.elsewhere_allowed:
            self.report.add_problem(Problem(0, "", "", throttled_message()))
            raise Abort
        self.elsewhere.append(idnumber.mask(candidate.id_number))

    def close_out(self) -> None:
        record_elsewhere_refusals(actor=self.user, masked_numbers=self.elsewhere, organisation=self.root)

    def finish(self, write: bool) -> None:
        if self.stream is not None:
            self.stream.pause()
        if write and self.report.ok:
            tallies.adjust(self.tally_deltas)

    def _stored_rows(self, candidates: list[Candidate], hashes: list[str], *, copy: bool = False) -> list[Any]:
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
        # A blank cell never erases what is stored: a roster without phones must not wipe them.  A name
        # differing only in spacing is the same name (the form may have stored '张 三'; the file says 张三).
        return {
            key: [str(getattr(member, key) or ""), str(value)]
            for key, value in values.items()
            if getattr(member, key) != value and not (key == "name" and normalise_name(member.name) == value)
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
        who = acting_as(self.user, self.root.path)
        audit.record_many(
            audit.Draft(
                events.MEMBER_IMPORTED,
                **who,
                target=member,
                organisation=member.organisation_id,
                changes=changed,
                data={"file": self.report.file_name},
            )
            for member, _values, changed in updates
        )
