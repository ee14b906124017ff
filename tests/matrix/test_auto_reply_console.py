"""Admins edit an account's automatic replies on its console page; the callbacks use them."""

from gateway.audit import AuditRecord
from matrix.models import Account
from tests.matrix.matrix_helpers import peer_for, sign_in, text_xml, unique_appid, unique_code


async def _new_plaintext_account(api, headers) -> str:
    code = unique_code()
    body = {
        "code": code,
        "name": "蒙城自动回复测试号",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": unique_appid(),
        "secret": "test-secret-0123456789abcdef",
        "safe_mode": False,
    }
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    return code


async def test_admin_saves_auto_replies_and_a_keyword_is_answered(api, db):
    headers = await sign_in(api, "admin")
    code = await _new_plaintext_account(api, headers)
    page = await api.get(f"/console/matrix/accounts/{code}", headers=headers)
    assert 'id="auto-reply-form"' in page.text

    form = {
        "subscribe": "欢迎关注蒙城教育",
        "click": "MENU_GUIDE=办事指南请看菜单",
        "keywords": "招生=招生信息请见公告\n你好==您好，这里是蒙城教育",
    }
    saved = await api.post(
        f"/console/matrix/accounts/{code}/auto-reply", data=form, headers=headers
    )
    assert saved.status_code == 303, saved.text
    account = await Account.get(code=code)
    assert account.auto_reply["click"] == {"MENU_GUIDE": "办事指南请看菜单"}
    assert {
        "keyword": "你好",
        "reply": "您好，这里是蒙城教育",
        "exact": True,
    } in account.auto_reply["keywords"]
    assert await AuditRecord.filter(action="matrix.account.update", target_id=code).exists()

    shown = await api.get(saved.headers["location"], headers=headers)
    assert "自动回复已保存" in shown.text
    assert "MENU_GUIDE=办事指南请看菜单" in shown.text
    peer = await peer_for(code)
    answer = await peer.post(api, text_xml("oReplyFan" + code, "请问今年招生吗"))
    assert "招生信息请见公告" in answer.text


async def test_bad_lines_are_reported_in_chinese_and_nothing_changes(api, db):
    headers = await sign_in(api, "admin")
    code = await _new_plaintext_account(api, headers)
    before = (await Account.get(code=code)).auto_reply
    form = {"subscribe": "", "click": "没有等号的一行", "keywords": "招生="}
    bad = await api.post(f"/console/matrix/accounts/{code}/auto-reply", data=form, headers=headers)
    assert bad.status_code == 422
    assert "第 1 行应写成“KEY=回复内容”" in bad.text
    assert "第 1 行缺少回复内容" in bad.text
    assert "没有等号的一行" in bad.text  # the admin's text comes back to be fixed
    assert (await Account.get(code=code)).auto_reply == before


async def test_editors_cannot_change_auto_replies(api, db):
    headers = await sign_in(api, "editor")
    page = await api.get("/console/matrix/accounts/mcjy", headers=headers)
    assert 'id="auto-reply-form"' not in page.text
    denied = await api.post(
        "/console/matrix/accounts/mcjy/auto-reply", data={"click": "X=y"}, headers=headers
    )
    assert denied.status_code in (302, 303, 403)
    assert "X" not in ((await Account.get(code="mcjy")).auto_reply.get("click") or {})
