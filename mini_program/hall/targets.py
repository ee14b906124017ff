"""Where a spot may send a visitor: mini-program pages of our app and product pages, nothing else.

A target is either `{"page": "pages/item/index", "params": {"id": 12}}` (a mini-program page
with its parameters) or `{"path": "/hall"}` (a page of the product). Each mini-program page
has a plain mobile web page showing the same content (`/m/...`), which browsers outside
WeChat get; each product path that shows mini-program content maps back to its page, so the
mini-program can open every target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

MAX_ID = 2**31 - 1
MAX_TEXT_PARAM = 50


@dataclass(frozen=True)
class PageSpec:
    label: str
    # Parameter name → "id" (a positive integer) or "text" (up to 50 characters).
    params: dict[str, str]
    required: tuple[str, ...]
    web: str  # the mobile web page; {id} is filled in


# The mini-program pages a spot may open (each exists in mini_program/client/app.json; a test
# holds the two lists together).
PAGES: dict[str, PageSpec] = {
    "pages/index/index": PageSpec("小程序首页", {}, (), "/m/"),
    "pages/item/index": PageSpec("公开事项", {"id": "id"}, ("id",), "/m/items/{id}"),
    "pages/document/index": PageSpec("政策文件", {"id": "id"}, ("id",), "/m/documents/{id}"),
    "pages/domain/index": PageSpec("公开领域", {"id": "id"}, ("id",), "/m/domains/{id}"),
    "pages/search/index": PageSpec("搜索", {"q": "text"}, (), "/m/search"),
    "pages/normative/index": PageSpec("规范性文件查询", {}, (), "/m/normative"),
    "pages/open-days/index": PageSpec("政府开放日", {}, (), "/m/open-days"),
    "pages/open-day/index": PageSpec("开放日活动", {"id": "id"}, ("id",), "/m/open-days/{id}"),
    "pages/ask/index": PageSpec("咨询留言", {}, (), "/m/ask"),
    # Asking online needs the resident's WeChat login: outside WeChat the same spot shows how
    # to ask in person or by phone (/m/ask).
    "pages/consult/index": PageSpec("我要咨询", {"domain": "id"}, (), "/m/ask"),
    "pages/qa/index": PageSpec("常见问答", {"domain": "id"}, (), "/m/ask"),
}

# Product pages a spot may point at directly: the kiosk, the terminal's application form
# (built by the applications room) and the mobile pages above; a search may carry its words
# (raw, not percent-encoded: the document states this very pattern).
PATH_RE = re.compile(
    r"^(?:/hall|/hall/apply|/m/"
    r"|/m/(?:items|documents|domains|open-days)/[1-9][0-9]{0,9}"
    r"|/m/(?:search|normative|open-days|ask)"
    rf"|/m/search\?q=[^\s&#=%+?]{{1,{MAX_TEXT_PARAM}}})$"
)
_WEB_TO_PAGE = [
    (re.compile(r"^/m/items/(\d+)$"), "pages/item/index"),
    (re.compile(r"^/m/documents/(\d+)$"), "pages/document/index"),
    (re.compile(r"^/m/domains/(\d+)$"), "pages/domain/index"),
    (re.compile(r"^/m/open-days/(\d+)$"), "pages/open-day/index"),
]
_WEB_PLAIN = {
    "/m/search": "pages/search/index",
    "/m/normative": "pages/normative/index",
    "/m/open-days": "pages/open-days/index",
    "/m/ask": "pages/consult/index",
}


def validate(raw: Any) -> dict[str, Any]:
    """The normalised target, or ValueError with a Chinese reason (used by the schemas)."""
    if not isinstance(raw, dict):
        raise ValueError('目标应为对象：{"page", "params"} 或 {"path"}')
    if set(raw) - {"page", "params", "path"}:
        raise ValueError("目标只能包含 page、params 或 path")
    if "page" in raw and "path" in raw:
        raise ValueError("目标只能是小程序页面或本站页面之一")
    if "page" in raw:
        return _validate_page(raw.get("page"), raw.get("params", {}))
    if "path" in raw:
        if "params" in raw:
            raise ValueError("本站页面的参数请写在 path 中")
        return {"path": _validate_path(raw.get("path"))}
    raise ValueError("请指定小程序页面（page）或本站页面（path）")


def _validate_page(page: Any, params: Any) -> dict[str, Any]:
    if not isinstance(page, str) or page not in PAGES:
        raise ValueError("只能指向本小程序的页面（如 pages/item/index）")
    spec = PAGES[page]
    if not isinstance(params, dict):
        raise ValueError("页面参数应为对象")
    clean = {name: _param(spec, name, value) for name, value in params.items()}
    missing = [name for name in spec.required if name not in clean]
    if missing:
        raise ValueError(f"页面「{spec.label}」需要参数 {'、'.join(missing)}")
    return {"page": page, "params": clean}


def _param(spec: PageSpec, name: str, value: Any) -> Any:
    kind = spec.params.get(name)
    if kind is None:
        raise ValueError(f"页面「{spec.label}」没有参数 {name}")
    if kind == "id":
        # Taken as sent: "12" is not an id (the console's form converts its text first).
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
            raise ValueError(f"参数 {name} 应为正整数")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"参数 {name} 应为非空文本")
    if len(value) > MAX_TEXT_PARAM:
        raise ValueError(f"参数 {name} 最多 {MAX_TEXT_PARAM} 个字")
    return value


def _validate_path(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise ValueError("本站页面应为以 / 开头的路径")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        raise ValueError("只能指向本站页面，不能指向外部网址")
    if not PATH_RE.match(path):
        raise ValueError("只能指向本站的公开页面（如 /hall、/m/items/12、/m/search?q=低保）")
    return path


def json_schema() -> dict[str, Any]:
    """What the document says a target is: one object per page with its parameters, or a
    product path; built from PAGES and PATH_RE, the validator's own rules."""
    options: list[dict[str, Any]] = []
    for page, spec in PAGES.items():
        properties = {
            name: (
                {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                if kind == "id"
                else {"type": "string", "pattern": r"\S", "maxLength": MAX_TEXT_PARAM}
            )
            for name, kind in spec.params.items()
        }
        params: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": list(spec.required),
            "additionalProperties": False,
        }
        option: dict[str, Any] = {
            "type": "object",
            "title": spec.label,
            "properties": {"page": {"const": page}, "params": params},
            "required": ["page", "params"] if spec.required else ["page"],
            "additionalProperties": False,
        }
        options.append(option)
    path = {"type": "string", "pattern": PATH_RE.pattern}
    options.append(
        {
            "type": "object",
            "title": "本站页面",
            "properties": {"path": path},
            "required": ["path"],
            "additionalProperties": False,
        }
    )
    return {"oneOf": options}


