"""Vanguard settings: one module, configured by environment variables (see README)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The demo (make demo) and the test suite run with a built-in key; a real
# installation must bring its own, so a forgotten key fails loudly.
DEMO = env_bool("VANGUARD_DEMO")
DEBUG = env_bool("VANGUARD_DEBUG")
SECRET_KEY = os.environ.get("VANGUARD_SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO:
        SECRET_KEY = "vanguard-demo-insecure-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "VANGUARD_SECRET_KEY is not set. Set it to a long random string (or set VANGUARD_DEMO=1 for the demo)."
        )
# Key for encrypting and hashing ID numbers; separate from SECRET_KEY so that
# rotating session keys never makes stored ID numbers unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("VANGUARD_FIELD_KEY", "")
if not FIELD_ENCRYPTION_KEY:
    if DEMO:
        FIELD_ENCRYPTION_KEY = "vanguard-demo-field-key"
    else:
        raise ImproperlyConfigured("VANGUARD_FIELD_KEY is not set (the key that protects ID numbers).")
# The previous field key, set only while `manage.py rotate_field_key` re-keys the stored values
# under the new one: until then both are read and searched (see README, "Rotating the field key").
FIELD_ENCRYPTION_KEY_OLD = os.environ.get("VANGUARD_FIELD_KEY_OLD", "")

ALLOWED_HOSTS = env_list("VANGUARD_ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEMO or DEBUG) else "")
CSRF_TRUSTED_ORIGINS = env_list("VANGUARD_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "vanguard.core",
    "vanguard.accounts",
    "vanguard.orgs",
    "vanguard.members",
    "vanguard.rosters",
    "vanguard.meetings",
    "vanguard.campaigns",
    "vanguard.opinions",
    "vanguard.ballots",
    "vanguard.appraisals",
    "vanguard.rectification",
    "vanguard.exemplars",
    "vanguard.commitments",
    "vanguard.study",
    "vanguard.mobility",
    "vanguard.assistance",
    "vanguard.targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sees every response after the views and the middleware below it, the lockout page included.
    "vanguard.core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password someone else chose (first password, reset) is changed before any other page.
    "vanguard.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a sign-in refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vanguard.urls"
WSGI_APPLICATION = "vanguard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "vanguard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vanguard.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("VANGUARD_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server read while a long job writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The throttle first: it refuses a locked-out user name or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "vanguard.accounts.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("VANGUARD_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("VANGUARD_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "vanguard" / "static"]
# Uploaded rosters and generated exports; a Celery worker on another machine must see the same directory.
DATA_DIR = Path(os.environ.get("VANGUARD_DATA_DIR", BASE_DIR / "var"))
# Meeting files and evidence, through Django's storage. Never served from MEDIA_URL: the apps' download views
# check who may see the meeting or step first, so no web server may map this directory.
MEDIA_ROOT = Path(os.environ.get("VANGUARD_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"
VANGUARD_UPLOAD_MAX_MB = int(os.environ.get("VANGUARD_UPLOAD_MAX_MB", "20"))
# Printed ballots embed this CJK font (a .ttc's font number VANGUARD_PDF_FONT_INDEX; 2 is Simplified Chinese in Noto).
VANGUARD_PDF_FONT = os.environ.get("VANGUARD_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
VANGUARD_PDF_FONT_INDEX = int(os.environ.get("VANGUARD_PDF_FONT_INDEX", "2"))
# A PDF of ballot codes (the only copy of its codes) is deleted this many hours after it is written.
VANGUARD_BALLOT_SHEETS_KEEP_HOURS = float(os.environ.get("VANGUARD_BALLOT_SHEETS_KEEP_HOURS", "24"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Reminders of overdue campaign steps go out by e-mail: SMTP in production, printed to the console in the demo.
EMAIL_BACKEND = os.environ.get(
    "VANGUARD_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEMO else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("VANGUARD_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("VANGUARD_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("VANGUARD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VANGUARD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("VANGUARD_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("VANGUARD_EMAIL_FROM", "vanguard@localhost")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Rectification (DOMAIN §5): an item "fixed at once" (立说立改) is due this many days after it is raised;
# a member told of an intended decision on their case has this many days to state their case.
RECTIFICATION_AT_ONCE_DAYS = int(os.environ.get("VANGUARD_RECTIFICATION_AT_ONCE_DAYS", "7"))
RECTIFICATION_STATEMENT_DAYS = int(os.environ.get("VANGUARD_RECTIFICATION_STATEMENT_DAYS", "7"))

# Replies to opinions go out by SMS through this callable, `send(phone, text)` (issue 18: a pluggable sender);
# the default writes them to the log, as a demo has no gateway.
VANGUARD_SMS_SENDER = os.environ.get("VANGUARD_SMS_SENDER", "vanguard.opinions.notify.log_sms")

# The cache holds the public opinion pages' rate-limit counters: shared by every worker only when it is Redis.
if os.environ.get("VANGUARD_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["VANGUARD_CACHE_URL"],
        }
    }

SESSION_COOKIE_SECURE = env_bool("VANGUARD_SECURE_COOKIES", not (DEMO or DEBUG))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# Behind a reverse proxy (nginx terminating HTTPS), the proxy's own address is
# every client's REMOTE_ADDR: the client's address then comes from the
# X-Forwarded-For entries the proxies appended, and HTTPS from X-Forwarded-Proto.
PROXY_COUNT = int(os.environ.get("VANGUARD_PROXY_COUNT", "0"))
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browsers keep to HTTPS for this long once they saw the site over HTTPS (sent on HTTPS responses only).
SECURE_HSTS_SECONDS = int(os.environ.get("VANGUARD_HSTS_SECONDS", "0" if (DEMO or DEBUG) else "31536000"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, fonts and pictures only from our own static files (htmx and
# ECharts included), no inline script or style, no framing.  Templates keep to
# it; core/tests/test_headers.py scans them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in throttling (django-axes, vanguard.accounts.throttling): a user name is
# locked after VANGUARD_LOGIN_FAILURES_PER_USER failed sign-ins, an address
# (whatever user names it tries) after VANGUARD_LOGIN_FAILURES_PER_ADDRESS, for
# VANGUARD_LOGIN_COOLOFF_MINUTES after the last failure; the campaign office can
# unlock earlier (/accounts/lockouts/).  Applies to the login pages and to API
# basic authentication alike.
LOGIN_FAILURES_PER_USER = int(os.environ.get("VANGUARD_LOGIN_FAILURES_PER_USER", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("VANGUARD_LOGIN_FAILURES_PER_ADDRESS", "30"))
AXES_ENABLED = True
AXES_HANDLER = "vanguard.accounts.throttling.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_USER  # the handler applies the address limit itself
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("VANGUARD_LOGIN_COOLOFF_MINUTES", "15")))
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "vanguard.accounts.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "vanguard.accounts.throttling.client_address"
# A success forgives only this user name's failures from this address (the handler);
# axes' own reset would also clear the address's failures on other user names.
AXES_RESET_ON_SUCCESS = False
# Our audit trail records lockouts and unlocks; axes' per-login log would only grow.
AXES_DISABLE_ACCESS_LOG = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "vanguard.accounts.authentication.ThrottledBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["vanguard.core.api.FilterBackend"],
    # JSON bodies only: a form-encoded body has no null and no types, so its schema could not be exact.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "vanguard.core.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Services raise Django's ValidationError; this answers it with the same 400 as a serializer's.
    "EXCEPTION_HANDLER": "vanguard.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vanguard API",
    "DESCRIPTION": _("Organisations and members of the campaign, scoped to the caller's subtrees."),
    "VERSION": "0.1.0",
    # Served from our own static files: users may be offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so what a request must contain (a non-blank name) is declared exactly.
    "COMPONENT_SPLIT_REQUEST": True,
    # Two models' fields are named "status": each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "vanguard.members.models.Status",
        "CampaignStatusEnum": "vanguard.campaigns.models.CampaignStatus",
    },
    # The error answers (400/401/403/404/415/429) of every operation, declared once (core/tests/test_api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vanguard.core.api.declare_error_responses",
    ],
}

# Background jobs (vanguard.core.jobs).  VANGUARD_TASKS picks where they run:
# db (default) queues them in our own database for `manage.py db_worker`, so a
# small installation needs no extra server; immediate runs them in-process at
# enqueue (tests, scripts); celery hands them to Celery workers through Redis
# at VANGUARD_REDIS_URL, the scale-out path.
VANGUARD_TASKS = os.environ.get("VANGUARD_TASKS", "db").strip().lower()
if VANGUARD_TASKS not in {"db", "immediate", "celery"}:
    raise ImproperlyConfigured(f"VANGUARD_TASKS={VANGUARD_TASKS!r}: use db, immediate or celery.")
# Installed under every runner so the schema (and `db_worker`) never depends on an environment variable.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
# django-tasks (the db runner) queues in the database for db_worker; under
# immediate its in-process backend matches what core.jobs does itself.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if VANGUARD_TASKS == "immediate"
        else "django_tasks_db.DatabaseBackend",
    }
}
VANGUARD_REDIS_URL = os.environ.get("VANGUARD_REDIS_URL", "")
if VANGUARD_TASKS == "celery" and not VANGUARD_REDIS_URL:
    raise ImproperlyConfigured("VANGUARD_TASKS=celery needs VANGUARD_REDIS_URL (e.g. redis://127.0.0.1:6379/0).")
CELERY_BROKER_URL = VANGUARD_REDIS_URL or None
CELERY_RESULT_BACKEND = VANGUARD_REDIS_URL or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One job at a time per worker process: jobs are long and write in bulk; scale out with more processes.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A running job holds a lease, renewed whenever it reports progress; once a lease lapses its worker is taken
# for dead and the job is started again, at most JOB_MAX_ATTEMPTS times in all, then failed (core.jobs).
# The lease (seconds) must outlast a job's longest step without progress (a million-row import: about 10).
JOB_LEASE_SECONDS = float(os.environ.get("VANGUARD_JOB_LEASE_SECONDS", "300"))
JOB_MAX_ATTEMPTS = int(os.environ.get("VANGUARD_JOB_MAX_ATTEMPTS", "3"))

# "Already a member elsewhere" refusals one user may receive per window before their ID numbers are no longer
# checked (members.services.refuse_if_elsewhere): enough for honest typos, too few to probe a city's numbers.
VANGUARD_ELSEWHERE_LIMIT = int(os.environ.get("VANGUARD_ELSEWHERE_LIMIT", "20"))
VANGUARD_ELSEWHERE_WINDOW_HOURS = int(os.environ.get("VANGUARD_ELSEWHERE_WINDOW_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VANGUARD_LOG_LEVEL", "WARNING")},
}
