"""A resident tapping a document's attachment gets the real file: right size, right format."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import docx
import httpx
import openpyxl
import pytest
from PIL import Image

from mini_program.catalogue import demo
from mini_program.catalogue.demo import data as demo_data
from mini_program.catalogue.models import PolicyDocument
from tests.conftest import ROOT, assert_error

MEDIA_DIR = Path(os.environ["APP_MEDIA_DIR"])
ATTACHED = [d for d in demo_data.documents() if d.get("attachments")]


async def _listed(api: httpx.AsyncClient) -> list[dict]:
    """Every attachment of every demo document, as the mini-program's document API lists it."""
    found = []
    for spec in ATTACHED:
        document = await PolicyDocument.get(code=spec["code"])
        doc = (await api.get(f"/api/v1/mp/documents/{document.id}")).json()
        assert [a["name"] for a in doc["attachments"]] == spec["attachments"]
        found.extend(doc["attachments"])
    return found


def _assert_is(name: str, data: bytes) -> None:
    title = demo_data.attachment_title(name)
    ext = name.rsplit(".", 1)[-1]
    if ext == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        assert sheet["A1"].value == title
        assert sheet.max_row > 5
    elif ext == "docx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            assert "[Content_Types].xml" in archive.namelist()
        document = docx.Document(io.BytesIO(data))
        assert document.paragraphs[0].text == title
        assert len(document.paragraphs) > 3
    elif ext == "pdf":
        assert data.startswith(b"%PDF-")
        assert data.rstrip().endswith(b"%%EOF")
        assert b"/Type /Page" in data
    elif ext == "jpg":
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert image.size[0] >= 800
    else:
        raise AssertionError(f"unexpected attachment type {name}")


async def test_every_attachment_downloads_with_its_listed_size_and_real_format(api, db) -> None:
    listed = await _listed(api)
    assert {a["name"].rsplit(".", 1)[-1] for a in listed} == {"pdf", "docx", "xlsx", "jpg"}
    for attachment in listed:
        assert attachment["url"].startswith("/media/catalogue/")
        response = await api.get(attachment["url"])
        assert response.status_code == 200, attachment
        assert len(response.content) == attachment["size"], attachment["name"]
        _assert_is(attachment["name"], response.content)


async def test_downloads_name_the_file_in_chinese_and_say_what_it_is(api, db) -> None:
    expected = {
        "pdf": ("application/pdf", "inline"),
        "jpg": ("image/jpeg", "inline"),
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "attachment",
        ),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
    }
    for attachment in await _listed(api):
        response = await api.get(attachment["url"])
        content_type, disposition = expected[attachment["name"].rsplit(".", 1)[-1]]
        assert response.headers["content-type"] == content_type
        header = response.headers["content-disposition"]
        assert header.startswith(disposition + ";")
        encoded = header.split("filename*=UTF-8''", 1)[1]
        assert unquote(encoded) == attachment["name"]
        assert header.isascii()
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_large_attachment_can_be_fetched_in_ranges(api, db) -> None:
    pdf = next(a for a in await _listed(api) if a["name"].endswith(".pdf"))
    head = await api.get(pdf["url"], headers={"Range": "bytes=0-7"})
    assert head.status_code == 206
    assert head.content == b"%PDF-1.4"[: len(head.content)]
    assert len(head.content) == 8


async def test_the_files_live_under_media_dir_and_a_second_seed_rewrites_nothing(db) -> None:
    files = sorted(p for p in (MEDIA_DIR / "catalogue").rglob("*") if p.is_file())
    assert len(files) == sum(len(d["attachments"]) for d in ATTACHED)
    before = {p: p.stat().st_mtime_ns for p in files}
    await demo.seed()
    assert {p: p.stat().st_mtime_ns for p in files} == before


async def test_unknown_files_and_folders_answer_404_in_the_error_shape(api) -> None:
    for path in (
        "/media/catalogue/nope/附件.pdf",
        "/media/catalogue/",
        "/media/catalogue",
        "/media/catalogue/ywjy-2026-xuequ",
        "/media/a%00b.pdf",
    ):
        assert_error(await api.get(path), 404, "not_found")


async def _raw_get(base_url: str, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written: clients would normalise the dot segments away."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "target",
    [
        "/media/../pyproject.toml",
        "/media/%2e%2e/pyproject.toml",
        "/media/%2E%2E/%2E%2E/pyproject.toml",
        "/media/catalogue/..%2f..%2f..%2f..%2fpyproject.toml",
        "/media/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/media/..%5c..%5cpyproject.toml",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        f"/media/{ROOT}/pyproject.toml",
        "/media/catalogue/%252e%252e/%252e%252e/pyproject.toml",
    ],
)
async def test_path_traversal_never_leaves_media_dir(server_url: str, target: str) -> None:
    status, body = await _raw_get(server_url, target)
    assert status in (400, 404), (target, status)
    assert b"[project]" not in body
    assert b"root:" not in body
    if body:
        error = json.loads(body)["error"]
        assert set(error) >= {"code", "message", "fields"}


def test_the_demo_tables_totals_add_up() -> None:
    for document in ATTACHED:
        for name in document["attachments"]:
            content = demo_data.content_for(name, document)
            totals = [r for r in content.rows if r and r[0] == "合计"]
            if not totals:
                continue
            rows = [r for r in content.rows if r[0] != "合计"]
            for column, value in enumerate(totals[0]):
                if isinstance(value, int):
                    assert value == sum(int(r[column]) for r in rows), (name, column)
            assert totals[0][1] == f"{len(rows)}{totals[0][1].lstrip('0123456789')}", name
