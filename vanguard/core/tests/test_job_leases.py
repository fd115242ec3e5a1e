"""Job leases: a job whose worker died runs again, or fails after JOB_MAX_ATTEMPTS; no job runs twice at once.

The last tests start real workers (`manage.py db_worker`, a Celery worker),
kill them with SIGKILL in the middle of a job and watch the job finish.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import PASSWORD
from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus
from vanguard.core.tests import job_kinds
from vanguard.core.tests.test_jobs import require_redis

ROOT = Path(__file__).resolve().parents[3]
LEASE = 60  # seconds, in-process tests
WORKER_LEASE = 1.5  # seconds, for the workers the kill tests start: a killed worker's job is taken back quickly
WORKER_TIMEOUT = 60


@pytest.fixture(autouse=True)
def lease_settings(settings):
    settings.JOB_LEASE_SECONDS = LEASE
    settings.JOB_MAX_ATTEMPTS = 3


@pytest.fixture
def db_runner(settings):
    settings.VANGUARD_TASKS = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def make_job(city, kind="tests.steps", **fields) -> Job:
    values = {
        "kind": kind,
        "params": {"steps": 2, "pause": 0},
        "created_by": city.secretary_a,
        "organisation": city.district_a,
    }
    return Job.objects.create(**{**values, **fields})


def seconds_from_now(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def messages_for(job: Job) -> int:
    """How many times the job was handed to the db runner."""
    return sum(args["args"] == [job.pk] for args in DBTaskResult.objects.values_list("args_kwargs", flat=True))


def page(client, job: Job) -> str:
    return client.get(reverse("core:job", args=[job.pk])).content.decode()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# The lease rule


SEEN: list = []


@jobs.register("tests.lease_probe")
def lease_probe(job, progress):
    """Reads its own lease at the start and after a progress write that followed most of a lease."""
    SEEN.append(Job.objects.values_list("lease_expires_at", "attempts").get(pk=job.pk))
    Job.objects.filter(pk=job.pk).update(lease_expires_at=seconds_from_now(1))  # as if a lease had nearly passed
    progress(1, 1)
    SEEN.append(Job.objects.values_list("lease_expires_at", "attempts").get(pk=job.pk))


@pytest.mark.django_db
def test_a_run_holds_a_lease_that_progress_renews_and_the_end_clears(city):
    SEEN.clear()
    job = make_job(city, kind="tests.lease_probe")
    before = timezone.now()
    jobs.run_job(job.pk)
    after = timezone.now()
    (at_start, first_attempt), (renewed, still_first) = SEEN
    lease = datetime.timedelta(seconds=LEASE)
    assert before + lease <= at_start <= after + lease and first_attempt == 1
    assert before + lease <= renewed <= after + lease and still_first == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1 and job.lease_expires_at is None
    assert job.attempt == 1


@pytest.mark.django_db
def test_a_lapsed_job_goes_back_to_the_queue_and_runs_as_its_next_attempt(client, city, db_runner):
    job = make_job(city, status=JobStatus.RUNNING, attempts=1, lease_expires_at=seconds_from_now(-1), done=1, total=2)
    assert jobs.requeue_lapsed() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_expires_at, job.attempt) == (JobStatus.QUEUED, 1, None, 2)
    assert messages_for(job) == 1
    login(client, city.secretary_a)
    assert "后台进程停止后已重新启动（第 2 次，共 3 次）。" in page(client, job)
    assert jobs.requeue_lapsed() == 0  # queued, not running: nothing more to do

    jobs.run_job(job.pk)  # what db_worker does with the message
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert job.result == {"pid": os.getpid(), "attempt": 2} and (job.done, job.total) == (2, 2)
    assert "后台进程停止后已重新启动（第 2 次，共 3 次）。" in page(client, job)


@pytest.mark.django_db
def test_after_the_last_attempt_a_lapsed_job_fails_with_a_message(client, city, db_runner):
    job = make_job(city, status=JobStatus.RUNNING, attempts=3, lease_expires_at=seconds_from_now(-1))
    assert jobs.requeue_lapsed() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at and job.lease_expires_at is None
    assert job.error == "运行此任务的后台进程在完成前停止（共 3 次），因此未再次启动。"
    assert messages_for(job) == 0
    login(client, city.secretary_a)
    html = page(client, job)
    assert job.error in html and "（第 3 次，共 3 次）" in html and 'data-testid="job-retry"' in html


@pytest.mark.django_db
def test_the_number_of_attempts_is_a_setting(city, db_runner, settings):
    settings.JOB_MAX_ATTEMPTS = 5
    job = make_job(city, status=JobStatus.RUNNING, attempts=3, lease_expires_at=seconds_from_now(-1))
    jobs.requeue_lapsed()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and messages_for(job) == 1


@pytest.mark.django_db
def test_with_a_single_attempt_a_lapsed_job_fails_at_once(city, db_runner, settings):
    settings.JOB_MAX_ATTEMPTS = 1
    job = make_job(city, status=JobStatus.RUNNING, attempts=1, lease_expires_at=seconds_from_now(-1))
    jobs.requeue_lapsed()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and messages_for(job) == 0
    assert job.error == "运行此任务的后台进程在完成前停止（共 1 次），因此未再次启动。"


@pytest.mark.django_db
def test_a_live_lease_is_never_taken_over(city, db_runner):
    live = make_job(city, status=JobStatus.RUNNING, attempts=1, lease_expires_at=seconds_from_now(5), done=1, total=2)
    unleased = make_job(city, status=JobStatus.RUNNING, attempts=1)  # a row without a lease is not a lapsed one
    assert jobs.requeue_lapsed() == 0
    jobs.run_job(live.pk)  # the same job delivered again (a restarted worker, Celery's redelivery)
    for job in (live, unleased):
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.attempts == 1 and job.result is None
    assert live.done == 1 and messages_for(live) == 0


@pytest.mark.django_db
def test_a_redelivered_job_whose_lease_lapsed_is_taken_by_the_claim(city):
    """Celery sends a lost worker's message back to the queue: the claim itself takes the lapsed job."""
    job = make_job(city, status=JobStatus.RUNNING, attempts=1, lease_expires_at=seconds_from_now(-1), done=1)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.result["attempt"] == 2


