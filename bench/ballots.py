"""Ballots cast through the HTTP endpoint under gunicorn on PostgreSQL: rate, latency, and integrity through SIGKILL.

    python bench/ballots.py [--workers N] [--worker-class sync|gthread] [--threads N] [--duration S]
                            [--rounds N] [--clients N] [--connections N] [--crash-duration S] [--kills N]
                            [--profile N] [--strict] [--no-write]
    (or: python bench/run.py --only ballots)

In one run, against one gunicorn serving `vanguard.wsgi` with the product's
settings and middleware (plus /bench/ceiling/, bench/ballots_urls.py):

1. the peak, closed loop: in turns, the ceiling (a bare view doing one INSERT)
   and the vote (POST /b/<ballot>/<code>/, one fresh code per request), each
   `--duration` seconds, `--rounds` times;
2. the vote paced at 80% of its peak (open loop), for the p99 at that rate;
3. the crash run: the vote under load on a ballot of its own while every
   gunicorn process (master and workers) is SIGKILLed `--kills` times and
   gunicorn restarted; codes whose answer never came are then offered again
   (a voter pressing again), and the database is compared with what the
   clients were told: every acknowledged code spent, casts == spent tokens,
   and the spent tokens exactly those of the codes that were acknowledged or
   that, offered again, were found already used.

CPU is read from /proc over each phase: the whole machine, gunicorn, the
PostgreSQL backends of the bench's database, and the load generator's own
processes.  `--profile N` casts N votes in this process under cProfile first
and prints where the time goes.  DATABASE_URL must name PostgreSQL (a
database of its own: the bench migrates it and adds ballots); unset, a
temporary server is started.  The figures go to the `ballots` section of
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import ballots_load as load  # noqa: E402
from bench import pgcluster  # noqa: E402

SECTION = "ballots"
RATE_TARGET = 1000.0
RATIO_TARGET = 0.8
P99_TARGET_MS = 200.0
PACED_SHARE = 0.8
BODY = b"q1=satisfied"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--no-write", action="store_true", help="print the figures but leave BENCHMARKS.md alone")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The ballot bench's options (bench/run.py adds them with the prefix `ballots-`)."""
    p = f"--{prefix}"
    # As the README deploys it: sync workers, 2 × cores + 1 of them (gunicorn's advice).
    workers = 2 * (os.cpu_count() or 1) + 1
    parser.add_argument(f"{p}workers", type=int, default=workers, help=f"gunicorn workers (default {workers})")
    parser.add_argument(f"{p}worker-class", choices=["sync", "gthread"], default="sync", help="default sync")
    parser.add_argument(f"{p}threads", type=int, default=2, help="threads per gthread worker (default 2)")
    parser.add_argument(f"{p}duration", type=float, default=15.0, help="seconds of each measured phase (default 15)")
    parser.add_argument(f"{p}rounds", type=int, default=4, help="turns of ceiling and vote (default 4)")
    parser.add_argument(f"{p}clients", type=int, default=2, help="load generator processes (default 2)")
    parser.add_argument(f"{p}connections", type=int, default=8, help="connections per generator process (default 8)")
    parser.add_argument(f"{p}crash-duration", type=float, default=75.0, help="seconds of the crash run (default 75)")
    parser.add_argument(f"{p}kills", type=int, default=2, help="times every gunicorn process is killed (default 2)")
    parser.add_argument(f"{p}profile", type=int, default=0, help="cProfile this many in-process votes first")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    options = vars(args)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            print("bench: DATABASE_URL must name a PostgreSQL database (postgres://...).", file=sys.stderr)
            return 2
        return run(options, url=url, database=_describe_url(url), command=_command(), log=say,
                   output=args.output, write=not args.no_write, strict=args.strict)  # fmt: skip
    try:
        cluster = pgcluster.TemporaryCluster(log=say)
    except pgcluster.PostgresMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    with cluster as url:
        os.environ["DATABASE_URL"] = url
        return run(options, url=url, database="a temporary PostgreSQL cluster started by the bench (settings below)",
                   command=_command(), log=say, output=args.output, write=not args.no_write,
                   strict=args.strict)  # fmt: skip


def _describe_url(url: str) -> str:
    import dj_database_url

    config = dj_database_url.parse(url)  # never the password
    return f"DATABASE_URL → {config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}/{config.get('NAME')}"


