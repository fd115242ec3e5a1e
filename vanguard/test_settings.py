"""Settings for the test suite: the demo keys, fast hashing, the database from DATABASE_URL."""

import os

os.environ.setdefault("VANGUARD_DEMO", "1")
# Jobs run in-process when their transaction commits; tests of the other runners choose them explicitly.
os.environ.setdefault("VANGUARD_TASKS", "immediate")

from vanguard.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]

# Uploaded files (meeting files, evidence) go to a directory of the test run's own, never the demo's data directory.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="vanguard-test-media-"))
