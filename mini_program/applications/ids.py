"""Identity numbers: the 18-digit resident ID and the unified social credit code, with their
check characters, and what an organisation's code says about its kind.

Both checks are published national standards: GB 11643-1999 (ISO 7064 MOD 11-2) for the
resident ID, GB 32100-2015 (MOD 31) for the credit code.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")

# The credit code alphabet leaves out I, O, Z, S and V (easily confused when read aloud).
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

OTHER_ID_SHAPE = re.compile(r"^[A-Z0-9]{5,20}$")


def normalise(value: str) -> str:
    """Upper case without spaces: readers and keyboards type 'x' and stray blanks."""
    return re.sub(r"\s+", "", value or "").upper()


def resident_id_check(first17: str) -> str:
    """The check character of an 18-digit resident ID from its first 17 digits."""
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_problem(value: str, *, today: date | None = None) -> str | None:
    """Why this is not a valid resident ID number (Chinese), or None when it is."""
    if not _ID_SHAPE.match(value):
        return "居民身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900 or (today is not None and born > today):
        return "身份证号码中的出生日期无效"
    if resident_id_check(value[:17]) != value[17]:
        return "身份证号码校验位不正确，请核对后重新输入"
    return None


def credit_code_check(first17: str) -> str:
    """The check character of a unified social credit code from its first 17 characters."""
    total = sum(_CODE_CHARS.index(ch) * w for ch, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why this is not a valid unified social credit code (Chinese), or None when it is."""
    if len(value) != 18:
        return "统一社会信用代码应为 18 位"
    if not _CODE_SHAPE.match(value):
        return "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）"
    if credit_code_check(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入"
    return None


def org_kind_from_code(code: str) -> str:
    """The annual report's organisation column suggested by the code's first two characters.

    The registering authority and type (GB 32100-2015): 9x market regulation (enterprises),
    3x justice administration (law firms, notaries, legal aid), 5x civil affairs (social
    organisations, foundations). Anything else (e.g. 12 public institutions, which may or may
    not be research institutes) is "other" until staff say otherwise.
    """
    prefix = code[:1]
    if prefix == "9":
        return "business"
    if prefix == "3":
        return "legal_service"
    if prefix == "5":
        return "nonprofit"
    return "other"
