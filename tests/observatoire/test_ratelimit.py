import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone

from observatoire import ratelimit
from observatoire.models import RateLimitCounter


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_socket_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = 0
    # A visitor cannot dodge the limit by writing the header themselves.
    assert (
        ratelimit.client_ip(request_from("198.51.100.1", "1.2.3.4")) == "198.51.100.1"
    )


def test_behind_a_load_balancer_the_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = 1
    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.5")
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_two_proxies(settings):
    settings.TRUSTED_PROXIES = 2
    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1")
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_missing_header_behind_proxy_falls_back_to_the_socket(settings):
    settings.TRUSTED_PROXIES = 1
    assert ratelimit.client_ip(request_from("10.0.0.2")) == "10.0.0.2"


@pytest.fixture
def clean_cache(db):
    cache.clear()
    yield
    cache.clear()


def hits(request, n, *, scope="test", limit=3, window=60):
    return [
        ratelimit.hit(request, scope=scope, limit=limit, window=window)
        for _ in range(n)
    ]


def test_a_client_goes_past_the_limit_alone_and_per_scope(clean_cache):
    assert hits(request_from("203.0.113.5"), 4) == [False, False, False, True]
    assert hits(request_from("203.0.113.6"), 1) == [False]
    assert hits(request_from("203.0.113.5"), 1, scope="other") == [False]


def test_counters_hold_no_readable_address_and_last_the_whole_window(clean_cache):
    hits(request_from("203.0.113.5"), 3, window=3600)
    rows = list(RateLimitCounter.objects.values_list("key", "count", "expires"))
    assert [count for _key, count, _expires in rows] == [3]
    assert not any("203.0.113.5" in key for key, _count, _expires in rows)
    # The counter lives until the end of its window, not the cache's 5 minutes.
    assert rows[0][2] > timezone.now()


def test_the_limit_holds_for_an_account_name_whatever_the_address(clean_cache):
    """Brute force from many addresses against one account still counts once."""
    results = [
        ratelimit.hit(
            request_from(f"203.0.113.{n}"), scope="t", limit=2, window=60, key="anne"
        )
        for n in range(3)
    ]
    assert results == [False, False, True]
    assert ratelimit.reached(
        request_from("198.51.100.9"), scope="t", limit=2, window=60, key="anne"
    )
    assert not ratelimit.reached(
        request_from("198.51.100.9"), scope="t", limit=2, window=60, key="bruno"
    )


def test_reached_counts_nothing(clean_cache):
    request = request_from("203.0.113.5")
    for _ in range(5):
        assert not ratelimit.reached(request, scope="t", limit=1, window=60)
    assert hits(request, 2, scope="t", limit=1) == [False, True]
    assert ratelimit.reached(request, scope="t", limit=1, window=60)


def test_finished_windows_are_purged(clean_cache, monkeypatch):
    request = request_from("203.0.113.5")
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 6_000_000.0))
    hits(request, 2, window=60)
    # A new window for someone: the rows of windows long gone are deleted.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=time.time))
    hits(request_from("203.0.113.6"), 1, window=60)
    assert RateLimitCounter.objects.count() == 1


def test_with_redis_or_memory_cache_the_count_comes_from_incr(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    request = request_from("203.0.113.5")
    assert hits(request, 4, scope="mem") == [False, False, False, True]
    assert ratelimit.reached(request, scope="mem", limit=3, window=60)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_hits_let_exactly_the_limit_through():
    """20 requests at once against a limit of 5: a read-then-write counter (the
    database cache's incr) let 6 or more through. Each thread has its own
    database connection, as gunicorn workers do."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's test database lives in memory, shared between threads in "
            "shared-cache mode, where concurrent writers get 'database table is "
            "locked' at once instead of waiting (no busy timeout); a real SQLite "
            "file serialises the one-statement upsert with its write lock"
        )
    barrier = threading.Barrier(20)
    results = []

    def one():
        try:
            barrier.wait()
            results.append(
                ratelimit.hit(
                    request_from("203.0.113.5"), scope="race", limit=5, window=3600
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert results.count(False) == 5
    assert RateLimitCounter.objects.get().count == 20


def test_the_count_starts_again_with_the_next_window(clean_cache, monkeypatch):
    request = request_from("203.0.113.5")
    # Only the limiter's clock moves: the cache still sees the real time.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 6_000_000.0))
    assert hits(request, 4) == [False, False, False, True]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 6_000_060.0))
    assert hits(request, 1) == [False]
