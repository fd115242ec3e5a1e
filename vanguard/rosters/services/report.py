"""What an import found: counts, per-field changes, problems and warnings by row and column.

A report travels as JSON in the job's result (to_json, from_json), and
the marked-up workbook of a dry run is written from it.  A problem keeps
its message both worded (for the workbook and the command line, in the
language of the check) and, where the import words it itself, as a
message id and its values (`code`, `params`), so that a page words it in
its reader's language (`Problem.worded`, the `problem_message` filter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext

KEEP_PROBLEMS = 2000  # listed in full; beyond this only counted, so 100,000 bad rows stay in bounded memory
KEEP_CHANGES = 500  # changes listed for the dry run's reader; the rest only counted


class Say(NamedTuple):
    """A message to store for later: its untranslated id (marked with gettext_noop) and the values it quotes.

    A value may be a Say itself ("another organisation"), worded in the same language.
    """

    code: str
    params: dict[str, Any] = {}

    def __str__(self) -> str:
        return word(self.code, self.stored_params())

    def stored_params(self) -> dict[str, Any]:
        return {
            k: {"code": v.code, "params": v.stored_params()} if isinstance(v, Say) else v
            for k, v in self.params.items()
        }


def word(code: str, params: dict[str, Any] | None = None) -> str:
    """A stored message in the active language."""
    text = gettext(code)
    if not params:
        return text
    return text % {k: word(v["code"], v.get("params")) if isinstance(v, dict) else v for k, v in params.items()}


@dataclass
class Problem:
    row: int
    column: str  # letter, "" when the problem is the whole row or file
    header: str
    message: str  # worded when the check ran
    value: str = ""
    code: str = ""  # the message id, when the import worded the message itself
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def said(cls, row: int, column: str, header: str, message: Say | str, value: str = "") -> Problem:
        if isinstance(message, Say):
            return cls(row, column, header, str(message), value, message.code, message.stored_params())
        return cls(row, column, header, str(message), value)

    def worded(self) -> str:
        """The message in the active language if it was stored as a code, else as it was worded."""
        return word(self.code, self.params) if self.code else self.message


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


def iter_problem_rows(report: ImportReport) -> Iterator[tuple[int, list[Problem]]]:
    """Problems grouped by row, in row order (for the marked-up workbook)."""
    by_row: dict[int, list[Problem]] = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem)
    yield from sorted(by_row.items())
