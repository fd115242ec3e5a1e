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

Leases: a worker can die in the middle of a job (killed, out of memory, the
machine gone), and nothing would ever finish the row.  So a running job holds
a lease (`Job.lease_expires_at`, settings.JOB_LEASE_SECONDS), renewed by every
progress write, and the workers look for lapsed ones (`requeue_lapsed`: our
``db_worker`` at start and every `reap_interval()` seconds, busy or idle, and
a step of every Celery worker): such a job goes back to the queue, or after
JOB_MAX_ATTEMPTS tries fails with a message and its creator may start it again.
Running one again is safe because a job's writes are all or nothing (an import
is one transaction).  Each claim counts an attempt, and every write of a run
is conditional on its attempt still being the job's: a run that lost its lease
(a worker that was only slow) stops at its next progress call with
`LeaseLost` instead of overwriting its successor, so no job runs twice at once
to the end.

Why progress renews the lease, not a heartbeat thread beside the job: the
roster import forks a helper process on big files, and rosters.parallel forks
only a single-threaded process (a lock held by another thread at the fork
stays locked in the child for ever), so a heartbeat thread would switch the
two-core path off.  The price is that a job must report progress at least once
per lease: the default lease is five minutes, and the longest steps without
progress measured in a million-row import (loading the sheet, rebuilding the
indexes) take about ten seconds each.  On SQLite progress inside the import's transaction waits for its
commit, and so does the lease; no other worker can re-queue the job meanwhile
either, since that is a write too.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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


class LeaseLost(Exception):
    """This run's lease lapsed and another attempt took the job: stop, and write nothing more to its row."""


def lease_seconds() -> float:
    return float(settings.JOB_LEASE_SECONDS)


def max_attempts() -> int:
    return max(1, int(settings.JOB_MAX_ATTEMPTS))


def reap_interval() -> float:
    """Seconds between two looks for lapsed leases by a worker: a quarter of a lease, between 0.5 and 30."""
    return min(30.0, max(0.5, lease_seconds() / 4))