def _command() -> str:
    return " ".join(["python bench/ballots.py", *sys.argv[1:]])


_started = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", flush=True)


# --- the app server ------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving vanguard.wsgi with bench/ballots_settings.py; kill() SIGKILLs the master and every worker."""

    def __init__(self, *, url: str, workers: int, worker_class: str, threads: int, log):
        self.url, self.log = url, log
        self.port = _free_port()
        self.argv = [
            str(Path(sys.executable).with_name("gunicorn")),
            "vanguard.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--worker-class", worker_class,
            # gunicorn turns a sync worker given threads into a gthread one: threads only for gthread.
            *(["--threads", str(threads)] if worker_class == "gthread" else []),
            "--keep-alive", "30",
            "--backlog", "2048",
            "--chdir", str(ROOT),
            "--log-level", "warning",
            # The application is imported once, in the master, before the workers fork: a restart after the kill
            # answers sooner than with every worker importing Django on its own.
            "--preload",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None
        self.describe = f"gunicorn {workers} {worker_class} workers" + (
            f" × {threads} threads" if worker_class == "gthread" else ""
        )

    def start(self) -> float:
        """Start gunicorn and wait until every worker answers; the seconds that took."""
        env = dict(
            os.environ, DJANGO_SETTINGS_MODULE="bench.ballots_settings", VANGUARD_DEMO="1", DATABASE_URL=self.url
        )
        began = time.perf_counter()
        self.process = subprocess.Popen(self.argv, env=env, cwd=ROOT, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /bench/ready/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if sock.recv(12).startswith(b"HTTP/1.1"):
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        master = self.process.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            children = []
        return [master, *map(int, children)]

    def kill(self) -> int:
        """SIGKILL the master and every worker at once; the number of processes killed."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for pid in pids[1:]:  # the workers, reparented: wait until they are gone
            while _alive(pid):
                time.sleep(0.01)
        return len(pids)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


# --- CPU accounting ------------------------------------------------------------------------------------------------


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values[:8]) - idle, sum(values[:8])


def _backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds over a phase: machine busy, gunicorn's processes, the bench database's PostgreSQL backends."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self) -> CpuMeter:
        self.wall = time.perf_counter()
        self.machine = _machine_ticks()
        self.gunicorn = {pid: _ticks(pid) for pid in self.server.pids()}
        self.postgres = {pid: _ticks(pid) for pid in _backends()}
        self.waits: dict[str, int] = {}
        self.sampling = threading.Event()
        self.sampler = threading.Thread(target=self._sample)
        self.sampler.start()
        return self

    def _sample(self) -> None:
        """What the bench database's busy backends are doing, five times a second: running, or waiting on what."""
        from django.db import connection

        try:
            while not self.sampling.wait(0.2):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT coalesce(wait_event_type || ':' || wait_event, 'running'), state"
                        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        " AND state IN ('active', 'idle in transaction')"
                    )
                    for wait, state in cursor.fetchall():
                        key = "in transaction, waiting for the app" if state == "idle in transaction" else wait
                        self.waits[key] = self.waits.get(key, 0) + 1
        finally:
            connection.close()

    def __exit__(self, *exc) -> None:
        self.sampling.set()
        self.sampler.join()
        self.seconds = time.perf_counter() - self.wall
        busy, total = _machine_ticks()
        cores = os.cpu_count() or 1
        # Jiffies of all CPUs: busy share times cores gives cores in use.
        self.machine_cores = (busy - self.machine[0]) / max(1, total - self.machine[1]) * cores
        self.gunicorn_cores = self._delta(self.gunicorn, self.server.pids())
        self.postgres_cores = self._delta(self.postgres, _backends())

    def _delta(self, before: dict[int, int], now: list[int]) -> float:
        used = sum(_ticks(pid) - before.get(pid, 0) for pid in now)
        return used / CLOCK_TICKS / self.seconds


# --- phases --------------------------------------------------------------------------------------------------------


class Phase:
    def __init__(self, name: str, endpoint: str, outcomes: list[load.Outcome], cpu: CpuMeter | None, rate=None):
        self.name, self.endpoint, self.cpu, self.target_rate = name, endpoint, cpu, rate
        self.latencies = sorted(x for o in outcomes for x in o.latencies)
        self.statuses: dict[int, int] = {}
        for outcome in outcomes:
            for status, count in outcome.statuses.items():
                self.statuses[status] = self.statuses.get(status, 0) + count
        self.elapsed = max(o.elapsed for o in outcomes)
        self.ok = sum(count for status, count in self.statuses.items() if 200 <= status < 300)
        self.rate = self.ok / self.elapsed if self.elapsed else 0.0
        self.generator_cpu = sum(o.cpu for o in outcomes)
        self.generator_cores = self.generator_cpu / self.elapsed if self.elapsed else 0.0
        self.late = max(o.late for o in outcomes)

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        return self.latencies[min(len(self.latencies) - 1, int(share * len(self.latencies)))] * 1000

    @property
    def refused(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)

    def line(self) -> str:
        return (
            f"{self.name}: {self.ok:,} answered 2xx in {self.elapsed:.1f} s = {self.rate:,.0f}/s, "
            f"p50 {self.percentile(0.5):.1f} ms, p99 {self.percentile(0.99):.1f} ms, other {self.refused}; "
            f"generator {self.generator_cores:.2f} cores"
            + (
                f"; machine {self.cpu.machine_cores:.2f}, gunicorn {self.cpu.gunicorn_cores:.2f}, "
                f"PostgreSQL {self.cpu.postgres_cores:.2f} cores"
                if self.cpu
                else ""
            )
        )


def _split(items: list, parts: int) -> list[list]:
    return [items[n::parts] for n in range(parts)]


def _closed(server: Server, requests: list[bytes], *, clients: int, connections: int, duration: float,
            keep_statuses: bool = False) -> list[load.Outcome]:  # fmt: skip
    start = time.time() + 0.3
    plans = [
        load.Plan(
            "127.0.0.1", server.port, share, duration, start, connections=connections, keep_statuses=keep_statuses
        )
        for share in _split(requests, clients)
    ]
    return load.drive(plans)


def _paced(server: Server, requests: list[bytes], *, clients: int, connections: int, duration: float,
           rate: float) -> list[load.Outcome]:  # fmt: skip
    start = time.time() + 0.3
    plans = [
        # Connections enough for a stall of a second at this rate, so the pool never caps the queue we measure.
        load.Plan(
            "127.0.0.1",
            server.port,
            share,
            duration,
            start,
            connections=max(connections, int(rate / clients)),
            rate=rate / clients,
        )  # fmt: skip
        for share in _split(requests, clients)
    ]
    return load.drive(plans)


def _votes(ballot, codes: list[str]) -> list[bytes]:
    return [load.post(f"/b/{ballot.public_id}/{code}/", BODY) for code in codes]


# --- the run -------------------------------------------------------------------------------------------------------


def _setup_django() -> None:
    os.environ["VANGUARD_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django

    django.setup()


def _organisation():
    from vanguard.orgs import services as org_services
    from vanguard.orgs.models import Kind, Organisation

    found = Organisation.objects.filter(name="选票压测单位", parent=None).first()
    return found or org_services.create_organisation(parent=None, name="选票压测单位", kind=Kind.GRASSROOTS_COMMITTEE)


def _ballot(organisation, title: str):
    from django.utils import timezone

    from vanguard.ballots import services
    from vanguard.ballots.models import Constituency, Kind, QuestionKind

    today = timezone.localdate()
    ballot = services.create_ballot(
        organisation=organisation,
        actor=None,
        kind=Kind.SATISFACTION,
        title=title,
        questions=[{"key": "q1", "kind": QuestionKind.SATISFACTION, "label": "对本单位工作是否满意", "required": True}],
        constituencies=[Constituency.MEMBERS],
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=7),
    )
    return services.open_ballot(ballot=ballot, actor=None)


def _codes(ballot, count: int) -> list[str]:
    from django.db import connection

    from vanguard.ballots import services
    from vanguard.ballots.models import Constituency, Medium, Token

    codes: list[str] = []
    while len(codes) < count:
        codes += services.issue_tokens(
            ballot=ballot, actor=None, count=min(100_000, count - len(codes)), medium=Medium.SHEET,
            constituency=Constituency.MEMBERS,
        )  # fmt: skip
    # Now, rather than by autovacuum in the middle of a measured phase.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Token._meta.db_table}")
    return codes


def run(options: dict, *, url: str, database: str, command: str, log, output: Path, write: bool, strict: bool) -> int:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench import report
    from bench.ballots_urls import CEILING_TABLE

    if connection.vendor != "postgresql":
        print(f"bench: the database is {connection.vendor}, not PostgreSQL.", file=sys.stderr)
        return 2
    when = datetime.datetime.now(datetime.UTC)
    log("Migrating")
    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CEILING_TABLE}"
            " (id uuid PRIMARY KEY, answers jsonb NOT NULL, day date NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {CEILING_TABLE}")
    machine = report.machine()
    machine["Load average (1/5/15 min) before the run"] = report.load_average()
    organisation = _organisation()
    duration, rounds = options["duration"], options["rounds"]
    clients, connections = options["clients"], options["connections"]
    shape = {"clients": clients, "connections": connections}

    profile = _profile(organisation, options["profile"], log) if options["profile"] else None

    server = Server(url=url, workers=options["workers"], worker_class=options["worker_class"],
                    threads=options["threads"], log=log)  # fmt: skip
    # Enough codes for a rate well above what two cores can serve; a phase ends early if they run out (it shows).
    budget = int(2000 * duration)
    peak_ballot = _ballot(organisation, f"压测 {when:%Y-%m-%d %H:%M} 峰值")
    log(f"Issuing {budget * rounds + 6000:,} codes for the peak")
    peak_codes = _codes(peak_ballot, budget * rounds + 6000)
    ceiling = [load.post("/bench/ceiling/", BODY)] * (budget * rounds + 6000)
    phases: list[Phase] = []
    log(f"Starting {server.describe} on port {server.port}")
    boot = server.start()
    try:
        log("Warming up (3 s each, not counted)")
        _closed(server, ceiling[:6000], duration=3, **shape)
        _closed(server, _votes(peak_ballot, peak_codes[:6000]), duration=3, **shape)
        used = 6000
        for number in range(1, rounds + 1):
            with CpuMeter(server) as cpu:
                outcomes = _closed(server, ceiling[:budget], duration=duration, **shape)
            phases.append(Phase(f"ceiling, round {number}", "ceiling", outcomes, cpu))
            log(phases[-1].line())
            with CpuMeter(server) as cpu:
                outcomes = _closed(server, _votes(peak_ballot, peak_codes[used : used + budget]), duration=duration,
                                   **shape)  # fmt: skip
            used += budget
            phases.append(Phase(f"vote, round {number}", "vote", outcomes, cpu))
            log(phases[-1].line())
        votes = [p for p in phases if p.endpoint == "vote"]
        ceilings = [p for p in phases if p.endpoint == "ceiling"]
        peak = sum(p.ok for p in votes) / sum(p.elapsed for p in votes)
        ceiling_rate = sum(p.ok for p in ceilings) / sum(p.elapsed for p in ceilings)
        paced_rate = PACED_SHARE * peak
        paced_ballot = _ballot(organisation, f"压测 {when:%Y-%m-%d %H:%M} 定速")
        paced_codes = _codes(paced_ballot, int(paced_rate * duration) + 1000)
        log(f"Paced at {paced_rate:,.0f}/s (80% of {peak:,.0f}/s) for {duration:.0f} s")
        with CpuMeter(server) as cpu:
            outcomes = _paced(server, _votes(paced_ballot, paced_codes), duration=duration, rate=paced_rate, **shape)
        paced = Phase("vote, paced at 80% of the peak", "vote", outcomes, cpu, rate=paced_rate)
        log(paced.line())
        crash = (
            _crash(server, organisation, when=when, peak=peak, options=options, log=log) if options["kills"] else None
        )
    finally:
        server.stop()
    machine["Load average (1/5/15 min) after the run"] = report.load_average()
    checks = [
        (f"vote ≥ {RATE_TARGET:,.0f}/s or ≥ {RATIO_TARGET} of the ceiling",
         peak >= RATE_TARGET or peak >= RATIO_TARGET * ceiling_rate),
        (f"p99 ≤ {P99_TARGET_MS:.0f} ms at 80% of the peak", paced.percentile(0.99) <= P99_TARGET_MS),
        ("paced run kept its rate (≥ 95%)", paced.rate >= 0.95 * paced_rate),
        ("no vote refused during the load", all(p.refused == 0 for p in [*votes, paced])),
        *(crash["checks"] if crash else [("crash run (skipped: --kills 0)", False)]),
    ]  # fmt: skip
    body = markdown(
        phases=phases, paced=paced, peak=peak, ceiling_rate=ceiling_rate, crash=crash, checks=checks, machine=machine,
        when=when, database=database, command=command, server=server, boot=boot, options=options, profile=profile,
    )  # fmt: skip
    print(body)
    if write:
        report.write_section(output, SECTION, body)
        log(f"Wrote the {SECTION} section of {output}")
    failed = [name for name, ok in checks if not ok]
    log("All targets met." if not failed else f"Targets missed: {'; '.join(failed)}")
    return 1 if failed and strict else 0


