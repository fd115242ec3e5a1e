"""A subtree's study figures, whole and per child organisation, for the page, the chart and the workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass

import xlsxwriter
from django.utils.translation import gettext as _

from vanguard.campaigns.models import Campaign
from vanguard.orgs.models import Organisation
from vanguard.study.selectors import Rollup, completion_of, sessions_of

SHEET = "学习教育"  # named as the paper form is, whatever the language


@dataclass
class ChildRow:
    organisation: Organisation
    sessions: int = 0
    attendance_rows: int = 0
    credited_rows: int = 0
    members: int = 0
    complete: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.credited_rows / self.attendance_rows if self.attendance_rows else None

    @property
    def completion_rate(self) -> float | None:
        return self.complete / self.members if self.members else None


def by_child(organisation: Organisation, campaign: Campaign, phase_id: int | None) -> list[ChildRow]:
    """Each child organisation's sessions, attendance and completion (in `phase_id`, else all phases), from the
    kept tallies of the children: the query count does not depend on the subtree's size."""
    children = {
        child.pk: ChildRow(child) for child in Organisation.objects.filter(parent=organisation).order_by("name")
    }
    if not children:
        return []
    ids = list(children)
    for (child, phase, _kind), tally in sessions_of(campaign, ids).items():
        if phase_id is None or phase == phase_id:
            children[child].sessions += tally.sessions
            children[child].attendance_rows += tally.attendance_rows
            children[child].credited_rows += tally.credited_rows
    phases = list(campaign.phases.order_by("order"))
    if phase_id is not None:
        phases = [phase for phase in phases if phase.pk == phase_id]
    for (child, _phase, _category), cell in completion_of(campaign, ids, phases).items():
        children[child].members += cell["members"]
        children[child].complete += cell["complete"]
    return list(children.values())


def workbook(organisation: Organisation, campaign: Campaign, summary: Rollup, children: list[ChildRow]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet(SHEET)
    sheet.write(0, 0, f"{organisation.name} · {campaign.name}", bold)
    row = 2
    for label, value in (
        (_("Sessions"), summary.sessions),
        (_("Attendance rate"), summary.attendance_rate),
        (_("Leading cadres who gave a Party lecture"), summary.lecturers),
        (_("Leading cadres"), summary.leaders),
    ):
        sheet.write(row, 0, str(label))
        if isinstance(value, float):
            sheet.write_number(row, 1, value, percent)
        elif value is None:
            sheet.write(row, 1, "—")
        else:
            sheet.write_number(row, 1, value)
        row += 1
    row += 1
    sheet.write_row(row, 0, [_("Phase"), _("Sessions"), _("Members"), _("Credits complete")], bold)
    for line in summary.by_phase:
        row += 1
        sheet.write_row(row, 0, [line["phase"].name, line["sessions"], line["members"], line["complete"]])
    if summary.by_category:
        row += 2
        sheet.write_row(row, 0, [_("Category"), *(line["phase"].name for line in summary.by_phase)], bold)
        for line in summary.by_category:
            row += 1
            sheet.write_row(row, 0, [str(line["label"]), *(f"{c['complete']}/{c['members']}" for c in line["cells"])])
    if children:
        row += 2
        headers = [_("Organisation"), _("Sessions"), _("Attendance rate"), _("Members"), _("Credits complete")]
        sheet.write_row(row, 0, headers, bold)
        for child in children:
            row += 1
            sheet.write(row, 0, child.organisation.name)
            sheet.write_number(row, 1, child.sessions)
            if child.attendance_rate is None:
                sheet.write(row, 2, "—")
            else:
                sheet.write_number(row, 2, child.attendance_rate, percent)
            sheet.write_number(row, 3, child.members)
            sheet.write_number(row, 4, child.complete)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 4, 14)
    book.close()
    return out.getvalue()
