"""Residents' "listen" of catalogue documents: 202 with progress while made, then the MP3."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from broadcast.api import content_type_of
from broadcast.audio import http
from broadcast.models import AudioState
from broadcast.schemas import ListenPending
from broadcast.service import audio as audio_service
from broadcast.service.listen import document_audio
from gateway.errors import ApiError
from gateway.openapi import returns

bp = Blueprint("broadcast_listen", url_prefix="/api/v1/mp")

# How long a phone should wait before asking again while the audio is being made.
RETRY_AFTER = 3


@bp.route("/documents/<document_id:int>/audio", methods=["GET", "HEAD"])
@openapi.tag("mini-program")
@openapi.response(200, {"audio/mpeg": {}}, "文件的朗读音频（支持 Range）")
@returns(
    ListenPending, status=202, description="音频正在生成：progress 为进度，retry_after 秒后再来"
)
@openapi.response(503, description="音频生成失败，已通知管理员重试")
async def document_audio_view(request: Request, document_id: int) -> HTTPResponse | None:
    """A document read aloud. While it is being made: 202 with progress; then the audio."""
    audio, title = await document_audio(document_id=document_id)
    path = audio_service.stored_file(audio)
    if path is not None:
        return await http.serve(
            request,
            path,
            sha256=audio.sha256,
            content_type=content_type_of(path.suffix),
            filename=f"document-{document_id}{path.suffix}",
            # The same URL gets a new file when the document changes: revalidate by ETag.
            cache_control="public, max-age=60",
        )
    job = await audio_service.job_of(audio)
    if audio.state == AudioState.FAILED and job is not None and job.state == "dead":
        raise ApiError(
            "这份文件的语音暂时无法生成，请稍后再试",
            code="audio_failed",
            status=503,
        )
    status = audio_service.status(audio, job, url="")
    body = {
        "state": status["state"],
        "progress": status["progress"],
        "message": status["progress_message"] or "正在生成语音，请稍候",
        "retry_after": RETRY_AFTER,
        "title": title,
    }
    response = json(body, status=202)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response
