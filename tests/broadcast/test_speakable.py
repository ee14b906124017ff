"""The speakable-text normaliser: what a Mandarin announcer would say for each written form."""

from __future__ import annotations

import pytest

from broadcast.speakable import has_speech, speakable, spoken_length
from broadcast.speakable.numbers import read_decimal, read_digits, read_integer, read_money
from broadcast.speakable.pronounce import (
    apply,
    compile_list,
    normalise_reading,
    reading_problem,
    term_problem,
)
from broadcast.speakable.source import document_text, readable_text


@pytest.mark.parametrize(
    ("digits", "spoken"),
    [
        ("0", "零"),
        ("7", "七"),
        ("2", "二"),
        ("10", "十"),
        ("15", "十五"),
        ("20", "二十"),
        ("101", "一百零一"),
        ("110", "一百一十"),
        ("200", "二百"),
        ("810", "八百一十"),
        ("1010", "一千零一十"),
        ("2000", "两千"),
        ("2200", "两千二百"),
        ("10000", "一万"),
        ("10050", "一万零五十"),
        ("20000", "两万"),
        ("22000", "两万两千"),
        ("100010", "十万零一十"),
        ("120000", "十二万"),
        ("1000000", "一百万"),
        ("100000005", "一亿零五"),
        ("100010000", "一亿零一万"),
        ("200000000", "两亿"),
        ("10000000000000", "十万亿"),
        ("007", "七"),
        ("12345678901234567", "一二三四五六七八九零一二三四五六七"),
    ],
)
def test_cardinals_are_read_as_an_announcer_reads_them(digits: str, spoken: str) -> None:
    assert read_integer(digits) == spoken


def test_digit_strings_decimals_and_money_have_their_own_readings() -> None:
    assert read_digits("0558") == "零五五八"
    assert read_digits("12345", yao=True) == "幺二三四五"
    assert read_decimal("3.14") == "三点一四"
    assert read_decimal("0.5") == "零点五"
    assert read_money("12.50") == "十二元五角"
    assert read_money("0.05") == "五分"
    assert read_money("3.05") == "三元零五分"
    assert read_money("12.00") == "十二元"
    assert read_money("2") == "两元"
    assert read_money("1.5", multiplier="万") == "一点五万元"
    assert read_money("100", currency="美元") == "一百美元"


