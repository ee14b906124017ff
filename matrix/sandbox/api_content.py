"""Images, permanent materials, drafts and free publishing (asynchronous, with PUBLISHJOBFINISH)."""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import time
from typing import Any

from sanic import Blueprint, DefaultSanic, Request
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse, raw
from sanic.response import html as html_response

from matrix.sandbox import events
from matrix.sandbox.core import WxError, authenticate, json_body, store_of, wx_ok
from matrix.sandbox.store import Store

bp = Blueprint("sandbox_content")

OFFICIAL = ("subscription", "service")
MAX_CONTENT_CHARS = 20_000
MAX_CONTENT_BYTES = 1024 * 1024
IMAGE_TYPES = {
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG": ("png", "image/png"),
    b"GIF8": ("gif", "image/gif"),
    b"BM": ("bmp", "image/bmp"),
}
# type → (allowed formats, size limit in bytes), as WeChat documents for permanent materials.
MATERIAL_LIMITS = {
    "image": ({"jpg", "png", "gif", "bmp"}, 10 * 1024 * 1024),
    "thumb": ({"jpg"}, 64 * 1024),
    "voice": (None, 2 * 1024 * 1024),
    "video": (None, 10 * 1024 * 1024),
}
PUBLISH_STATUS_LABELS = {
    0: "发布成功",
    1: "发布中",
    2: "原创审核不通过",
    3: "发布失败",
    4: "平台审核不通过",
    5: "已删除",
    6: "已封禁",
}


def sniff_image(data: bytes) -> tuple[str, str] | None:
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    return None


def _upload(request: Request) -> Any:
    upload = request.files.get("media") if request.files else None
    if upload is None or not upload.body:
        raise WxError(41005, "media data missing")
    return upload


def _save_media(request: Request, appid: str, data: bytes, ext: str) -> tuple[str, str]:
    store = store_of(request)
    name = f"{secrets.token_hex(12)}.{ext}"
    (store.media_dir / name).write_bytes(data)
    return name, f"{request.scheme}://{request.host}/sandbox/media/{name}"


