"""A resident asks from the mini-program: photos, phone, privacy, reference number, 我的咨询."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from gateway.crypto import decrypt
from mini_program.consultations.models import Consultation, ConsultationPhoto
from tests.conftest import assert_error
from tests.mini_program.consultations.helpers import (
    QUESTION,
    domain_id,
    jpeg_with_location,
    key,
    png,
    png_bomb,
    resident,
    submit,
    upload,
)

# Deadlines, windows and open/close dates are county dates: `make test-midnight` runs these
# across Shanghai midnight.
pytestmark = pytest.mark.dates


async def test_a_question_with_photos_gets_a_reference_and_is_routed_to_its_department(
    api, sandbox, db
):
    me = await resident(api, sandbox)
    photos = []
    for data in (jpeg_with_location(), png()):
        uploaded = await upload(api, me, data)
        assert uploaded.status_code == 201, uploaded.text
        photos.append(uploaded.json()["id"])
    education = await domain_id(api, "义务教育")
    response = await submit(
        api, me, domain_id=education, photos=photos, phone="139 5678 1234", private=True
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] is True
    c = body["consultation"]
    assert c["reference"].startswith("ZX")
    assert str(c["id"]) in c["reference"]
    assert c["status"] == "assigned"
    assert c["status_label"] == "办理中"
    assert c["domain"] == {"id": education, "name": "义务教育"}
    assert c["phone_masked"] == "139****1234"
    assert "13956781234" not in response.text
    assert c["private"] is True
    assert c["deadline"]["workdays_left"] == 3
    assert not c["deadline"]["overdue"]
    assert [p["id"] for p in c["photos"]] == photos

    stored = await Consultation.get(id=c["id"])
    assert stored.department_code == "jyj"  # the demo routing rule for 义务教育
    assert stored.phone_encrypted
    assert "1395678" not in stored.phone_encrypted
    assert decrypt(stored.phone_encrypted) == "13956781234"

    # 我的咨询 lists it; its detail and its photos open for the resident.
    mine = (await api.get("/api/v1/mp/consultations", headers=me)).json()
    assert mine["items"][0]["id"] == c["id"]
    assert mine["total"] == 1
    detail = await api.get(f"/api/v1/mp/consultations/{c['id']}", headers=me)
    assert detail.json()["consultation"]["text"] == QUESTION
    image = await api.get(c["photos"][0]["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(image.content))
    # Re-encoded: EXIF (maker, GPS) gone, the orientation applied (640x480 turned upright).
    assert picture.size == (480, 640)
    assert dict(picture.getexif()) == {}
    assert b"PhoneMaker" not in image.content


async def test_photo_links_are_signed_and_expire(api, sandbox, db):
    me = await resident(api, sandbox)
    photo = (await upload(api, me, png())).json()["id"]
    c = (await submit(api, me, photos=[photo])).json()["consultation"]
    url = c["photos"][0]["url"]
    assert (await api.get(url)).status_code == 200
    assert_error(await api.get(url.replace("sig=", "sig=0")), 404, "photo_not_found")
    expired = url.split("?")[0] + "?expires=1000&sig=" + url.split("sig=")[1]
    assert_error(await api.get(expired), 404, "photo_not_found")


async def test_a_question_without_a_topic_goes_to_other_and_waits_for_an_admin(api, sandbox, db):
    me = await resident(api, sandbox)
    response = await submit(api, me, text="想咨询一下县里老年人办理公交卡需要什么材料？")
    c = response.json()["consultation"]
    assert c["domain"] == {"id": None, "name": "其他"}
    assert c["status"] == "pending"
    assert c["status_label"] == "待分派"


async def test_double_submission_with_one_client_key_is_one_question(api, sandbox, db):
    me = await resident(api, sandbox)
    client_key = key()
    body = {"text": QUESTION, "client_key": client_key}
    first, second, third = await asyncio.gather(
        *(api.post("/api/v1/mp/consultations", headers=me, json=body) for _ in range(3))
    )
    ids = {r.json()["consultation"]["id"] for r in (first, second, third)}
    assert len(ids) == 1
    assert sorted(r.status_code for r in (first, second, third)) == [200, 200, 201]
    assert await Consultation.filter(client_key=client_key).count() == 1
    again = await api.post("/api/v1/mp/consultations", headers=me, json=body)
    assert again.status_code == 200
    assert again.json()["created"] is False


async def test_bad_texts_are_refused_with_a_field_message(api, sandbox, db):
    me = await resident(api, sandbox)
    cases = {
        "": "请填写问题内容",
        "   \u200b\n ": "请填写问题内容",
        "好" * 2001: "最多 2000 字",
        "低保": "至少 10 个字",
        "😀" * 12: "不能只有表情或符号",
        "🙏🙏🙏 ？？？ ！！！ 😭😭😭": "不能只有表情或符号",
        "请问<script>alert(document.cookie)</script>低保怎么申请": "网页代码",
        '低保<img src=x onerror="alert(1)">怎么申请才能通过': "网页代码",
        "请点击 javascript:alert(1) 查看低保申请的材料": "网页代码",
    }
    for text, message in cases.items():
        response = await submit(api, me, text=text)
        error = assert_error(response, 422)
        assert message in error["fields"]["text"], (text[:20], error)
    # "<60岁" is not markup.
    ok = await submit(api, me, text="请问年龄<60岁的残疾人能申请哪些补贴？")
    assert ok.status_code == 201, ok.text


async def test_bad_fields_are_refused(api, sandbox, db):
    me = await resident(api, sandbox)
    assert "手机号" in assert_error(await submit(api, me, phone="12345"), 422)["fields"]["phone"]
    assert assert_error(await submit(api, me, domain_id=999999), 422)["fields"]["domain_id"]
    assert assert_error(await submit(api, me, client_key="x"), 422)["fields"]["client_key"]
    seven = ["0" * 32] * 7
    assert assert_error(await submit(api, me, photos=seven), 422)["fields"]["photos"]
    fake = assert_error(await submit(api, me, photos=["a" * 32]), 422)
    assert "重新上传" in fake["fields"]["photos"]
    assert_error(await submit(api, me, extra="x"), 422)
    assert_error(await api.post("/api/v1/mp/consultations", headers=me, content=b"{not json"), 400)
    assert_error(
        await api.post("/api/v1/mp/consultations", json={"text": QUESTION, "client_key": key()}),
        401,
        "resident_login_required",
    )


async def test_photos_that_are_not_images_too_large_or_bombs_are_refused(api, sandbox, db):
    me = await resident(api, sandbox)
    not_image = assert_error(await upload(api, me, b"GIF89a-but-really-text" * 10), 422)
    assert not_image["code"] == "photo_invalid"
    script = assert_error(await upload(api, me, b"<script>alert(1)</script>", "x.jpg"), 422)
    assert "JPEG" in script["message"]
    truncated = png()[:60]
    assert "损坏" in assert_error(await upload(api, me, truncated), 422)["message"]
    bomb = assert_error(await upload(api, me, png_bomb(), "bomb.png"), 422)
    assert "像素过多" in bomb["message"]
    just_over = b"\xff\xd8\xff\xe0" + b"0" * (5 * 1024 * 1024)
    assert_error(await upload(api, me, just_over), 413, "photo_too_large")
    far_over = b"\xff\xd8\xff\xe0" + b"0" * (6 * 1024 * 1024)
    assert_error(await upload(api, me, far_over), 413, "payload_too_large")
    empty = await api.post("/api/v1/mp/consultations/photos", headers=me, files={})
    assert_error(empty, 422)
    assert not await ConsultationPhoto.filter(size=0).exists()


async def test_a_resident_cannot_read_or_attach_anothers(api, sandbox, db):
    owner = await resident(api, sandbox)
    other = await resident(api, sandbox)
    photo = (await upload(api, owner, png())).json()["id"]
    c = (await submit(api, owner)).json()["consultation"]
    assert_error(
        await api.get(f"/api/v1/mp/consultations/{c['id']}", headers=other),
        404,
        "consultation_not_found",
    )
    assert (await api.get("/api/v1/mp/consultations", headers=other)).json()["total"] == 0
    stolen = await submit(api, other, photos=[photo])
    assert "重新上传" in assert_error(stolen, 422)["fields"]["photos"]
    # The owner can still use it.
    assert (await submit(api, owner, photos=[photo])).status_code == 201
    assert_error(await api.get("/api/v1/mp/consultations/99999999999999", headers=owner), 404)
    assert_error(await api.get("/api/v1/mp/consultations/99999999999999999999", headers=owner), 404)


async def test_the_form_options_show_the_reply_limits(api, db):
    options = (await api.get("/api/v1/mp/consultation-options")).json()
    kinds = {k["value"]: k for k in options["kinds"]}
    assert kinds["enquiry"]["workdays"] == 3
    assert kinds["enquiry"]["label"] == "咨询"
    assert kinds["complaint"]["workdays"] == 10
    assert options["max_photos"] == 6
    assert options["max_photo_mb"] == 5
