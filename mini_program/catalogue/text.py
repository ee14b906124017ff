"""Chinese text for search: jieba segmentation, query terms, synonyms, highlighting.

jieba's dictionary takes ~0.6 s to load, so it is loaded once per process (`load()`, called at
server start and by the CLI) and never per request.
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import jieba

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 12

# Words a resident types and the words the catalogue uses for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "低保": ("最低生活保障",),
    "最低生活保障": ("低保",),
    "扶贫": ("乡村振兴",),
    "乡村振兴": ("扶贫",),
    "特困": ("特困人员",),
    "上学": ("入学",),
    "入学": ("招生",),
    "医保": ("医疗保险", "医疗保障"),
    "社保": ("社会保险",),
    "廉租房": ("公租房", "保障性住房"),
    "危房": ("危房改造",),
    "养老院": ("养老机构",),
    "户口": ("户籍",),
}

STOPWORDS = frozenset(
    "的 了 和 与 及 在 是 或 之 等 对 把 被 为 我 你 他 吗 呢 啊 怎么 如何 什么 哪些".split()
)

_WORD = re.compile(r"[^\W_]+")
_lock = threading.Lock()
_loaded = False


def load() -> None:
    """Load jieba's dictionary and the county's user dictionary (idempotent)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        jieba.setLogLevel(60)
        jieba.initialize()
        jieba.load_userdict(str(USER_DICT))
        _loaded = True


def index_tokens(text: str) -> str:
    """Space-separated tokens for the index: words plus their sub-words (search mode)."""
    load()
    return " ".join(t.lower() for t in jieba.cut_for_search(text or "") if _WORD.fullmatch(t))


def query_terms(q: str) -> list[tuple[str, ...]]:
    """Terms of a query, each a group of alternatives (the word and its synonyms).

    Anything that is not a word (FTS operators, quotes, emoji, punctuation) is dropped, so the
    database only ever sees plain literal words.
    """
    load()
    groups: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for raw in jieba.cut(q[:MAX_QUERY_CHARS]):
        token = raw.strip().lower()
        if not _WORD.fullmatch(token) or token in seen or token in STOPWORDS:
            continue
        seen.add(token)
        groups.append((token, *SYNONYMS.get(token, ())))
        if len(groups) >= MAX_QUERY_TERMS:
            break
    return groups


# 蒙政办〔2026〕12号, typed with any bracket style (or none).
_DOC_NO = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[(（【［{]?\s*((?:19|20)\d{2})\s*[〕\])）】］}]?\s*第?\s*(\d{1,4})\s*号"
)


def doc_no_key(doc_no: str | None) -> str | None:
    """A bracket-free key for a document number: 蒙政办〔2026〕12号 -> 蒙政办2026-12."""
    if not doc_no:
        return None
    m = _DOC_NO.search(doc_no)
    if not m:
        return re.sub(r"\s+", "", doc_no)
    return f"{m.group(1)}{m.group(2)}-{int(m.group(3))}"


def doc_numbers_in(q: str) -> list[tuple[str, str, int]]:
    """Document numbers mentioned in a query, as (prefix, year, number)."""
    return [(m.group(1), m.group(2), int(m.group(3))) for m in _DOC_NO.finditer(q[:200])]


def canonical_doc_no(doc_no: str) -> str:
    """Write a document number the official way: 蒙政办〔2026〕12号."""
    m = _DOC_NO.search(doc_no)
    if not m:
        return doc_no.strip()
    return f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号"


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, words: list[str], *, width: int = 0) -> str:
    """HTML-escaped text with matches wrapped in <em>; with width, a window around the first."""
    text = text or ""
    pattern = _pattern(words)
    if width:
        start = 0
        if pattern is not None:
            m = pattern.search(text)
            if m:
                start = max(0, m.start() - width // 4)
        end = min(len(text), start + width)
        window = text[start:end].replace("\n", " ")
        text = ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")
    if pattern is None:
        return html.escape(text)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        out.append(f"<em>{html.escape(m.group(0))}</em>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)
