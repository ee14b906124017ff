"""The console's shell: Jinja rendering, the sidebar menu and the home page's tiles.

Other rooms use:
    from gateway.console import render, register_nav, register_tile

    register_nav("公众号矩阵", "/console/matrix", "accounts.read")

    async def accounts_tile() -> dict:
        return {"label": "公众号", "value": 28, "href": "/console/matrix"}
    register_tile(accounts_tile)

    return render(request, "matrix/accounts.html", accounts=rows)   # extends console/base.html

Templates live in each package's `templates/` directory, named `<domain>/<page>.html`.
In templates: `{{ csrf_field() }}` inside every POST form, `{{ static('console.css') }}`,
`{{ value|localtime }}` for datetimes (shown in Asia/Shanghai), `{{ role_label(role) }}`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from sanic import Request
from sanic.response import HTTPResponse, html

from gateway import domains
from gateway.auth import csrf, decorators
from gateway.auth.permissions import has_permission
from gateway.auth.service import role_label
from gateway.clock import SHANGHAI
from gateway.config import get_settings

log = logging.getLogger("govmatrix.console")

STATIC_DIR = Path(__file__).resolve().parent / "static"

Tile = dict[str, Any]
TileFn = Callable[..., Awaitable[Tile | None]]


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    permission: str | None
    order: int = 100


_nav: list[NavItem] = []
_tiles: list[TileFn] = []
_env: Environment | None = None


def register_nav(label: str, path: str, permission: str | None = None, *, order: int = 100) -> None:
    """Add a sidebar entry, shown to staff holding `permission` (None: everyone signed in).

    Entries appear by `order`, then in registration order (the overview is 0, the
    administration pages 900).
    """
    if any(item.path == path for item in _nav):
        return  # modules imported twice (tests, reloads) must not duplicate the menu
    _nav.append(NavItem(label, path, permission, order))
    _nav.sort(key=lambda item: item.order)  # stable: ties keep registration order


def register_tile(fn: TileFn) -> TileFn:
    """Add a tile to the console home ("全县概览"). Usable as a decorator.

    `fn` is an async function returning {"label", "value", "href"} (or None to hide the
    tile); it may take one argument, the signed-in StaffUser, to scope what it counts.
    An optional "items" list ({"label", "href", "note"}) is listed under the tiles (e.g. the
    overdue questions themselves).
    """
    if fn not in _tiles:
        _tiles.append(fn)
    return fn


def nav_for(staff: Any) -> list[NavItem]:
    if staff is None:
        return []
    return [i for i in _nav if i.permission is None or has_permission(staff, i.permission)]


async def tiles_for(staff: Any) -> list[Tile]:
    """Every registered tile's current figure; one failing tile shows "—" instead of an error."""
    out: list[Tile] = []
    for fn in _tiles:
        try:
            takes_staff = len(inspect.signature(fn).parameters) >= 1
            tile = await (fn(staff) if takes_staff else fn())
        except Exception:
            log.exception("console tile %s failed", getattr(fn, "__qualname__", fn))
            tile = {"label": getattr(fn, "__doc__", None) or "统计", "value": "—", "href": ""}
        if tile:
            out.append(tile)
    return out


def template_dirs() -> list[str]:
    """The directories of every domain's console templates, in domain order."""
    return [str(d) for d in domains.template_dirs()]


def _localtime(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime(fmt)
        return value.astimezone(SHANGHAI).strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@pass_context
def _csrf_field(context: Any) -> Markup:
    token = csrf.csrf_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(csrf.FIELD, token)


@pass_context
def _csrf_token(context: Any) -> str:
    return csrf.csrf_token(context["request"])


def _static(path: str) -> str:
    """URL of a static file, with its modification time so browsers refetch changed files."""
    file = STATIC_DIR / path
    try:
        version = int(file.stat().st_mtime)
    except OSError:
        return f"/static/{path}"
    return f"/static/{path}?v={version}"


def get_env() -> Environment:
    global _env
    if _env is None:
        env = Environment(
            loader=FileSystemLoader(template_dirs()),
            autoescape=select_autoescape(["html", "htm", "xml", "svg"], default=True),
            auto_reload=not get_settings().is_production,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(
            csrf_field=_csrf_field,
            csrf_token=_csrf_token,
            static=_static,
            role_label=role_label,
        )
        env.filters["localtime"] = _localtime
        _env = env
    return _env


def render(
    request: Request, template_name: str, *, status: int = 200, **context: Any
) -> HTTPResponse:
    """Render a console page into an HTML response (status via `status=`)."""
    staff = getattr(request.ctx, "staff", None)
    context.setdefault("request", request)
    context.setdefault("staff", staff)
    context.setdefault("nav", nav_for(staff))
    context.setdefault("current_path", request.path)
    body = get_env().get_template(template_name).render(**context)
    page = html(body, status=status)
    csrf.set_csrf_cookie(request, page)
    return page


def _refusal_page(request: Request, message: str) -> HTTPResponse:
    return render(request, "console/forbidden.html", message=message, status=403)


decorators.set_refusal_page(_refusal_page)


def render_fragment(template_name: str, **context: Any) -> str:
    """Render a template to a string (htmx fragments, e-mails)."""
    return get_env().get_template(template_name).render(**context)
