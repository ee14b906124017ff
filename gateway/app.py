"""The app factory: config, database, Redis, blueprints, listeners, managed processes."""

from __future__ import annotations

import gc
import importlib
import json
import logging
from functools import partial

from sanic import DefaultSanic, Sanic

from gateway import connections, domains, errors, media, openapi, supervisor
from gateway.config import Settings, get_settings
from gateway.jobs import worker as jobs_worker

log = logging.getLogger("govmatrix")


# sanic-ext's listener that adds a HEAD route for every GET route runs at this priority.
_SANIC_EXT_PRIORITY = -1000


def _batch_auto_head_routes(app: DefaultSanic) -> None:
    """Let sanic-ext add its HEAD routes as one batch, not one router rebuild each.

    Once the app counts as started, every added route re-compiles the signal router (~0.1 s
    each on a busy machine: 10 s for 86 GET routes, past the test suite's start timeout).
    Around sanic-ext's listener the app counts as not yet started, so its routes are added
    like the ones declared before start, and sanic-ext's own finalize() builds the router once.
    """

    async def _before(app: DefaultSanic) -> None:
        app.state.is_started = False

    async def _after(app: DefaultSanic) -> None:
        app.state.is_started = True

    app.register_listener(_before, "before_server_start", priority=_SANIC_EXT_PRIORITY + 1)
    app.register_listener(_after, "before_server_start", priority=_SANIC_EXT_PRIORITY - 1)


def create_app(settings: Settings | None = None) -> DefaultSanic:
    settings = settings or get_settings()
    # Chinese stays readable in responses and logs.
    app = Sanic("govmatrix", dumps=partial(json.dumps, ensure_ascii=False, separators=(",", ":")))
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    # Sanic's ceiling: lets a 10,000-character ASCII search query through as a GET.
    app.config.REQUEST_MAX_HEADER_SIZE = 16384
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # No CORS here (the mini-program's wx.request and the console are not browsers' cross-origin
    # callers), so no automatic OPTIONS routes: sanic-ext adds them one by one at startup and each
    # addition re-finalizes the signal router, which took ~40% of the server's start-up CPU.
    app.config.HTTP_AUTO_OPTIONS = False
    app.config.CORS_AUTOMATIC_OPTIONS = False
    app.config.OAS_UI_DEFAULT = "swagger"
    app.config.OAS_URL_PREFIX = "/docs"
    # Swagger UI from our own static files (ops/setup.sh copies it from npm), never a CDN.
    app.config.OAS_UI_SWAGGER_CDN_URL = "/static/vendor"
    app.config.OAS_UI_SWAGGER_VERSION = "swagger-ui"
    app.config.OAS_UI_REDOC = False
    # sanic-ext adds an OPTIONS route per route at start-up, re-compiling the router after
    # each one: start-up grew quadratically with the routes (37 s for ~190 routes on a busy
    # 2-core machine). The app serves no cross-origin browser calls, so no OPTIONS is needed.
    app.config.HTTP_AUTO_OPTIONS = False
    app.config.CORS_AUTOMATIC_OPTIONS = False
    _batch_auto_head_routes(app)
    app.config.API_TITLE = "govmatrix · 蒙城县政务新媒体矩阵与小程序"
    app.config.API_VERSION = "1"
    app.config.API_DESCRIPTION = (
        "蒙城县政务公开小程序与 27 个部门公众号矩阵的后端。"
        '每个错误都是同一形状：{"error": {"code", "message", "fields"}}。'
    )
    app.ctx.settings = settings
    errors.install(app)
    openapi.install(app)
    jobs_worker.attach(app)
    supervisor.attach(app)

    for module_name in domains.blueprint_modules():
        module = importlib.import_module(module_name)
        app.blueprint(module.bp)
    media.mount(app, settings.media_dir)

    @app.before_server_start
    async def _connect(app: DefaultSanic) -> None:
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        await connections.connect(database_url=settings.database_url, redis_url=settings.redis_url)

    # sanic-ext adds its automatic HEAD and OPTIONS routes one by one at start-up, and Sanic
    # finalizes its signal router again after each: ~0.1 s per GET route, 25 s of a loaded
    # machine's start-up with 200 routes. The router is set aside before sanic-ext's listener
    # (priority -1000) and finalized once after it; nothing dispatches signals in between.
    async def _defer_signal_router(app: DefaultSanic) -> None:
        app.signal_router.reset()

    async def _finalize_signal_router(app: DefaultSanic) -> None:
        if not app.signal_router.finalized:
            app.signalize(bool(app.config.TOUCHUP))

    app.register_listener(_defer_signal_router, "before_server_start", priority=10_000)
    app.register_listener(_finalize_signal_router, "before_server_start", priority=-10_000)

    @app.after_server_start
    async def _freeze_startup_objects(app: DefaultSanic) -> None:
        # The ~100k objects made at start-up (models, routes, dictionaries) live as long as
        # the process; frozen, full collections stop re-scanning them. Under callback load a
        # full collection otherwise stalled every request in flight for ~60 ms.
        gc.collect()
        gc.freeze()

    @app.after_server_stop
    async def _disconnect(app: DefaultSanic) -> None:
        await connections.disconnect()

    return app
