"""The rectification figures of the whole city (issue 20: ≤ 300 ms).

    DATABASE_URL=postgres://…/vanguard_rect_bench python bench/rectification_figures.py \
        [--copy-orgs-from vanguard_fcity] [--items-per-plan 20] [--repeat 21] [--no-write] [--reseed]

The database named by DATABASE_URL is migrated; when it has no organisations,
the tree is copied (ids and paths as they are) from the database named by
--copy-orgs-from on the same server (the seed-000 city, ~58k organisations).
When it has no rectification items, one campaign is seeded with set-based SQL:
a unit plan for every organisation and `--items-per-plan` items in each, in
every state (open, done, closed on time or late, explained, cancelled), with
deadlines over 90 days around the measuring day so that about a tenth are
overdue (half of those escalated, some listed or circulated); cases at every
stage for 0.3 % of the city's members; remedies for 5 % of the branches;
rules in force for a tenth of the organisations.  Then the tallies are rebuilt
(`tallies.rebuild`, timed) and `figures.compute` runs for the city root and one
district (median and p95 of `--repeat` runs after 3 warm-up runs), and the
section `rectification-figures` of BENCHMARKS.md is rewritten.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.opinions_tables import copy_organisations  # noqa: E402

SECTION = "rectification-figures"
TARGET_MS = 300.0
TODAY = datetime.date(2026, 11, 28)
CITY_MEMBERS = 1_700_000  # the seed-000 city's members: cases are 0.3 % of them

SEED_SQL = """
SELECT setseed(0.2);
CREATE TEMP TABLE bench_orgs AS
    SELECT row_number() OVER (ORDER BY path) AS n, id, path, depth FROM orgs_organisation;
CREATE TEMP TABLE bench_leaves AS
    SELECT row_number() OVER (ORDER BY o.path) AS n, o.id, o.path FROM orgs_organisation o
    WHERE NOT EXISTS (SELECT 1 FROM orgs_organisation c WHERE c.parent_id = o.id);

INSERT INTO rectification_rectificationplan (
    campaign_id, organisation_id, org_path, member_id, title, text, status, audience, published_at, created_at)
SELECT %(campaign)s, o.id, o.path, NULL, 'bench plan ' || o.n, '', 'published', 'unit', now(), now()
FROM bench_orgs o;

INSERT INTO rectification_rectificationitem (
    plan_id, org_path, responsible_id, responsible_path, title, description, category, deadline, explanation,
    status, timing, done_text, done_at, closed_at, closed_on, escalated_at, listed_at, circulated_at, circular,
    created_at)
SELECT p.id, p.org_path, p.organisation_id, p.org_path, 'bench item ' || k, '',
       CASE WHEN x.status = 'explained' THEN 'explain'
            ELSE (ARRAY['at_once','deadline','coordinated'])[1 + (x.i %% 3)] END,
       CASE WHEN x.status = 'explained' THEN NULL ELSE x.deadline END,
       '', x.status,
       CASE WHEN x.status <> 'closed' THEN '' WHEN x.i %% 5 = 0 THEN 'late' ELSE 'on_time' END,
       '', CASE WHEN x.status IN ('done', 'closed') THEN (x.deadline - 3)::timestamptz END,
       CASE WHEN x.status = 'closed' THEN (x.deadline - 1)::timestamptz END,
       CASE WHEN x.status = 'closed' THEN x.deadline - 1 END,
       CASE WHEN x.owed AND x.deadline < %(today)s AND x.i %% 2 = 0 THEN (x.deadline + 7)::timestamptz END,
       CASE WHEN x.owed AND x.i %% 13 = 0 THEN (x.deadline - 30)::timestamptz END,
       CASE WHEN x.owed AND x.deadline < %(today)s AND x.i %% 31 = 0 THEN (x.deadline + 10)::timestamptz END,
       '', now()
FROM rectification_rectificationplan p
CROSS JOIN generate_series(1, %(per_plan)s) AS k
CROSS JOIN LATERAL (
    SELECT p.id * 31 + k AS i, s.status, s.status IN ('open', 'done') AS owed,
           %(today)s::date - 30 + floor(random() * 90)::int AS deadline
    FROM (SELECT CASE WHEN r < 0.25 THEN 'open' WHEN r < 0.35 THEN 'done' WHEN r < 0.85 THEN 'closed'
                      WHEN r < 0.95 THEN 'explained' ELSE 'cancelled' END AS status
          FROM (SELECT random() + 0 * k AS r) r0) s
) x;

