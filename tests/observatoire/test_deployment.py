"""What a deployer gets by following Django's usual steps: HTTPS settings that
pass `check --deploy`, a site that works after `migrate` alone, headers that
agree on framing. Commands run in a fresh interpreter with a clean environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3y-" + "q8Zr1xW7pLm2" * 6,
    "ALLOWED_HOSTS": "observatoire.example.fr",
    "SITE_URL": "https://observatoire.example.fr",
}
OWN_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "CACHE_URL",
    "ALLOW_INSECURE_SECRET_KEY",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "TRUSTED_PROXIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
    # Set by the browser tests' conftest when they share this process:
    # `check --deploy` rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def manage(*args, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    clean.update(VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_https_deployment_passes_check_deploy(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_documented_opt_outs_still_pass(tmp_path):
    """TLS ended by a proxy that redirects itself, HSTS not yet wanted."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr


def test_plain_http_is_flagged(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        **{**PRODUCTION, "SITE_URL": "http://observatoire.example.fr"},
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_migrate_alone_gives_a_working_cache(tmp_path):
    env = {"SECRET_KEY": PRODUCTION["SECRET_KEY"]}
    migrated = manage("migrate", "--noinput", tmp_path=tmp_path, **env)
    assert migrated.returncode == 0, migrated.stderr
    probe = manage(
        "shell",
        "-c",
        "from django.core.cache import cache; cache.set('k', 'v'); "
        "print(cache.get('k'))",
        tmp_path=tmp_path,
        **env,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().splitlines()[-1] == "v"
    # `make db` still runs createcachetable afterwards: harmless.
    again = manage("createcachetable", tmp_path=tmp_path, **env)
    assert again.returncode == 0, again.stderr


@pytest.mark.django_db
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="unlogged tables are PostgreSQL's"
)
def test_the_cache_table_writes_no_log_on_postgresql():
    """Its commits do not wait for the disk (migration 0009)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            ["observatoire_cache"],
        )
        assert cursor.fetchone() == ("u",)


@pytest.mark.django_db
def test_pages_refuse_framing_in_both_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
