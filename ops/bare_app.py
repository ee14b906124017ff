"""A bare Sanic JSON endpoint: the ceiling `make bench` measures the product's endpoints against.

python -m ops.bare_app --port 8090 --workers 1
"""

from __future__ import annotations

import argparse

from sanic import DefaultSanic, Request, Sanic
from sanic.response import HTTPResponse, json
from sanic.worker.loader import AppLoader


def create_bare_app() -> DefaultSanic:
    app = Sanic("bare")

    @app.get("/bare")
    async def bare(request: Request) -> HTTPResponse:
        return json({"status": "ok", "items": [{"id": 1, "name": "义务教育"}]})

    # The same endpoint taking an upload (the floor under the photo submissions' figure).
    @app.post("/bare")
    async def bare_upload(request: Request) -> HTTPResponse:
        return json({"status": "ok", "size": len(request.body)})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    loader = AppLoader(factory=create_bare_app)
    app = loader.load()
    app.prepare(
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        motd=False,
        debug=False,
        auto_reload=False,
    )
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
