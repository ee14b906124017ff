"""The push JSON API: articles, images, account groups, plans and deliveries, the calendar
(`/api/v1/admin/...`), and published articles for residents (`/api/v1/mp/articles`)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.decorators import client_ip
from gateway.errors import Invalid, parse_body, parse_query, route_max_length
from gateway.openapi import json_body, query, returns
from push.models import Article
from push.schemas import (
    ACCOUNT_CODE_MAX,
    ArticleAnswer,
    ArticleCreate,
    ArticlePage,
    ArticleQuery,
    ArticleUpdate,
    CalendarAnswer,
    CalendarQuery,
    CoverBody,
    DeliveryAnswer,
    GroupAnswer,
    GroupCreate,
    GroupList,
    GroupUpdate,
    ImageAnswer,
    MpArticleAnswer,
    MpArticlePage,
    MpArticleQuery,
    PlanAnswer,
    PlanCreate,
    PlanPage,
    PushQuery,
    RescheduleBody,
)
from push.service import accounts, approval, articles, images, plans, published
from push.service.calendar import calendar
from push.service.common import StaffRef

admin = Blueprint("push_api", url_prefix="/api/v1/admin")
mp = Blueprint("push_mp", url_prefix="/api/v1/mp")
bp = Blueprint.group(admin, mp)
approval.reviews.add_api(admin)


def who(request: Request) -> StaffRef:
    staff = request.ctx.staff
    return StaffRef(id=staff.id, name=staff.username, ip=client_ip(request))


async def article_answer(article: Article, notice: str = "") -> dict[str, Any]:
    return {
        "article": articles.article_to_dict(
            article,
            review=await approval.state(article),
            cover=await articles.cover_url(article.cover_media_id),
            notice=notice,
        )
    }


# --- articles ----------------------------------------------------------------------------


@admin.get("/articles")
@openapi.tag("push")
@query(ArticleQuery)
@returns(ArticlePage)
@staff_required("push.read")
async def list_articles(request: Request) -> HTTPResponse:
    """Articles, most recently edited first, each with its review status."""
    query = parse_query(request, ArticleQuery)
    return json(
        await approval.article_list(
            q=query.q, state=query.state, page=query.page, per_page=query.per_page
        )
    )


@admin.post("/articles")
@openapi.tag("push")
@json_body(ArticleCreate)
@returns(ArticleAnswer, status=201)
@staff_required("push.write")
async def create_article(request: Request) -> HTTPResponse:
    """Compose an article; the body is sanitised to what WeChat articles render."""
    body = parse_body(request, ArticleCreate)
    article = await articles.create_article(data=body, who=who(request))
    return json(await article_answer(article, body.notice), status=201)


@admin.get("/articles/<article_id:int>")
@openapi.tag("push")
@returns(ArticleAnswer)
@staff_required("push.read")
async def get_article(request: Request, article_id: int) -> HTTPResponse:
    """One article with its size against WeChat's limits and its review, level by level."""
    return json(await article_answer(await articles.get_article(article_id=article_id)))


@admin.patch("/articles/<article_id:int>")
@openapi.tag("push")
@json_body(ArticleUpdate)
@returns(ArticleAnswer)
@staff_required("push.write")
async def update_article(request: Request, article_id: int) -> HTTPResponse:
    """Edit an article; a change to what would be sent starts its review again."""
    body = parse_body(request, ArticleUpdate)
    before = await articles.get_article(article_id=article_id)
    article = await articles.update_article(article_id=article_id, data=body, who=who(request))
    if article.version != before.version:
        await approval.on_edit(article, who(request))
    return json(await article_answer(article, body.notice))


@admin.post("/article-images")
@openapi.tag("push")
@openapi.body(
    {"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string"}}}}
)
@returns(ImageAnswer, status=201)
@staff_required("push.write")
async def upload_image(request: Request) -> HTTPResponse:
    """Upload a cover or an inline picture (JPG/PNG; larger ones are scaled and compressed)."""
    upload = request.files.get("file") if request.files else None
    if upload is None:
        raise Invalid("没有收到图片", fields={"file": "请选择图片文件"})
    image = await images.store_image(data=upload.body, filename=upload.name or "", who=who(request))
    return json(
        {
            "media_id": image.id,
            "url": images.image_url(image.id, image.ext),
            "width": image.width,
            "height": image.height,
            "size": image.size,
        },
        status=201,
    )


@admin.put("/default-covers/<code:str>")
@openapi.tag("push")
@json_body(CoverBody)
@returns(None, status=204, description="已设置")
@route_max_length(code=ACCOUNT_CODE_MAX)
@staff_required("push.write")
async def set_default_cover(request: Request, code: str) -> HTTPResponse:
    """Choose the cover an account's articles use when they have none."""
    body = parse_body(request, CoverBody)
    if code not in await accounts.accounts_by_code():
        raise Invalid(fields={"account": "没有这个公众号"})
    await images.set_default_cover(account_code=code, image_id=body.media_id, who=who(request))
    return empty()


# --- account groups ----------------------------------------------------------------------


@admin.get("/account-groups")
@openapi.tag("push")
@returns(GroupList)
@staff_required("push.read")
async def list_groups(request: Request) -> HTTPResponse:
    """Groups a plan can name: all accounts, the county's systems, saved groups."""
    return json({"groups": await accounts.list_groups()})


@admin.post("/account-groups")
@openapi.tag("push")
@json_body(GroupCreate)
@returns(GroupAnswer, status=201)
@staff_required("push.write")
async def create_group(request: Request) -> HTTPResponse:
    """Save a group of accounts under a name."""
    body = parse_body(request, GroupCreate)
    return json({"group": await accounts.create_group(data=body, who=who(request))}, status=201)


