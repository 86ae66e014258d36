"""Image safety: only real JPEG/PNG/WebP, re-encoded without metadata."""

import io
import struct
import time
import zlib

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from initiatives import forms
from initiatives.images import process_uploaded_image
from initiatives.models import Category, Initiative

GPS_IFD = 0x8825


def image_bytes(fmt="JPEG", size=(640, 480), *, gps=False, mode="RGB"):
    image = Image.new(mode, size, (120, 180, 90) if mode == "RGB" else None)
    buffer = io.BytesIO()
    options = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "Appareil photo"  # Make
        exif[GPS_IFD] = {1: "N", 2: (48.0, 23.0, 24.0), 3: "W", 4: (4.0, 29.0, 10.0)}
        options["exif"] = exif
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming_size(width, height):
    """A tiny valid PNG whose header announces huge dimensions."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    crc = zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def test_gps_exif_is_stripped_on_reencoding():
    original = image_bytes(gps=True)
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()
    result = process_uploaded_image(upload(original))
    cleaned = Image.open(io.BytesIO(result.image.read()))
    assert cleaned.format == "JPEG"
    assert len(cleaned.getexif()) == 0
    assert b"Appareil photo" not in result.image.open().read()


@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]
)
def test_real_images_are_accepted_with_a_thumbnail(fmt, extension):
    result = process_uploaded_image(
        upload(image_bytes(fmt, (1200, 900)), name=f"x.{extension}"),
        thumb_size=(300, 300),
    )
    assert result.format == fmt
    assert result.image.name.endswith(f".{extension}")
    thumb = Image.open(io.BytesIO(result.thumbnail.read()))
    assert thumb.size == (300, 225)
    assert (result.width, result.height) == (1200, 900)


def test_text_renamed_jpg_is_refused():
    with pytest.raises(ValidationError, match="n'est pas une image lisible"):
        process_uploaded_image(upload(b"Bonjour, je suis un texte.\n" * 20))


def test_gif_is_refused_with_the_accepted_formats():
    with pytest.raises(ValidationError, match="JPEG, PNG ou WebP"):
        process_uploaded_image(upload(image_bytes("GIF", mode="P"), name="x.gif"))


def test_truncated_image_is_refused():
    data = image_bytes("JPEG", (800, 600))
    with pytest.raises(ValidationError, match="n'est pas une image lisible"):
        process_uploaded_image(upload(data[: len(data) // 3]))


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="vide"):
        process_uploaded_image(upload(b""))


def test_oversized_file_is_refused_with_its_size():
    with pytest.raises(ValidationError, match="le maximum est"):
        process_uploaded_image(upload(image_bytes()), max_bytes=1000)


def test_decompression_bomb_is_refused_by_pillow_limit():
    with pytest.raises(ValidationError, match="dimensions trop grandes"):
        process_uploaded_image(upload(png_claiming_size(40000, 40000), "b.png"))


def test_too_many_pixels_for_our_limit_is_refused():
    with pytest.raises(ValidationError, match="dimensions trop grandes"):
        process_uploaded_image(upload(image_bytes(size=(2000, 2000))), max_pixels=10**6)


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
