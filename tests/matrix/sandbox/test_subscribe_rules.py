"""The sandbox's subscribe messages: declared keywords, grants in bulk, what residents got."""

from __future__ import annotations

import httpx
import pytest

from matrix.wechat import service
from matrix.wechat.errors import InvalidRequestError, SubscribeGrantError
from tests.matrix.wechat.support import register_app

TEMPLATE = "tmplOpenDayResult01"


async def test_data_under_keywords_the_template_lacks_is_refused_with_47003(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "miniprogram")
    declared = await sandbox.post(
        "/sandbox/templates",
        json={"appid": app.appid, "template_id": TEMPLATE, "keywords": ["thing1", "phrase2"]},
    )
    assert declared.status_code == 201
    await sandbox.post(
        "/sandbox/subscribe-grant",
        json={"appid": app.appid, "openid": "oKeyword00001", "template_id": TEMPLATE},
    )
    message = {"openid": "oKeyword00001", "template_id": TEMPLATE}
    with pytest.raises(InvalidRequestError) as refused:
        await service.send_subscribe_message(
            **app.creds, **message, data={"thing1": "开放日", "thing9": "多余"}
        )
    assert refused.value.errcode == 47003
    # The refusal did not spend the grant.
    await service.send_subscribe_message(
        **app.creds, **message, data={"thing1": "开放日", "phrase2": "报名成功"}
    )
    with pytest.raises(SubscribeGrantError):
        await service.send_subscribe_message(**app.creds, **message, data={"thing1": "开放日"})
    bad = await sandbox.post(
        "/sandbox/templates", json={"appid": app.appid, "template_id": TEMPLATE, "keywords": ["x"]}
    )
    assert bad.status_code == 422


async def test_grants_in_bulk_and_the_record_of_what_each_resident_got(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "miniprogram")
    openids = [f"oBulkGrant{i:04d}" for i in range(50)]
    granted = await sandbox.post(
        "/sandbox/subscribe-grants",
        json={"appid": app.appid, "template_id": TEMPLATE, "openids": openids, "count": 2},
    )
    assert granted.json()["residents"] == 50
    left = await sandbox.get(
        "/sandbox/subscribe-grants",
        params={"appid": app.appid, "openid": openids[0], "template_id": TEMPLATE},
    )
    assert left.json()["grants"] == 2
    for openid in openids[:10]:
        await service.send_subscribe_message(
            **app.creds, openid=openid, template_id=TEMPLATE, data={"thing1": "通知"}
        )
    await service.send_subscribe_message(
        **app.creds, openid=openids[0], template_id=TEMPLATE, data={"thing1": "再次通知"}
    )
    summary = await sandbox.get(
        "/sandbox/subscribe-sent",
        params={"appid": app.appid, "template_id": TEMPLATE, "prefix": "oBulkGrant"},
    )
    assert summary.json() == {"messages": 11, "recipients": 10, "most_to_one_recipient": 2}
    one = await sandbox.get(
        "/sandbox/subscribe-sent", params={"appid": app.appid, "openid": openids[0]}
    )
    assert [m["content"]["data"]["thing1"]["value"] for m in one.json()["messages"]] == [
        "通知",
        "再次通知",
    ]
    bad = await sandbox.post(
        "/sandbox/subscribe-grants",
        json={"appid": app.appid, "template_id": TEMPLATE, "openids": ["bad id!"]},
    )
    assert bad.status_code == 422
