"""The village staff's JSON API: their valid scripts, the audio, play confirmations.

Village staff (村级工作人员) are bound to one village and see only its scripts; county admins
may look at any village's list by naming it (?village=code).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from broadcast.api import actor_of, content_type_of
from broadcast.audio import http
from broadcast.schemas import PlayAnswer, PlayConfirm, VillageList, VillageQuery
from broadcast.service import villages
from gateway.auth import staff_required
from gateway.errors import Invalid, NotFound, parse_body, parse_query
from gateway.openapi import json_body, query, returns

bp = Blueprint("broadcast_village_api", url_prefix="/api/v1/village/broadcasts")

DOWNLOAD, CONFIRM = "broadcast.download", "broadcast.confirm"
AUDIO_URL = "/api/v1/village/broadcasts/{id}/audio"


def village_for(request: Request) -> str:
    """The village this request acts for: the staff member's own, or ?village= for county staff."""
    actor = actor_of(request)
    if actor.village_code is not None:
        if not actor.village_code:
            raise NotFound("您的账号没有绑定村，请联系管理员", code="no_village")
        return actor.village_code
    query = parse_query(request, VillageQuery)
    if not query.village:
        raise Invalid("请指定村", fields={"village": "县级人员查看时请指定村代码"})
    return query.village


@bp.get("")
@openapi.tag("village")
@query(VillageQuery)
@returns(VillageList)
@staff_required(DOWNLOAD)
async def list_broadcasts(request: Request) -> HTTPResponse:
    """The village's valid scripts today, with play times, audio and today's confirmed plays."""
    body = await villages.list_for_village(village_code=village_for(request), audio_url=AUDIO_URL)
    return json(body)


@bp.route("/<script_id:int>/audio", methods=["GET", "HEAD"])
@openapi.tag("village")
@openapi.response(200, {"audio/mpeg": {}}, "音频文件（支持 Range 断点续传与 ETag）")
@openapi.response(206, {"audio/mpeg": {}}, "请求的字节范围")
@openapi.response(416, description="范围超出文件大小")
@staff_required(DOWNLOAD)
async def audio(request: Request, script_id: int) -> HTTPResponse | None:
    """The script's audio, resumable with Range; a complete download is recorded."""
    village = village_for(request)
    script = await villages.visible_script(script_id=script_id, village_code=village)
    made = await villages.script_audio(script)
    if made is None:
        raise NotFound("音频尚未生成，请稍后再试", code="audio_not_ready")
    path = villages.stored_path(made)
    staff_id = request.ctx.staff.id

    async def downloaded() -> None:
        await villages.record_download(
            script=script, village_code=village, sha256=made.sha256, staff_id=staff_id
        )

    return await http.serve(
        request,
        path,
        sha256=made.sha256,
        content_type=content_type_of(path.suffix),
        filename=f"broadcast-{script.id}{path.suffix}",
        # The file behind a script never changes (a new text is a new file and a new ETag).
        cache_control="private, max-age=86400",
        on_complete=downloaded,
    )


@bp.post("/<script_id:int>/plays")
@openapi.tag("village")
@json_body(PlayConfirm)
@returns(PlayAnswer, status=201)
@returns(PlayAnswer, status=200, description="该时段已确认过（只计一次）")
@staff_required(CONFIRM)
async def confirm_play(request: Request, script_id: int) -> HTTPResponse:
    """Confirm a play: the slot ("07:00") and when it was played; a repeat counts once."""
    village = village_for(request)
    data = parse_body(request, PlayConfirm)
    play, counted = await villages.confirm_play(
        script_id=script_id,
        village_code=village,
        slot=data.slot,
        played_at=data.played_at,
        staff_id=request.ctx.staff.id,
    )
    return json(
        {"play": villages.play_to_dict(play), "counted": counted}, status=201 if counted else 200
    )
