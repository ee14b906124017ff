"""Article images (covers and pictures in the body): checked, normalised to what WeChat takes,
stored once by content under APP_MEDIA_DIR/push/, and accounts' default covers."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway.audit import record_by
from gateway.config import get_settings
from gateway.errors import Invalid, NotFound
from push.content import IMAGE_PATH_PREFIX
from push.models import AccountCover, ArticleImage
from push.service.common import StaffRef

log = logging.getLogger("govmatrix.push.images")

# WeChat's media/uploadimg takes JPEG or PNG up to 1 MB; wider than a phone is wasted.
MAX_BYTES = 1024 * 1024
MAX_WIDTH = 1080
# Decoding is refused past this many pixels (a small file can expand to gigabytes).
MAX_PIXELS = 40_000_000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
COVER_SIZE = (900, 383)  # WeChat's 2.35:1 article cover
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
BRAND = (183, 28, 28)


@dataclass(frozen=True)
class Normalised:
    data: bytes
    ext: str
    width: int
    height: int


def _encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return out.getvalue()


def normalise(data: bytes) -> Normalised:
    """JPEG or PNG, at most MAX_WIDTH wide and under 1 MB; raises Invalid for non-images."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.load()
            img = probe.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise Invalid(
            "图片无法识别", fields={"file": "请上传 JPG 或 PNG 图片（其他格式会被转换）"}
        ) from exc
    if fmt in ("JPEG", "PNG") and img.width <= MAX_WIDTH and len(data) < MAX_BYTES:
        return Normalised(data, "jpg" if fmt == "JPEG" else "png", img.width, img.height)
    if img.width > MAX_WIDTH:
        img = img.resize((MAX_WIDTH, max(1, round(img.height * MAX_WIDTH / img.width))))
    has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        png = _encode(img.convert("RGBA"), "PNG", optimize=True)
        if len(png) < MAX_BYTES:
            return Normalised(png, "png", img.width, img.height)
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img.convert("RGBA"), mask=img.convert("RGBA").split()[3])
        img = flat
    rgb = img.convert("RGB")
    for quality in (85, 75, 60, 45):
        jpeg = _encode(rgb, "JPEG", quality=quality, optimize=True)
        if len(jpeg) < MAX_BYTES:
            return Normalised(jpeg, "jpg", rgb.width, rgb.height)
    raise Invalid("图片过大", fields={"file": "图片压缩后仍超过 1MB，请换一张较小的图片"})


def image_dir() -> Path:
    return get_settings().media_dir / "push"


def image_path(image: ArticleImage) -> Path:
    return image_dir() / f"{image.id}.{image.ext}"


def image_url(image_id: str, ext: str) -> str:
    return f"{IMAGE_PATH_PREFIX}{image_id}.{ext}"


async def store_image(*, data: bytes, filename: str, who: StaffRef) -> ArticleImage:
    """Keep an uploaded image (once per content) and return it."""
    if not data:
        raise Invalid("没有收到图片", fields={"file": "请选择图片文件"})
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("图片过大", fields={"file": "图片不能超过 10MB"})
    done = await asyncio.to_thread(normalise, data)
    image_id = hashlib.sha256(done.data).hexdigest()[:32]
    existing = await ArticleImage.get_or_none(id=image_id)
    if existing is not None:
        return existing
    folder = image_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{image_id}.{done.ext}"
    # Written under a temporary name first, so a half-written file is never served.
    partial = target.with_suffix(".part")
    await asyncio.to_thread(partial.write_bytes, done.data)
    partial.replace(target)
    try:
        return await ArticleImage.create(
            id=image_id,
            filename=(filename or "image")[:128],
            ext=done.ext,
            content_type="image/jpeg" if done.ext == "jpg" else "image/png",
            size=len(done.data),
            width=done.width,
            height=done.height,
            created_by_name=who.name,
        )
    except IntegrityError:  # the same picture uploaded twice at once
        return await ArticleImage.get(id=image_id)


async def get_image(*, image_id: str) -> ArticleImage:
    image = await ArticleImage.get_or_none(id=image_id) if len(image_id) == 32 else None
    if image is None:
        raise NotFound("没有这张图片", code="image_not_found")
    return image


async def read_image(image: ArticleImage) -> bytes:
    return await asyncio.to_thread(image_path(image).read_bytes)


def _draw_cover(name: str) -> bytes:
    img = Image.new("RGB", COVER_SIZE, BRAND)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, COVER_SIZE[1] - 24, COVER_SIZE[0], COVER_SIZE[1]), fill=(140, 20, 20))
    if FONT_PATH.is_file():
        font = ImageFont.truetype(str(FONT_PATH), 72, index=0)
        box = draw.textbbox((0, 0), name, font=font)
        x = (COVER_SIZE[0] - (box[2] - box[0])) // 2
        y = (COVER_SIZE[1] - (box[3] - box[1])) // 2 - 20
        draw.text((x, y), name, font=font, fill=(255, 255, 255))
    else:  # without the CJK font the cover is the plain brand colour
        log.warning("font %s missing: default covers carry no account name", FONT_PATH)
    return _encode(img, "JPEG", quality=85)


async def default_cover(*, account_code: str, account_name: str) -> ArticleImage:
    """The cover used when an article has none: the account's own, else one drawn for it."""
    chosen = await AccountCover.get_or_none(account_code=account_code)
    if chosen is not None:
        image = await ArticleImage.get_or_none(id=chosen.image_id)
        if image is not None:
            return image
    data = await asyncio.to_thread(_draw_cover, account_name)
    return await store_image(data=data, filename=f"{account_code}-cover.jpg", who=StaffRef.system())


async def set_default_cover(*, account_code: str, image_id: str, who: StaffRef) -> None:
    """Choose an account's default cover (an uploaded image)."""
    await get_image(image_id=image_id)
    async with in_transaction():
        row = await AccountCover.get_or_none(account_code=account_code)
        if row is None:
            await AccountCover.create(account_code=account_code, image_id=image_id)
        else:
            row.image_id = image_id
            await row.save()
        await record_by(
            who,
            action="push.cover.set",
            target_type="matrix_account",
            target_id=account_code,
            detail={"image_id": image_id},
        )


async def default_covers() -> dict[str, str]:
    """Account code → URL of the default cover, for the accounts that chose one."""
    chosen = {row.account_code: row.image_id for row in await AccountCover.all()}
    found = {i.id: i for i in await ArticleImage.filter(id__in=list(chosen.values()))}
    return {
        code: image_url(found[image_id].id, found[image_id].ext)
        for code, image_id in chosen.items()
        if image_id in found
    }
