"""Settings of the peer: a minimal Django project serving django-helpdesk 2.6.1 on PostgreSQL.

Only for Hotline's side-by-side benchmark (bench/peer/). What django-helpdesk's install guide asks
of a project: its app with ``django.contrib.admin``, ``auth``, ``contenttypes``, ``sessions``,
``messages``, ``sites`` (e-mail links) and ``humanize``, ``SITE_ID``, its URLs, ``LOGIN_URL`` its
login view; ``rest_framework`` for its API (``HELPDESK_API_ENABLED`` is on by default, DRF's default
authentication: session and HTTP Basic). Teams mode is off (it needs pinax-teams, which the guide
calls optional). Deployment choices, kept as a production site would make them and said in the
report: DEBUG off, persistent database connections (``CONN_MAX_AGE``, Django's own advice for
production; Hotline's SQLAlchemy pool keeps its connections too), e-mail through Django's dummy
backend (every message is rendered and built, none is delivered — Hotline's benchmarks deliver
nothing either).

Environment: ``PEER_DATABASE_URL`` (``postgresql://USER[:PASSWORD]@HOST:PORT/DB``, required),
``PEER_CONN_MAX_AGE`` (seconds, default 60), ``PEER_MEDIA_ROOT`` (default: a temporary directory).
"""
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def _database(url: str) -> dict:
    """Django's DATABASES entry for a ``postgresql://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise RuntimeError(f"PEER_DATABASE_URL must be a postgresql:// URL, not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("PEER_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-bench-only-secret-key-not-for-production-use")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
    "peerbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peerdesk.urls"
WSGI_APPLICATION = "peerdesk.wsgi.application"

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

DATABASES = {"default": _database(os.environ["PEER_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SITE_ID = 1
LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"
HELPDESK_TEAMS_MODE_ENABLED = False

# Hotline serves Chinese first and shows Asia/Shanghai; so does the peer (django-helpdesk ships zh-Hans).
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("PEER_MEDIA_ROOT") or tempfile.gettempdir() + "/peer-helpdesk-media"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
SERVER_EMAIL = "helpdesk@example.com"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
