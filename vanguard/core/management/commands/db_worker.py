"""`manage.py db_worker`: django-tasks' database worker that also restarts jobs whose worker died.

It replaces django_tasks_db's command of the same name (vanguard.core comes
before django_tasks_db in INSTALLED_APPS, and the first app's command wins, as
staticfiles' runserver does), so the worker that the README and `make demo`
start is this one, with the same options.  Besides running queued tasks it
calls `jobs.requeue_lapsed` when it starts and then every `jobs.reap_interval()`
seconds, between tasks and while idle: a job whose worker was killed goes back
to the queue once its lease lapses (see core.jobs).  Nothing else changes.

django_tasks_db's loop has no hook for this, so `Worker.run` below is its loop
(version 0.13, pinned in requirements.lock) with the one call added.
"""

from __future__ import annotations

import logging
import os
import random
import time

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as upstream
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from vanguard.core import jobs

logger = logging.getLogger("django_tasks_db")


class Worker(upstream.Worker):
    _reaped_at = float("-inf")

    def reap_if_due(self) -> None:
        if time.monotonic() - self._reaped_at < jobs.reap_interval():
            return
        self._reaped_at = time.monotonic()
        try:
            jobs.requeue_lapsed()
        except OperationalError as exc:
            if not is_locked_database_exception(exc):  # SQLite busy with another writer: the next look retries
                raise

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together

        while self.running:
            close_old_connections()
            self.reap_if_due()  # the one addition to django_tasks_db's loop

            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            if self.excluded_queue_names:
                tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)

            with exclusive_transaction(tasks.db):
                try:
                    task_result = tasks.get_locked()
                    retrieved_task_result = True
                    if task_result is not None:
                        task_result.claim(self.worker_id)  # so that no other worker process runs it
                except OperationalError as exc:
                    retrieved_task_result = False
                    if is_locked_database_exception(exc):  # it unlocks eventually: keep trying
                        task_result = None
                    else:
                        raise

            if task_result is not None:
                self.run_task(task_result)

            if self.batch and retrieved_task_result and task_result is None:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return

            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks, self.worker_id
                )
                return

            close_old_connections()
            if self.running and not task_result:
                time.sleep(self.interval)


class Command(upstream.Command):
    help = "Run background jobs queued in the database, and restart those whose worker died"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")

        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
