"""The commitment figures as labelled rows, shown on the page and written to .xlsx (one layout for both)."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from vanguard.commitments.figures import Figures

SHEET_NAME = "承诺"


def rows(f: Figures) -> list[tuple[str, str, Any]]:
    """(code, label, value): the code stays the same in every language (tests and the chart read it)."""
    share = f.kept_share
    return [
        ("made", _("Commitments made"), f.made),
        ("members_committed", _("Members who made a commitment"), f.members_committed),
        ("published", _("Published"), f.published),
        ("to_public", _("Published to the public"), f.to_public),
        ("rated", _("Rated by the branch"), f.rated),
        ("kept", _("Kept"), f.kept),
        ("partly", _("Partly kept"), f.partly),
        ("not_kept", _("Not kept"), f.not_kept),
        ("kept_share", _("Kept share (branch verdicts)"), "—" if share is None else f"{share:.1f}%"),
        ("public_kept", _("Public: kept"), f.public_kept),
        ("public_partly", _("Public: partly kept"), f.public_partly),
        ("public_not_kept", _("Public: not kept"), f.public_not_kept),
        ("leaders_made", _("Leading cadres' commitments"), f.leaders_made),
        ("leaders_kept", _("Leading cadres' commitments kept"), f.leaders_kept),
    ]


def chart_data(f: Figures) -> dict:
    return {
        "labels": [_("Kept"), _("Partly kept"), _("Not kept")],
        "branch": [f.kept, f.partly, f.not_kept],
        "public": [f.public_kept, f.public_partly, f.public_not_kept],
        "series": [_("Branch"), _("Public")],
    }


def workbook(organisation, f: Figures) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, organisation.name, bold)
    sheet.write(1, 0, _("Figure"), bold)
    sheet.write(1, 1, _("Count"), bold)
    for index, (_code, label, value) in enumerate(rows(f), start=2):
        sheet.write(index, 0, str(label))
        sheet.write(index, 1, value)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 12)
    book.close()
    return buffer.getvalue()