@admin.patch("/account-groups/<group_id:int>")
@openapi.tag("push")
@json_body(GroupUpdate)
@returns(GroupAnswer)
@staff_required("push.write")
async def update_group(request: Request, group_id: int) -> HTTPResponse:
    """Rename a saved group or change its accounts."""
    body = parse_body(request, GroupUpdate)
    group = await accounts.update_group(group_id=group_id, data=body, who=who(request))
    return json({"group": group})


@admin.delete("/account-groups/<group_id:int>")
@openapi.tag("push")
@returns(None, status=204, description="已删除")
@staff_required("push.write")
async def delete_group(request: Request, group_id: int) -> HTTPResponse:
    """Delete a saved group (plans made with it keep their deliveries)."""
    await accounts.delete_group(group_id=group_id, who=who(request))
    return empty()


# --- plans and deliveries ----------------------------------------------------------------


@admin.get("/pushes")
@openapi.tag("push")
@query(PushQuery)
@returns(PlanPage)
@staff_required("push.read")
async def list_pushes(request: Request) -> HTTPResponse:
    """Plans, newest first, with their deliveries counted by status."""
    query = parse_query(request, PushQuery)
    return json(
        await plans.list_plans(status=query.status, page=query.page, per_page=query.per_page)
    )


@admin.post("/pushes")
@openapi.tag("push")
@json_body(PlanCreate)
@returns(PlanAnswer, status=201)
@returns(PlanAnswer, status=200, description="同一幂等键的计划已存在，返回该计划")
@staff_required("push.write")
async def create_push(request: Request) -> HTTPResponse:
    """Plan an approved article to accounts and groups; refusals name the delivery."""
    body = parse_body(request, PlanCreate)
    plan, created = await plans.create_plan(data=body, who=who(request))
    return json({"plan": await plans.plan_to_dict(plan)}, status=201 if created else 200)


@admin.get("/pushes/<plan_id:int>")
@openapi.tag("push")
@returns(PlanAnswer)
@staff_required("push.read")
async def get_push(request: Request, plan_id: int) -> HTTPResponse:
    """A plan and each delivery's status: scheduled, sending, published (URL), failed
    (errcode and message) or cancelled."""
    return json({"plan": await plans.plan_to_dict(await plans.get_plan(plan_id=plan_id))})


async def _delivery_answer(plan_id: int, delivery_id: int) -> dict[str, Any]:
    plan = await plans.get_plan(plan_id=plan_id)
    data = await plans.plan_to_dict(plan)
    row = next(d for d in data["deliveries"] if d["id"] == delivery_id)
    return {"delivery": row}


@admin.post("/pushes/<plan_id:int>/deliveries/<delivery_id:int>/cancel")
@openapi.tag("push")
@returns(DeliveryAnswer)
@staff_required("push.write")
async def cancel_delivery(request: Request, plan_id: int, delivery_id: int) -> HTTPResponse:
    """Cancel a delivery before its time (409 once it has started)."""
    await plans.cancel_delivery(plan_id=plan_id, delivery_id=delivery_id, who=who(request))
    return json(await _delivery_answer(plan_id, delivery_id))


@admin.post("/pushes/<plan_id:int>/deliveries/<delivery_id:int>/reschedule")
@openapi.tag("push")
@json_body(RescheduleBody)
@returns(DeliveryAnswer)
@staff_required("push.write")
async def reschedule_delivery(request: Request, plan_id: int, delivery_id: int) -> HTTPResponse:
    """Move a delivery that has not started to another time (quotas checked again)."""
    body = parse_body(request, RescheduleBody)
    await plans.reschedule_delivery(
        plan_id=plan_id, delivery_id=delivery_id, at=body.at, who=who(request)
    )
    return json(await _delivery_answer(plan_id, delivery_id))


@admin.post("/pushes/<plan_id:int>/deliveries/<delivery_id:int>/retry")
@openapi.tag("push")
@returns(DeliveryAnswer)
@staff_required("push.write")
async def retry_delivery(request: Request, plan_id: int, delivery_id: int) -> HTTPResponse:
    """Send a failed delivery again now, from its last recorded step."""
    await plans.retry_delivery(plan_id=plan_id, delivery_id=delivery_id, who=who(request))
    return json(await _delivery_answer(plan_id, delivery_id))


@admin.get("/calendar")
@openapi.tag("push")
@query(CalendarQuery)
@returns(CalendarAnswer)
@staff_required("push.read")
async def get_calendar(request: Request) -> HTTPResponse:
    """Everything scheduled and sent across all accounts, day by day, with conflicts marked."""
    query = parse_query(request, CalendarQuery)
    return json(await calendar(start=query.from_, end=query.to))


# --- residents ---------------------------------------------------------------------------


@mp.get("/articles")
@openapi.tag("mini-program")
@query(MpArticleQuery)
@returns(MpArticlePage)
async def mp_articles(request: Request) -> HTTPResponse:
    """Published policy articles, newest first."""
    query = parse_query(request, MpArticleQuery)
    return json(
        await published.list_published(
            domain_id=query.domain_id, page=query.page, per_page=query.per_page
        )
    )


@mp.get("/articles/<article_id:int>")
@openapi.tag("mini-program")
@returns(MpArticleAnswer)
async def mp_article(request: Request, article_id: int) -> HTTPResponse:
    """One published article exactly as it went out (404 before it is published)."""
    return json({"article": await published.get_published(article_id=article_id)})
