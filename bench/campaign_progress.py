"""The campaign progress dashboard at city scale, and the cost of recording one step.

For the whole city's campaign (every organisation a unit, a million and more
step records): `selectors.progress` for the city and its children, read from
the tallies, against a naive per-child ORM loop (units by phase and state,
step records, counted for each child) and one hand-written SQL query over
units and step records grouped by the child's path prefix, timed in turns in
the same run; the whole page `campaigns:progress` through Django's test
client; and `services.record_step` with its evidence and roll-up upkeep, on
~50 open units, inside a transaction rolled back at the end.
"""

from __future__ import annotations

import datetime
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.city_counts import _allowed_host, _superuser
from bench.measure import PageTimings, Timings, compare, time_page
from vanguard.campaigns import demo, selectors, services
from vanguard.campaigns.models import Campaign, CampaignStatus, StepRecord, Unit, UnitState
from vanguard.campaigns.workflows import missing_required
from vanguard.core import tree
from vanguard.orgs.models import Organisation

SECTION = "campaign-progress"
DATA_TARGET_MS = 150.0
STEPS_RECORDED = 50


def _sql(campaign: Campaign, root: Organisation) -> tuple[str, list]:
    q = connection.ops.quote_name
    units, records = q(Unit._meta.db_table), q(StepRecord._meta.db_table)
    width = len(root.path) + tree.SEGMENT_WIDTH
    sql = (
        f"SELECT SUBSTR(u.org_path, 1, {width}) AS child, u.phase_id, u.state, COUNT(*), SUM(COALESCE(r.n, 0))"
        f" FROM {units} u LEFT JOIN (SELECT unit_id, COUNT(*) AS n FROM {records} GROUP BY unit_id) r"
        f" ON r.unit_id = u.id WHERE u.campaign_id = %s AND u.org_path > %s AND u.org_path < %s"
        f" GROUP BY SUBSTR(u.org_path, 1, {width}), u.phase_id, u.state"
    )
    return sql, [campaign.pk, root.path, tree.subtree_upper_bound(root.path)]


HAND_WRITTEN_SQL = (
    "SELECT SUBSTR(u.org_path, 1, <child's width>) AS child, u.phase_id, u.state, COUNT(*), SUM(COALESCE(r.n, 0))"
    " FROM campaigns_unit u LEFT JOIN (SELECT unit_id, COUNT(*) AS n FROM campaigns_steprecord GROUP BY unit_id) r"
    " ON r.unit_id = u.id WHERE u.campaign_id = %s AND u.org_path > <city> AND u.org_path < <after the city>"
    " GROUP BY child, u.phase_id, u.state"
)


@dataclass
class Results:
    campaign: Campaign
    units: int
    records: int
    children: int
    data: Timings
    naive: Timings
    sql: Timings
    page: PageTimings | None
    page_url: str
    record_step: Timings
    record_kinds: Counter


def measure(*, repeat: int, warmup: int, log: Callable[[str], None]) -> Results:
    campaign = Campaign.objects.filter(status=CampaignStatus.RUNNING).annotate(n=Count("units")).order_by("-n").first()
    if campaign is None:
        raise RuntimeError("The database holds no running campaign: seed it with seed_demo --scale city.")
    root = campaign.organisation
    today = timezone.localdate()
    children = list(Organisation.objects.filter(parent=root).order_by("name"))

    def data():
        figures = selectors.progress(campaign, root, today=today)
        return figures.total.units

    def naive():
        units = 0
        for child in children:
            below = Unit.objects.filter(tree.subtree_q("org_path", child.path), campaign=campaign)
            by_phase = below.values("phase_id", "state").annotate(n=Count("pk")).order_by()
            units += sum(row["n"] for row in by_phase)
            StepRecord.objects.filter(unit__in=below).count()
        return units + Unit.objects.filter(campaign=campaign, organisation=root).count()

    sql, params = _sql(campaign, root)

    def hand_written():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return sum(row[3] for row in rows) + Unit.objects.filter(campaign=campaign, organisation=root).count()

    log(f"Progress of {campaign.name} for {root.name}: tallies, a per-child ORM loop, one SQL query")
    (t_data, t_naive, t_sql), counted = compare([data, naive, hand_written], repeat=repeat, warmup=warmup)
    if len(set(counted)) != 1:
        raise RuntimeError(f"The three ways disagree on the number of units: {counted}")

    page, url = None, ""
    try:
        url = reverse("campaigns:progress", args=[campaign.pk])
    except NoReverseMatch:
        log("No campaigns:progress page yet: the page is not measured.")
    if url:
        client = Client(HTTP_HOST=_allowed_host())
        client.force_login(_superuser())
        log(f"GET {url}")
        page = time_page(client, url, repeat=repeat, warmup=warmup)

    log(f"services.record_step on {STEPS_RECORDED} open units (rolled back)")
    record_ms, kinds = _record_steps(campaign, today)
    return Results(
        campaign=campaign,
        units=counted[0],
        records=StepRecord.objects.filter(unit__campaign=campaign).count(),
        children=len(children),
        data=t_data,
        naive=t_naive,
        sql=t_sql,
        page=page,
        page_url=url,
        record_step=Timings(record_ms),
        record_kinds=kinds,
    )


