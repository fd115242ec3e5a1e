"""`make bench`: member counts and member lists on the seed-000 city, then a million-row roster import.

    python bench/run.py [--only city|lists|campaigns|import|ballots] [--scale city] [--members N] [--repeat N]
                        [--import-rows N] [--import-seed N] [--strict] [--no-write]

Step `city`: member counts on the seed-000 city, ORM against hand-written SQL,
and the organisation page.  Step `lists` (bench/member_lists.py): the member
list page and endpoint for every sort and filter, a deep page and name search,
as a superuser, the whole city's office and a district secretary (section
`member-lists`).  Step `campaigns` (bench/campaign_progress.py): the
campaign progress dashboard's data against a per-child ORM loop and one SQL
query, the page, and recording one step (section `campaign-progress`).  Step `import` (bench/import_roster.py): a
1,000,000-row member .xlsx imported into a fresh database, against reading the
same file with python-calamine plus a raw COPY.  Step `ballots` (bench/ballots.py, its own options there):
votes through the HTTP endpoint under gunicorn against a bare one-INSERT view, then a SIGKILL run
(section `ballots`).

DATABASE_URL must name PostgreSQL; when it is unset a temporary server is
started for the run and removed at the end.  An empty database is first seeded
with `seed_demo --scale city` (timed); a seeded one is measured as it is.  The
pages are fetched as a superuser, `bench-superuser` (created without a usable
password when missing).  The figures go to the `city-counts` section of
BENCHMARKS.md, with the machine they ran on; the import's go to `import-roster`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, bench/ is sys.path[0], not the project

from bench import pgcluster  # noqa: E402

SECTION = "city-counts"
RATIO_TARGET = 1.5
PAGE_SQL_TARGET_MS = 300.0
HAND_WRITTEN_SQL = (
    "SELECT category, count(*) FROM members_member WHERE org_path >= %s AND org_path < %s GROUP BY category"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        choices=["city", "lists", "campaigns", "import", "ballots"],
        help="run one step only (default: all, in turn)",
    )
    parser.add_argument("--scale", choices=["city", "demo"], default="city", help="what to seed an empty database with")
    parser.add_argument("--members", type=int, default=1_500_000, help="members at --scale city (default 1,500,000)")
    parser.add_argument("--repeat", type=int, default=21, help="timed runs of each measurement (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first, to warm the caches (default 3)")
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="roster rows to import (default 1,000,000)")
    parser.add_argument("--import-seed", type=int, default=2005, help="seed of the generated roster (default 2005)")
    parser.add_argument("--import-runs", type=int, default=3, help="runs of the baseline and the import, in turns")
    parser.add_argument("--import-profile", type=Path, help="cProfile the import into this file (distorts the time)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--no-write", action="store_true", help="print the figures but leave BENCHMARKS.md alone")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            print("bench: DATABASE_URL must name a PostgreSQL database (postgres://...); unset it to let the bench"
                  " start a temporary server.", file=sys.stderr)  # fmt: skip
            return 2
        return run_steps(args, url, database=_describe_url(url))
    try:
        cluster = pgcluster.TemporaryCluster(log=say)
    except pgcluster.PostgresMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    with cluster as url:
        os.environ["DATABASE_URL"] = url
        return run_steps(args, url, database="a temporary PostgreSQL cluster started by the bench (settings below)")


def run_steps(args: argparse.Namespace, url: str, *, database: str) -> int:
    status = 0
    if args.only in (None, "city", "lists", "campaigns"):
        steps = [args.only] if args.only else ["city", "lists", "campaigns"]
        status = max(status, run(args, database=database, steps=steps))
    if args.only in (None, "import"):
        from bench import import_roster

        say(f"Roster import: {args.import_rows:,} rows")
        status = max(
            status,
            import_roster.run(
                base_url=url,
                database=database,
                rows=args.import_rows,
                seed=args.import_seed,
                command=_command(),
                log=say,
                output=args.output,
                write=not args.no_write,
                strict=args.strict,
                profile=args.import_profile,
                runs=args.import_runs,
            ),
        )
    if args.only in (None, "ballots"):
        from bench import ballots

        say("Ballots: votes through the HTTP endpoint under gunicorn, then through SIGKILL (bench/ballots.py)")
        status = max(
            status,
            ballots.run(
                vars(ballots.parse_args([])),
                url=url,
                database=database,
                command=_command(),
                log=say,
                output=args.output,
                write=not args.no_write,
                strict=args.strict,
            ),
        )
    return status


def _describe_url(url: str) -> str:
    import dj_database_url

    config = dj_database_url.parse(url)  # never the password
    return f"DATABASE_URL → {config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}/{config.get('NAME')}"


_started = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", flush=True)


class _Progress:
    """A stdout for call_command that stamps each line with the elapsed time."""

    def write(self, text: str) -> None:
        for line in text.splitlines():
            if line.strip():
                say(f"  {line}")

    def flush(self) -> None:
        pass


def run(args: argparse.Namespace, *, database: str, steps: list[str]) -> int:
    os.environ["VANGUARD_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import campaign_progress, city_counts, member_lists, report

    if connection.vendor != "postgresql":
        print(f"bench: the database is {connection.vendor}, not PostgreSQL.", file=sys.stderr)
        return 2
    machine = report.machine()
    machine["Load average (1/5/15 min) before seeding"] = report.load_average()
    when = datetime.datetime.now(datetime.UTC)
    say("Migrating")
    call_command("migrate", interactive=False, verbosity=0)
    from vanguard.orgs.models import Organisation

    seed_seconds = None
    if Organisation.objects.exists():
        say("The database already holds organisations: measuring them as they are, no seeding.")
    else:
        say(f"Seeding: seed_demo --scale {args.scale} --members {args.members}")
        start = time.perf_counter()
        call_command("seed_demo", "--scale", args.scale, "--members", str(args.members), stdout=_Progress())
        seed_seconds = time.perf_counter() - start
        say(f"Seeded in {seed_seconds:.0f} s")
    say("VACUUM ANALYZE")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum_seconds = time.perf_counter() - start
    _checkpoint(connection)
    machine["Load average (1/5/15 min) when measuring (includes any seeding just before)"] = report.load_average()

    failed: list[str] = []
    if "city" in steps:
        failed += _city(args, city_counts, report, when=when, machine=machine, database=database,
                        seed_seconds=seed_seconds, vacuum_seconds=vacuum_seconds)  # fmt: skip
    if "lists" in steps:
        failed += _lists(args, member_lists, report, when=when, machine=machine, database=database)
    if "campaigns" in steps:
        seeded = (
            f"Seeded now with `seed_demo --scale {args.scale} --members {args.members}` ({seed_seconds:.0f} s)."
            if seed_seconds is not None
            else os.environ.get("BENCH_SEEDED", "The database was seeded before the run.")
        )
        failed += _campaigns(args, campaign_progress, report, when=when, machine=machine, database=database,
                             seeded=seeded)  # fmt: skip
    say("All targets met." if not failed else f"Targets missed: {'; '.join(failed)}")
    return 1 if failed and args.strict else 0


def _lists(args, member_lists, report, *, when, machine, database) -> list[str]:
    """Step `lists`: the member list page and endpoint for every role, sort and filter (bench/member_lists.py)."""
    repeat = min(args.repeat, 7)  # some 90 requests per role: the median of 7 is steady enough
    warmup = min(args.warmup, 1)
    results = member_lists.measure(repeat=repeat, warmup=warmup, log=say)
    checks = member_lists.checks(results)
    body = member_lists.markdown(
        results, checks, when=when, machine=machine, database=database, command=_command(), repeat=repeat,
        warmup=warmup,
    )  # fmt: skip
    print(body)
    if not args.no_write:
        report.write_section(args.output, member_lists.SECTION, body)
        say(f"Wrote the {member_lists.SECTION} section of {args.output}")
    return [name for name, ok in checks if not ok]


def _campaigns(args, campaign_progress, report, *, when, machine, database, seeded) -> list[str]:
    """Step `campaigns`: the progress dashboard's data, page and step recording (bench/campaign_progress.py)."""
    repeat = min(args.repeat, 7)
    warmup = min(args.warmup, 2)
    try:
        results = campaign_progress.measure(repeat=repeat, warmup=warmup, log=say)
    except RuntimeError as exc:
        say(f"campaigns: {exc}")
        return ["campaigns: nothing measured"]
    checks = campaign_progress.checks(results)
    body = campaign_progress.markdown(
        results, checks, when=when, machine=machine, database=database, command=_command(), repeat=repeat,
        warmup=warmup, seeded=seeded,
    )  # fmt: skip
    print(body)
    if not args.no_write:
        report.write_section(args.output, campaign_progress.SECTION, body)
        say(f"Wrote the {campaign_progress.SECTION} section of {args.output}")
    return [name for name, ok in checks if not ok]


