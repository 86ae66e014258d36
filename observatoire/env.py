"""Typed readers for environment variables, each failing with a message that
names the variable to fix (healthchecks' envbool style)."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on", "oui"}
FALSE_WORDS = {"0", "false", "no", "off", "non", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} n'est pas un booléen : utilisez 1/0, true/false ou yes/no."
    )


def envint(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} doit être un nombre entier."
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} doit être supérieur ou égal à {minimum}.")
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in envstr(name, default).split(",") if part.strip()]


def envurl(name: str, default: str = "") -> str:
    value = envstr(name, default)
    if value and not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"{name}={value!r} doit être une URL commençant par http:// ou https://."
        )
    return value


def envdatabase(name: str, default: str) -> dict:
    import dj_database_url

    url = envstr(name, default)
    supported = ("sqlite://", "postgres://", "postgresql://")
    if not url.startswith(supported):
        raise ImproperlyConfigured(
            f"{name}={url!r} n'est pas reconnu : utilisez "
            "sqlite:///chemin/base.sqlite3 ou postgres://utilisateur@hôte:port/base."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} est mal formé : {error}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} ne nomme aucune base de données.")
    return config
