"""Base settings: everything comes from the environment, with laptop-friendly defaults.

Documented variables (see README "Configuration"):
DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL,
CELERY_BROKER_URL, CELERY_RESULT_BACKEND, EMAIL_URL, DEFAULT_FROM_EMAIL, SITE_URL,
QUORUM_VAR_DIR, MEDIA_ROOT, STATIC_ROOT.
"""
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

VAR_DIR = Path(env("QUORUM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-quorum-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "experts.apps.ExpertsConfig",
    "councils.apps.CouncilsConfig",
    "projects.apps.ProjectsConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.AuditIPMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'quorum.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # no JIT compiling: it pays off for queries of seconds; here it would add tens of ms to the
    # statements it kicks in for (a draw's pool over a large body, the statistics page)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # web, worker and beat share one file on a laptop: wait for locks, let readers run beside a writer
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")

# Reverse proxies in front of the app (production: 1). The client's IP for the audit trail is
# the X-Forwarded-For entry that the nearest trusted proxy appended; 0 means REMOTE_ADDR.
QUORUM_TRUSTED_PROXIES = env.int("QUORUM_TRUSTED_PROXIES", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.EmailOrMobileBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock an account+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lockout page's "try again in N minutes" holds

# Cache: rate limits of public forms count across processes when CACHE_URL points at Redis.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://quorum")}
AXES_USERNAME_FORM_FIELD = "username"

# django-guardian
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "/media/"  # never served publicly; private files go through views
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Quorum <noreply@quorum.local>")

# Celery. Default: an embedded broker (kombu filesystem transport under var/) so
# `make run` needs no Redis. Production sets CELERY_BROKER_URL=redis://…
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)  # tasks record their effects in the DB
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _d in (_broker_dir, VAR_DIR / "broker-processed"):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
        "polling_interval": 0.2,  # seconds; measured ≈0.2–0.5 s per task on a laptop
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = env("CELERY_BEAT_SCHEDULER", default="django_celery_beat.schedulers:DatabaseScheduler")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False

# Uploads
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
QUORUM_MAX_UPLOAD_BYTES = env.int("QUORUM_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# PDFs
QUORUM_PDF_FONTS = ["Noto Serif CJK SC", "Noto Sans CJK SC"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Periodic tasks, named after what they do (synced into django-celery-beat's tables).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "retry-pending-deliveries": {"task": "portal.retry-pending-deliveries", "schedule": 300.0},
    "warn-calendar-coverage": {"task": "portal.warn-calendar-coverage", "schedule": crontab(hour=9, minute=0)},
    # notices end at 24:00; every 10 minutes closes them soon after, and admits a candidate
    # soon after their objection is dismissed
    "close-due-notices": {"task": "experts.close-due-notices", "schedule": crontab(minute="*/10")},
    "remind-overdue-objections": {"task": "experts.remind-overdue-objections", "schedule": crontab(hour=9, minute=5)},
    # unanswered draw invitations expire at their reply deadline; replacements are drawn 1:1
    "expire-invitations": {"task": "experts.expire-invitations", "schedule": 60.0},
    # quarterly proposals: start-of-quarter and N working days before the end (idempotent)
    "remind-quarterly-proposals": {"task": "experts.remind-quarterly-proposals", "schedule": crontab(hour=9, minute=30)},
    # comment rounds end at 24:00; every 10 minutes closes them soon after (idempotent)
    "close-due-comment-rounds": {"task": "projects.close-due-comment-rounds", "schedule": crontab(minute="*/10")},
    # project notices end at 24:00; milestone reminders daily
    "close-due-project-notices": {"task": "projects.close-due-project-notices", "schedule": crontab(minute="*/10")},
    "remind-project-milestones": {"task": "projects.remind-project-milestones", "schedule": crontab(hour=8, minute=30)},
    # councils: written votes close at their deadline; reminders and the assembly check daily
    "councils.close-due-written-votes": {"task": "councils.close-due-written-votes", "schedule": crontab(minute="*/5")},
    "councils.remind-written-votes": {"task": "councils.remind-written-votes", "schedule": crontab(hour=9, minute=10)},
    "councils.warn-missing-assembly": {"task": "councils.warn-missing-assembly",
                                       "schedule": crontab(hour=9, minute=15, month_of_year=12)},
    # lifecycle-exit: exit cases for new triggers, age triggers, term reminders, lapse, renewals
    "open-exit-cases": {"task": "experts.open-exit-cases", "schedule": crontab(minute="*/15")},
    "raise-age-triggers": {"task": "experts.raise-age-triggers", "schedule": crontab(hour=1, minute=10)},
    "remind-term-ends": {"task": "experts.remind-term-ends", "schedule": crontab(hour=8, minute=30)},
    "lapse-ended-terms": {"task": "experts.lapse-ended-terms", "schedule": crontab(hour=0, minute=5)},
    "complete-renewals": {"task": "experts.complete-renewals", "schedule": crontab(minute="*/10")},
    # the draw's candidate index (kept by database triggers): compare, and repair if it drifted
    "check-pool-index": {"task": "experts.check-pool-index", "schedule": crontab(hour=2, minute=20)},
}
# autodiscovery finds only `<app>.tasks`; the comment-round tasks live in their own module
CELERY_IMPORTS = ("projects.tasks_comments",)