def _crash(server: Server, organisation, *, when, peak: float, options: dict, log) -> dict:
    """Votes under closed-loop load while every gunicorn process is SIGKILLed and restarted; then the books."""
    from vanguard.ballots import services
    from vanguard.ballots.models import Cast, Token

    kills, length = options["kills"], options["crash_duration"]
    ballot = _ballot(organisation, f"压测 {when:%Y-%m-%d %H:%M} 断电")
    codes = _codes(ballot, int(max(peak, 500) * 1.5 * length) + 1000)
    requests = _votes(ballot, codes)
    log(f"Crash run: {length:.0f} s of load, every gunicorn process SIGKILLed {kills} times, restarted each time")
    events: list[dict] = []

    began_load = time.perf_counter()

    def killer() -> None:
        serving_since = began_load
        for number in range(1, kills + 1):
            # Evenly spread over the load, but each kill at least 3 s after gunicorn answered again.
            due = max(began_load + number * length / (kills + 1), serving_since + 3)
            time.sleep(max(0.0, due - time.perf_counter()))
            killed = server.kill()
            began = time.perf_counter()
            booted = server.start()
            serving_since = time.perf_counter()
            events.append({"number": number, "killed": killed, "down": serving_since - began, "boot": booted,
                           "at": began - began_load})  # fmt: skip

    thread = threading.Thread(target=killer)
    thread.start()
    outcomes = _closed(server, requests, clients=options["clients"], connections=options["connections"],
                       duration=length, keep_statuses=True)  # fmt: skip
    thread.join()
    for event in events:
        log(f"  kill {event['number']}: {event['killed']} processes SIGKILLed; answering again after "
            f"{event['down']:.1f} s")  # fmt: skip
    statuses = [s for o in outcomes for s in o.per_request]
    by_share = [codes[n :: options["clients"]] for n in range(options["clients"])]
    sent_codes = [c for share in by_share for c in share]
    status_of = dict(zip(sent_codes, statuses, strict=True))
    acknowledged = [c for c, s in status_of.items() if s == 201]
    unknown = [c for c, s in status_of.items() if s == load.UNKNOWN]
    other = {
        s: sum(1 for v in status_of.values() if v == s) for s in set(status_of.values()) - {201, load.UNKNOWN, None}
    }
    log(f"  {len(acknowledged):,} acknowledged, {len(unknown):,} without an answer, other answers {other or 'none'}")
    # The voters whose page never answered press again: 201 means the first try did not count, 409 that it did.
    retried: dict[int, int] = {}
    retry_status: dict[str, int] = {}
    if unknown:
        again = load.drive([load.Plan("127.0.0.1", server.port, _votes(ballot, unknown), 60, time.time() + 0.2,
                                      connections=4, keep_statuses=True)])[0]  # fmt: skip
        retry_status = dict(zip(unknown, again.per_request, strict=True))
        for status in again.per_request:
            retried[status] = retried.get(status, 0) + 1
        log(f"  offered again: {retried}")
    # Every code the clients know to be counted: acknowledged, or found already used when offered again.
    counted = set(acknowledged) | {c for c, s in retry_status.items() if s in (201, 409)}
    casts = Cast.objects.filter(ballot=ballot).count()
    spent = set(Token.objects.filter(ballot=ballot, spent=True).values_list("code_hash", flat=True))
    acknowledged_spent = sum(1 for c in acknowledged if services.code_hash(c) in spent)
    counted_hashes = {services.code_hash(c) for c in counted}
    never_sent = [c for c in codes if c not in status_of or status_of[c] is None]
    never_sent_spent = sum(1 for c in never_sent if services.code_hash(c) in spent)
    figures = {
        "codes": len(codes),
        "sent": sum(1 for s in status_of.values() if s is not None),
        "acknowledged": len(acknowledged),
        "unknown": len(unknown),
        "other": other,
        "retried": retried,
        "counted": len(counted),
        "casts": casts,
        "spent": len(spent),
        "acknowledged_spent": acknowledged_spent,
        "never_sent_spent": never_sent_spent,
        "spent_not_counted": len(spent - counted_hashes),
        "counted_not_spent": len(counted_hashes - spent),
        "events": events,
    }
    log(f"  database: {casts:,} casts, {len(spent):,} spent tokens; {acknowledged_spent:,} of {len(acknowledged):,} "
        f"acknowledged codes spent")  # fmt: skip
    checks = [
        ("crash: every gunicorn process was killed and restarted",
         len(events) == kills and all(e["killed"] > 1 for e in events)),
        ("crash: some requests were cut off by the kills (the test bit)", len(unknown) > 0),
        ("crash: every acknowledged ballot is counted (its token spent)", acknowledged_spent == len(acknowledged)),
        ("crash: none twice, none without its token (casts == spent tokens)", casts == len(spent)),
        ("crash: spent tokens are exactly the codes the clients know counted", spent == counted_hashes),
        ("crash: offered again, every unanswered code got a definite answer (201 or 409)",
         set(retried) <= {201, 409}),
    ]  # fmt: skip
    return {"figures": figures, "checks": checks}


