"""Verity settings: everything comes from the environment, with defaults that work on a fresh machine.

Production (``VERITY_ENV=production``) refuses to start without a real ``DJANGO_SECRET_KEY``
and explicit ``DJANGO_ALLOWED_HOSTS``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VERITY_ENV = env.str("VERITY_ENV", default="local")
IS_PRODUCTION = VERITY_ENV == "production"

_LOCAL_SECRET = "local-only-insecure-secret-key-never-used-in-production"  # noqa: S105 - refused in production below
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_LOCAL_SECRET)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

if IS_PRODUCTION:
    if SECRET_KEY == _LOCAL_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of 50+ characters in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    if "DJANGO_ALLOWED_HOSTS" not in env.ENVIRON:
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
    "tenants",
    "verification",
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

# The application connects as a role that is neither superuser nor exempt from row-level
# security (DATABASE_URL). ``audit`` is a second connection with the same credentials, on which
# downstream AWS calls are recorded and committed whatever the caller's transaction does (see
# audit.services.record_event). Schema changes run as the owner role (DATABASE_OWNER_URL):
# commands started with VERITY_DB_ROLE=owner (migrate, db_setup) connect as the owner. See
# tenants/rls.py.
DATABASE_APP = env.db("DATABASE_URL", default="postgres://verity_app@127.0.0.1:5432/verity")
DATABASE_OWNER = env.db("DATABASE_OWNER_URL", default="postgres://postgres@127.0.0.1:5432/verity")
DATABASE_APP_ROLE = DATABASE_APP["USER"]
_CREDENTIALS = DATABASE_OWNER if env.str("VERITY_DB_ROLE", default="app") == "owner" else DATABASE_APP
DATABASES = {alias: dict(_CREDENTIALS) for alias in ("default", "audit")}
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
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
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if IS_PRODUCTION else None

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
CELERY_BEAT_SCHEDULE = {
    "purge-expired-idempotency-records": {
        "task": "tenants.tasks.purge_expired_idempotency_records",
        "schedule": 3600.0,
    },
    "audit-seal-pending": {"task": "audit.tasks.seal_pending_chains", "schedule": 60.0},
    "audit-digests": {"task": "audit.tasks.digest_all_tenants", "schedule": crontab(minute=6)},
    "audit-retention": {"task": "audit.tasks.purge_all_tenants", "schedule": crontab(hour=3, minute=17)},
}

# AWS: boto3 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself; `make run` points them
# at moto_server when no credentials are configured. Nothing here builds a client.
AWS_DEFAULT_REGION = env.str("AWS_DEFAULT_REGION", default="us-east-1")
VERITY_STORAGE_BUCKET_PREFIX = env.str("VERITY_STORAGE_BUCKET_PREFIX", default="verity")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "boto3": {"level": "WARNING"}},
}
