"""Settings for Strategi, read from the environment.

The embedded default (nothing set) is a development/demo installation: SQLite in the
project folder, Celery tasks run eagerly in-process, ``DEBUG`` on. Production sets
``DEBUG=false`` and must then provide ``SECRET_KEY`` and ``ALLOWED_HOSTS``; see README.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/0, true/false, yes/no, on/off)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list from the environment."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)
# Demo mode creates the demo municipality and the demo users (password "demo").
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

_INSECURE_KEY = "django-insecure-strategi-development-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production mode). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = _INSECURE_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The project's apps, in the order imports may go (DESIGN.md): each may import
    # those above it, never those below.
    "goals",
    "org",
    "hr",
    "measures",
    "plans",
    "dashboards",
    "api",
    "demo",
    # Only the migrations of the former app that org, hr and plans came from.
    "workplaces",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "strategi.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # SQLite busy for longer than its timeout: a 503 "try again", not a 500.
    "strategi.middleware.DatabaseBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Embedded mode: a request starts the recomputes the figures are owed (background).
    "measures.middleware.recompute_catch_up",
    # Last, as django-axes asks: turns a refused login into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "strategi.urls"
WSGI_APPLICATION = "strategi.wsgi.application"

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
                "org.context_processors.roles",
                "measures.context_processors.recompute_notice",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:password@127.0.0.1:5432/strategi
# https://github.com/jazzband/dj-database-url
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # Reconnect transparently after a database restart.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (the embedded default) lets one writer in at a time. Every transaction
    # takes the write lock when it begins (BEGIN IMMEDIATE), so two concurrent saves
    # queue up instead of the later one failing "database is locked" when it turns
    # from reading to writing; a writer waits up to SQLITE_TIMEOUT seconds for the
    # lock. WAL lets pages read while someone writes. The price: a transaction that
    # only reads also waits for the lock (Strategi opens transactions to write).
    # https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out user name and address before the password
# is checked (strategi/lockout.py). https://django-axes.readthedocs.io/
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
# Per user name and address: a guesser is stopped without letting anyone lock every
# user out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "strategi.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "strategi.lockout.client_ip"
# Failed attempts only: successful logins are not logged by axes.
AXES_DISABLE_ACCESS_LOG = True
# How many reverse proxies in front of the app append to X-Forwarded-For (the client's
# address for the login lockout and the API's throttle); 0 when clients connect directly.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0" if DEBUG else "1"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Hashed, compressed files only in production, so development and tests need no
# collectstatic. https://whitenoise.readthedocs.io/en/stable/django.html
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Indicators -----------------------------------------------------------------
# Values built from fewer persons than this are withheld (spec: Privacy).
SUPPRESSION_MIN_PERSONS = int(os.environ.get("SUPPRESSION_MIN_PERSONS", "5"))
# Who viewed indicator values (health data) is kept this many days, then pruned.
HEALTH_DATA_ACCESS_LOG_DAYS = int(os.environ.get("HEALTH_DATA_ACCESS_LOG_DAYS", "365"))

# --- History (django-simple-history) -------------------------------------------------
# The admin shows old versions but never saves one back: every write goes through the
# services (strategi/admin.py). https://django-simple-history.readthedocs.io/
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Forms ------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- HR import --------------------------------------------------------------------
# The largest browser upload (all files together) in MB; larger batches are imported
# on the server with `manage.py import_hr`.
HR_IMPORT_MAX_UPLOAD_MB = int(os.environ.get("HR_IMPORT_MAX_UPLOAD_MB", "50"))
# Limits that keep an import's memory bounded by what a file really holds (hr/services/
# reading.py): data rows per file (the national benchmark has 3.8 million absences in
# one file), the size of an XLSX workbook unpacked (Excel's own limit of 1,048,576 rows
# a sheet fills some 300 MB), and the problems an import lists (the rest are counted).
HR_IMPORT_MAX_ROWS = int(os.environ.get("HR_IMPORT_MAX_ROWS", "10000000"))
HR_IMPORT_MAX_XLSX_MB = int(os.environ.get("HR_IMPORT_MAX_XLSX_MB", "1024"))
HR_IMPORT_MAX_ERRORS = int(os.environ.get("HR_IMPORT_MAX_ERRORS", "10000"))

# --- REST API (api app) --------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": os.environ.get("API_THROTTLE_RATE", "1200/minute")},
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Anonymous clients are counted by address, found as for the login lockout.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# The largest JSON request body in bytes (imports have HR_IMPORT_MAX_UPLOAD_MB).
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
SPECTACULAR_SETTINGS = {
    "TITLE": "Strategi API",
    "DESCRIPTION": (
        "Indicators, targets, goals, action plans, tertial reports and HR imports of "
        "Strategi. Authenticate with `Authorization: Bearer <token>` (see "
        "`manage.py create_api_token`) or a browser session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "plans.models.Action.Status",
        "ImportJobStatusEnum": "hr.models.ImportJob.Status",
        "ValueStatusEnum": "measures.status.Status",
    },
}

# --- Caches -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/cache/
# "pages": rendered parts of the dashboard and unit pages (dashboards/cache.py), keyed by
# a data version read from the database, so a change shows on the next request. With
# REDIS_URL it is Redis, shared by every process; without it, each process has its own.
# "throttle": the API's request counts (api/throttling.py), shared by every process
# with REDIS_URL, so N gunicorn workers do not allow N times the rate.
# "default" stays per-process memory.
_PAGE_CACHE_REDIS = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _PAGE_CACHE_REDIS,
            "KEY_PREFIX": "strategi",
            # A page must answer when Redis is down or hangs (dashboards/cache.py then
            # leaves the cache alone for a while).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if _PAGE_CACHE_REDIS
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "strategi-pages",
            # A unit page is about 150 kB: at most some 75 MB per process.
            "OPTIONS": {"MAX_ENTRIES": 500},
        }
    ),
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _PAGE_CACHE_REDIS,
            "KEY_PREFIX": "strategi-throttle",
            # An API request must answer when Redis is down (then it is not throttled).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if _PAGE_CACHE_REDIS
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

# --- Celery -----------------------------------------------------------------------
# Without REDIS_URL, tasks run eagerly in the calling process (embedded default).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only when done, so a killed worker's task is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 3600
# Redis transport: https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.redis.html
# Redelivery. A pool child that dies (e.g. the OOM killer) has its task requeued at
# once (CELERY_TASK_REJECT_ON_WORKER_LOST). A task whose whole worker died (SIGKILL,
# a lost machine) stays unacknowledged in Redis until it is visibility_timeout seconds
# old; then a worker that starts, or any worker's sweep (about every 100 s), puts it
# back in its queue. The timeout must be longer than the longest task: Redis cannot
# tell a running task from a lost one, so a task still running after it is delivered
# a second time (a national recompute takes 15+ minutes; a recompute is idempotent and
# serialized by an advisory lock, so that only wastes work; a queued import runs
# once). One hour (Celery's default) leaves a wide margin, and a lost recompute waits
# at most about that long (the nightly one has all day). CELERY_VISIBILITY_TIMEOUT
# changes it (the fault tests use 3 s). Every worker applies its own value to all
# queues of the Redis database, so give all workers the same.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # A request that queues a task must answer when Redis is down or hangs.
    "socket_connect_timeout": 3,
    "socket_timeout": 3,
}
# Queueing gives up quickly: about half a second when Redis is down (connection
# refused), about 12 s when it hangs (redis-py's own retries of a 3 s timeout), instead
# of Celery's default of about 20 s (the result store retries 20 times, a second
# apart) or forever. Callers handle the error: an import's recompute stays recorded as
# not queued and beat's sweep (measures.tasks.recompute_owed) queues it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
CELERY_REDIS_SOCKET_TIMEOUT = 3
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
}
# The night's recompute of the latest months (local time). When beat could not send it,
# or no beat runs (embedded mode), it is recorded and run later (measures.recomputes).
RECOMPUTE_NIGHTLY_AT = (2, 30)
# Embedded mode (no REDIS_URL): a process checks at most this often, on a request,
# whether a recompute is owed (failed, interrupted, or the night's), and then runs it in
# a background thread. 0: never (the tests switch it on where they test it).
RECOMPUTE_CATCH_UP_SECONDS = 10

# Celery beat (one scheduler process): the night's recompute of the latest months, the
# tertial round's notices and the recomputes that could not be queued.
CELERY_BEAT_SCHEDULE = {
    "recompute-recent-months": {
        "task": "measures.tasks.recompute_recent",
        "schedule": crontab(hour=RECOMPUTE_NIGHTLY_AT[0], minute=RECOMPUTE_NIGHTLY_AT[1]),
        "kwargs": {"months": 2},
    },
    # The recomputes the figures are owed and that are due: not queued (Redis was down),
    # failed and past their wait, or lost with a worker's message.
    "recompute-owed": {
        "task": "measures.tasks.recompute_owed",
        "schedule": 5 * 60,
    },
    # The tertial round's notices, every morning: opens the ended tertial's round when
    # its figures exist, then "opened", "due soon" (ROUND_REMINDER_DAYS_BEFORE) and
    # "overdue" with escalation, each once per person (plans.notifications).
    "round-notices": {
        "task": "plans.tasks.round_notices",
        "schedule": crontab(hour=7, minute=0),
    },
    # Report transitions (submitted, returned, approved) whose mail task was not queued
    # or was lost.
    "report-events-notify": {
        "task": "plans.tasks.report_events_notify_pending",
        "schedule": 15 * 60,
    },
    # API uploads that no worker has started (Redis was unreachable, or a lost message).
    "requeue-pending": {
        "task": "hr.tasks.requeue_pending",
        "schedule": 5 * 60,
    },
    # Views of health data older than HEALTH_DATA_ACCESS_LOG_DAYS.
    "health-data-access-prune": {
        "task": "measures.tasks.health_data_access_prune",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- The tertial follow-up ----------------------------------------------------------
# A round's deadline is this many days after it opens (HR may set another per round).
ROUND_DEADLINE_DAYS = int(os.environ.get("ROUND_DEADLINE_DAYS", "21"))
# The second reminder goes out this many days before the deadline.
ROUND_REMINDER_DAYS_BEFORE = int(os.environ.get("ROUND_REMINDER_DAYS_BEFORE", "5"))
# The statuses of an indicator a report must explain (a comment, and an action or a
# reason for none) before it can be submitted: "missed", optionally also "near".
REPORT_EXPLAIN_STATUSES = env_list("REPORT_EXPLAIN_STATUSES", ["missed"])
if not set(REPORT_EXPLAIN_STATUSES) <= {"missed", "near"}:
    raise ImproperlyConfigured("REPORT_EXPLAIN_STATUSES: a list of «missed» and «near».")
# The address the site is reached at, for links in e-mails (no trailing slash).
# Required in production: a mail whose links point at 127.0.0.1 cannot be followed.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "SITE_URL must be set when DEBUG is off: the address users reach the site at, "
        "e.g. https://strategi.kommune.no (links in e-mails)."
    )

# --- E-mail -----------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "strategi@localhost")

# --- Security -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/security/ and `manage.py check --deploy`,
# which prints no warning with the production defaults (tests/test_settings.py).
# Sessions end after SESSION_AGE_HOURS (counted from the login) and, by default, when
# the browser closes: a shared office computer does not keep an HR session for weeks.
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_AGE_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Behind a TLS-terminating reverse proxy, the request's scheme is the one the proxy
    # received, from the header it sets (and overwrites: a client must not choose it).
    # Empty when the app is reached directly (gunicorn with its own certificate).
    _PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
    if _PROXY_SSL_HEADER:
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"),
            "https",
        )
    # Plain HTTP is redirected to HTTPS, and browsers are told to use HTTPS only
    # (HSTS). https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Only a permission to be put on the browsers' preload list: nothing is submitted.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and images from the
# app's own origin only; no inline script or style attribute, no eval, no frames, no
# plugins. Bootstrap's icons are data: URIs in its CSS. Every page passes it in
# Chromium (tests/e2e/test_csp.py). https://django-csp.readthedocs.io/
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every login at INFO; a lockout is a warning.
        "axes": {"level": "WARNING"},
        # WeasyPrint (the council report's PDF) logs each layout step and every CSS
        # property it does not know; only its warnings about the document matter.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
