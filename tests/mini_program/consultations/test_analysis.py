"""What people ask about: hot words, rising topics, reply times and length, Excel, word lists."""

from __future__ import annotations

import io
from datetime import datetime

import httpx
from openpyxl import load_workbook

from gateway.clock import SHANGHAI
from gateway.jobs import run_due
from mini_program.consultations import words
from mini_program.consultations.analysis.service import analyse
from mini_program.consultations.models import Channel, Consultation, WordList
from tests.conftest import assert_error
from tests.gateway.staff_helpers import console_sign_in, csrf_from, sign_in
from tests.mini_program.consultations.helpers import question

DEPT = "ggzyjy"  # only this test file files questions with the trading centre
BURNING = "请问秸秆禁烧期间，田里的秸秆怎么处理才不会被罚款？"
BUS = "请问老年人公交卡在哪里办理，需要带什么材料？"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


async def _seed_period() -> None:
    if await Consultation.filter(department_code=DEPT, received_at__lt=at("2025-04-01")).exists():
        return
    # March 2025 (the period) and the 31 days before it (the previous period).
    for day, workdays, on_time in (
        ("2025-03-03", 0, True),
        ("2025-03-04", 1, True),
        ("2025-03-05", 2, True),
        ("2025-03-10", 3, True),
        ("2025-03-11", 12, False),
    ):
        row = await question(received_at=at(day), text=BURNING, department_code=DEPT)
        await Consultation.filter(id=row.id).update(
            status="answered", answer_text="按规定处理。", answer_workdays=workdays, on_time=on_time
        )
    for day in ("2025-03-20", "2025-03-21"):
        await question(
            received_at=at(day), text=BUS, department_code=DEPT, channel=Channel.MINI_PROGRAM
        )
    await question(received_at=at("2025-02-10"), text=BUS, department_code=DEPT)


async def test_hot_words_rising_topics_and_reply_times_over_a_period(db):
    await _seed_period()
    result = await analyse(
        date_from=at("2025-03-01").date(), date_to=at("2025-03-31").date(), department=DEPT
    )
    assert result["total"] == 7
    assert result["answered"] == 5
    assert result["open"] == 2
    assert result["previous"] == {"from": "2025-01-29", "to": "2025-02-28", "total": 1}
    hot = {w["word"]: w["count"] for w in result["hot_words"]}
    # 秸秆禁烧 is one word thanks to the county dictionary; 请问 and 怎么 are stop words.
    assert hot["秸秆禁烧"] == 5
    assert "请问" not in hot
    assert "怎么" not in hot
    rising = {r["word"]: r for r in result["rising"]}
    assert rising["秸秆禁烧"]["change"] == "新出现"
    assert rising["秸秆禁烧"]["previous"] == 0
    assert "公交卡" not in rising or rising["公交卡"]["score"] < rising["秸秆禁烧"]["score"]
    assert result["reply"]["median"] == 2
    assert result["reply"]["p90"] == 12
    assert result["reply"]["on_time_share"] == 0.8
    buckets = {b["label"]: b["count"] for b in result["reply"]["buckets"]}
    assert buckets["当天"] == 1
    assert buckets["10 天以上"] == 1
    assert result["length"]["median"] == len(BURNING)
    assert {r["label"]: r["count"] for r in result["by_channel"]} == {"服务大厅": 5, "小程序": 2}
    assert result["by_department"] == [{"label": "蒙城县公共资源交易中心", "count": 7}]
    assert sum(p["count"] for p in result["series"]) == 7
    assert len(result["series"]) == 31
    only_app = await analyse(
        date_from=at("2025-03-01").date(),
        date_to=at("2025-03-31").date(),
        channels=["mini_program"],
        department=DEPT,
    )
    assert only_app["total"] == 2


async def test_a_dictionary_word_is_counted_after_the_questions_are_segmented_again(db):
    await _seed_period()
    before = await analyse(
        date_from=at("2025-03-01").date(), date_to=at("2025-03-31").date(), department=DEPT
    )
    assert "老年人公交卡" not in {w["word"] for w in before["hot_words"]}
    dictionary = await words.list_words(WordList.DICTIONARY)
    try:
        change = await words.replace_words(WordList.DICTIONARY, [*dictionary, "老年人公交卡"])
        assert change["added"] == ["老年人公交卡"]
        assert change["version"]
        await run_due(kinds=["consultations.retokenize"])
        after = await analyse(
            date_from=at("2025-03-01").date(), date_to=at("2025-03-31").date(), department=DEPT
        )
        assert {w["word"]: w["count"] for w in after["hot_words"]}["老年人公交卡"] == 2
    finally:
        await words.replace_words(WordList.DICTIONARY, dictionary)
        await run_due(kinds=["consultations.retokenize"])


async def test_the_analysis_api_the_console_page_and_the_excel_export(api, db):
    await _seed_period()
    admin = await sign_in(api, "admin")
    params = {"from": "2025-03-01", "to": "2025-03-31", "department": DEPT}
    body = (await api.get("/api/v1/admin/analysis", params=params, headers=admin)).json()
    assert body["total"] == 7
    assert body["messages_per_second"] > 0
    page = await api.get("/console/analysis", params=params, headers=admin)
    assert page.status_code == 200
    assert "秸秆禁烧" in page.text
    assert "<svg" in page.text
    xlsx = await api.get("/console/analysis/export.xlsx", params=params, headers=admin)
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert {"概况", "热词", "上升话题", "按领域", "按部门", "答复用时", "留言字数"} <= set(
        book.sheetnames
    )
    hot = {row[0]: row[1] for row in book["热词"].iter_rows(min_row=2, values_only=True)}
    assert hot["秸秆禁烧"] == 5
    for bad in ({"from": "2025-04-01", "to": "2025-03-01"}, {"channel": "fax"}, {"from": "x"}):
        assert_error(await api.get("/api/v1/admin/analysis", params=bad, headers=admin), 422)
    # Department staff see their own department's figures only.
    dept = await sign_in(api, "dept_edu")
    theirs = await api.get("/api/v1/admin/analysis", params=params, headers=dept)
    assert theirs.json()["total"] == 0


async def test_word_lists_are_edited_in_the_console(api, db):
    async with httpx.AsyncClient(base_url=str(api.base_url)) as browser:
        await console_sign_in(browser, "admin")
        page = await browser.get("/console/analysis/words")
        assert "停用词" in page.text
        assert "秸秆禁烧" in page.text
        token = csrf_from(page.text)
        stop = await words.list_words(WordList.STOPWORD)
        saved = await browser.post(
            "/console/analysis/words",
            data={"csrf_token": token, "list": "stopword", "words": "\n".join([*stop, "罚款"])},
        )
        assert saved.status_code == 303
        try:
            assert "罚款" in await words.list_words(WordList.STOPWORD)
            await _seed_period()
            result = await analyse(
                date_from=at("2025-03-01").date(), date_to=at("2025-03-31").date(), department=DEPT
            )
            assert "罚款" not in {w["word"] for w in result["hot_words"]}
        finally:
            await words.replace_words(WordList.STOPWORD, stop)
