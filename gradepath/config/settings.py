"""One env-driven settings module for development, demo, tests and production.

Every setting that differs between machines comes from an environment variable; the
documented ones are listed in README.md ("Configuration"). SQLite in GRADEPATH_DATA_DIR
is the default database; PostgreSQL is used when DATABASE_URL is set.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

env = environ.Env()

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../gradepath
REPO_DIR = PACKAGE_DIR.parent  # the clone, when running from one

DATA_DIR = Path(env("GRADEPATH_DATA_DIR", default=str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# "production" switches on the strict checks: a real secret key must be given.
GRADEPATH_ENV = env("GRADEPATH_ENV", default="development")
PRODUCTION = GRADEPATH_ENV == "production"
DEBUG = env.bool("GRADEPATH_DEBUG", default=False)
# Demo mode: persona switcher and the "e-mails sent" page. Never in production.
DEMO_MODE = env.bool("GRADEPATH_DEMO", default=False) and not PRODUCTION


def _secret_key() -> str:
    if PRODUCTION:
        return env("GRADEPATH_SECRET_KEY")  # required: raises ImproperlyConfigured if unset
    if value := env("GRADEPATH_SECRET_KEY", default=""):
        return value
    # Development and demo: one random key per data directory, kept between runs.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("GRADEPATH_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("GRADEPATH_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("GRADEPATH_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "gradepath.core",
    "gradepath.people",
    "gradepath.grades",
    "gradepath.jobs",
    "gradepath.workflow",
    "gradepath.career",
    "gradepath.grading",
    "gradepath.appraisal",
    "gradepath.progression",
    "gradepath.secondments",
    "gradepath.allowances",
    "gradepath.notifications",
    "gradepath.api",
    "gradepath.demo",
    "gradepath.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gradepath.core.middleware.SessionTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gradepath.core.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    # Pages and API answers to a signed-in user: Cache-Control: no-store, private.
    "gradepath.core.middleware.NoStoreMiddleware",
    # Text no database can store (a NUL...) in a query string or form: 400 before the view.
    "gradepath.core.middleware.UnstorableTextMiddleware",
]

ROOT_URLCONF = "gradepath.config.urls"
WSGI_APPLICATION = "gradepath.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gradepath.core.context_processors.gradepath",
                "gradepath.people.context_processors.people",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite: IMMEDIATE transactions take the write lock at BEGIN, so two writers queue
# instead of failing half-way; the busy timeout makes the second one wait.
SQLITE_PATH = DATA_DIR / "gradepath.sqlite3"
DATABASES = {
    # An empty DATABASE_URL means the default too (a CI or shell that sets it to "").
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{SQLITE_PATH}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("GRADEPATH_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: a list page with a
    # subquery per row (people, cases) took 120 ms to compile and 4 ms to run at 50,000 staff
    # (docs/performance.md). Pages read a page of rows: off, unless GRADEPATH_POSTGRES_JIT=true.
    if not env.bool("GRADEPATH_POSTGRES_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# Two accounts on PostgreSQL (docs/deployment.md): DATABASE_URL is the application's, which may only
# INSERT and SELECT the append-only tables below; `gradepath migrate` logs in as the owner account
# given here (same database) and renews the application's grants (`gradepath db-accounts`).
GRADEPATH_MIGRATE_DATABASE = (env.db_url("GRADEPATH_MIGRATE_DATABASE_URL")
                              if env("GRADEPATH_MIGRATE_DATABASE_URL", default="") else None)
if GRADEPATH_MIGRATE_DATABASE and (
        DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or GRADEPATH_MIGRATE_DATABASE["ENGINE"] != DATABASES["default"]["ENGINE"]
        or GRADEPATH_MIGRATE_DATABASE["NAME"] != DATABASES["default"]["NAME"]):
    raise environ.ImproperlyConfigured(
        "GRADEPATH_MIGRATE_DATABASE_URL must name the same PostgreSQL database as DATABASE_URL (as its owner).")
# Rows nobody changes once written: history, grading decisions, pay history.
GRADEPATH_APPEND_ONLY_TABLES = ["core_historyentry", "grading_caseevent", "grades_payrecord"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

# --- Authentication and sessions --------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "people:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("GRADEPATH_SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("GRADEPATH_SESSION_MAX_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login throttling (django-axes): a cool-off, never a permanent lock-out.
AXES_FAILURE_LIMIT = env.int("GRADEPATH_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("GRADEPATH_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- HTTPS and security headers --------------------------------------------------------
HTTPS = env.bool("GRADEPATH_HTTPS", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("GRADEPATH_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("GRADEPATH_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Static files (Bootstrap from npm, htmx from django-htmx) ---------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("GRADEPATH_STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS: list = []
GRADEPATH_NODE_MODULES = Path(env("GRADEPATH_NODE_MODULES", default=str(REPO_DIR / "node_modules")))
# Only the files pages load from each npm package, served as vendor/<path in node_modules>
# (config/static_finders.py), with the source maps the minified files name. Collecting whole
# dist folders (every variant, and compressing each) made the first start take minutes.
GRADEPATH_NPM_STATIC_FILES = [
    "bootstrap/dist/css/bootstrap.min.css", "bootstrap/dist/css/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "bootstrap-icons/font/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff", "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    # The search pickers (core/widgets.py, ADR 0022).
    "tom-select/dist/js/tom-select.complete.min.js", "tom-select/dist/js/tom-select.complete.min.js.map",
    "tom-select/dist/css/tom-select.bootstrap5.min.css", "tom-select/dist/css/tom-select.bootstrap5.min.css.map",
    # The career record's chart (career/static/career/chart.js, ADR 0030).
    "chart.js/dist/chart.umd.min.js", "chart.js/dist/chart.umd.min.js.map",
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "gradepath.config.static_finders.NpmFilesFinder",
]
# Source maps are only fetched by a browser's developer tools: not worth compressing (the largest
# files collected, and most of the time collectstatic took).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv", "woff",
    "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not env.bool("GRADEPATH_PLAIN_STATIC", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880
# Largest upload accepted anywhere (CSV imports, documents): a clear message beyond it.
GRADEPATH_MAX_UPLOAD_BYTES = env.int("GRADEPATH_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "d/m/Y"

# --- Background work and e-mail -----------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env(
            "GRADEPATH_TASK_BACKEND", default="django_tasks_db.DatabaseBackend"
        ),
    }
}
# Without a mail server, e-mails are printed on the console; in demo mode they stay in the outbox
# only (its "E-mails sent" page shows them), so hundreds of them never bury the demo's logins.
EMAIL_BACKEND = env(
    "GRADEPATH_EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env("GRADEPATH_EMAIL_HOST", default="")
    else "django.core.mail.backends.dummy.EmailBackend" if DEMO_MODE
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("GRADEPATH_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("GRADEPATH_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("GRADEPATH_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env("GRADEPATH_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("GRADEPATH_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = env("GRADEPATH_FROM_EMAIL", default="Gradepath <gradepath@example.ac.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only; the body must be an object and every string in it storable (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["gradepath.api.parsers.JSONObjectParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("GRADEPATH_API_RATE", default="600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gradepath API",
    "DESCRIPTION": "Job descriptions, grading cases and career records. Every endpoint uses the same services and access gates as the web pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI assets come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("GRADEPATH_LOG_LEVEL", default="WARNING")},
}

# --- Matching job descriptions against the agreed JD library (docs/adr/0010) ------------------
GRADEPATH_MATCHING_BACKEND = env("GRADEPATH_MATCHING_BACKEND", default="tfidf")  # or "embeddings" (extra)
# A stale index of up to this many agreed JDs is rebuilt in the request; larger ones by the worker.
GRADEPATH_MATCHING_SYNC_LIMIT = env.int("GRADEPATH_MATCHING_SYNC_LIMIT", default=2000)
# Agreed JDs at least this similar count as "closely similar" in the fairness check.
GRADEPATH_FAIRNESS_SIMILARITY = env.float("GRADEPATH_FAIRNESS_SIMILARITY", default=0.5)

# --- Gradepath policy settings (docs/policy.md: policy as configuration) -------------------
# Grading cases (policy §4): every policy step that differs between universities.
GRADEPATH_GRADING = {
    # Minimum interval between requests for the same post, in months (0: none).
    "MIN_INTERVAL_MONTHS": env.int("GRADEPATH_MIN_INTERVAL_MONTHS", default=12),
    # Appeals are lodged within this many working days of the decision being closed.
    "APPEAL_WORKING_DAYS": env.int("GRADEPATH_APPEAL_WORKING_DAYS", default=20),
    # Target turnaround per step in working days ("default" for any step not named).
    "STEP_TARGETS": {"default": 10},
    # Reminders this many working days before a task is due; escalation when it is overdue.
    "REMIND_BEFORE_WORKING_DAYS": 2,
    # When a regrade takes effect: "first_of_next_month" (the 1st of the month after the complete
    # submission), "complete_submission" (that day) or "first_of_month_after_decision".
    "EFFECTIVE_DATE_RULE": env("GRADEPATH_EFFECTIVE_DATE_RULE", default="first_of_next_month"),
    # New spine point: the bottom of the new grade or this many points up from the current
    # point, whichever is higher (never above the top of the automatic zone).
    "POINTS_UP_ON_REGRADE": 2,
    # Where the HRBP sends approved JDs (the "generic job evaluation e-mail address").
    "JOB_EVALUATION_MAILBOX": env("GRADEPATH_JOB_EVALUATION_MAILBOX", default="job-evaluation@example.ac.uk"),
    # HERA total score → grade bands (illustrative; each university sets its own).
    "HERA_BANDS": [(1, 0, 174), (2, 175, 209), (3, 210, 244), (4, 245, 279), (5, 280, 339), (6, 340, 399),
                   (7, 400, 494), (8, 495, 589), (9, 590, 679), (10, 680, 10_000)],
}

GRADEPATH: dict[str, Any] = {
    # Annual increments take effect on this day and month each year.
    "INCREMENT_DAY": (8, 1),  # (month, day): 1 August
    # Accelerated increments and contribution points (policy §4.6): working days per step, reminders before
    # a task is due, and how recent the probation or appraisal review must be.
    "PROGRESSION": {"STEP_TARGET_DAYS": 10, "REMIND_BEFORE_WORKING_DAYS": 2, "REVIEW_WITHIN_MONTHS": 6},
}

# Acting up and honoraria (policy §4.8).
GRADEPATH_ALLOWANCES = {
    # Acting up must last more than this many consecutive weeks (6 weeks or less is refused).
    "ACTING_UP_MIN_WEEKS": 6,
    # Normally up to this many months; longer needs a stated reason ...
    "ACTING_UP_NORMAL_MONTHS": 12,
    # ... and longer than this is refused (a new appointment or a regrade is the way then).
    "ACTING_UP_MAX_MONTHS": 24,
    # An honorarium (one payment, or each monthly payment) is at most this many pounds; a monthly
    # honorarium runs at most this many months.
    "HONORARIUM_MAX_POUNDS": env.int("GRADEPATH_HONORARIUM_MAX_POUNDS", default=10_000),
    "HONORARIUM_MAX_MONTHS": 12,
    # Target turnaround per step in working days, and reminders this many working days before.
    "STEP_TARGETS": {"default": 10},
    "REMIND_BEFORE_WORKING_DAYS": 2,
}

# Secondments (policy §4.7).
GRADEPATH_SECONDMENTS = {
    # People on the redeployment register see a new opportunity (and may apply) this many days
    # before everyone else.
    "REDEPLOYMENT_PRIORITY_DAYS": env.int("GRADEPATH_REDEPLOYMENT_PRIORITY_DAYS", default=10),
    # An opportunity shorter than this many months is advertised internally only.
    "INTERNAL_ONLY_UNDER_MONTHS": 12,
    # The longest a secondment may last, extensions included, in months.
    "MAX_MONTHS": env.int("GRADEPATH_SECONDMENT_MAX_MONTHS", default=24),
    # The host decides on an extension or the return this many working days before the end.
    "DECIDE_BEFORE_END_WORKING_DAYS": 20,
    # Target turnaround per step in working days, and reminders this many working days before.
    "STEP_TARGETS": {"default": 10},
    "REMIND_BEFORE_WORKING_DAYS": 3,
}
