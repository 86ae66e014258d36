from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from observatoire import ratelimit


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
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM observatoire_cache")
        rows = cursor.fetchall()
    assert rows and not any("203.0.113.5" in key for key, _expires in rows)
    # The database cache's incr() alone would keep them 5 minutes only.
    expires = max(_aware(expires) for _key, expires in rows)
    assert expires - timezone.now() > timedelta(minutes=50)


def test_the_count_starts_again_with_the_next_window(clean_cache, monkeypatch):
    request = request_from("203.0.113.5")
    # Only the limiter's clock moves: the cache still sees the real time.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 6_000_000.0))
    assert hits(request, 4) == [False, False, False, True]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 6_000_060.0))
    assert hits(request, 1) == [False]


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
