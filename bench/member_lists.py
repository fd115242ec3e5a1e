"""The member list page and endpoint at city scale, as the whole city's office and as a district secretary.

Every offered sort (both ways), every filter, the first and a deep page
(`?page=500`), name search and `/api/members/` are fetched through Django's
test client; the figure is the server time of the whole request (median of
`repeat` runs after `warmup`).  The slowest pages are shown with the EXPLAIN
ANALYZE of their slowest statement.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.test import Client

from bench.city_counts import _allowed_host, _superuser
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.core import tree
from vanguard.members.models import Member
from vanguard.orgs.models import Kind, Organisation

SECTION = "member-lists"
TARGET_MS = 100.0
PLANS_SHOWN = 3
ORDERINGS = ["name", "birth_date", "joined_on", "org_path"]


@dataclass
class Case:
    role: str
    label: str
    url: str
    samples: list[float] = field(default_factory=list)
    queries: int = 0
    slowest_sql: tuple[str, tuple, float] | None = None  # (sql, params, ms) of the slowest statement, last run
    plan: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def _cases(district: Organisation, branch: Organisation, name: str) -> list[tuple[str, str]]:
    """(label, url) of every list request measured; the same for each role."""
    queries: list[tuple[str, dict]] = [("first page", {}), ("?page=500", {"page": 500})]
    for key in ORDERINGS:
        queries += [(f"?ordering={key}", {"ordering": key}), (f"?ordering=-{key}", {"ordering": f"-{key}"})]
    queries += [
        ("?ordering=-name&page=500", {"ordering": "-name", "page": 500}),
        ("?category=mobile", {"category": "mobile"}),
        ("?status=probationary", {"status": "probationary"}),
        ("?gender=F", {"gender": "F"}),
        ("?sector=state_enterprise", {"sector": "state_enterprise"}),
        ("?age_band=over_65", {"age_band": "over_65"}),
        ("?organisation=<a branch>", {"organisation": branch.pk}),
        ("?organisation=<the district>&ordering=-joined_on", {"organisation": district.pk, "ordering": "-joined_on"}),
        ("?q=<a full name>", {"q": name}),
        ("?q=<a surname>", {"q": name[0]}),
        ("?q=<a full name>&ordering=-birth_date", {"q": name, "ordering": "-birth_date"}),
    ]
    cases = [(label, "/members/?" + urlencode(params)) for label, params in queries]
    cases += [
        ("API", "/api/members/"),
        ("API ?page=400", "/api/members/?page=400"),
        ("API ?ordering=-name", "/api/members/?ordering=-name"),
        ("API ?q=<a full name>", "/api/members/?" + urlencode({"q": name})),
    ]
    return cases


def _user(username: str, role: str, organisation: Organisation) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, password=None, first_name="bench")
        RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user


def _run(client: Client, url: str) -> tuple[float, list[tuple[str, tuple, float]]]:
    statements: list[tuple[str, tuple, float]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, tuple(params or ()), (time.perf_counter() - start) * 1000))

    start = time.perf_counter()
    with connection.execute_wrapper(timed):
        response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")
    return elapsed, statements


def _explain(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@dataclass
class Results:
    members: int
    districts: dict[str, int]  # members of each district measured
    cases: list[Case]
    load: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0, 0, 0), (0, 0, 0))  # before, after


def measure(*, repeat: int, warmup: int, log: Callable[[str], None]) -> Results:
    city = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    if city is None:
        raise RuntimeError("The database holds no organisation tree.")
    districts = Organisation.objects.filter(tree.subtree_q("path", city.path), kind=Kind.DISTRICT).order_by("path")
    districts = list(districts)
    # The first district's members open the member table; a district in the middle shows plans that walk an
    # index in order from its start (or end) looking for the scope, which the first district would hide.
    district, middle = districts[0], districts[len(districts) // 2]
    districts_seen = (district, middle)
    users = [
        ("superuser", _superuser(), district),
        ("office (whole city)", _user("bench-office", Role.ADMIN, city), district),
        (f"secretary of {district.name}", _user("bench-district", Role.SECRETARY, district), district),
        (f"secretary of {middle.name}", _user("bench-district-middle", Role.SECRETARY, middle), middle),
    ]
    cases: list[Case] = []
    load_before = os.getloadavg()  # other engineers share the machine: the figures say how busy it was
    for role, user, within in users:
        client = Client(HTTP_HOST=_allowed_host())
        client.force_login(user)
        log(f"Member lists as {role}")
        members = Member.objects.filter(tree.subtree_q("org_path", within.path)).order_by("pk")
        branch = members.first().organisation
        name = members[:1].get().name  # a real full name of the district: the search every secretary types
        for label, url in _cases(within, branch, name):
            case = Case(role, label, url)
            for _ in range(warmup):
                _run(client, url)
            for _ in range(repeat):
                elapsed, statements = _run(client, url)
                case.samples.append(elapsed)
            case.queries = len(statements)
            case.slowest_sql = max(statements, key=lambda s: s[2])
            log(f"  {case.median:7.1f} ms  {label}")
            cases.append(case)
    load_after = os.getloadavg()
    for case in sorted(cases, key=lambda c: c.median, reverse=True)[:PLANS_SHOWN]:
        case.plan = _explain(*case.slowest_sql[:2])
    return Results(
        load=(load_before, load_after),
        members=Member.objects.count(),
        districts={d.name: Member.objects.filter(tree.subtree_q("org_path", d.path)).count() for d in districts_seen},
        cases=cases,
    )


def checks(results: Results) -> list[tuple[str, bool]]:
    slowest = max(results.cases, key=lambda c: c.median)
    return [(f"slowest list {slowest.median:.0f} ms ≤ {TARGET_MS:.0f} ms", slowest.median <= TARGET_MS)]


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
) -> str:
    roles = list(dict.fromkeys(case.role for case in results.cases))
    labels = list(dict.fromkeys(case.label for case in results.cases))
    by = {(case.role, case.label): case for case in results.cases}
    lines = [
        "## Member lists at city scale",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC with `{command}` on {database}: {results.members:,} members;"
        " the district secretaries see "
        + " and ".join(f"{name} ({count:,} members)" for name, count in results.districts.items())
        + "."
        f" Server time of the whole request through Django's test client, median of {repeat} after {warmup}"
        f" untimed; target ≤ {TARGET_MS:.0f} ms for every row. Load average (1/5/15 min) of the machine"
        f" ({os.cpu_count()} cores, shared with other work) as the lists were measured: "
        + " / ".join(f"{x:.2f}" for x in results.load[0])
        + " before, "
        + " / ".join(f"{x:.2f}" for x in results.load[1])
        + " after.",
        "",
        "| request | " + " | ".join(roles) + " |",
        "|---|" + "---:|" * len(roles),
    ]
    for label in labels:
        cells = [f"{by[(role, label)].median:.1f} ms" for role in roles]
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    lines += ["", "Targets: " + "; ".join(f"{name} {'**PASS**' if ok else '**FAIL**'}" for name, ok in checks), ""]
    lines += ["### Plans of the slowest", ""]
    for case in sorted(results.cases, key=lambda c: c.median, reverse=True)[:PLANS_SHOWN]:
        sql, _params, _ms = case.slowest_sql
        lines += [
            f"`{case.url}` as {case.role}: {case.median:.1f} ms, {case.queries} queries; its slowest statement:",
            "",
            "```",
            sql,
            "",
            case.plan,
            "```",
            "",
        ]
    lines += ["### Machine", ""] + [f"- {key}: {value}" for key, value in machine.items()]
    return "\n".join(lines)
