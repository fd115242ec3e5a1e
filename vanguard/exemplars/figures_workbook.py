"""The figures laid out for people: blocks of labelled rows, shown on the page and written to .xlsx.

One layout serves both, so the page and the workbook never disagree.  The sheets are named as the paper forms
are (先进典型, 宣讲活动, 培训) whatever the language.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from vanguard.core import blocks_workbook
from vanguard.core.blocks_workbook import Block, Section
from vanguard.exemplars.figures import Figures
from vanguard.exemplars.models import AudienceKind, ClassKind, ExampleKind

SHEET_NAMES = {"examples": "先进典型", "lectures": "宣讲活动", "training": "培训"}


def sections(f: Figures) -> list[Section]:
    n = _("Number")
    training = f.training
    skills = training[ClassKind.SKILLS]
    return [
        Section(
            "examples",
            SHEET_NAMES["examples"],
            [
                Block(
                    _("Typical examples selected"),
                    [_("Figure"), n],
                    [
                        *[[str(label), f.examples[value]] for value, label in ExampleKind.choices],
                        [_("Total"), f.example_total],
                        [_("Publicised"), f.publicised],
                    ],
                    "examples",
                )
            ],
        ),
        Section(
            "lectures",
            SHEET_NAMES["lectures"],
            [
                Block(
                    _("Lecture groups"),
                    [_("Figure"), n],
                    [[_("Lecture groups set up"), f.groups], [_("Lecturers"), f.lecturers]],
                    "groups",
                ),
                Block(
                    _("Talks by audience"),
                    [_("Audience"), _("Talks"), _("People")],
                    [
                        *[[str(label), f.talks[value], f.audience[value]] for value, label in AudienceKind.choices],
                        [_("Total"), f.talk_total, f.audience_total],
                    ],
                    "talks",
                ),
            ],
        ),
        Section(
            "training",
            SHEET_NAMES["training"],
            [
                Block(
                    _("Training classes by kind"),
                    [_("Kind"), _("Classes"), _("Trained"), _("Of them members"), _("Completed"), _("Hours attended")],
                    [
                        [str(label), line.classes, line.trained, line.members, line.completed, round(line.hours, 1)]
                        for value, label in ClassKind.choices
                        for line in [training[value]]
                    ],
                    "classes",
                ),
                Block(
                    _("Skills training of laid-off members"),
                    [_("Figure"), n],
                    [
                        [_("Skills classes"), skills.classes],
                        [_("Laid-off members trained"), skills.laid_off_members],
                        [_("Re-employed"), skills.re_employed],
                    ],
                    "skills",
                ),
            ],
        ),
        Section(
            "units",
            _("By unit"),
            [
                Block(
                    _("By unit"),
                    [_("Unit"), _("Typical examples"), _("Talks"), _("Audience"), _("Classes"), _("Trained")],
                    [[r.name, r.examples, r.talks, r.audience, r.classes, r.trained] for r in f.children],
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
            "exemplars-training-chart",
            _("Training classes by kind"),
            [label for _v, label in ClassKind.choices],
            [
                (_("Classes"), [f.training[k].classes for k in ClassKind.values]),
                (_("Trained"), [f.training[k].trained for k in ClassKind.values]),
            ],
        ),
        blocks_workbook.bar_chart(
            "exemplars-talks-chart",
            _("Talks by audience"),
            [label for _v, label in AudienceKind.choices],
            [(_("Talks"), [f.talks[k] for k in AudienceKind.values])],
            horizontal=True,
        ),
    ]


def workbook(f: Figures) -> bytes:
    return blocks_workbook.workbook(sections(f), heading(f))
