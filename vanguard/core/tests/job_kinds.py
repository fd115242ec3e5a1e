"""Job kinds for tests that run real workers: imported by the tests and by the worker processes they start.

No app's tasks.py registers these, so a worker started by a test imports this
module (Celery's --include, or the boot line of the db_worker test).
"""

from __future__ import annotations

import os
import time

from vanguard.core import jobs


@jobs.register("tests.steps")
def steps(job, progress) -> dict:
    """Sleeps `pause` seconds `steps` times, reporting each step with the process id: long enough to be killed."""
    total = job.params["steps"]
    for done in range(1, total + 1):
        time.sleep(job.params["pause"])
        progress(done, total, str(os.getpid()))
    return {"pid": os.getpid(), "attempt": job.attempts}
