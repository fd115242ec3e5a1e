"""The organisation import: a list of organisations (name, kind, code, parent code) read into a subtree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from vanguard.core import tree
from vanguard.core.spreadsheets import DEFAULT_LIMITS, CellError, Limits, SheetRow, column_letter, text
from vanguard.orgs.models import Organisation
from vanguard.rosters.columns import ORGANISATION_COLUMN_SPECS, organisation_columns
from vanguard.rosters.services.reading import RosterImport, run_import
from vanguard.rosters.services.report import KEEP_CHANGES, Change, ImportReport, Say


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
    importer = OrganisationImport(organisation, user, timezone.localdate(), file_name or Path(path).name)
    return run_import(importer, path, commit=commit, limits=limits, progress=progress)


@dataclass
class _OrgRow:
    row: int
    values: dict[str, str]
    parent_code: str


class OrganisationImport(RosterImport):
    """Organisations held in memory (lists are small) and settled in `finish`, parents before children."""

    specs = ORGANISATION_COLUMN_SPECS
    example_headers = gettext_lazy("Name, Kind, Official code, Parent code")
    column_definitions = staticmethod(organisation_columns)

    def __init__(self, *args):
        super().__init__(*args)
        self.rows: dict[str, _OrgRow] = {}  # code → row; organisation lists are small enough to hold
        self.updates: list[str] = []

    def parse(self, row: SheetRow) -> _OrgRow | None:
        before = self.report.problem_count
        values = {"name": text(self.cell(row, "name")), "code": text(self.cell(row, "code"))}
        for key in ("kind", "sector"):
            try:
                values[key] = self.choice_value(key, self.cell(row, key))
            except CellError as exc:
                self.report_problem(row.number, key, self.reason(exc), self.cell(row, key))
        parent_code = text(self.cell(row, "parent_code"))
        for key, value in (("name", values["name"]), ("code", values["code"]), ("kind", values.get("kind")),
                           ("parent_code", parent_code)):  # fmt: skip
            if not value and key not in self._reported(row.number):
                self.report_problem(row.number, key, Say(gettext_noop("This required field is empty.")))
        limit = Organisation._meta.get_field("name").max_length
        if len(values["name"]) > limit:
            message = Say(gettext_noop("Longer than %(limit)d characters."), {"limit": limit})
            self.report_problem(row.number, "name", message)
        if values["code"] in self.rows:
            first = self.rows[values["code"]].row
            message = Say(gettext_noop("The same code is already on row %(row)d."), {"row": first})
            self.report_problem(row.number, "code", message)
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
                self.report_problem(
                    row.row, "parent_code",
                    Say(gettext_noop("No organisation with the code %(code)s under %(root)s."),
                        {"code": parent, "root": str(self.root)}),
                    parent,
                )  # fmt: skip
            if code in outside and code not in existing:
                message = Say(gettext_noop("This code belongs to an organisation outside %(root)s."),
                              {"root": str(self.root)})  # fmt: skip
                self.report_problem(row.row, "code", message, code)
        self._check_cycles()
        plan = self._plan(existing)
        if write and self.report.ok:
            self._write(plan, existing)

    def _check_cycles(self) -> None:
        for code, row in self.rows.items():
            seen, current = {code}, row.parent_code
            while current in self.rows:
                if current in seen:
                    message = Say(gettext_noop("The parent codes form a loop."))
                    self.report_problem(row.row, "parent_code", message, row.parent_code)
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
                self.report_problem(
                    row.row,
                    "parent_code",
                    Say(
                        gettext_noop(
                            "This organisation is under another parent now; use Move (reorganise) to change its parent."
                        )
                    ),
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