def _profile(organisation, count: int, log) -> dict:
    """Vote and ceiling through Django's WSGI handler in this process: CPU per request of each, then cProfile votes."""
    import cProfile
    import io
    import pstats

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    ballot = _ballot(organisation, "压测 剖析")
    codes = iter(_codes(ballot, 3 * count + 200))
    handler = WSGIHandler()

    def call(path: str) -> int:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(BODY)),
            "wsgi.input": io.BytesIO(BODY), "wsgi.url_scheme": "http", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        }  # fmt: skip
        statuses = []
        body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        return int(statuses[0][:3])

    def vote() -> int:
        return call(f"/b/{ballot.public_id}/{next(codes)}/")

    def ceiling() -> int:
        return call("/bench/ceiling/")

    def cpu_ms(what) -> tuple[float, float]:
        """(CPU ms, wall ms) per request over `count` requests, after 50 untimed."""
        for _ in range(50):
            what()
        cpu, wall = time.process_time(), time.perf_counter()
        statuses = {what() for _ in range(count)}
        assert statuses == {201}, statuses
        return (time.process_time() - cpu) / count * 1000, (time.perf_counter() - wall) / count * 1000

    with override_settings(ROOT_URLCONF="bench.ballots_urls"):
        ceiling_ms = cpu_ms(ceiling)
        vote_ms = cpu_ms(vote)
        log(f"In-process, one request at a time: vote {vote_ms[0]:.2f} ms CPU ({vote_ms[1]:.2f} ms wall), "
            f"ceiling {ceiling_ms[0]:.2f} ms CPU ({ceiling_ms[1]:.2f} ms wall)")  # fmt: skip
        profiler = cProfile.Profile(time.process_time)  # CPU, not wall: waits on the database are not ours
        profiler.enable()
        for _ in range(count):
            vote()
        profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    print(stream.getvalue())
    total = stats.total_tt
    shares = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, (file_part, function) in PROFILE_PARTS.items():
            if file_part in filename and name == function:
                shares[label] = max(shares.get(label, 0.0), cumulative / total)
    return {"count": count, "vote": vote_ms, "ceiling": ceiling_ms, "shares": shares}