def web_path(target: dict[str, Any]) -> str:
    """The product page a browser outside WeChat is sent to."""
    if "path" in target:
        # A search's words are kept as typed; the address a browser is sent to is encoded.
        return quote(str(target["path"]), safe="/?=")
    spec = PAGES[target["page"]]
    params = target.get("params") or {}
    path = spec.web.format(**params)
    extra = {k: v for k, v in params.items() if k != "id"}
    return path + ("?" + urlencode(extra) if extra else "")


def mp_page(target: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The mini-program page and parameters that show this target."""
    if "page" in target:
        return str(target["page"]), dict(target.get("params") or {})
    parts = urlsplit(str(target["path"]))
    for pattern, page in _WEB_TO_PAGE:
        found = pattern.match(parts.path)
        if found:
            return page, {"id": int(found.group(1))}
    if parts.path in _WEB_PLAIN:
        return _WEB_PLAIN[parts.path], dict(parse_qsl(parts.query))
    # The kiosk and the terminal's forms have no page of their own in the mini-program.
    return "pages/index/index", {}


def has_mp_page(target: dict[str, Any]) -> bool:
    """Whether the mini-program has a page for this target (the kiosk and forms have none)."""
    if "page" in target:
        return True
    path = urlsplit(str(target["path"])).path
    return path == "/m/" or path in _WEB_PLAIN or any(p.match(path) for p, _ in _WEB_TO_PAGE)


def mp_url(target: dict[str, Any]) -> str:
    """`/pages/item/index?id=12`: what wx.redirectTo takes."""
    page, params = mp_page(target)
    query = urlencode(params, quote_via=quote)
    return "/" + page + ("?" + query if query else "")


def describe(target: dict[str, Any]) -> str:
    """Chinese description for the console: 「公开事项 #12」, 「本站页面 /hall」."""
    if "path" in target:
        return f"本站页面 {target['path']}"
    spec = PAGES[target["page"]]
    params = target.get("params") or {}
    if "id" in params:
        return f"{spec.label} #{params['id']}"
    if params.get("q"):
        return f"{spec.label}「{params['q']}」"
    return spec.label
