"""The account registry: validation, encrypted secrets, audit, permissions, sandbox wiring."""

from gateway import crypto
from gateway.audit import AuditRecord
from matrix.models import Account
from tests.conftest import RUN_DIR, assert_error
from tests.matrix.matrix_helpers import sign_in, unique_appid, unique_code

SECRET = "s3cret-AppSecret-value-0123456789"
AES_KEY = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"  # 43 characters


def new_account(**overrides):
    body = {
        "code": unique_code(),
        "name": "蒙城测试号",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": unique_appid(),
        "secret": SECRET,
        "encoding_aes_key": AES_KEY,
    }
    body.update(overrides)
    return body


async def test_demo_county_has_27_department_accounts_and_the_mini_program(api, db):
    headers = await sign_in(api, "admin")
    response = await api.get("/api/v1/admin/accounts", headers=headers)
    assert response.status_code == 200
    accounts = {a["code"]: a for a in response.json()["accounts"]}
    demo = [a for a in accounts.values() if a["appid"] and a["department_code"]]
    platforms = {a["platform"] for a in demo}
    assert {"wechat_subscription", "wechat_service", "wechat_miniprogram"} <= platforms
    assert accounts["mcfb"]["name"] == "蒙城发布"
    assert accounts["mcjy"]["department_name"] == "县教育局"
    assert accounts["mcmp"]["platform"] == "wechat_miniprogram"
    departments = {a["department_code"] for a in demo if a["platform"] != "wechat_miniprogram"}
    assert len(departments) >= 27
    first = accounts["mcjy"]
    assert first["callback_url"].endswith("/wechat/callback/mcjy")
    assert "token_state" in first
    assert first["health"]["level"] in ("ok", "warning", "failing")


async def test_bad_account_fields_are_named_one_by_one(api, db):
    headers = await sign_in(api, "admin")
    body = new_account(appid="wx123", encoding_aes_key=AES_KEY[:42], token="no spaces!")
    error = assert_error(
        await api.post("/api/v1/admin/accounts", json=body, headers=headers), 422, "invalid"
    )
    assert "wx 加 16 位十六进制" in error["fields"]["appid"]
    assert "43 位" in error["fields"]["encoding_aes_key"]
    assert "Token" in error["fields"]["token"]


async def test_wechat_account_needs_appid_secret_and_a_known_department(api, db):
    headers = await sign_in(api, "admin")
    body = new_account(department_code="nosuch")
    body.pop("secret")
    body.pop("appid")
    error = assert_error(
        await api.post("/api/v1/admin/accounts", json=body, headers=headers), 422, "invalid"
    )
    assert set(error["fields"]) == {"appid", "secret", "department_code"}
    assert not await Account.exists(code=body["code"])


async def test_uppercase_appid_and_unknown_platform_are_refused(api, db):
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.post(
            "/api/v1/admin/accounts",
            json=new_account(appid="WX0123456789ABCDEF", platform="qq"),
            headers=headers,
        ),
        422,
    )
    assert "platform" in error["fields"]
    error = assert_error(
        await api.post(
            "/api/v1/admin/accounts", json=new_account(appid="WX0123456789ABCDEF"), headers=headers
        ),
        422,
    )
    assert "appid" in error["fields"]


