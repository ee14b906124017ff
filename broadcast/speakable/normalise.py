"""Text as a Mandarin announcer speaks it: the speakable-text normaliser.

`speakable(text)` turns written Chinese into what is read aloud: numbers, dates, times, money,
percentages, ranges, phone numbers, ID-like digit strings, 文号, units and symbols become
words; URLs, e-mail addresses and emoji are dropped; hidden characters (zero-width, soft
hyphens, bidi marks) and full-width or other scripts' digits are cleaned first. The result is
what an editor reviews and what the speech engine is given.

Each rule is a small pure function applied in a fixed order (cleaning is in clean.py). Rules
read ASCII digits only and write Chinese, so a later rule never sees (or re-reads) what an
earlier one produced.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from broadcast.speakable.clean import CJK, clean, drop_urls
from broadcast.speakable.numbers import (
    read_count,
    read_decimal,
    read_digits,
    read_integer,
    read_money,
    read_year,
)

Rule = Callable[[str], str]

# Never starting inside a run of digits: a pattern that fails at a run's first digit fails at
# every later one too, and trying them all made a long run of digits take quadratic time
# (12,000 zeros held the event loop for minutes).
NUM = r"(?<![0-9])[0-9]+(?:\.[0-9]+)?"
# What separates the two ends of a range: 3-5, 3～5, 3—5, 3至5, 3到5.
RANGE_SEP = r"\s*(?:-|~|—|–|至|到)\s*"

# Measure words after which 2 is 两 (两个, 两人) and a range's ends are counts.
CLASSIFIERS = (
    "个|人|户|名|位|家|件|项|条|种|本|台|辆|只|头|张|次|天|周|岁|小时|分钟|所|座|栋|间|套|批|"
    "类|场|期|份|趟|倍|把|根|斤|公斤|亩|吨|万|千|亿|元|块|米|公里|千米|年(?!级|度)|遍|轮|支|枚|颗|"
    "篇|封|笔|起|例|处|片|群|组|层|部|袋|包|箱|瓶|桶|盒|双|对|棵|株|匹|口|架|艘|盏|节|门|粒|页|首|"
    "句|朵|顶|回|车|圈|道|届|栏|餐|顿"
)
# Units written in Latin letters or symbols after a number.
UNITS: dict[str, str] = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "km²": "平方公里",
    "km2": "平方公里",
    "m²": "平方米",
    "m2": "平方米",
    "㎡": "平方米",
    "m³": "立方米",
    "m3": "立方米",
    "kWh": "千瓦时",
    "kW·h": "千瓦时",
    "kw": "千瓦",
    "kW": "千瓦",
    "MW": "兆瓦",
    "km": "公里",
    "cm": "厘米",
    "mm": "毫米",
    "kg": "千克",
    "mg": "毫克",
    "ml": "毫升",
    "mL": "毫升",
    "ha": "公顷",
    "℃": "摄氏度",
    "°C": "摄氏度",
    "°F": "华氏度",
    "°": "度",
    "m": "米",
    "g": "克",
    "t": "吨",
    "L": "升",
    "h": "小时",
    "min": "分钟",
    "s": "秒",
}
# Words after which a digit string is a number to be read digit by digit.
CODE_WORDS = (
    "编号|号码|账号|帐号|卡号|邮编|邮政编码|代码|证号|证件号|批次号|单号|工号|学号|序号|案号|"
    "车牌号|QQ号|微信号|密码|验证码|订单号|房号|门牌号"
)
PHONE_WORDS = "电话|热线|拨打|手机|号码|联系方式|咨询|举报|监督|专线|传真|座机|报警|急救"
# Numbers that are always a government service line, wherever they appear (12345 政务服务
# 便民热线, 12315 消费者投诉, 12369 环保, 12333 人社, 12320 卫生, 12348 法律援助 ...).
SERVICE_LINES = (
    "12345|12315|12369|12333|12320|12348|12351|12356|12338|12358|12366|12365|12319|12328|"
    "12380|12388|12395|12306|12350|12310|12329|12336|12355|12381|12393|96110"
)

_DOC_NO = re.compile(
    rf"([{CJK}]{{1,12}})\s*[〔\[(【{{]\s*((?:19|20)[0-9]{{2}})\s*[〕\])】}}]\s*第?\s*([0-9]{{1,4}})\s*号"
)


def doc_numbers(text: str) -> str:
    """文号: 蒙政办〔2026〕12号 -> 蒙政办二零二六年第十二号."""
    return _DOC_NO.sub(
        lambda m: f"{m.group(1)}{read_year(m.group(2))}年第{read_integer(m.group(3))}号", text
    )


_FULL_DATE = re.compile(
    r"(?<![0-9])((?:1[89]|2[0-9])[0-9]{2})\s*(?:(年)|([-/.]))\s*([0-9]{1,2})\s*(?(2)月|\3)\s*"
    r"([0-9]{1,2})(?![0-9])\s*([日号])?"
)
_YEAR_MONTH = re.compile(r"(?<![0-9])((?:1[89]|2[0-9])[0-9]{2})\s*年\s*([0-9]{1,2})\s*月")
_MONTH_DAY = re.compile(r"(?<![0-9.])([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*([日号])")
_YEAR_RANGE = re.compile(
    rf"(?<![0-9.])((?:19|20)[0-9]{{2}}){RANGE_SEP}((?:19|20)[0-9]{{2}})(?![0-9.])\s*(年)?"
)
_YEAR = re.compile(r"(?<![0-9.])((?:1[89]|2[0-9])[0-9]{2})\s*(年)")
_MONTH = re.compile(r"(?<![0-9.])([0-9]{1,2})\s*月(?!份?[0-9])")
_DAY = re.compile(r"(?<![0-9.])([0-9]{1,2})\s*([日号])")


def dates(text: str) -> str:
    """2026-03-06, 2026/3/6, 2026年3月6日 -> 二零二六年三月六日; also months and days alone."""

    def full(m: re.Match[str]) -> str:
        month, day = int(m.group(4)), int(m.group(5))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return m.group(0)
        suffix = m.group(6) or "日"
        return (
            f"{read_year(m.group(1))}年{read_integer(str(month))}月{read_integer(str(day))}{suffix}"
        )

    text = _FULL_DATE.sub(full, text)
    text = _YEAR_MONTH.sub(
        lambda m: (
            f"{read_year(m.group(1))}年{read_integer(m.group(2))}月"
            if 1 <= int(m.group(2)) <= 12
            else m.group(0)
        ),
        text,
    )
    text = _MONTH_DAY.sub(
        lambda m: (
            f"{read_integer(m.group(1))}月{read_integer(m.group(2))}{m.group(3)}"
            if 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31
            else m.group(0)
        ),
        text,
    )
    text = _YEAR_RANGE.sub(_year_range, text)
    text = _YEAR.sub(lambda m: read_year(m.group(1)) + m.group(2), text)
    text = _MONTH.sub(
        lambda m: read_integer(m.group(1)) + "月" if 1 <= int(m.group(1)) <= 12 else m.group(0),
        text,
    )
    return _DAY.sub(
        lambda m: (
            read_integer(m.group(1)) + m.group(2) if 1 <= int(m.group(1)) <= 31 else m.group(0)
        ),
        text,
    )


def _year_range(m: re.Match[str]) -> str:
    # 2025-2027 is a span of years; 2000-1990 is not (a subtraction or a code).
    if int(m.group(2)) <= int(m.group(1)):
        return m.group(0)
    return f"{read_year(m.group(1))}至{read_year(m.group(2))}年"


_CLOCK = r"([01]?[0-9]|2[0-4])\s*:\s*([0-5][0-9])(?:\s*:\s*([0-5][0-9]))?"
_TIME = re.compile(rf"(?<![0-9])(?<![0-9]:){_CLOCK}(?:{RANGE_SEP}{_CLOCK})?(?![0-9])(?!:[0-9])")


def _clock(hour: str, minute: str, second: str | None) -> str:
    spoken = read_integer(str(int(hour))) + "点"
    if int(minute) or second:
        spoken += (
            ("零" if int(minute) < 10 and int(minute) else "")
            + read_integer(str(int(minute)))
            + "分"
        )
    if second and int(second):
        spoken += read_integer(str(int(second))) + "秒"
    return spoken


def times(text: str) -> str:
    """07:00 -> 七点, 8:30 -> 八点三十分, 8:00-12:00 -> 八点至十二点."""

    def repl(m: re.Match[str]) -> str:
        spoken = _clock(m.group(1), m.group(2), m.group(3))
        if m.group(4):
            spoken += "至" + _clock(m.group(4), m.group(5), m.group(6))
        return spoken

    return _TIME.sub(repl, text)


_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[- ]?([0-9]{4})[- ]?([0-9]{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])\(?(0[1-9][0-9]{1,2})\)?[- ]?([2-9][0-9]{6,7})(?![0-9])")
_FREEPHONE = re.compile(r"(?<![0-9])([48]00)[- ]?([0-9]{3})[- ]?([0-9]{4})(?![0-9])")
_PHONE_AFTER_WORD = re.compile(
    rf"((?:{PHONE_WORDS})(?:电话|号码)?\s*(?:是|为)?\s*[:：]?\s*)"
    rf"([0-9]{{3,12}}(?:[- ][0-9]{{3,8}})*)(?![0-9.])(?!\s*(?:{CLASSIFIERS}|[%‰]|月|日))"
)
_SERVICE_LINE = re.compile(rf"(?<![0-9.])(?:{SERVICE_LINES})(?![0-9.])")
_LINE_BEFORE_WORD = re.compile(r"(?<![0-9])([0-9]{3,6})(?=\s*(?:热线|服务热线|专线|平台|电话))")


def _phone_groups(*groups: str) -> str:
    # A comma between groups: announcers pause there (a space gives espeak-ng no pause).
    return "，".join(read_digits(g, yao=True) for g in groups)


def phones(text: str) -> str:
    """Phone numbers digit by digit with 幺, in their groups: 0558-7661234, 13800138000."""
    text = _FREEPHONE.sub(lambda m: _phone_groups(*m.groups()), text)
    text = _MOBILE.sub(lambda m: _phone_groups(*m.groups()), text)
    text = _LANDLINE.sub(lambda m: _phone_groups(*m.groups()), text)
    text = _PHONE_AFTER_WORD.sub(
        lambda m: m.group(1) + _phone_groups(*re.split(r"[- ]", m.group(2))), text
    )
    text = _LINE_BEFORE_WORD.sub(lambda m: _phone_groups(m.group(1)), text)
    return _SERVICE_LINE.sub(lambda m: _phone_groups(m.group(0)), text)


_ID_CARD = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_MIXED_CODE = re.compile(
    r"(?<![0-9A-Za-z])(?=[0-9A-Z]*[0-9])(?=[0-9A-Z]*[A-Z])[0-9A-Z]{6,}(?![0-9A-Za-z])"
)
_CODE_AFTER_WORD = re.compile(
    rf"((?:{CODE_WORDS})\s*(?:是|为)?\s*[:：]?\s*)([0-9A-Za-z][0-9A-Za-z-]*)"
)
_LONG_DIGITS = re.compile(
    rf"(?<![0-9.,])([0-9]{{7,}})(?![0-9.,])(?!\s*(?:{CLASSIFIERS}|[%‰]|平方|立方|米|克|瓦))"
)


def _spell(code: str) -> str:
    """A code character by character: digits with 幺, letters spaced, X of an ID as 叉."""
    out: list[str] = []
    for ch in code:
        if ch.isdigit():
            out.append(read_digits(ch, yao=True))
        elif ch.isalpha():
            out.append(f" {ch.upper()} ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def codes(text: str) -> str:
    """ID numbers, credit codes, account numbers and other long digit strings, digit by digit."""
    text = _ID_CARD.sub(
        lambda m: "，".join(
            (read_digits(m.group(1), yao=True), read_digits(m.group(2), yao=True),
             read_digits(m.group(3)[:3], yao=True) + ("叉" if m.group(3)[3] in "Xx"
                                                        else read_digits(m.group(3)[3], yao=True)))
        ),
        text,
    )  # fmt: skip
    text = _CODE_AFTER_WORD.sub(lambda m: m.group(1) + _spell(m.group(2)), text)
    text = _MIXED_CODE.sub(lambda m: _spell(m.group(0)), text)
    return _LONG_DIGITS.sub(lambda m: read_digits(m.group(1), yao=True), text)


_AMOUNT = r"(?<![0-9])([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
_MONEY_SYMBOL = re.compile(rf"([¥$€£])\s*{_AMOUNT}\s*(万|亿|千)?\s*(元|美元|欧元|英镑)?")
_MONEY_RANGE = re.compile(rf"{_AMOUNT}{RANGE_SEP}{_AMOUNT}\s*(万|亿|千)?\s*元")
_MONEY = re.compile(rf"(?<![0-9.]){_AMOUNT}\s*(万|亿|千)?\s*元")
_CURRENCIES = {"¥": "元", "$": "美元", "€": "欧元", "£": "英镑"}


def money(text: str) -> str:
    """¥810, 810元, 1.5万元, 12.50元 -> 八百一十元, 一点五万元, 十二元五角."""
    text = _MONEY_SYMBOL.sub(
        lambda m: read_money(
            m.group(2), multiplier=m.group(3) or "", currency=m.group(4) or _CURRENCIES[m.group(1)]
        ),
        text,
    )
    text = _MONEY_RANGE.sub(
        lambda m: _amount(m.group(1), m.group(3)) + "至" + read_money(m.group(2),
                                                                     multiplier=m.group(3) or ""),
        text,
    )  # fmt: skip
    return _MONEY.sub(lambda m: read_money(m.group(1), multiplier=m.group(2) or ""), text)


def _amount(number: str, multiplier: str | None) -> str:
    # The first end of a money range: its own multiplier when the second has one (1-2万元).
    return read_decimal(number.replace(",", "")) + (multiplier or "")


_PERCENT_RANGE = re.compile(rf"({NUM})\s*([%‰])?{RANGE_SEP}({NUM})\s*([%‰])")
_PERCENT = re.compile(rf"(-)?({NUM})\s*([%‰])")
_PERCENT_WORDS = {"%": "百分之", "‰": "千分之"}


def percentages(text: str) -> str:
    """15% -> 百分之十五, 3.5‰ -> 千分之三点五, 10%-20% -> 百分之十至百分之二十."""
    text = _PERCENT_RANGE.sub(
        lambda m: _PERCENT_WORDS[m.group(2) or m.group(4)] + read_decimal(m.group(1)) + "至"
        + _PERCENT_WORDS[m.group(4)] + read_decimal(m.group(3)),
        text,
    )  # fmt: skip
    return _PERCENT.sub(
        lambda m: ("负" if m.group(1) else "") + _PERCENT_WORDS[m.group(3)]
        + read_decimal(m.group(2)),
        text,
    )  # fmt: skip


_UNIT_NAMES = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_UNIT_RANGE = re.compile(rf"(-)?({NUM}){RANGE_SEP}(-)?({NUM})\s*({_UNIT_NAMES})(?![A-Za-z0-9²³])")
_UNIT = re.compile(rf"(?<![A-Za-z])(-)?({NUM})\s*({_UNIT_NAMES})(?![A-Za-z0-9²³])")


_TEMPERATURES = frozenset({"℃", "°C", "°F", "°"})


def _signed(sign: str | None, number: str, unit: str = "") -> str:
    # 2米 is 两米, but 2℃ stays 二摄氏度 as weather forecasts say it.
    count = "." not in number and not sign and unit not in _TEMPERATURES
    return ("负" if sign else "") + (read_count(number) if count else read_decimal(number))


def units(text: str) -> str:
    """25km -> 二十五公里, 120㎡ -> 一百二十平方米, -5~3℃ -> 负五至三摄氏度."""
    text = _UNIT_RANGE.sub(
        lambda m: _signed(m.group(1), m.group(2), m.group(5)) + "至"
        + _signed(m.group(3), m.group(4), m.group(5)) + UNITS[m.group(5)],
        text,
    )  # fmt: skip
    return _UNIT.sub(
        lambda m: _signed(m.group(1), m.group(2), m.group(3)) + UNITS[m.group(3)], text
    )


_COUNT_RANGE = re.compile(rf"(?<![0-9.])({NUM}){RANGE_SEP}({NUM})(?=\s*(?:{CLASSIFIERS}))")
_NUMBER_RANGE = re.compile(rf"(?<![0-9.A-Za-z])({NUM})\s*(?:-|~|—|–)\s*({NUM})(?![0-9.])")
_TWO = re.compile(rf"(?<![0-9.])2(?![0-9.])\s*(?=(?:{CLASSIFIERS}))")
_ORDINAL = re.compile(rf"第\s*([0-9]+)(?:{RANGE_SEP}第?\s*([0-9]+))?")
_FRACTION = re.compile(r"(?<![0-9./])([0-9]+)\s*/\s*([0-9]+)(?![0-9./])")
_RATIO = re.compile(r"(?<![0-9.])(?<![0-9]:)([0-9]+)\s*:\s*([0-9]+)(?![0-9.])(?!:[0-9])")
_GROUPED = re.compile(r"(?<![0-9.])([0-9]{1,3}(?:,[0-9]{3})+)(\.[0-9]+)?(?![0-9])")
_NEGATIVE = re.compile(rf"(?<![0-9A-Za-z{CJK}])-\s*({NUM})")
_PLUS_AFTER = re.compile(rf"({NUM})\s*\+(?![0-9])")
_LEADING_ZERO = re.compile(r"(?<![0-9.])(0[0-9]+)(?![0-9.])")
_NUMBER = re.compile(NUM)


def _count_or_number(number: str) -> str:
    return read_count(number) if "." not in number else read_decimal(number)


def numbers(text: str) -> str:
    """Every number left: ranges, counts (两个), ordinals, fractions, ratios, decimals."""
    text = _ORDINAL.sub(
        lambda m: "第" + read_integer(m.group(1))
        + ("至" + read_integer(m.group(2)) if m.group(2) else ""),
        text,
    )  # fmt: skip
    text = _COUNT_RANGE.sub(
        lambda m: _count_or_number(m.group(1)) + "至" + _count_or_number(m.group(2)), text
    )
    text = _NUMBER_RANGE.sub(
        lambda m: read_decimal(m.group(1)) + "至" + read_decimal(m.group(2)), text
    )
    text = _TWO.sub("两", text)
    text = _FRACTION.sub(
        lambda m: read_integer(m.group(2)) + "分之" + read_integer(m.group(1)), text
    )
    text = _RATIO.sub(lambda m: read_integer(m.group(1)) + "比" + read_integer(m.group(2)), text)
    text = _GROUPED.sub(
        lambda m: read_decimal(m.group(1).replace(",", "") + (m.group(2) or "")), text
    )
    text = _NEGATIVE.sub(lambda m: "负" + read_decimal(m.group(1)), text)
    text = _PLUS_AFTER.sub(lambda m: read_decimal(m.group(1)) + "多", text)
    text = _LEADING_ZERO.sub(lambda m: read_digits(m.group(1)), text)
    return _NUMBER.sub(lambda m: read_decimal(m.group(0)), text)


_SYMBOLS = {
    "≥": "大于等于",
    "≤": "小于等于",
    "≠": "不等于",
    "±": "正负",
    "×": "乘",
    "÷": "除以",
    "=": "等于",
    ">": "大于",
    "<": "小于",
    "+": "加",
    "&": "和",
    "~": "至",
    "°": "度",
}
_PER = re.compile(r"/\s*(?=(?:人|月|年|天|日|次|户|亩|斤|公斤|千克|吨|小时|平方米|个|周|套|间|辆))")
_ACRONYM = re.compile(r"(?<![A-Za-z])([A-Z]{2,6})(?![A-Za-z])")
_QUOTES = re.compile("[\"'“”‘’《》〈〉「」『』【】〔〕\\[\\]{}<>＜＞*#_^`|\\\\@§]")


def symbols(text: str) -> str:
    """Symbols spoken as words (≥ 大于等于, / 每 or 或); quotes and brackets dropped."""
    text = _PER.sub("每", text)
    text = text.replace("/", "或")
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = _ACRONYM.sub(lambda m: " " + " ".join(m.group(1)) + " ", text)
    text = re.sub(rf"(?<=[A-Za-z\s])-|-(?=[A-Za-z\s])|(?<=[{CJK}])-(?=[{CJK}])", " ", text)
    text = _QUOTES.sub("", text)
    return text


_LIST_MARK = re.compile(
    r"^\s*(?:[(（]\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]|([0-9]{1,2})\s*[.、．)）](?![0-9]))\s*",
    re.MULTILINE,
)


def list_marks(text: str) -> str:
    """Line-leading numbering — (一), (1), 1. 1、 — is read 一、 as announcers pause on it."""

    def repl(m: re.Match[str]) -> str:
        mark = m.group(1) or m.group(2)
        return (read_integer(mark) if mark.isdigit() else mark) + "、"

    return _LIST_MARK.sub(repl, text)


# Punctuation as a pause: the strongest of a run wins, ASCII becomes Chinese.
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？"})
_PAUSES = "，、；：。！？"
_STRENGTH = {"、": 0, "，": 1, "：": 2, "；": 3, "。": 4, "！": 5, "？": 6}
_PAUSE_RUN = re.compile(rf"[\s{_PAUSES}]*[{_PAUSES}][\s{_PAUSES}]*")


def punctuation(text: str) -> str:
    """Brackets, dashes and ellipses as pauses; runs like ，。！！ collapse to the strongest."""
    text = re.sub(r"\.{2,}|…+|—+|–", "，", text)
    text = re.sub(r"(?<![0-9A-Za-z])\.|\.(?![0-9A-Za-z])", "。", text)
    text = text.translate(_ASCII_PUNCT)
    # A short aside in brackets is part of the word (村（居）民); a longer one is set off by pauses.
    text = re.sub(r"[(（]([^()（）\n]{1,2})[)）]", r"\1", text)
    text = re.sub(r"[(（)）]", "，", text)
    text = re.sub("[·•・]", "", text)
    # A line without a closing mark (a heading, a list entry) still ends its sentence.
    text = re.sub(rf"(?<=[^\s{_PAUSES}])[ \t]*\n", "。\n", text)

    def strongest(m: re.Match[str]) -> str:
        marks = [ch for ch in m.group(0) if ch in _STRENGTH]
        return max(marks, key=lambda ch: _STRENGTH[ch])

    text = _PAUSE_RUN.sub(strongest, text)
    return text


def spacing(text: str) -> str:
    """One space between Latin words and spelt letters; none next to Chinese or a pause."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(rf" (?=[{CJK}{_PAUSES}])|(?<=[{CJK}{_PAUSES}]) ", "", text)
    text = text.strip(" " + _PAUSES.replace("。", "").replace("！", "").replace("？", ""))
    text = re.sub(rf"^[{_PAUSES}\s]+", "", text)
    return text


RULES: tuple[Rule, ...] = (
    clean,
    drop_urls,
    doc_numbers,
    dates,
    times,
    money,
    percentages,
    phones,
    codes,
    units,
    list_marks,
    numbers,
    symbols,
    punctuation,
    spacing,
)


def speakable(text: str) -> str:
    """The text as it will be spoken (see the module docstring for what each rule does)."""
    for rule in RULES:
        text = rule(text)
    if text and text[-1] not in "。！？":
        text += "。"
    return text if has_speech(text) else ""


_SPEAKABLE_CHAR = re.compile(rf"[{CJK}A-Za-z]")


def has_speech(text: str) -> bool:
    """Whether anything in the text can be pronounced (not only marks and spaces)."""
    return bool(_SPEAKABLE_CHAR.search(text))


def spoken_length(text: str) -> int:
    """Characters that take time to say: Chinese characters and letters (for rates, limits)."""
    return len(_SPEAKABLE_CHAR.findall(text))
