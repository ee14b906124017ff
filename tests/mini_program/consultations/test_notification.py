"""The resident is told when their question is answered: a subscribe message through
mini_program/notify, as WeChat (the sandbox) delivers it, and what the tap opens."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path

import httpx

from gateway.clock import SHANGHAI
from gateway.config import get_settings
from gateway.jobs import run_due
from mini_program.notify.purposes import get_purpose
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.consultations.helpers import domain_id, resident, submit

NOTIFY = ["notify.fan_out", "notify.send"]
APP_JSON = Path(__file__).resolve().parents[3] / "mini_program" / "client" / "app.json"
ANSWER = "您好，报名材料为户口簿、房产证明和预防接种证，6 月 1 日起在县教育局网站报名。"


def _template() -> str:
    return get_purpose("consultation_answered").template_id


async def _allow(api: httpx.AsyncClient, sandbox: httpx.AsyncClient, openid: str) -> dict[str, str]:
    """A resident who tapped 允许 on the sheet 我要咨询 opened: WeChat holds one grant, and the
    mini-program reported the answer to us."""
    me = await resident(api, sandbox, openid)
    granted = await sandbox.post(
        "/sandbox/subscribe-grants",
        json={"appid": get_settings().mp_appid, "template_id": _template(), "openids": [openid]},
    )
    assert granted.status_code == 200, granted.text
    reported = await api.post(
        "/api/v1/mp/subscribe-grants", json={_template(): "accept"}, headers=me
    )
    assert reported.status_code == 201, reported.text
    return me


async def _received(sandbox: httpx.AsyncClient, openid: str) -> list[dict[str, object]]:
    got = await sandbox.get(
        "/sandbox/subscribe-sent",
        params={"appid": get_settings().mp_appid, "template_id": _template(), "openid": openid},
    )
    assert got.status_code == 200, got.text
    return [m["content"] for m in got.json()["messages"]]


async def _answer(api: httpx.AsyncClient, admin: dict[str, str], cid: int, text: str) -> dict:
    await api.post(
        f"/api/v1/admin/consultations/{cid}/assign", json={"department_code": "jyj"}, headers=admin
    )
    answered = await api.post(
        f"/api/v1/admin/consultations/{cid}/answer", json={"text": text}, headers=admin
    )
    assert answered.status_code == 200, answered.text
    return answered.json()["consultation"]


async def test_the_resident_who_allowed_it_receives_the_message_and_its_tap_opens_the_answer(
    api, sandbox, db
):
    openid = "oNotify" + secrets.token_hex(8)
    me = await _allow(api, sandbox, openid)
    topic = await domain_id(api, "义务教育")
    c = (await submit(api, me, domain_id=topic)).json()["consultation"]
    admin = await sign_in(api, "admin")
    answered = await _answer(api, admin, c["id"], ANSWER)
    # Nothing leaves before the workers run: the message is a job of the answer's transaction.
    assert await _received(sandbox, openid) == []
    await run_due(1000, kinds=NOTIFY)

    at = datetime.fromisoformat(answered["answer"]["answered_at"]).astimezone(SHANGHAI)
    assert await _received(sandbox, openid) == [
        {
            "template_id": _template(),
            "page": f"pages/consultation/index?id={c['id']}",
            "data": {
                "thing1": {"value": "义务教育咨询"},
                "character_string2": {"value": c["reference"]},
                "time3": {"value": at.strftime("%Y-%m-%d %H:%M")},
                "thing4": {"value": "您的问题已答复，点击查看"},
            },
        }
    ]
    # The page the message opens is one of the mini-program's, and it shows the answer.
    assert "pages/consultation/index" in json.loads(APP_JSON.read_text())["pages"]
    opened = (await api.get(f"/api/v1/mp/consultations/{c['id']}", headers=me)).json()
    assert opened["consultation"]["status_label"] == "已答复"
    assert opened["consultation"]["answer"]["text"] == ANSWER
    assert opened["consultation"]["can_rate"] is True
    # Staff see that it reached the resident.
    detail = (await api.get(f"/api/v1/admin/consultations/{c['id']}", headers=admin)).json()
    assert detail["consultation"]["notification"] == {"sent": 1}


async def test_one_grant_is_one_message_and_a_resident_without_one_is_sent_nothing(
    api, sandbox, db
):
    openid = "oNotify" + secrets.token_hex(8)
    me = await _allow(api, sandbox, openid)
    admin = await sign_in(api, "admin")
    first = (await submit(api, me)).json()["consultation"]
    second = (await submit(api, me)).json()["consultation"]
    await _answer(api, admin, first["id"], "您好，已答复第一个问题。")
    await _answer(api, admin, second["id"], "您好，已答复第二个问题。")
    await run_due(1000, kinds=NOTIFY)
    received = await _received(sandbox, openid)
    # The one grant served the first answer; the second waits in 我的咨询 for the resident.
    assert [m["data"]["character_string2"]["value"] for m in received] == [first["reference"]]
    later = (await api.get(f"/api/v1/admin/consultations/{second['id']}", headers=admin)).json()
    assert later["consultation"]["notification"] in ({}, {"no_grant": 1})
    # A resident who never allowed a message is not sent one, and the queue says so.
    other_openid = "oNotify" + secrets.token_hex(8)
    other = await resident(api, sandbox, other_openid)
    c = (await submit(api, other)).json()["consultation"]
    await _answer(api, admin, c["id"], "您好，已答复。")
    await run_due(1000, kinds=NOTIFY)
    assert await _received(sandbox, other_openid) == []
    detail = (await api.get(f"/api/v1/admin/consultations/{c['id']}", headers=admin)).json()
    assert detail["consultation"]["notification"] == {}


async def test_a_grant_wechat_no_longer_holds_is_refused_and_staff_see_it(api, sandbox, db):
    # The mini-program reported 允许 but WeChat holds no grant (spent elsewhere): 43101.
    openid = "oNotify" + secrets.token_hex(8)
    me = await resident(api, sandbox, openid)
    reported = await api.post(
        "/api/v1/mp/subscribe-grants", json={_template(): "accept"}, headers=me
    )
    assert reported.status_code == 201, reported.text
    c = (await submit(api, me)).json()["consultation"]
    admin = await sign_in(api, "admin")
    await _answer(api, admin, c["id"], "您好，已答复。")
    await run_due(1000, kinds=NOTIFY)
    assert await _received(sandbox, openid) == []
    detail = (await api.get(f"/api/v1/admin/consultations/{c['id']}", headers=admin)).json()
    assert detail["consultation"]["notification"] == {"refused": 1}
