"""What an import found: counts, per-field changes, problems and warnings by row and column.

A report travels as JSON in the job's result (to_json, from_json), and
the marked-up workbook of a dry run is written from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

KEEP_PROBLEMS = 2000  # listed in full; beyond this only counted, so 100,000 bad rows stay in bounded memory
KEEP_CHANGES = 500  # changes listed for the dry run's reader; the rest only counted


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


def iter_problem_rows(report: ImportReport) -> Iterator[tuple[int, list[Problem]]]:
    """Problems grouped by row, in row order (for the marked-up workbook)."""
    by_row: dict[int, list[Problem]] = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem)
    yield from sorted(by_row.items())