def _city(args, city_counts, report, *, when, machine, database, seed_seconds, vacuum_seconds) -> list[str]:
    results = city_counts.measure(sql=HAND_WRITTEN_SQL, repeat=args.repeat, warmup=args.warmup, log=say)
    checks = city_counts.checks(results, ratio_target=RATIO_TARGET, page_sql_target_ms=PAGE_SQL_TARGET_MS)
    body = city_counts.markdown(
        results,
        checks,
        when=when,
        machine=machine,
        database=database,
        command=_command(),
        scale=args.scale,
        seed_seconds=seed_seconds,
        vacuum_seconds=vacuum_seconds,
        repeat=args.repeat,
        warmup=args.warmup,
        sql=HAND_WRITTEN_SQL,
        ratio_target=RATIO_TARGET,
        page_sql_target_ms=PAGE_SQL_TARGET_MS,
    )
    print(body)
    if not args.no_write:
        report.write_section(args.output, SECTION, body)
        say(f"Wrote the {SECTION} section of {args.output}")
    return [name for name, ok in checks if not ok]


def _checkpoint(connection) -> None:
    """Write out the gigabytes the seeding left dirty now, rather than in the background while we measure."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        say("CHECKPOINT refused (it needs a superuser or pg_checkpoint); measuring anyway.")


def _command() -> str:
    line = " ".join(["bench/run.py", *sys.argv[1:]])
    return f"make bench  (→ python {line})" if os.environ.get("MAKELEVEL") else f"python {line}"


if __name__ == "__main__":
    sys.exit(main())
