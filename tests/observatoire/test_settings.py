"""Start-up with a missing or wrong environment value stops with a message
naming the variable (settings are imported in a fresh interpreter)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "CACHE_URL",
            "ALLOW_INSECURE_SECRET_KEY",
            "EMAIL_PORT",
            "MAP_TILE_URL",
            "GEOCODER_URL",
            "TRUSTED_PROXIES",
        }
    }
    clean.update(env)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='observatoire.settings';"
        "from django.conf import settings; settings.DATABASES;"
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_to_sqlite_with_debug_off_when_a_secret_is_given():
    result = load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


def test_missing_secret_key_names_the_variable():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


def test_debug_runs_without_secret_key():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "peut-être", "DEBUG='peut-être' n'est pas un booléen"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL='mysql://x/y' n'est pas reconnu"),
        ("EMAIL_PORT", "vingt-cinq", "EMAIL_PORT='vingt-cinq' doit être un nombre"),
        ("CACHE_URL", "memcached://x", "CACHE_URL='memcached://x' n'est pas reconnu"),
        ("TRUSTED_PROXIES", "un", "TRUSTED_PROXIES='un' doit être un nombre entier"),
        (
            "MAP_TILE_URL",
            "tiles.example",
            "MAP_TILE_URL='tiles.example' doit être une URL",
        ),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(variable, value, message):
    result = load_settings(SECRET_KEY="x" * 50, **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_postgres_url_selects_postgresql():
    result = load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "django.db.backends.postgresql"
