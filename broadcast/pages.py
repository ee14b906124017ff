"""Console pages of the loudspeakers: scripts, their audio and review, the county view, the
pronunciation list, and the home tile for scripts with villages still silent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw, redirect
from sanic_ext import openapi

from broadcast import review, review_routes
from broadcast.api import actor_of
from broadcast.models import SCRIPT_STATE_LABELS, Script, ScriptState
from broadcast.schemas import (
    DEFAULT_PLAY_TIMES,
    PronunciationEdit,
    PronunciationIn,
    ScriptCreate,
    ScriptUpdate,
)
from broadcast.service import coverage, org, pronunciations, scripts
from gateway.auth import has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.auth.pages import console_paging
from gateway.console import register_nav, register_tile, render
from gateway.console.charts import bar_chart
from gateway.errors import ApiError, fields_from_validation
from gateway.paging import page_count

bp = Blueprint("broadcast_console", url_prefix="/console")
review_routes.console_reviews.add_console(
    bp, page_url=lambda script_id: f"/console/broadcasts/{script_id}"
)
bp.on_response(review_routes.react)
bp.static("/broadcast/static", str(Path(__file__).resolve().parent / "static"), name="static")

READ, WRITE, PRONOUNCE = "broadcast.read", "broadcast.write", "broadcast.pronunciations"
AUDIO_URL = "/api/v1/admin/broadcasts/{id}/audio"
SHOWN_SLOTS = coverage.SHOWN_SLOTS

register_nav("村村通广播", "/console/broadcasts", READ, order=30)


@register_tile
async def _silent_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    found = await coverage.silent_scripts()
    villages = sum(count for _, count in found)
    return {
        "label": f"广播稿有村未播放（共 {villages} 个村）" if found else "广播稿均已按时播放",
        "value": len(found),
        "href": "/console/broadcasts?silent=1",
    }


def _see_other(location: str) -> HTTPResponse:
    return redirect(location, status=303)


# --- the list ---------------------------------------------------------------------------------


@bp.get("/broadcasts")
@openapi.exclude()
@staff_required(READ)
async def list_page(request: Request) -> HTTPResponse:
    """Scripts with their state, audio and how many villages have played them."""
    state = (request.args.get("state") or "").strip()
    if state not in {s.value for s in ScriptState}:
        state = ""
    paging = console_paging(request)
    silent_only = request.args.get("silent") == "1"
    if silent_only:
        found = await coverage.silent_scripts()
        rows, total = [s for s, _ in found], len(found)
    else:
        rows, total = await scripts.list_scripts(
            state=state or None, page=paging.page, per_page=paging.per_page
        )
    items = []
    for script in rows:
        shown = await scripts.to_dict(script, audio_url=AUDIO_URL.format(id=script.id))
        view = await coverage.coverage(script) if script.state == ScriptState.APPROVED else None
        items.append({**shown, "view": view})
    return render(
        request,
        "broadcast/list.html",
        items=items,
        total=total,
        page=paging.page,
        pages=page_count(total, paging.per_page),
        state=state,
        silent_only=silent_only,
        states=[(s.value, label) for s, label in SCRIPT_STATE_LABELS.items()],
        can_write=has_permission(request.ctx.staff, WRITE),
        message=request.args.get("message"),
    )


# --- create and edit ----------------------------------------------------------------------------


_TIMES = re.compile(r"[\s,，、;；]+")


def _form_data(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (to show again) and as the API's body (to validate)."""
    f = form_of(request)
    form: dict[str, Any] = {
        key: (f.get(key) or "").strip()
        for key in (
            "title", "source", "text", "document_id", "scope", "repeats", "rate",
            "play_times", "valid_from", "valid_until",
        )
    }  # fmt: skip
    form["chime"] = bool(f.get("chime"))
    form["towns"] = [t for t in f.getlist("towns") or [] if t]
    form["villages"] = [v for v in f.getlist("villages") or [] if v]
    scope = form["scope"] or "all"
    targets: dict[str, Any] = {"all": True}
    if scope == "towns":
        targets = {"towns": form["towns"]}
    elif scope == "villages":
        targets = {"villages": form["villages"]}
    body: dict[str, Any] = {
        "title": form["title"],
        "targets": targets,
        "chime": form["chime"],
        "play_times": [t for t in _TIMES.split(form["play_times"]) if t],
    }
    if form["source"] == "document":
        body["document_id"] = form["document_id"] or None
    else:
        body["text"] = f.get("text") or ""
    for key in ("repeats", "rate", "valid_from", "valid_until"):
        if form[key]:
            body[key] = form[key]
    return form, body