class _Rollback(Exception):
    pass


def _record_steps(campaign: Campaign, today: datetime.date) -> tuple[list[float], Counter]:
    """Each a unit's next required step with its evidence, as the record page would save it; nothing kept."""
    actor = _superuser()
    rng = random.Random(2005)
    open_units = Unit.objects.filter(campaign=campaign, state=UnitState.OPEN).values_list("pk", flat=True)
    picked = rng.sample(list(open_units), min(len(open_units), STEPS_RECORDED * 4))
    samples: list[float] = []
    kinds: Counter = Counter()
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        try:
            with transaction.atomic():
                for pk in picked:
                    if len(samples) >= STEPS_RECORDED:
                        break
                    unit = Unit.objects.select_related("campaign", "phase", "batch", "organisation").get(pk=pk)
                    missing = missing_required(unit)
                    if not missing:
                        continue
                    step = missing[0]
                    inputs = demo._evidence_inputs(step, unit, actor, rng, today)
                    start = time.perf_counter()
                    services.record_step(unit=unit, step=step, actor=actor, evidence_inputs=inputs)
                    samples.append((time.perf_counter() - start) * 1000)
                    kinds.update(spec["kind"] for spec in step.evidence or [])
                raise _Rollback
        except _Rollback:
            pass
    return samples, kinds


def checks(results: Results) -> list[tuple[str, bool]]:
    return [
        (
            f"progress data {results.data.median:.1f} ms ≤ {DATA_TARGET_MS:.0f} ms",
            results.data.median <= DATA_TARGET_MS,
        )
    ]


def markdown(
    results: Results,
    checks: list[tuple[str, bool]],
    *,
    when: datetime.datetime,
    machine: dict[str, str],
    database: str,
    command: str,
    repeat: int,
    warmup: int,
    seeded: str,
) -> str:
    r = results
    lines = [
        "## Campaign progress at city scale",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC with `{command}` on {database}: “{r.campaign.name}” over"
        f" {r.units:,} units ({r.children} children of {r.campaign.organisation.name}), {r.records:,} step records."
        f" {seeded} Median (p95) of {repeat} runs after {warmup} untimed; the three ways to the figures"
        " timed in turns.",
        "",
        "| what | median | p95 | ratio to the tallies |",
        "|---|---:|---:|---:|",
        f"| `selectors.progress(campaign, city)` (from the tallies) | {r.data.median:.1f} ms | {r.data.p95:.1f} ms"
        " | 1 |",
        f"| naive per-child ORM loop (units by phase and state, step records) | {r.naive.median:.1f} ms"
        f" | {r.naive.p95:.1f} ms | {r.naive.median / r.data.median:.1f}× |",
        f"| one hand-written SQL query (units and step records by child prefix) | {r.sql.median:.1f} ms"
        f" | {r.sql.p95:.1f} ms | {r.sql.median / r.data.median:.1f}× |",
    ]
    if r.page is not None:
        lines.append(
            f"| the whole page `{r.page_url}` (test client, superuser; {r.page.query_count} queries,"
            f" SQL {r.page.sql.median:.1f} ms) | {r.page.wall.median:.1f} ms | {r.page.wall.p95:.1f} ms |"
            f" {r.page.wall.median / r.data.median:.1f}× |"
        )
    else:
        lines.append("| the whole page | not measured: no `campaigns:progress` URL | | |")
    kinds = ", ".join(f"{kind} ×{n}" for kind, n in r.record_kinds.most_common())
    lines += [
        f"| `services.record_step`, one step with its evidence and the roll-up upkeep ({len(r.record_step.samples)}"
        f" units' next required step; evidence: {kinds}; rolled back) | {r.record_step.median:.1f} ms"
        f" | {r.record_step.p95:.1f} ms | |",
        "",
        "Targets: " + "; ".join(f"{name} {'**PASS**' if ok else '**FAIL**'}" for name, ok in checks),
        "",
        f"The hand-written query: `{HAND_WRITTEN_SQL}`. The naive loop: for each child, "
        "`Unit.objects.filter(subtree, campaign).values('phase_id', 'state').annotate(Count)` and "
        "`StepRecord.objects.filter(unit__in=…).count()`.",
        "",
        "### Machine",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in machine.items()]
    return "\n".join(lines)
