"""The catalogue as a resident's phone reads it, over HTTP against the real server."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error

MP = "/api/v1/mp"


async def _domain(api: httpx.AsyncClient, name: str) -> dict:
    domains = (await api.get(f"{MP}/domains")).json()["items"]
    return next(d for d in domains if d["name"] == name)


async def test_domain_list_has_all_28_domains_with_item_counts(api: httpx.AsyncClient) -> None:
    resp = await api.get(f"{MP}/domains")
    assert resp.status_code == 200
    domains = resp.json()["items"]
    assert len(domains) == 28
    names = {d["name"] for d in domains}
    assert {"义务教育", "社会救助", "养老服务", "公共体育", "农业生产服务"} <= names
    assert {d["name"] for d in domains if d["is_local"]} == {"公共体育", "农业生产服务"}
    assert all(d["item_count"] >= 5 for d in domains)
    assert sum(d["item_count"] for d in domains) >= 150
    # Most viewed first, ties in catalogue order.
    keys = [(-d["views_30d"], d["sort_order"]) for d in domains]
    assert keys == sorted(keys)


async def test_domain_items_are_paginated(api: httpx.AsyncClient) -> None:
    domain = await _domain(api, "义务教育")
    first = (await api.get(f"{MP}/domains/{domain['id']}/items", params={"page_size": 3})).json()
    assert first["page"] == 1
    assert first["page_size"] == 3
    assert first["total"] == domain["item_count"]
    assert len(first["items"]) == 3
    assert first["domain"]["name"] == "义务教育"
    second = (
        await api.get(f"{MP}/domains/{domain['id']}/items", params={"page": 2, "page_size": 3})
    ).json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    past_end = await api.get(f"{MP}/domains/{domain['id']}/items", params={"page": 999})
    assert past_end.status_code == 200
    assert past_end.json()["items"] == []


async def test_bad_page_numbers_get_field_errors_not_500(api: httpx.AsyncClient) -> None:
    domain = await _domain(api, "社会救助")
    url = f"{MP}/domains/{domain['id']}/items"
    for params, field in (
        ({"page": "-1"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "99999999999999999999"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page_size": "100000"}, "page_size"),
    ):
        error = assert_error(await api.get(url, params=params), 422, "invalid")
        assert field in error["fields"], (params, error)


async def test_unknown_domain_item_and_document_answer_404(api: httpx.AsyncClient) -> None:
    assert_error(await api.get(f"{MP}/domains/999999/items"), 404, "domain_not_found")
    assert_error(await api.get(f"{MP}/items/999999"), 404, "item_not_found")
    assert_error(await api.get(f"{MP}/items/99999999999999999999"), 404)
    assert_error(await api.get(f"{MP}/documents/-3"), 404)
    assert_error(await api.get(f"{MP}/items/abc"), 404)


async def test_item_detail_shows_every_standard_column_and_its_documents(
    api: httpx.AsyncClient,
) -> None:
    domain = await _domain(api, "义务教育")
    items = (await api.get(f"{MP}/domains/{domain['id']}/items")).json()["items"]
    enrolment = next(i for i in items if i["level2"] == "义务教育招生入学政策")
    item = (await api.get(f"{MP}/items/{enrolment['id']}")).json()
    assert item["domain"]["name"] == "义务教育"
    assert item["level1"] == "招生入学"
    for column in ("content", "basis", "time_limit", "subject", "channels"):
        assert item[column], column
    assert item["audience"] == ["全社会"]
    assert item["mode"] == ["主动"]
    assert item["level"] == ["县级", "乡级"]
    titles = [d["title"] for d in item["documents"]]
    assert "蒙城县2026年义务教育阶段学校招生入学工作实施方案" in titles
    doc = next(d for d in item["documents"] if d["doc_no"] == "蒙教〔2026〕8号")
    assert doc["validity"] == "有效"
    assert doc["is_normative"] is True


async def test_document_detail_has_dates_body_attachments_and_interpretation(
    api: httpx.AsyncClient,
) -> None:
    found = (await api.get(f"{MP}/documents", params={"doc_no": "蒙政办〔2026〕12号"})).json()
    assert found["total"] == 1
    doc = (await api.get(f"{MP}/documents/{found['items'][0]['id']}")).json()
    assert doc["title"].endswith("《蒙城县最低生活保障工作实施细则》的通知")
    assert doc["issuer"] == "蒙城县人民政府办公室"
    assert (doc["written_on"], doc["published_on"], doc["effective_on"]) == (
        "2026-03-02",
        "2026-03-06",
        "2026-04-01",
    )
    assert doc["validity"] == "有效"
    assert doc["body"].count("\n") >= 3
    assert "低保" in doc["body"]
    assert doc["attachments"]
    assert {"name", "url", "size"} <= set(doc["attachments"][0])
    assert doc["interpretations"][0]["title"].endswith("政策解读")
    assert {i["domain_id"] for i in doc["items"]}


async def test_normative_document_query_filters(api: httpx.AsyncClient) -> None:
    normative = (await api.get(f"{MP}/documents", params={"normative": 1, "page_size": 50})).json()
    assert normative["total"] >= 30
    assert all(d["is_normative"] for d in normative["items"])
    everything = (await api.get(f"{MP}/documents", params={"page_size": 50})).json()
    assert everything["total"] >= 60
    by_issuer = (await api.get(f"{MP}/documents", params={"issuer": "教育局"})).json()
    assert by_issuer["total"] >= 3
    assert all("教育局" in d["issuer"] for d in by_issuer["items"])
    by_title = (await api.get(f"{MP}/documents", params={"title": "养老"})).json()
    assert by_title["items"]
    assert all("养老" in d["title"] for d in by_title["items"])
    for spelling in ("蒙政办[2026]12号", "蒙政办(2026)12号", "蒙政办（2026）12号"):
        hit = (await api.get(f"{MP}/documents", params={"doc_no": spelling})).json()
        assert [d["doc_no"] for d in hit["items"]] == ["蒙政办〔2026〕12号"], spelling
    window = (
        await api.get(f"{MP}/documents", params={"from": "2026-03-01", "to": "2026-03-31"})
    ).json()
    assert window["total"] >= 3
    assert all("2026-03-01" <= d["published_on"] <= "2026-03-31" for d in window["items"])
    dates = [d["published_on"] for d in everything["items"]]
    assert dates == sorted(dates, reverse=True)


async def test_bad_document_query_gets_field_errors(api: httpx.AsyncClient) -> None:
    error = assert_error(await api.get(f"{MP}/documents", params={"from": "2026-13-45"}), 422)
    assert "from" in error["fields"]
    assert_error(await api.get(f"{MP}/documents", params={"normative": "maybe"}), 422)
    assert_error(
        await api.get(f"{MP}/documents", params={"from": "2026-05-01", "to": "2026-01-01"}), 422
    )


async def test_blank_search_and_reversed_dates_name_the_field_to_fix(
    api: httpx.AsyncClient,
) -> None:
    blank = assert_error(await api.get(f"{MP}/search", params={"q": "   "}), 422, "invalid")
    assert blank["fields"] == {"q": "请输入要搜索的内容"}
    posted = assert_error(await api.post(f"{MP}/search", json={"q": " \n "}), 422, "invalid")
    assert posted["fields"] == {"q": "请输入要搜索的内容"}
    reversed_range = await api.get(
        f"{MP}/documents", params={"from": "2026-05-01", "to": "2026-01-01"}
    )
    error = assert_error(reversed_range, 422, "invalid")
    assert error["fields"] == {"to": "截止日期不能早于起始日期"}
    same_day = await api.get(f"{MP}/documents", params={"from": "2026-05-12", "to": "2026-05-12"})
    assert same_day.status_code == 200
    assert same_day.json()["total"] >= 1
