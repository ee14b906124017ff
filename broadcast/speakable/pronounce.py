"""The county pronunciation list applied to spoken text just before synthesis.

A reading is written either in Chinese characters that sound right (涡河 -> 锅河) or in
tone-numbered pinyin syllables (银行 -> yin2 hang2): the Mandarin voice we use reads Latin
text as pinyin. Longer terms win over shorter ones they contain (单县 before 单).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from broadcast.speakable.normalise import CJK

MAX_TERM = 20
MAX_READING = 60
PINYIN_SYLLABLE = re.compile(r"[a-zü]{1,6}[1-5]")
_TERM = re.compile(rf"[{CJK}A-Za-z0-9]{{1,{MAX_TERM}}}")
_CJK_RUN = re.compile(rf"[{CJK}]+")


def term_problem(term: str) -> str | None:
    """Why a term cannot be listed (None when it can)."""
    if not term:
        return "必填"
    if len(term) > MAX_TERM:
        return f"词条最多 {MAX_TERM} 个字"
    if not _TERM.fullmatch(term):
        return "词条只能是汉字、字母或数字，不含空格和标点"
    return None


def reading_problem(reading: str) -> str | None:
    """Why a reading cannot be used (None when it can): Chinese characters or pinyin+tone."""
    if not reading:
        return "必填"
    if len(reading) > MAX_READING:
        return f"读音最多 {MAX_READING} 个字符"
    for token in reading.split(" "):
        if not (_CJK_RUN.fullmatch(token) or PINYIN_SYLLABLE.fullmatch(token)):
            return "读音应为同音汉字，或带声调数字的拼音（如 yin2 hang2），以空格分隔"
    return None


def normalise_reading(reading: str) -> str:
    """Readings as stored: lower-case pinyin, single spaces, ü for v."""
    reading = re.sub(r"\s+", " ", reading.strip())
    return re.sub(r"[A-Za-zÜüVv]+[1-5]", lambda m: m.group(0).lower().replace("v", "ü"), reading)


Matcher = tuple[re.Pattern[str] | None, dict[str, str]]


def compile_list(entries: Iterable[tuple[str, str]]) -> Matcher:
    """A matcher for the terms (longest first) and the term -> reading table."""
    table = {term: reading for term, reading in entries if term and reading}
    if not table:
        return None, {}
    ordered = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in ordered)), table


def apply(text: str, pattern: re.Pattern[str] | None, table: Mapping[str, str]) -> str:
    """The text with every listed term replaced by its reading."""
    if pattern is None:
        return text

    def repl(m: re.Match[str]) -> str:
        reading = table[m.group(0)]
        # Pinyin next to other Latin text must stay a separate word.
        return f" {reading} " if any(ch.isascii() and ch.isalpha() for ch in reading) else reading

    return re.sub(r" +", " ", pattern.sub(repl, text)).strip()
