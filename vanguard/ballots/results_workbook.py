"""A ballot's results as an .xlsx workbook: a sheet per family of question, the turnout, the free-text answers.

Every figure comes from `results.compute()`, so the workbook and the results
page can never disagree.  Each question is a block of rows: all ballots, then
each constituency, then each of its strata, with the valid ballots, the count
and share of every option with its 95% Wilson interval, and the response rate
of the group.  Shares are written as numbers (0–1) formatted as percentages,
so a reader can compute with them.  Free-text answers get their own sheet,
in the casts' random order, only once results are visible.
"""

from __future__ import annotations

from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _

from vanguard.ballots import services
from vanguard.ballots.models import Constituency, QuestionKind
from vanguard.ballots.results import ALL, QuestionResult, Results
from vanguard.ballots.stats import Proportion

# A sheet per family; several kinds of question share the layout of their family.
FAMILIES = [
    ("satisfaction", (QuestionKind.SATISFACTION,)),
    ("grade", (QuestionKind.GRADE,)),
    ("choice", (QuestionKind.SINGLE, QuestionKind.MULTIPLE)),
    ("rating", (QuestionKind.RATING,)),
]


def family_names() -> dict[str, str]:
    return {
        "turnout": _("Turnout"),
        "satisfaction": _("Satisfaction"),
        "grade": _("Grades"),
        "choice": _("Choices"),
        "rating": _("Ratings"),
        "text": _("Free text"),
    }


def groups(results: Results) -> list[tuple[str, str]]:
    """(constituency, stratum) of every row, in the order shown: all ballots, then each constituency and its strata."""
    order = list(results.ballot.constituencies)
    order += sorted({c for c, _s in results.turnout if c and c not in order})
    rows = [(ALL, ALL)]
    for constituency in order:
        rows.append((constituency, ALL))
        rows += [(constituency, stratum) for stratum in results.strata.get(constituency, [])]
    return rows


def constituency_label(value: str) -> str:
    if value == ALL:
        return _("All")
    try:
        return str(Constituency(value).label)
    except ValueError:
        return value


def option_keys(question: dict) -> list[str]:
    if question.get("kind") == QuestionKind.RATING:
        return [str(n) for n in range(1, int(question.get("scale", 5)) + 1)]
    return services.options_of(question)


def option_text(question: dict, option: str) -> str:
    if question.get("kind") == QuestionKind.RATING:
        return option
    return services.option_label(question, option)


