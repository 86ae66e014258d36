import pytest
from django.core.cache import cache
from django.test import RequestFactory

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


@pytest.mark.django_db
def test_counters_are_per_client_and_scope():
    for _ in range(3):
        ratelimit.count(scope="test", ip="203.0.113.5", window=60)
    assert ratelimit.reached(scope="test", ip="203.0.113.5", limit=3)
    assert not ratelimit.reached(scope="test", ip="203.0.113.6", limit=3)
    assert not ratelimit.reached(scope="other", ip="203.0.113.5", limit=3)
    assert "203.0.113.5" not in ratelimit.key(scope="test", ip="203.0.113.5")
    cache.clear()