CASES = [
    # 文号, titles and brackets
    ("蒙政办〔2026〕12号", "蒙政办二零二六年第十二号。"),
    ("根据皖政办[2025]3号文件", "根据皖政办二零二五年第三号文件。"),
    ("蒙民（2026）5号", "蒙民二零二六年第五号。"),
    (
        "印发《蒙城县最低生活保障工作实施细则》的通知（蒙政办〔2026〕12号）",
        "印发蒙城县最低生活保障工作实施细则的通知，蒙政办二零二六年第十二号。",
    ),
    ("村（居）民委员会", "村居民委员会。"),
    # dates
    ("2026年3月6日", "二零二六年三月六日。"),
    ("2026-03-06", "二零二六年三月六日。"),
    ("2026/3/6", "二零二六年三月六日。"),
    ("2026.3.6", "二零二六年三月六日。"),
    ("2026年3月6号", "二零二六年三月六号。"),
    ("2026年12月", "二零二六年十二月。"),
    ("3月15日起", "三月十五日起。"),
    ("2月份", "二月份。"),
    ("2000年", "二零零零年。"),
    ("2026年度", "二零二六年度。"),
    ("2025-2027年", "二零二五至二零二七年。"),
    ("2025—2027", "二零二五至二零二七年。"),
    ("30日内", "三十日内。"),
    # times
    ("07:00", "七点。"),
    ("8:30", "八点三十分。"),
    ("18:05", "十八点零五分。"),
    ("时间：8:30", "时间：八点三十分。"),
    ("8:00-12:00", "八点至十二点。"),
    ("14:30—17:30", "十四点三十分至十七点三十分。"),
    ("10:00至11:30", "十点至十一点三十分。"),
    ("12:30:45", "十二点三十分四十五秒。"),
    ("上午8时30分", "上午八时三十分。"),
    # money
    ("810元", "八百一十元。"),
    ("¥810", "八百一十元。"),
    ("￥1,234.50", "一千二百三十四元五角。"),
    ("1.5万元", "一点五万元。"),
    ("15000000元", "一千五百万元。"),
    ("1-2万元", "一万至两万元。"),
    ("800-1000元", "八百至一千元。"),
    ("$100", "一百美元。"),
    ("2元", "两元。"),
    ("每人每月810元/人", "每人每月八百一十元每人。"),
    # percentages
    ("15%", "百分之十五。"),
    ("3.5%", "百分之三点五。"),
    ("５％", "百分之五。"),
    ("5‰", "千分之五。"),
    ("10%-20%", "百分之十至百分之二十。"),
    ("10-20%", "百分之十至百分之二十。"),
    ("下降-5%", "下降负百分之五。"),
    # ranges and counts
    ("3-5个工作日", "三至五个工作日。"),
    ("3～5天", "三至五天。"),
    ("2-3人", "两至三人。"),
    ("2个人", "两个人。"),
    ("2次", "两次。"),
    ("领取2袋化肥", "领取两袋化肥。"),
    ("2箱、2瓶、2双", "两箱、两瓶、两双。"),
    ("2年内", "两年内。"),
    ("2年级", "二年级。"),
    ("12个", "十二个。"),
    ("第2批", "第二批。"),
    ("第1-3条", "第一至三条。"),
    ("10-20", "十至二十。"),
    ("1/3", "三分之一。"),
    ("2:1", "二比一。"),
    ("60+", "六十多。"),
    ("-5", "负五。"),
    ("3.14", "三点一四。"),
    ("1,234,567", "一百二十三万四千五百六十七。"),
    ("人口1234567人", "人口一百二十三万四千五百六十七人。"),
    # phones
    ("0558-7661234", "零五五八，七六六幺二三四。"),
    ("(0558)7661234", "零五五八，七六六幺二三四。"),
    ("13800138000", "幺三八，零零幺三，八零零零。"),
    ("138-0013-8000", "幺三八，零零幺三，八零零零。"),
    ("400-123-4567", "四零零，幺二三，四五六七。"),
    ("拨打12345热线", "拨打幺二三四五热线。"),
    ("12345政务服务便民热线", "幺二三四五政务服务便民热线。"),
    ("拨打110报警", "拨打幺幺零报警。"),
    ("咨询电话：7661234", "咨询电话：七六六幺二三四。"),
    ("咨询3次", "咨询三次。"),
    ("共计12000人", "共计一万两千人。"),
    # ID-like strings
    ("身份证号341622199001011234", "身份证号三四幺六二二，幺九九零零幺零幺，幺二三四。"),
    ("34162219900101123X", "三四幺六二二，幺九九零零幺零幺，幺二三叉。"),
    ("邮编233500", "邮编二三三五零零。"),
    ("账号：6222021234567", "账号：六二二二零二幺二三四五六七。"),
    ("编号20260001", "编号二零二六零零零幺。"),
    (
        "统一社会信用代码：91341622MA2N0XYZ1K",
        "统一社会信用代码：九幺三四幺六二二M A二N零X Y Z幺K。",
    ),
    ("流水号8812345678", "流水号八八幺二三四五六七八。"),
    # units and symbols
    ("25km", "二十五公里。"),
    ("2km", "两公里。"),
    ("120㎡", "一百二十平方米。"),
    ("120m²", "一百二十平方米。"),
    ("5m³", "五立方米。"),
    ("50kg", "五十千克。"),
    ("12km/h", "十二公里每小时。"),
    ("-5~3℃", "负五至三摄氏度。"),
    ("2℃", "二摄氏度。"),
    ("30°", "三十度。"),
    ("100kWh", "一百千瓦时。"),
    ("2.5km", "二点五公里。"),
    ("10min", "十分钟。"),
    ("国家5A级景区", "国家五A级景区。"),
    ("年龄≥60岁", "年龄大于等于六十岁。"),
    ("≤3", "小于等于三。"),
    ("1+1=2", "一加一等于二。"),
    ("乡镇/街道", "乡镇或街道。"),
    ("A&B", "A和B。"),
    ("APP下载", "A P P下载。"),
    ("PM2.5", "P M二点五。"),
    ("5G网络", "五G网络。"),
    ("COVID-19", "C O V I D十九。"),
    ("#重要通知#", "重要通知。"),
    ("“低保”与‘特困’", "低保与特困。"),
    # lists and punctuation
    ("一、保障对象\n二、申请受理", "一、保障对象。二、申请受理。"),
    ("1. 共同生活\n2. 收入低于标准", "一、共同生活。二、收入低于标准。"),
    ("（一）申请\n（二）审核", "一、申请。二、审核。"),
    ("(1)申请", "一、申请。"),
    ("措施如下：①加强管理②严格审核", "措施如下：一、加强管理。二、严格审核。"),
    ("请注意！！！", "请注意！"),
    ("真的吗？！", "真的吗？"),
    ("通知，，。。各乡镇", "通知。各乡镇。"),
    ("通知……各乡镇", "通知，各乡镇。"),
    ("通知——各乡镇", "通知，各乡镇。"),
    ("第一段\n\n\n第二段", "第一段。第二段。"),
    ("。。开头的标点", "开头的标点。"),
    ("蒙城·漆园", "蒙城漆园。"),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_written_forms_become_what_an_announcer_says(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


HIDDEN = [
    # full-width digits and letters
    ("２０２６年５月１日起施行", "二零二六年五月一日起施行。"),
    ("标准为８１０元", "标准为八百一十元。"),
    ("ＡＰＰ", "A P P。"),
    # zero-width characters, soft hyphens, BOM, bidi marks and word joiners inside words and numbers
    ("低\u200b保\u200d标准\ufeff提高到8\u200b1\u200c0元", "低保标准提高到八百一十元。"),
    ("蒙\u00ad城\u2060县\u202e", "蒙城县。"),
    ("8\u200b:\u200b30", "八点三十分。"),
    # other scripts' digits
    ("٢٠٢٦年", "二零二六年。"),
    ("२०元", "二十元。"),
    # non-breaking and ideographic spaces, tabs, CR LF, line and paragraph separators
    ("通知\u00a0各乡镇\u3000人民政府", "通知各乡镇人民政府。"),
    ("第一行\r\n第二行\u2028第三行\u2029第四行", "第一行。第二行。第三行。第四行。"),
    ("\t\t开头", "开头。"),
    # mixed punctuation runs
    ("请注意!?！？。", "请注意？"),
    ("通知 , , 。 ; 各乡镇", "通知。各乡镇。"),
    ("标准：；，提高", "标准；提高。"),
    ("...开始", "开始。"),
    # HTML entities and stray tags
    ("低保&nbsp;标准&lt;810元", "低保标准小于八百一十元。"),
    ("<p>通知</p><br/>各乡镇", "通知各乡镇。"),
    # 〇 and ○ used as zero
    ("二〇二六年", "二零二六年。"),
    ("二○二六年", "二零二六年。"),
    # circled numbers and full-width brackets
    ("①申请②审核", "一、申请。二、审核。"),
    ("（蒙政办〔２０２６〕１２号）", "蒙政办二零二六年第十二号。"),
    # dashes and tildes of every width
    ("3\u20145天", "三至五天。"),
    ("3\u301c5天", "三至五天。"),
    ("3\u22125", "三至五。"),
    ("8:00\u201312:00", "八点至十二点。"),
    # control characters
    ("通\x07知\x1b各乡镇", "通知各乡镇。"),
]


@pytest.mark.parametrize(("written", "spoken"), HIDDEN)
def test_hidden_characters_and_look_alikes_are_cleaned_before_reading(
    written: str, spoken: str
) -> None:
    assert speakable(written) == spoken


def test_urls_email_addresses_and_emoji_are_dropped() -> None:
    assert speakable("详见网址：https://www.mengcheng.gov.cn/zwgk/123.html。请关注！") == (
        "详见。请关注！"
    )
    assert speakable("访问www.mengcheng.gov.cn查询") == "访问查询。"
    assert speakable("登录mengcheng.gov.cn/bs办理") == "登录办理。"
    assert speakable("发送至邮箱：mcmz@163.com，谢谢") == "发送至，谢谢。"
    assert speakable("好消息😀👍🏻🇨🇳！低保提高了🎉") == "好消息！低保提高了。"
    assert speakable("家庭👨‍👩‍👧‍👦都可申请") == "家庭都可申请。"
    assert speakable("✅已完成 ⭐重点 ☎电话") == "已完成重点电话。"
    assert speakable("第1️⃣步") == "第一步。"


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        "😀👍",
        "https://www.mengcheng.gov.cn",
        "。。！！？",
        "mcmz@163.com",
        "\u200b\u200b",
    ],
)
def test_text_with_nothing_to_say_is_empty(written: str) -> None:
    assert speakable(written) == ""
    assert not has_speech(speakable(written))


