"""What residents type: cleaning, the rules a question's text must meet, phone numbers.

The schemas call these validators; services receive text that already passed them.
"""

from __future__ import annotations

import re
import unicodedata

from gateway.crypto import mask

MIN_CHARS = 10
MAX_CHARS = 2000
# A question must say something in words: at least this many letters, digits or hanzi.
MIN_WORD_CHARS = 5

# Invisible characters people paste (zero-width spaces and joiners, bidi marks, BOM, soft
# hyphen): they hide nothing we want to keep and help hide what we must find.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")
# Markup has no place in a question; "<60岁" or "a<b" is fine, a tag or a script URL is not.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>|javascript\s*:|vbscript\s*:", re.IGNORECASE)


def clean(text: str) -> str:
    """Drop invisible and control characters, unify line ends, trim."""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def word_chars(text: str) -> int:
    """How many letters, digits and hanzi a text has (emoji and punctuation do not count)."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def question_text(value: str, *, min_chars: int = MIN_CHARS, max_chars: int = MAX_CHARS) -> str:
    """A question's text, cleaned; ValueError with the resident's Chinese message otherwise."""
    text = clean(value)
    if not text:
        raise ValueError("请填写问题内容")
    if len(text) > max_chars:
        raise ValueError(f"问题内容最多 {max_chars} 字，当前 {len(text)} 字")
    if len(text) < min_chars:
        raise ValueError(f"请把问题写清楚一些，至少 {min_chars} 个字")
    if word_chars(text) < min(MIN_WORD_CHARS, min_chars):
        raise ValueError("请用文字描述您的问题，不能只有表情或符号")
    if _MARKUP.search(text):
        raise ValueError("内容不能包含网页代码（如 <script> 标签）")
    return text


def plain_text(value: str, *, max_chars: int, what: str = "内容") -> str:
    """Staff or resident free text (answers, comments, reasons): cleaned, non-empty, bounded."""
    text = clean(value)
    if not text or word_chars(text) == 0:
        raise ValueError(f"请填写{what}")
    if len(text) > max_chars:
        raise ValueError(f"{what}最多 {max_chars} 字，当前 {len(text)} 字")
    if _MARKUP.search(text):
        raise ValueError(f"{what}不能包含网页代码（如 <script> 标签）")
    return text


def ascii_digits(text: str) -> str:
    """Full-width and other Unicode decimal digits as ASCII digits (１３８ → 138)."""
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—–‐()（）+]")


def phone_number(value: str) -> str:
    """A mainland mobile or landline number, digits only; ValueError otherwise."""
    digits = _PHONE_SEPARATORS.sub("", ascii_digits(clean(value)))
    digits = digits.removeprefix("0086") if digits.startswith("0086") else digits
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ValueError("请填写正确的手机号或固定电话")


def masked_phone(digits: str) -> str:
    """138****5678 (a landline keeps its area code and last 3 digits)."""
    if _MOBILE.fullmatch(digits):
        return mask(digits, keep_start=3, keep_end=4)
    return mask(digits, keep_start=4, keep_end=3)
