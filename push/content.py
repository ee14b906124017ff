"""Article HTML: sanitised to what WeChat articles render, measured against WeChat's limits,
hashed, and its images rewritten to the URLs an account's WeChat gave them.

Sanitising uses nh3 (Ammonia). WeChat articles have no stylesheet and run no script, so what
survives is structure (paragraphs, headings, lists, tables, quotes), inline emphasis, inline
`style` limited to typographic properties, our own uploaded images, and links to other WeChat
articles (WeChat drops every other link; we unwrap them so the editor sees what readers will).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import nh3

TITLE_MAX = 64
AUTHOR_MAX = 16
DIGEST_MAX = 120
SOURCE_URL_MAX = 1024
# WeChat: content "under 20,000 characters and under 1 MB" (both strict).
CONTENT_CHARS_LIMIT = 20_000
CONTENT_BYTES_LIMIT = 1024 * 1024
# Our image URLs are replaced by WeChat's (mmbiz) URLs before sending; those run to about
# 140 characters, so each image is counted at that length when measuring.
WECHAT_IMAGE_URL_CHARS = 140

IMAGE_PATH_PREFIX = "/media/push/"
IMAGE_SRC_RE = re.compile(r"^/media/push/([0-9a-f]{32})\.(jpg|png)$")
_IMG_SRC_IN_HTML = re.compile(r'src="(/media/push/([0-9a-f]{32})\.(?:jpg|png))"')
WECHAT_LINK_PREFIXES = ("https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/")

TAGS = {
    "p", "br", "span", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup",
    "h1", "h2", "h3", "h4", "blockquote", "pre", "code", "hr",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "section", "figure", "figcaption", "img", "a",
}  # fmt: skip
# Removed together with everything inside them (not unwrapped into text).
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "textarea",
    "select", "button", "form", "svg", "math", "video", "audio", "canvas", "frame",
    "frameset", "applet", "title", "head", "link", "meta",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"style"},
    "img": {"src", "alt"},
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-size", "font-weight", "font-style",
    "text-decoration", "text-align", "text-indent", "line-height", "letter-spacing",
    "margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
    "padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
    "border", "border-top", "border-bottom", "border-left", "border-right", "border-collapse",
    "width", "max-width", "height", "vertical-align", "list-style-type", "white-space",
}  # fmt: skip
_COUNTED_TAGS = re.compile(r"<\s*(script|iframe|style|object|embed|form)\b", re.I)
_HANDLER_ATTR = re.compile(r"\son[a-z]+\s*=", re.I)
_EMPTY_LINK = re.compile(r"<a>(.*?)</a>", re.S)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_TAG = re.compile(r"<[^>]+>")
_IMG_TAG = re.compile(r"<img\b", re.I)
_LINK_TAG = re.compile(r"<a\s[^>]*href", re.I)


@dataclass
class Sanitized:
    html: str
    # What was taken out, in words an editor understands (shown after saving pasted HTML).
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def notice(self) -> str:
        labels = {
            "scripts": "脚本、框架或样式表",
            "handlers": "事件属性",
            "images": "外部或内嵌图片（请通过“插入图片”上传）",
            "links": "非微信文章链接",
        }
        parts = [f"{labels[k]} {n} 处" for k, n in self.removed.items() if n and k in labels]
        return "已按微信图文规范清理：移除" + "、".join(parts) if parts else ""


def _own_image(value: str, public_base: str) -> str | None:
    """Our uploaded image's path, also when pasted as an absolute URL of this server."""
    value = value.strip()
    if public_base and value.startswith(public_base.rstrip("/") + IMAGE_PATH_PREFIX):
        value = value[len(public_base.rstrip("/")) :]
    return value if IMAGE_SRC_RE.match(value) else None


def sanitize(html: str, *, public_base: str = "") -> Sanitized:
    """HTML an article may carry, and what was removed from the input."""

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return _own_image(value, public_base)
        if tag == "a" and attr == "href":
            return value.strip() if value.strip().startswith(WECHAT_LINK_PREFIXES) else None
        if attr == "style":
            lowered = value.lower()
            # Property names are filtered by nh3; values must not load anything either.
            if "url(" in lowered or "expression" in lowered or "javascript:" in lowered:
                return None
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        link_rel=None,
        url_schemes={"https", "http"},
        filter_style_properties=STYLE_PROPERTIES,
        strip_comments=True,
    )
    cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    cleaned = _EMPTY_LINK.sub(r"\1", cleaned)
    removed = {
        "scripts": len(_COUNTED_TAGS.findall(html)),
        "handlers": len(_HANDLER_ATTR.findall(html)),
        "images": len(_IMG_TAG.findall(html)) - len(_IMG_TAG.findall(cleaned)),
        "links": len(_LINK_TAG.findall(html)) - len(_LINK_TAG.findall(cleaned)),
    }
    return Sanitized(html=cleaned.strip(), removed=removed)


@dataclass(frozen=True)
class Measure:
    chars: int
    bytes: int
    text_chars: int

    @property
    def too_long(self) -> bool:
        return self.chars >= CONTENT_CHARS_LIMIT

    @property
    def too_big(self) -> bool:
        return self.bytes >= CONTENT_BYTES_LIMIT


def measure(html: str) -> Measure:
    """The body's size as WeChat will count it (our image URLs at WeChat's URL length)."""
    images = _IMG_SRC_IN_HTML.findall(html)
    extra = sum(WECHAT_IMAGE_URL_CHARS - len(src) for src, _ in images)
    text = _TAG.sub("", html)
    return Measure(
        chars=len(html) + extra,
        bytes=len(html.encode("utf-8")) + extra,
        text_chars=len(text.strip()),
    )


def content_error(html: str) -> str | None:
    """The field error for a body WeChat would refuse, or None."""
    if not _TAG.sub("", html).strip() and "<img" not in html:
        return "正文不能为空"
    size = measure(html)
    if size.too_long:
        return (
            f"正文（含排版代码）共 {size.chars} 个字符，微信要求少于 {CONTENT_CHARS_LIMIT} 个字符"
        )
    if size.too_big:
        return f"正文共 {size.bytes} 字节，微信要求小于 1MB"
    return None


def image_ids(html: str) -> list[str]:
    """Ids of our images the body shows, in order, each once."""
    seen: dict[str, None] = {}
    for _src, image_id in _IMG_SRC_IN_HTML.findall(html):
        seen.setdefault(image_id, None)
    return list(seen)


def with_image_urls(html: str, urls: dict[str, str]) -> str:
    """The body with each of our images pointing at the URL WeChat gave it."""

    def swap(match: re.Match[str]) -> str:
        url = urls.get(match.group(2))
        return f'src="{url}"' if url else match.group(0)

    return _IMG_SRC_IN_HTML.sub(swap, html)


def absolute_images(html: str, public_base: str) -> str:
    """The body with our image paths made absolute (the mini-program loads them by URL)."""
    base = public_base.rstrip("/")
    return _IMG_SRC_IN_HTML.sub(lambda m: f'src="{base}{m.group(1)}"', html)


def payload_hash(fields: dict[str, object]) -> str:
    """SHA-256 of the fields that go out, in one canonical spelling."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def plain_text(html: str, limit: int | None = None) -> str:
    text = re.sub(r"\s+", " ", _TAG.sub(" ", html)).strip()
    return text[:limit] if limit else text