class _Writer:
    def __init__(self, book: xlsxwriter.Workbook, results: Results):
        self.book = book
        self.results = results
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.block = book.add_format({"bold": True, "font_size": 12})
        self.head = book.add_format(
            {"bold": True, "border": 1, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "vcenter"}
        )
        self.cell = book.add_format({"border": 1})
        self.share = book.add_format({"border": 1, "num_format": "0.0%"})
        self.number = book.add_format({"border": 1, "num_format": "0.00"})
        self.threshold = float(results.ballot.threshold)

    def sheet(self, name: str):
        sheet = self.book.add_worksheet(name[:31])
        sheet.write(0, 0, self.results.ballot.title, self.title)
        sheet.set_column(0, 1, 18)
        sheet.set_column(2, 60, 11)
        return sheet

    def value(self, sheet, row: int, col: int, value: Any, fmt=None) -> None:
        if value is None:
            sheet.write_string(row, col, "—", self.cell)
        else:
            sheet.write(row, col, value, fmt or self.cell)

    def proportion(self, sheet, row: int, col: int, proportion: Proportion) -> int:
        """Share, low and high of the interval in three cells from `col`; returns the next column."""
        interval = proportion.interval
        self.value(sheet, row, col, proportion.share, self.share)
        self.value(sheet, row, col + 1, interval[0] if interval else None, self.share)
        self.value(sheet, row, col + 2, interval[1] if interval else None, self.share)
        return col + 3

    def proportion_headers(self, name: str, first: str | None = None) -> list[str]:
        """The three headers of a share: `first` (the name by default), then the interval's two ends."""
        return [first or name, _("%(name)s: 95%% low") % {"name": name}, _("%(name)s: 95%% high") % {"name": name}]

    def group_cells(self, sheet, row: int, group: tuple[str, str]) -> int:
        """Constituency, stratum, issued, cast and response rate with its interval; returns the next column."""
        constituency, stratum = group
        sheet.write(row, 0, constituency_label(constituency), self.cell)
        sheet.write(row, 1, stratum if stratum != ALL else _("All"), self.cell)
        turnout = self.results.turnout.get(group)
        issued, cast = (turnout.issued, turnout.cast) if turnout else (0, 0)
        sheet.write(row, 2, issued, self.cell)
        sheet.write(row, 3, cast, self.cell)
        return self.proportion(sheet, row, 4, Proportion(min(cast, issued), issued))

    def group_headers(self) -> list[str]:
        return [_("Constituency"), _("Stratum"), _("Issued"), _("Cast"), *self.proportion_headers(_("Response rate"))]

    def headers(self, sheet, row: int, names: list[str]) -> None:
        for col, name in enumerate(names):
            sheet.write(row, col, name, self.head)

    def turnout(self) -> None:
        sheet = self.sheet(family_names()["turnout"])
        row = 2
        if not self.results.visible:
            sheet.write(row, 0, _("Results are shown once the ballot closes or reaches its minimum count."))
            row += 2
        self.headers(sheet, row, self.group_headers())
        for group in groups(self.results):
            row += 1
            self.group_cells(sheet, row, group)

    def question_block(self, sheet, row: int, number: int, result: QuestionResult) -> int:
        question = result.question
        sheet.write(row, 0, f"{number}. {question.get('label', '')}", self.block)
        row += 1
        options = option_keys(question)
        names = [*self.group_headers(), _("Valid")]
        satisfaction = question["kind"] == QuestionKind.SATISFACTION
        if satisfaction:
            names += [
                *self.proportion_headers(_("Satisfaction rate")),
                _("Interval contains the threshold (%(threshold)s%%)") % {"threshold": f"{self.threshold:g}"},
            ]
        if question["kind"] == QuestionKind.RATING:
            names.append(_("Mean"))
        for option in options:
            label = option_text(question, option)
            names += [label, *self.proportion_headers(label, _("%(option)s: share") % {"option": label})]
        self.headers(sheet, row, names)
        for group in groups(self.results):
            row += 1
            col = self.group_cells(sheet, row, group)
            tally = result.tally(*group)
            sheet.write(row, col, tally.valid, self.cell)
            col += 1
            if satisfaction:
                rate = result.satisfaction(*group)
                col = self.proportion(sheet, row, col, rate)
                self.value(
                    sheet, row, col, (_("Yes") if rate.straddles(self.threshold) else _("No")) if tally.valid else None
                )
                col += 1
            if question["kind"] == QuestionKind.RATING:
                self.value(sheet, row, col, tally.mean, self.number)
                col += 1
            for option in options:
                sheet.write(row, col, tally.counts.get(option, 0), self.cell)
                col = self.proportion(sheet, row, col + 1, tally.share(option))
        return row + 2

    def families(self) -> None:
        names = family_names()
        numbers = {result.key: n for n, result in enumerate(self.results.questions, start=1)}
        for family, kinds in FAMILIES:
            chosen = [r for r in self.results.questions if r.question.get("kind") in kinds]
            if not chosen:
                continue
            sheet = self.sheet(names[family])
            row = 2
            for result in chosen:
                row = self.question_block(sheet, row, numbers[result.key], result)

    def texts(self) -> None:
        chosen = [
            (n, r) for n, r in enumerate(self.results.questions, start=1) if r.question.get("kind") == QuestionKind.TEXT
        ]
        if not chosen or not self.results.visible:
            return
        sheet = self.sheet(family_names()["text"])
        sheet.set_column(1, 1, 80)
        row = 2
        self.headers(sheet, row, [_("Question"), _("Answer")])
        for number, result in chosen:
            for text in self.results.texts(result.key):
                row += 1
                sheet.write(row, 0, f"{number}. {result.question.get('label', '')}", self.cell)
                sheet.write_string(row, 1, text, self.cell)


def write(results: Results, path_or_buffer: str | IO[bytes]) -> None:
    """Write the workbook of `results` (from results.compute) to a path or a binary buffer.

    Hidden results (before close and before the minimum count) give the turnout sheet alone.
    """
    book = xlsxwriter.Workbook(path_or_buffer, {"in_memory": True, "strings_to_formulas": False})
    writer = _Writer(book, results)
    writer.turnout()
    if results.visible:
        writer.families()
        writer.texts()
    book.close()
