"""The applicant's WeChat messages about their application, sent through notify: one per
step that concerns them, only with a grant, never for letters or the hall terminal."""

from __future__ import annotations

from gateway.auth.resident import issue_session
from mini_program.applications.models import Application
from tests.mini_program.applications.helpers import applicant, enter, sign_in
from tests.mini_program.notify.helpers import allow, make_residents, received, run_notify_jobs

ADMIN = "/api/v1/admin/applications"


async def test_a_resident_with_a_grant_hears_of_receipt_and_answer_once_each(api, sandbox, db):
    [resident] = await make_residents(1)
    for _ in range(3):  # three taps on 允许: three messages may be sent
        await allow(sandbox, [resident], "application_status")
    token, _ = await issue_session(resident.id, openid=resident.openid)
    mine = {"Authorization": f"Bearer {token}"}
    created = await api.post("/api/v1/mp/applications", json=applicant(), headers=mine)
    app_id = created.json()["id"]
    receipt_no = created.json()["receipt_no"]
    admin = await sign_in(api, "admin")
    await api.post(f"{ADMIN}/{app_id}/receive", json={}, headers=admin)
    await api.post(f"{ADMIN}/{app_id}/answer", json={"result": "disclose"}, headers=admin)
    await run_notify_jobs()

    sent = await received(sandbox, [resident], "application_status", openid=resident.openid)
    contents = [m["content"] for m in sent["messages"]]
    assert [c["data"]["phrase2"]["value"] for c in contents] == ["已受理", "已答复"]
    assert contents[0]["page"] == f"pages/application/index?id={app_id}"
    assert contents[0]["data"]["thing1"]["value"] == f"政府信息公开申请{receipt_no}"
    assert contents[1]["data"]["thing4"]["value"] == "予以公开"

    # A step announces itself once, however often the jobs run.
    await run_notify_jobs()
    assert (await received(sandbox, [resident], "application_status"))["messages"] == 2


async def test_applications_without_a_resident_send_nothing(api, sandbox, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin)  # a letter, received on entry
    await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-03-02", "result": "disclose"}, headers=admin
    )
    from mini_program.notify.models import Campaign

    app = await Application.get(id=app_id)
    assert app.resident_id is None
    assert not await Campaign.exists(object_key__startswith=f"application:{app_id}:")
