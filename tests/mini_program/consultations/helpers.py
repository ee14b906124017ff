"""Helpers for the consultation tests: residents and staff, photos of every kind, questions."""

from __future__ import annotations

import io
import secrets
import struct
import zlib
from datetime import datetime
from typing import Any

import httpx
from PIL import Image

from gateway.config import get_settings
from mini_program.consultations.models import Channel, Consultation, Kind
from mini_program.consultations.service import intake
from tests.gateway.staff_helpers import sign_in

__all__ = ["sign_in"]

QUESTION = "请问孩子今年秋季上小学一年级，需要准备哪些报名材料？"


async def resident(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, openid: str | None = None
) -> dict[str, str]:
    """Log a resident in as the mini-program does; the Authorization header."""
    openid = openid or "oRes" + secrets.token_hex(10)
    minted = await sandbox.post(
        "/sandbox/wx-login", json={"openid": openid, "appid": get_settings().mp_appid}
    )
    assert minted.status_code == 200, minted.text
    login = await api.post("/api/v1/mp/login", json={"code": minted.json()["code"]})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def key() -> str:
    return "k-" + secrets.token_hex(8)


async def domain_id(api: httpx.AsyncClient, name: str) -> int:
    domains = (await api.get("/api/v1/mp/domains")).json()["items"]
    return next(int(d["id"]) for d in domains if d["name"] == name)


def jpeg_with_location(size: tuple[int, int] = (640, 480)) -> bytes:
    """A phone photo: camera maker, orientation (rotate 90°) and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (33.0, 15.0, 30.0), 3: "E", 4: (116.0, 33.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (200, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 30000) -> bytes:
    """A tiny PNG whose header claims side × side pixels (900 million: a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


async def upload(
    api: httpx.AsyncClient, headers: dict[str, str], data: bytes, name: str = "photo.jpg"
) -> httpx.Response:
    """POST one photo as wx.uploadFile does (multipart, field `file`)."""
    return await api.post(
        "/api/v1/mp/consultations/photos",
        headers=headers,
        files={"file": (name, data, "image/jpeg")},
    )


async def submit(api: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> httpx.Response:
    body = {"text": QUESTION, "client_key": key(), **fields}
    return await api.post("/api/v1/mp/consultations", headers=headers, json=body)


async def question(
    *,
    received_at: datetime,
    text: str = QUESTION,
    kind: Kind = Kind.ENQUIRY,
    domain_id: int | None = None,
    department_code: str | None = None,
    channel: Channel = Channel.HALL,
    **columns: Any,
) -> Consultation:
    """A question written straight through the service, received at a pinned moment."""
    return await intake.create_consultation(
        channel=channel,
        kind=kind,
        domain_id=domain_id,
        text=text,
        received_at=received_at,
        department_code=department_code,
        **columns,
    )
