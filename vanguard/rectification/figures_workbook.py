"""The rectification figures laid out for people: blocks of labelled rows, shown on the page and written to .xlsx.

One layout serves both, so the page and the workbook can never disagree.  The
sheets are named as the paper forms are (整改事项, 不合格党员处置, 软弱涣散整顿,
建章立制) whatever the language; the case sheet is there only when the
figures carry cases (the user holds VIEW_CASES at the organisation).
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from vanguard.core import blocks_workbook
from vanguard.core.blocks_workbook import Block, Section
from vanguard.opinions.models import Category
from vanguard.rectification.figures import Figures
from vanguard.rectification.models import Cause, InstitutionKind, ItemStatus, Outcome, RemedyStatus, Stage

SHEET_NAMES = {
    "items": "整改事项",
    "cases": "不合格党员处置",
    "remedies": "软弱涣散整顿",
    "institutions": "建章立制",
}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def sections(f: Figures) -> list[Section]:
    items = f.items
    n = _("Number")
    statuses = [str(label) for _v, label in ItemStatus.choices]
    by_status = items.by_status()
    result = [
        Section(
            "items",
            SHEET_NAMES["items"],
            [
                Block(
                    _("Rectification items"),
                    [_("Figure"), n],
                    [
                        [_("Items"), items.total],
                        *[[str(label), by_status[value]] for value, label in ItemStatus.choices],
                        [_("Overdue"), items.overdue],
                        [_("Closed on time"), items.on_time],
                        [_("Closed late"), items.late],
                        [_("On-time rate"), percent(items.on_time_rate)],
                    ],
                    "items",
                ),
                Block(
                    _("By category and status"),
                    [_("Category"), *statuses],
                    [
                        [str(label), *[items.by_category[value][s] for s in ItemStatus.values]]
                        for value, label in Category.choices
                    ],
                    "category",
                ),
                Block(
                    _("By responsible unit"),
                    [_("Unit"), _("Items"), _("Closed"), _("Overdue"), _("On-time rate")],
                    [[r.name, r.total, r.closed, r.overdue, percent(r.on_time_rate)] for r in items.children],
                    "units",
                    [r.organisation_id for r in items.children],
                ),
                Block(
                    _("Overdue items, oldest deadline first"),
                    [_("Item"), _("Responsible organisation"), _("Deadline"), _("Status")],
                    [
                        [i.title, i.responsible.name, formats.date_format(i.deadline), i.get_status_display()]
                        for i in items.overdue_items
                    ],
                    "overdue",
                ),
            ],
        )
    ]
    if f.cases is not None:
        outcomes = [("", _("No decision yet")), *Outcome.choices]
        result.append(
            Section(
                "cases",
                SHEET_NAMES["cases"],
                [
                    Block(
                        _("Cases by stage and decision"),
                        [_("Stage"), *[str(label) for _v, label in outcomes], _("Total")],
                        [
                            [
                                str(label),
                                *[f.cases.by_stage[value][o] for o, _l in outcomes],
                                sum(f.cases.by_stage[value].values()),
                            ]
                            for value, label in Stage.choices
                        ],
                        "stages",
                    ),
                    Block(
                        _("By unit"),
                        [_("Unit"), _("Open"), _("Closed")],
                        [[name, open_, closed] for _pk, name, open_, closed in f.cases.by_child],
                        "case-units",
                        [pk for pk, _n, _o, _c in f.cases.by_child],
                    ),
                ],
            )
        )
    remedy_statuses = [str(label) for _v, label in RemedyStatus.choices]
    result += [
        Section(
            "remedies",
            SHEET_NAMES["remedies"],
            [
                Block(
                    _("Remedies by cause and status"),
                    [_("Cause"), *remedy_statuses],
                    [
                        [str(label), *[f.remedies.by_cause[value][s] for s in RemedyStatus.values]]
                        for value, label in Cause.choices
                    ],
                    "causes",
                ),
                Block(
                    _("Remedies"),
                    [_("Figure"), n],
                    [[_("Remedies"), f.remedies.total], [_("Open past their deadline"), f.remedies.overdue]],
                    "remedies",
                ),
            ],
        ),
        Section(
            "institutions",
            SHEET_NAMES["institutions"],
            [
                Block(
                    _("Rules in force by kind"),
                    [_("Kind"), n],
                    [[str(label), f.institutions[value]] for value, label in InstitutionKind.choices],
                    "kinds",
                )
            ],
        ),
    ]
    return result


def heading(f: Figures) -> str:
    return _("%(unit)s · as of %(date)s") % {"unit": f.organisation.name, "date": formats.date_format(f.today)}


def chart_data(f: Figures) -> dict:
    """What static/rectification/figures.js draws: data only (json_script), never code."""
    data = {
        "statuses": [str(label) for _v, label in ItemStatus.choices],
        "categories": [str(label) for _v, label in Category.choices],
        "matrix": [[f.items.by_category[c][s] for c in Category.values] for s in ItemStatus.values],
        "causes": [str(label) for _v, label in Cause.choices],
        "remedies": [sum(f.remedies.by_cause[c].values()) for c in Cause.values],
        "remedies_label": _("Remedies"),
    }
    if f.cases is not None:
        data["stages"] = [str(label) for _v, label in Stage.choices]
        data["cases"] = [sum(f.cases.by_stage[s].values()) for s in Stage.values]
        data["cases_label"] = _("Cases")
    return data


def workbook(f: Figures) -> bytes:
    return blocks_workbook.workbook(sections(f), heading(f))
