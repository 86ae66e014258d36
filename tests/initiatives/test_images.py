"""Images sent with a public submission, and moderators removing them."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from initiatives import forms
from initiatives.models import Category, Initiative
from tests.images import image_bytes, png_claiming_size, upload

# Through the public form ------------------------------------------------------


@pytest.fixture
def submit(client, geo):
    cache.clear()

    def post(image):
        data = {
            "name": "Atelier photo",
            "summary": "Un atelier.",
            "category": Category.objects.first().pk,
            "commune": "Brest",
            "submitter_email": "a@example.org",
            "consent": "on",
            "started": forms.make_started_token(time.time() - 60),
            "image": image,
        }
        return client.post(reverse("initiatives:submit"), data)

    return post


def test_submitted_image_is_stored_clean_with_thumbnail(submit):
    response = submit(upload(image_bytes(gps=True, size=(1600, 1200))))
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    with initiative.image.open() as stored:
        assert len(Image.open(stored).getexif()) == 0
    with initiative.thumbnail.open() as thumb:
        assert max(Image.open(thumb).size) <= 480


def test_fake_image_in_the_form_is_explained_and_nothing_saved(submit):
    response = submit(upload(b"<?php echo 'x'; ?>", name="photo.jpg"))
    assert response.status_code == 400
    assert "n&#x27;est pas une image lisible" in response.content.decode()
    assert not Initiative.objects.exists()


def test_bomb_in_the_form_is_explained(submit):
    response = submit(upload(png_claiming_size(50000, 50000), name="bombe.png"))
    assert response.status_code == 400
    assert "dimensions trop grandes" in response.content.decode()
    assert not Initiative.objects.exists()


def test_valid_image_with_other_errors_asks_to_reselect(client, geo):
    cache.clear()
    response = client.post(
        reverse("initiatives:submit"),
        {
            "name": "",
            "started": forms.make_started_token(time.time() - 60),
            "image": upload(image_bytes()),
        },
    )
    assert response.status_code == 400
    assert "sélectionnez-la de nouveau" in response.content.decode()


def test_moderator_sees_the_submitted_thumbnail(submit, client, moderator):
    submit(upload(image_bytes()))
    initiative = Initiative.objects.get()
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[initiative.pk])
    assert initiative.thumbnail.url in client.get(url).content.decode()


def test_moderator_can_remove_the_image_when_approving(
    submit, client, moderator, django_capture_on_commit_callbacks
):
    submit(upload(image_bytes()))
    initiative = Initiative.objects.get()
    storage, name = initiative.image.storage, initiative.image.name
    assert storage.exists(name)
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[initiative.pk])
    form = client.get(url).context["form"]
    simple = ("name", "summary", "description", "address", "latitude", "longitude")
    data = {k: form.initial[k] for k in simple if form.initial.get(k) is not None}
    data.update(
        commune="Brest", category=initiative.category_id, tags="", remove_image="on"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert not initiative.image and not initiative.thumbnail
    assert not storage.exists(name)
    event = initiative.events.get(action="approved")
    assert event.changes["image"] == [name, ""]
