"""Publishing answers as public Q&A: masked automatically, checked by staff, never a phone."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from gateway.clock import SHANGHAI
from mini_program.consultations.masking import leaks, mask_personal_data
from mini_program.consultations.models import Consultation
from mini_program.consultations.service import queue
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.consultations.helpers import domain_id, question

PHONE, ID = "13812345678", "34162219900101123X"
HIDDEN = [
    # (how a resident might type it, the digits it hides)
    ("我的电话13812345678", PHONE),
    ("电话：１３８１２３４５６７８", PHONE),
    ("手机 138 1234 5678", PHONE),
    ("手机138-1234-5678", PHONE),
    ("手机138.1234.5678", PHONE),
    ("手机1\u200b3\u200b8\u200c1234\u200d5678", PHONE),
    ("手机 1 3 8 1 2 3 4 5 6 7 8", PHONE),
    ("手机１３８－１２３４－５６７８", PHONE),
    ("手机一三八一二三四五六七八", PHONE),
    ("手机138O1234567", "13801234567"),
    ("座机 0558-7651234", "05587651234"),
    ("身份证341622199001011234", "341622199001011234"),
    ("身份证号 3416 2219 9001 0112 3X", ID),
    ("身份证号３４１６２２１９９００１０１１２３Ｘ", ID),
    ("身份证341622-19900101-123x", ID.replace("X", "x")),
    ("银行卡 6222 0212 3456 7890 123", "6222021234567890123"),
]


def _digits(text: str) -> str:
    import unicodedata

    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


@pytest.mark.parametrize(("typed", "hidden"), HIDDEN)
def test_hidden_numbers_are_masked(typed, hidden):
    masked, findings = mask_personal_data(f"请问低保怎么申请？{typed}，谢谢。")
    assert findings, typed
    assert hidden not in _digits(masked)
    assert not re.search(r"\d{7,}", _digits(masked))
    assert leaks(masked) == []
    assert masked.startswith("请问低保怎么申请？")
    assert masked.endswith("谢谢。")


def test_names_addresses_and_emails_are_masked_but_ordinary_text_is_kept():
    text = (
        "我叫张三，住在城关镇幸福村3组12号，邻居李四家也一样。联系人：陈静，"
        "邮箱 chenjing@163.com。请于2026-03-15 10:30前到窗口，拨打12345热线，"
        "依据蒙政办〔2026〕12号文件，补贴每亩100元，共1200万元。"
    )
    masked, findings = mask_personal_data(text, known_names=["王秀兰"])
    kinds = {f.kind for f in findings}
    assert {"name", "address", "email"} <= kinds
    for gone in ("张三", "李四", "陈静", "幸福村3组12号", "chenjing@163.com"):
        assert gone not in masked
    assert "张某" in masked
    assert "【地址已隐去】" in masked
    assert "【邮箱已隐去】" in masked
    for kept in ("2026-03-15 10:30", "12345", "蒙政办〔2026〕12号", "100元", "1200万元"):
        assert kept in masked
    assert "王某某" in mask_personal_data("来访人王秀兰反映", known_names=["王秀兰"])[0]


async def _answered(text: str, answer: str, **columns) -> Consultation:
    row = await question(
        received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
        text=text,
        department_code="mzj",
        **columns,
    )
    await Consultation.filter(id=row.id).update(status="answered", answer_text=answer)
    return await Consultation.get(id=row.id)


async def test_publishing_masks_the_question_and_the_answer(api, db):
    row = await _answered(
        "我母亲王秀兰想申请高龄津贴，电话１３８ １２３４ ５６７８，身份证3416 2219 9001 0112 3X。",
        "您好，请王秀兰本人携带身份证到民政所办理，或致电 0558-7651234 咨询。",
        contact_name="王秀兰",
    )
    admin = await sign_in(api, "admin")
    preview = (
        await api.get(f"/api/v1/admin/consultations/{row.id}/publish-preview", headers=admin)
    ).json()
    assert {f["kind"] for f in preview["findings"]} >= {"phone", "id_number", "name"}
    assert "王某某" in preview["question"]
    assert "【电话已隐去】" in preview["question"]
    published = await api.post(f"/api/v1/admin/consultations/{row.id}/publish", headers=admin)
    assert published.status_code == 200, published.text
    qa = published.json()["qa"]
    for field in ("question", "answer"):
        assert leaks(qa[field]) == []
        assert "王秀兰" not in qa[field]
    # Staff's edits are masked again: an edit cannot put a number back.
    edited = await api.post(
        f"/api/v1/admin/consultations/{row.id}/publish",
        json={
            "question": "想申请高龄津贴，电话 1 3 8 1 2 3 4 5 6 7 8",
            "answer": "请致电１３９－８７６５－４３２１或带身份证341622199001011234办理。",
        },
        headers=admin,
    )
    again = edited.json()["qa"]
    assert again["id"] == qa["id"]
    for field in ("question", "answer"):
        assert leaks(again[field]) == []
        assert not re.search(r"\d{7,}", _digits(again[field]))
    # What the mini-program shows never has the numbers.
    public = await api.get(f"/api/v1/mp/qa/{qa['id']}")
    assert "13812345678" not in _digits(public.text)
    assert "13987654321" not in _digits(public.text)
    assert "341622199001011234" not in _digits(public.text)


async def test_private_and_unanswered_questions_are_not_published(api, db):
    admin = await sign_in(api, "admin")
    private = await _answered("不想公开的问题，关于家里的低保。", "已答复。", private=True)
    assert_error(
        await api.post(f"/api/v1/admin/consultations/{private.id}/publish", headers=admin),
        409,
        "private_consultation",
    )
    open_one = await question(
        received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
        text="还没有答复的问题，关于低保。",
        department_code="mzj",
    )
    assert_error(
        await api.post(f"/api/v1/admin/consultations/{open_one.id}/publish", headers=admin),
        409,
        "not_answered",
    )
    assert_error(
        await api.post(
            f"/api/v1/admin/consultations/{open_one.id}/publish",
            json={"question": "<script>x</script>"},
            headers=admin,
        ),
        422,
    )


async def test_published_qa_is_listed_per_domain_and_found_by_the_search(api, db):
    pension = await domain_id(api, "养老服务")
    row = await question(
        received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
        text="请问居家养老上门服务补贴的申请条件是什么？",
        domain_id=pension,
    )
    await Consultation.filter(id=row.id).update(
        status="answered", answer_text="居家养老上门服务补贴面向80周岁以上失能老人，向社区申请。"
    )
    await queue.index_answered([await Consultation.get(id=row.id)])
    admin = await sign_in(api, "admin")
    qa = (await api.post(f"/api/v1/admin/consultations/{row.id}/publish", headers=admin)).json()[
        "qa"
    ]
    listed = (await api.get("/api/v1/mp/qa", params={"domain": pension})).json()
    assert listed["items"][0]["id"] == qa["id"]
    assert all(i["domain"]["id"] == pension for i in listed["items"])
    found = (await api.get("/api/v1/mp/qa", params={"q": "上门服务补贴"})).json()
    assert found["items"][0]["id"] == qa["id"]
    search = (await api.get("/api/v1/mp/search", params={"q": "居家养老上门服务补贴"})).json()
    hit = next(h for h in search["items"] if h["type"] == "qa")
    assert hit["id"] == qa["id"]
    assert "<em>" in hit["title"]
    # Answered but unpublished questions never reach the residents' search.
    assert all(h["type"] in ("item", "document", "qa") for h in search["items"])

    removed = await api.delete(f"/api/v1/admin/consultations/{row.id}/publish", headers=admin)
    assert removed.status_code == 204
    assert_error(await api.get(f"/api/v1/mp/qa/{qa['id']}"), 404, "qa_not_found")
    after = (await api.get("/api/v1/mp/qa", params={"q": "上门服务补贴"})).json()
    assert all(i["id"] != qa["id"] for i in after["items"])
    assert_error(await api.get("/api/v1/mp/qa", params={"per_page": 0}), 422)


async def test_published_demo_qa_never_shows_a_phone_or_id_number(api, db):
    page = (await api.get("/api/v1/mp/qa", params={"per_page": 100})).json()
    assert page["total"] >= 10
    for item in page["items"]:
        for field in ("question", "answer"):
            assert leaks(item[field]) == [], item