def _lease_from(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=lease_seconds())


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

    Each write renews the job's lease, and only while the attempt this run
    claimed is still the job's; otherwise it raises `LeaseLost`.  A step that
    may take longer than a lease without progress calls it again with the
    same numbers.
    """

    def __init__(self, job: Job):
        self.job = job
        self.attempt = job.attempts
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
        lease = _lease_from(timezone.now())
        if len(connection.atomic_blocks) <= self._outer_blocks:
            written = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=self.attempt).update(
                done=job.done, total=job.total, message=job.message, lease_expires_at=lease
            )
        elif connection.vendor == "postgresql":
            written = self._write_aside(job, lease)
        else:
            return  # stays pending until the block ends
        self._written_at = time.monotonic()
        self._pending = False
        if not written:
            raise LeaseLost(f"job {job.pk}: attempt {self.attempt} is no longer the job's")

    def _write_aside(self, job: Job, lease: datetime.datetime) -> int:
        if self._side_connection is None:
            self._side_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s, total = %s, message = %s, lease_expires_at = %s"
                " WHERE id = %s AND status = %s AND attempts = %s",
                [job.done, job.total, job.message, lease, job.pk, JobStatus.RUNNING, self.attempt],
            )
            if cursor.rowcount:
                return cursor.rowcount
            # Lost, or a row this connection cannot see (made in a transaction not yet committed: a test's):
            # only the first is for this connection to judge; `_finish` judges the other.
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s", [job.pk])
            return 0 if cursor.fetchone() else 1

    def close(self) -> None:
        if self._side_connection is not None:
            self._side_connection.close()
            self._side_connection = None


def run_job(job_id: int) -> None:
    """Run one job: claim it, call its function, record the result or the failure.

    Claiming is a conditional update that counts an attempt and takes a lease.
    It takes a queued job, or a running one whose lease lapsed (Celery
    redelivering the message of a worker that died); it leaves alone a job
    running under a live lease or finished, so a job delivered twice (a
    restarted worker, Celery's at-least-once delivery) never runs twice at once.
    """
    now = timezone.now()
    lapsed = Q(status=JobStatus.RUNNING, lease_expires_at__lt=now, attempts__lt=max_attempts())
    claimed = Job.objects.filter(Q(status=JobStatus.QUEUED) | lapsed, pk=job_id).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        lease_expires_at=_lease_from(now),
        started_at=now,
        done=0,
        total=0,
        message="",
    )
    if not claimed:
        if not requeue_lapsed(job_ids=[job_id]):  # a lapsed job out of attempts is failed there
            logger.warning("Job %s is missing, finished or running under a live lease; not running it", job_id)
        return
    job = Job.objects.get(pk=job_id)
    if job.attempts > 1:
        logger.warning("Job %s: attempt %s of %s, after its worker stopped", job.pk, job.attempts, max_attempts())
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _run(job)


def _run(job: Job) -> None:
    kind = kind_of(job.kind)
    progress = Progress(job)
    try:
        if kind is None:
            logger.error("Job %s: no job kind %r is registered in this process", job.pk, job.kind)
            _finish(job, JobStatus.FAILED, error=_("This kind of job is not available."))
            return
        try:
            result = kind.function(job, progress)
            result = {} if result is None else result
            json.dumps(result)  # a result the row cannot store is a bug in the kind: fail here, not at save
        except LeaseLost:
            raise
        except JobFailed as exc:
            outcome = {"status": JobStatus.FAILED, "error": exc.message}
        except Exception:  # any bug must end as a failed job, not a job "running" forever
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            error = _("The job failed because of an unexpected error. It has been logged.")
            outcome = {"status": JobStatus.FAILED, "error": error}
        else:
            outcome = {"status": JobStatus.SUCCEEDED, "result": result}
        progress.flush()
        _finish(job, **outcome)
    except LeaseLost:
        # Another worker took the job over; whatever this run wrote in its own transaction is rolled back.
        logger.warning("Job %s: attempt %s lost its lease to a later attempt; stopped", job.pk, progress.attempt)
    finally:
        progress.close()


def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    """Record the outcome, if this run's attempt is still the job's (else `LeaseLost`)."""
    job.status, job.result, job.error, job.finished_at = status, result, error, timezone.now()
    job.lease_expires_at = None
    written = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=status,
        result=result,
        error=error,
        finished_at=job.finished_at,
        done=job.done,
        total=job.total,
        message=job.message,
        lease_expires_at=None,
    )
    if not written:
        raise LeaseLost(f"job {job.pk}: attempt {job.attempts} is no longer the job's")


def requeue_lapsed(*, job_ids: Iterable[int] | None = None) -> int:
    """Put every running job whose lease lapsed back in the queue, or fail it once it has had max_attempts().

    A lapsed lease means the worker died (or stalled for a whole lease), so the
    job is started again; its writes are all or nothing, so that is safe.  Any
    number of workers may call this at once: each change is conditional on the
    row being as it was read, so one of them makes it.  The message goes out
    inside the same transaction: under the db runner it is a row of the same
    database, and a Celery worker quick enough to see it before the commit
    waits on the row.  Returns how many jobs were re-queued or failed.
    """
    now = timezone.now()
    lapsed = Job.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    if job_ids is not None:
        lapsed = lapsed.filter(pk__in=list(job_ids))
    handled = 0
    for job in lapsed.only("pk", "attempts", "language"):
        as_read = Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts, lease_expires_at__lt=now
        )
        if job.attempts >= max_attempts():
            with translation.override(job.language or settings.LANGUAGE_CODE):
                error = ngettext(
                    "The worker running this job stopped before it finished, so it was not started again.",
                    "The worker running this job stopped before it finished, %(attempts)d times in a row, "
                    "so it was not started again.",
                    job.attempts,
                ) % {"attempts": job.attempts}
            changed = as_read.update(status=JobStatus.FAILED, error=error, finished_at=now, lease_expires_at=None)
            if changed:
                logger.error("Job %s: its worker stopped on each of %s attempts; failed", job.pk, job.attempts)
        else:
            with transaction.atomic():
                changed = as_read.update(status=JobStatus.QUEUED, lease_expires_at=None)
                if changed:
                    enqueue(job.pk)
            if changed:
                logger.warning("Job %s: its worker stopped (attempt %s); queued again", job.pk, job.attempts)
        handled += changed
    return handled


def retry(*, job: Job, user) -> Job:
    """Start a failed job again, as a new job of the same kind and parameters; only whoever started it may.

    The failed job stays as it was, with its error, so its page still says what happened.
    """
    if job.status != JobStatus.FAILED or job.created_by_id != user.pk:
        raise PermissionDenied
    return start(kind=job.kind, params=job.params, user=user, organisation=job.organisation)


def recent_jobs(user, limit: int = 50) -> QuerySet[Job]:
    """Every job `user` started, newest first, each with `in_scope`: whether they may still open its page.

    A user always finds the jobs they started, even once the subtree is no longer theirs (a role ended);
    such a job is listed by kind, organisation and status only, since its page and files follow the scope.
    """
    in_scope = Exists(restrict(Job.objects.filter(pk=OuterRef("pk")), user))
    jobs = Job.objects.filter(created_by=user).select_related("organisation").annotate(in_scope=in_scope)
    return jobs[:limit]


def may_start(user, organisation) -> bool:
    """Whether `user` may start a job about `organisation`'s subtree: only where they may see the job afterwards.

    A job is seen through a role over its subtree (Job has no own-record scope), so a member, who sees
    their own branch only through their own record, may not start one there: they could never follow it.
    """
    return can_at_path(user, Action.VIEW, organisation.path)


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