async def test_secrets_are_encrypted_at_rest_and_never_returned(api, db):
    headers = await sign_in(api, "admin")
    body = new_account()
    response = await api.post("/api/v1/admin/accounts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    account = response.json()["account"]
    text = response.text
    assert SECRET not in text
    assert AES_KEY not in text
    assert account["has_secret"]
    assert account["has_encoding_aes_key"]
    assert "secret" not in account
    assert "token" not in account

    rows = await Account.filter(code=body["code"]).values_list(
        "secret_encrypted", "aes_key_encrypted", "callback_token_encrypted"
    )
    raw_secret, raw_key, raw_token = rows[0]
    token = crypto.decrypt(raw_token)
    assert token not in raw_token
    assert SECRET not in raw_secret
    assert AES_KEY not in raw_key
    assert crypto.decrypt(raw_secret) == SECRET
    assert crypto.decrypt(raw_key) == AES_KEY
    # A Token was generated: 32 letters and digits.
    assert token.isalnum()
    assert len(token) == 32

    detail = await api.get(f"/api/v1/admin/accounts/{body['code']}", headers=headers)
    listing = await api.get("/api/v1/admin/accounts", headers=headers)
    for text in (detail.text, listing.text):
        assert SECRET not in text
        assert AES_KEY not in text
        assert token not in text

    assert not _logs_contain(SECRET)
    assert not _logs_contain(AES_KEY)


def _logs_contain(text: str) -> bool:
    return any(text in p.read_text("utf-8", "replace") for p in RUN_DIR.glob("server-*.log"))


async def test_changes_leave_audit_records_without_secrets(api, db):
    headers = await sign_in(api, "admin")
    body = new_account()
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    code = body["code"]
    patch = await api.patch(
        f"/api/v1/admin/accounts/{code}",
        json={"name": "蒙城测试号（改）", "safe_mode": False},
        headers=headers,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json()["account"]["name"] == "蒙城测试号（改）"
    assert patch.json()["account"]["safe_mode"] is False
    new_secret = "rotated-secret-9876543210abcdef"
    rotated = await api.post(
        f"/api/v1/admin/accounts/{code}/rotate-secret", json={"secret": new_secret}, headers=headers
    )
    assert rotated.status_code == 200, rotated.text
    assert new_secret not in rotated.text
    raw = (await Account.filter(code=code).values_list("secret_encrypted", flat=True))[0]
    assert crypto.decrypt(raw) == new_secret

    records = await AuditRecord.filter(target_type="matrix_account", target_id=code).order_by("id")
    assert [r.action for r in records] == [
        "matrix.account.create",
        "matrix.account.update",
        "matrix.account.rotate_secret",
    ]
    assert all(r.actor_name == "admin" for r in records)
    assert records[1].detail == {"changed": ["name", "safe_mode"]}
    for r in records:
        assert SECRET not in str(r.detail)
        assert new_secret not in str(r.detail)


async def test_duplicate_code_or_appid_is_a_conflict(api, db):
    headers = await sign_in(api, "admin")
    body = new_account()
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    again = new_account(code=body["code"], appid=body["appid"])
    error = assert_error(
        await api.post("/api/v1/admin/accounts", json=again, headers=headers), 409, "account_exists"
    )
    assert set(error["fields"]) == {"code", "appid"}


async def test_patch_with_bad_fields_changes_nothing(api, db):
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.patch(
            "/api/v1/admin/accounts/mcjy",
            json={"appid": "wx12", "encoding_aes_key": "x" * 44},
            headers=headers,
        ),
        422,
    )
    assert {"appid", "encoding_aes_key"} <= set(error["fields"])
    assert_error(
        await api.patch("/api/v1/admin/accounts/nosuch", json={"name": "x"}, headers=headers), 404
    )
    account = await Account.get(code="mcjy")
    assert account.appid.startswith("wx")
    assert len(account.appid) == 18


async def test_editors_read_accounts_but_cannot_change_them(api, db):
    headers = await sign_in(api, "editor")
    assert (await api.get("/api/v1/admin/accounts", headers=headers)).status_code == 200
    assert_error(await api.post("/api/v1/admin/accounts", json=new_account(), headers=headers), 403)
    assert_error(
        await api.post(
            "/api/v1/admin/accounts/mcjy/rotate-secret",
            json={"secret": "whatever-12345"},
            headers=headers,
        ),
        403,
    )
    assert_error(await api.get("/api/v1/admin/accounts"), 401)


async def test_new_account_is_registered_with_the_sandbox_at_its_callback_url(
    api, sandbox, db, server_url
):
    headers = await sign_in(api, "admin")
    body = new_account(platform="wechat_service")
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    apps = {a["appid"]: a for a in (await sandbox.get("/sandbox/apps")).json()["apps"]}
    registered = apps[body["appid"]]
    assert registered["kind"] == "service"
    assert registered["callback_url"] == f"{server_url}/wechat/callback/{body['code']}"
    assert registered["safe_mode"] is True
