"""Settings, read from the environment (see .env.example for every variable).

With no DATABASE_URL the platform runs in the embedded mode: SQLite, a Celery broker
on the filesystem, and keys generated once into the ignored var/ folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF

from apicenter.env import (
    env_bool,
    env_choice,
    env_count,
    env_int,
    env_list,
    env_networks,
    env_required,
    env_str,
    local_secret,
)

# Lets admin classes and querysets take type parameters at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("APICENTER_VAR_DIR") or BASE_DIR / "var")

DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED = DATABASE_URL is None

if EMBEDDED:
    SECRET_KEY = env_str("SECRET_KEY") or local_secret(VAR_DIR / "secret_key")
    ENCRYPTION_KEYS = env_list(
        "APICENTER_ENCRYPTION_KEYS", [local_secret(VAR_DIR / "encryption_key", make=Fernet)]
    )
else:
    SECRET_KEY = env_required("SECRET_KEY")
    ENCRYPTION_KEYS = env_list("APICENTER_ENCRYPTION_KEYS", [])
    if not ENCRYPTION_KEYS:
        raise RuntimeError("APICENTER_ENCRYPTION_KEYS must be set outside the embedded mode")

DEBUG = env_bool("DEBUG", EMBEDDED)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
SITE_URL = (env_str("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tenants",
    "connectors",
    "connectors.asperion.sandbox",
    "connectors.feeddex.sandbox",
    "connectors.mollie.sandbox",
    "mapping",
    "flows",
    "monitoring",
    "billing",
    "api",
    "dashboard",
]

MIDDLEWARE = [
    "monitoring.middleware.RequestLogIdsMiddleware",
    # Probes and Prometheus reach a container by its address, over HTTP: answered before the
    # host check and the HTTPS redirect.
    "monitoring.middleware.OperationsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dashboard.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenants.middleware.CurrentTenantMiddleware",
    "monitoring.middleware.TenantLogIdsMiddleware",
]

ROOT_URLCONF = "apicenter.urls"
WSGI_APPLICATION = "apicenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.current_tenant",
                "dashboard.context_processors.lost_connections",
            ],
        },
    },
]

if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # A worker, a scheduler and the web process share the file: wait for locks.
            # WAL lets readers go on while one process writes (web, worker and sandboxes
            # share the file).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so that a test's Celery worker process sees the same data.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
else:
    DATABASES = {"default": dict(dj_database_url.parse(DATABASE_URL or "", conn_max_age=60))}
# Set by the test suite for the worker processes it starts: use the test database.
if env_str("APICENTER_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = env_str("APICENTER_TEST_DB_NAME")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenants.User"
# Every password check, the app's login and the Django admin's, goes through the throttle.
AUTHENTICATION_BACKENDS = ["tenants.backends.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("da", "Dansk")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates in European order with a 24-hour clock; Dutch and Danish use Django's own.
FORMAT_MODULE_PATH = ["apicenter.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # File-based, so that the web, worker and scheduler processes share throttles and locks.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Past MAX_ENTRIES the file cache culls a third of it: rate counts would be lost.
            "OPTIONS": {"MAX_ENTRIES": 100000},
        }
    }

# Celery. The embedded broker is kombu's filesystem transport: a separate worker process
# sees the messages, and inspect/control work (the SQLAlchemy transport gets no replies).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1800)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1900)
# A flow run gives its worker back after this many seconds and continues in a new task at
# the end of its queue: one tenant's 100,000-article sync cannot hold a worker process while
# other tenants' runs wait, and a task waiting for a busy process waits at most one slice.
FLOW_SLICE_SECONDS = env_int("FLOW_SLICE_SECONDS", 20)
# A slice never waits (a retry's back-off, a rate-limit token) past its end and starts no
# call after it: the record waits for the next slice. One deferred this many times in a row
# fails as not answered (the automatic retry below tries it later).
FLOW_MAX_DEFERRALS = env_int("FLOW_MAX_DEFERRALS", 3)
# A run whose slices did no record this many times in a row fails, naming what it waited on.
FLOW_IDLE_SLICES = env_int("FLOW_IDLE_SLICES", 10)
# A working run saves its counts and what it does, and confirms it still owns the run, at
# most this often (flows/lease.py): each API call and each record is a sign of life.
FLOW_HEARTBEAT_SECONDS = env_int("FLOW_HEARTBEAT_SECONDS", 3)
# Records a run handles at once against one connection at the most (each connection may ask
# for fewer with `max_in_flight` in its config); 1 handles them one by one.
FLOW_MAX_IN_FLIGHT = env_int("FLOW_MAX_IN_FLIGHT", 4)
# A running run that has shown no sign of life for this long is presumed dead (its worker
# died, or its task was lost with a broker that keeps nothing on disk): the scheduler's tick
# fails it and starts a successor that reads on from the flow's cursor.
FLOW_RUN_STALE_SECONDS = env_int("FLOW_RUN_STALE_SECONDS", 300)
# A run's task (its first slice or its next) still queued after this long was lost by the
# broker: the scheduler's tick starts a successor. Longer than any queue backs up.
FLOW_TASK_LOST_SECONDS = env_int("FLOW_TASK_LOST_SECONDS", 3600)
# Records that failed on an API that did not answer are retried after this pause, × 4 per
# attempt (flows/retries.py).
FLOW_AUTO_RETRY_SECONDS = env_int("FLOW_AUTO_RETRY_SECONDS", 60)
# Fair share: a company has at most this many runs queued or running across its flows ("run
# now" on a busy flow joins its run instead), and may ask for this many runs a minute.
FLOW_MAX_ACTIVE_RUNS_PER_TENANT = env_int("FLOW_MAX_ACTIVE_RUNS_PER_TENANT", 10)
FLOW_RUN_REQUESTS_PER_MINUTE = env_int("FLOW_RUN_REQUESTS_PER_MINUTE", 30)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Reviewed like code: every periodic job of the platform is listed here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "schedule-due-flows": {"task": "flows.tasks.schedule_due_flows_task", "schedule": 30.0},
    "monitoring-check-incidents": {
        "task": "monitoring.tasks.check_incidents_task",
        "schedule": 60.0,
    },
    "monitoring-purge": {"task": "monitoring.tasks.purge_task", "schedule": 3600.0},
    "billing-lifecycle": {"task": "billing.tasks.billing_lifecycle_task", "schedule": 600.0},
    "monitoring-trial-lifecycle": {
        "task": "monitoring.tasks.trial_lifecycle_task",
        "schedule": crontab(minute=0, hour=9),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if EMBEDDED
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "APIcenter <noreply@localhost>")

# Product switches
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", EMBEDDED)
# Seeding actions (more orders and customers) a company may take on the sandbox admin pages
# per day, beyond the one data set its sandbox accounts get.
SANDBOX_SEEDS_PER_DAY = env_int("SANDBOX_SEEDS_PER_DAY", 50)
APICENTER_ALLOW_PRIVATE_URLS = env_bool("APICENTER_ALLOW_PRIVATE_URLS", False)
TRIAL_DAYS = 14
# A mapping preview (editor, wizard) stops after this many seconds with a clear error.
MAPPING_PREVIEW_SECONDS = float(env_str("MAPPING_PREVIEW_SECONDS") or 1.0)

# Payments (Mollie). With MOLLIE_API_KEY set, the billing talks to Mollie itself (a test_ key
# to Mollie's test mode, a live_ key for real money); without it, to the Mollie sandbox this
# site serves under /sandbox/mollie/ (SANDBOX_ENABLED), with the sandbox's own key.
MOLLIE_API_KEY = env_str("MOLLIE_API_KEY")
MOLLIE_API_URL = env_str("MOLLIE_API_URL")  # default: Mollie's own, or the sandbox
MOLLIE_SANDBOX_KEY = "test_apicentersandboxkey00000000000000"
# Dutch VAT on the plans' prices (the prices are stored excluding VAT).
BILLING_VAT_PERCENT = 21
# How long flows keep running after a recurring payment failed, while the owner pays.
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 7)
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 5)
LOGIN_THROTTLE_SECONDS = env_int("LOGIN_THROTTLE_SECONDS", 900)
# Sign-ups taken from one client address within the window (each mails, and may seed a
# sandbox data set).
SIGNUP_THROTTLE_ATTEMPTS = env_int("SIGNUP_THROTTLE_ATTEMPTS", 5)
SIGNUP_THROTTLE_SECONDS = env_int("SIGNUP_THROTTLE_SECONDS", 3600)
# Reverse proxies in front of the web processes that append to X-Forwarded-For (0: none, the
# header is ignored); the client address is read through tenants.addresses.client_address.
TRUSTED_PROXY_HOPS = env_count("TRUSTED_PROXY_HOPS", 0)

# Operations (docs/operations.md). /metrics answers a bearer token or an allowed network;
# with neither set it is off.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")
# The scheduler publishes its tick every 30 seconds: `manage.py beat_health` calls it dead
# when the last one is older than this.
BEAT_STALE_SECONDS = env_count("BEAT_STALE_SECONDS", 150)
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from monitoring.error_tracking import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT") or ("development" if DEBUG else "production"),
        release=env_str("SENTRY_RELEASE"),
    )

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"api_token": env_str("API_THROTTLE_RATE", "600/min")},
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # DRF's own address (get_ident) follows the same rule as ours.
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,
}
# Several serializers have a field "status" with another meaning each: name their schemas.
SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "flows.models.RunStatus",
        "ConnectionStatusEnum": "connectors.models.ConnectionStatus",
    },
}

# Security: secure by default outside the embedded mode (passes check --deploy).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp): scripts, styles, fonts, images and form posts from this
# site only, never framed, so an injected `<script>` or `onclick=` does not run. Inline
# `style=` stays allowed (the templates use it for layout; styles cannot run code). A template
# that needs an inline script gives it `nonce="{{ request.csp_nonce }}"`; the nonce is made
# and added to script-src only when a page uses it. CSP_REPORT_ONLY=true sends the policy as
# Content-Security-Policy-Report-Only, for trying a stricter one on a live site first.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = _CSP

# JSON lines for a log collector in production, the readable form for `make run` (embedded).
# Every line carries the tenant, flow, run and request ids (monitoring/logs.py).
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "text"), "text" if EMBEDDED else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "monitoring.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "monitoring.logs.JsonFormatter"},
        "text": {"()": "monitoring.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["ids"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print its lines a second time, not as JSON:
        # they reach the root's handler instead.
        "django": {"handlers": [], "level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # The filesystem broker URL has no host name, which kombu warns about on every send.
        "kombu.connection": {"level": "ERROR"},
    },
}
