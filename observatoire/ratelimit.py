"""Per-client counters shared by every app server, for every rate limit of the
site: each limited view calls `hit()`.

A counter is incremented atomically and the decision is taken on the count
that increment returned, never on an earlier read: twenty simultaneous
requests against a limit of five get exactly five through. With Redis
(`CACHE_URL`) that is `INCR`; with the default database cache, whose `incr()`
is a read then a write, it is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
statement on the `RateLimitCounter` table (PostgreSQL, and SQLite ≥ 3.35).

Keys are keyed hashes: neither the cache nor the table holds a readable IP
address or user name.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.utils.crypto import salted_hmac

from observatoire.models import RateLimitCounter


def client_ip(request) -> str:
    """The visitor's address, also behind TRUSTED_PROXIES reverse proxies.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the visitor is the entry that many places from the end;
    anything further left was written by the visitor and cannot be trusted.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hit(request, *, scope: str, limit: int, window: int, key: str = "") -> bool:
    """Count this request in `scope` for its client (or for `key`, e.g. an
    account name); True when it goes past `limit` requests within the current
    `window` seconds (then refuse it).

    Fixed windows: each counter starts again every `window` seconds."""
    name, period = _name(request, scope, window, key)
    return _increment(name, expires=_window_end(period, window)) > limit


def reached(request, *, scope: str, limit: int, window: int, key: str = "") -> bool:
    """True when `scope` has already counted `limit` hits in this window: the
    next `hit()` would be refused. Counts nothing (a check before any costly
    work; the decision that matters is still the one `hit()` returns)."""
    name, _period = _name(request, scope, window, key)
    return _current(name) >= limit


def _name(request, scope: str, window: int, key: str) -> tuple[str, int]:
    period = int(time.time() // window)
    digest = salted_hmac(
        "observatoire.ratelimit", key or client_ip(request)
    ).hexdigest()
    return f"rate:{scope}:{period}:{digest[:32]}", period


def _window_end(period: int, window: int) -> datetime:
    return datetime.fromtimestamp((period + 1) * window, tz=UTC)


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), tz=UTC)


def _in_database() -> bool:
    return isinstance(caches["default"], DatabaseCache)


def _increment(name: str, *, expires: datetime) -> int:
    if _in_database():
        return _increment_row(name, expires=expires)
    timeout = max(1, int(expires.timestamp() - time.time()) + 1)
    # add() never overwrites; INCR is atomic on Redis (and under a lock in the
    # local-memory cache). Retry once if the key expired in between.
    for _attempt in range(2):
        cache.add(name, 0, timeout)
        try:
            return cache.incr(name)
        except ValueError:
            continue
    return cache.incr(name)


def _increment_row(name: str, *, expires: datetime) -> int:
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    key, count = connection.ops.quote_name("key"), connection.ops.quote_name("count")
    with connection.cursor() as cursor:
        # One statement: the database serialises concurrent upserts of a key
        # (row lock on PostgreSQL, the write lock on SQLite), and RETURNING
        # gives each caller the count its own increment produced.
        cursor.execute(
            f"INSERT INTO {table} ({key}, {count}, expires) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 "
            f"RETURNING {count}",
            [name, connection.ops.adapt_datetimefield_value(expires)],
        )
        value = cursor.fetchone()[0]
    if value == 1:
        # A new window for some client: the time to drop finished windows.
        RateLimitCounter.objects.filter(expires__lte=_now()).exclude(key=name).delete()
    return value


def _current(name: str) -> int:
    if _in_database():
        return (
            RateLimitCounter.objects.filter(key=name, expires__gt=_now())
            .values_list("count", flat=True)
            .first()
            or 0
        )
    return cache.get(name, 0)
