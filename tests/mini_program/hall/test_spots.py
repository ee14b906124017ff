"""Admins make QR spots: short random codes, validated targets, images cached with ETags."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import httpx
import pytest

from gateway.audit import AuditRecord
from gateway.config import get_settings
from mini_program.hall import service
from tests.conftest import assert_error
from tests.mini_program.hall.helpers import QR, admin, decode, make_spot


async def test_a_new_spot_answers_with_a_short_code_and_its_scan_address(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers, target={"page": "pages/item/index", "params": {"id": 12}})
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", spot["code"])
    assert spot["url"] == f"{get_settings().public_base_url}/q/{spot['code']}"
    assert spot["target"] == {"page": "pages/item/index", "params": {"id": 12}}
    assert spot["target_label"] == "公开事项 #12"
    assert spot["web_path"] == "/m/items/12"
    assert spot["mp_url"] == "/pages/item/index?id=12"
    assert await AuditRecord.exists(action="qr.spot.create", target_id=spot["code"])
    fetched = await api.get(f"{QR}/spots/{spot['code'].lower()}", headers=headers)
    assert fetched.json()["spot"]["code"] == spot["code"]


async def test_codes_cannot_be_guessed_from_one_another(api: httpx.AsyncClient) -> None:
    headers = await admin(api)
    codes = [(await make_spot(api, headers, name=f"柜台 {n}"))["code"] for n in range(12)]
    assert len(set(codes)) == len(codes)
    # Made one after another, they are neither in order nor one step apart.
    assert codes != sorted(codes)
    alphabet = service.CODE_ALPHABET
    values = [
        sum(alphabet.index(c) * 31**i for i, c in enumerate(reversed(code))) for code in codes
    ]
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) == len(values) - 1
    assert not steps & {1, -1}


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ({"path": "https://evil.example.com/phish"}, "外部网址"),
        ({"path": "//evil.example.com/q"}, "外部网址"),
        ({"path": "/console/users"}, "公开页面"),
        ({"path": "/hall/../console"}, "公开页面"),
        ({"path": "javascript:alert(1)"}, "外部网址"),
        ({"page": "pages/evil/index"}, "本小程序的页面"),
        ({"page": "pages/item/index"}, "需要参数 id"),
        ({"page": "pages/item/index", "params": {"id": -3}}, "正整数"),
        ({"page": "pages/item/index", "params": {"url": "https://x"}}, "没有参数 url"),
        ({"page": "pages/item/index", "params": {"id": "12"}}, "正整数"),
        ({"page": "/pages/item/index", "params": {"id": 12}}, "本小程序的页面"),
        ({"path": "/m/search?q=%E4%BD%8E"}, "公开页面"),
        ({"page": "pages/item/index", "path": "/hall"}, "之一"),
        ("pages/item/index", "应为对象"),
    ],
)
async def test_targets_outside_the_product_or_the_mini_program_are_refused(
    api: httpx.AsyncClient, target: object, reason: str
) -> None:
    headers = await admin(api)
    response = await api.post(
        f"{QR}/spots", headers=headers, json={"name": "某处", "target": target}
    )
    error = assert_error(response, 422, "invalid")
    assert reason in error["fields"]["target"]


async def test_the_hall_apply_page_and_a_search_are_valid_product_targets(
    api: httpx.AsyncClient,
) -> None:
    headers = await admin(api)
    apply = await make_spot(api, headers, target={"path": "/hall/apply"})
    assert apply["web_path"] == "/hall/apply"
    search = await make_spot(api, headers, target={"path": "/m/search?q=低保"})
    assert search["mp_url"] == "/pages/search/index?q=%E4%BD%8E%E4%BF%9D"


async def test_the_spot_list_finds_by_code_name_or_place_and_pages(
    api: httpx.AsyncClient,
) -> None:
    headers = await admin(api)
    desk = await make_spot(api, headers, name="服务台", target={"path": "/m/ask"})
    shelf = await make_spot(api, headers, name="公报架 检索甲7")
    url = f"{QR}/spots"
    by_code = await api.get(url, headers=headers, params={"q": desk["code"].lower()})
    assert [s["code"] for s in by_code.json()["items"]] == [desk["code"]]
    by_name = await api.get(url, headers=headers, params={"q": "检索甲7"})
    assert [s["code"] for s in by_name.json()["items"]] == [shelf["code"]]
    # Text longer than any code is still a search by name and place, never an error.
    nothing = await api.get(url, headers=headers, params={"q": "0" * 64})
    assert nothing.status_code == 200
    assert nothing.json()["items"] == []
    page = await api.get(url, headers=headers, params={"per_page": 1, "page": 2})
    assert page.json()["page"] == 2
    assert page.json()["per_page"] == 1
    assert len(page.json()["items"]) == 1
    assert_error(await api.get(url, headers=headers, params={"per_page": 101}), 422)


async def test_only_staff_with_qr_rights_make_spots(api: httpx.AsyncClient) -> None:
    assert_error(await api.post(f"{QR}/spots", json={"name": "x"}), 401)
    from tests.gateway.staff_helpers import sign_in

    village = await sign_in(api, "village_01")
    response = await api.post(
        f"{QR}/spots", headers=village, json={"name": "x", "target": {"path": "/hall"}}
    )
    assert_error(response, 403)
    assert_error(await api.get(f"{QR}/spots", headers=village), 403)


async def test_png_and_svg_read_back_as_the_scan_address_even_with_the_county_logo(
    api: httpx.AsyncClient,
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    png = await api.get(
        f"{QR}/spots/{spot['code']}/image.png",
        headers=headers,
        params={"size": 600, "margin": 2, "logo": 1},
    )
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert decode(png.content) == [spot["url"]]
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(png.content)).size == (600, 600)
    plain = await api.get(
        f"{QR}/spots/{spot['code']}/image.png", headers=headers, params={"ecc": "L", "size": 200}
    )
    assert decode(plain.content) == [spot["url"]]
    svg = await api.get(f"{QR}/spots/{spot['code']}/image.svg", headers=headers, params={"logo": 1})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<?xml")
    assert 'width="512"' in svg.text
    assert "data:image/png;base64," in svg.text  # the logo travels inside the file


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": 64}, "size"),
        ({"size": 5000}, "size"),
        ({"margin": 40}, "margin"),
        ({"margin": -1}, "margin"),
        ({"ecc": "X"}, "ecc"),
        ({"ecc": "L", "logo": 1}, "ecc"),
        ({"size": "big"}, "size"),
    ],
)
async def test_image_parameters_out_of_range_are_field_errors(
    api: httpx.AsyncClient, params: dict[str, object], field: str
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    response = await api.get(f"{QR}/spots/{spot['code']}/image.png", headers=headers, params=params)
    error = assert_error(response, 422)
    assert field in error["fields"]


async def test_images_are_made_once_per_version_and_revalidate_with_304(
    api: httpx.AsyncClient,
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    url = f"{QR}/spots/{spot['code']}/image.png"
    first = await api.get(url, headers=headers, params={"size": 300})
    etag = first.headers["etag"]
    files = sorted((Path(get_settings().media_dir) / "hall" / "qr").rglob("*.png"))
    again = await api.get(url, headers={**headers, "If-None-Match": etag}, params={"size": 300})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await api.get(url, headers={**headers, "If-None-Match": etag}, params={"size": 400})
    assert other.status_code == 200
    assert other.headers["etag"] != etag
    # The same image asked again is the same file, not a new drawing.
    same = await api.get(url, headers=headers, params={"size": 300})
    assert same.content == first.content
    assert (
        len(sorted((Path(get_settings().media_dir) / "hall" / "qr").rglob("*.png")))
        == len(files) + 1
    )
    # A change to the spot is a new version: the old copy is stale.
    patched = await api.patch(f"{QR}/spots/{spot['code']}", headers=headers, json={"place": "二楼"})
    assert patched.json()["spot"]["version"] == 2
    after = await api.get(url, headers={**headers, "If-None-Match": etag}, params={"size": 300})
    assert after.status_code == 200
    assert after.headers["etag"] != etag


async def test_the_mini_program_code_comes_from_wechat_once_with_the_code_as_scene(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    url = f"{QR}/spots/{spot['code']}/wxacode.png"
    first = await api.get(url, headers=headers, params={"width": 300})
    assert first.status_code == 200, first.text
    assert decode(first.content) == [f"scene={spot['code']}&page=pages/scan/index"]
    second = await api.get(url, headers={**headers, "If-None-Match": first.headers["etag"]},
                           params={"width": 300})  # fmt: skip
    assert second.status_code == 304
    third = await api.get(url, headers=headers, params={"width": 300})
    assert third.content == first.content
    calls = (await sandbox.get("/sandbox/calls", params={"path": "/wxa/getwxacodeunlimit"})).json()
    mine = [c for c in calls["calls"] if c.get("errcode") == 0]
    assert len(mine) >= 1
    assert_error(await api.get(url, headers=headers, params={"width": 100}), 422)


async def test_a_disabled_spot_keeps_its_code_and_can_be_enabled_again(
    api: httpx.AsyncClient,
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    off = await api.patch(f"{QR}/spots/{spot['code']}", headers=headers, json={"enabled": False})
    assert off.json()["spot"]["enabled"] is False
    listed = await api.get(f"{QR}/spots", headers=headers, params={"q": spot["code"]})
    assert [s["code"] for s in listed.json()["items"]] == [spot["code"]]
    assert_error(
        await api.patch(f"{QR}/spots/{spot['code']}", headers=headers, json={"name": "  "}), 422
    )
    assert_error(await api.get(f"{QR}/spots/NOSUCH", headers=headers), 404, "spot_not_found")
    assert_error(await api.get(f"{QR}/spots/{'A' * 40}", headers=headers), 404)
