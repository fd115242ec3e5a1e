"""The mobility figures laid out for people: blocks of labelled rows, shown on the page and written to .xlsx.

One layout serves both, so the page and the workbook never disagree.  The sheets are named as the paper forms
are (服务网络, 流动党员, 失联党员) whatever the language.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from vanguard.core import blocks_workbook
from vanguard.core.blocks_workbook import Block, Section
from vanguard.mobility.figures import Figures
from vanguard.mobility.models import PointRole

SHEET_NAMES = {"network": "服务网络", "away": "流动党员", "lost": "失联党员"}


def sections(f: Figures) -> list[Section]:
    n = _("Number")
    as_of = formats.date_format(f.as_of)
    return [
        Section(
            "network",
            SHEET_NAMES["network"],
            [
                Block(
                    _("Service bodies by role"),
                    [_("Role"), n],
                    [
                        *[[str(label), f.points[value]] for value, label in PointRole.choices],
                        [_("Total"), f.point_total],
                        [_("Provinces and cities where mobile-member organisations work"), f.provinces],
                    ],
                    "points",
                )
            ],
        ),
        Section(
            "away",
            SHEET_NAMES["away"],
            [
                Block(
                    _("Members away on %(date)s") % {"date": as_of},
                    [_("Figure"), n],
                    [
                        [_("Members away (each counted once)"), f.away_people],
                        [_("Of them away from this subtree (outflow)"), f.away_out],
                        [_("Of them with this subtree (inflow, received)"), f.away_in],
                        [_("Of them from outside the city"), f.from_outside],
                        [_("Awaiting receipt by this subtree"), f.awaiting],
                        [_("Away six months or more with neither a card nor a transfer (today)"), f.need_card],
                    ],
                    "away",
                ),
                Block(
                    _("Movements in the period"),
                    [_("Figure"), n],
                    [
                        [_("Registered as leaving"), f.departed],
                        [_("Back home"), f.returned],
                        [_("Relation transferred"), f.transferred],
                    ],
                    "moves",
                ),
                Block(
                    _("Mobile-member cards"),
                    [_("Figure"), n],
                    [
                        [_("Issued in the period"), f.cards_issued],
                        [_("Of them renewed"), f.cards_renewed],
                        [_("Returned in the period"), f.cards_returned],
                        [_("Valid on %(date)s") % {"date": as_of}, f.cards_valid],
                    ],
                    "cards",
                ),
            ],
        ),
        Section(
            "lost",
            SHEET_NAMES["lost"],
            [
                Block(
                    _("Lost-contact members"),
                    [_("Figure"), n],
                    [
                        [_("Cases opened in the period"), f.lost_opened],
                        [_("Found in the period"), f.lost_found],
                        [_("Closed without finding them"), f.lost_closed],
                        [_("Still looked for on %(date)s") % {"date": as_of}, f.lost_open],
                    ],
                    "lost",
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
                        _("Service bodies"),
                        _("Away (outflow)"),
                        _("With us (inflow)"),
                        _("Valid cards"),
                        _("Still looked for"),
                        _("Found"),
                    ],
                    [
                        [r.name, r.points, r.away_out, r.away_in, r.cards_valid, r.lost_open, r.found]
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
            "mobility-points-chart",
            _("Service bodies by role"),
            [label for _v, label in PointRole.choices],
            [(_("Service bodies"), [f.points[k] for k in PointRole.values])],
            horizontal=True,
        ),
        blocks_workbook.bar_chart(
            "mobility-units-chart",
            _("Members away by unit"),
            [r.name for r in f.children],
            [
                (_("Away (outflow)"), [r.away_out for r in f.children]),
                (_("With us (inflow)"), [r.away_in for r in f.children]),
            ],
            horizontal=True,
        ),
    ]


def workbook(f: Figures) -> bytes:
    return blocks_workbook.workbook(sections(f), heading(f))
