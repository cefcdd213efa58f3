"""Verity settings: everything comes from the environment; secure unless development is asked for.

Without ``VERITY_ENV=development`` the settings are production's: the process refuses to start
without a real ``DJANGO_SECRET_KEY`` and explicit ``DJANGO_ALLOWED_HOSTS``, and cookies, HSTS and
the HTTPS redirect are on. ``make run`` (bin/run) and the test suite (pyproject.toml) ask for
development explicitly, where local defaults make a fresh machine work without configuration.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.local_env import load_local_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if not env.bool("VERITY_TEST", default=False):  # the test suite runs on its environment alone
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# What `make run` set up on this machine (development, local endpoints), for the README's commands
# in other shells; the environment always wins (config/local_env.py). An empty value reads nothing.
_LOCAL_ENV_FILE = env.str("VERITY_LOCAL_ENV_FILE", default=str(BASE_DIR / "var" / "local.env"))
if _LOCAL_ENV_FILE:
    load_local_env(Path(_LOCAL_ENV_FILE), os.environ)

# Security. Production unless development is asked for: a forgotten variable must fail closed.
VERITY_ENV = env.str("VERITY_ENV", default="production")
if VERITY_ENV not in ("production", "development"):
    raise ImproperlyConfigured(f"VERITY_ENV must be production or development, not {VERITY_ENV!r}.")
IS_PRODUCTION = VERITY_ENV == "production"

# SECRET_KEY also encrypts the audit signing keys (audit/digests.py): never a default in production.
_DEVELOPMENT_SECRET = "development-only-insecure-secret-key-never-used-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if IS_PRODUCTION else _DEVELOPMENT_SECRET)
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)

if IS_PRODUCTION:
    if SECRET_KEY == _DEVELOPMENT_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of 50+ characters in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")

INSTALLED_APPS = [
    "tenants.admin_site.VerityAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",  # admin second factor: see the admin sign-in block below
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tenants",
    "verification",
    "moderation",
    "webhooks",
    "audit",
    "vision",
    "vision.local.apps.LocalRekognitionConfig",
]

MIDDLEWARE = [
    "config.api.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # marks a session that passed the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.identity.AuditRequestMiddleware",
    "tenants.middleware.TenantScopeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
    },
]

# Two login roles, neither superuser nor exempt from row-level security (tenants/rls.py):
# ``verity_app`` (DATABASE_URL) serves tenants and sees one tenant's rows per transaction;
# ``verity_platform`` (DATABASE_PLATFORM_URL) does platform-wide work (operators, beat jobs over
# every tenant) and is used only inside ``platform_scope``. Each has a second connection for
# audit events that must commit on their own (``audit``, ``audit_platform``; see
# audit.recording.record_event). Schema changes run as the owner role (DATABASE_OWNER_URL):
# commands started with VERITY_DB_ROLE=owner (migrate, db_setup) connect as the owner.
DATABASE_APP = env.db("DATABASE_URL", default="postgres://verity_app@127.0.0.1:5432/verity")
# Unset, the platform role logs in to the application's database as verity_platform, without a password.
DATABASE_PLATFORM = (
    env.db("DATABASE_PLATFORM_URL")
    if env.str("DATABASE_PLATFORM_URL", default="")
    else DATABASE_APP | {"USER": "verity_platform", "PASSWORD": ""}
)
DATABASE_OWNER = env.db("DATABASE_OWNER_URL", default="postgres://postgres@127.0.0.1:5432/verity")
DATABASE_APP_ROLE = DATABASE_APP["USER"]
DATABASE_PLATFORM_ROLE = DATABASE_PLATFORM["USER"]
_AS_OWNER = env.str("VERITY_DB_ROLE", default="app") == "owner"
DATABASES = {
    alias: dict(DATABASE_OWNER if _AS_OWNER else credentials)
    for alias, credentials in {
        "default": DATABASE_APP,
        "audit": DATABASE_APP,
        "platform": DATABASE_PLATFORM,
        "audit_platform": DATABASE_PLATFORM,
    }.items()
}
for _database in DATABASES.values():
    _database["ENGINE"] = "tenants.db"  # PostgreSQL, carrying the tenant scope into every transaction
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
# The connection a platform scope opened from a connection runs on (tenants.scope.platform_scope).
VERITY_PLATFORM_DATABASES = {
    "default": "platform",
    "platform": "platform",
    "audit": "audit_platform",
    "audit_platform": "audit_platform",
}
DATABASE_ROUTERS = ["tenants.scope.ScopeRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="verity"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("VERITY_SSL_REDIRECT", default=IS_PRODUCTION)
# Load balancers and orchestrators probe over plain HTTP (paths without their leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("VERITY_HSTS_SECONDS", default=31_536_000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("VERITY_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("VERITY_HSTS_PRELOAD", default=True)
# X-Forwarded-Proto is believed only when a TLS-terminating proxy is declared to set (and strip) it.
VERITY_BEHIND_TLS_PROXY = env.bool("VERITY_BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if VERITY_BEHIND_TLS_PROXY else None
# /metrics: closed unless a token is set; then `Authorization: Bearer <token>` (vision/metrics.py).
VERITY_METRICS_TOKEN = env.str("VERITY_METRICS_TOKEN", default="")

# --- Admin sign-in and staff accounts (tenants/admin_site.py, tenants/staff.py, docs/admin.md) ---
LOGIN_URL = "admin:login"
# Messages are kept in the session, on the server: nothing a message says travels in a cookie
# (and no secret is ever put in a message: new keys and links are shown on a page of their own).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Where staff reach the admin, for the set-password links that management commands print.
VERITY_ADMIN_BASE_URL = env.str("VERITY_ADMIN_BASE_URL", default="http://127.0.0.1:8000")
# Staff must pass a second factor (TOTP or a recovery code) before the admin opens: required in
# production, optional elsewhere (where a user who enrolled is still asked). tenants/two_factor.py
VERITY_ADMIN_REQUIRE_2FA = env.bool("VERITY_ADMIN_REQUIRE_2FA", default=IS_PRODUCTION)
OTP_TOTP_ISSUER = "Verity"
# Operators reset a lost authenticator by deleting the device in the admin; they never see its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end of admin sign-in block ---

# Bodies larger than this are refused before any parsing (413 request_too_large).
VERITY_MAX_BODY_BYTES = env.int("VERITY_MAX_BODY_BYTES", default=8 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = VERITY_MAX_BODY_BYTES
# Proxies whose X-Forwarded-For is believed when finding the caller's address (CIDRs).
VERITY_TRUSTED_PROXIES = env.list("VERITY_TRUSTED_PROXIES", default=[])
VERITY_IDEMPOTENCY_TTL_HOURS = 24
VERITY_DEFAULT_API_KEY_RATE = env.str("VERITY_DEFAULT_API_KEY_RATE", default="50/second")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.PolicyPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Verity API",
    "DESCRIPTION": (
        "Identity verification and content moderation on Amazon Rekognition. "
        "Errors are RFC 9457 problem details with a stable `code` (see docs/errors.md)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Choice sets of fields with a common name ("type") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "TypeEnum": "verification.models.VerificationType",
        "WebhookEventTypeEnum": "webhooks.models.EventType",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.add_problem_responses",
    ],
}

# Celery: RabbitMQ is the broker; tasks take ids (tenant first) and JSON only.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A queue of its own for a deployment sharing a broker (a benchmark beside `make run`).
CELERY_TASK_DEFAULT_QUEUE = env.str("VERITY_CELERY_QUEUE", default="celery")
# Task modules outside an app's tasks.py, which autodiscovery would not find.
CELERY_IMPORTS = ("verification.batch.tasks",)
CELERY_BEAT_SCHEDULE = {
    "purge-expired-idempotency-records": {
        "task": "tenants.tasks.purge_expired_idempotency_records",
        "schedule": 3600.0,
    },
    "audit-seal-pending": {"task": "audit.tasks.seal_pending_chains", "schedule": 60.0},
    "audit-digests": {"task": "audit.tasks.digest_all_tenants", "schedule": crontab(minute=6)},
    "audit-retention": {"task": "audit.tasks.purge_all_tenants", "schedule": crontab(hour=3, minute=17)},
    "verification-sweep-stuck": {"task": "verification.tasks.sweep_stuck_verifications", "schedule": 60.0},
    "verification-resume-erasures": {"task": "verification.tasks.resume_erasures", "schedule": 300.0},
    "verification-lapsed-consents": {"task": "verification.tasks.erase_lapsed_consents", "schedule": 3600.0},
    "verification-resume-batch-jobs": {"task": "verification.batch.tasks.resume_batch_index_jobs", "schedule": 60.0},
    "verification-reconcile": {
        "task": "verification.tasks.reconcile_collections",
        "schedule": crontab(hour=3, minute=53),
    },
    "verification-retention": {
        "task": "verification.tasks.purge_retention_all_tenants",
        "schedule": crontab(hour=2, minute=41),
    },
}
# A verification no worker has moved for this long is failed with the reason `timeout` (longer
# than a step's time limit plus its retries' backoff).
VERITY_VERIFICATION_TIMEOUT = env.int("VERITY_VERIFICATION_TIMEOUT", default=900)
# Batch index jobs (docs/verification.md): a task runs a job for one slice, then enqueues the next;
# within a slice this many threads index items, all paced by the tenant's IndexFaces quota.
VERITY_BATCH_SLICE_SECONDS = env.int("VERITY_BATCH_SLICE_SECONDS", default=120)
VERITY_BATCH_THREADS = env.int("VERITY_BATCH_THREADS", default=8)

# AWS: boto3 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself; `make run` points them
# at moto_server when no credentials are configured. Nothing here builds a client.
AWS_DEFAULT_REGION = env.str("AWS_DEFAULT_REGION", default="us-east-1")
VERITY_STORAGE_BUCKET_PREFIX = env.str("VERITY_STORAGE_BUCKET_PREFIX", default="verity")

# The local Rekognition endpoint (vision/local, docs/local-rekognition.md). It serves only callers
# whose SigV4 signature verifies against one of these "ACCESS_KEY_ID:SECRET" pairs (development:
# bin/run's local/local), and uses the platform's AWS credentials only on the buckets and SNS
# topics matched by these patterns (`*` wildcards): by default the tenants' own buckets.
VERITY_LOCAL_REKOGNITION_CREDENTIALS: dict[str, str] = {}
for _pair in env.list("VERITY_LOCAL_REKOGNITION_CREDENTIALS", default=[] if IS_PRODUCTION else ["local:local"]):
    _key_id, _, _secret = _pair.partition(":")
    if not _key_id or not _secret:
        raise ImproperlyConfigured("VERITY_LOCAL_REKOGNITION_CREDENTIALS: each pair must be ACCESS_KEY_ID:SECRET.")
    VERITY_LOCAL_REKOGNITION_CREDENTIALS[_key_id] = _secret
VERITY_LOCAL_REKOGNITION_S3_BUCKETS = env.list(
    "VERITY_LOCAL_REKOGNITION_S3_BUCKETS", default=[f"{VERITY_STORAGE_BUCKET_PREFIX}-*"]
)
VERITY_LOCAL_REKOGNITION_SNS_TOPICS = env.list(
    "VERITY_LOCAL_REKOGNITION_SNS_TOPICS", default=[f"arn:aws:sns:*:*:{VERITY_STORAGE_BUCKET_PREFIX}-*"]
)
VERITY_LOCAL_REKOGNITION_MAX_VIDEO_BYTES = env.int("VERITY_LOCAL_REKOGNITION_MAX_VIDEO_BYTES", default=500 * 1024**2)
# The endpoint decodes, detects and embeds an image once per this many seconds and caller
# (vision/local/memo.py), keeping at most this many bytes of pixels; 0 seconds: never memoised.
VERITY_LOCAL_REKOGNITION_MEMO_SECONDS = env.float("VERITY_LOCAL_REKOGNITION_MEMO_SECONDS", default=30.0)
VERITY_LOCAL_REKOGNITION_MEMO_BYTES = env.int("VERITY_LOCAL_REKOGNITION_MEMO_BYTES", default=256 * 1024**2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "boto3": {"level": "WARNING"}},
}

# --- Flood limits for callers without credentials (docs/api.md, "Flood limits") ---------------
# /v1/ requests without a valid API key, per source address; over it: 429 rate_limited.
VERITY_ANONYMOUS_API_RATE = env.str("VERITY_ANONYMOUS_API_RATE", default="60/minute")
# Failed admin sign-ins per (username, address) and per address; over either: 429 until it cools off.
VERITY_SIGNIN_FAILURE_RATE = env.str("VERITY_SIGNIN_FAILURE_RATE", default="5/15minutes")
VERITY_SIGNIN_FAILURE_IP_RATE = env.str("VERITY_SIGNIN_FAILURE_IP_RATE", default="30/15minutes")
# Requests refused by these limits are counted per address in windows of this length, and each
# window becomes one audit event (audit.tasks.record_flood_summaries), not one row per request.
VERITY_FLOOD_WINDOW_SECONDS = env.int("VERITY_FLOOD_WINDOW_SECONDS", default=60)
MIDDLEWARE += ["tenants.signin_throttle.SignInThrottleMiddleware"]
CELERY_BEAT_SCHEDULE["audit-flood-summaries"] = {"task": "audit.tasks.record_flood_summaries", "schedule": 60.0}
# --- end of flood limits ------------------------------------------------------------------------

# --- Moderation (moderation/, docs/moderation.md) -----------------------------------------------
# Video completions: Rekognition publishes to this SNS topic (assuming the role), which delivers
# to this SQS queue, read by the worker. Unset: no notification channel, completion by polling.
VERITY_MODERATION_SNS_TOPIC_ARN = env.str("VERITY_MODERATION_SNS_TOPIC_ARN", default="")
VERITY_MODERATION_SNS_ROLE_ARN = env.str("VERITY_MODERATION_SNS_ROLE_ARN", default="")
VERITY_MODERATION_SQS_QUEUE_URL = env.str("VERITY_MODERATION_SQS_QUEUE_URL", default="")
# Poll a job whose notification has not come after this long (default: 300 s with a channel,
# 15 s without), then every POLL_INTERVAL; a job still running after TIMEOUT ends failed.
VERITY_MODERATION_VIDEO_NOTIFY_WAIT = env.int(
    "VERITY_MODERATION_VIDEO_NOTIFY_WAIT", default=300 if VERITY_MODERATION_SNS_TOPIC_ARN else 15
)
VERITY_MODERATION_VIDEO_POLL_INTERVAL = env.int("VERITY_MODERATION_VIDEO_POLL_INTERVAL", default=60)
VERITY_MODERATION_VIDEO_TIMEOUT = env.int("VERITY_MODERATION_VIDEO_TIMEOUT", default=2 * 3600)
# A reviewer's claim on a task lapses after this many minutes; tasks older than the SLA are marked.
VERITY_REVIEW_CLAIM_MINUTES = env.int("VERITY_REVIEW_CLAIM_MINUTES", default=15)
VERITY_REVIEW_SLA_HOURS = env.int("VERITY_REVIEW_SLA_HOURS", default=24)
CELERY_BEAT_SCHEDULE["moderation-video-notifications"] = {
    "task": "moderation.tasks.read_video_notifications",
    "schedule": 20.0,
}
CELERY_BEAT_SCHEDULE["moderation-video-sweep"] = {"task": "moderation.tasks.sweep_video_jobs", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["moderation-upload-retention"] = {
    "task": "moderation.tasks.purge_moderation_uploads",
    "schedule": crontab(hour=2, minute=23),
}
# --- end of moderation --------------------------------------------------------------------------

# --- Webhooks (webhooks/, docs/webhooks.md) -----------------------------------------------------
# Destinations are resolved and refused when any address is not public (loopback, private,
# link-local, multicast, reserved, the metadata range), unless it lies in one of these networks.
# Development allows this machine's own receivers; production allows none unless told to.
VERITY_WEBHOOK_ALLOWED_NETWORKS = env.list(
    "VERITY_WEBHOOK_ALLOWED_NETWORKS", default=[] if IS_PRODUCTION else ["127.0.0.0/8", "::1/128"]
)
VERITY_WEBHOOK_REQUIRE_HTTPS = env.bool("VERITY_WEBHOOK_REQUIRE_HTTPS", default=IS_PRODUCTION)
# Seconds to wait before each retry after a failed attempt: 10 attempts over about three days
# (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h: 71.4 h in all).
VERITY_WEBHOOK_RETRY_SCHEDULE = [
    int(delay)
    for delay in env.list(
        "VERITY_WEBHOOK_RETRY_SCHEDULE",
        default=["5", "300", "1800", "7200", "18000", "36000", "50400", "72000", "72000"],
    )
]
VERITY_WEBHOOK_TIMEOUT_SECONDS = env.float("VERITY_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# How long a rotated-out secret keeps signing by default (the caller may choose 0 to 7 days).
VERITY_WEBHOOK_SECRET_OVERLAP_SECONDS = env.int("VERITY_WEBHOOK_SECRET_OVERLAP_SECONDS", default=24 * 3600)
CELERY_BEAT_SCHEDULE["webhooks-dispatch-due"] = {"task": "webhooks.tasks.dispatch_due_deliveries", "schedule": 15.0}
# Mail to tenant admins (an endpoint disabled after persistent failure). EMAIL_URL, e.g.
# smtp+tls://user:password@smtp.example.com:587; development prints mail to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if not IS_PRODUCTION else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Verity <verity@localhost>")
# --- end of webhooks ----------------------------------------------------------------------------

# --- Test mode (docs/test-mode.md) --------------------------------------------------------------
# vk_test_ keys never reach AWS Rekognition: their engine is this local endpoint (manage.py
# rekognition_local), or, unset, the process's own AWS_ENDPOINT_URL_REKOGNITION when that is set.
VERITY_TEST_MODE_REKOGNITION_URL = env.str("VERITY_TEST_MODE_REKOGNITION_URL", default="")
# "access-key:secret" the local endpoint accepts; unset: the default credential chain's.
VERITY_TEST_MODE_REKOGNITION_CREDENTIALS = env.str("VERITY_TEST_MODE_REKOGNITION_CREDENTIALS", default="")
# --- end of test mode ---------------------------------------------------------------------------
