"""Background jobs: every runner runs them, progress and results land in the row, and only the right people see them.

The Celery worker imports this module (`--include`) so that it knows the test job kinds.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import PASSWORD
from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus

ROOT = Path(__file__).resolve().parents[3]
CELERY_TIMEOUT = 60


@jobs.register("test.count", title="Count", result_template="test/count_result.html")
def count(job, progress):
    total = job.params["n"]
    for done in range(1, total + 1):
        progress(done, total, f"Counted {done}")
    return {"counted": total}


@jobs.register("test.refuse")
def refuse(job, progress):
    progress(1, 4, "Checking")
    raise jobs.JobFailed("Row 3 names no organisation.")


@jobs.register("test.crash")
def crash(job, progress):
    raise RuntimeError("internal detail the user must not see")


@pytest.fixture
def use_runner(settings):
    def use(name: str) -> None:
        settings.VANGUARD_TASKS = name  # alone: jobs.enqueue reads it at each call

    return use


@pytest.fixture
def immediate(use_runner):
    use_runner("immediate")


@pytest.fixture
def result_templates(settings):
    """A result template that only this module's job kind uses."""
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", {"test/count_result.html": "<p>counted={{ result.counted }}</p>"}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [engine]


def start(city, kind="test.count", **params):
    return jobs.start(kind=kind, params=params, user=city.secretary_a, organisation=city.district_a)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# Running


@pytest.mark.django_db
def test_immediate_runner_runs_the_job_once_the_transaction_commits(
    city, immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = start(city, n=5)
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"counted": 5}
    assert (job.done, job.total, job.message, job.percent) == (5, 5, "Counted 5", 100)
    assert job.error == ""
    assert job.started_at <= job.finished_at
    assert job.created_by == city.secretary_a and job.organisation == city.district_a