def _field_errors(exc: ApiError | ValidationError) -> dict[str, str]:
    fields = exc.fields if isinstance(exc, ApiError) else fields_from_validation(exc)
    errors: dict[str, str] = {}
    for key, message in fields.items():
        name = key.split(".")[0] if not key.startswith("targets") else "targets"
        if key == "document_id" or key == "text":
            name = key
        errors.setdefault(name, message)
    return errors


async def _form_page(
    request: Request,
    *,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    script: Script | None = None,
    status: int = 200,
) -> HTTPResponse:
    from mini_program.catalogue import service as catalogue

    county = await org.county()
    documents = (await catalogue.list_documents(page=1, page_size=50))["items"]
    return render(
        request,
        "broadcast/form.html",
        status=status,
        form=form,
        errors=errors or {},
        error=error,
        script=script,
        towns=county.towns,
        documents=documents,
    )


def _blank_form() -> dict[str, Any]:
    return {
        "source": "text",
        "scope": "towns",
        "chime": True,
        "repeats": "2",
        "rate": "200",
        "play_times": " ".join(DEFAULT_PLAY_TIMES),
        "towns": [],
        "villages": [],
    }


@bp.get("/broadcasts/new")
@openapi.exclude()
@staff_required(WRITE)
async def new_page(request: Request) -> HTTPResponse:
    """The form for a new script."""
    return await _form_page(request, form=_blank_form())


@bp.post("/broadcasts")
@openapi.exclude()
@staff_required(WRITE)
async def create(request: Request) -> HTTPResponse:
    """Create a script from the form; field errors are shown beside the fields."""
    form, body = _form_data(request)
    try:
        data = ScriptCreate.model_validate(body)
        script = await scripts.create_script(data=data, actor=actor_of(request))
    except (ApiError, ValidationError) as exc:
        return await _form_page(
            request, form=form, errors=_field_errors(exc), error="请修改标出的内容", status=422
        )
    return _see_other(f"/console/broadcasts/{script.id}?message={quote('已保存为草稿')}")


@bp.get("/broadcasts/<script_id:int>/edit")
@openapi.exclude()
@staff_required(WRITE)
async def edit_page(request: Request, script_id: int) -> HTTPResponse:
    """The form to change a script (it returns to draft)."""
    script = await scripts.get_script(script_id=script_id)
    targets = script.targets
    form = {
        "title": script.title,
        "source": "text",
        "text": script.source_text,
        "scope": "all" if targets.get("all") else "towns" if targets.get("towns") else "villages",
        "towns": targets.get("towns") or [],
        "villages": targets.get("villages") or [],
        "chime": script.chime,
        "repeats": str(script.repeats),
        "rate": str(script.rate),
        "play_times": " ".join(script.play_times),
        "valid_from": script.valid_from.isoformat(),
        "valid_until": script.valid_until.isoformat(),
    }
    return await _form_page(request, form=form, script=script)


@bp.post("/broadcasts/<script_id:int>")
@openapi.exclude()
@staff_required(WRITE)
async def update(request: Request, script_id: int) -> HTTPResponse:
    """Save the edit form."""
    script = await scripts.get_script(script_id=script_id)
    form, body = _form_data(request)
    body.pop("document_id", None)
    try:
        data = ScriptUpdate.model_validate(body)
        await scripts.update_script(script_id=script.id, data=data, actor=actor_of(request))
    except (ApiError, ValidationError) as exc:
        return await _form_page(
            request,
            form=form,
            errors=_field_errors(exc),
            error=getattr(exc, "message", None) or "请修改标出的内容",
            script=script,
            status=getattr(exc, "status", 422),
        )
    return _see_other(f"/console/broadcasts/{script.id}?message={quote('已保存，需重新审核')}")


