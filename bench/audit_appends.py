"""Audit-trail appends per second on PostgreSQL: one writer, then two concurrent writers.

    python bench/audit_appends.py [--entries N] [--no-write]

Each writer is its own process with its own connection and appends N entries,
one per transaction, as services do (the advisory lock is held until each
commit).  The chain is verified afterwards.  DATABASE_URL must name
PostgreSQL; when unset a temporary server is started.  The figures go to the
`audit-appends` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pgcluster  # noqa: E402

SECTION = "audit-appends"


def _setup() -> None:
    os.environ["VANGUARD_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django

    django.setup()


def _writer(n: int, tag: str, ready) -> None:
    _setup()
    from django.db import connection, transaction

    from vanguard.core import audit

    event = audit.declare("bench.append", "Bench append")
    connection.ensure_connection()
    ready.wait()  # every writer set up and connected: the clock starts now, for all of them
    for i in range(n):
        with transaction.atomic():
            audit.record(event=event, data={"writer": tag, "i": i}, changes={"status": ["pending", "accepted"]})


def _timed(writers: int, n: int) -> float:
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(writers + 1)
    processes = [context.Process(target=_writer, args=(n, f"w{k}", ready)) for k in range(writers)]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a writer failed with exit code {process.exitcode}")
    return time.perf_counter() - started


def run(entries: int, write: bool) -> int:
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import report
    from vanguard.core import audit
    from vanguard.core.models import AuditEntry

    before = AuditEntry.objects.count()
    one = _timed(1, entries)
    two = _timed(2, entries)
    started = time.perf_counter()
    broken, count, _head = audit.verify()
    verify_s = time.perf_counter() - started
    assert broken is None, broken
    assert count == before + 3 * entries, (count, before)
    rate_one, rate_two = entries / one, 2 * entries / two
    lines = [
        "## Audit trail: appends per second on PostgreSQL",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC with `python bench/audit_appends.py"
        f" --entries {entries}`. Each writer is a process with its own connection appending one entry per"
        " transaction (the advisory lock is held until the commit).",
        "",
        "| writers | entries | seconds | appends/s |",
        "|---|---:|---:|---:|",
        f"| 1 | {entries:,} | {one:.2f} | {rate_one:,.0f} |",
        f"| 2 concurrent | {2 * entries:,} | {two:.2f} | {rate_two:,.0f} |",
        "",
        f"`verify_audit` over the {count:,} entries afterwards: intact, {verify_s:.2f} s"
        f" ({count / verify_s:,.0f} entries/s).",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in report.machine().items()],
        f"| Load average (1/5/15 min) | {report.load_average()} |",
    ]
    body = "\n".join(lines)
    print(body)
    if write:
        report.write_section(ROOT / "BENCHMARKS.md", SECTION, body)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000, help="entries per writer (default 5,000)")
    parser.add_argument("--no-write", action="store_true", help="print the figures but leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return run(args.entries, not args.no_write)
    with pgcluster.TemporaryCluster() as url:
        os.environ["DATABASE_URL"] = url
        return run(args.entries, not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
