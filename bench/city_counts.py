"""Member counts by category for the whole city and one district, and the organisation page of each.

Each selector is compared with one hand-written query counting the same
members in the same run, so the ratio holds whatever the machine:
`member_counts` (what the pages use) and, where the app has it,
`count_members_directly`, the ORM twin of the hand-written query, whose ratio
is the ORM's own overhead.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from bench.measure import PageTimings, Timings, compare, time_page
from vanguard.accounts.models import User
from vanguard.core import tree
from vanguard.members import selectors  # member_counts and count_members_directly live with the tallies
from vanguard.members.models import Member
from vanguard.orgs.models import Kind, Organisation

BENCH_USERNAME = "bench-superuser"
SELECTORS = ["member_counts", "count_members_directly"]
TARGET_SELECTOR = "member_counts"  # the figures users get; the other row is for information


@dataclass
class SelectorTiming:
    name: str
    orm: Timings
    sql: Timings  # the hand-written query, timed in turn with this selector

    @property
    def ratio(self) -> float:
        return self.orm.median / self.sql.median


@dataclass
class ScopeResult:
    label: str
    organisation: Organisation
    members: int
    selectors: list[SelectorTiming]
    page: PageTimings
    plan: str


@dataclass
class Results:
    organisations_by_kind: dict[str, int]
    members: int
    scopes: list[ScopeResult]


def measure(*, sql: str, repeat: int, warmup: int, log: Callable[[str], None]) -> Results:
    city = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    if city is None:
        raise RuntimeError("The database holds no organisation tree.")
    district = (
        Organisation.objects.filter(tree.subtree_q("path", city.path), kind=Kind.DISTRICT).order_by("path").first()
    )
    scopes = [("City", city)] + ([("District", district)] if district else [])
    by_kind = dict(Organisation.objects.values_list("kind").annotate(n=Count("*")).order_by())
    results = Results(organisations_by_kind=by_kind, members=Member.objects.count(), scopes=[])

    client = Client(HTTP_HOST=_allowed_host())
    client.force_login(_superuser())
    for label, organisation in scopes:
        log(f"{label} ({organisation.name}): member counts by category, selectors and hand-written SQL")
        bounds = [organisation.path, tree.subtree_upper_bound(organisation.path)]

        def raw(bounds=bounds):
            with connection.cursor() as cursor:
                cursor.execute(sql, bounds)
                return dict(cursor.fetchall())

        timed = []
        for name in SELECTORS:
            selector = getattr(selectors, name, None)
            if selector is None:
                continue  # count_members_directly is a helper the app may drop; member_counts is not
            (orm_times, sql_times), (orm_counts, sql_counts) = compare(
                [lambda selector=selector, org=organisation: selector(org, "category"), raw], repeat, warmup
            )
            # The bench doubles as a check that the kept figures match a fresh count at full scale.
            if orm_counts != sql_counts:
                raise RuntimeError(
                    f"{name} and the SQL disagree for {organisation.name}: {orm_counts} {sql_counts}"
                    " (a database loaded outside the services may need `manage.py recount_members`)"
                )
            log(f"  {name} {orm_times.median:.1f} ms, SQL {sql_times.median:.1f} ms (medians)")
            timed.append(SelectorTiming(name, orm_times, sql_times))
        log(f"{label} ({organisation.name}): the organisation page")
        page = time_page(client, reverse("orgs:detail", args=[organisation.pk]), repeat, warmup)
        log(f"  {page.query_count} queries, SQL {page.sql.median:.1f} ms, page {page.wall.median:.1f} ms (medians)")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", bounds)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        results.scopes.append(ScopeResult(label, organisation, sum(sql_counts.values()), timed, page, plan))
    return results


def _superuser() -> User:
    user = User.objects.filter(username=BENCH_USERNAME).first()
    return user or User.objects.create_superuser(BENCH_USERNAME, password=None, first_name="bench")


def _allowed_host() -> str:
    return next((host for host in settings.ALLOWED_HOSTS if host != "*" and not host.startswith(".")), "localhost")


def checks(results: Results, *, ratio_target: float, page_sql_target_ms: float) -> list[tuple[str, bool]]:
    """(description, passed) for each target of the issue."""
    found = [
        (f"{s.label.lower()} {t.name}/SQL ratio {t.ratio:.2f} ≤ {ratio_target}", t.ratio <= ratio_target)
        for s in results.scopes
        for t in s.selectors
        if t.name == TARGET_SELECTOR
    ]
    city = results.scopes[0]
    found.append(
        (
            f"city page SQL {city.page.sql.median:.0f} ms < {page_sql_target_ms:.0f} ms",
            city.page.sql.median < page_sql_target_ms,
        )
    )
    return found


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not seeded by this run (the database already held the city)"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def markdown(
    results: Results,
    checks: list[tuple[str, bool]],
    *,
    when: datetime.datetime,
    machine: dict[str, str],
    database: str,
    command: str,
    scale: str,
    seed_seconds: float | None,
    vacuum_seconds: float,
    repeat: int,
    warmup: int,
    sql: str,
    ratio_target: float,
    page_sql_target_ms: float,
) -> str:
    kinds = dict(Kind.choices)
    lines = [
        "## Member counts on the seed-000 city",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC with `{command}` against {database}.",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        "",
        f"**Dataset** (`--scale {scale}`): {sum(results.organisations_by_kind.values()):,} organisations ("
        + ", ".join(
            f"{kinds.get(kind, kind)} {n:,}"
            for kind, n in sorted(results.organisations_by_kind.items(), key=lambda item: -item[1])
        )
        + f"), {results.members:,} members.",
        f"Seeding (`seed_demo --scale {scale}`): {_duration(seed_seconds)}; `VACUUM ANALYZE` afterwards:"
        f" {_duration(vacuum_seconds)}.",
        "",
        f"Every figure is in milliseconds, median and p95 of {repeat} runs after {warmup} warm-up runs (warm cache).",
        "",
        "### Member counts by category",
        "",
        'Each selector, called as `selector(org, "category")`, timed in turn with the hand-written query on a raw'
        f" cursor: `{sql}`. `member_counts` is what the pages call; `count_members_directly` is the same GROUP BY"
        " built by the ORM, so its ratio is the ORM's own overhead (shown, not a target).",
        "",
        "| Scope | Members | Selector | Selector median | Selector p95 | SQL median | SQL p95 | Selector/SQL"
        " (medians) | Target |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
        *[
            f"| {s.label}: {s.organisation.name} | {s.members:,} | `{t.name}` | {t.orm.median:.1f} | {t.orm.p95:.1f}"
            f" | {t.sql.median:.1f} | {t.sql.p95:.1f} | {t.ratio:.2f}"
            f" | {f'≤ {ratio_target} {_verdict(t.ratio <= ratio_target)}' if t.name == TARGET_SELECTOR else '—'} |"
            for s in results.scopes
            for t in s.selectors
        ],
        "",
        "### The organisation page",
        "",
        "`GET /orgs/<pk>/` through Django's test client, signed in as a superuser; every statement of the request"
        " (session, user, the view's) timed with `connection.execute_wrapper`. The target is on the city page's"
        " median SQL total.",
        "",
        "| Page | Queries | SQL total median | SQL total p95 | Whole page median | Whole page p95 | Target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for i, s in enumerate(results.scopes):
        target = f"SQL < {page_sql_target_ms:.0f} ms {_verdict(checks[-1][1])}" if i == 0 else "—"
        lines.append(
            f"| {s.label}: {s.organisation.name} | {s.page.query_count} | {s.page.sql.median:.1f}"
            f" | {s.page.sql.p95:.1f} | {s.page.wall.median:.1f} | {s.page.wall.p95:.1f} | {target} |"
        )
    city = results.scopes[0]
    lines += [
        "",
        "<details><summary>Statements of the city page (median ms)</summary>",
        "",
        "| ms | SQL |",
        "|---:|---|",
        *[f"| {ms:.1f} | `{_short(statement)}` |" for statement, ms in city.page.per_query_median()],
        "",
        "</details>",
    ]
    for s in results.scopes:
        lines += [
            "",
            f"<details><summary>EXPLAIN (ANALYZE, BUFFERS) of the hand-written query, {s.label.lower()}</summary>",
            "",
            "```",
            s.plan,
            "```",
            "",
            "</details>",
        ]
    lines += ["", "**Targets:** " + "; ".join(f"{text}: {_verdict(ok)}" for text, ok in checks) + "."]
    return "\n".join(lines)


def _short(statement: str, limit: int = 220) -> str:
    statement = " ".join(statement.split()).replace("|", "\\|").replace("`", "'")
    return statement if len(statement) <= limit else statement[: limit - 1] + "…"