@pytest.mark.django_db
def test_a_redelivered_job_out_of_attempts_fails_without_running(city):
    job = make_job(city, status=JobStatus.RUNNING, attempts=3, lease_expires_at=seconds_from_now(-1), done=1)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 3 and job.result is None
    assert "共 3 次" in job.error


@pytest.mark.django_db
def test_a_finished_job_delivered_again_stays_finished(city):
    job = make_job(city, status=JobStatus.SUCCEEDED, attempts=1, result={"kept": True})
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1 and job.result == {"kept": True}


AFTER_TAKEOVER: list[str] = []


def take_over(job: Job) -> None:
    """What the reaper and another worker's claim do while this run still goes on (it was only slow)."""
    Job.objects.filter(pk=job.pk).update(
        attempts=F("attempts") + 1, lease_expires_at=seconds_from_now(LEASE), message="the successor's"
    )


@jobs.register("tests.overtaken")
def overtaken(job, progress):
    progress(1, 3, "first")
    take_over(job)
    with transaction.atomic() if job.params.get("atomic") else _no_block():
        Job.objects.create(kind="tests.marker", created_by=job.created_by, organisation=job.organisation)
        progress(2, 3, "second")
        progress.flush()
        AFTER_TAKEOVER.append("went on")
    return {"done": True}


class _no_block:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("atomic", [False, True], ids=["autocommit", "in-a-transaction"])
def test_a_run_that_lost_its_lease_stops_and_leaves_the_row_to_its_successor(city, atomic, caplog):
    AFTER_TAKEOVER.clear()
    job = make_job(city, kind="tests.overtaken", params={"atomic": atomic})
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.message, job.result) == (JobStatus.RUNNING, 2, "the successor's", None)
    assert any("lost its lease" in r.getMessage() for r in caplog.records)
    if atomic and connection.vendor == "sqlite":
        # One writer at a time: progress inside the block waits for the commit, and so does the lease check;
        # the run is stopped at its end instead, before it records an outcome.
        assert AFTER_TAKEOVER == ["went on"]
    else:
        assert AFTER_TAKEOVER == []  # stopped at the progress call
    if atomic and connection.vendor == "postgresql":
        assert not Job.objects.filter(kind="tests.marker").exists()  # its transaction was rolled back


@jobs.register("tests.overtaken_at_the_end")
def overtaken_at_the_end(job, progress):
    take_over(job)
    return {"done": True}


@pytest.mark.django_db
def test_a_run_that_lost_its_lease_records_no_outcome(city):
    job = make_job(city, kind="tests.overtaken_at_the_end")
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 2 and job.result is None and not job.finished_at


