"""Printed ballots (PDF): one A4 sheet per code, and a compact list of codes for a kiosk.

A sheet carries the ballot's title, its instructions, every question with a
tick box per option (so a filled sheet can be keyed in by two clerks), the
code printed large and a QR code of the voting link.  It never carries a
name: a sheet is handed to whoever is in the room, and the stratum label
is printed only because results are counted per stratum.

The QR code is drawn as vector rectangles from segno's matrix, not as an
image, so it stays sharp at any printer's resolution and adds no image
library.  The font is embedded (subset) from settings.VANGUARD_PDF_FONT: the
PDF core fonts have no Chinese, and a PDF that leans on the reader's fonts
prints boxes on a machine without them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext as _
from fpdf import FPDF

from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Constituency, QuestionKind

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
# In the Noto CJK collection, font 2 is Simplified Chinese (0 JP, 1 KR, 3 TC, 4 HK).
DEFAULT_FONT_INDEX = 2
FONT = "vanguard-cjk"

# A4 portrait, in millimetres.  The QR code sits in the top right corner; tests read these to find it.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
MARGIN = 15.0
QR_SIZE = 38.0  # the whole symbol with its quiet zone
QR_X = PAGE_WIDTH - MARGIN - QR_SIZE
QR_Y = 12.0
QR_ERROR = "m"
HEADER_WIDTH = QR_X - MARGIN - 5  # the title and labels stay left of the QR code
BOX = 4.0  # a tick box's side
LINE = 6.5  # one line of options
KIOSK_COLUMNS = 4
KIOSK_ROW = 11.0


def font_path() -> Path:
    """The CJK font embedded in every ballot PDF; a missing file is a deployment error, said plainly."""
    path = Path(getattr(settings, "VANGUARD_PDF_FONT", "") or DEFAULT_FONT)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"VANGUARD_PDF_FONT: no font file at {path}. Install a CJK font (Debian: fonts-noto-cjk) "
            "or point VANGUARD_PDF_FONT at a .ttf/.otf/.ttc with Chinese glyphs."
        )
    return path


def font_index() -> int:
    return int(getattr(settings, "VANGUARD_PDF_FONT_INDEX", DEFAULT_FONT_INDEX))


def vote_link(base_url: str, ballot: Ballot, code: str) -> str:
    """The address on a sheet's QR code: the voting page with the code filled in."""
    return base_url.rstrip("/") + reverse("ballots_public:vote", args=[ballot.public_id, code])


def kiosk_link(base_url: str, ballot: Ballot) -> str:
    return base_url.rstrip("/") + reverse("ballots_public:kiosk", args=[ballot.public_id])


