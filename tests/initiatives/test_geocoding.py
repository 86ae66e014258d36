"""Geocoding through a LOCAL fake of the national address API: never the internet."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from initiatives import forms, geocoding
from initiatives.models import Category, Initiative


class FakeAddressAPI(BaseHTTPRequestHandler):
    behaviour = "ok"
    requests: list = []

    def do_GET(self):
        FakeAddressAPI.requests.append(parse_qs(urlsplit(self.path).query))
        if self.behaviour == "slow":
            time.sleep(1.5)
        if self.behaviour == "error":
            self.send_response(500)
            self.end_headers()
            return
        if self.behaviour == "garbage":
            body = b"<html>not json</html>"
        elif self.behaviour == "nested":
            body = b'{"features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        elif self.behaviour == "huge-number":
            body = b'{"features": [{"geometry": {"coordinates": [' + b"9" * 5000
            body += b", 1]}}]}"
        elif self.behaviour == "empty":
            body = json.dumps({"type": "FeatureCollection", "features": []}).encode()
        else:
            body = json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": {
                                "type": "Point",
                                "coordinates": [-4.4861, 48.3904],
                            },
                            "properties": {
                                "label": "Rue de Siam 29200 Brest",
                                "score": 0.93,
                            },
                        }
                    ],
                }
            ).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up after its timeout, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_api(settings):
    FakeAddressAPI.behaviour = "ok"
    FakeAddressAPI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAddressAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_port}/search/"
    settings.GEOCODER_TIMEOUT = 1
    yield FakeAddressAPI
    server.shutdown()
    server.server_close()


def test_address_is_geocoded_within_the_commune(fake_api):
    found = geocoding.geocode("Rue de Siam", citycode="29019")
    assert (found.latitude, found.longitude) == (48.3904, -4.4861)
    assert fake_api.requests[0]["q"] == ["Rue de Siam"]
    assert fake_api.requests[0]["citycode"] == ["29019"]


@pytest.mark.parametrize(
    "behaviour", ["error", "garbage", "nested", "huge-number", "empty", "slow"]
)
def test_failures_and_timeouts_give_no_result(fake_api, behaviour):
    fake_api.behaviour = behaviour
    assert geocoding.geocode("Rue de Siam") is None


def test_geocoding_is_off_without_url(settings):
    settings.GEOCODER_URL = ""
    assert not geocoding.is_enabled()
    assert geocoding.geocode("Rue de Siam") is None


def test_unreachable_server_gives_no_result(settings):
    settings.GEOCODER_URL = "http://127.0.0.1:9/search/"
    settings.GEOCODER_TIMEOUT = 1
    assert geocoding.geocode("Rue de Siam") is None


def submission(**overrides):
    data = {
        "name": "Repair café de Siam",
        "summary": "On répare ensemble.",
        "category": Category.objects.get(slug="repair-cafe").pk,
        "commune": "Brest",
        "address": "Rue de Siam",
        "submitter_email": "a@example.org",
        "consent": "on",
        "started": forms.make_started_token(time.time() - 60),
    }
    data.update(overrides)
    return data


@pytest.fixture
def clean_cache(db):
    cache.clear()


def test_submission_without_coordinates_gets_them_from_the_address(
    client, geo, fake_api, clean_cache
):
    response = client.post(reverse("initiatives:submit"), submission())
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert (initiative.latitude, initiative.longitude) == (48.3904, -4.4861)


def test_typed_coordinates_win_over_the_address(client, geo, fake_api, clean_cache):
    client.post(
        reverse("initiatives:submit"), submission(latitude="48.1", longitude="-4.2")
    )
    initiative = Initiative.objects.get()
    assert (initiative.latitude, initiative.longitude) == (48.1, -4.2)
    assert fake_api.requests == []


def test_geocoder_failure_never_blocks_the_submission(
    client, geo, fake_api, clean_cache
):
    fake_api.behaviour = "slow"
    response = client.post(reverse("initiatives:submit"), submission())
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.latitude is None and initiative.longitude is None


GEOCODE = reverse("initiatives:geocode")


def test_geocode_endpoint_answers_json(client, fake_api, clean_cache):
    response = client.get(GEOCODE, {"adresse": "Rue de Siam", "commune": "Brest (29)"})
    assert response.status_code == 200
    assert response.json() == {
        "latitude": 48.3904,
        "longitude": -4.4861,
        "label": "Rue de Siam 29200 Brest",
    }
    assert fake_api.requests[0]["q"] == ["Rue de Siam Brest"]


def test_geocode_endpoint_not_found_and_off(client, settings, fake_api, clean_cache):
    fake_api.behaviour = "empty"
    assert client.get(GEOCODE, {"adresse": "Nulle part"}).status_code == 404
    settings.GEOCODER_URL = ""
    assert client.get(GEOCODE, {"adresse": "Rue de Siam"}).status_code == 404


def test_geocode_endpoint_is_rate_limited(client, fake_api, clean_cache):
    from initiatives.views import submission

    for _ in range(submission.ATTEMPT_LIMIT):
        client.get(GEOCODE, {"adresse": "Rue de Siam"})
    assert client.get(GEOCODE, {"adresse": "Rue de Siam"}).status_code == 429


def test_geocode_endpoint_rejects_post(client, fake_api):
    assert client.post(GEOCODE).status_code == 405


def test_form_offers_the_address_button_only_when_configured(
    client, geo, settings, fake_api
):
    html = client.get(reverse("initiatives:submit")).content.decode()
    assert GEOCODE in html
    settings.GEOCODER_URL = ""
    html = client.get(reverse("initiatives:submit")).content.decode()
    assert GEOCODE not in html


def test_the_geocoder_is_called_outside_any_transaction(
    client, geo, fake_api, monkeypatch
):
    """A network call inside @transaction.atomic held SQLite's write lock for up
    to the geocoder's timeout: every other write of the site waited."""
    # The test itself runs inside atomic blocks (rolled back at the end): what
    # the code adds on top of them is what counts.
    test_depth = len(connection.atomic_blocks)
    depths = []
    real = geocoding.geocode

    def watched(*args, **kwargs):
        depths.append(len(connection.atomic_blocks) - test_depth)
        return real(*args, **kwargs)

    monkeypatch.setattr(geocoding, "geocode", watched)
    response = client.post(reverse("initiatives:submit"), submission())
    assert response.status_code == 302
    assert depths == [0]
    initiative = Initiative.objects.get()
    assert (initiative.latitude, initiative.longitude) == (48.3904, -4.4861)