def test_every_digit_is_read_and_nothing_unspeakable_is_left() -> None:
    text = (
        "蒙城县2026年第1季度：低保对象12,345户、23,456人，发放资金1,234.5万元，同比增长3.5%；"
        "咨询电话0558-7661234，办理时间8:30-11:30，3~5个工作日办结，详见http://x.cn。"
    )
    spoken = speakable(text)
    assert not any(ch.isdigit() for ch in spoken), spoken
    assert not set(spoken) & set("%:~-/()[]<>《》“”@#*http"), spoken
    assert "二零二六年第一季度" in spoken
    assert "一千二百三十四点五万元" in spoken
    assert "零五五八，七六六幺二三四" in spoken


def test_spoken_length_counts_what_takes_time_to_say() -> None:
    assert spoken_length("蒙城县，A P P。") == 6
    assert spoken_length("。，！") == 0


def test_pronunciations_replace_longest_terms_first() -> None:
    pattern, table = compile_list(
        [("银行", "yin2 hang2"), ("涡河", "锅河"), ("涡", "锅"), ("单县", "shan4 xian4")]
    )
    assert apply("到涡河边的银行办理", pattern, table) == "到锅河边的 yin2 hang2 办理"
    assert apply("涡北社区", pattern, table) == "锅北社区"
    assert apply("没有词条", None, {}) == "没有词条"