INSERT INTO members_member (
    name, gender, ethnicity, birth_date, education, id_number_encrypted, id_number_masked, joined_on, status,
    category, mobile_place, org_path, work_unit, post, phone, created_at, updated_at, organisation_id)
SELECT 'bench member ' || i, 'M', '汉族', DATE '1970-01-01' + (i %% 9000), 'bachelor', 'x',
       '110************' || i %% 10, DATE '2000-07-01', 'active', 'ordinary', '', l.path, '', '', '', now(), now(), l.id
FROM generate_series(1, %(cases)s) AS i
JOIN bench_leaves l ON l.n = 1 + (i * 7919) %% (SELECT count(*) FROM bench_leaves);

INSERT INTO rectification_case (
    member_id, organisation_id, org_path, year, stage, opened_reason, opened_at, reappraisal_grade, application_text,
    application_file, intended_outcome, intended_reasons, notified_how, statement, statement_waived,
    proposed_outcome, proposed_reasons, outcome)
SELECT m.id, m.organisation_id, m.org_path, 2026, s.stage, 'bench', now(), '', '', '', '', '', '', '', false,
       '', '', s.outcome
FROM (SELECT row_number() OVER (ORDER BY id) AS n, id, organisation_id, org_path FROM members_member
      WHERE name LIKE 'bench member %%') m
JOIN (VALUES (0, 'opened', ''), (1, 'education', ''), (2, 'reappraisal', ''), (3, 'application', ''),
             (4, 'review', ''), (5, 'hearing', ''), (6, 'proposed', ''), (7, 'correcting', 'correct_by_deadline'),
             (8, 'transformed', ''), (9, 'registered', 'registered'), (10, 'persuaded', 'persuade_to_leave'),
             (11, 'removed', 'removal'), (12, 'referred', 'referral'), (13, 'withdrawn', ''))
     AS s(k, stage, outcome) ON s.k = m.n %% 14;

INSERT INTO rectification_remedy (
    organisation_id, org_path, cause, cause_text, replace_head, station_team, sort_out, team, deadline, status,
    closing_assessment, created_at)
SELECT l.id, l.path, (ARRAY['weak_leadership','problems_discontent','enterprise_closed','other'])[1 + l.n %% 4],
       '', l.n %% 3 = 0, l.n %% 2 = 0, false, '', %(today)s::date - 60 + (l.n %% 120)::int,
       CASE WHEN l.n %% 3 = 0 THEN 'closed' ELSE 'open' END, '', now()
FROM bench_leaves l WHERE l.n %% 20 = 0;

INSERT INTO rectification_institution (
    organisation_id, org_path, kind, title, rule, procedure, standard, measures, trade, post, status,
    effective_from, file, file_name, created_at)
SELECT o.id, o.path, (ARRAY['rule','requirement','unqualified_signs'])[1 + o.n %% 3], 'bench rule', '', '', '', '',
       '', '', CASE WHEN o.n %% 7 = 0 THEN 'repealed' ELSE 'in_force' END, DATE '2026-06-01', '', '', now()
