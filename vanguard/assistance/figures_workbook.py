"""The assistance figures laid out for people: blocks of labelled rows, shown on the page and written to .xlsx.

The sheets are named as the paper forms are (结对帮扶, 特别服务, 帮扶基金, 技能培训) whatever the language.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from vanguard.assistance.figures import Figures
from vanguard.assistance.models import HelpKind, HouseholdGroup, PairingKind
from vanguard.core import blocks_workbook
from vanguard.core.blocks_workbook import Block, Section


def yuan_number(fen: int) -> Decimal:
    """Fen as a yuan number for the sheet (a number, so the workbook adds it up)."""
    return Decimal(fen) / 100


SHEET_NAMES = {"pairs": "结对帮扶", "services": "特别服务", "funds": "帮扶基金", "training": "技能培训"}


def sections(f: Figures) -> list[Section]:
    n = _("Number")
    as_of = formats.date_format(f.as_of)
    return [
        Section(
            "pairs",
            SHEET_NAMES["pairs"],
            [
                Block(
                    _("Pairings"),
                    [_("Kind"), _("In force on %(date)s") % {"date": as_of}, _("Made in the period")],
                    [
                        *[[str(label), f.pairs[value], f.pairs_made[value]] for value, label in PairingKind.choices],
                        [_("Total"), f.pair_total, sum(f.pairs_made.values())],
                        [_("Members helped in 1+1 and 1+2 pairings"), f.members_helped, ""],
                    ],
                    "pairings",
                ),
                Block(
                    _("Help given in the period"),
                    [_("Help"), n],
                    [
                        *[[str(label), f.visits[value]] for value, label in HelpKind.choices],
                        [_("Total"), f.visit_total],
                        [_("Value of money and goods given (yuan)"), yuan_number(f.help_value_fen)],
                    ],
                    "help",
                ),
            ],
        ),
        Section(
            "services",
            SHEET_NAMES["services"],
            [
                Block(
                    _("Households served on %(date)s") % {"date": as_of},
                    [_("Group"), n],
                    [
                        *[[str(label), f.households[value]] for value, label in HouseholdGroup.choices],
                        [_("Total"), f.household_total],
                    ],
                    "households",
                ),
                Block(
                    _("Special services due in the period"),
                    [_("Figure"), n],
                    [
                        [_("Due"), f.services_due],
                        [_("Done"), f.services_done],
                        [_("Done by the date promised"), f.services_on_time],
                        [_("Overdue"), f.services_overdue],
                    ],
                    "services",
                ),
            ],
        ),
        Section(
            "funds",
            SHEET_NAMES["funds"],
            [
                Block(
                    _("Assistance funds (yuan)"),
                    [_("Figure"), _("Yuan")],
                    [
                        [_("Income in the period"), yuan_number(f.income_fen)],
                        [_("Grants paid in the period"), yuan_number(f.granted_fen)],
                        [_("Balance on %(date)s") % {"date": as_of}, yuan_number(f.balance_fen)],
                    ],
                    "money",
                ),
                Block(
                    _("Grants"),
                    [_("Figure"), n],
                    [
                        [_("Requested in the period"), f.grants_requested],
                        [_("Approved and paid"), f.grants_paid],
                        [_("Refused"), f.grants_refused],
                    ],
                    "grants",
                ),
            ],
        ),
        Section(
            "training",
            SHEET_NAMES["training"],
            [
                Block(
                    _("Skills training of laid-off members"),
                    [_("Figure"), n],
                    [
                        [_("Skills classes"), f.skills_classes],
                        [_("Laid-off members trained"), f.laid_off_trained],
                        [_("Re-employed"), f.re_employed],
                    ],
                    "skills",
                )
            ],
        ),
        Section(
            "units",
            _("By unit"),
            [
                Block(
                    _("By unit"),
                    [
                        _("Unit"),
                        _("Pairings in force"),
                        _("Help given"),
                        _("Households served"),
                        _("Services done"),
                        _("Fund balance (yuan)"),
                    ],
                    [
                        [r.name, r.pairs, r.visits, r.households, r.services_done, yuan_number(r.balance_fen)]
                        for r in f.children
                    ],
                    "units",
                    [r.organisation_id for r in f.children],
                )
            ],
        ),
    ]


def heading(f: Figures) -> str:
    return blocks_workbook.period_heading(f.organisation.name, f.start, f.end)


def charts(f: Figures) -> list[dict]:
    return [
        blocks_workbook.bar_chart(
            "assistance-pairs-chart",
            _("Pairings in force by kind"),
            [label for _v, label in PairingKind.choices],
            [(_("Pairings in force"), [f.pairs[k] for k in PairingKind.values])],
            horizontal=True,
        ),
        blocks_workbook.bar_chart(
            "assistance-help-chart",
            _("Help given by kind"),
            [label for _v, label in HelpKind.choices],
            [(_("Help given"), [f.visits[k] for k in HelpKind.values])],
            horizontal=True,
        ),
    ]


def workbook(f: Figures) -> bytes:
    return blocks_workbook.workbook(sections(f), heading(f))
