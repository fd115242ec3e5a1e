"""A million-row member roster (.xlsx) imported into PostgreSQL, against reading it and a raw COPY.

    python bench/run.py --only import [--import-rows N] [--import-seed S] [--import-profile FILE]

The roster is the layout offices upload: a merged title row, then the headers
序号 / 姓名 / 性别 / 出生日期 / 身份证号 / 入党时间 / 党员类别 / 联系电话, dates as
date cells, valid and unique ID numbers from `member_fields`.  It is written
once with XlsxWriter (constant_memory) and kept under the cache directory,
keyed by row count and seed.

In a fresh database (created on the server the bench uses, dropped at the end)
two steps run, each in its own child process so that its peak RSS is its own:

* baseline: python-calamine reads the same file (every row) and the rows go
  as they are into a plain table of the same columns with one `COPY`;
* Vanguard: `rosters.services.import_members(commit=True)` into a branch, as a
  superuser, then the members are counted in the database.

Both start from the same state: the member table empty, the baseline table
gone, a CHECKPOINT just done.  The baseline takes seconds, so it runs three
times and its median is the one used; the import runs once.  The ratio of the
two times says what the validation, encryption and bookkeeping cost, whatever
the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script (the child steps), bench/ is sys.path[0]

SECTION = "import-roster"
RATIO_TARGET = 2.0
PEAK_TARGET_MIB = 2048  # "under 2 GB", read as 2 GiB of resident memory
DATABASE = "vanguard_import_bench"
RAW_TABLE = "bench_raw_roster"
FILE_VERSION = 1  # bump when the generated layout changes, so a cached file is not reused
REFERENCE_DAY = datetime.date(2025, 1, 1)  # the generated file must not depend on the day it is made
HEADERS = ["序号", "姓名", "性别", "出生日期", "身份证号", "入党时间", "党员类别", "联系电话"]
RAW_COLUMNS = [
    ("seq", "text"), ("name", "text"), ("gender", "text"), ("birth_date", "date"), ("id_number", "text"),
    ("joined_on", "date"), ("category", "text"), ("phone", "text"),
]  # fmt: skip
BRANCH_NAME = "花名册导入基准党支部"
USERNAME = "bench-importer"


def cache_dir() -> Path:
    configured = os.environ.get("VANGUARD_BENCH_CACHE")
    if configured:
        return Path(configured)
    var_tmp = Path("/var/tmp")
    base = var_tmp if var_tmp.is_dir() and os.access(var_tmp, os.W_OK) else Path(tempfile.gettempdir())
    return base / "vanguard-bench"


def roster_path(rows: int, seed: int) -> Path:
    return cache_dir() / f"roster-{rows}-seed{seed}-v{FILE_VERSION}.xlsx"


# --- the parent: orchestration and the report ----------------------------------------------------


@dataclass
class Step:
    """What one child process reported, with the peak RSS the kernel kept for it."""

    result: dict
    peak_mib: float  # ru_maxrss of the child (its VmHWM), whole lifetime
    wall_seconds: float  # the child from fork to exit, interpreter and Django start-up included


def run(
    *,
    base_url: str,
    database: str,
    rows: int,
    seed: int,
    command: str,
    log: Callable[[str], None],
    output: Path,
    write: bool = True,
    strict: bool = False,
    profile: Path | None = None,
    runs: int = 3,
) -> int:
    """Generate (or reuse) the roster, measure both steps in a fresh database, write the section."""
    from bench import report

    when = datetime.datetime.now(datetime.UTC)
    code = code_version()
    path = roster_path(rows, seed)
    generated = None
    if path.exists():
        log(f"Roster: reusing {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    else:
        log(f"Roster: generating {rows:,} rows (seed {seed}) into {path}")
        generated = _child("generate", log, path=path, rows=rows, seed=seed).result
        log(f"  generated in {generated['seconds']:.0f} s, {path.stat().st_size / 2**20:.1f} MiB")
    url = _fresh_database(base_url, log)
    try:
        setup = _child("setup", log, db=url).result
        load_baseline = report.load_average()
        baselines, vanguards = [], []
        # Taken in turns (baseline, import, baseline, import…), so that a slow spell of a shared machine
        # weighs on both sides; the medians are compared.
        for number in range(1, runs + 1):
            _reset(url, log)
            log(f"Baseline {number}/{runs}: python-calamine reads every row, one COPY into a plain table")
            baselines.append(_child("baseline", log, db=url, path=path))
            log(f"  {baselines[-1].result['seconds']:.1f} s, peak {baselines[-1].peak_mib:,.0f} MiB")
            _reset(url, log)
            if number == 1:
                load_vanguard = report.load_average()
            log(f"Vanguard {number}/{runs}: import_members(commit=True)")
            vanguards.append(
                _child(
                    "vanguard", log, db=url, path=path, organisation=setup["organisation"], user=setup["user"],
                    profile=profile if number == 1 else None,
                )
            )  # fmt: skip
            log(f"  {vanguards[-1].result['seconds']:.1f} s, peak {vanguards[-1].peak_mib:,.0f} MiB")
        baseline = _median(baselines)
        vanguard = _median(vanguards)
    finally:
        _drop_database(base_url, log)
    problems = [p for step in vanguards for p in _verify(rows, baseline.result, step.result)]
    ratio = vanguard.result["seconds"] / baseline.result["seconds"]
    peak = max(step.peak_mib for step in vanguards)
    checks = [
        (f"ratio {ratio:.2f} ≤ {RATIO_TARGET}", ratio <= RATIO_TARGET),
        (f"peak memory of the import {peak:,.0f} MiB < {PEAK_TARGET_MIB:,} MiB (2 GiB)", peak < PEAK_TARGET_MIB),
        (f"all {rows:,} rows in the database", not problems),
    ]
    machine = dict(setup["machine"])
    machine["Load average (1/5/15 min) before the baseline"] = load_baseline
    machine["Load average (1/5/15 min) before the import"] = load_vanguard
    body = markdown(
        when=when,
        code=code,
        command=command,
        database=database,
        machine=machine,
        path=path,
        rows=rows,
        seed=seed,
        generated=generated,
        baseline=baseline,
        baselines=baselines,
        vanguard=vanguard,
        vanguards=vanguards,
        ratio=ratio,
        checks=checks,
        problems=problems,
    )
    print(body)
    if write:
        report.write_section(output, SECTION, body)
        log(f"Wrote the {SECTION} section of {output}")
    for problem in problems:
        log(f"VERIFY: {problem}")
    failed = [text for text, ok in checks if not ok]
    log("All import targets met." if not failed else f"Import targets missed: {'; '.join(failed)}")
    return 1 if (failed and strict) or problems else 0


def _median(steps: list[Step]) -> Step:
    return sorted(steps, key=lambda step: step.result["seconds"])[(len(steps) - 1) // 2]


def _verify(rows: int, baseline: dict, vanguard: dict) -> list[str]:
    problems = []
    if baseline["count"] != rows:
        problems.append(f"the baseline table holds {baseline['count']:,} rows, not {rows:,}")
    if vanguard["count"] != rows:
        problems.append(f"the branch holds {vanguard['count']:,} members after the import, not {rows:,}")
    if not vanguard["committed"] or vanguard["created"] != rows:
        problems.append(
            f"the import committed={vanguard['committed']}, created {vanguard['created']:,},"
            f" problems {vanguard['problem_count']:,}: {vanguard['first_problems']}"
        )
    if vanguard["tally"] != rows:
        problems.append(f"the branch's tallies add up to {vanguard['tally']:,}, not {rows:,}")
    return problems


def _child(step: str, log: Callable[[str], None], **options) -> Step:
    """Run one step in a child process; its peak RSS comes from wait4, so each step's peak is its own."""
    with tempfile.NamedTemporaryFile(prefix=f"vanguard-bench-{step}.", suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--result", str(result_path)]
    for name, value in options.items():
        if value is not None:
            argv += [f"--{name}", str(value)]
    env = dict(os.environ, VANGUARD_DEMO="1", DJANGO_SETTINGS_MODULE="vanguard.settings")
    env.pop("VANGUARD_DEBUG", None)  # DEBUG would keep every query of a million-row import in memory
    if "db" in options:
        env["DATABASE_URL"] = options["db"]
    try:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"bench step {step!r} failed with status {process.returncode}")
        result = json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)
    return Step(result=result, peak_mib=usage.ru_maxrss / 1024, wall_seconds=wall)


