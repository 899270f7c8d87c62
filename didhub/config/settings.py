"""didhub settings, read from ``DIDHUB_*`` environment variables.

Safe defaults: with nothing set, didhub runs on SQLite in ``./var`` with a secret key
generated on first start and kept there (never in git). Production sets
``DIDHUB_DATABASE_URL`` to PostgreSQL, ``DIDHUB_ALLOWED_HOSTS`` and a real secret.
"""

import ipaddress
import os
import secrets
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from didhub.config.cache_url import cache_from_url
from didhub.core.database_url import database_from_url, replica_from_url, sqlite_database
from didhub.numbers.attributes import MAX_RANGE


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DIDHUB_DATA_DIR", Path.cwd() / "var")).resolve()


def load_secret_key() -> str:
    """The configured key, or one generated once and kept in the data folder."""
    if key := os.environ.get("DIDHUB_SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()
# A generated key is one node's alone: serve and worker refuse it on PostgreSQL unless
# told this installation is one node (didhub/ops/deployment.py).
DIDHUB_SECRET_KEY_GENERATED = not os.environ.get("DIDHUB_SECRET_KEY")
DIDHUB_ALLOW_GENERATED_SECRET_KEY = env_bool("DIDHUB_ALLOW_GENERATED_SECRET_KEY", False)
DEBUG = env_bool("DIDHUB_DEBUG", False)
ALLOWED_HOSTS = env_list("DIDHUB_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DIDHUB_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "didhub.core",
    "didhub.accounts",
    "didhub.numbers",
    "didhub.imports",
    "didhub.exports",
    "didhub.sync",
    "didhub.ops",
    "didhub.web",
    "didhub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "didhub.core.middleware.RequestIdMiddleware",
    "didhub.ops.middleware.MetricsMiddleware",
    "didhub.core.middleware.NulRefusingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "didhub.accounts.middleware.SwitchedOffSessionMiddleware",
    "didhub.core.middleware.RequestLogMiddleware",
    "didhub.core.db.replica.PrimaryAfterWritesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "didhub.config.urls"
WSGI_APPLICATION = "didhub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

if database_url := os.environ.get("DIDHUB_DATABASE_URL"):
    DATABASES = {"default": database_from_url(database_url)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": sqlite_database(DATA_DIR / "didhub.sqlite3")}
# Lists, the dashboard and exports read from a PostgreSQL streaming replica when one is
# set, unless it lags more than DIDHUB_REPLICA_MAX_LAG_SECONDS or is down; every write
# stays on the primary (didhub.core.db.replica).
if replica_url := os.environ.get("DIDHUB_DATABASE_REPLICA_URL"):
    DATABASES["replica"] = replica_from_url(replica_url, DATABASES["default"])
DIDHUB_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DIDHUB_REPLICA_MAX_LAG_SECONDS", 5))
DATABASE_ROUTERS = ["didhub.core.db.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Refuses deactivated users and users of deactivated accounts (at any depth above them).
AUTHENTICATION_BACKENDS = ["didhub.accounts.backends.ActiveAccountBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DIDHUB_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # `didhub serve` collects assets here
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "didhub.config.static.StaticStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

# Uploads of hundreds of thousands of rows are normal; the import engine streams them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DIDHUB_MAX_UPLOAD_BYTES = int(os.environ.get("DIDHUB_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
# A CSV of this many rows or more is validated by several processes on PostgreSQL
# (didhub.imports.sharing): DIDHUB_IMPORT_PROCESSES of them, 0 meaning one per core.
DIDHUB_IMPORT_SHARE_ROWS = int(os.environ.get("DIDHUB_IMPORT_SHARE_ROWS", 200_000))
DIDHUB_IMPORT_PROCESSES = int(os.environ.get("DIDHUB_IMPORT_PROCESSES", 0))
# Uploads of more rows than this are validated and committed by the worker, not in the
# request that sent them.
DIDHUB_IMPORT_INLINE_ROWS = int(os.environ.get("DIDHUB_IMPORT_INLINE_ROWS", 20_000))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool(
    "DIDHUB_SECURE_COOKIES", not DEBUG and "DIDHUB_DATABASE_URL" in os.environ
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS proxy (docs/operations.md): redirect plain HTTP to HTTPS (probes excepted)
# and tell browsers to come back over HTTPS only, for DIDHUB_HSTS_SECONDS.
SECURE_SSL_REDIRECT = env_bool("DIDHUB_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DIDHUB_HSTS_SECONDS", 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DIDHUB_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DIDHUB_HSTS_PRELOAD", False)
# The Content-Security-Policy of every page (django-csp): scripts and everything else
# only from didhub itself; inline style attributes are allowed (meters and charts size
# themselves with them), inline scripts are not. The API docs load their start-up
# script from a URL of their own for this reason.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DIDHUB_TRUSTED_PROXIES = int(os.environ.get("DIDHUB_TRUSTED_PROXIES", 0))
# A trusted proxy terminates TLS and says so in X-Forwarded-Proto; nobody else may.
if DIDHUB_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The portal's sign-in: after this many failures within the window, an email address and
# a client address are each refused, right password or not, until the window has passed.
DIDHUB_LOGIN_FAILURES = int(os.environ.get("DIDHUB_LOGIN_FAILURES", 10))
DIDHUB_LOGIN_WINDOW_MINUTES = int(os.environ.get("DIDHUB_LOGIN_WINDOW_MINUTES", 15))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "didhub.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "didhub.accounts.api.permissions.TokenScopeAllows",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON everywhere, as the schema documents; the upload route adds multipart itself.
    "DEFAULT_PARSER_CLASSES": ["didhub.core.api.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "didhub.core.api.pagination.CursorPagination",
    # OPTIONS answers 405: the OpenAPI document describes every operation.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "didhub.core.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    # X-Forwarded-For is believed only as far as DIDHUB_TRUSTED_PROXIES proxies in front of
    # didhub append to it; 0 (the default) takes the connecting address and ignores the
    # header, so a client cannot pick the address it is counted under.
    "NUM_PROXIES": DIDHUB_TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("DIDHUB_THROTTLE_USER", "6000/min"),
        "anon": os.environ.get("DIDHUB_THROTTLE_ANON", "60/min"),
        "auth": os.environ.get("DIDHUB_THROTTLE_AUTH", "30/min"),
    },
    "EXCEPTION_HANDLER": "didhub.core.api.problems.problem_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "didhub API",
    "DESCRIPTION": (
        "Phone-number (DID) inventory: numbers, uploads, accounts, targets, sync.\n\n"
        "Authenticate with `Authorization: Token <key>` (create keys at `/api/v1/tokens/`; "
        "read tokens cannot write) or the portal's session cookie with CSRF. Errors are "
        "`application/problem+json`; lists use cursor pagination (`limit`, `cursor`, "
        "`ordering`); writes that change numbers accept `Idempotency-Key`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "AUTHENTICATION_WHITELIST": [
        "didhub.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "ENUM_NAME_OVERRIDES": {
        "NumberStateEnum": "didhub.numbers.choices.NumberState",
        "NumberActionEnum": "didhub.numbers.services.actions.NUMBER_ACTIONS",
        "RouteEnum": "didhub.numbers.choices.Route",
        "UsageEnum": "didhub.numbers.choices.Usage",
        "ChannelEnum": "didhub.numbers.choices.Channel",
        "TargetKindEnum": "didhub.numbers.choices.TargetKind",
        "ActivityEnum": "didhub.numbers.choices.Activity",
        "SyncStateEnum": "didhub.numbers.choices.SyncState",
        "NumberTypeEnum": "didhub.numbers.choices.NumberType",
        "AccountKindEnum": "didhub.accounts.choices.AccountKind",
        "RoleEnum": "didhub.accounts.choices.Role",
        "TokenScopeEnum": "didhub.accounts.choices.TokenScope",
        "ImportStateEnum": "didhub.imports.choices.ImportState",
        "OutboxStateEnum": "didhub.sync.choices.OutboxState",
        "LinkStatusEnum": "didhub.sync.choices.LinkStatus",
    },
}

# Throttle counts (API rates, failed sign-ins) live in a cache that every process of the
# installation shares, or N processes would allow N times each limit: a database table by
# default (created by `didhub migrate`), Redis when DIDHUB_CACHE_URL is set.
DIDHUB_CACHE_URL = os.environ.get("DIDHUB_CACHE_URL", "")
CACHES = {"default": cache_from_url(DIDHUB_CACHE_URL)}

# Background work: the Django Tasks API. The embedded default keeps tasks in the
# database and `didhub worker` runs them; DIDHUB_TASKS_IMMEDIATE=1 runs them inline.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("DIDHUB_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "imports", "sync"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "didhub.core.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "didhub.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # DIDHUB_LOG_FORMAT=json: one JSON object per line (didhub.core.logs).
            "formatter": "json" if os.environ.get("DIDHUB_LOG_FORMAT") == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DIDHUB_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# didhub's own knobs.
DIDHUB_DEFAULT_AGING_DAYS = int(os.environ.get("DIDHUB_DEFAULT_AGING_DAYS", 90))
# The most numbers one range may hold (a Range End row, a range upload, a block): at
# most the ceiling the database holds blocks to (didhub.numbers.attributes.MAX_RANGE).
DIDHUB_MAX_RANGE = int(os.environ.get("DIDHUB_MAX_RANGE", MAX_RANGE))
if not 1 <= DIDHUB_MAX_RANGE <= MAX_RANGE:
    raise ImproperlyConfigured(f"DIDHUB_MAX_RANGE must be a whole number from 1 to {MAX_RANGE:,}.")
# Background work (didhub.core.workers, didhub.core.housekeeping). DIDHUB_EXPIRY_INTERVAL
# is the former name of the housekeeping interval, still read for one release.
DIDHUB_HOUSEKEEPING_INTERVAL = float(
    os.environ.get("DIDHUB_HOUSEKEEPING_INTERVAL", os.environ.get("DIDHUB_EXPIRY_INTERVAL", 60))
)
DIDHUB_WORKER_HEARTBEAT = float(os.environ.get("DIDHUB_WORKER_HEARTBEAT", 10))
DIDHUB_WORKER_STALE_AFTER = float(os.environ.get("DIDHUB_WORKER_STALE_AFTER", 60))
# Retention (housekeeping): finished task rows, and uploads validated but not committed.
DIDHUB_TASK_RETENTION_DAYS = float(os.environ.get("DIDHUB_TASK_RETENTION_DAYS", 7))
DIDHUB_IMPORT_READY_DAYS = float(os.environ.get("DIDHUB_IMPORT_READY_DAYS", 7))
# Readiness (/readyz, didhub health): the oldest sync change and task may wait this long.
DIDHUB_READY_OUTBOX_AGE = float(os.environ.get("DIDHUB_READY_OUTBOX_AGE", 600))
DIDHUB_READY_TASK_AGE = float(os.environ.get("DIDHUB_READY_TASK_AGE", 600))
# The web server (didhub serve: gunicorn): processes, threads each, and seconds a request
# may take before its process is replaced / seconds requests in flight get on SIGTERM.
DIDHUB_WEB_CONCURRENCY = int(os.environ.get("DIDHUB_WEB_CONCURRENCY", 2))
DIDHUB_WEB_THREADS = int(os.environ.get("DIDHUB_WEB_THREADS", 8))
DIDHUB_WEB_TIMEOUT = int(os.environ.get("DIDHUB_WEB_TIMEOUT", 120))
DIDHUB_WEB_GRACEFUL_TIMEOUT = int(os.environ.get("DIDHUB_WEB_GRACEFUL_TIMEOUT", 30))
# Prometheus metrics at /metrics (didhub.ops.metrics): off unless DIDHUB_METRICS is set;
# read by a bearer of DIDHUB_METRICS_TOKEN or from DIDHUB_METRICS_ALLOW networks. The
# web processes of one node add their figures up through files in one directory.
DIDHUB_METRICS = env_bool("DIDHUB_METRICS", False)
DIDHUB_METRICS_TOKEN = os.environ.get("DIDHUB_METRICS_TOKEN", "")
DIDHUB_METRICS_ALLOW = [
    ipaddress.ip_network(network.strip())
    for network in os.environ.get("DIDHUB_METRICS_ALLOW", "127.0.0.0/8,::1/128").split(",")
    if network.strip()
]
DIDHUB_METRICS_INVENTORY_EVERY = float(os.environ.get("DIDHUB_METRICS_INVENTORY_EVERY", 300))
if DIDHUB_METRICS and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    (DATA_DIR / "metrics").mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(DATA_DIR / "metrics")
DIDHUB_WEBEX_BASE_URL = os.environ.get("DIDHUB_WEBEX_BASE_URL", "https://webexapis.com")
# Platform sync (docs/sync.md): the keys of the credentials stored encrypted (empty: a key
# derived from SECRET_KEY), and whether webhooks may go to loopback and private addresses.
DIDHUB_SECRETS_KEY = os.environ.get("DIDHUB_SECRETS_KEY", "")
DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS = env_bool("DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS", False)
# Platform sync delivery (didhub/sync/conf.py says what each one does).
DIDHUB_SYNC_TIMEOUT = float(os.environ.get("DIDHUB_SYNC_TIMEOUT", 10))
DIDHUB_SYNC_LEASE = float(os.environ.get("DIDHUB_SYNC_LEASE", 60))
DIDHUB_SYNC_MAX_ATTEMPTS = int(os.environ.get("DIDHUB_SYNC_MAX_ATTEMPTS", 40))
DIDHUB_SYNC_BACKOFF_BASE = float(os.environ.get("DIDHUB_SYNC_BACKOFF_BASE", 2))
DIDHUB_SYNC_BACKOFF_CAP = float(os.environ.get("DIDHUB_SYNC_BACKOFF_CAP", 300))
DIDHUB_SYNC_BATCH = int(os.environ.get("DIDHUB_SYNC_BATCH", 1000))
DIDHUB_SYNC_POLL = float(os.environ.get("DIDHUB_SYNC_POLL", 0.2))
DIDHUB_SYNC_SENDERS = int(os.environ.get("DIDHUB_SYNC_SENDERS", 0))
# Delivered outbox messages are kept this many days (housekeeping job sync.prune).
DIDHUB_SYNC_RETENTION_DAYS = float(os.environ.get("DIDHUB_SYNC_RETENTION_DAYS", 30))