FROM bench_orgs o WHERE o.n %% 10 = 0"""

TABLES = (
    "rectification_rectificationplan",
    "rectification_rectificationitem",
    "rectification_case",
    "rectification_remedy",
    "rectification_institution",
    "members_member",
)


def seed(campaign_id: int, per_plan: int) -> str:
    from django.db import connection

    params = {"campaign": campaign_id, "per_plan": per_plan, "today": TODAY, "cases": int(CITY_MEMBERS * 0.003)}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in [s.strip() for s in SEED_SQL.split(";") if s.strip()]:
            cursor.execute(statement, params)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return f"{time.perf_counter() - started:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copy-orgs-from", default="vanguard_fcity")
    parser.add_argument("--items-per-plan", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--no-rebuild", action="store_true", help="keep the tallies already built (timed before)")
    parser.add_argument("--reseed", action="store_true", help="delete the rectification rows first")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (your own: it is written to).")
    os.environ["VANGUARD_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from bench.measure import compare
    from bench.report import load_average, machine, write_section
    from vanguard.campaigns.models import Campaign
    from vanguard.campaigns.tests.factories import make_template
    from vanguard.orgs.models import Organisation
    from vanguard.rectification import figures, tallies
    from vanguard.rectification.models import Case, Institution, ItemTally, RectificationItem, Remedy

    call_command("migrate", verbosity=0)
    copied = ""
    if not Organisation.objects.exists():
        started = time.perf_counter()
        count = copy_organisations(args.copy_orgs_from)
        copied = f"copied from `{args.copy_orgs_from}` in {time.perf_counter() - started:.1f} s ({count:,})"
    root = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    district = Organisation.objects.filter(parent=root).order_by("path").first()
    if args.reseed:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE rectification_itemtally, rectification_case, rectification_remedy, "
                "rectification_institution, rectification_rectificationitem, rectification_rectificationplan CASCADE"
            )
            cursor.execute("DELETE FROM members_member WHERE name LIKE 'bench member %%'")
    seeded = "already in the database"
    campaign = Campaign.objects.filter(name="bench rectification").first()
    if campaign is None:
        campaign = Campaign.objects.create(
            template=make_template("bench"),
            name="bench rectification",
            organisation=root,
            org_path=root.path,
            starts_on=datetime.date(2026, 3, 1),
            status="running",
            definition={},
        )
    if not RectificationItem.objects.exists():
        seeded = seed(campaign.pk, args.items_per_plan)
    rebuilt = "was not timed in this run (`--no-rebuild`)"
    if not args.no_rebuild or not ItemTally.objects.exists():
        started = time.perf_counter()
        tallies.rebuild(campaign)
        rebuilt = f"took {time.perf_counter() - started:.1f} s"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE rectification_itemtally")
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-rect", password="x")  # noqa: S106
    load = load_average()

    def run(org):
        return lambda: figures.compute(organisation=org, campaign=campaign, user=user, today=TODAY)

    statements: list[list[tuple[str, float]]] = []

    def traced(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements[-1].append((sql, (time.perf_counter() - started) * 1000))

    for _ in range(5):
        statements.append([])
        with connection.execute_wrapper(traced):
            city = run(root)()
    queries = statements[-1]
    timings, _ = compare([run(root), run(district)], repeat=args.repeat, warmup=3)
    city_t, district_t = timings
    d = run(district)()
    verdict = "**PASS**" if city_t.median <= TARGET_MS else "**FAIL**"
    env = machine()
    statement_rows = "\n".join(
        f"| {statistics.median(trace[i][1] for trace in statements):.1f} | `{sql[:160].replace('|', '¦')}…` |"
        for i, (sql, _ms) in enumerate(queries)
    )
    cases = city.cases.total if city.cases else 0
    city_row = (
        f"| City: {root.name} | {city.items.total:,} | {city.items.overdue:,} | {cases:,} | {city_t.median:.1f} "
        f"| {city_t.p95:.1f} | ≤ {TARGET_MS:.0f} ms {verdict} |"
    )
    district_row = (
        f"| District: {district.name} | {d.items.total:,} | {d.items.overdue:,} | {d.cases.total if d.cases else 0:,} "
        f"| {district_t.median:.1f} | {district_t.p95:.1f} | — |"
    )
    body = (
        f"""## The rectification figures of the city

Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC with
`DATABASE_URL=postgres://…/vanguard_rect_bench python bench/rectification_figures.py \
--items-per-plan {args.items_per_plan}`.

| Machine | |
|---|---|
"""
        + "\n".join(f"| {k} | {v} |" for k, v in env.items())
        + f"""
| Load average when measuring | {load} |

**Dataset**: {Organisation.objects.count():,} organisations (the seed-000 city{", " + copied if copied else ""});
one campaign with a unit plan per organisation and {RectificationItem.objects.count():,} items in every state
({args.items_per_plan} per plan; deadlines over 90 days around {TODAY}, so about a tenth overdue),
{Case.objects.count():,} cases at every stage (0.3 % of the city's {CITY_MEMBERS:,} members),
{Remedy.objects.count():,} remedies (5 % of the branches), {Institution.objects.count():,} rules
(seeded with set-based SQL: {seeded}).  `tallies.rebuild` of the campaign {rebuilt}; the tallies hold
{ItemTally.objects.count():,} rows.

`vanguard.rectification.figures.compute` (what the page, the workbook and the API call), for a superuser (the
case block included), in milliseconds, median and p95 of {args.repeat} runs after 3 warm-up runs;
{len(queries)} SQL statements per call.

| Subtree | Items | Overdue | Cases | Median | p95 | Target |
|---|---:|---:|---:|---:|---:|---|
{city_row}
{district_row}

<details><summary>Statements of one call for the city (median of 5 traced runs, ms)</summary>

| ms | SQL |
|---:|---|
{statement_rows}

</details>

City on-time rate {city.items.on_time_rate} %.  The items' matrix and the per-child rows come from `ItemTally`
(the city's rows and its children's), never from the item table; only the overdue items are read from it, through
the partial index `rect_item_owed` (deadline, responsible_path over open and done items).
"""
    )
    print(body)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", SECTION, body)


if __name__ == "__main__":
    main()
