"""The Celery app for VANGUARD_TASKS=celery, the scale-out runner of background jobs (see core.jobs).

Start workers with ``celery -A vanguard.core.celery worker``; they read
Django's settings (CELERY_* names, broker and results at VANGUARD_REDIS_URL)
and run the one task here, which only calls `jobs.run_job`: the job's state
lives in the `Job` row, so Celery never needs to know what a job does.
"""

from __future__ import annotations

import os

from celery import Celery

# Before the app exists: Celery installs its Django fix-up (django.setup(),
# connection handling in workers) only when this is set.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")

app = Celery("vanguard")
app.config_from_object("django.conf:settings", namespace="CELERY")


# ignore_result: the Job row is the result; nobody reads Celery's copy.
@app.task(name="vanguard.run_job", ignore_result=True)
def run_job_task(job_id: int) -> None:
    from vanguard.core.jobs import run_job  # after django.setup(), which the worker does on start

    run_job(job_id)
