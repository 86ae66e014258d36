"""The real settings, with the benchmark's own database so the development
data is never touched, and static files straight from the finders."""

import os

from observatoire.settings import *  # noqa: F403
from observatoire.settings import STORAGES, VAR_DIR

if not os.environ.get("BENCH_DATABASE_URL"):
    DATABASES = {  # noqa: F811
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "bench.sqlite3",
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
else:
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DATABASE_URL"])}

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The benchmark measures the application, not the console logger.
LOGGING = {"version": 1, "disable_existing_loggers": False}
