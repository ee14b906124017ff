"""The loudspeakers' admin JSON API: scripts, their audio, the county view, pronunciations."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from broadcast import review_routes
from broadcast.audio import http
from broadcast.models import Script
from broadcast.schemas import (
    CoverageOut,
    PronunciationAnswer,
    PronunciationEdit,
    PronunciationIn,
    PronunciationList,
    PronunciationQuery,
    ScriptAnswer,
    ScriptCreate,
    ScriptListQuery,
    ScriptPage,
    ScriptUpdate,
)
from broadcast.service import coverage, pronunciations, scripts
from broadcast.service.audio import stored_file
from broadcast.service.common import Actor
from gateway.auth import staff_required, village_scope
from gateway.auth.decorators import client_ip
from gateway.errors import NotFound, parse_body, parse_query
from gateway.openapi import json_body, query, returns
from gateway.paging import page_answer

bp = Blueprint("broadcast_api", url_prefix="/api/v1/admin/broadcasts")
# POST /api/v1/admin/broadcasts/{id}/submit and .../review (the shared review), then react.
review_routes.api_reviews.add_api(bp)
bp.on_response(review_routes.react)

READ, WRITE, PRONOUNCE = "broadcast.read", "broadcast.write", "broadcast.pronunciations"
AUDIO_URL = "/api/v1/admin/broadcasts/{id}/audio"


def actor_of(request: Request) -> Actor:
    """The signed-in staff member as the broadcast services see them."""
    staff = request.ctx.staff
    return Actor(
        id=staff.id, name=staff.username, ip=client_ip(request), village_code=village_scope(staff)
    )


async def script_answer(script: Script, *, status: int = 200) -> HTTPResponse:
    body = await scripts.to_dict(script, audio_url=AUDIO_URL.format(id=script.id))
    return json({"script": body}, status=status)


@bp.post("")
@openapi.tag("broadcast")
@json_body(ScriptCreate)
@returns(ScriptAnswer, status=201)
@staff_required(WRITE)
async def create_script(request: Request) -> HTTPResponse:
    """A new script from typed text or a catalogue document: its spoken text, a draft."""
    data = parse_body(request, ScriptCreate)
    script = await scripts.create_script(data=data, actor=actor_of(request))
    return await script_answer(script, status=201)


@bp.get("")
@openapi.tag("broadcast")
@query(ScriptListQuery)
@returns(ScriptPage)
@staff_required(READ)
async def list_scripts(request: Request) -> HTTPResponse:
    """Scripts, newest first."""
    query = parse_query(request, ScriptListQuery)
    rows, total = await scripts.list_scripts(
        state=query.state, page=query.page, per_page=query.per_page
    )
    items = [await scripts.to_dict(s, audio_url=AUDIO_URL.format(id=s.id)) for s in rows]
    return json(page_answer(items, total=total, page=query.page, per_page=query.per_page))


@bp.get("/<script_id:int>")
@openapi.tag("broadcast")
@returns(ScriptAnswer)
@staff_required(READ)
async def get_script(request: Request, script_id: int) -> HTTPResponse:
    """One script: spoken text, state and, once made, its audio (url, sha256, loudness...)."""
    return await script_answer(await scripts.get_script(script_id=script_id))


@bp.patch("/<script_id:int>")
@openapi.tag("broadcast")
@json_body(ScriptUpdate)
@returns(ScriptAnswer)
@staff_required(WRITE)
async def update_script(request: Request, script_id: int) -> HTTPResponse:
    """Edit a script or correct its spoken text by hand; a reviewed script returns to draft."""
    data = parse_body(request, ScriptUpdate)
    script = await scripts.update_script(script_id=script_id, data=data, actor=actor_of(request))
    return await script_answer(script)


@bp.post("/<script_id:int>/preview")
@openapi.tag("broadcast")
@returns(ScriptAnswer, status=202)
@staff_required(WRITE)
async def preview(request: Request, script_id: int) -> HTTPResponse:
    """Make the audio now so the editor can listen before review (approval reuses it)."""
    script = await scripts.preview_audio(script_id=script_id, actor=actor_of(request))
    return await script_answer(script, status=202)


@bp.post("/<script_id:int>/audio/retry")
@openapi.tag("broadcast")
@returns(ScriptAnswer, status=202)
@staff_required(WRITE)
async def retry_audio(request: Request, script_id: int) -> HTTPResponse:
    """Run a failed synthesis again."""
    script = await scripts.retry_audio(script_id=script_id, actor=actor_of(request))
    return await script_answer(script, status=202)


@bp.post("/<script_id:int>/withdraw")
@openapi.tag("broadcast")
@returns(ScriptAnswer)
@staff_required(WRITE)
async def withdraw(request: Request, script_id: int) -> HTTPResponse:
    """Take an approved script off the air; villages no longer see it."""
    script = await scripts.withdraw(script_id=script_id, actor=actor_of(request))
    return await script_answer(script)


@bp.route("/<script_id:int>/audio", methods=["GET", "HEAD"])
@openapi.tag("broadcast")
@openapi.response(200, {"audio/mpeg": {}}, "音频文件（支持 Range）")
@staff_required(READ)
async def script_audio(request: Request, script_id: int) -> HTTPResponse | None:
    """The script's audio file, for listening in the console (Range supported)."""
    script = await scripts.get_script(script_id=script_id)
    audio = await scripts.current_audio(script)
    path = stored_file(audio) if audio is not None else None
    if audio is None or path is None:
        raise NotFound("音频尚未生成", code="audio_not_ready")
    return await http.serve(
        request,
        path,
        sha256=audio.sha256,
        content_type=content_type_of(path.suffix),
        filename=f"broadcast-{script.id}{path.suffix}",
        cache_control="private, no-cache",
    )


