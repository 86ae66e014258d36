"""Test settings: the real settings, plus what only tests need."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")

from observatoire.settings import *  # noqa: E402, F403

# Hashing strength is not under test; speed is welcome.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files straight from the finders: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Query-count tests measure a view's own work: the page cache, which would
# answer the second call with one query, is on in its own tests only
# (tests/observatoire/test_page_cache.py).
PAGE_CACHE_SECONDS = 0