# Where a vote's time goes, by the cumulative time of these functions (file fragment, function name).
PROFILE_PARTS = {
    "the view (form, cast, page)": ("ballots/public_views.py", "vote"),
    "cast (the transaction)": ("ballots/services.py", "cast"),
    "SQL round trips (psycopg execute)": ("psycopg/cursor.py", "execute"),
    "the answers form": ("django/forms/forms.py", "is_valid"),
    "rendering the page (templates)": ("django/shortcuts.py", "render"),
    "the rate-limit check": ("core/ratelimit.py", "exceeded"),
    "the ballot's lookup": ("ballots/public_views.py", "_ballot"),
}


# --- the report ----------------------------------------------------------------------------------------------------


def _cores(value: float) -> str:
    return f"{value:.2f}"


def markdown(*, phases, paced, peak, ceiling_rate, crash, checks, machine, when, database, command, server, boot,
             options, profile) -> str:  # fmt: skip
    rows = []
    for phase in [*phases, paced]:
        cpu = phase.cpu
        other = cpu.machine_cores - cpu.gunicorn_cores - cpu.postgres_cores - phase.generator_cores
        per_request = phase.generator_cpu / max(1, phase.ok + phase.refused) * 1e6
        rows.append(
            f"| {phase.name} | {phase.ok:,} | {phase.elapsed:.1f} | **{phase.rate:,.0f}** | "
            f"{phase.percentile(0.5):.1f} | {phase.percentile(0.9):.1f} | {phase.percentile(0.99):.1f} | "
            f"{phase.latencies[-1] * 1000 if phase.latencies else float('nan'):.0f} | {phase.refused} | "
            f"{_cores(cpu.machine_cores)} | {_cores(cpu.gunicorn_cores)} | {_cores(cpu.postgres_cores)} | "
            f"{_cores(phase.generator_cores)} ({per_request:.0f} µs/req) | {_cores(max(0.0, other))} |"
        )
    f = crash["figures"] if crash else {"events": []}
    kills = "; ".join(
        f"kill {e['number']} at {e['at']:.0f} s: {e['killed']} processes, answering again {e['down']:.1f} s later"
        for e in f["events"]
    )
    measured = [*phases, paced]
    seconds = sum(p.elapsed for p in measured)
    busy = sum(p.cpu.machine_cores * p.elapsed for p in measured) / seconds
    generator = sum(p.generator_cores * p.elapsed for p in measured) / seconds
    backends = sum(p.cpu.postgres_cores * p.elapsed for p in measured) / seconds
    rest = busy - generator - backends - sum(p.cpu.gunicorn_cores * p.elapsed for p in measured) / seconds
    votes = [p for p in phases if p.endpoint == "vote"]
    sampled: dict[str, int] = {}
    for phase in [*votes, paced]:
        for key, count in phase.cpu.waits.items():
            sampled[key] = sampled.get(key, 0) + count
    total = sum(sampled.values()) or 1
    waits = ", ".join(f"{key} {count / total:.0%}" for key, count in sorted(sampled.items(), key=lambda x: -x[1]))
    vote_cpu = sum(p.cpu.gunicorn_cores * p.elapsed for p in votes) / max(1, sum(p.ok for p in votes)) * 1000
    ceilings = [p for p in phases if p.endpoint == "ceiling"]
    ceiling_cpu = sum(p.cpu.gunicorn_cores * p.elapsed for p in ceilings) / max(1, sum(p.ok for p in ceilings)) * 1000
    vote_pg = sum(p.cpu.postgres_cores * p.elapsed for p in votes) / max(1, sum(p.ok for p in votes)) * 1000
    ceiling_pg = sum(p.cpu.postgres_cores * p.elapsed for p in ceilings) / max(1, sum(p.ok for p in ceilings)) * 1000
    lines = [
        "## Ballots: casting through the HTTP endpoint, and through SIGKILL",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC with `{command}` (or `python bench/run.py --only ballots`); {database}.",
        f"Server: {server.describe}, serving `vanguard.wsgi` with the product's settings and middleware "
        "(`bench/ballots_settings.py` adds only the ceiling's URL); started in "
        f"{boot:.1f} s. Load: {options['clients']} generator processes × {options['connections']} connections, "
        "raw HTTP/1.1 over asyncio (`bench/ballots_load.py`), on the same machine"
        + (
            " (sync workers close each connection after its answer: the generator reconnects)."
            if options["worker_class"] == "sync"
            else ", kept alive."
        ),  # fmt: skip
        "",
        "The vote is `POST /b/<ballot>/<code>/` with `q1=satisfied`, a fresh code each time (one satisfaction "
        "question); it answers 201 once the cast is committed. The ceiling is `POST /bench/ceiling/`, a bare view "
        "doing one INSERT of a cast-shaped row (random UUID, JSON answers, the day), through the same middleware "
        "and server, in turns with the vote in the same run. Peaks are closed loop; the paced run is open loop, "
        "its latency counted from when each request was due.",
        "",
        "| Phase | 2xx | s | per s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | CPU machine | gunicorn "
        "| PG backends | generator | rest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"CPU columns are cores in use over the phase (the machine has {os.cpu_count()}); *rest* is whatever else "
        "ran (other PostgreSQL processes, other users of the machine). Per request, gunicorn spent "
        f"{vote_cpu:.2f} ms of CPU on a vote against {ceiling_cpu:.2f} ms on the ceiling; the database backends "
        f"{vote_pg:.2f} ms against {ceiling_pg:.2f} ms.",
        "",
        f"**Peak: {peak:,.0f} votes/s against a ceiling of {ceiling_rate:,.0f}/s = {peak / ceiling_rate:.2f} of the "
        f"ceiling.** Paced at {paced.target_rate:,.0f}/s (80% of the peak): {paced.rate:,.0f}/s achieved, p99 "
        f"{paced.percentile(0.99):.1f} ms (the sender fell behind its schedule by at most "
        f"{paced.late * 1000:.1f} ms).",
        "",
        "### What limits throughput",
        "",
        f"CPU, and on the app server's side. The machine was busy throughout ({_cores(busy)} of {os.cpu_count()} "
        f"cores on average over the measured phases); the generator used {_cores(generator)} cores and the bench "
        f"database's backends {_cores(backends)}, while *rest* — other sessions' test suites on this shared "
        f"machine — took {_cores(rest)} cores, which lowers vote and ceiling alike (so their ratio is the figure "
        "to read, and the absolute rates are this machine's, not a server's). Between vote and ceiling the "
        f"difference is Python in gunicorn: {vote_cpu:.1f} ms of CPU per vote against {ceiling_cpu:.1f} ms per "
        "bare INSERT. The vote (services.cast) checks the answers and makes one prepared call of "
        "`ballots_cast_vote` (migration ballots 0002), which takes the ballot's advisory lock shared, spends the "
        "code and inserts the cast: one round trip and one transaction, as the ceiling's INSERT, but three "
        "statements' work in the database. The open ballot and its acknowledgement page are kept per process; "
        "the ceiling answers plain text. Busy backends of "
        "the bench database, sampled five "
        f"times a second during the votes: {waits}.",
        "",
        "The server used here has `fsync=off` and `synchronous_commit=off` (a development server): the crash "
        "run kills the application server, not PostgreSQL. The acknowledgement is sent after COMMIT, so what is "
        "acknowledged survives any app-server crash; surviving a PostgreSQL crash as well needs `fsync=on` "
        "(and `synchronous_commit=on`) on the production server.",
        "",
        "### Crash run",
        "",
    ]
    if crash:
        lines += [
            f"{options['crash_duration']:.0f} s of closed-loop votes on a ballot of their own; {kills}. A request cut "
            "off by a kill has no answer: after the load those codes are offered again, as a voter would press "
            "again — 201 means the cut-off try stored nothing, 409 (code already used) that it had been stored.",
            "",
            f"- codes issued {f['codes']:,}; sent {f['sent']:,}; acknowledged (201) {f['acknowledged']:,}; "
            f"cut off without an answer {f['unknown']:,}; other answers {f['other'] or 'none'}",
            f"- offered again: {f['retried'] or 'none'}",
            f"- database: **{f['casts']:,} casts, {f['spent']:,} spent tokens**; acknowledged codes spent "
            f"{f['acknowledged_spent']:,} of {f['acknowledged']:,}; codes the clients know counted {f['counted']:,}; "
            f"spent but not known counted {f['spent_not_counted']}; "
            f"known counted but not spent {f['counted_not_spent']}; "
            f"never-sent codes spent {f['never_sent_spent']}",
        ]
    else:
        lines.append("Skipped (`--kills 0`).")
    lines += [
        "",
        "### Checks",
        "",
        *[f"- {'met' if ok else '**missed**'}: {name}" for name, ok in checks],
        "",
        "### Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
    ]
    if profile:
        lines += [
            "",
            "### Profile",
            "",
            f"In the bench process, one request at a time through Django's WSGI handler ({profile['count']} each): "
            f"a vote costs {profile['vote'][0]:.2f} ms of CPU ({profile['vote'][1]:.2f} ms wall), the ceiling "
            f"{profile['ceiling'][0]:.2f} ms ({profile['ceiling'][1]:.2f} ms wall), a ratio of "
            f"{profile['ceiling'][0] / profile['vote'][0]:.2f}. Under cProfile, share of a vote's time:",
            "",
            *[f"- {label}: {share:.0%}" for label, share in sorted(profile["shares"].items(), key=lambda x: -x[1])],
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