def content_type_of(suffix: str) -> str:
    return "audio/wav" if suffix == ".wav" else "audio/mpeg"


@bp.get("/<script_id:int>/coverage")
@openapi.tag("broadcast")
@returns(CoverageOut)
@staff_required(READ)
async def script_coverage(request: Request, script_id: int) -> HTTPResponse:
    """The county view: each targeted village's download and plays, grouped by town."""
    script = await scripts.get_script(script_id=script_id)
    view: dict[str, Any] = await coverage.coverage(script)
    return json(view)


# --- the pronunciation list ------------------------------------------------------------------


@bp.get("/pronunciations")
@openapi.tag("broadcast")
@query(PronunciationQuery)
@returns(PronunciationList)
@staff_required(READ)
async def list_pronunciations(request: Request) -> HTTPResponse:
    """The county pronunciation list (term → reading), by term."""
    q = parse_query(request, PronunciationQuery)
    rows, total = await pronunciations.list_pronunciations(
        q=(q.q or "").strip() or None, page=q.page, per_page=q.per_page
    )
    items = [pronunciations.to_dict(r) for r in rows]
    return json(page_answer(items, total=total, page=q.page, per_page=q.per_page))


@bp.post("/pronunciations")
@openapi.tag("broadcast")
@json_body(PronunciationIn)
@returns(PronunciationAnswer, status=201)
@staff_required(PRONOUNCE)
async def add_pronunciation(request: Request) -> HTTPResponse:
    """Add a term and its reading (同音字 or tone-numbered pinyin such as yin2 hang2)."""
    data = parse_body(request, PronunciationIn)
    row = await pronunciations.create_pronunciation(
        term=data.term, reading=data.reading, note=data.note, actor=actor_of(request)
    )
    return json({"pronunciation": pronunciations.to_dict(row)}, status=201)


@bp.patch("/pronunciations/<entry_id:int>")
@openapi.tag("broadcast")
@json_body(PronunciationEdit)
@returns(PronunciationAnswer)
@staff_required(PRONOUNCE)
async def edit_pronunciation(request: Request, entry_id: int) -> HTTPResponse:
    """Change a term's reading."""
    data = parse_body(request, PronunciationEdit)
    row = await pronunciations.update_pronunciation(
        entry_id=entry_id, reading=data.reading, note=data.note, actor=actor_of(request)
    )
    return json({"pronunciation": pronunciations.to_dict(row)})


@bp.delete("/pronunciations/<entry_id:int>")
@openapi.tag("broadcast")
@returns(None, status=204, description="已删除")
@staff_required(PRONOUNCE)
async def delete_pronunciation(request: Request, entry_id: int) -> HTTPResponse:
    """Remove a term from the list."""
    await pronunciations.delete_pronunciation(entry_id=entry_id, actor=actor_of(request))
    return HTTPResponse(status=204)
