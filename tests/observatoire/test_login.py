"""Brute force on the two login pages: failures are limited per account and per
address, the message says why, and the lock ends by itself."""

from types import SimpleNamespace

import pytest

from observatoire import forms, ratelimit

LOGINS = ["/compte/connexion/", "/admin/login/"]
LOCKED = "Trop de tentatives de connexion ont échoué"


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, moved by hand."""
    now = SimpleNamespace(value=1_900_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now.value))
    return now


def post(client, url, username, password, ip="203.0.113.5"):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("url", LOGINS)
def test_the_right_password_is_refused_after_too_many_failures(
    client, make_user, clock, url, caplog
):
    make_user("superuser", username="anne")
    for _ in range(forms.LOGIN_FAILURES_PER_ACCOUNT):
        response = post(client, url, "anne", "devine")
        assert LOCKED not in response.content.decode()
    response = post(client, url, "anne", "motdepasse-de-test")
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "Connexions bloquées (login:account) : compte 'anne'" in caplog.text

    # The lock ends with its window, without anyone doing anything.
    clock.value += forms.LOGIN_LOCK_SECONDS
    response = post(client, url, "anne", "motdepasse-de-test")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_account_lock_holds_whatever_the_address(client, make_user, clock):
    make_user("moderator", username="anne")
    for n in range(forms.LOGIN_FAILURES_PER_ACCOUNT):
        post(client, "/compte/connexion/", "anne", "devine", ip=f"198.51.100.{n}")
    response = post(client, "/compte/connexion/", "anne", "motdepasse-de-test")
    assert LOCKED in response.content.decode()


def test_the_address_lock_holds_whatever_the_account(client, make_user, clock):
    """Password spraying: one guess per account from one address."""
    make_user("moderator", username="anne")
    for n in range(forms.LOGIN_FAILURES_PER_ADDRESS):
        post(client, "/admin/login/", f"compte-{n}", "devine")
    response = post(client, "/compte/connexion/", "anne", "motdepasse-de-test")
    assert LOCKED in response.content.decode()
    # Another address is not affected.
    response = post(
        client, "/compte/connexion/", "anne", "motdepasse-de-test", "192.0.2.1"
    )
    assert response.status_code == 302


def test_successful_logins_are_not_counted(client, make_user, clock):
    make_user("moderator", username="anne")
    for _ in range(forms.LOGIN_FAILURES_PER_ACCOUNT + 1):
        assert (
            post(client, "/compte/connexion/", "anne", "motdepasse-de-test").status_code
            == 302
        )
        client.logout()
