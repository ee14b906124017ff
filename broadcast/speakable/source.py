"""Text to read aloud from a published page: HTML stripped, tables and attachment lists left out.

Documents and articles are written to be read on a screen; what a loudspeaker says is their
running text. Tables (figures in cells make no sense spoken), scripts, images, captions and the
list of attachments at the end (file names) are dropped; paragraphs stay paragraphs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose whole content is left out.
SKIPPED = frozenset(
    {"table", "script", "style", "noscript", "template", "figure", "figcaption", "img", "svg",
     "video", "audio", "iframe", "object", "canvas", "button", "form", "select", "nav", "head"}
)  # fmt: skip
BLOCKS = frozenset(
    {"p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
     "br", "tr", "blockquote", "pre", "header", "footer", "dd", "dt", "hr"}
)  # fmt: skip
FILE_SUFFIX = r"\.(?:docx?|xlsx?|pptx?|pdf|wps|et|ofd|zip|rar|7z|jpe?g|png|txt|csv)"
# "附件：", "附件1 申请书.docx", "附件2：家庭经济状况核对授权书" — the attachment list.
_ATTACHMENT_LINE = re.compile(
    rf"^\s*(?:附件\s*[0-9一二三四五六七八九十]*\s*[:：.、]?.*|.*{FILE_SUFFIX}\s*)$", re.IGNORECASE
)
# Plain-text tables: several cells separated by | or tabs.
_TABLE_LINE = re.compile(r"^(?:[^|\t\n]*[|\t]){2,}[^|\t\n]*$")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.attachment_block = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if self.skipping or tag in SKIPPED or "attach" in classes.lower():
            if tag not in ("br", "img", "hr", "input", "meta", "link", "source", "wbr"):
                self.skipping.append(tag)
            return
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(?:p|div|br|span|table|h[1-6]|section|article|li)\b", text, re.I))


def readable_text(body: str) -> str:
    """The running text of a body (HTML or plain), without tables or its attachment list."""
    if looks_like_html(body):
        parser = _Text()
        parser.feed(body)
        parser.close()
        body = "".join(parser.parts)
    lines = [line.strip() for line in body.replace("\r", "\n").split("\n")]
    kept = [
        line
        for line in lines
        if line and not _ATTACHMENT_LINE.match(line) and not _TABLE_LINE.match(line)
    ]
    return "\n".join(kept)


def document_text(*, title: str, doc_no: str | None, body: str) -> str:
    """What a document's "listen" reads: the title, its number, then the running text."""
    head = [title.strip()]
    if doc_no:
        head.append(doc_no.strip())
    return "\n".join([*head, readable_text(body)])