# --- one script ---------------------------------------------------------------------------------


async def _detail_context(request: Request, script: Script) -> dict[str, Any]:
    shown = await scripts.to_dict(script, audio_url=AUDIO_URL.format(id=script.id))
    view = await coverage.coverage(script)
    due_slots = [s for s in view["slots"] if s["due"]][-SHOWN_SLOTS:]
    bars = [(s["label"], round(100 * s["played"] / (s["total"] or 1))) for s in due_slots]
    staff = request.ctx.staff
    panel = await review_routes.console_reviews.panel(request, bp, review.reviewable(script))
    return {
        **panel,
        "script": shown,
        "view": view,
        "columns": due_slots,
        "chart": Markup(bar_chart(bars, label="各时段播放覆盖率（%）")) if bars else None,
        "can_write": has_permission(staff, WRITE),
        "message": request.args.get("message"),
    }


@bp.get("/broadcasts/<script_id:int>")
@openapi.exclude()
@staff_required(READ)
async def detail_page(request: Request, script_id: int) -> HTTPResponse:
    """A script: what will be spoken, its audio, its review and the county view."""
    script = await scripts.get_script(script_id=script_id)
    return render(request, "broadcast/detail.html", **await _detail_context(request, script))


@bp.get("/broadcasts/<script_id:int>/audio-panel")
@openapi.exclude()
@staff_required(READ)
async def audio_panel(request: Request, script_id: int) -> HTTPResponse:
    """The audio panel alone (htmx polls it while the audio is being made)."""
    script = await scripts.get_script(script_id=script_id)
    shown = await scripts.to_dict(script, audio_url=AUDIO_URL.format(id=script.id))
    return render(
        request,
        "broadcast/_audio.html",
        script=shown,
        can_write=has_permission(request.ctx.staff, WRITE),
    )


@bp.post("/broadcasts/<script_id:int>/spoken")
@openapi.exclude()
@staff_required(WRITE)
async def save_spoken(request: Request, script_id: int) -> HTTPResponse:
    """Save the editor's correction of the spoken text."""
    spoken = form_of(request).get("spoken_text") or ""
    try:
        data = ScriptUpdate.model_validate({"spoken_text": spoken})
        await scripts.update_script(script_id=script_id, data=data, actor=actor_of(request))
    except (ApiError, ValidationError) as exc:
        script = await scripts.get_script(script_id=script_id)
        context = await _detail_context(request, script)
        context["script"]["spoken_text"] = spoken
        return render(
            request,
            "broadcast/detail.html",
            status=422,
            spoken_error=next(iter(_field_errors(exc).values()), "朗读文本有误"),
            **context,
        )
    return _see_other(f"/console/broadcasts/{script_id}?message={quote('朗读文本已保存')}")


async def _action(request: Request, script_id: int, name: str) -> HTTPResponse:
    actor = actor_of(request)
    try:
        if name == "preview":
            await scripts.preview_audio(script_id=script_id, actor=actor)
            message = "已开始生成试听音频"
        elif name == "retry":
            await scripts.retry_audio(script_id=script_id, actor=actor)
            message = "已重新开始生成音频"
        else:
            await scripts.withdraw(script_id=script_id, actor=actor)
            message = "已撤回，各村不再播放"
    except ApiError as exc:
        message = exc.message
    return _see_other(f"/console/broadcasts/{script_id}?message={quote(message)}")


@bp.post("/broadcasts/<script_id:int>/preview")
@openapi.exclude()
@staff_required(WRITE)
async def preview(request: Request, script_id: int) -> HTTPResponse:
    """Make the audio before review, to listen to it."""
    return await _action(request, script_id, "preview")