def _database_url(base_url: str, name: str) -> str:
    return urllib.parse.urlsplit(base_url)._replace(path=f"/{name}").geturl()


def _libpq(url: str) -> str:
    """The URL as libpq spells it (dj-database-url also accepts pgsql://)."""
    return "postgresql://" + url.split("://", 1)[1]


def _admin(base_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(base_url), autocommit=True) as connection:
        connection.execute(statement)


def _fresh_database(base_url: str, log: Callable[[str], None]) -> str:
    _drop_database(base_url, log=None)
    _admin(base_url, f'CREATE DATABASE "{DATABASE}"')
    log(f"Created the database {DATABASE}")
    return _database_url(base_url, DATABASE)


def _drop_database(base_url: str, log: Callable[[str], None] | None) -> None:
    _admin(base_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    if log:
        log(f"Dropped the database {DATABASE}")


def _reset(url: str, log: Callable[[str], None]) -> None:
    """Both steps start alike: no baseline table, no members or their tallies, dirty pages written out."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        removed = 0
        for table in ("members_memberevent", "members_membertally", "members_member"):
            deleted = connection.execute(f"DELETE FROM {table}").rowcount
            connection.execute(f"VACUUM {'FULL ' if deleted else ''}ANALYZE {table}")
            removed += deleted if table == "members_member" else 0
        connection.execute("CHECKPOINT")
    log(f"Reset: {RAW_TABLE} dropped, {removed:,} member rows removed, CHECKPOINT")


def code_version() -> str:
    """The commit measured, and whether app code differed from it (BENCHMARKS.md itself does not count)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!BENCHMARKS.md"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.splitlines()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    names = [line[3:] for line in changed]
    shown = ", ".join(f"`{name}`" for name in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"commit {commit}" + (f" with uncommitted changes to {shown}" if names else "")


def _mib(value: float) -> str:
    return f"{value:,.0f}"


def _verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def markdown(
    *,
    when: datetime.datetime,
    code: str,
    command: str,
    database: str,
    machine: dict[str, str],
    path: Path,
    rows: int,
    seed: int,
    generated: dict | None,
    baseline: Step,
    baselines: list[Step],
    vanguard: Step,
    vanguards: list[Step],
    ratio: float,
    checks: list[tuple[str, bool]],
    problems: list[str],
) -> str:
    b, v = baseline.result, vanguard.result
    peak = max(step.peak_mib for step in baselines)
    import_peak = max(step.peak_mib for step in vanguards)
    runs = ", ".join(f"{step.result['seconds']:.1f}" for step in baselines)
    import_runs = ", ".join(f"{step.result['seconds']:.1f}" for step in vanguards)
    size = path.stat().st_size
    made = (
        f"generated by this run in {generated['seconds']:.0f} s"
        if generated
        else "generated by an earlier run and reused from the cache"
    )
    lines = [
        f"## Importing a {rows:,}-row member roster (.xlsx) into PostgreSQL",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC with `{command}`, in a fresh database `{DATABASE}` created on {database}"
        f" and dropped afterwards. Code measured: {code}.",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        "",
        f"**File**: `{path.name}`, {size / 2**20:.1f} MiB ({size:,} bytes), one sheet: a merged title row, the header"
        f" row {' / '.join(HEADERS)}, then {rows:,} members (dates as date cells, valid unique ID numbers from"
        f" `members.factories.member_fields`, seed {seed}, categories in the usual mix without mobile members, who"
        f" would need the 外出时间/外出地点 columns); written with XlsxWriter in constant_memory mode, {made}.",
        "",
        f"Each step runs in its own child process, from the same database state (the member table empty, the"
        f" baseline table dropped, `CHECKPOINT` just done), the baseline and the import in turns, {len(vanguards)}"
        f" times each; the medians are compared (baseline runs {runs} s; import runs {import_runs} s). Seconds are"
        " the step itself, from opening the file to the commit; the peak is the child's peak resident set"
        " (`ru_maxrss` from `wait4`, whole process, Django start-up included; the PostgreSQL server's own memory is"
        " not counted), the highest of each step's runs.",
        "",
        "| Step | Seconds | Rows/s | Peak RSS (MiB) | Whole child process (s) |",
        "|---|---:|---:|---:|---:|",
        f"| Baseline: python-calamine reads every row, one `COPY` into a plain table (text/date columns, no index)"
        f" | {b['seconds']:.1f} | {rows / b['seconds']:,.0f} | {_mib(peak)}"
        f" | {baseline.wall_seconds:.1f} |",
        f"| Vanguard: `import_members(commit=True)` into one branch, as a superuser"
        f" | {v['seconds']:.1f} | {rows / v['seconds']:,.0f} | {_mib(import_peak)}"
        f" | {vanguard.wall_seconds:.1f} |",
        f"| **Ratio Vanguard / baseline** (medians) | **{ratio:.2f}** | | {import_peak / peak:.2f} | |",
        "",
        f"Baseline split (the median run): opening the workbook and loading the sheet {b['load_seconds']:.1f} s,"
        f" iterating the rows and `COPY` {b['copy_seconds']:.1f} s, commit {b['commit_seconds']:.1f} s.",
        "",
        "The median import run: " + _phase_line(v),
        "",
        f"Import report: {v['rows_read']:,} rows read, {v['created']:,} created, {v['updated']:,} updated,"
        f" {v['unchanged']:,} unchanged, {v['skipped']:,} skipped, {v['problem_count']:,} problems,"
        f" {v['warning_count']:,} warnings (region codes that never existed, accepted as written),"
        f" committed: {v['committed']}. Afterwards the branch holds {v['count']:,} members and its tallies add up to"
        f" {v['tally']:,}; the baseline table held {b['count']:,} rows.",
    ]
    if problems:
        lines += ["", "**Verification failed:** " + "; ".join(problems) + "."]
    lines += ["", "**Targets:** " + "; ".join(f"{text}: {_verdict(ok)}" for text, ok in checks) + "."]
    return "\n".join(lines)


# --- the children: one step each -----------------------------------------------------------------


def _django() -> None:
    import django

    django.setup()


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _say(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def child_generate(opts: argparse.Namespace) -> dict:
    """Write the roster to a temporary name, then move it into place: a half-written file is never reused."""
    _django()
    import xlsxwriter

    from vanguard.core import people
    from vanguard.members.factories import CATEGORY_WEIGHTS, member_fields
    from vanguard.members.models import Category

    # Words offices write for each category; mobile members are left out (they need two more columns).
    words = {
        Category.ORDINARY: "普通党员",
        Category.LEADER: "党员领导干部",
        Category.LAID_OFF: "下岗失业党员",
        Category.RETIRED: "离退休党员",
        Category.ELDERLY: "年老体弱党员",
        Category.NOT_AT_POST: "在册不在岗党员",
        Category.LOST_CONTACT: "失联党员",
    }
    categories = list(words)
    weights = [CATEGORY_WEIGHTS[c] for c in categories]
    rng = random.Random(opts.seed)
    path = Path(opts.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    start = time.perf_counter()
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("花名册")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, f"{BRANCH_NAME}党员花名册", book.add_format({"bold": True}))
    sheet.write_row(1, 0, HEADERS, book.add_format({"bold": True}))
    seen: set[str] = set()
    for number in range(1, opts.rows + 1):
        category = rng.choices(categories, weights=weights)[0]
        fields = member_fields(rng, category, today=REFERENCE_DAY)
        id_number = fields["id_number"]
        while id_number in seen:  # the ID space is large but a million draws do collide
            id_number = people.id_number(rng, fields["birth_date"], fields["gender"])
        seen.add(id_number)
        row = number + 1
        sheet.write_number(row, 0, number)
        sheet.write_string(row, 1, fields["name"])
        sheet.write_string(row, 2, "男" if fields["gender"] == "M" else "女")
        sheet.write_datetime(row, 3, fields["birth_date"], date)
        sheet.write_string(row, 4, id_number)
        sheet.write_datetime(row, 5, fields["joined_on"], date)
        sheet.write_string(row, 6, words[category])
        sheet.write_string(row, 7, fields["phone"])
        if number % 100_000 == 0:
            _say(f"{number:,} rows written ({time.perf_counter() - start:.0f} s)")
    book.close()
    partial.replace(path)
    return {"seconds": time.perf_counter() - start}


def child_setup(opts: argparse.Namespace) -> dict:
    """Migrate the fresh database; one city committee with the target branch under it; a superuser."""
    _django()
    from django.core.management import call_command

    from bench import report
    from vanguard.accounts.models import User
    from vanguard.orgs import services as org_services
    from vanguard.orgs.models import Kind

    call_command("migrate", interactive=False, verbosity=0)
    city = org_services.create_organisation(parent=None, name="基准市委", kind=Kind.CITY_COMMITTEE, code="BENCH-0")
    branch = org_services.create_organisation(parent=city, name=BRANCH_NAME, kind=Kind.BRANCH, code="BENCH-1")
    user = User.objects.create_superuser(USERNAME, password=None, first_name="bench")
    return {"organisation": branch.pk, "user": user.pk, "machine": report.machine()}


def child_baseline(opts: argparse.Namespace) -> dict:
    """python-calamine and psycopg only: the least any import of this file into PostgreSQL must do."""
    import psycopg
    import python_calamine

    columns = ", ".join(name for name, _type in RAW_COLUMNS)
    with psycopg.connect(_libpq(opts.db)) as connection:
        connection.execute(f"CREATE TABLE {RAW_TABLE} ({', '.join(f'{n} {t}' for n, t in RAW_COLUMNS)})")
        connection.commit()
        start = time.perf_counter()
        workbook = python_calamine.CalamineWorkbook.from_path(opts.path)
        sheet = workbook.get_sheet_by_index(0)
        loaded = time.perf_counter()
        rows = sheet.iter_rows()
        next(rows), next(rows)  # the title and the header
        with connection.cursor() as cursor, cursor.copy(f"COPY {RAW_TABLE} ({columns}) FROM STDIN") as copy:
            for cells in rows:
                copy.write_row(cells)
        copied = time.perf_counter()
        connection.commit()
        end = time.perf_counter()
        count = connection.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]
    return {
        "seconds": end - start,
        "load_seconds": loaded - start,
        "copy_seconds": copied - loaded,
        "commit_seconds": end - copied,
        "count": count,
        "vm_hwm_mib": _peak_mib(),
    }


def child_vanguard(opts: argparse.Namespace) -> dict:
    _django()
    from django.db.models import Sum

    from vanguard.accounts.models import User
    from vanguard.members.models import Member, MemberTally
    from vanguard.orgs.models import Organisation
    from vanguard.rosters.services import import_members

    organisation = Organisation.objects.get(pk=opts.organisation)
    user = User.objects.get(pk=opts.user)
    phases = _time_phases()
    start = time.perf_counter()
    marks = {"next": 100_000}

    def progress(done: int, total: int) -> None:
        if done >= marks["next"]:
            marks["next"] += 100_000
            _say(f"row {done:,} of {total:,} ({time.perf_counter() - start:.0f} s, peak {_peak_mib():,.0f} MiB)")

    profiler = None
    if opts.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    report = import_members(path=Path(opts.path), organisation=organisation, user=user, commit=True, progress=progress)
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(opts.profile)
        _print_profile(opts.profile)
    count = Member.objects.filter(organisation=organisation).count()
    tally = MemberTally.objects.filter(organisation=organisation).aggregate(n=Sum("count"))["n"] or 0
    return {
        "seconds": seconds,
        "count": count,
        "tally": tally,
        "rows_read": report.rows_read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "problem_count": report.problem_count,
        "warning_count": report.warning_count,
        "committed": report.committed,
        "first_problems": [f"row {p.row} {p.header}: {p.message}" for p in report.problems[:5]],
        "vm_hwm_mib": _peak_mib(),
        "phases": phases,
    }


def _time_phases() -> dict[str, float]:
    """Seconds spent loading the sheet and rebuilding the indexes, by wrapping the two functions that do it."""
    import contextlib

    from vanguard.core import bulk, columnar
    from vanguard.rosters import parallel, services

    phases: dict[str, float] = {"load": 0.0, "rebuild": 0.0, "forked": 0.0, "columnar": 0.0, "row-wise loads": 0.0}
    locate, rebuilt_after, forked_reader, load_columns = (
        services.RosterImport.locate,
        bulk.indexes_rebuilt_after,
        parallel.ForkedReader,
        columnar.load,
    )

    def timed_load_columns(*args, **kwargs):
        began = time.perf_counter()
        try:
            sheet = load_columns(*args, **kwargs)
        finally:
            phases["load"] += time.perf_counter() - began
        phases["columnar"] += sheet is not None
        return sheet

    def timed_locate(self, path, limits):
        began = time.perf_counter()
        try:
            return locate(self, path, limits)
        finally:
            phases["load"] += time.perf_counter() - began
            phases["row-wise loads"] += 1

    @contextlib.contextmanager
    def timed_rebuild(model):
        with rebuilt_after(model):
            yield
            began = time.perf_counter()
        phases["rebuild"] += time.perf_counter() - began

    class CountedReader(forked_reader):
        def __init__(self, *args, **kwargs):
            phases["forked"] += 1
            super().__init__(*args, **kwargs)

    services.RosterImport.locate = timed_locate
    bulk.indexes_rebuilt_after = timed_rebuild
    parallel.ForkedReader = CountedReader
    columnar.load = timed_load_columns
    return phases


def _phase_line(v: dict) -> str:
    phases = v.get("phases") or {}
    if not phases:
        return ""
    rows = v["seconds"] - phases["load"] - phases["rebuild"]
    how = "in two processes (the sheet forked after loading)" if phases["forked"] else "in one process"
    if phases.get("columnar"):
        how = "column-wise (pyarrow)" + ("" if not phases.get("row-wise loads") else ", some rows row-wise")
        reader = "fastexcel into Arrow" + (
            ", then python-calamine for rows left row-wise" if phases.get("row-wise loads") else ""
        )
    else:
        reader = "python-calamine, as in the baseline"
    return (
        f"where the import's time went: loading the sheet {phases['load']:.1f} s ({reader});"
        f" checking, encrypting and writing the rows, tallies and commit {rows:.1f} s, {how}, with the"
        f" member table's secondary indexes and foreign keys dropped; rebuilding them and ANALYZE"
        f" {phases['rebuild']:.1f} s."
    )


def _print_profile(path: str) -> None:
    import pstats

    for order in ("tottime", "cumulative"):
        print(f"\n--- profile of import_members, by {order} ---", file=sys.stderr)
        pstats.Stats(path, stream=sys.stderr).strip_dirs().sort_stats(order).print_stats(30)


CHILDREN = {"generate": child_generate, "setup": child_setup, "baseline": child_baseline, "vanguard": child_vanguard}


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One step of the roster import bench (run by bench/run.py).")
    parser.add_argument("--child", choices=sorted(CHILDREN), required=True)
    parser.add_argument("--result", required=True, help="where to write the step's figures as JSON")
    parser.add_argument("--db")
    parser.add_argument("--path")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--organisation", type=int)
    parser.add_argument("--user", type=int)
    parser.add_argument("--profile", help="cProfile the import into this file and print the top entries")
    opts = parser.parse_args(argv)
    result = CHILDREN[opts.child](opts)
    Path(opts.result).write_text(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
