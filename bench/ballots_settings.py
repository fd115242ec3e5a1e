"""Settings of the ballot benchmark's app server: the product's, plus a URLconf with the ceiling view (bench only)."""

from vanguard.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ballots_urls"

# Refusals are answered with 4xx, which django.request logs as warnings: the crash run's 409s would flood the console.
LOGGING = {**LOGGING, "loggers": {**LOGGING.get("loggers", {}), "django.request": {"level": "ERROR"}}}  # noqa: F405
