"""Per-client counters in the shared cache, for every rate limit of the site:
each limited view calls `hit()`.

The cache is the database or Redis (never a process's memory), so the limits
hold across app servers. Keys are keyed hashes: the cache never holds a
readable IP address.
"""

import hashlib
import time

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


def hit(request, *, scope: str, limit: int, window: int) -> bool:
    """Count this request in `scope` for its client; True when it goes past
    `limit` requests within the current `window` seconds (then refuse it).

    Fixed windows: the counter of each client and scope starts again every
    `window` seconds."""
    period = int(time.time() // window)
    digest = hashlib.sha256(
        f"{settings.SECRET_KEY}:{client_ip(request)}".encode()
    ).hexdigest()
    name = f"rate:{scope}:{period}:{digest[:32]}"
    if cache.add(name, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, window)
            count = 1
        else:
            # The database cache's incr() stores the entry again with the default
            # timeout: give the counter back the whole window (each window has
            # its own key, so this never carries a count over).
            cache.touch(name, window)
    return count > limit
