"""Images uploaded to the site, for every app: checked, cleaned, stored, removed.

An uploaded file is never stored as sent: it must decode as a real JPEG, PNG or
WebP of reasonable size, and is re-encoded from its pixels alone, without
any metadata block (EXIF, including GPS position, XMP, ICC profile, JPEG
comments, PNG text chunks). A replaced or
removed file is deleted once the change is committed, never before.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_THUMB_SIZE = (480, 360)


@dataclass(frozen=True)
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    format: str


def process_uploaded_image(
    file,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    thumb_size: tuple[int, int] = DEFAULT_THUMB_SIZE,
) -> ProcessedImage:
    """Check, clean and re-encode an upload; raise ValidationError in French."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("L'image pèse %(size)s ; le maximum est %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    file.seek(0)
    # One byte more than allowed tells us the size lied without reading it all.
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("L'image dépasse la taille maximale de %(max)s.")
            % {"max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("Le fichier envoyé est vide."), code="empty")

    image = _open_checked(data, max_pixels)
    fmt = image.format
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            # Apply the camera's orientation before the EXIF block is dropped.
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb_error() from error
    except (OSError, ValueError, SyntaxError) as error:
        raise _unreadable_error() from error

    stem = get_random_string(16).lower()
    extension = ALLOWED_FORMATS[fmt]
    cleaned = _encode(image, fmt)
    thumb = image.copy()
    thumb.thumbnail(thumb_size)
    thumbnail = _encode(thumb, fmt)
    return ProcessedImage(
        image=ContentFile(cleaned, name=f"{stem}.{extension}"),
        thumbnail=ContentFile(thumbnail, name=f"{stem}-vignette.{extension}"),
        width=image.width,
        height=image.height,
        format=fmt,
    )


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _(
                        "Ce format d'image n'est pas accepté ; envoyez une image "
                        "JPEG, PNG ou WebP."
                    ),
                    code="format",
                )
            # The header gives the size before any pixel is decoded.
            if probe.width * probe.height > max_pixels:
                raise _bomb_error()
            probe.verify()
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb_error() from error
    except UnidentifiedImageError as error:
        raise _unreadable_error() from error
    except (OSError, ValueError, SyntaxError) as error:
        raise _unreadable_error() from error
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    image = _to_srgb(image)
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    else:
        image = image.copy()
    # Pillow copies some blocks from `info` when saving (a JPEG's comment, a
    # PNG's ICC profile): an empty `info` and no metadata arguments leave only
    # the pixels.
    image.info = {}
    buffer = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}
    image.save(buffer, format=fmt, **options.get(fmt, {"optimize": True}))
    return buffer.getvalue()


def _to_srgb(image: Image.Image) -> Image.Image:
    """The pixels converted to sRGB when the file embeds a colour profile, so
    dropping the profile (it can identify the camera or the editing tool) keeps
    the colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: the pixels as they are
    return converted or image


def _bomb_error() -> ValidationError:
    return ValidationError(
        _(
            "L'image a des dimensions trop grandes pour être traitée sans risque ; "
            "réduisez-la (par exemple à 4000 × 3000 pixels) puis renvoyez-la."
        ),
        code="too_many_pixels",
    )


def _unreadable_error() -> ValidationError:
    return ValidationError(
        _(
            "Ce fichier n'est pas une image lisible : envoyez une vraie image JPEG, "
            "PNG ou WebP."
        ),
        code="invalid_image",
    )


def delete_on_commit(*files: FieldFile) -> None:
    """Delete the stored `files` once the current transaction commits: a rolled
    back change keeps them, a committed one leaves none behind."""
    names = [(file.storage, file.name) for file in files if file]

    def delete():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)