@pytest.mark.django_db
def test_progress_on_postgresql_inside_a_transaction_renews_the_lease_from_outside(city, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: the lease is renewed at the commit")
    job = make_job(city, status=JobStatus.RUNNING, attempts=1, lease_expires_at=seconds_from_now(1))
    progress = jobs.Progress(job)
    try:
        with transaction.atomic():
            progress(1, 2)
            observer = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with observer.cursor() as cursor:
                    cursor.execute(f"SELECT lease_expires_at FROM {Job._meta.db_table} WHERE id = %s", [job.pk])
                    seen = cursor.fetchone()[0]
            finally:
                observer.close()
    finally:
        progress.close()
    assert seen >= seconds_from_now(LEASE - 5)


# Jobs running when leases were introduced


@pytest.mark.django_db
def test_the_migration_fails_jobs_left_running_by_workers_without_leases(client, city):
    migration = importlib.import_module("vanguard.core.migrations.0003_job_lease")
    stuck = make_job(city, status=JobStatus.RUNNING, done=0, total=0)
    queued, done = make_job(city), make_job(city, status=JobStatus.SUCCEEDED)
    migration.fail_jobs_left_running(apps, None)
    for job in (stuck, queued, done):
        job.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and stuck.finished_at and stuck.error == ""
    assert (queued.status, done.status) == (JobStatus.QUEUED, JobStatus.SUCCEEDED)
    login(client, city.secretary_a)
    html = page(client, stuck)
    assert "任务在完成前停止。" in html and 'data-testid="job-retry"' in html


# The retry button


@pytest.mark.django_db
def test_the_creator_starts_a_failed_job_again_as_a_new_job(client, city, django_capture_on_commit_callbacks):
    failed = make_job(city, status=JobStatus.FAILED, attempts=3, error="Stopped.", params={"steps": 4, "pause": 0})
    login(client, city.secretary_a)
    html = page(client, failed)
    assert reverse("core:job_retry", args=[failed.pk]) in html and 'data-testid="job-retry"' in html
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("core:job_retry", args=[failed.pk]))
    again = Job.objects.exclude(pk=failed.pk).get(kind="tests.steps")
    assert response.status_code == 302 and response["Location"] == reverse("core:job", args=[again.pk])
    assert len(queued) == 1
    assert (again.params, again.organisation, again.created_by) == (failed.params, city.district_a, city.secretary_a)
    assert (again.status, again.attempts, again.error) == (JobStatus.QUEUED, 0, "")
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED and failed.error == "Stopped."  # what happened stays on its page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, status, kind",
    [
        ("supervisor_a", JobStatus.FAILED, "tests.steps"),  # sees the job, did not start it
        ("office", JobStatus.FAILED, "tests.steps"),
        ("secretary_b", JobStatus.FAILED, "tests.steps"),  # out of scope
        ("secretary_a", JobStatus.SUCCEEDED, "tests.steps"),  # the creator, but nothing to retry
        ("secretary_a", JobStatus.RUNNING, "tests.steps"),
        ("secretary_a", JobStatus.QUEUED, "tests.steps"),
        ("secretary_a", JobStatus.FAILED, "tests.no-longer-registered"),
    ],
)
def test_only_the_creator_may_start_only_a_failed_job_again(client, city, who, status, kind):
    job = make_job(city, kind=kind, status=status, error="Stopped.")
    login(client, getattr(city, who))
    url = reverse("core:job_retry", args=[job.pk])
    if who != "secretary_b":
        html = page(client, job)
        assert 'data-testid="job-progress"' in html and url not in html and "job-retry" not in html
    assert client.post(url).status_code == 404
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_retry_is_a_post(client, city):
    job = make_job(city, status=JobStatus.FAILED)
    login(client, city.secretary_a)
    assert client.get(reverse("core:job_retry", args=[job.pk])).status_code == 405
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_the_retry_service_refuses_anyone_but_the_creator_and_any_job_but_a_failed_one(city):
    job = make_job(city, status=JobStatus.FAILED)
    with pytest.raises(PermissionDenied):
        jobs.retry(job=job, user=city.office)
    job.status = JobStatus.SUCCEEDED
    with pytest.raises(PermissionDenied):
        jobs.retry(job=job, user=city.secretary_a)
    assert Job.objects.count() == 1


# Real workers, killed


