"""What the queue's console pages share: the signed-in actor, form parsing, redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from sanic import Request
from sanic.response import HTTPResponse, redirect

from gateway.auth import has_permission
from gateway.auth.csrf import form_of
from gateway.console import render
from gateway.errors import fields_from_validation
from mini_program.consultations.api import actor_of

__all__ = ["STATIC", "actor_of", "form_dict", "parse_form", "see_other", "show"]

M = TypeVar("M", bound=BaseModel)
STATIC = Path(__file__).resolve().parent.parent / "static"


VERBS = ("intake", "answer", "assign", "publish", "settings", "reassign_request")


def show(request: Request, template: str, *, status: int = 200, **context: Any) -> HTTPResponse:
    """render() with `can.<verb>`: which consultation actions the signed-in staff may take."""
    staff = request.ctx.staff
    can = {verb: has_permission(staff, f"consultations.{verb}") for verb in VERBS}
    return render(request, template, status=status, can=can, **context)


def see_other(path: str, **params: str) -> HTTPResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return redirect(path + (f"?{query}" if query else ""), status=303)


def form_dict(request: Request, *names: str) -> dict[str, str]:
    form = form_of(request)
    return {name: (form.get(name) or "") for name in names}


def parse_form(schema: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Validate form fields against a schema: (model, {}) or (None, field errors)."""
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        return None, fields_from_validation(exc)


def int_arg(request: Request, name: str, default: int = 1, high: int = 10000) -> int:
    try:
        return max(1, min(int(request.args.get(name) or default), high))
    except ValueError:
        return default