@pytest.mark.django_db
def test_a_rolled_back_start_leaves_no_job_and_queues_nothing(city, immediate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            start(city, n=1)
            raise RuntimeError("the request failed after starting the job")
    assert callbacks == []
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_at_start(city):
    with pytest.raises(LookupError):
        start(city, kind="test.no-such-kind")


@pytest.mark.django_db
def test_job_failed_records_the_message_for_the_user(city, immediate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(city, kind="test.refuse")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Row 3 names no organisation."
    assert (job.done, job.total, job.message) == (1, 4, "Checking")
    assert job.result is None and job.finished_at


@pytest.mark.django_db
def test_an_unexpected_error_fails_with_a_generic_message_and_logs_the_traceback(
    city, immediate, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(city, kind="test.crash")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error and "internal detail" not in job.error
    logged = [r for r in caplog.records if r.name == "vanguard.core.jobs" and r.exc_info]
    assert logged and "internal detail" in str(logged[0].exc_info[1])


@pytest.mark.django_db
def test_a_job_runs_only_once(city, immediate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(city, n=2)
    Job.objects.filter(pk=job.pk).update(message="after the first run")
    jobs.run_job(job.pk)  # delivered again, e.g. by a restarted worker
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.message == "after the first run"


@pytest.mark.django_db
def test_progress_writes_at_most_twice_a_second_plus_the_final_value(city, monkeypatch):
    job = Job.objects.create(
        kind="test.count", created_by=city.secretary_a, organisation=city.district_a, status=JobStatus.RUNNING
    )
    clock = [100.0]
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock[0])
    progress = jobs.Progress(job)

    def stored():
        return Job.objects.values_list("done", "total", "message").get(pk=job.pk)

    progress(1, 10, "Reading")
    assert stored() == (1, 10, "Reading")
    clock[0] += 0.2
    progress(2, 10)
    assert stored() == (1, 10, "Reading")  # too soon: kept in memory
    clock[0] += 0.4
    progress(3, 10)
    assert stored() == (3, 10, "Reading")  # an empty message keeps the last one
    clock[0] += 0.1
    progress(10, 10, "Writing")
    assert stored() == (10, 10, "Writing")  # the final value is always written


def test_percent():
    assert Job(done=3, total=10, status=JobStatus.RUNNING).percent == 30
    assert Job(done=0, total=0, status=JobStatus.RUNNING).percent == 0
    assert Job(done=0, total=0, status=JobStatus.SUCCEEDED).percent == 100
    assert Job(done=12, total=10, status=JobStatus.RUNNING).percent == 100


# Pages


def running_job(city, **fields):
    values = {
        "kind": "test.count",
        "created_by": city.secretary_a,
        "organisation": city.district_a,
        "status": JobStatus.RUNNING,
        "done": 3,
        "total": 10,
        "message": "Row 3",
    }
    return Job.objects.create(**{**values, **fields})


@pytest.mark.django_db
def test_status_page_and_fragment_show_progress_and_poll_while_running(client, city):
    job = running_job(city)
    login(client, city.secretary_a)
    fragment_url = reverse("core:job_progress", args=[job.pk])
    assert reverse("core:job", args=[job.pk]) == f"/jobs/{job.pk}/"
    assert fragment_url == f"/jobs/{job.pk}/progress/"
    for url in (reverse("core:job", args=[job.pk]), fragment_url):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'hx-get="{fragment_url}"' in html and 'hx-trigger="every 1s"' in html
        assert 'value="3" max="10"' in html and "30%" in html and "Row 3" in html
        assert 'data-status="running"' in html
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_finished_job_stops_polling_and_shows_its_result(client, city, result_templates):
    job = running_job(city, status=JobStatus.SUCCEEDED, done=10, result={"counted": 10})
    login(client, city.secretary_a)
    html = client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in html and "hx-get" not in html
    assert "<p>counted=10</p>" in html and 'data-status="succeeded"' in html


@pytest.mark.django_db
def test_a_failed_job_shows_its_error(client, city):
    job = running_job(city, status=JobStatus.FAILED, error="Row 3 names no organisation.")
    login(client, city.secretary_a)
    html = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "Row 3 names no organisation." in html and "hx-trigger" not in html


@pytest.mark.django_db
def test_a_job_of_a_kind_no_longer_registered_still_renders(client, city):
    job = running_job(city, kind="test.gone", status=JobStatus.SUCCEEDED, message="Finished long ago")
    login(client, city.secretary_a)
    html = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "test.gone" in html and "Finished long ago" in html


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("secretary_a", 200), ("supervisor_a", 200), ("secretary_b", 404)])
def test_the_job_pages_follow_the_scope_of_its_organisation(client, city, who, status):
    job = running_job(city)
    login(client, getattr(city, who))
    for name in ("core:job", "core:job_progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == status, name


@pytest.mark.django_db
def test_job_pages_need_a_login(client, city):
    job = running_job(city)
    response = client.get(reverse("core:job_progress", args=[job.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_list_shows_the_users_own_recent_jobs(client, city, django_assert_max_num_queries):
    mine = running_job(city)
    running_job(city, created_by=city.supervisor_a, message="someone else's")
    login(client, city.secretary_a)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("core:jobs")).content.decode()
    assert reverse("core:job", args=[mine.pk]) in html and "Count" in html
    login(client, city.secretary_b)
    assert reverse("core:job", args=[mine.pk]) not in client.get(reverse("core:jobs")).content.decode()


# The database runner


@pytest.mark.django_db(transaction=True)
def test_db_runner_queues_the_job_for_db_worker(city, use_runner, settings):
    use_runner("db")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = start(city, n=3)
    assert DBTaskResult.objects.filter(task_path="vanguard.core.jobs.run_job_task").count() == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:  # db_worker installs its own signal handlers; give pytest its own back afterwards
        call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"counted": 3}
    assert not DBTaskResult.objects.ready().exists()


# Celery with a real worker and Redis


def require_celery_services() -> str:
    """VANGUARD_REDIS_URL when PostgreSQL and Redis are there; skip otherwise (in CI, fail instead)."""
    if connection.vendor != "postgresql":
        pytest.skip("the Celery worker test needs PostgreSQL (DATABASE_URL) to share the test database")
    return require_redis()


def require_redis() -> str:
    """VANGUARD_REDIS_URL when Redis answers there; skip otherwise (in CI, fail instead)."""
    url = os.environ.get("VANGUARD_REDIS_URL", "")
    problem = ""
    if not url:
        problem = "VANGUARD_REDIS_URL is not set"
    else:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
        except redis.RedisError as exc:
            problem = f"Redis at {url} is unreachable: {exc}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI must run Redis for the Celery tests)")
        pytest.skip(problem)
    return url


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_the_job(city, use_runner):
    redis_url = require_celery_services()
    use_runner("celery")
    job = start(city, n=4)
    test_database = urlparse(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanguard.test_settings",
        "DATABASE_URL": test_database.geturl(),
        "VANGUARD_TASKS": "celery",
        "VANGUARD_REDIS_URL": redis_url,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app=vanguard.core.celery",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        f"--hostname=vanguard-test-{os.getpid()}@%h",
        f"--include={__name__}",
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + CELERY_TIMEOUT
            while time.monotonic() < deadline and worker.poll() is None:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.25)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.seek(0)
        output = log.read()
    assert job.status == JobStatus.SUCCEEDED, f"job {job.status} after {CELERY_TIMEOUT}s; worker said:\n{output}"
    assert job.result == {"counted": 4} and (job.done, job.total) == (4, 4)


SEEN_FROM_OUTSIDE: list[int] = []


@jobs.register("tests.atomic_progress")
def _atomic_progress(job, progress):
    """Reports progress inside its own transaction, as the all-or-nothing import does."""
    from django.db import DEFAULT_DB_ALIAS, connections

    with transaction.atomic():
        progress(5, 10, "half")
        progress.flush()
        observer = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with observer.cursor() as cursor:
                cursor.execute(f"SELECT done FROM {Job._meta.db_table} WHERE id = %s", [job.pk])
                SEEN_FROM_OUTSIDE.append(cursor.fetchone()[0])
        finally:
            observer.close()
    return {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: progress shows at commit")
def test_progress_inside_a_transaction_is_visible_to_the_page(transactional_db, city):
    SEEN_FROM_OUTSIDE.clear()
    job = Job.objects.create(kind="tests.atomic_progress", params={}, created_by=city.secretary_a,
                             organisation=city.district_a)  # fmt: skip
    jobs.run_job(job.pk)
    assert SEEN_FROM_OUTSIDE == [5]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
