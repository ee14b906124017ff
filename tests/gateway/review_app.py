"""A test-only kind of reviewed content ("testnote"), served by the real app plus two tiny
blueprints, so the review mechanism is tested on its own (no product domain attaches it yet).

    python -m tests.gateway.review_app --port P      # the app with /…/testnotes/<id> routes

Notes live in the table `test_review_note`, created by `create_table()`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse
from tortoise import connections

from gateway.auth import staff_required
from gateway.auth.models import StaffUser
from gateway.db import current_dialect
from gateway.errors import NotFound
from gateway.review import Reviewable, ReviewRoutes, content_hash, register_kind

KIND = "testnote"
LEVELS = ("初审", "复审", "终审")
WRITE, REVIEW = "testnote.write", "testnote.review"

register_kind(KIND, label="测试稿件", levels=LEVELS)


async def create_table() -> None:
    serial = "BIGSERIAL" if current_dialect() == "postgres" else "INTEGER"
    await connections.get("default").execute_script(
        f"CREATE TABLE IF NOT EXISTS test_review_note (id {serial} PRIMARY KEY, "
        "author_id INTEGER NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)"
    )


def _marks(n: int) -> list[str]:
    return [f"${i}" for i in range(1, n + 1)] if current_dialect() == "postgres" else ["?"] * n


async def create_note(*, author_id: int, body: str) -> int:
    a, b = _marks(2)
    rows = await connections.get("default").execute_query_dict(
        f"INSERT INTO test_review_note (author_id, body) VALUES ({a}, {b}) RETURNING id",
        [author_id, body],
    )
    return int(rows[0]["id"])


async def edit_note(*, note_id: int, body: str) -> None:
    a, b = _marks(2)
    await connections.get("default").execute_query(
        f"UPDATE test_review_note SET body = {a}, version = version + 1 WHERE id = {b}",
        [body, note_id],
    )


async def load(note_id: Any, staff: StaffUser | None = None) -> Reviewable:
    (a,) = _marks(1)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT id, author_id, body, version FROM test_review_note WHERE id = {a}", [note_id]
    )
    if not rows:
        raise NotFound("没有这篇测试稿件", code="testnote_not_found")
    row = rows[0]
    return Reviewable(
        kind=KIND,
        object_id=row["id"],
        version=row["version"],
        content_hash=content_hash({"body": row["body"]}),
        author_id=row["author_id"],
        snapshot={"body": row["body"]},
    )


reviews = ReviewRoutes(
    kind=KIND,
    path="/testnotes/<note_id:int>",
    load=load,
    submit_permission=WRITE,
    review_permission=REVIEW,
)


def create() -> Sanic:
    from gateway.app import create_app
    from gateway.console import get_env, render

    app = create_app()
    api = Blueprint("testnote_api", url_prefix="/api/v1/admin")
    pages = Blueprint("testnote_console", url_prefix="/console")
    reviews.add_api(api)
    reviews.add_console(pages, page_url=lambda note_id: f"/console/testnotes/{note_id}")

    @pages.get("/testnotes/<note_id:int>")
    @staff_required(WRITE)
    async def note_page(request: Request, note_id: int) -> HTTPResponse:
        """测试稿件页"""
        item = await load(note_id, request.ctx.staff)
        context = await reviews.panel(request, pages, item)
        return render(request, "testnote/note.html", note=item, **context)

    app.blueprint(api)
    app.blueprint(pages)
    loader: Any = get_env().loader
    loader.searchpath.append(str(Path(__file__).parent / "review_templates"))
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create()
    app.prepare(host="127.0.0.1", port=args.port, single_process=True, motd=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