def _document() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    # Pages are broken by hand: a page break inside a sheet must repeat the code on the new page.
    pdf.set_auto_page_break(False)
    path = font_path()
    if path.suffix.lower() == ".ttc":
        pdf.add_font(FONT, fname=str(path), collection_font_number=font_index())
    else:
        pdf.add_font(FONT, fname=str(path))
    pdf.set_creator("Vanguard")
    # No creation date: the file should say nothing about when each batch of codes was made beyond the job row.
    pdf.set_creation_date(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    return pdf


def draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code of `data` as filled rectangles, one per run of dark modules in a row, quiet zone included."""
    matrix = segno.make(data, error=QR_ERROR).matrix
    border = 4
    modules = len(matrix) + 2 * border
    step = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            # A hair wider than the run, so no hairline gaps show between rows on screen renderers.
            pdf.rect(x + (border + start) * step, y + (border + row) * step, (column - start) * step, step + 0.01, "F")


def qr_modules(data: str) -> list[list[bool]]:
    """The module matrix draw_qr draws for `data`, without the quiet zone (for checking a rendering)."""
    return [[bool(v) for v in line] for line in segno.make(data, error=QR_ERROR).matrix]


def _group_label(constituency: str, stratum: str) -> str:
    label = str(Constituency(constituency).label) if constituency in Constituency.values else constituency
    if stratum:
        return _("%(constituency)s · %(stratum)s") % {"constituency": label, "stratum": stratum}
    return label


class _Sheet:
    """Draws one code's sheet, continuing on further pages when the questions do not fit one."""

    def __init__(self, pdf: FPDF, ballot: Ballot, group: str, code: str, link: str):
        self.pdf, self.ballot, self.group, self.code, self.link = pdf, ballot, group, code, link
        self.bottom = PAGE_HEIGHT - MARGIN - 10  # room for the footer line

    def draw(self) -> None:
        self._first_page()
        for number, question in enumerate(self.ballot.questions, start=1):
            self._question(number, question)
        self._closing()

    def _first_page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        draw_qr(pdf, self.link, x=QR_X, y=QR_Y, size=QR_SIZE)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, size=16)
        pdf.set_xy(QR_X - 6, QR_Y + QR_SIZE)
        pdf.cell(QR_SIZE + 12, 8, self.code, align="C")
        pdf.set_font(FONT, size=8)
        pdf.set_xy(QR_X - 6, QR_Y + QR_SIZE + 8)
        pdf.cell(QR_SIZE + 12, 4, _("Scan to vote on a phone"), align="C")

        pdf.set_xy(MARGIN, MARGIN)
        pdf.set_font(FONT, size=9)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(HEADER_WIDTH, 5, self.ballot.organisation.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, size=18)
        pdf.multi_cell(HEADER_WIDTH, 9, self.ballot.title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font(FONT, size=11)
        pdf.multi_cell(
            HEADER_WIDTH,
            6,
            _("Voting: %(group)s") % {"group": self.group},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(max(pdf.get_y(), QR_Y + QR_SIZE + 14))
        self._rule()
        pdf.set_font(FONT, size=10)
        text = self.ballot.instructions.strip()
        standard = _(
            "Tick (✓) the box of your answer; tick one box unless a question says otherwise. "
            "This ballot is secret: do not write your name on it. The code above votes once, "
            "on paper or by scanning the QR code."
        )
        pdf.multi_cell(0, 5.5, f"{text}\n{standard}" if text else standard)
        pdf.ln(2)
        self._rule()

    def _rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(160, 160, 160)
        pdf.line(MARGIN, pdf.get_y(), PAGE_WIDTH - MARGIN, pdf.get_y())
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(3)

    def _continue(self) -> None:
        """A further page of the same sheet: the code again, so the clerks never key a page under the wrong code."""
        pdf = self.pdf
        size = pdf.font_size_pt  # the question or option being drawn goes on in its own size
        pdf.add_page()
        pdf.set_font(FONT, size=9)
        pdf.set_xy(MARGIN, MARGIN)
        pdf.cell(
            0,
            5,
            _("%(title)s — continued — ballot code %(code)s") % {"title": self.ballot.title, "code": self.code},
        )
        pdf.ln(8)
        pdf.set_font(FONT, size=size)

    def _room(self, height: float) -> None:
        if self.pdf.get_y() + height > self.bottom:
            self._continue()

    def _question(self, number: int, question: dict) -> None:
        pdf = self.pdf
        kind = question.get("kind")
        label = f"{number}. {question.get('label', '')}"
        if kind == QuestionKind.MULTIPLE:
            label += " " + _("(tick all that apply)")
        pdf.set_font(FONT, size=11)
        lines = len(pdf.multi_cell(0, 6, label, dry_run=True, output="LINES"))
        self._room(lines * 6 + LINE + 2)
        pdf.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font(FONT, size=10.5)
        if kind == QuestionKind.TEXT:
            self._room(26)
            pdf.set_draw_color(120, 120, 120)
            pdf.rect(MARGIN + 4, pdf.get_y(), PAGE_WIDTH - 2 * MARGIN - 4, 22)
            pdf.set_draw_color(0, 0, 0)
            pdf.set_y(pdf.get_y() + 24)
        elif kind == QuestionKind.RATING:
            scale = int(question.get("scale", 5))
            self._options([str(value) for value in range(1, scale + 1)])
        else:
            self._options([services.option_label(question, option) for option in services.options_of(question)])
        pdf.ln(2.5)

    def _options(self, labels: Sequence[str]) -> None:
        """Tick boxes flowing left to right, wrapping to a new line (and page) when the next does not fit."""
        pdf = self.pdf
        left, right = MARGIN + 4, PAGE_WIDTH - MARGIN
        x, y = left, pdf.get_y()
        for label in labels:
            if BOX + 2 + pdf.get_string_width(label) > right - left:
                x, y = self._long_option(label, x, y)
                continue
            width = BOX + 2 + pdf.get_string_width(label) + 8
            if x > left and x + width > right:
                x, y = left, y + LINE
            if y + LINE > self.bottom:
                self._continue()
                x, y = left, pdf.get_y()
            pdf.rect(x, y + (LINE - BOX) / 2, BOX, BOX)
            pdf.set_xy(x + BOX + 2, y)
            pdf.cell(width - BOX - 10, LINE, label)
            x += width
        pdf.set_xy(MARGIN, y + (LINE if x > left else 0))

    def _long_option(self, label: str, x: float, y: float) -> tuple[float, float]:
        """An option wider than a line: on lines of its own, its box beside the first."""
        pdf = self.pdf
        left, right = MARGIN + 4, PAGE_WIDTH - MARGIN
        if x > left:
            y += LINE
        text_width = right - left - BOX - 2
        lines = len(pdf.multi_cell(text_width, LINE, label, dry_run=True, output="LINES"))
        if y + lines * LINE > self.bottom:
            self._continue()
            y = pdf.get_y()
        pdf.rect(left, y + (LINE - BOX) / 2, BOX, BOX)
        pdf.set_xy(left + BOX + 2, y)
        pdf.multi_cell(text_width, LINE, label)
        return left, y + lines * LINE

    def _closing(self) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, size=8)
        pdf.set_text_color(90, 90, 90)
        pdf.set_xy(MARGIN, PAGE_HEIGHT - MARGIN - 5)
        pdf.cell(0, 5, _("Thank you. Hand the sheet in folded, or vote online instead — not both."), align="C")
        pdf.set_text_color(0, 0, 0)


def write_sheets(
    *,
    ballot: Ballot,
    codes: Sequence[str],
    constituency: str,
    stratum: str,
    base_url: str,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """One sheet per code into `path`; returns the number of pages (more than codes only for long questionnaires)."""
    pdf = _document()
    pdf.set_title(ballot.title)
    group = _group_label(constituency, stratum)
    for done, code in enumerate(codes, start=1):
        _Sheet(pdf, ballot, group, code, vote_link(base_url, ballot, code)).draw()
        if progress and done % 50 == 0:
            progress(done, len(codes))
    pdf.output(str(path))
    return pdf.pages_count


def write_kiosk_list(
    *,
    ballot: Ballot,
    codes: Sequence[str],
    constituency: str,
    stratum: str,
    base_url: str,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """The codes as a grid to cut into slips, each slip enough to vote at the kiosk address; returns the pages."""
    pdf = _document()
    pdf.set_title(ballot.title)
    group = _group_label(constituency, stratum)
    address = kiosk_link(base_url, ballot)
    width = (PAGE_WIDTH - 2 * MARGIN) / KIOSK_COLUMNS
    top = MARGIN + 20
    rows = int((PAGE_HEIGHT - MARGIN - top) // KIOSK_ROW)
    per_page = rows * KIOSK_COLUMNS
    for start in range(0, len(codes), per_page):
        pdf.add_page()
        pdf.set_xy(MARGIN, MARGIN)
        pdf.set_font(FONT, size=12)
        pdf.cell(0, 6, f"{ballot.title} · {group}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=8)
        pdf.cell(0, 5, _("Type one code at %(address)s; each code votes once.") % {"address": address})
        pdf.set_draw_color(170, 170, 170)
        for index, code in enumerate(codes[start : start + per_page]):
            row, column = divmod(index, KIOSK_COLUMNS)
            x, y = MARGIN + column * width, top + row * KIOSK_ROW
            pdf.rect(x, y, width, KIOSK_ROW)
            pdf.set_xy(x, y + 1)
            pdf.set_font(FONT, size=6)
            pdf.cell(width, 3, ballot.public_id, align="C")
            pdf.set_xy(x, y + 4)
            pdf.set_font(FONT, size=12)
            pdf.cell(width, 6, code, align="C")
        if progress:
            progress(min(start + per_page, len(codes)), len(codes))
    pdf.output(str(path))
    return pdf.pages_count
