"""The submit and review endpoints, added to a domain's blueprints with a few lines.

    reviews = ReviewRoutes(
        kind="article",
        path="/articles/<article_id:int>",
        load=load_for_review,              # async (object_id, staff) -> Reviewable (or NotFound)
        submit_permission="push.write",
        review_permission="push.review",
    )
    reviews.add_api(api.bp)   # POST …/articles/{id}/submit, POST …/review, GET …/review
    reviews.add_console(pages.bp, page_url=lambda article_id: f"/console/articles/{article_id}")

The console routes answer htmx with the re-rendered partial `review/_review.html` (errors shown
inside it) and plain form posts with a 303 back to the content's page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse, json, redirect
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.csrf import form_of
from gateway.auth.decorators import client_ip
from gateway.auth.models import StaffUser
from gateway.auth.permissions import has_permission
from gateway.errors import ApiError, Invalid, fields_from_validation, parse_body
from gateway.openapi import json_body, returns
from gateway.review import service
from gateway.review.kinds import get_kind
from gateway.review.schemas import (
    ReviewAnswer,
    ReviewBody,
    ReviewHistoryAnswer,
    SubmitBody,
)
from gateway.review.service import Actor, Reviewable

M = TypeVar("M", bound=BaseModel)
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
Loader = Callable[[Any, StaffUser], Awaitable[Reviewable]]

_PARAM = re.compile(r"<[^>]+>")


def actor_of(request: Request) -> Actor:
    """The signed-in staff member as the review service sees them."""
    staff: StaffUser = request.ctx.staff
    return Actor(id=staff.id, name=staff.username, ip=client_ip(request))


def _object_id(params: dict[str, Any]) -> Any:
    if len(params) != 1:
        raise ValueError("a review path must hold exactly one route parameter (the object's id)")
    return next(iter(params.values()))


@dataclass(frozen=True)
class ReviewRoutes:
    """How a domain exposes review of one kind of its content."""

    kind: str
    # The content's path relative to the blueprint, with one parameter: "/articles/<id:int>".
    path: str
    load: Loader
    submit_permission: str
    review_permission: str
    # Who may read the review state and history (default: whoever may submit).
    read_permission: str | None = None
    tag: str = "review"

    def __post_init__(self) -> None:
        get_kind(self.kind)  # the kind must be registered before its routes
        if len(_PARAM.findall(self.path)) != 1:
            raise ValueError(f"{self.path!r}: a review path holds exactly one route parameter")

    @property
    def _read(self) -> str:
        return self.read_permission or self.submit_permission

    def url(self, bp: Blueprint, object_id: Any, action: str) -> str:
        prefix = (bp.url_prefix or "").rstrip("/")
        return prefix + _PARAM.sub(quote(str(object_id), safe=""), self.path) + "/" + action

    # --- JSON API ------------------------------------------------------------------------

    def add_api(self, bp: Blueprint) -> None:
        """POST {path}/submit, POST {path}/review and GET {path}/review on a JSON blueprint."""
        label = get_kind(self.kind).label

        @staff_required(self.submit_permission)
        async def submit(request: Request, **params: Any) -> HTTPResponse:
            body = _optional_body(request, SubmitBody)
            item = await self.load(_object_id(params), request.ctx.staff)
            review = await service.submit(
                item=item, actor=actor_of(request), note=body.note, expected_version=body.version
            )
            return json({"review": review.model_dump()}, status=201)

        @staff_required(self.review_permission)
        async def review(request: Request, **params: Any) -> HTTPResponse:
            body = parse_body(request, ReviewBody)
            item = await self.load(_object_id(params), request.ctx.staff)
            state = await service.sign(
                item=item,
                actor=actor_of(request),
                decision=body.decision,
                comment=body.comment,
                expected_version=body.version,
                expected_level=body.level,
            )
            return json({"review": state.model_dump()})

        @staff_required(self._read)
        async def show(request: Request, **params: Any) -> HTTPResponse:
            item = await self.load(_object_id(params), request.ctx.staff)
            state = await service.state(item=item)
            events = await service.history(kind=item.kind, object_id=item.key)
            return json({"review": state.model_dump(), "history": [e.model_dump() for e in events]})

        name = f"{self.kind}_review"
        _name(submit, f"{name}_submit", f"送审：{label}的当前版本进入逐级审核")
        _name(review, f"{name}_sign", f"审核：签署{label}待签的一级（通过或退回，退回须填写意见）")
        _name(show, f"{name}_show", f"{label}当前版本的审核状态与审核记录")
        bp.add_route(
            _documented(submit, self.tag, SubmitBody, ReviewAnswer, 201),
            self.path + "/submit",
            methods=["POST"],
            name=f"{name}_submit",
        )
        bp.add_route(
            _documented(review, self.tag, ReviewBody, ReviewAnswer, 200),
            self.path + "/review",
            methods=["POST"],
            name=f"{name}_sign",
        )
        bp.add_route(
            _documented(show, self.tag, None, ReviewHistoryAnswer, 200),
            self.path + "/review",
            methods=["GET"],
            name=f"{name}_show",
        )

    # --- console -------------------------------------------------------------------------

    async def panel(self, request: Request, bp: Blueprint, item: Reviewable) -> dict[str, Any]:
        """Template context for `{% include "review/_review.html" %}` on the content's page."""
        staff: StaffUser = request.ctx.staff
        return {
            "review": await service.state(item=item),
            "history": await service.history(kind=item.kind, object_id=item.key),
            "review_urls": {
                "submit": self.url(bp, item.object_id, "submit"),
                "review": self.url(bp, item.object_id, "review"),
                "panel": self.url(bp, item.object_id, "review"),
            },
            "can_submit": has_permission(staff, self.submit_permission),
            "can_review": has_permission(staff, self.review_permission)
            and staff.id != item.author_id,
            "review_error": str(request.args.get("review_error", ""))[:200],
        }

    def add_console(self, bp: Blueprint, *, page_url: Callable[[Any], str]) -> None:
        """Form endpoints behind the partial: POST {path}/submit, POST {path}/review and
        GET {path}/review (the partial alone, for htmx)."""
        from gateway.console import render

        async def answer(
            request: Request, object_id: Any, item: Reviewable, error: str = ""
        ) -> HTTPResponse:
            if request.headers.get("HX-Request"):
                context = await self.panel(request, bp, item)
                context["review_error"] = error
                return render(request, "review/_review.html", **context)
            target = page_url(object_id)
            if error:
                target += ("&" if "?" in target else "?") + "review_error=" + quote(error)
            return redirect(target + "#review-panel", status=303)

        async def act(
            request: Request,
            params: dict[str, Any],
            step: Callable[[Reviewable, RequestParameters], Awaitable[object]],
        ) -> HTTPResponse:
            object_id = _object_id(params)
            item = await self.load(object_id, request.ctx.staff)
            try:
                await step(item, form_of(request))
            except ApiError as exc:
                return await answer(request, object_id, item, _message(exc))
            return await answer(request, object_id, await self.load(object_id, request.ctx.staff))

        @staff_required(self.submit_permission)
        async def submit(request: Request, **params: Any) -> HTTPResponse:
            async def step(item: Reviewable, form: RequestParameters) -> object:
                body = _form_body(SubmitBody, form, ("version", "note"))
                return await service.submit(
                    item=item,
                    actor=actor_of(request),
                    note=body.note,
                    expected_version=body.version,
                )

            return await act(request, params, step)

        @staff_required(self.review_permission)
        async def review(request: Request, **params: Any) -> HTTPResponse:
            async def step(item: Reviewable, form: RequestParameters) -> object:
                body = _form_body(ReviewBody, form, ("decision", "comment", "version", "level"))
                return await service.sign(
                    item=item,
                    actor=actor_of(request),
                    decision=body.decision,
                    comment=body.comment,
                    expected_version=body.version,
                    expected_level=body.level,
                )

            return await act(request, params, step)

        @staff_required(self._read)
        async def fragment(request: Request, **params: Any) -> HTTPResponse:
            item = await self.load(_object_id(params), request.ctx.staff)
            return render(request, "review/_review.html", **await self.panel(request, bp, item))

        label = get_kind(self.kind).label
        name = f"{self.kind}_review_console"
        for handler, suffix, doc in (
            (submit, "submit", f"控制台：送审{label}"),
            (review, "sign", f"控制台：签署{label}的审核"),
            (fragment, "panel", f"控制台：{label}的审核面板（htmx 片段）"),
        ):
            _name(handler, f"{name}_{suffix}", doc)
            openapi.tag("console")(handler)
        bp.add_route(submit, self.path + "/submit", methods=["POST"], name=f"{name}_submit")
        bp.add_route(review, self.path + "/review", methods=["POST"], name=f"{name}_sign")
        bp.add_route(fragment, self.path + "/review", methods=["GET"], name=f"{name}_panel")


def _name(handler: Callable[..., Any], name: str, doc: str) -> None:
    # Generated per kind: a name and summary of their own in the OpenAPI description.
    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = doc


def _documented(
    handler: Handler,
    tag: str,
    body: type[SubmitBody] | type[ReviewBody] | None,
    answer: type[ReviewAnswer] | type[ReviewHistoryAnswer],
    status: int,
) -> Handler:
    documented = openapi.tag(tag)(handler)
    if body is not None:
        documented = json_body(body)(documented)
    return returns(answer, status=status)(documented)  # type: ignore[no-any-return]


def _optional_body(request: Request, schema: type[SubmitBody]) -> SubmitBody:
    """The submit body may be left out entirely."""
    if not request.body or not request.body.strip():
        return schema.model_validate({})
    return parse_body(request, schema)


def _form_body(schema: type[M], form: RequestParameters, names: tuple[str, ...]) -> M:
    data = {n: form.get(n) for n in names if form.get(n) not in (None, "")}
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise Invalid(fields=fields_from_validation(exc)) from exc


def _message(exc: ApiError) -> str:
    if exc.fields:
        return "；".join(exc.fields.values())
    return exc.message
