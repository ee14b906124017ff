"""Masking personal data before a question and its answer are published as public Q&A.

Phones, ID numbers, bank cards and other long numbers, e-mail addresses, people's names and
detailed addresses are replaced. Numbers are found however they are hidden: full-width or
other Unicode digits, Chinese numerals, letters O/l standing for 0/1, spaces, dashes or dots
inside the number, zero-width characters between the digits. Detection runs on a normalised
copy whose characters map one-to-one onto the original, so the replacement covers exactly
the original span, separators and hidden characters included.

`mask_personal_data` is applied automatically, shown to staff to check, and applied again to
whatever staff publish; `leaks` is the check that nothing is left.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from mini_program.catalogue import text as catalogue_text

PHONE = "【电话已隐去】"
ID_NUMBER = "【身份证号已隐去】"
NUMBER = "【号码已隐去】"
EMAIL = "【邮箱已隐去】"
ADDRESS = "【地址已隐去】"

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CHINESE_DIGITS = {
    "〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1"}
# What people put between the digits of a number they write out.
_SEPARATORS = set(" \t\u3000-－—–‐‑_.。·•・/\\|*")
_MAX_GAP = 3
_PHONE_WORDS = re.compile(r"(电话|手机|手机号|联系|号码|座机|拨打|致电|tel|TEL|Tel|微信)")
# Dates and times written with separators are not numbers to hide (2026-03-15 10:30).
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])(?!\d)"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
)


@dataclass(frozen=True)
class Finding:
    kind: str  # phone, id_number, number, email, name, address
    start: int
    end: int
    replacement: str


def _digit_view(text: str) -> list[str | None]:
    """Per character of `text`: the ASCII digit it stands for, or None."""
    view: list[str | None] = []
    for ch in text:
        if ch.isdecimal():
            view.append(str(unicodedata.decimal(ch)))
        else:
            view.append(_CHINESE_DIGITS.get(ch))
    for m in _DATE.finditer(text):
        view[m.start() : m.end()] = [None] * (m.end() - m.start())
    # Letters standing in for digits count only between digits (138O1234567, l38…).
    for i, ch in enumerate(text):
        if ch in _LOOKALIKES and view[i] is None:
            before = next((view[j] for j in range(i - 1, max(-1, i - 3), -1) if view[j]), None)
            after = next((view[j] for j in range(i + 1, min(len(text), i + 3)) if view[j]), None)
            if before and after:
                view[i] = _LOOKALIKES[ch]
    return view


def _number_runs(text: str, view: list[str | None]) -> list[tuple[int, int, str]]:
    """Maximal runs of digits with at most a few separator characters between them."""
    runs: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        if view[i] is None:
            i += 1
            continue
        start, end, digits = i, i + 1, [view[i] or ""]
        j = i + 1
        while j < n:
            if view[j] is not None:
                digits.append(view[j] or "")
                end = j + 1
                j += 1
                continue
            gap = j
            while gap < n and gap - j < _MAX_GAP and text[gap] in _SEPARATORS:
                gap += 1
            if gap > j and gap < n and view[gap] is not None:
                j = gap
                continue
            break
        # An ID number may end in X.
        if end < n and text[end] in "Xx×" and len(digits) == 17:
            digits.append("X")
            end += 1
        runs.append((start, end, "".join(digits)))
        i = end
    return runs


def _classify(text: str, start: int, end: int, digits: str) -> str | None:
    n = len(digits)
    if n == 18 or (n == 15 and digits[0] in "123456"):
        if digits[:17].isdigit():
            return "id_number"
    if n == 11 and digits[0] == "1" and digits[1] in "3456789":
        return "phone"
    if digits[0] == "0" and 10 <= n <= 12:
        return "phone"
    if n >= 9:
        return "number"
    if n in (7, 8) and _PHONE_WORDS.search(text[max(0, start - 10) : start]):
        # A local number without its area code ("电话 7651234"); amounts are left alone.
        return "phone"
    return None


_REPLACEMENTS = {"phone": PHONE, "id_number": ID_NUMBER, "number": NUMBER}


def _numbers(text: str) -> list[Finding]:
    found = []
    view = _digit_view(text)
    for start, end, digits in _number_runs(text, view):
        kind = _classify(text, start, end, digits)
        if kind:
            found.append(Finding(kind, start, end, _REPLACEMENTS[kind]))
    return found


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+\s*(?:@|＠|\(at\)|\[at\])\s*[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def _emails(text: str) -> list[Finding]:
    return [Finding("email", m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)]


# --- names -----------------------------------------------------------------------------------

_COMPOUND_SURNAMES = (
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 宇文 长孙 尉迟 公孙 夏侯 轩辕 澹台 南宫 司徒 呼延"
).split()
_SURNAMES = set(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦"
    "巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白"
    "怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通"
    "边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇"
    "广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红"
    "游竺权逯盖益桓公"
)
# Words after which a person's name follows.
_NAME_TRIGGERS = re.compile(
    r"(?:我叫|我是|本人|名字叫|名字是|名叫|姓名[：:是为]?|联系人[：:是为]?|申请人[：:是为]?"
    r"|户主[：:是为]?|当事人[：:是为]?|家属[：:是为]?)\s*"
)
_PLACE_ENDINGS = tuple("村镇乡县区市省路街巷组社园苑庄屯寨局委办所站院校厅处")
# Words that start like a surname but are not names ("我是蒙城人", "我是党员").
_NOT_NAMES = (
    "蒙城 城关 本人 本村 家里 我们 居民 农民 群众 一名 个人 党员 房东 高中 高三 高龄 "
    "包工 包村 司机 车主 业主 商户 门面 程序 管理 于是 章程 和平 安全 江苏 黄山 谢谢 谢了 "
    "高兴 时间 方便 周末 周一 周二 周三 周四 周五 周六 周日 明天 余额 应该 常住 金额 "
    "文件 田地 钱款 孙子 孙女 叶子 花费 向日 毛病 白天 任何 成功 华为 马上 路口 董事"
).split()


def _surname_of(name: str) -> str | None:
    for compound in _COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) > len(compound):
            return compound
    return name[0] if name and name[0] in _SURNAMES else None


def _plausible_name(name: str) -> bool:
    if not 2 <= len(name) <= 4 or name.endswith(_PLACE_ENDINGS):
        return False
    if any(name.startswith(word) for word in _NOT_NAMES):
        return False
    if not all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return False
    return _surname_of(name) is not None


def _masked_name(name: str) -> str:
    surname = _surname_of(name) or name[0]
    return surname + "某" * max(1, min(2, len(name) - len(surname)))


_posseg_lock = threading.Lock()


def _tagged_names(text: str) -> list[tuple[int, int]]:
    """Spans jieba tags as person names (nr), limited to plausible Chinese names."""
    # jieba's tagger loads its model (~1 s) on import: only when a name is looked for.
    import jieba.posseg as pseg

    catalogue_text.load()
    spans: list[tuple[int, int]] = []
    pos = 0
    with _posseg_lock:  # jieba's POS tagger keeps state while it loads
        pairs = [(p.word, p.flag) for p in pseg.cut(text)]
    for word, flag in pairs:
        start = text.find(word, pos)
        if start < 0:
            continue
        pos = start + len(word)
        if flag.startswith("nr") and _plausible_name(word):
            spans.append((start, pos))
    return spans


def _trigger_names(text: str, tagged_starts: set[int]) -> set[tuple[int, int]]:
    """Names right after 我叫 / 姓名： / 联系人… that jieba did not tag itself."""
    spans: set[tuple[int, int]] = set()
    for m in _NAME_TRIGGERS.finditer(text):
        start = m.end()
        if start in tagged_starts:
            continue
        rest = text[start : start + 5]
        if any(rest.startswith(word) for word in _NOT_NAMES):
            continue
        for size in (3, 2):
            candidate = rest[:size]
            follows = rest[size : size + 1]
            if (
                len(candidate) == size
                and _plausible_name(candidate)
                and follows not in _PLACE_ENDINGS
            ):
                spans.add((start, start + size))
                break
    return spans


def _names(text: str, known: list[str]) -> list[Finding]:
    spans: set[tuple[int, int]] = set()
    for name in {k.strip() for k in known if k and len(k.strip()) >= 2}:
        spans.update((m.start(), m.end()) for m in re.finditer(re.escape(name), text))
    tagged = _tagged_names(text)
    spans.update(tagged)
    spans.update(_trigger_names(text, {s for s, _ in tagged}))
    return [Finding("name", s, e, _masked_name(text[s:e])) for s, e in sorted(spans)]


# --- addresses -------------------------------------------------------------------------------

_ADDRESS_CORE = re.compile(
    r"(?:(?:\d+|[一二三四五六七八九十百]+)\s*(?:号楼|号院|号|室|栋|幢|单元|层|组|户|排)"
    r"(?:\s*[-－之]\s*\d+)?\s*)+"
)
_ADDRESS_BREAK = re.compile(r"[在住址于是的，,。；;：:\s、（(]")
_PLACE_MARKS = re.compile(r"(村|社区|小区|区|路|街|巷|道|镇|乡|苑|园|庄|屯|寨|楼|厦|寓|里|弄|组)")


def _addresses(text: str) -> list[Finding]:
    found = []
    for m in _ADDRESS_CORE.finditer(text):
        left = max(0, m.start() - 16)
        before = text[left : m.start()]
        cut = 0
        for b in _ADDRESS_BREAK.finditer(before):
            cut = b.end()
        prefix = before[cut:]
        if not prefix or not _PLACE_MARKS.search(prefix):
            continue
        found.append(Finding("address", left + cut, m.end(), ADDRESS))
    return found


# --- putting it together ---------------------------------------------------------------------


def find_personal_data(text: str, *, known_names: list[str] | None = None) -> list[Finding]:
    """Everything that must not be published, as non-overlapping spans of `text`."""
    findings = _numbers(text) + _emails(text) + _addresses(text)
    findings += _names(text, known_names or [])
    # Longer and earlier spans win where they overlap (an address holding a number).
    findings.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in findings:
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept


def mask_personal_data(
    text: str, *, known_names: list[str] | None = None
) -> tuple[str, list[Finding]]:
    """The text with personal data replaced, and what was replaced (for staff to check)."""
    text = _INVISIBLE.sub("", text)
    findings = find_personal_data(text, known_names=known_names)
    out, pos = [], 0
    for f in findings:
        out.append(text[pos : f.start])
        out.append(f.replacement)
        pos = f.end
    out.append(text[pos:])
    return "".join(out), findings


def leaks(text: str) -> list[str]:
    """Phones, ID numbers and long numbers still in a text (empty when it is safe to publish)."""
    text = _INVISIBLE.sub("", text)
    return [text[f.start : f.end] for f in _numbers(text) + _emails(text)]
