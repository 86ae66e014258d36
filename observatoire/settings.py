"""Settings for the observatory, read from environment variables.

Development defaults are safe: SQLite under var/, DEBUG off unless asked,
mail printed to the console. Production sets DATABASE_URL, SECRET_KEY,
ALLOWED_HOSTS and, when several app servers run, CACHE_URL (Redis).
"""

from pathlib import Path
from urllib.parse import urlsplit

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from observatoire.env import (
    envbool,
    envdatabase,
    envint,
    envlist,
    envstr,
    envurl,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not envbool("ALLOW_INSECURE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG est désactivé : définissez "
            "SECRET_KEY (une longue chaîne aléatoire) ou DEBUG=1 pour le "
            "développement."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = envstr("SITE_NAME", "Observatoire de la coopération territoriale")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # Widget templates are looked up like page templates (templates/ first):
    # see FORM_RENDERER.
    "django.forms",
    "taggit",
    "django_filters",
    "csp",
    "observatoire",
    "initiatives",
    "referentiel",
    "ateliers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "observatoire.logs.RequestLogMiddleware",
    # Before sessions: a cached public page skips everything below.
    "observatoire.pagecache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: tells the person when a mail failed during the request.
    "observatoire.mail.MailFailureMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: its process_exception sees a view's database errors first.
    "observatoire.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "observatoire.urls"
WSGI_APPLICATION = "observatoire.wsgi.application"

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
                "django.template.context_processors.i18n",
                "observatoire.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": envdatabase(
        "DATABASE_URL", f"sqlite:///{VAR_DIR / 'observatoire.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the two gunicorn workers read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared between processes: the database cache by default, Redis when CACHE_URL
# is set. Rate limits live here, so never a per-process memory cache.
CACHE_URL = envstr("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r} n'est pas reconnu : utilisez redis://hôte:port/0 "
        "ou laissez la variable vide pour le cache en base de données."
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "observatoire_cache",
            # Django's default keeps 300 entries and, past them, drops a third
            # (data versions included): a busy site would rebuild its pages
            # all day. Whole pages, facet counts and map data need room.
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
        }
    }

# Whole public pages for anonymous visitors (observatoire/pagecache.py); any
# write to the content retires them at once, this is only how long an unused
# one stays. 0 turns the page cache off.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 600)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_SECURE = envbool(
    "SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies / load balancers in front of the app servers: how many of them
# append to X-Forwarded-For (rate limits need the visitor's address, not theirs).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
)
X_FRAME_OPTIONS = "DENY"

_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + name}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "fr"
# French only until a translation ships: listing English here gave browsers
# asking for it English dates and numbers amid French text. LocaleMiddleware
# stays, so adding a translated language is this one line.
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# ASCII tag slugs ("cooperation" for "coopération"): the tag page URL uses <slug:>.
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Third-party assets come from their pip packages, never copied into the repo.
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("vendor/leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
MEDIA_URL = envstr("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": envstr(
            "MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": "observatoire.storage.StaticStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads stop past these sizes (observatoire/uploads.py): the largest file any
# form accepts (images: 5 Mio), and that plus the form's other fields. Keep the
# reverse proxy's limit (nginx client_max_body_size 6m) in line.
UPLOAD_MAX_FILE_BYTES = 5 * 1024 * 1024
UPLOAD_MAX_REQUEST_BYTES = UPLOAD_MAX_FILE_BYTES + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "observatoire.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "observatoire@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Map tiles: any XYZ server. Markers still show when the tiles cannot load.
MAP_TILE_URL = envurl("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = envstr("MAP_TILE_ATTRIBUTION", "© contributeurs OpenStreetMap")
# National address API (api-adresse.data.gouv.fr); geocoding is off when unset.
GEOCODER_URL = envurl("GEOCODER_URL")
GEOCODER_TIMEOUT = envint("GEOCODER_TIMEOUT", 3, minimum=1)
# Days a workshop stays restorable in the trash before `purge_workshops` erases it.
ATELIERS_TRASH_DAYS = envint("ATELIERS_TRASH_DAYS", 30, minimum=1)


def _origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


_tile_origin = _origin(MAP_TILE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"] + ([_tile_origin] if _tile_origin else []),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Agrees with X-Frame-Options: DENY; only /carte/embed/ may be framed.
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# One key=value line per event on stdout (observatoire/logs.py), for journald
# or any log shipper. ERROR_REPORT_EMAIL mails every server error (with its
# traceback) to that address; off by default.
ERROR_REPORT_EMAIL = envstr("ERROR_REPORT_EMAIL")
ADMINS = [("Exploitation", ERROR_REPORT_EMAIL)] if ERROR_REPORT_EMAIL else []
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {"format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "kv",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
        },
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own 5xx lines: also mailed when ERROR_REPORT_EMAIL is set.
        "django.request": {
            "handlers": ["mail_admins"] if ERROR_REPORT_EMAIL else [],
            "level": "ERROR",
        },
        # The request line of observatoire/logs.py replaces the server's.
        "django.server": {"level": "WARNING"},
    },
}

# HTTPS sites pass `check --deploy --fail-level WARNING` as they come. Opt-outs,
# each said on purpose (the matching check is then silenced):
# SECURE_SSL_REDIRECT=0 when the reverse proxy already redirects http to https,
# SECURE_HSTS_SECONDS=0 while trying HTTPS out. HSTS preloading binds the whole
# domain (a town hall's, often): only its owner may ask (SECURE_HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = []
if not DEBUG and SITE_URL.startswith("https"):
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    # /healthz is probed over plain http by load balancers on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    if not SECURE_HSTS_SECONDS:
        SILENCED_SYSTEM_CHECKS.append("security.W004")
    if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        SILENCED_SYSTEM_CHECKS.append("security.W005")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Media served by Django itself only for single-server or demo deployments.
SERVE_MEDIA = envbool("SERVE_MEDIA", DEBUG)
