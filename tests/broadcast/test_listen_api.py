"""Residents listen to catalogue documents: 202 with progress while made, then the MP3."""

from __future__ import annotations

import hashlib
from datetime import date

import httpx

from broadcast.models import Audio
from broadcast.service.audio import audio_path
from mini_program.catalogue.models import PolicyDocument
from tests.broadcast.audio_check import loudness, probe
from tests.broadcast.helpers import run_synthesis
from tests.conftest import assert_error


async def _new_document(body: str) -> int:
    import uuid

    # The catalogue's documents arrive by its importer; a row stands for one here.
    document = await PolicyDocument.create(
        code=f"listen-{uuid.uuid4().hex[:8]}",
        title="关于做好冬季取暖安全工作的通知",
        doc_no="蒙应急〔2026〕9号",
        issuer="蒙城县应急管理局",
        # Dated, like every catalogue document (lists sort by publication date).
        published_on=date(2025, 11, 20),
        body=body,
    )
    return document.id


async def test_a_document_is_made_once_then_served_with_range(
    client: httpx.AsyncClient, db: None
) -> None:
    document_id = await _new_document(
        "<p>入冬以来，煤炭取暖增多。</p><table><tr><td>表格不读</td></tr></table>"
        "<p>请各户注意通风，发现中毒立即拨打120。</p><p>附件：1. 检查表.docx</p>"
    )
    url = f"/api/v1/mp/documents/{document_id}/audio"
    pending = await client.get(url)
    assert pending.status_code == 202
    assert pending.headers["retry-after"] == "3"
    body = pending.json()
    assert body["state"] == "pending"
    assert body["retry_after"] == 3
    assert body["title"] == "关于做好冬季取暖安全工作的通知"
    assert 0 <= body["progress"] < 100
    again = await client.get(url)  # asking again does not queue a second synthesis
    assert again.status_code == 202
    assert await run_synthesis() >= 1
    whole = await client.get(url)
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"] == "audio/mpeg"
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole.content[100:200]
    audio = await Audio.get(sha256=hashlib.sha256(whole.content).hexdigest())
    assert "表格不读" not in audio.text
    assert "检查表" not in audio.text
    assert "幺二零" in audio.text
    assert "蒙应急二零二六年第九号" in audio.text
    assert audio.repeats == 1
    assert audio.chime is False
    lufs, peak = loudness(audio_path(audio))
    assert abs(lufs + 16) <= 1
    assert peak <= -1.5
    assert probe(audio_path(audio))["codec_name"] == "mp3"


async def test_an_edited_document_is_made_again(client: httpx.AsyncClient, db: None) -> None:
    document_id = await _new_document("第一稿：请于12月10日前报名。")
    url = f"/api/v1/mp/documents/{document_id}/audio"
    await client.get(url)
    await run_synthesis()
    first = await client.get(url)
    assert first.status_code == 200
    # The importer updates the row when the county re-issues the document's text.
    await PolicyDocument.filter(id=document_id).update(body="第二稿：请于12月20日前报名。")
    changed = await client.get(url)
    assert changed.status_code == 202
    await run_synthesis()
    second = await client.get(url)
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    assert second.content != first.content


async def test_unknown_documents_are_not_found(client: httpx.AsyncClient, db: None) -> None:
    assert_error(await client.get("/api/v1/mp/documents/999999/audio"), 404, "document_not_found")
    assert_error(await client.get("/api/v1/mp/documents/0/audio"), 404)
    assert_error(await client.get("/api/v1/mp/documents/99999999999999999999/audio"), 404)
    assert_error(await client.get("/api/v1/mp/documents/abc/audio"), 404)
