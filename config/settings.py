"""Parcours settings, read from the environment with safe defaults.

PARCOURS_ENV: "production" (default: secure cookies, HSTS, no debug), "dev" (make run) or "test".
DATABASE_URL: picks the database; an SQLite file in the project by default.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ.get("PARCOURS_ENV", "production")
PRODUCTION = ENV == "production"

DEBUG = ENV == "dev" and os.environ.get("PARCOURS_DEBUG", "1") == "1"
_dev_key = "dev-only-insecure-key-parcours-0123456789-abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _dev_key)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY doit être défini en production (variable d'environnement).")
# Key for field encryption (NIR, private notes); defaults to a key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = [k for k in os.environ.get("FIELD_ENCRYPTION_KEYS", "").split(",") if k]

ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if not PRODUCTION else "").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "parcours.core",
    "parcours.jobs",
    "parcours.organizations",
    "parcours.accounts",
    "parcours.journal",
    "parcours.people",
    "parcours.orientation",
    "parcours.diagnostics",
    "parcours.plans",
    "parcours.agenda",
    "parcours.scheduling",
    "parcours.notifications",
    "parcours.rsvp",
    "parcours.alerts",
    "parcours.intake",
    "parcours.catalogue",
    "parcours.referrals",
    "parcours.workshops",
    "parcours.activity",
    "parcours.caseload",
    "parcours.demo",
    "parcours.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "parcours.web.access.AccessRuleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "parcours" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parcours.web.context.operator",
            ],
            "string_if_invalid": "",
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'parcours.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["OPTIONS"] = {
        # Timeouts as les-emplois does; random_page_cost for SSD storage, so that index plans win (BENCHMARKS W2).
        "options": "-c statement_timeout=10000 -c lock_timeout=5000 -c idle_in_transaction_session_timeout=60000"
        " -c random_page_cost=1.1"
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if ENV == "test" and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: worker processes started by the tests (tests/test_jobs.py) must see the test database.
    # One per pytest process (pytest-xdist adds its own _gwN suffix): concurrent runs never share a file.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"parcours-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["parcours.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Lock an account after this many failed logins in LOGIN_LOCK_MINUTES (CNIL SAN-2026-003 lesson).
LOGIN_MAX_FAILURES = 10
LOGIN_LOCK_MINUTES = 15

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Imported files are kept (never served) until their import is done, so that a stopped import resumes.
IMPORTS_DIR = Path(
    os.environ.get("IMPORTS_DIR", "/tmp/parcours-test-imports" if ENV == "test" else BASE_DIR / "var" / "imports")
)
IMPORT_CHUNK_ROWS = int(os.environ.get("IMPORT_CHUNK_ROWS", "5000"))
STATICFILES_DIRS = [BASE_DIR / "parcours" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

_smtp_options = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "587")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
}
MAILERS = {
    "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp_options}
    if PRODUCTION
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parcours <ne-pas-repondre@parcours.invalid>")

# Absolute base of the links sent to people (SMS, e-mails, letters): the public address of this instance.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# SMS: "brevo" (the real HTTP adapter) or "fake" (the local fake provider, `manage.py fake_sms_provider`).
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "brevo" if PRODUCTION else "fake")
SMS_API_URL = os.environ.get("SMS_API_URL", "https://api.brevo.com" if PRODUCTION else "http://127.0.0.1:8025")
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "Parcours")
SMS_RATE_PER_SECOND = float(os.environ.get("SMS_RATE_PER_SECOND", "20"))
SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "" if PRODUCTION else "dev-sms-webhook-secret")

# The operator (département, CPAS…) running this instance: name and logo shown in the header.
OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "Parcours")
OPERATOR_LOGO = os.environ.get("OPERATOR_LOGO", "")

# Security headers and cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_USE_SESSIONS = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    if os.environ.get("EMAIL_PORT"):  # a worker started by a test, sending to the test's SMTP server
        MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {**_smtp_options, "use_tls": False, "timeout": 10},
            }
        }

# Background work: django-q2 on the ORM broker (same database, same transaction; no extra server).
# Two clusters, one per queue of parcours/jobs/queues.py: `manage.py qcluster` (interactive) and
# `Q_CLUSTER_NAME=bulk manage.py qcluster` (bulk). A task whose worker dies is delivered again after `retry` s.
_JOB_RETRY = int(os.environ.get("JOB_RETRY_SECONDS", "300"))
Q_CLUSTER = {
    "name": "parcours",
    "orm": "default",
    "workers": int(os.environ.get("JOB_WORKERS", "2")),
    "timeout": _JOB_RETRY - 10 if _JOB_RETRY > 20 else max(_JOB_RETRY - 2, 1),
    "retry": _JOB_RETRY,
    "max_attempts": 5,  # deliveries after crashes; failures are retried by parcours.jobs.api.job with backoff
    "ack_failures": True,
    "poll": float(os.environ.get("JOB_POLL_SECONDS", "0.2")),
    "save_limit": 5000,
    "catch_up": False,
    "label": "Tâches de fond",
    "ALT_CLUSTERS": {"bulk": {"workers": int(os.environ.get("JOB_BULK_WORKERS", "2")), "bulk": 5}},
}
JOBS = {"retry_base_seconds": int(os.environ.get("JOB_RETRY_BASE_SECONDS", "30")), "max_attempts": 5}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
