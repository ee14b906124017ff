"""Publishing through the client against the sandbox: images, covers, drafts, freepublish and
the encrypted PUBLISHJOBFINISH event that arrives at the account's callback URL."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from matrix.wechat import service
from matrix.wechat.errors import InvalidRequestError
from tests.matrix.wechat.support import callback_receiver, eventually, register_app


def jpeg(size: tuple[int, int] = (120, 80), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=70)
    return out.getvalue()


async def test_published_article_completes_and_its_event_reaches_the_callback(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    with callback_receiver() as receiver:
        app = await register_app(sandbox, "subscription", callback_url=receiver.url)
        image_url = await service.upload_image(**app.creds, content=jpeg(), filename="a.jpg")
        cover = await service.add_material(
            **app.creds, content=jpeg(), filename="cover.jpg", media_type="thumb"
        )
        content = (
            f"<p>蒙城县2026年义务教育招生政策解读</p><img src='{image_url}'>"
            "<script>alert(1)</script><img src='https://example.com/x.png'>"
        )
        media_id = await service.add_draft(
            **app.creds,
            articles=[
                {
                    "title": "义务教育招生政策解读",
                    "content": content,
                    "thumb_media_id": cover["media_id"],
                    "author": "县教育局",
                }
            ],
        )
        publish_id = await service.publish(**app.creds, media_id=media_id)
        first = await service.get_publish_status(**app.creds, publish_id=publish_id)
        assert first["publish_status"] in (0, 1)

        async def done() -> dict | None:
            status = await service.get_publish_status(**app.creds, publish_id=publish_id)
            return status if status["publish_status"] == 0 else None

        status = await eventually(done)
        assert status["article_id"]
        assert len(status["article_urls"]) == 1

        await eventually(lambda: receiver.received)
        event = receiver.decrypted(app)[0]
        assert event["Event"] == "PUBLISHJOBFINISH"
        info = event["PublishEventInfo"]
        assert info["publish_id"] == publish_id
        assert info["publish_status"] == "0"
        assert info["article_id"] == status["article_id"]
        # The signature in the query is WeChat's: sha1 over token, timestamp and nonce.
        assert receiver.received[0].query["encrypt_type"] == "aes"

    article = await sandbox.get(status["article_urls"][0])
    assert "义务教育招生政策解读" in article.text
    assert "<script>" not in article.text
    assert "example.com" not in article.text
    assert image_url in article.text


async def test_review_rejection_is_reported_as_status_4(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "service")
    await sandbox.post("/sandbox/faults", json={"appid": app.appid, "publish_status": 4})
    try:
        cover = await service.add_material(**app.creds, content=jpeg(), filename="c.jpg")
        media_id = await service.add_draft(
            **app.creds,
            articles=[
                {"title": "通知", "content": "<p>正文</p>", "thumb_media_id": cover["media_id"]}
            ],
        )
        publish_id = await service.publish(**app.creds, media_id=media_id)
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": app.appid})

    async def finished() -> dict | None:
        status = await service.get_publish_status(**app.creds, publish_id=publish_id)
        return status if status["publish_status"] != 1 else None

    status = await eventually(finished)
    assert status["publish_status"] == 4
    assert status["fail_idx"] == [1]


async def test_draft_rules_are_enforced(sandbox: httpx.AsyncClient, db: None) -> None:
    app = await register_app(sandbox, "service")
    cover = await service.add_material(**app.creds, content=jpeg(), filename="c.jpg")
    article = {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": cover["media_id"]}
    cases = [
        ({**article, "thumb_media_id": "no-such-material"}, 40007),
        ({**article, "content": "字" * 20_000}, 45002),
        ({**article, "title": "长" * 65}, 45003),
    ]
    for bad, errcode in cases:
        with pytest.raises(InvalidRequestError) as caught:
            await service.add_draft(**app.creds, articles=[bad])
        assert caught.value.errcode == errcode
    with pytest.raises(InvalidRequestError) as caught:
        await service.publish(**app.creds, media_id="no-such-draft")
    assert caught.value.errcode == 40007


async def test_thumb_material_must_be_a_small_jpeg(sandbox: httpx.AsyncClient, db: None) -> None:
    app = await register_app(sandbox, "service")
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    with pytest.raises(InvalidRequestError) as caught:
        await service.add_material(
            **app.creds, content=png.getvalue(), filename="c.png", media_type="thumb"
        )
    assert caught.value.errcode == 40005
    with pytest.raises(InvalidRequestError):
        await service.upload_image(**app.creds, content=b"not an image", filename="x.jpg")
