"""What a publisher reads back from WeChat: the published list (freepublish/batchget), a group
send's state (message/mass/get), draft removal (draft/delete), and the sandbox's own record
of every publish (GET /sandbox/publishes), which tests read to prove nothing went out twice."""

from __future__ import annotations

import time
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from matrix.sandbox.core import WxError, authenticate, json_body, store_of, wx_ok

bp = Blueprint("sandbox_records")

OFFICIAL = ("subscription", "service")
BATCH_MAX = 20


def _int(data: dict[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WxError(47001, "data format error")
    return value


@bp.post("/cgi-bin/freepublish/batchget")
async def batchget(request: Request) -> HTTPResponse:
    """Successfully published articles, newest first, as WeChat lists them."""
    app = await authenticate(request, kinds=OFFICIAL)
    data = json_body(request)
    offset, count = _int(data, "offset", 0), _int(data, "count", 20)
    if offset < 0 or not 1 <= count <= BATCH_MAX:
        raise WxError(40097, "invalid args")
    no_content = bool(data.get("no_content"))
    store = store_of(request)
    published = []
    for job in store.kv_list("publish", app["appid"]):
        if job["publish_status"] != 0:
            continue
        draft = store.kv_get("draft", app["appid"], job["media_id"]) or {"articles": []}
        news = []
        for i, article in enumerate(draft["articles"]):
            item = {
                "title": article["title"],
                "author": article["author"],
                "digest": article["digest"],
                "content_source_url": article["content_source_url"],
                "thumb_media_id": article["thumb_media_id"],
                "url": job["article_urls"][i] if i < len(job["article_urls"]) else "",
                "is_deleted": False,
            }
            if not no_content:
                item["content"] = article["content"]
            news.append(item)
        finished = int(job.get("finished_at") or job["created_at"])
        published.append(
            {
                "article_id": job["article_id"],
                "content": {
                    "news_item": news,
                    "create_time": int(job["created_at"]),
                    "update_time": finished,
                },
                "update_time": finished,
            }
        )
    published.sort(key=lambda p: -p["update_time"])
    page = published[offset : offset + count]
    return wx_ok(request, total_count=len(published), item_count=len(page), item=page)


@bp.post("/cgi-bin/draft/delete")
async def delete_draft(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    media_id = json_body(request).get("media_id")
    store = store_of(request)
    if not isinstance(media_id, str) or store.kv_get("draft", app["appid"], media_id) is None:
        raise WxError(40007, "invalid media_id")
    store.kv_delete("draft", app["appid"], media_id)
    return wx_ok(request)


@bp.post("/cgi-bin/message/mass/get")
async def mass_get(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    msg_id = json_body(request).get("msg_id")
    store = store_of(request)
    job = store.kv_get("mass", app["appid"], str(msg_id)) if msg_id is not None else None
    if job is None:
        raise WxError(40007, "invalid msg_id")
    done = job.get("finished") or time.time() >= job["complete_at"]
    return wx_ok(request, msg_id=job["msg_id"], msg_status="SEND_SUCCESS" if done else "SENDING")


@bp.get("/sandbox/publishes")
async def list_publishes(request: Request) -> HTTPResponse:
    """Every freepublish/submit the sandbox accepted (and every group send), per account."""
    store = store_of(request)
    appid = request.args.get("appid") or None
    publishes = []
    for job in store.kv_list("publish", appid):
        draft = store.kv_get("draft", job["appid"], job["media_id"]) or {"articles": []}
        publishes.append(
            {
                "appid": job["appid"],
                "publish_id": job["publish_id"],
                "media_id": job["media_id"],
                "titles": [a["title"] for a in draft["articles"]],
                "publish_status": job["publish_status"],
                "article_urls": job["article_urls"],
                "created_at": job["created_at"],
            }
        )
    masses = [
        {
            "appid": job["appid"],
            "msg_id": job["msg_id"],
            "clientmsgid": job["clientmsgid"],
            "titles": job["content"].get("titles", []),
            "finished": bool(job.get("finished")),
            "created_at": job["created_at"],
        }
        for job in store.kv_list("mass", appid)
    ]
    return json_response({"publishes": publishes, "masses": masses})
