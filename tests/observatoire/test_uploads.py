"""Issue 10, item 10: an upload past the limit stops being read at once and
ends in a French form error, never a 500."""

import io
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.urls import reverse

from initiatives import forms
from initiatives.models import Category, Initiative
from observatoire import uploads

MIB = 1024 * 1024
TOO_LARGE = "dépasse la taille maximale de 5,0"


class CountingStream:
    """wsgi.input that remembers how much the app read of it."""

    def __init__(self, stream):
        self.stream, self.read_bytes = stream, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.read_bytes += len(data)
        return data

    def readline(self, size=-1):
        data = self.stream.readline(size)
        self.read_bytes += len(data)
        return data


def request_with(file_bytes: int, *, claimed_length: int | None = None):
    factory = RequestFactory().post(
        "/proposer/",
        {"name": "x", "image": SimpleUploadedFile("a.jpg", b"\xff" * file_bytes)},
    )
    environ = dict(factory.environ)
    body = environ["wsgi.input"].read()
    stream = CountingStream(io.BytesIO(body))
    environ["wsgi.input"] = stream
    if claimed_length is not None:
        environ["CONTENT_LENGTH"] = str(claimed_length)
    return WSGIRequest(environ), stream, len(body)


def test_a_file_past_the_limit_stops_the_reading():
    request, stream, total = request_with(5 * MIB + 512 * 1024)
    assert uploads.refused(request)
    assert "image" not in request.FILES
    # Stopped at the limit: the rest of the body was never read.
    assert stream.read_bytes < 5 * MIB + 200 * 1024 < total


def test_an_announced_huge_body_is_not_read_at_all():
    request, stream, _total = request_with(10, claimed_length=100 * MIB)
    assert uploads.refused(request)
    assert stream.read_bytes == 0


def test_a_file_within_the_limit_goes_through():
    request, _stream, _total = request_with(MIB)
    assert not uploads.refused(request)
    assert request.FILES["image"].size == MIB


@pytest.mark.django_db
def test_the_submission_form_says_so_in_french(client, geo):
    cache.clear()
    data = {
        "name": "Atelier photo",
        "summary": "Un atelier.",
        "category": Category.objects.first().pk,
        "commune": "Brest",
        "submitter_email": "a@example.org",
        "consent": "on",
        "started": forms.make_started_token(time.time() - 60),
        "image": SimpleUploadedFile("grosse.jpg", b"\xff" * (5 * MIB + 1)),
    }
    response = client.post(reverse("initiatives:submit"), data)
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    assert not Initiative.objects.exists()


def test_the_workshop_schema_form_says_so_in_french(facilitator, client, db):
    from ateliers import parsing, services

    workshop = services.workshop_create_from_parsed(
        parsed=parsing.parse("Atelier\n\nEnjeux\n- Un enjeu\n")
    )
    client.force_login(facilitator)
    response = client.post(
        reverse("ateliers:image", args=[workshop.slug]),
        {"image": SimpleUploadedFile("s.png", b"\x89" * (6 * MIB)), "alt": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    workshop.refresh_from_db()
    assert not workshop.summary_image
