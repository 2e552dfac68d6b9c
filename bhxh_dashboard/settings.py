"""Settings for the BHXH voluntary-insurance dashboard.

Everything that differs between machines is read from the environment here, in one place:
DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS. The defaults let a newcomer run the
project with no configuration: a SQLite file and Celery tasks run in-process.
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from bhxh_dashboard.env import (
    env_addresses,
    env_bool,
    env_int,
    env_list,
    parse_database_url,
    parse_redis_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless asked for: a forgotten setting must not show tracebacks and settings to the world.
DEBUG = env_bool("DEBUG", default=False)
# From the environment in production; otherwise this checkout's own random key in .secret_key.
SECRET_KEY = secret_key(BASE_DIR / ".secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "csp",
    "provinces",
    "targets",
    "progress",
    "reports",
    "api",
    "outreach",
    "coverage",
]

MIDDLEWARE = [
    # First: the client's address and scheme, believed only from TRUSTED_PROXIES.
    "bhxh_dashboard.middleware.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bhxh_dashboard.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "bhxh_dashboard.middleware.NoStoreMiddleware",
    # AxesMiddleware last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bhxh_dashboard.urls"

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
                "provinces.context_processors.user_scope",
            ],
        },
    },
]

WSGI_APPLICATION = "bhxh_dashboard.wsgi.application"

DATABASES = {"default": parse_database_url(BASE_DIR)}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout, each limit counted over the last hour (bhxh_dashboard/logins.py says
# why): a username from one address, an address across usernames (spraying), a username from
# anywhere. A browser that signed in as the user before has its own limit instead, so nobody
# behind the same office address can keep a colleague out.
AXES_HANDLER = "bhxh_dashboard.logins.LoginLimitsHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
LOGIN_LIMITS = {"username,ip_address": 5, "ip_address": 20, "username": 30}
AXES_FAILURE_LIMIT = LOGIN_LIMITS["username,ip_address"]
AXES_WHITELIST_CALLABLE = "bhxh_dashboard.logins.trusted_browser"
TRUSTED_BROWSER_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_RESET_ON_SUCCESS = True  # the user's own failures only (LoginLimitsHandler)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Password reset by e-mail: printed on the console unless an SMTP server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", default=587, minimum=1)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "BHXH tự nguyện <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60  # a reset link works for two hours
PASSWORD_RESET_EMAILS_PER_HOUR = 5  # from one address: the form cannot flood an inbox

SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Figures are grouped explicitly by the `figures` filters (52.139); Django's own grouping would
# also group ids and years in form fields and URLs (p_1.400, 2.023) and break them.
USE_THOUSAND_SEPARATOR = False
# Vietnamese dates as 31/05/2023 (Django's own vi locale writes "Ngày 31 tháng 5 năm 2023").
FORMAT_MODULE_PATH = ["bhxh_dashboard.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js is served from the pinned plotly package itself: no CDN (offices may be offline) and
# no copy in the repository to drift from the Python side.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(__import__("plotly").__path__[0]) / "package_data"),
]
# WhiteNoise serves the collected, hashed and compressed files once `collectstatic` has run (the
# image does it); before that (`make run`, the tests) it serves them from the finders, also with
# DEBUG off, so the site works either way.
_COLLECTED = not DEBUG and (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_USE_FINDERS = not _COLLECTED
WHITENOISE_AUTOREFRESH = not _COLLECTED
# perf: the pages draw bars and lines only, which plotly.js's basic bundle holds at a quarter of
# the full one's size: installed from the npm registry at the Makefile's exact PLOTLY_BASIC_VERSION
# (`make plotly`, the version of plotly.js the plotly package bundles); without it the pages load
# the full bundle. Served like every static file: compressed, with a far-future cache header.
PLOTLY_BASIC_DIR = Path(
    os.environ.get(
        "PLOTLY_BASIC_DIR",
        BASE_DIR / ".venv" / "plotly" / "node_modules" / "plotly.js-basic-dist-min",
    )
)
PLOTLY_JS = "plotly/plotly.min.js"
if (PLOTLY_BASIC_DIR / "plotly-basic.min.js").is_file():
    STATICFILES_DIRS.append(("plotly-basic", PLOTLY_BASIC_DIR))
    PLOTLY_JS = "plotly-basic/plotly-basic.min.js"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _COLLECTED or env_bool("COLLECTSTATIC", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery. Without REDIS_URL tasks run in-process, so a newcomer needs no broker.
REDIS_URL = parse_redis_url()
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A worker killed mid-task leaves the message unacknowledged, so the task runs again; every task
# is idempotent, which makes that safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Import files of more lines than this are read and checked by the worker (targets/import_jobs.py),
# within a time limit (soft; the hard one is 30 s later) and an address-space limit above what the
# worker process had (the largest legal file, 200,000 lines, takes about 20 s and 300 MB here).
IMPORT_WORKER_ROWS = env_int("IMPORT_WORKER_ROWS", default=20_000, minimum=1)
IMPORT_WORKER_SECONDS = env_int("IMPORT_WORKER_SECONDS", default=120, minimum=1)
IMPORT_WORKER_MEMORY_MB = env_int("IMPORT_WORKER_MEMORY_MB", default=1024, minimum=64)
# A broker that is down must not hang a web request: fail fast, the caller records the pending work.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# visibility_timeout: a task whose worker host died is delivered again after 10 minutes (Redis's
# default is an hour); every task here finishes in well under that.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "visibility_timeout": 600,
}
# A full recompute (the nightly run, `recompute_progress`) splits the provinces over this many
# database connections working at once; 1 keeps it to one. Size it to the database's cores.
PROGRESS_RECOMPUTE_CONNECTIONS = env_int("PROGRESS_RECOMPUTE_CONNECTIONS", default=2, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "nightly-full-recompute": {
        "task": "progress.tasks.recompute_all",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=1, minute=30),
    },
}

# The cache may live in a Redis of its own (docker-compose: bounded memory, LRU eviction), apart
# from the broker's queue, which must never be evicted.
REDIS_CACHE_URL = parse_redis_url("REDIS_CACHE_URL") or REDIS_URL
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring keys (api/models.py), in DRF's `Authorization: Token <key>` header.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 200,
}
# An API key works this many days; then its owner makes a new one on the token page.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", default=90, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "BHXH tự nguyện — progress API",
    "DESCRIPTION": "Read-only progress figures of voluntary social insurance enrollment.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Data entry: a month closes this many days after its cut-off (the 25th; December the 31st).
MONTH_CLOSE_AFTER_DAYS = 10

# Today's map (July 2025) is read straight from this wheel, never installed beside the pinned
# vietnam-provinces 0.6.0 (provinces/reform); `make venv` downloads it to this default place.
VIETNAM_PROVINCES_2026_WHEEL = Path(
    os.environ.get(
        "VIETNAM_PROVINCES_2026_WHEEL",
        BASE_DIR / ".venv" / "wheels" / "vietnam_provinces-2026.9.0-py3-none-any.whl",
    )
)

# Content Security Policy: no inline scripts; chart data travels in json_script blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Plotly sets inline styles on the SVG it draws.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# A refused form (an old page sent after signing in again) gets the site's error page.
CSRF_FAILURE_VIEW = "bhxh_dashboard.errors.csrf_failure"

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The reverse proxy's addresses (docker-compose's nginx): only requests from them may say who the
# client is and that it came over https (X-Forwarded-For/-Proto); from anyone else those headers
# are dropped (bhxh_dashboard.middleware.ProxyHeadersMiddleware). Empty: no proxy is trusted.
TRUSTED_PROXIES = env_addresses("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over https, the default with DEBUG off: http redirects, HSTS, secure-only cookies.
# `make run` serves plain http on 127.0.0.1 with HTTPS=0 (and DEBUG still off).
HTTPS = env_bool("HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The container's own health check asks gunicorn over plain http; it must get 200, not 301.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"bhxh": {"level": "INFO"}, "axes": {"level": "INFO"}},
}

# Uploads (imports): stop reading a file past its size limit (bhxh_dashboard/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "bhxh_dashboard.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
