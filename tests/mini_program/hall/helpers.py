"""Helpers shared by the hall's tests: an admin's headers, making a spot, decoding images."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import zxingcpp
from PIL import Image

from tests.gateway.staff_helpers import sign_in

QR = "/api/v1/admin/qr"


async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await sign_in(api, "admin")


async def make_spot(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    name: str = "3 号查询机",
    place: str = "一楼政务公开专区",
    target: dict[str, Any] | None = None,
) -> dict[str, Any]:
    response = await api.post(
        f"{QR}/spots",
        headers=headers,
        json={
            "name": name,
            "place": place,
            "target": target or {"page": "pages/item/index", "params": {"id": 1}},
        },
    )
    assert response.status_code == 201, response.text
    spot: dict[str, Any] = response.json()["spot"]
    return spot


def decode(png: bytes) -> list[str]:
    """What a phone's scanner reads from an image (ZXing)."""
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pdf_pages(pdf: bytes, *, dpi: int = 60) -> list[bytes]:
    """The PDF's pages as PNG images (poppler's pdftoppm), as a printer would put them."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(source), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
        )
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]
