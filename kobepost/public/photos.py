"""Photo intake for KOBE ぽすと: check by content, re-encode, strip metadata, store.

A photo taken by a phone carries EXIF (GPS position of the citizen's home, camera serial
numbers...). Nothing of the upload is kept: the pixels are decoded, turned upright and
written as a fresh JPEG without any metadata under a generated name.
"""

import io
import math
import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# iPhones save HEIC (HEIF) and many Android phones and browsers WebP: both decoded here,
# stored as JPEG like everything else.
register_heif_opener()
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
PHOTO_DIR = "posts"
# Stored photos are shrunk to this longest side: enough to see a pothole, light to load.
STORED_LONGEST_SIDE = 2048
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanPhoto:
    """A decoded, upright, metadata-free photo ready to be stored."""

    content: bytes
    width: int
    height: int


def max_upload_bytes() -> int:
    return settings.PUBLIC_PHOTO_MAX_MB * 1024 * 1024


def clean_photo(upload: UploadedFile) -> CleanPhoto:
    """Decode ``upload`` and return it re-encoded; ValidationError (Japanese) otherwise."""
    if upload.size is not None and upload.size > max_upload_bytes():
        raise ValidationError(
            _("写真のファイルが大きすぎます（%(limit)s MB まで）。")
            % {"limit": settings.PUBLIC_PHOTO_MAX_MB},
            code="too_large",
        )
    data = upload.read(max_upload_bytes() + 1)
    if len(data) > max_upload_bytes():
        raise ValidationError(
            _("写真のファイルが大きすぎます（%(limit)s MB まで）。")
            % {"limit": settings.PUBLIC_PHOTO_MAX_MB},
            code="too_large",
        )
    not_a_photo = ValidationError(
        _(
            "写真として読み込めないファイルです。JPEG・PNG・HEIC（iPhone）・WebP の写真を"
            "選んでください。"
        ),
        code="not_a_photo",
    )
    too_many_pixels = ValidationError(
        _("写真の画素数が多すぎます（%(limit)s 万画素まで）。")
        % {"limit": settings.PUBLIC_PHOTO_MAX_PIXELS // 10_000},
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_a_photo
                if probe.width * probe.height > settings.PUBLIC_PHOTO_MAX_PIXELS:
                    raise too_many_pixels
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # A JPEG decodes straight at 1/2, 1/4 or 1/8 of its size: a 48 MP phone
                # photo costs a quarter of the memory and time of decoding it whole.
                image.draft("RGB", (STORED_LONGEST_SIDE, STORED_LONGEST_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_a_photo from None

    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    upright.thumbnail((STORED_LONGEST_SIDE, STORED_LONGEST_SIDE))
    # A brand-new image: no EXIF, no ICC, no XMP, no comments survive.
    fresh = Image.new(upright.mode, upright.size)
    fresh.paste(upright)
    out = io.BytesIO()
    fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(content=out.getvalue(), width=fresh.width, height=fresh.height)


def store_photo(photo: CleanPhoto) -> str:
    """Write the photo under a generated name; returns the storage name."""
    return default_storage.save(f"{PHOTO_DIR}/{uuid.uuid4().hex}.jpg", ContentFile(photo.content))


def delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# --- Photos kept across a refused submit ---------------------------------------------------
#
# A browser cannot refill a file input: when the post form comes back with an error, the
# photos already checked are kept here (cleaned, metadata-free), shown as previews and sent
# again by id. Only the session that uploaded them may see or use them (public_views), and
# a kept photo not used within a day is deleted at the next upload of anyone.

PENDING_DIR = "pending"
PENDING_MAX_AGE = timedelta(hours=24)
_PENDING_ID = re.compile(r"^[0-9a-f]{32}$")


def _pending_name(photo_id: str) -> str:
    if not _PENDING_ID.match(photo_id):
        raise ValueError(f"not a kept photo id: {photo_id!r}")
    return f"{PENDING_DIR}/{photo_id}.jpg"


def pending_store(photo: CleanPhoto) -> str:
    """Keep a cleaned photo for a later submit; returns its id."""
    pending_purge()
    photo_id = uuid.uuid4().hex
    default_storage.save(_pending_name(photo_id), ContentFile(photo.content))
    return photo_id


def pending_open(photo_id: str):
    name = _pending_name(photo_id)
    return default_storage.open(name, "rb") if default_storage.exists(name) else None


def pending_load(photo_id: str) -> CleanPhoto | None:
    stored = pending_open(photo_id)
    if stored is None:
        return None
    with stored:
        content = stored.read()
    with Image.open(io.BytesIO(content)) as image:
        return CleanPhoto(content=content, width=image.width, height=image.height)


def pending_delete(photo_ids: list[str]) -> None:
    for photo_id in photo_ids:
        default_storage.delete(_pending_name(photo_id))


def pending_purge() -> None:
    if not default_storage.exists(PENDING_DIR):
        return
    cutoff = timezone.now() - PENDING_MAX_AGE
    for name in default_storage.listdir(PENDING_DIR)[1]:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


# --- Blurring faces and number plates ----------------------------------------------------
#
# A supervisor marks rectangles on a photo (in percent of its width and height, so that the
# drawing on a shrunk preview and the numbers typed match the stored pixels). Each
# rectangle is pixelated into blocks a sixth of its longest side (at least 12 px) and then
# blurred over one block: a face is a handful of coloured squares and a number plate two
# rows of them, which no eye and no sharpening brings back. Only the pixels inside the
# rectangles change; the result is written as a fresh JPEG without metadata, like every
# stored photo.

MAX_REDACTIONS = 20
REDACTION_MIN_BLOCK = 12
REDACTION_BLOCKS = 6


@dataclass(frozen=True)
class Redaction:
    """A rectangle in percent of the photo: left ``x``, top ``y``, width ``w``, height ``h``."""

    x: float
    y: float
    w: float
    h: float

    def fits(self) -> bool:
        return (
            min(self.x, self.y) >= 0
            and self.w > 0
            and self.h > 0
            and self.x + self.w <= 100
            and self.y + self.h <= 100
        )

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The pixels covered (left, top, right, bottom), at least one, never outside."""
        left = min(int(self.x * width / 100), width - 1)
        top = min(int(self.y * height / 100), height - 1)
        right = min(max(math.ceil((self.x + self.w) * width / 100), left + 1), width)
        bottom = min(max(math.ceil((self.y + self.h) * height / 100), top + 1), height)
        return left, top, right, bottom

    def as_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


def redact_image(image: Image.Image, redactions: list[Redaction]) -> Image.Image:
    """A copy of ``image`` with every rectangle pixelated and blurred; nothing else changes."""
    result = image.copy()
    for redaction in redactions:
        box = redaction.box(image.width, image.height)
        area = result.crop(box)
        block = max(REDACTION_MIN_BLOCK, math.ceil(max(area.size) / REDACTION_BLOCKS))
        small = area.resize(
            (max(1, math.ceil(area.width / block)), max(1, math.ceil(area.height / block))),
            Image.Resampling.BOX,
        )
        area = small.resize(area.size, Image.Resampling.NEAREST)
        # Cropped first, so the blur never reads or writes a pixel outside the rectangle.
        area = area.filter(ImageFilter.GaussianBlur(radius=block / 2))
        result.paste(area, box[:2])
    return result


def redacted_copy(content: bytes, redactions: list[Redaction]) -> CleanPhoto:
    """The stored photo ``content`` (a clean JPEG) with the rectangles blurred."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        redacted = redact_image(image.convert("RGB"), redactions)
    # A brand-new image again: nothing of the source file's headers is carried over.
    fresh = Image.new(redacted.mode, redacted.size)
    fresh.paste(redacted)
    out = io.BytesIO()
    fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(content=out.getvalue(), width=fresh.width, height=fresh.height)