def test_pronunciation_entries_are_checked() -> None:
    assert term_problem("银行") is None
    assert term_problem("") == "必填"
    assert term_problem("银 行")
    assert term_problem("银行，")
    assert term_problem("长" * 21)
    assert reading_problem("yin2 hang2") is None
    assert reading_problem("锅河") is None
    assert reading_problem("lü4 se4") is None
    assert reading_problem("yinhang")  # no tones
    assert reading_problem("yin2hang2")  # syllables run together
    assert reading_problem("银行!")
    assert reading_problem("")
    assert normalise_reading("  Yin2   HANG2 ") == "yin2 hang2"
    assert normalise_reading("lv4") == "lü4"


def test_html_bodies_lose_tables_scripts_and_attachment_lists() -> None:
    body = (
        "<h2>关于做好低保工作的通知</h2><p>第一段。</p>"
        "<table><tr><td>姓名</td><td>810元</td></tr></table>"
        "<p>第二段<br>第三行</p><script>alert(1)</script><img src=x.png>"
        '<div class="attachments"><a href="a.docx">附件1 申请书.docx</a></div>'
        "<p>附件：1. 申请书</p>"
    )
    assert readable_text(body) == "关于做好低保工作的通知\n第一段。\n第二段\n第三行"


def test_plain_bodies_lose_attachment_lines_and_pipe_tables() -> None:
    body = (
        "正文一。\n附件1 最低生活保障申请书.docx\n姓名|性别|年龄\n张三|男|60\n正文二。\n申请表.xlsx"
    )
    assert readable_text(body) == "正文一。\n正文二。"


def test_a_document_is_read_as_title_number_then_body() -> None:
    text = document_text(
        title="关于提高低保标准的通知", doc_no="蒙民〔2026〕5号", body="标准为810元。"
    )
    assert speakable(text) == "关于提高低保标准的通知。蒙民二零二六年第五号。标准为八百一十元。"


@pytest.mark.parametrize(
    "run", ["0" * 12000, "5-" * 6000, "1." * 6000, "a-" * 6000, "1,5" * 4000, "1.5%" * 3000]
)
def test_a_full_length_run_of_digits_or_signs_is_read_without_stalling(run: str) -> None:
    # Found by make fuzz: a 12,000-digit spoken_text held the event loop for minutes, since
    # patterns were tried from every digit of a run (quadratic). Each start is now a run's.
    out = speakable(run)
    assert out
    assert not any(c.isascii() and c.isdigit() for c in out)
