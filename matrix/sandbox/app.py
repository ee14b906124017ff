"""The sandbox's Sanic app: WeChat-shaped endpoints plus /sandbox/* controls for tests and dev."""

from __future__ import annotations

import json
import logging
import random
from functools import partial
from pathlib import Path

import httpx
from sanic import DefaultSanic, Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, redirect
from sanic.response import json as json_response

from matrix.sandbox import (
    api_auth,
    api_content,
    api_message,
    api_wxa,
    control,
    events,
    followers,
    page,
    subscribe,
)
from matrix.sandbox.core import WxError
from matrix.sandbox.store import Store

log = logging.getLogger("govmatrix.sandbox")


def create_app(
    state_dir: Path, *, event_delay: float = 3.0, name: str = "govmatrix-sandbox"
) -> DefaultSanic:
    app = Sanic(name, dumps=partial(json.dumps, ensure_ascii=False, separators=(",", ":")))
    app.config.REQUEST_MAX_SIZE = 12 * 1024 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.store = Store(state_dir)
    app.ctx.faults = app.ctx.store.kv_list("faults")
    app.ctx.random = random.Random()
    # Seconds before an asynchronous job (publish, group send) completes and its event is sent.
    app.ctx.event_delay = event_delay
    app.ctx.tasks = set()
    # Subscribe templates per app, read once (matrix/sandbox/subscribe.py).
    app.ctx.subscribe_templates = {}

    modules = (control, followers, subscribe, page, api_auth, api_content, api_message, api_wxa)
    for module in modules:
        app.blueprint(module.bp)

    # A developer opening the sandbox's bare address gets its page, not WeChat's 40066.
    @app.get("/", name="sandbox_root")
    async def _root(request: Request) -> HTTPResponse:
        return redirect("/sandbox/", status=302)

    @app.on_request
    async def _start(request: Request) -> None:
        request.ctx.appid = None
        request.ctx.errcode = None

    @app.on_response
    async def _record(request: Request, response: HTTPResponse) -> None:
        # Every WeChat-facing call is recorded (never its secrets or tokens: only the path).
        if request.path.startswith("/sandbox") or request.path == "/" or request.route is None:
            return
        errcode = request.ctx.errcode if request.ctx.errcode is not None else 0
        app.ctx.store.record_call(request.method, request.path, request.ctx.appid, errcode)

    @app.exception(WxError)
    async def _wx_error(request: Request, exc: WxError) -> HTTPResponse:
        request.ctx.errcode = exc.errcode
        return json_response({"errcode": exc.errcode, "errmsg": exc.errmsg, **exc.extra})

    @app.exception(Exception)
    async def _unexpected(request: Request, exc: Exception) -> HTTPResponse:
        # WeChat answers bodies it cannot use with 47001; the traceback shows sandbox bugs.
        log.exception("sandbox error on %s %s", request.method, request.path)
        request.ctx.errcode = 47001
        return json_response({"errcode": 47001, "errmsg": "data format error"})

    @app.exception(SanicException)
    async def _sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 500) or 500
        if status == 404 and not request.path.startswith("/sandbox"):
            # WeChat answers unknown API paths with a JSON error, not a 404 page.
            return json_response({"errcode": 40066, "errmsg": "invalid url"})
        return json_response({"error": {"code": "sandbox_error", "message": str(exc)}}, status)

    @app.before_server_start
    async def _open(app: DefaultSanic) -> None:
        # Callbacks go to the product, which may be slow; WeChat itself waits 5 seconds.
        app.ctx.http = httpx.AsyncClient(timeout=5.0)

    @app.after_server_start
    async def _resume(app: DefaultSanic) -> None:
        resume_pending(app)

    @app.before_server_stop
    async def _stop(app: DefaultSanic) -> None:
        for task in list(app.ctx.tasks):
            task.cancel()

    @app.after_server_stop
    async def _close(app: DefaultSanic) -> None:
        await app.ctx.http.aclose()
        app.ctx.store.close()

    return app


def resume_pending(sanic_app: DefaultSanic) -> None:
    """After a restart, finish the publishes and group sends that were still under way."""
    store: Store = sanic_app.ctx.store
    for job in store.kv_list("publish"):
        if job["publish_status"] == 1:
            events.spawn(sanic_app, api_content.finish_publish_later(sanic_app, job["publish_id"]))
    for job in store.kv_list("mass"):
        if not job.get("finished"):
            events.spawn(
                sanic_app, api_message.finish_mass_later(sanic_app, job["appid"], job["msg_id"])
            )
