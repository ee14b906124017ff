"""Mini-program codes from the sandbox are real PNGs that decode to their scene."""

from __future__ import annotations

import io

import httpx
import pytest
import zxingcpp
from PIL import Image

from matrix.wechat import service
from matrix.wechat.errors import InvalidRequestError
from tests.matrix.wechat.support import recorded, register_app


async def test_code_is_a_png_that_decodes_to_the_scene_and_page(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "miniprogram")
    png = await service.get_wxacode_unlimit(
        **app.creds, scene="hall=01&w=3", page="pages/hall/window", width=280
    )
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (280, 280)
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == ["scene=hall=01&w=3&page=pages/hall/window"]
    # wxa hard-codes its host in wechatpy: reaching the sandbox proves the transport redirect.
    assert len(await recorded(sandbox, app.appid, "/wxa/getwxacodeunlimit")) == 1


@pytest.mark.parametrize(
    ("args", "errcode"),
    [
        ({"scene": "x" * 33}, 40169),
        ({"scene": "办事大厅"}, 40097),
        ({"scene": "a%20b"}, 40097),
        ({"scene": "ok", "width": 100}, 40097),
        ({"scene": "ok", "page": "/pages/index/index"}, 41030),
    ],
)
async def test_bad_scene_width_or_page_is_refused(
    sandbox: httpx.AsyncClient, db: None, args: dict, errcode: int
) -> None:
    app = await register_app(sandbox, "miniprogram")
    with pytest.raises(InvalidRequestError) as caught:
        await service.get_wxacode_unlimit(**app.creds, **args)
    assert caught.value.errcode == errcode