@bp.post("/broadcasts/<script_id:int>/retry")
@openapi.exclude()
@staff_required(WRITE)
async def retry(request: Request, script_id: int) -> HTTPResponse:
    """Run a failed synthesis again."""
    return await _action(request, script_id, "retry")


@bp.post("/broadcasts/<script_id:int>/withdraw")
@openapi.exclude()
@staff_required(WRITE)
async def withdraw(request: Request, script_id: int) -> HTTPResponse:
    """Take an approved script off the air."""
    return await _action(request, script_id, "withdraw")


@bp.get("/broadcasts/<script_id:int>/export.xlsx")
@openapi.exclude()
@staff_required(READ)
async def export(request: Request, script_id: int) -> HTTPResponse:
    """The county view as an Excel workbook."""
    script = await scripts.get_script(script_id=script_id)
    view = await coverage.coverage(script)
    name = f"广播播放情况-{script.id}.xlsx"
    return raw(
        coverage.export_workbook(script, view),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": (
                f'attachment; filename="broadcast-{script.id}.xlsx"; '
                f"filename*=UTF-8''{quote(name)}"
            )
        },
    )


# --- the pronunciation list --------------------------------------------------------------------


async def _pronunciations_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTTPResponse:
    paging = console_paging(request)
    q = (request.args.get("q") or "").strip()[:20]
    rows, total = await pronunciations.list_pronunciations(
        q=q or None, page=paging.page, per_page=paging.per_page
    )
    return render(
        request,
        "broadcast/pronunciations.html",
        status=status,
        rows=rows,
        total=total,
        page=paging.page,
        pages=page_count(total, paging.per_page),
        q=q,
        form=form or {},
        errors=errors or {},
        message=message or request.args.get("message"),
        can_edit=has_permission(request.ctx.staff, PRONOUNCE),
    )


@bp.get("/broadcasts/pronunciations")
@openapi.exclude()
@staff_required(READ)
async def pronunciations_page(request: Request) -> HTTPResponse:
    """The county pronunciation list (admins edit it)."""
    return await _pronunciations_page(request)


@bp.post("/broadcasts/pronunciations")
@openapi.exclude()
@staff_required(PRONOUNCE)
async def pronunciation_add(request: Request) -> HTTPResponse:
    """Add a term from the form."""
    f = form_of(request)
    form = {k: (f.get(k) or "").strip() for k in ("term", "reading", "note")}
    try:
        data = PronunciationIn.model_validate(form)
        await pronunciations.create_pronunciation(
            term=data.term, reading=data.reading, note=data.note, actor=actor_of(request)
        )
    except (ApiError, ValidationError) as exc:
        return await _pronunciations_page(request, form=form, errors=_field_errors(exc), status=422)
    # The new term is shown on its own, wherever it falls in the list.
    return _see_other(
        f"/console/broadcasts/pronunciations?q={quote(data.term)}&message={quote('已添加')}"
    )


@bp.post("/broadcasts/pronunciations/<entry_id:int>")
@openapi.exclude()
@staff_required(PRONOUNCE)
async def pronunciation_edit(request: Request, entry_id: int) -> HTTPResponse:
    """Change a reading, or delete the term (`delete` = 1)."""
    f = form_of(request)
    actor = actor_of(request)
    try:
        if f.get("delete") == "1":
            await pronunciations.delete_pronunciation(entry_id=entry_id, actor=actor)
            message = "已删除"
        else:
            data = PronunciationEdit.model_validate(
                {"reading": (f.get("reading") or "").strip(), "note": (f.get("note") or "").strip()}
            )
            await pronunciations.update_pronunciation(
                entry_id=entry_id, reading=data.reading, note=data.note, actor=actor
            )
            message = "已保存"
    except (ApiError, ValidationError) as exc:
        message = next(iter(_field_errors(exc).values()), "读音有误")
        return await _pronunciations_page(request, message=message, status=422)
    return _see_other(f"/console/broadcasts/pronunciations?message={quote(message)}")
