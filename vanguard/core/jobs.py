"""Background jobs: imports, exports and report builds run outside the request, with progress in a `Job` row.

A job kind is a function registered with `@register("members.import")`; each
app keeps its kinds in its `tasks.py`, which is imported on first use so that
web processes and workers know the same kinds.  `start()` records a `Job` and
hands `run_job(job.pk)` to the runner once the transaction commits, so the
worker always finds the row (and never runs a job whose request rolled back).

The runner (settings.VANGUARD_TASKS) only decides where `run_job` executes:

* ``db`` (default): django-tasks' DatabaseBackend queues it in our own
  database and ``manage.py db_worker`` runs it: no extra server to install.
* ``immediate``: it runs in-process at enqueue, i.e. when the transaction
  commits (tests and scripts).
* ``celery``: a Celery worker (``celery -A vanguard.core.celery worker``) picks it
  up from Redis; the scale-out path.

Everything the user sees (status, progress, result, error) is in the `Job`
row, never in the runner's own result store, so the page works the same under
every runner and survives a reload.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django_tasks import task

from vanguard.core.access import Action, can, can_at_path, restrict
from vanguard.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

# At most one progress write per this many seconds: a job reporting every row
# of a 100 000-row import must not spend its time writing its own progress.
PROGRESS_INTERVAL = 0.5
DEFAULT_RESULT_TEMPLATE = "core/jobs/_result.html"


class JobFailed(Exception):
    """Raised by a job function to fail with `message` shown to the user (already translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class JobKind:
    name: str
    function: Callable[[Job, Progress], dict | None]
    title: Any  # a (lazy) translated string for pages; the name if not given
    result_template: str


_KINDS: dict[str, JobKind] = {}
_discovered = False


def register(kind: str, *, title: Any = None, result_template: str | None = None) -> Callable:
    """Register `fn(job, progress) -> dict` as the job kind `kind`.

    The dict returned is stored as `job.result` (it must be JSON) and rendered
    with `result_template` (context: job, result), by default the job's message.
    """

    def decorate(function: Callable) -> Callable:
        if kind in _KINDS and _KINDS[kind].function is not function:
            raise ValueError(f"job kind {kind!r} is already registered")
        _KINDS[kind] = JobKind(kind, function, title or kind, result_template or DEFAULT_RESULT_TEMPLATE)
        return function

    return decorate


def _discover() -> None:
    """Import every app's tasks.py once, so each process knows every kind however it was started."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True


def kind_of(name: str) -> JobKind | None:
    _discover()
    return _KINDS.get(name)


def start(*, kind: str, params: dict, user, organisation) -> Job:
    """Record a job about `organisation`'s subtree and queue it to run once the transaction commits."""
    if kind_of(kind) is None:
        raise LookupError(f"no job kind {kind!r} is registered")
    job = Job.objects.create(
        kind=kind,
        params=params,
        created_by=user,
        organisation=organisation,
        language=translation.get_language() or "",
    )
    transaction.on_commit(partial(enqueue, job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Hand the job to the configured runner (read now, so tests may switch it with the settings fixture)."""
    runner = settings.VANGUARD_TASKS
    if runner == "immediate":
        # Directly rather than through django-tasks' ImmediateBackend, so that
        # VANGUARD_TASKS alone decides, whatever TASKS a test has set.
        run_job(job_id)
    elif runner == "celery":
        from vanguard.core.celery import run_job_task as celery_task

        celery_task.delay(job_id)
    else:
        run_job_task.enqueue(job_id)


@task()
def run_job_task(job_id: int) -> None:
    """The django-tasks entry point of the db runner; `db_worker` imports it by this dotted path."""
    run_job(job_id)


class Progress:
    """The `progress(done, total, message="")` callback a job function receives.

    Writes at most every PROGRESS_INTERVAL seconds, and always when done reaches
    total.  An empty message keeps the last one.  Inside a `transaction.atomic`
    block (an all-or-nothing import) a write through the job's own connection
    would stay invisible until the commit, so on PostgreSQL it goes through a
    second connection; SQLite allows one writer at a time, so there progress
    inside such a block shows when the block ends.
    """

    def __init__(self, job: Job):
        self.job = job
        self._written_at = float("-inf")
        self._pending = False
        self._side_connection = None
        # Blocks already open when the job started (a test's own transaction) do not hide writes from it.
        self._outer_blocks = len(connection.atomic_blocks)

    def __call__(self, done: int, total: int, message: str = "") -> None:
        job = self.job
        job.done, job.total = max(0, int(done)), max(0, int(total))
        if message:
            job.message = str(message)[: Job._meta.get_field("message").max_length]
        self._pending = True
        if time.monotonic() - self._written_at >= PROGRESS_INTERVAL or (job.total and job.done >= job.total):
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        job = self.job
        if len(connection.atomic_blocks) <= self._outer_blocks:
            Job.objects.filter(pk=job.pk).update(done=job.done, total=job.total, message=job.message)
        elif connection.vendor == "postgresql":
            self._write_aside(job)
        else:
            return  # stays pending until the block ends
        self._written_at = time.monotonic()
        self._pending = False

    def _write_aside(self, job: Job) -> None:
        if self._side_connection is None:
            self._side_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s, total = %s, message = %s WHERE id = %s",
                [job.done, job.total, job.message, job.pk],
            )

    def close(self) -> None:
        if self._side_connection is not None:
            self._side_connection.close()
            self._side_connection = None


def run_job(job_id: int) -> None:
    """Run one queued job: mark it running, call its function, record the result or the failure.

    Claiming is a conditional update, so a job delivered twice (a restarted
    worker, Celery's at-least-once delivery) runs once.
    """
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.warning("Job %s is missing or not queued; not running it", job_id)
        return
    job = Job.objects.get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _run(job)


def _run(job: Job) -> None:
    kind = kind_of(job.kind)
    if kind is None:
        logger.error("Job %s: no job kind %r is registered in this process", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=_("This kind of job is not available."))
        return
    progress = Progress(job)
    try:
        result = kind.function(job, progress)
        result = {} if result is None else result
        json.dumps(result)  # a result the row cannot store is a bug in the kind: fail here, not at save
    except JobFailed as exc:
        progress.flush()
        _finish(job, JobStatus.FAILED, error=exc.message)
    except Exception:  # any bug must end as a failed job, not a job "running" forever
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        progress.flush()
        _finish(job, JobStatus.FAILED, error=_("The job failed because of an unexpected error. It has been logged."))
    else:
        progress.flush()
        _finish(job, JobStatus.SUCCEEDED, result=result)
    finally:
        progress.close()


def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    job.status, job.result, job.error, job.finished_at = status, result, error, timezone.now()
    job.save(update_fields=["status", "result", "error", "finished_at", "done", "total", "message"])


def recent_jobs(user, limit: int = 50) -> QuerySet[Job]:
    """The jobs `user` started, newest first, still within their scope."""
    jobs = Job.objects.filter(created_by=user).select_related("organisation")
    return restrict(jobs, user)[:limit]


def may_download(user, job: Job) -> bool:
    """Whether `user` may have the files `job` generated: a problems workbook, an export, any later app's file.

    The rule for every generated-file download: the job's creator, or whoever
    may see full ID numbers over the job's subtree, and either only while the
    job is within the user's scope.  Seeing the job (its page) is not enough:
    its files carry the rows as uploaded, or what their creator could see in
    clear, so a district secretary must not receive the ID numbers of a roster
    the office uploaded into the district.  The creator gets back no more than
    they uploaded or could see when the file was made.
    """
    if not (job.created_by_id == user.pk or can_at_path(user, Action.VIEW_IDENTITY, job.organisation.path)):
        return False
    return can(user, Action.VIEW, job)
