"""留言分析 in the console: the analysis drawn as charts, its Excel export, the word lists."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console import register_nav, render
from gateway.console.charts import bar_chart, line_chart
from gateway.errors import ApiError
from gateway.org import list_departments
from mini_program.consultations import words
from mini_program.consultations.analysis import export
from mini_program.consultations.analysis.api import run
from mini_program.consultations.analysis.schemas import AnalysisQuery
from mini_program.consultations.api import actor_of
from mini_program.consultations.models import (
    CHANNEL_LABELS,
    WORD_LIST_LABELS,
    Channel,
    Consultation,
    WordList,
)
from mini_program.consultations.pages.common import form_dict, see_other
from mini_program.consultations.service.audit import record

bp = Blueprint("analysis_console", url_prefix="/console/analysis")
register_nav("留言分析", "/console/analysis", "analysis.read", order=32)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bars(rows: list[dict[str, Any]], label: str, key: str = "label", limit: int = 20) -> Markup:
    return Markup(bar_chart([(str(r[key]), int(r["count"])) for r in rows[:limit]], label=label))


def _day(label: str) -> date:
    # Days ("2026-03-15"), or months ("2026-03") when the period is long.
    return date.fromisoformat(label if len(label) == 10 else f"{label}-01")


def _charts(result: dict[str, Any]) -> dict[str, Markup]:
    series = result["series"]
    points = [
        (date.fromisoformat(p["label"].ljust(10, "-")[:7] + "-01"), p["count"]) for p in series
    ]
    if series and len(series[0]["label"]) == 10:
        points = [(date.fromisoformat(p["label"]), p["count"]) for p in series]
    line = line_chart(points, label="留言数走势")
    return {
        "series": Markup(line),
        "hot_words": _bars(result["hot_words"], "热词", key="word"),
        "by_domain": _bars(result["by_domain"], "各领域留言数"),
        "by_department": _bars(result["by_department"], "各部门留言数"),
        "by_channel": _bars(result["by_channel"], "各渠道留言数"),
        "reply": _bars(result["reply"]["buckets"], "答复用时（工作日）"),
        "length": _bars(result["length"]["buckets"], "留言字数"),
    }


@bp.get("")
@openapi.exclude()
@staff_required("analysis.read")
async def analysis_page(request: Request) -> HTTPResponse:
    """Hot words, rising topics, topics, departments, reply times and length for a period."""
    error = None
    try:
        q, result = await run(request)
    except ApiError as exc:
        error = "；".join(exc.fields.values()) or exc.message
        q, result = await run(request, AnalysisQuery.default())
    params = {"from": q.date_from.isoformat(), "to": q.date_to.isoformat()}
    export_query = urlencode(params) + "".join(f"&channel={quote(c)}" for c in q.channels)
    if q.department:
        export_query += f"&department={quote(q.department)}"
    stale = await Consultation.filter(tokens_version__not=await words.dictionary_version()).count()
    return render(
        request,
        "analysis/analysis.html",
        q=q,
        r=result,
        charts=_charts(result),
        channels=[(c.value, CHANNEL_LABELS[c]) for c in Channel],
        departments=await list_departments(),
        scoped=actor_of(request).department_scope is not None,
        export_query=export_query,
        stale=stale,
        can_edit_words=has_permission(request.ctx.staff, "analysis.words"),
        error=error,
    )


@bp.get("/export.xlsx")
@openapi.exclude()
@staff_required("analysis.read")
async def export_xlsx(request: Request) -> HTTPResponse:
    """The same analysis as an Excel workbook."""
    q, result = await run(request)
    labels = [CHANNEL_LABELS[Channel(c)] for c in q.channels]
    data = export.workbook(result, labels)
    name = f"留言分析_{q.date_from:%Y%m%d}-{q.date_to:%Y%m%d}.xlsx"
    return raw(
        data,
        content_type=XLSX,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"analysis.xlsx\"; filename*=UTF-8''{quote(name)}"
            )
        },
    )


@bp.get("/words")
@openapi.exclude()
@staff_required("analysis.read")
async def words_page(request: Request) -> HTTPResponse:
    """县级词典、停用词、敏感词: the county's word lists (one word a line)."""
    return render(
        request,
        "analysis/words.html",
        lists=await words.word_lists(),
        labels={k.value: v for k, v in WORD_LIST_LABELS.items()},
        can_edit=has_permission(request.ctx.staff, "analysis.words"),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


@bp.post("/words")
@openapi.exclude()
@staff_required("analysis.words")
async def words_submit(request: Request) -> HTTPResponse:
    form = form_dict(request, "list", "words")
    if form["list"] not in WordList._value2member_map_:
        return see_other("/console/analysis/words", error="没有这个词表")
    kind = WordList(form["list"])
    wanted, refused = words.parse_words(form["words"])
    if len(wanted) > words.MAX_WORDS:
        return see_other("/console/analysis/words", error=f"一个词表最多 {words.MAX_WORDS} 个词")
    change = await words.replace_words(kind, wanted)
    added, removed = len(change["added"]), len(change["removed"])
    message = f"{WORD_LIST_LABELS[kind]}已保存：新增 {added} 个，删除 {removed} 个"
    if change["version"] is not None:
        message += "；已有留言正在按新词典重新分词"
    if refused:
        message += f"；未收录（过长或不是词）：{'、'.join(refused[:5])}"
    await record(
        actor_of(request),
        "analysis.words",
        "consultation_word",
        kind.value,
        {"added": change["added"][:50], "removed": change["removed"][:50]},
    )
    return see_other("/console/analysis/words", message=message)
