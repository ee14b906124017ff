"""How a Mandarin announcer reads digits: cardinals, decimals, digit strings, years, money.

Pure functions on ASCII digit strings (the normaliser turns every other digit into ASCII
first). Nothing here looks at context; `normalise.py` decides which reading a number gets.
"""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
# Phone and code digits: 1 is read 幺 so that it cannot be heard as 七.
PHONE_DIGITS = "零幺二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
# Each section of four digits: units, 万, 亿, 万亿.
_SECTION_UNITS = ("", "万", "亿", "万亿")
MAX_CARDINAL_DIGITS = 16


def read_digits(digits: str, *, yao: bool = False) -> str:
    """Each digit on its own: "0558" -> 零五五八 (with yao: "12345" -> 幺二三四五)."""
    table = PHONE_DIGITS if yao else DIGITS
    return "".join(table[int(d)] for d in digits if d.isascii() and d.isdigit())


def _section(value: int, *, leading: bool) -> str:
    """A number below 10,000; `leading` when it is the first section of the whole number."""
    out: list[str] = []
    digits = f"{value:04d}"
    zero_pending = False
    started = False
    for position, ch in enumerate(digits):
        d = int(ch)
        unit = _SMALL_UNITS[3 - position]
        if d == 0:
            if started:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        if d == 2 and unit == "千":
            out.append("两")
        elif d == 1 and unit == "十" and not started and leading:
            pass  # 10-19 at the head of a number: 十二, not 一十二
        else:
            out.append(DIGITS[d])
        out.append(unit)
        started = True
    return "".join(out)


def read_integer(digits: str) -> str:
    """A cardinal number: "810" -> 八百一十, "2000" -> 两千, "10050" -> 一万零五十.

    Longer than 16 digits (beyond 万亿) is read digit by digit, as nobody says such numbers.
    """
    digits = digits.lstrip("0") or "0"
    if digits == "0":
        return "零"
    if len(digits) > MAX_CARDINAL_DIGITS:
        return read_digits(digits)
    value = int(digits)
    sections: list[int] = []
    while value:
        sections.append(value % 10000)
        value //= 10000
    out: list[str] = []
    gap = False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        leading = not out
        if section == 0:
            gap = bool(out)
            continue
        if out and (gap or section < 1000):
            out.append("零")
        gap = False
        if section == 2 and index > 0:
            text = "两"  # 两万, 两亿
        else:
            text = _section(section, leading=leading)
        out.append(text + _SECTION_UNITS[index])
    return "".join(out)


def read_decimal(number: str) -> str:
    """A number with an optional fraction: "3.14" -> 三点一四, "0.5" -> 零点五."""
    whole, _, fraction = number.partition(".")
    text = read_integer(whole.replace(",", "") or "0")
    if fraction:
        text += "点" + read_digits(fraction)
    return text


def read_year(digits: str) -> str:
    """A year, digit by digit: "2026" -> 二零二六."""
    return read_digits(digits)


def read_money(number: str, *, multiplier: str = "", currency: str = "元") -> str:
    """An amount: "810" -> 八百一十元, "12.50" -> 十二元五角, "1.5"+"万" -> 一点五万元.

    Yuan with one or two decimals are read in 角 and 分, as a cashier would; with a 万/亿
    multiplier or other currencies the fraction is read as a decimal.
    """
    number = number.replace(",", "")
    whole, _, fraction = number.partition(".")
    if multiplier or currency != "元" or len(fraction) > 2 or not fraction.strip("0"):
        if fraction and not fraction.strip("0") and not multiplier:
            fraction = ""  # 12.00元 -> 十二元
        base = _count(whole or "0") + ("点" + read_digits(fraction) if fraction else "")
        return base + multiplier + currency
    jiao = int(fraction[0])
    fen = int(fraction[1]) if len(fraction) > 1 else 0
    out = ""
    whole_value = int(whole or "0")
    if whole_value:
        out = _count(whole) + "元"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif whole_value and fen:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return out or "零元"


def _count(digits: str) -> str:
    """A cardinal before a measure word: 2 is 两 (两元, 两人), everything else as read_integer."""
    return "两" if digits.lstrip("0") == "2" else read_integer(digits)


def read_count(digits: str) -> str:
    """A quantity before a measure word (个, 人, 天...): "2" -> 两, "12" -> 十二."""
    return _count(digits)
