"""Per-client counters in the shared cache, for every rate limit of the site.

The cache is the database or Redis (never a process's memory), so the limits
hold across app servers. Keys are keyed hashes: the cache never holds a
readable IP address.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


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


def key(*, scope: str, ip: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()
    return f"rate:{scope}:{digest[:32]}"


def count(*, scope: str, ip: str, window: int) -> None:
    """Count one more event for this client; the counter lives `window` seconds."""
    name = key(scope=scope, ip=ip)
    if not cache.add(name, 1, window):
        try:
            cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, window)


def reached(*, scope: str, ip: str, limit: int) -> bool:
    return cache.get(key(scope=scope, ip=ip), 0) >= limit
