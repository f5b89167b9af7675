"""Settings, read from environment variables with safe embedded defaults.

Every variable is listed, with its default, in the README's "Settings" table.
Unset DATABASE_URL and REDIS_URL give a server-less setup (SQLite and a
filesystem Celery broker) so that a newcomer can run the demo anywhere.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accountability import env

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of a development machine: the SQLite file, the generated
# secret key and the filesystem broker's folders. Ignored by git.
STATE_DIR = BASE_DIR / ".demo"


def _development_secret_key() -> str:
    """A key generated once per checkout and kept, so sessions survive restarts."""
    key_file = STATE_DIR / "secret_key"
    if not key_file.exists():
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = env.read_bool("DEBUG", default=False)
SECRET_KEY = env.read_secret_key(
    "SECRET_KEY", debug=DEBUG, fallback=_development_secret_key() if DEBUG else ""
)
ALLOWED_HOSTS = env.read_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.read_list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": env.read_database(
        "DATABASE_URL", default_url=f"sqlite:///{STATE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    STATE_DIR.mkdir(parents=True, exist_ok=True)
# The role that owns the tables, for `migrate` and `db_grant_app_role` only
# (accountability.db_roles); the portal itself connects as DATABASE_URL's application role,
# which owns nothing. None: those commands connect as DATABASE_URL too.
DATABASE_OWNER = env.read_database_owner("DATABASE_OWNER_URL", DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.read_redis_url("REDIS_URL")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_beat",
    "import_export",
    "accountability.apps.SignInThrottleConfig",  # django-axes
    # DRF and django-filter work without being installed apps; installed, their
    # zh_Hans catalogues would override Django's own wording across the portal.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accountability",
    "deadlines",
    "intake",
    "sanctions",
    "outages",
    "oversight",
]

MIDDLEWARE = [
    "accountability.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accountability.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accountability.urls"
# The 403 page in the portal's layout, in words a person can act on.
CSRF_FAILURE_VIEW = "accountability.error_pages.csrf_failure"
WSGI_APPLICATION = "accountability.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accountability.context_processors.navigation",
                "deadlines.context_processors.notifications",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account or address before any password is checked.
    "accountability.signin.SignInThrottleBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# How many reverse proxies in front of the portal append the client's address to
# X-Forwarded-For; 0 takes the connection's address (accountability.addresses).
TRUSTED_PROXIES = env.read_int("TRUSTED_PROXIES", default=0, minimum=0)

# Failed sign-ins (accountability.signin, django-axes): past the limit, by account name or
# by address, sign-in is refused until the lock time has passed since the last failure or
# an administrator unlocks it.
SIGN_IN_FAILURE_LIMIT = env.read_int("SIGN_IN_FAILURE_LIMIT", default=5, minimum=1)
SIGN_IN_LOCK_MINUTES = env.read_int("SIGN_IN_LOCK_MINUTES", default=15, minimum=1)
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "accountability.signin.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "accountability.signin.lockout_response"
AXES_RESET_ON_SUCCESS = False
# The admin's list is accountability.admin.signin (unlocking audited), not axes' own.
AXES_ENABLE_ADMIN = False
# Successful sign-ins are not logged: only failures matter here.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Chinese first, English available through the language switch.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC, shown in China Standard Time.
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence files (accountability.attachments): photos, scanned signed papers. Kept through
# the "evidence" storage below, never served as public media: a view checks who may see
# each file. Local files under MEDIA_ROOT by default; an S3-compatible bucket (MinIO, OSS,
# COS, AWS) when EVIDENCE_STORAGE=s3, through django-storages.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "").strip() or STATE_DIR / "media")
EVIDENCE_STORAGE = env.read_choice("EVIDENCE_STORAGE", default="FILE", choices=("FILE", "S3"))
if EVIDENCE_STORAGE == "S3":
    _evidence_bucket = os.environ.get("EVIDENCE_S3_BUCKET", "").strip()
    if not _evidence_bucket:
        raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET.")
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _evidence_bucket,
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("EVIDENCE_S3_REGION", "").strip() or None,
            "access_key": os.environ.get("EVIDENCE_S3_ACCESS_KEY", "").strip() or None,
            "secret_key": os.environ.get("EVIDENCE_S3_SECRET_KEY", "").strip() or None,
            "location": "evidence",
            # Private objects, never overwritten; the portal streams them itself.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "evidence"},
    }
# The largest evidence file accepted, in megabytes.
ATTACHMENT_MAX_MB = env.read_int("ATTACHMENT_MAX_MB", default=10, minimum=1)

# Files written by oversight's export jobs, served only to their requester (not media).
# The worker writes them and the web server reads them: one folder both can reach.
OVERSIGHT_EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", "").strip() or STATE_DIR / "exports")

# The cache holds throttling's counters only; when Redis does not answer, each process
# counts on its own (accountability.cache). A Redis that stopped answering (rather than
# refusing connections) must not hold a request longer than a second.
CACHES = {
    "default": (
        {
            "BACKEND": "accountability.cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport,
# which needs no server yet lets a real worker and beat run side by side.
BROKER_DIR = STATE_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# A worker killed mid-task leaves the message on the queue for the next one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Email: notifications are also emailed when EMAIL_HOST names an SMTP server; without
# it they appear only under the bell.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = env.read_int("EMAIL_PORT", default=25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.read_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.read_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on; pick one.")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "") or "noreply@localhost"
# The portal's address as staff reach it, for the links in emails.
PORTAL_URL = os.environ.get("PORTAL_URL", "").strip().rstrip("/")
# Callback and rating (回访, 好差评): how many days a citizen's one-time rating link works.
RATING_LINK_DAYS = env.read_int("RATING_LINK_DAYS", default=7, minimum=1)

# Outages (DOMAIN §8): planned works cutting at least this many households are "large"
# and need public notices 3 days and 1 day ahead (seed 003 通报制度 (1)).
OUTAGE_LARGE_NOTICE_HOUSEHOLDS = env.read_int(
    "OUTAGE_LARGE_NOTICE_HOUSEHOLDS", default=1000, minimum=1
)

# The REST API (README "REST API"): token per client system, scopes, JSON errors.


def _read_rate(name: str, default: str) -> str:
    rate = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name} must look like {default} (per s, min, hour or day).")
    return rate


API_THROTTLE_RATE = _read_rate("API_THROTTLE_RATE", "600/min")
# Open311 reads are public (GeoReport v2 asks a key only to post): requests without a
# token are counted per address at this rate.
OPEN311_ANONYMOUS_RATE = _read_rate("OPEN311_ANONYMOUS_RATE", "60/min")
# How long a worker trusts what it read of a REST client (its token, scopes, rate and
# revocation) before reading it again; 0 reads it on every request.
API_CLIENT_CACHE_SECONDS = env.read_int("API_CLIENT_CACHE_SECONDS", default=5, minimum=0)
# How often (milliseconds) a worker adds a REST client's requests to the count that all
# workers share (in Redis); it counts those in between itself. 0 adds each at once.
API_THROTTLE_SHARE_MS = env.read_int("API_THROTTLE_SHARE_MS", default=100, minimum=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accountability.restapi.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accountability.restapi.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["accountability.restapi.ApiClientThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "accountability.restapi.SingleFormatNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accountability.restapi_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Service accountability portal API",
    "DESCRIPTION": "Case status, deadlines and public timelines for client systems, "
    "and Open311 GeoReport v2. Protected identities never appear.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MatterKindEnum": "deadlines.models.MatterKind.choices",
        "ServiceItemKindEnum": "intake.models.ItemKind.choices",
    },
}

# Imports from spreadsheets are all-or-nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.read_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS: on by default unless DEBUG. A plain-HTTP request is redirected, except /healthz,
# which the container's health check calls from inside; browsers are told to use HTTPS
# only (HSTS) for SECURE_HSTS_SECONDS. Behind a proxy that ends TLS, SECURE_PROXY_SSL_HEADER
# names the header by which it says the request came in over HTTPS.
SECURE_SSL_REDIRECT = env.read_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.read_int(
    "SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.read_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.read_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = env.read_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env.read_choice(
            "LOG_LEVEL", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")
        ),
    },
}

# Messages to the citizen (README "Messages to the citizen"): the backend ("file" writes
# each message to MESSAGES_DIR; "alibaba" and "tencent" send SMS through the providers'
# SDKs), the registered signature, quiet hours (no SMS then, except outage messages) and
# the secrets that sign delivery receipts pushed to /cases/messages/receipts/<provider>/.
MESSAGES_BACKEND = os.environ.get("MESSAGES_BACKEND", "file").strip() or "file"
MESSAGES_DIR = os.environ.get("MESSAGES_DIR", "").strip() or str(STATE_DIR / "messages")
MESSAGES_SIGN_NAME = os.environ.get("MESSAGES_SIGN_NAME", "").strip() or "供水服务"
MESSAGES_QUIET_HOURS = os.environ.get("MESSAGES_QUIET_HOURS", "22:00-08:00").strip()
if MESSAGES_QUIET_HOURS.lower() != "off" and not re.fullmatch(
    r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", MESSAGES_QUIET_HOURS
):
    raise ImproperlyConfigured(
        "MESSAGES_QUIET_HOURS must be HH:MM-HH:MM (such as 22:00-08:00) or off."
    )
if MESSAGES_BACKEND not in ("file", "alibaba", "tencent") and "." not in MESSAGES_BACKEND:
    raise ImproperlyConfigured(
        "MESSAGES_BACKEND must be file, alibaba, tencent or a dotted path to a backend class."
    )
MESSAGES_MAX_ATTEMPTS = env.read_int("MESSAGES_MAX_ATTEMPTS", default=5, minimum=1)
MESSAGES_RECEIPT_SECRETS = {
    provider: os.environ.get(f"MESSAGES_{provider.upper()}_RECEIPT_SECRET", "")
    for provider in ("file", "alibaba", "tencent")
}
ALIBABA_SMS_ACCESS_KEY_ID = os.environ.get("ALIBABA_SMS_ACCESS_KEY_ID", "")
ALIBABA_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIBABA_SMS_ACCESS_KEY_SECRET", "")
ALIBABA_SMS_ENDPOINT = os.environ.get("ALIBABA_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
ALIBABA_SMS_PROTOCOL = os.environ.get("ALIBABA_SMS_PROTOCOL", "https")
TENCENT_SMS_SECRET_ID = os.environ.get("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = os.environ.get("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_APP_ID = os.environ.get("TENCENT_SMS_APP_ID", "")
TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
TENCENT_SMS_PROTOCOL = os.environ.get("TENCENT_SMS_PROTOCOL", "https")