@bp.post("/cgi-bin/media/uploadimg")
async def upload_image(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    upload = _upload(request)
    kind = sniff_image(upload.body)
    if kind is None or kind[0] not in ("jpg", "png"):
        raise WxError(40005, "invalid file type")
    if len(upload.body) > 1024 * 1024:
        raise WxError(40009, "invalid image size")
    name, url = _save_media(request, app["appid"], upload.body, kind[0])
    store_of(request).kv_put("image", app["appid"], name, {"name": name, "url": url})
    return wx_ok(request, url=url)


@bp.post("/cgi-bin/material/add_material")
async def add_material(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    media_type = request.args.get("type", "")
    if media_type not in MATERIAL_LIMITS:
        raise WxError(40004, "invalid media type")
    upload = _upload(request)
    formats, limit = MATERIAL_LIMITS[media_type]
    kind = sniff_image(upload.body)
    if formats is not None and (kind is None or kind[0] not in formats):
        raise WxError(40005, "invalid file type")
    if len(upload.body) > limit:
        raise WxError(40009 if formats else 40006, "invalid media size")
    ext = kind[0] if kind else "bin"
    name, url = _save_media(request, app["appid"], upload.body, ext)
    media_id = secrets.token_urlsafe(32)
    material = {"media_id": media_id, "type": media_type, "name": name, "url": url}
    store_of(request).kv_put("material", app["appid"], media_id, material)
    data: dict[str, Any] = {"media_id": media_id}
    if media_type in ("image", "thumb"):
        data["url"] = url
    request.ctx.errcode = 0
    return wx_ok(request, **data)


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>|<script\b[^>]*/?>", re.I | re.S)
_HANDLER = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)
_JS_URL = re.compile(r"(href|src)\s*=\s*([\"'])\s*javascript:[^\"']*\2", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(r"src\s*=\s*([\"'])(.*?)\1", re.I | re.S)


def clean_content(content: str, own_prefix: str) -> tuple[str, dict[str, int]]:
    """Strip scripts, event handlers and external images, as WeChat does to article HTML."""
    stripped = {"scripts": 0, "external_images": 0}
    content, stripped["scripts"] = _SCRIPT.subn("", content)
    content, handlers = _HANDLER.subn("", content)
    content, js_urls = _JS_URL.subn(r"\1=\2#\2", content)
    stripped["scripts"] += handlers + js_urls

    def keep_own_images(match: re.Match[str]) -> str:
        src = _SRC.search(match.group(0))
        if src and src.group(2).startswith(own_prefix):
            return match.group(0)
        stripped["external_images"] += 1
        return ""

    return _IMG.sub(keep_own_images, content), stripped


def _check_article(store: Store, appid: str, article: Any, own_prefix: str) -> dict[str, Any]:
    if not isinstance(article, dict):
        raise WxError(47001, "data format error")
    title, content = article.get("title"), article.get("content")
    if not isinstance(title, str) or not title.strip():
        raise WxError(44003, "empty news data: title")
    if len(title) > 64:
        raise WxError(45003, "title size out of limit")
    if not isinstance(content, str) or not content.strip():
        raise WxError(44004, "empty content")
    if len(content) >= MAX_CONTENT_CHARS or len(content.encode()) >= MAX_CONTENT_BYTES:
        raise WxError(45002, "content size out of limit")
    author = article.get("author") or ""
    if not isinstance(author, str) or len(author) > 16:
        raise WxError(45110, "author size out of limit")
    digest = article.get("digest") or ""
    if not isinstance(digest, str) or len(digest) > 120:
        raise WxError(45004, "description size out of limit")
    source_url = article.get("content_source_url") or ""
    if not isinstance(source_url, str) or len(source_url) > 1024:
        raise WxError(45005, "url size out of limit")
    thumb = article.get("thumb_media_id")
    material = store.kv_get("material", appid, thumb) if isinstance(thumb, str) else None
    if material is None or material["type"] not in ("image", "thumb"):
        raise WxError(40007, "invalid media_id")
    cleaned, stripped = clean_content(content, own_prefix)
    return {
        "title": title,
        "author": author,
        "digest": digest or re.sub(r"<[^>]+>", "", cleaned)[:54],
        "content": cleaned,
        "content_source_url": source_url,
        "thumb_media_id": thumb,
        "thumb_url": material["url"],
        "need_open_comment": int(bool(article.get("need_open_comment"))),
        "only_fans_can_comment": int(bool(article.get("only_fans_can_comment"))),
        "stripped": stripped,
    }


@bp.post("/cgi-bin/draft/add")
async def add_draft(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    data = json_body(request)
    articles = data.get("articles")
    if not isinstance(articles, list) or not articles:
        raise WxError(44003, "empty news data")
    if len(articles) > 8:
        raise WxError(45008, "article size out of limit")
    store = store_of(request)
    own_prefix = f"{request.scheme}://{request.host}/sandbox/media/"
    checked = [_check_article(store, app["appid"], a, own_prefix) for a in articles]
    media_id = secrets.token_urlsafe(32)
    draft = {"media_id": media_id, "articles": checked, "created_at": time.time()}
    store.kv_put("draft", app["appid"], media_id, draft)
    return wx_ok(request, media_id=media_id)


@bp.post("/cgi-bin/draft/get")
async def get_draft(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    media_id = json_body(request).get("media_id")
    draft = store_of(request).kv_get("draft", app["appid"], str(media_id))
    if draft is None:
        raise WxError(40007, "invalid media_id")
    items = [
        {k: v for k, v in a.items() if k not in ("stripped", "thumb_url")}
        for a in draft["articles"]
    ]
    return wx_ok(request, news_item=items)


@bp.post("/cgi-bin/freepublish/submit")
async def submit_publish(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    media_id = json_body(request).get("media_id")
    store = store_of(request)
    if not isinstance(media_id, str) or store.kv_get("draft", app["appid"], media_id) is None:
        raise WxError(40007, "invalid media_id")
    publish_id = str(2247480000 + secrets.randbelow(10**9))
    outcome = 0
    for fault in request.app.ctx.faults:
        if fault.get("publish_status") is not None and fault.get("appid") in (None, app["appid"]):
            outcome = fault["publish_status"]
    job = {
        "publish_id": publish_id,
        "appid": app["appid"],
        "media_id": media_id,
        "publish_status": 1,
        "outcome": outcome,
        "base_url": f"{request.scheme}://{request.host}",
        "created_at": time.time(),
        "complete_at": time.time() + request.app.ctx.event_delay,
        "article_id": None,
        "article_urls": [],
    }
    store.kv_put("publish", app["appid"], publish_id, job)
    events.spawn(request.app, finish_publish_later(request.app, publish_id))
    return wx_ok(request, publish_id=publish_id, msg_data_id=int(publish_id) + 1)


@bp.post("/cgi-bin/freepublish/get")
async def get_publish(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    publish_id = str(json_body(request).get("publish_id") or "")
    store = store_of(request)
    job = store.kv_get("publish", app["appid"], publish_id)
    if job is None:
        raise WxError(40007, "invalid publish_id")
    if job["publish_status"] == 1 and time.time() >= job["complete_at"]:
        job = _complete(request.app, publish_id) or job
    data: dict[str, Any] = {"publish_id": publish_id, "publish_status": job["publish_status"]}
    if job["publish_status"] == 0:
        data["article_id"] = job["article_id"]
        data["article_detail"] = {
            "count": len(job["article_urls"]),
            "item": [{"idx": i + 1, "article_url": u} for i, u in enumerate(job["article_urls"])],
        }
    if job["publish_status"] in (2, 3, 4):
        data["fail_idx"] = [1]
    return wx_ok(request, **data)


async def finish_publish_later(sanic_app: DefaultSanic, publish_id: str) -> None:
    store: Store = sanic_app.ctx.store
    job = store.kv_find("publish", publish_id)[1]
    if job is None:
        return
    await asyncio.sleep(max(0.0, job["complete_at"] - time.time()))
    finished = _complete(sanic_app, publish_id)
    if finished is None:
        return
    app = store.get_app(finished["appid"])
    if app is None:
        return
    event: dict[str, Any] = {
        "ToUserName": app["original_id"],
        "FromUserName": "oSandboxPublisher",
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "PUBLISHJOBFINISH",
        "PublishEventInfo": {
            "publish_id": int(publish_id),
            "publish_status": finished["publish_status"],
        },
    }
    if finished["publish_status"] == 0:
        event["PublishEventInfo"]["article_id"] = finished["article_id"]
        event["PublishEventInfo"]["article_detail"] = {
            "count": len(finished["article_urls"]),
            "item": [
                {"idx": i + 1, "article_url": u} for i, u in enumerate(finished["article_urls"])
            ],
        }
    else:
        event["PublishEventInfo"]["fail_idx"] = [1]
    await events.deliver(sanic_app, app, event, openid=None)


def _complete(sanic_app: DefaultSanic, publish_id: str) -> dict[str, Any] | None:
    """Move a publish from 'publishing' to its outcome; None when it was already done."""
    store: Store = sanic_app.ctx.store
    job = store.kv_find("publish", publish_id)[1]
    if job is None or job["publish_status"] != 1:
        return None
    job["publish_status"] = job["outcome"]
    job["finished_at"] = time.time()
    if job["outcome"] == 0:
        draft = store.kv_get("draft", job["appid"], job["media_id"]) or {"articles": []}
        job["article_id"] = secrets.token_urlsafe(32)
        job["article_urls"] = [
            f"{job['base_url']}/sandbox/articles/{job['article_id']}/{i + 1}"
            for i in range(len(draft["articles"]))
        ]
        store.kv_put("article", job["appid"], job["article_id"], {**draft, "job": publish_id})
    store.kv_put("publish", job["appid"], publish_id, job)
    return job


@bp.get("/sandbox/media/<name:str>")
async def serve_media(request: Request, name: str) -> HTTPResponse:
    if not re.fullmatch(r"[0-9a-f]{24}\.[a-z]{3}", name):
        raise NotFound("no such media")
    path = store_of(request).media_dir / name
    if not path.is_file():
        raise NotFound("no such media")
    kind = sniff_image(path.read_bytes()[:8])
    return raw(path.read_bytes(), content_type=kind[1] if kind else "application/octet-stream")


@bp.get("/sandbox/articles/<article_id:str>/<idx:int>")
async def show_article(request: Request, article_id: str, idx: int) -> HTTPResponse:
    store = store_of(request)
    appid, article_set = store.kv_find("article", article_id)
    if not article_set or not 1 <= idx <= len(article_set["articles"]):
        raise NotFound("no such article")
    article = article_set["articles"][idx - 1]
    app = store.get_app(appid) or {"name": ""}
    page = (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        f"<title>{html.escape(article['title'])}</title>"
        "<body style='max-width:680px;margin:2em auto;font-family:sans-serif'>"
        f"<h1>{html.escape(article['title'])}</h1>"
        f"<p style='color:#888'>{html.escape(app['name'])} · {html.escape(article['author'])}</p>"
        f"<article>{article['content']}</article></body></html>"
    )
    return html_response(page)
