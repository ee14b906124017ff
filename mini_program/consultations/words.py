"""The county's word lists and the segmentation of questions for the analysis.

Hot words come from jieba with the county's own dictionary (place names, local programmes)
on top of jieba's. The county's words must not change how the catalogue's search index was
built, so the analysis has its own tokenizer whose word table is a ChainMap: the county's
words in front of the dictionary the search already loaded (no second 70 MB copy per process).

Questions are segmented when they are written (`tokens_of`); the analysis only counts. A
dictionary edit bumps `dictionary_version` and a job re-segments the stored questions; stop
words are applied when counting, so editing them takes effect at once.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections import ChainMap
from collections.abc import Iterable
from typing import Any

import jieba
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gateway.jobs import enqueue
from mini_program.catalogue import text as catalogue_text
from mini_program.consultations.models import DomainSetting, WordEntry, WordList
from mini_program.consultations.text import clean

log = logging.getLogger("govmatrix.consultations.words")

DICTIONARY_VERSION = "dictionary_version"
MAX_WORD_CHARS = 32
MAX_WORDS = 5000
# Another process's dictionary edit is noticed within this many seconds.
RECHECK_SECONDS = 5.0
COUNTY_WORD_FREQ = 20000

_WORD = re.compile(r"[^\W_]{2,}")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_version = -1
_checked_at = 0.0


def _build(words: Iterable[str]) -> jieba.Tokenizer:
    catalogue_text.load()  # jieba's own dictionary, loaded once per process
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = ChainMap({}, jieba.dt.FREQ)
    tokenizer.total = jieba.dt.total
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word, COUNTY_WORD_FREQ)
    return tokenizer


def tokens_of(text: str) -> str:
    """The words of a text for the analysis: space-separated, lower case, two characters up.

    Uses the county dictionary last loaded in this process (`refresh_dictionary`)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build(())
    out = []
    for token in _tokenizer.cut(text):
        token = token.strip().lower()
        if _WORD.fullmatch(token) and not token.isdigit():
            out.append(token)
    return " ".join(out)


async def dictionary_version() -> int:
    row = await DomainSetting.get_or_none(key=DICTIONARY_VERSION)
    return row.value if row else 0


async def refresh_dictionary(*, force: bool = False) -> int:
    """Load the county dictionary into this process's tokenizer if it changed; its version."""
    global _tokenizer, _version, _checked_at
    now = time.monotonic()
    if not force and _tokenizer is not None and now - _checked_at < RECHECK_SECONDS:
        return _version
    version = await dictionary_version()
    _checked_at = now
    if force or version != _version or _tokenizer is None:
        words = await list_words(WordList.DICTIONARY)
        tokenizer = _build(words)
        with _lock:
            _tokenizer, _version = tokenizer, version
    return _version


async def stop_words() -> frozenset[str]:
    """The county's stop words and the search's own (的, 了, 怎么...)."""
    return frozenset(await list_words(WordList.STOPWORD)) | catalogue_text.STOPWORDS


async def key_words(tokens: str, limit: int = 8) -> str:
    """A question's telling words (its tokens without stop words), to search for its like."""
    stop = await stop_words()
    out: list[str] = []
    for word in tokens.split():
        if word not in stop and word not in out:
            out.append(word)
    return " ".join(out[:limit])


async def list_words(kind: WordList) -> list[str]:
    rows = await WordEntry.filter(kind=kind).order_by("word").values_list("word", flat=True)
    return [str(w) for w in rows]


async def word_lists() -> dict[str, list[str]]:
    """Every list by its name (dictionary, stopword, sensitive)."""
    out: dict[str, list[str]] = {kind.value: [] for kind in WordList}
    for kind, word in await WordEntry.all().order_by("word").values_list("kind", "word"):
        out[str(kind)].append(word)
    return out


def parse_words(raw: str) -> tuple[list[str], list[str]]:
    """Words from a textarea (one per line, or separated by spaces/commas), and the refused."""
    words: list[str] = []
    refused: list[str] = []
    for part in re.split(r"[\s,，、;；]+", raw):
        word = _clean_word(part)
        if not word:
            continue
        if len(word) > MAX_WORD_CHARS or not _WORD.search(word):
            refused.append(part[:40])
        elif word not in words:
            words.append(word)
    return words, refused


def _clean_word(word: str) -> str:
    return (
        unicodedata.normalize("NFKC", re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", word))
        .strip()
        .lower()
    )


async def replace_words(kind: WordList, words: list[str]) -> dict[str, Any]:
    """Make a list exactly `words`; a dictionary change bumps the version and re-segments."""
    current = set(await list_words(kind))
    wanted = set(words[:MAX_WORDS])
    added, removed = sorted(wanted - current), sorted(current - wanted)
    version = None
    async with in_transaction():
        if removed:
            await WordEntry.filter(kind=kind, word__in=removed).delete()
        if added:
            await WordEntry.bulk_create([WordEntry(kind=kind, word=w) for w in added])
        if kind == WordList.DICTIONARY and (added or removed):
            version = await bump_dictionary_version()
            await enqueue(
                "consultations.retokenize", {"version": version}, key=f"retokenize:{version}"
            )
    if version is not None:
        await refresh_dictionary(force=True)
    return {"added": added, "removed": removed, "version": version}


async def bump_dictionary_version() -> int:
    """One more dictionary version (atomic: a conditional increment, then read back)."""
    await DomainSetting.get_or_create(key=DICTIONARY_VERSION, defaults={"value": 0})
    await DomainSetting.filter(key=DICTIONARY_VERSION).update(value=F("value") + 1)
    return await dictionary_version()


def sensitive_hits(text: str, words: Iterable[str]) -> list[str]:
    """The sensitive words a text contains, however spaced or hidden (for moderators)."""
    squeezed = re.sub(r"[\s·•・_\-*.。,]+", "", unicodedata.normalize("NFKC", clean(text)))
    return [w for w in words if w and _clean_word(w) in squeezed.lower()]
