"""What the progress dashboard, its export and the API show: whose figures a user may open, and the rows and
charts made from `selectors.progress` (no query per child: the tallies hold every number)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, scope_roots
from vanguard.campaigns import selectors
from vanguard.campaigns.models import Campaign, Unit
from vanguard.core import tree
from vanguard.orgs.models import Organisation


def top_organisations(user, campaign: Campaign) -> QuerySet[Organisation]:
    """The highest organisations of the campaign's subtree the user may see: the campaign's own organisation for
    whoever's scope covers it, else their own roots inside it (a district secretary's district, a supervisor's
    assigned units)."""
    roots = scope_roots(user, Action.VIEW)
    if roots is None or any(tree.is_within(campaign.org_path, root) for root in roots):
        return Organisation.objects.filter(pk=campaign.organisation_id)
    inside = [root for root in roots if tree.is_within(root, campaign.org_path)]
    return Organisation.objects.filter(path__in=inside).order_by("path")


def may_see(user, campaign: Campaign, organisation: Organisation) -> bool:
    """Whether the organisation is in the campaign's subtree and in the user's scope."""
    if not tree.is_within(organisation.path, campaign.org_path):
        return False
    roots = scope_roots(user, Action.VIEW)
    return roots is None or any(tree.is_within(organisation.path, root) for root in roots)


@dataclass
class Row:
    """One line of the progress table: a child subtree, or the whole (`is_total`)."""

    figures: selectors.Figures
    phases: list[tuple[str, int]]  # (phase name, units in it), in the campaign's phase order
    is_total: bool = False
    drill_url: str = ""  # the child's own progress page, when it has units below it
    unit_url: str = ""  # the unit's page, for a child that is a single unit

    @property
    def organisation(self) -> Organisation:
        return self.figures.organisation


def unit_url(unit_pk: int) -> str:
    try:
        return reverse("campaigns:unit", args=[unit_pk])
    except NoReverseMatch:
        return ""


def rows(progress: selectors.Progress, *, links: bool = True) -> list[Row]:
    """The table: a row per child subtree with units, then the whole.  A child with units below it links to its
    own drill-down; a child that is a single unit links to the unit's page (one query for all of them)."""

    def make(figures: selectors.Figures, is_total: bool = False) -> Row:
        return Row(figures, [(p.name, figures.by_phase.get(p.pk, 0)) for p in progress.phases], is_total)

    out = [make(figures) for figures in progress.children]
    if links:
        progress_url = reverse("campaigns:progress", args=[progress.campaign.pk])
        singles = [row.organisation.pk for row in out if row.figures.units == 1]
        unit_pks = dict(
            Unit.objects.filter(campaign=progress.campaign, organisation_id__in=singles).values_list(
                "organisation_id", "pk"
            )
        )
        for row in out:
            if row.organisation.pk in unit_pks:
                row.unit_url = unit_url(unit_pks[row.organisation.pk])
            else:
                row.drill_url = f"{progress_url}?organisation={row.organisation.pk}"
    out.append(make(progress.total, is_total=True))
    return out


def headers(progress: selectors.Progress) -> list[str]:
    """Column titles of the table, as the page and the workbook show them."""
    return [
        _("Organisation"),
        _("Units"),
        *[phase.name for phase in progress.phases],
        _("Not yet started"),
        _("Required steps done (%)"),
        _("Overdue steps"),
        _("Awaiting acceptance"),
        _("Returned"),
        _("Phases accepted"),
        _("Finished"),
    ]


def values(row: Row) -> list:
    f = row.figures
    name = _("Whole of %(name)s") % {"name": f.organisation.name} if row.is_total else f.organisation.name
    return [
        name,
        f.units,
        *[n for _name, n in row.phases],
        f.not_started,
        f.done_percent,
        f.overdue,
        f.awaiting,
        f.returned,
        f.accepted,
        f.finished,
    ]


def chart_data(progress: selectors.Progress, today: datetime.date) -> dict:
    """What progress.js draws: the batches' phase windows (a Gantt with today marked) and units per phase per child
    (a stacked bar).  Plain JSON, put in the page with `json_script`."""
    campaign = progress.campaign
    batches = list(campaign.batches.order_by("order"))
    index = {b.pk: i for i, b in enumerate(batches)}
    phase_index = {phase.pk: i for i, phase in enumerate(progress.phases)}
    names = {phase.pk: phase.name for phase in progress.phases}
    windows = [
        {
            "batch": index[w.batch_id],
            "batchName": batches[index[w.batch_id]].name,
            "phase": phase_index.get(w.phase_id, 0),
            "start": w.starts_on.isoformat(),
            "end": (w.ends_on + datetime.timedelta(days=1)).isoformat(),  # the last day counts whole
            "label": f"{names[w.phase_id]}: {w.starts_on.isoformat()} – {w.ends_on.isoformat()}",
        }
        for w in selectors.windows_of(campaign).values()
    ]
    children = progress.children or [progress.total]
    return {
        "today": today.isoformat(),
        "todayLabel": _("Today"),
        "batches": [b.name for b in batches],
        "phases": [phase.name for phase in progress.phases],
        "windows": sorted(windows, key=lambda w: (w["batch"], w["start"])),
        "children": [f.organisation.name for f in children],
        "series": [
            {"name": phase.name, "data": [f.by_phase.get(phase.pk, 0) for f in children]} for phase in progress.phases
        ]
        + [
            {"name": _("Not yet started"), "data": [f.not_started for f in children]},
            {"name": _("Finished"), "data": [f.finished for f in children]},
        ],
    }
