"""The first rules of the normaliser: one way to write every character, nothing unspeakable.

HTML tags and entities, hidden characters (zero-width, soft hyphens, bidi marks, variation
selectors), emoji and pictographs go; full-width forms and other scripts' digits become ASCII
(NFKC, then every Unicode decimal digit); URLs and e-mail addresses are dropped with their
label. What follows in normalise.py reads ASCII digits only.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["CJK", "clean", "drop_urls"]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

_ZERO_WIDTH = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff"
    "\u2300-\u23ff\u25a0-\u25ff\u3030\u303d\u3297\u3299\u00a9\u00ae\u2122\u2139\u24c2"
    "\u20e3\u2700-\u27bf]"
)
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① … ⑳
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_URL = re.compile(
    r"(?:(?:网址|链接|网站|网页|邮箱|电子邮箱|电子邮件|e-?mail|email|E-?mail)\s*[:：]?\s*)?"
    r"(?:(?:https?|ftp)://[!-~]+|www\.[!-~]+|"
    # An address starts where its run of address characters starts (see NUM in normalise.py).
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|"
    r"(?<![A-Za-z0-9@.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:gov\.cn|com\.cn|org\.cn|net\.cn|"
    r"edu\.cn|cn|com|net|org|gov)(?![A-Za-z0-9-])(?:[/?#][!-~]*)?)",
)
_TRAILING_URL_PUNCT = re.compile(r"[.,;:!?)\]}'\"]+$")


def clean(text: str) -> str:
    """Unify the characters: entities, hidden marks, emoji, width, digits, line ends."""
    # Pasted web text: tags are not words (entities are, once decoded).
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("〇", "零").replace("○", "零")
    text = _EMOJI.sub("", text)
    text = "".join(f"\n{_CIRCLED[ch]}、" if ch in _CIRCLED else ch for ch in text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_ascii_digit(ch) for ch in text)
    text = text.replace("\t", " ")
    text = _CONTROL.sub(" ", text)
    # Dashes and tildes of every width become one of three.
    text = re.sub("[\u2010\u2011\u2012\u2212\ufe63]", "-", text)
    text = re.sub("[\u2013]", "–", text)
    text = re.sub("[\u2014\u2015\u2e3a\u2e3b]+", "—", text)
    text = re.sub("[\u301c\u223c]", "~", text)
    return text


def _ascii_digit(ch: str) -> str:
    # Python's regex \d matches every script's digits; the rules read ASCII only.
    if ch.isdigit() and not ch.isascii():
        try:
            return str(unicodedata.decimal(ch))
        except ValueError:
            return ch
    return ch


def drop_urls(text: str) -> str:
    """URLs, web addresses and e-mail addresses cannot be spoken: drop them with their label."""

    def repl(m: re.Match[str]) -> str:
        # Chinese punctuation right after a URL belongs to the sentence, not the address.
        tail = _TRAILING_URL_PUNCT.search(m.group(0))
        return " " + (tail.group(0) if tail else "")

    return _URL.sub(repl, text)
