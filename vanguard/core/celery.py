"""The Celery app for VANGUARD_TASKS=celery, the scale-out runner of background jobs (see core.jobs).

Start workers with ``celery -A vanguard.core.celery worker``; they read
Django's settings (CELERY_* names, broker and results at VANGUARD_REDIS_URL)
and run the one task here, which only calls `jobs.run_job`: the job's state
lives in the `Job` row, so Celery never needs to know what a job does.

A worker that dies must not lose its job.  The task is acknowledged late, so
its message stays with the broker until the job has ended, and a pool process
lost in the middle of it sends the message back to the queue: the claim in
`run_job` takes it again once the job's lease has lapsed.  Whatever Redis does
with the message, `LeaseReaper` in every worker puts a job whose lease lapsed
back in the queue, as `db_worker` does for the db runner.
"""

from __future__ import annotations

import logging
import os

from celery import Celery, bootsteps

# Before the app exists: Celery installs its Django fix-up (django.setup(),
# connection handling in workers) only when this is set.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")

logger = logging.getLogger(__name__)

app = Celery("vanguard")
app.config_from_object("django.conf:settings", namespace="CELERY")


# ignore_result: the Job row is the result; nobody reads Celery's copy.
@app.task(name="vanguard.run_job", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job_task(job_id: int) -> None:
    from vanguard.core.jobs import run_job  # after django.setup(), which the worker does on start

    run_job(job_id)


class LeaseReaper(bootsteps.StartStopStep):
    """Look for jobs whose lease lapsed when the worker starts and every `jobs.reap_interval()` seconds.

    Runs on the worker's own timer in its main process (the event loop's, with
    Redis), so it adds no thread to the processes that run jobs.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.entries = []

    def start(self, worker) -> None:
        from vanguard.core.jobs import reap_interval

        self.entries = [
            worker.timer.call_after(0.1, self.reap),
            worker.timer.call_repeatedly(reap_interval(), self.reap),
        ]

    def stop(self, worker) -> None:
        for entry in self.entries:
            entry.cancel()
        self.entries = []

    @staticmethod
    def reap() -> None:
        from django.db import close_old_connections

        from vanguard.core.jobs import requeue_lapsed

        close_old_connections()
        try:
            requeue_lapsed()
        except Exception:  # a database or broker hiccup must not stop the worker; the next look retries
            logger.exception("Looking for jobs whose worker stopped failed")


app.steps["worker"].add(LeaseReaper)
