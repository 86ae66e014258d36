"""Image safety: only real JPEG/PNG/WebP, re-encoded without metadata."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from observatoire.images import process_uploaded_image
from tests.images import GPS_IFD, image_bytes, png_claiming_size, upload


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
