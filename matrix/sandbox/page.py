"""GET /sandbox/: what each account in the sandbox is and what it has published."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html

from matrix.sandbox.api_content import PUBLISH_STATUS_LABELS
from matrix.sandbox.core import store_of
from matrix.sandbox.store import SHANGHAI, Store

bp = Blueprint("sandbox_page", url_prefix="/sandbox")

KIND_LABELS = {"subscription": "订阅号", "service": "服务号", "miniprogram": "小程序"}
STYLE = """
body{font-family:"WenQuanYi Micro Hei",sans-serif;margin:2em;color:#222;background:#fafafa}
h1{font-size:1.4em}section{background:#fff;border:1px solid #ddd;border-radius:6px;
padding:1em;margin:1em 0}h2{font-size:1.1em;margin:0 0 .5em}table{border-collapse:collapse}
td,th{padding:.2em .8em;border-bottom:1px solid #eee;text-align:left;font-size:.9em}
.muted{color:#888}.ok{color:#080}.bad{color:#b00}
"""


def _time(ts: float | None) -> str:
    if not ts:
        return "—"
    return datetime.fromtimestamp(ts, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _publishes(store: Store, appid: str) -> str:
    jobs = sorted(store.kv_list("publish", appid), key=lambda j: -j["created_at"])
    if not jobs:
        return "<p class='muted'>尚未发布文章</p>"
    rows = []
    for job in jobs[:50]:
        draft = store.kv_get("draft", appid, job["media_id"]) or {"articles": []}
        status = job["publish_status"]
        label = PUBLISH_STATUS_LABELS.get(status, str(status))
        css = "ok" if status == 0 else ("muted" if status == 1 else "bad")
        links = []
        for i, article in enumerate(draft["articles"]):
            title = escape(article["title"])
            if i < len(job["article_urls"]):
                links.append(f"<a href='{escape(job['article_urls'][i])}'>{title}</a>")
            else:
                links.append(title)
        rows.append(
            f"<tr><td>{_time(job['created_at'])}</td><td class='{css}'>{label}</td>"
            f"<td>{'<br>'.join(links)}</td><td class='muted'>{escape(job['publish_id'])}</td></tr>"
        )
    return (
        "<table><tr><th>提交时间</th><th>状态</th><th>文章</th><th>publish_id</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _app_section(store: Store, app: dict[str, Any]) -> str:
    appid = app["appid"]
    fans = [f for f in store.kv_list("follower", appid) if f.get("subscribed")]
    outbox = store.kv_list("outbox", appid)
    counts = {k: sum(1 for e in outbox if e["kind"] == k) for k in ("mass", "custom", "subscribe")}
    deliveries = store.kv_list("delivery", appid)
    failed = sum(1 for d in deliveries if not d["delivered"])
    calls = store.list_calls(appid, None, limit=1)
    codes = len(store.kv_list("wxacode", appid))
    mode = "安全模式" if app["encoding_aes_key"] else "明文模式"
    parts = [
        f"<section><h2>{escape(app['name'])} <span class='muted'>"
        f"{KIND_LABELS.get(app['kind'], app['kind'])} · {escape(appid)} · "
        f"{escape(app['original_id'])}</span></h2>",
        f"<p>回调地址：{escape(app['callback_url'] or '未配置')}（{mode}）</p>",
        f"<p>粉丝：{len(fans)} · 群发：{counts['mass']} 次 · 客服消息：{counts['custom']} 条 · "
        f"订阅消息：{counts['subscribe']} 条 · 小程序码：{codes} 个 · "
        f"回调推送：{len(deliveries)} 次（失败 {failed} 次） · "
        f"最近调用：{_time(calls[-1]['at']) if calls else '—'}</p>",
    ]
    if app["kind"] != "miniprogram":
        parts.append("<h3>已发布</h3>" + _publishes(store, appid))
    parts.append("</section>")
    return "".join(parts)


@bp.get("/")
async def index(request: Request) -> HTTPResponse:
    store = store_of(request)
    apps = store.list_apps()
    body = "".join(_app_section(store, app) for app in apps) or (
        "<p class='muted'>还没有注册任何账号。"
        "运行 <code>govmatrix seed-demo</code> 注册演示县的账号。</p>"
    )
    page = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>微信沙箱</title><style>{STYLE}</style></head><body>"
        f"<h1>微信沙箱 <span class='muted'>（{len(apps)} 个账号）</span></h1>"
        "<p class='muted'>本页模拟微信公众平台：列出每个账号及其发布的内容。"
        "调用记录见 <a href='/sandbox/calls'>/sandbox/calls</a>。</p>"
        f"{body}</body></html>"
    )
    return html(page)
