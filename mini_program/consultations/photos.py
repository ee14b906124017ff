"""Residents' photos: checked by content, refused when they are bombs, re-encoded clean.

What the phone says a file is counts for nothing: the first bytes must be JPEG, PNG or WebP,
Pillow must verify the file, and the header's pixel count must stay under the cap before a
single pixel is decoded (a 100 KB PNG can declare 400 million pixels). The stored copy is a
fresh JPEG drawn from the pixels alone, so EXIF (camera, time, GPS location) never survives,
and a JPEG's orientation tag is applied first so the photo stays upright.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from gateway.errors import ApiError, Invalid
from mini_program.consultations.config import get_consultation_settings, photo_dir

JPEG_QUALITY = 82
# Pillow's own bomb check reads this module-level limit; ours is stricter and checked first.
Image.MAX_IMAGE_PIXELS = get_consultation_settings().max_photo_pixels

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"WEBP", 8, "WEBP"),
)
# Decoding is CPU- and memory-heavy: a few photos at a time per process, off the event loop.
_decoding = asyncio.Semaphore(2)


class PhotoRejected(Invalid):
    code = "photo_invalid"


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The image format the bytes really are (JPEG, PNG, WEBP), or None."""
    for magic, offset, fmt in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if fmt == "WEBP" and data[:4] != b"RIFF":
                continue
            return fmt
    return None


def _refuse(message: str) -> PhotoRejected:
    return PhotoRejected(message, fields={"file": message})


def clean_photo(data: bytes) -> CleanPhoto:
    """Check an uploaded photo and re-encode it; PhotoRejected (422) says what is wrong."""
    settings = get_consultation_settings()
    if not data:
        raise _refuse("照片是空文件")
    if len(data) > settings.max_photo_bytes:
        mb = settings.max_photo_bytes // (1024 * 1024)
        raise ApiError(
            f"照片不能超过 {mb} MB", code="photo_too_large", status=413, fields={"file": "太大"}
        )
    fmt = sniff(data)
    if fmt is None:
        raise _refuse("只能上传 JPEG、PNG 或 WebP 格式的照片")
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != fmt:
                    raise _refuse("照片内容与格式不符")
                width, height = probe.size
                if width * height > settings.max_photo_pixels or min(width, height) < 1:
                    raise _refuse("照片像素过多，无法处理，请压缩后再上传")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (settings.photo_long_side, settings.photo_long_side))
                upright = ImageOps.exif_transpose(image)
                rgb = upright.convert("RGB")
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refuse("照片像素过多，无法处理，请压缩后再上传") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            # verify() and decoding raise these for truncated or corrupt files.
            raise _refuse("照片文件已损坏或不是图片") from exc
    rgb.thumbnail((settings.photo_long_side, settings.photo_long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image from pixels only: no exif=, no icc_profile=, nothing of the original's info.
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return CleanPhoto(jpeg=out.getvalue(), width=rgb.width, height=rgb.height)


async def clean_photo_async(data: bytes) -> CleanPhoto:
    """clean_photo in a worker thread (Pillow releases the GIL while it decodes)."""
    async with _decoding:
        return await asyncio.to_thread(clean_photo, data)


def store(photo: CleanPhoto) -> tuple[str, str]:
    """Write a cleaned photo under the private photo directory: (token, relative path)."""
    token = secrets.token_hex(16)
    relative = f"{token[:2]}/{token}.jpg"
    target = photo_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(photo.jpeg)
    tmp.replace(target)
    return token, relative


def path_of(relative: str) -> Path:
    return photo_dir() / relative


def remove(relative: str) -> None:
    path_of(relative).unlink(missing_ok=True)
