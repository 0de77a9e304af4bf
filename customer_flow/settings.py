"""Django settings for Customer Flow.

Every setting that differs between machines is read from the environment; the
defaults are safe for local development. `.env.example` and the README list them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

from customer_flow.lib.environment import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "customer_flow",
    "customer_flow.api",
    "customers",
    "tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "customer_flow.lib.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view middleware reads the body (the CSRF check does).
    "customer_flow.body_limits.RequestBodyLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "customer_flow.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "customer_flow.lib.middleware.DatabaseWriteRefusedMiddleware",
]

ROOT_URLCONF = "customer_flow.urls"

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
                "tickets.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "customer_flow.wsgi.application"
ASGI_APPLICATION = "customer_flow.asgi.application"

# Database ---------------------------------------------------------------------
# SQLite by default, tuned so several server processes can write at once: WAL lets
# readers run beside the writer, IMMEDIATE transactions take the write lock up front
# (so a reader never has to upgrade and fail with "database is locked"), and the
# busy timeout makes a writer wait its turn instead of failing.
SQLITE_BUSY_TIMEOUT = env_int("SQLITE_BUSY_TIMEOUT", 30)
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000};"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA cache_size=-20000;"
        "PRAGMA mmap_size=268435456;"
    ),
}

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # Tests run on a file (not :memory:) so WAL and locking are exercised for real.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_SQLITE_NAME", str(BASE_DIR / "test_db.sqlite3"))
    }
else:
    # PostgreSQL's JIT compiles any query the planner costs over 100,000: for a
    # ticket search of a word in no message, 10-30 ms to compile a query that
    # then ran in 0.03 ms. Page queries are short; none gains from it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP pair out after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page says when the lock ends (customer_flow/accounts.py).
AXES_LOCKOUT_CALLABLE = "customer_flow.accounts.lockout_response"
# Behind a reverse proxy, the number of proxies of ours in front of the app: the
# client's address is then read from X-Forwarded-For that far from the right.
# 0 (the default): REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "customer_flow.accounts.client_ip"
AXES_VERBOSE = False

# Two-factor sign-in (django-otp, customer_flow/two_factor.py): required for
# superusers and these groups while TWO_FACTOR_REQUIRED is on; optional for others.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
TWO_FACTOR_REQUIRED_GROUPS = ["Support leads"]
# With DEBUG on only: the demo login `make run` creates need not set it up.
TWO_FACTOR_DEBUG_EXEMPT = ["demo"]
OTP_TOTP_ISSUER = "Customer Flow"

# Sessions live in the database so any process on any machine can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers ---------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading is hard to undo (browsers ship the list): only when asked for.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# check --deploy warns when preload is off; off is the deliberate default here.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Request bodies (customer_flow/body_limits.py, docs/security.md): refused by their
# Content-Length, and by counting, before anything parses them. Upload endpoints
# store files up to their own limit, for users holding their permission only.
ANONYMOUS_BODY_MAX_BYTES = env_int("ANONYMOUS_BODY_MAX_BYTES", 16384)
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Web imports stream to a temporary file and then to the default storage (never
# whole into memory); a background job reads them from there.
IMPORT_UPLOAD_MAX_BYTES = env_int("IMPORT_UPLOAD_MAX_BYTES", 2 * 2**30)
# The admin's import pages read the file into memory (django-import-export).
ADMIN_IMPORT_MAX_BYTES = env_int("ADMIN_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# A running import job writes a heartbeat every second; one silent this long
# (seconds) was stopped with its worker, and the batch page offers to retry. On
# SQLite a long write holds the lock the heartbeat needs: keep it generous.
IMPORT_JOB_STALLED_AFTER = env_int("IMPORT_JOB_STALLED_AFTER", 120)
# Undoing an import that wrote more customers than this is a background job (the
# page follows it); a smaller one is undone inside the request (under ~0.5 s).
IMPORT_UNDO_JOB_ROWS = env_int("IMPORT_UNDO_JOB_ROWS", 10_000)
# Upload endpoints of views we do not write (for our own: @accepts_upload).
UPLOAD_ENDPOINTS = {
    "admin:customers_customer_import": {
        "permission": "customers.import_customer",
        "max_bytes": "ADMIN_IMPORT_MAX_BYTES",
    },
    "admin:tickets_tickettype_import": {
        "permission": "tickets.import_tickettype",
        "max_bytes": "ADMIN_IMPORT_MAX_BYTES",
    },
}

# REST API (customer_flow/api, docs/api.md) ------------------------------------------
# Tokens: django-rest-knox, stored as SHA-512 digests, sent as "Authorization:
# Bearer cf_...". They last until revoked unless API_TOKEN_TTL_DAYS is set.
KNOX_TOKEN_MODEL = "api.ApiToken"
# knox's own migrations would create its unused AuthToken table (swapped out for
# api.ApiToken), whose foreign key to users then blocks flushing the database.
MIGRATION_MODULES = {"knox": None}
_token_days = env_int("API_TOKEN_TTL_DAYS", 0)
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_PREFIX": "cf_",
    "TOKEN_TTL": timedelta(days=_token_days) if _token_days else None,
}
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 100)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "customer_flow.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["customer_flow.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "customer_flow.api.pagination.KeysetPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "customer_flow.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["customer_flow.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_THROTTLE_RATE", "600/minute"),
    },
    # JSON only: /api/v1/docs/ is the page for people.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is the export's own parameter
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Customer Flow API",
    "DESCRIPTION": "Customers, tickets, ticket types and imports. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "ImportBatchStatusEnum": "customers.models.ImportBatch.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "customer_flow.api.schema.document_errors",
    ],
}

# Email ----------------------------------------------------------------------------
# EMAIL_URL (parsed by django-environ: smtp://, smtp+tls://, smtp+ssl://,
# consolemail://, filemail://) or the separate EMAIL_* variables. With neither,
# development writes every email as a file into EMAIL_FILE_PATH (`make run` says
# so) and production talks SMTP to localhost:25.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(BASE_DIR / "sent-mail")
if os.environ.get("EMAIL_URL"):
    _email = environ.Env.email_url_config(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
elif os.environ.get("EMAIL_HOST") or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# The support address: replies go out from it and customers write back to it.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Customer Flow Support <support@localhost>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Links in notification emails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A reply is tried this many times over about an hour on temporary SMTP failures.
EMAIL_SEND_ATTEMPTS = env_int("EMAIL_SEND_ATTEMPTS", 5)
# Seconds to wait before each new try; the last value repeats.
EMAIL_RETRY_DELAYS = [
    int(n) for n in env_list("EMAIL_RETRY_DELAYS", "60,300,900,1800") if n.strip()
]
# A reply claimed by a worker longer than this ago and not finished: the worker
# died mid-send; staff decide whether to send it again (see README).
EMAIL_SEND_STALLED_AFTER = env_int("EMAIL_SEND_STALLED_AFTER", 900)

# SLA: a ticket due within this many minutes counts as "breaching soon".
SLA_BREACHING_SOON_MINUTES = env_int("SLA_BREACHING_SOON_MINUTES", 120)

# Inbound email (manage.py receive_email) ----------------------------------------
# Mail from an unknown address: "create" a customer, or "hold" it in a list.
INBOUND_UNKNOWN_SENDER = os.environ.get("INBOUND_UNKNOWN_SENDER", "create")
if INBOUND_UNKNOWN_SENDER not in {"create", "hold"}:
    raise ImproperlyConfigured("INBOUND_UNKNOWN_SENDER must be create or hold.")
# Code of the ticket type for tickets opened by email (empty: the first active).
INBOUND_TICKET_TYPE = os.environ.get("INBOUND_TICKET_TYPE", "")

# Attachments ----------------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"  # never served directly: attachments go through a view
_s3 = os.environ.get("STORAGE_BACKEND") == "s3"
if _s3:
    # django-storages (pip install django-storages[s3]); credentials from the
    # usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an instance role.
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_DEFAULT_ACL = None  # private objects; files go out through the app only
    AWS_S3_FILE_OVERWRITE = False
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 2**20)
MESSAGE_MAX_BYTES = env_int("MESSAGE_MAX_BYTES", 25 * 2**20)

# Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files: the local MEDIA_ROOT, or an S3-compatible bucket through
# django-storages when STORAGE_BACKEND=s3 (install it; see the README).
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage"}
        if _s3
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# django-import-export: require the model's import/export permissions, not staff.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Between preview and confirm, an admin upload waits under a random name in the
# media storage, reachable only by the user who uploaded it (not in /tmp).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "customer_flow.import_export_admin.AdminUploadStorage"

# Background jobs (Django's tasks API, backported by django-tasks): stored in the
# database and run by `manage.py db_worker` processes (`make run` starts them with
# the server; `manage.py serve`). Long imports have a queue of their own so that
# they never hold up short jobs such as sending an email.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