class SharedDatabase:
    """The test database as worker processes started by a test see it.

    PostgreSQL: the same database (its test name).  SQLite: the test database
    is in this process's memory, so it is copied to a file the workers open,
    and the job is read back from that file.
    """

    FIELDS = ("status", "attempts", "done", "total", "message", "result", "error")

    def __init__(self, directory: Path):
        if connection.vendor == "postgresql":
            self.file = None
            url = urlparse(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"])
            self.url = url.geturl()
        else:
            self.file = directory / "jobs.sqlite3"
            self.url = f"sqlite:///{self.file}"

    def publish(self) -> None:
        if self.file is not None:
            connection.ensure_connection()
            with closing(sqlite3.connect(self.file)) as target:
                connection.connection.backup(target)

    def job(self, pk: int) -> dict:
        if self.file is None:
            return Job.objects.values(*self.FIELDS).get(pk=pk)
        with closing(sqlite3.connect(self.file, timeout=10)) as db:
            row = db.execute(f"SELECT {', '.join(self.FIELDS)} FROM core_job WHERE id = ?", [pk]).fetchone()
        values = dict(zip(self.FIELDS, row, strict=True))
        values["result"] = json.loads(values["result"]) if values["result"] else None
        return values

    def env(self, runner: str, **extra: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vanguard.test_settings",
            "DATABASE_URL": self.url,
            "VANGUARD_TASKS": runner,
            "VANGUARD_JOB_LEASE_SECONDS": str(WORKER_LEASE),
            "VANGUARD_JOB_MAX_ATTEMPTS": "3",
            **extra,
        }


@pytest.fixture
def shared_db(tmp_path):
    return SharedDatabase(tmp_path)


class Worker:
    """A worker process of its own session, its output kept for the failure message."""

    def __init__(self, command: list[str], env: dict):
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> str:
        """Stop it (and what it started) and return what it wrote."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # a Celery pool process left behind
        except ProcessLookupError:
            pass
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return output


def wait_for(read, condition, what: str, workers: list[Worker]) -> dict:
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        row = read()
        if condition(row):
            return row
        if all(w.process.poll() is not None for w in workers):
            break
        time.sleep(0.05)
    logs = "\n".join(w.stop() for w in workers)
    pytest.fail(f"{what}: not seen ({row}); the workers said:\n{logs}")


def start_job(city) -> Job:
    # Long enough to be killed half-way; short enough for the suite (eight steps of 0.2 s).
    return jobs.start(
        kind="tests.steps", params={"steps": 8, "pause": 0.2}, user=city.secretary_a, organisation=city.district_a
    )


def mid_job(row: dict) -> bool:
    return row["status"] == JobStatus.RUNNING and 2 <= row["done"] < row["total"]


def finished(row: dict) -> bool:
    return row["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED)


DB_WORKER = [
    sys.executable,
    "-c",
    # manage.py db_worker, with the test job kinds imported first
    "import sys, django; django.setup(); import vanguard.core.tests.job_kinds; "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'db_worker', *sys.argv[1:]])",
    "--no-startup-delay",
    "--no-reload",
    "--interval=0.1",
]


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_db_worker_was_killed_finishes_after_a_restart(city, shared_db, db_runner):
    job = start_job(city)
    shared_db.publish()
    read = lambda: shared_db.job(job.pk)  # noqa: E731
    first = Worker(DB_WORKER, shared_db.env("db"))
    try:
        killed_pid = int(wait_for(read, mid_job, "the job half-way", [first])["message"])
        first.kill()
    finally:
        first.stop()
    assert killed_pid == first.process.pid
    assert read()["status"] == JobStatus.RUNNING  # nothing else would ever end it without the lease

    second = Worker(DB_WORKER, shared_db.env("db"))
    try:
        row = wait_for(read, finished, "the job finished", [second])
    finally:
        output = second.stop()
    assert row["status"] == JobStatus.SUCCEEDED, output
    assert row["attempts"] == 2 and (row["done"], row["total"]) == (8, 8)
    assert row["result"] == {"pid": second.process.pid, "attempt": 2}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_a_job_whose_celery_worker_was_killed_finishes(city, shared_db, settings, pool):
    """solo: the worker process itself is killed, and a new worker started; prefork: its pool process is killed."""
    redis_url = require_redis()
    settings.VANGUARD_TASKS = "celery"
    job = start_job(city)
    shared_db.publish()
    read = lambda: shared_db.job(job.pk)  # noqa: E731
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app=vanguard.core.celery",
        "worker",
        f"--pool={pool}",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        f"--hostname=vanguard-lease-test-{os.getpid()}@%h",
        f"--include={job_kinds.__name__}",
    ]
    env = shared_db.env("celery", VANGUARD_REDIS_URL=redis_url)
    workers = [Worker(command, env)]
    try:
        killed_pid = int(wait_for(read, mid_job, "the job half-way", workers)["message"])
        os.kill(killed_pid, signal.SIGKILL)
        if pool == "solo":
            assert killed_pid == workers[0].process.pid
            workers[0].process.wait()
            assert read()["status"] == JobStatus.RUNNING
            workers.append(Worker(command, env))
        else:
            assert killed_pid != workers[0].process.pid  # a pool process; the worker replaces it
        row = wait_for(read, finished, "the job finished", workers[-1:])
    finally:
        output = "\n".join(worker.stop() for worker in workers)
    assert row["status"] == JobStatus.SUCCEEDED, output
    assert row["attempts"] == 2 and (row["done"], row["total"]) == (8, 8)
    assert row["result"]["attempt"] == 2 and row["result"]["pid"] != killed_pid
