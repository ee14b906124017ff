"""Chinese full-text search as residents type it, on SQLite (FTS5) and PostgreSQL alike."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error

MP = "/api/v1/mp"


async def _search(api: httpx.AsyncClient, q: str, **params: object) -> dict:
    resp = await api.get(f"{MP}/search", params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _domain_id(api: httpx.AsyncClient, name: str) -> int:
    domains = (await api.get(f"{MP}/domains")).json()["items"]
    return next(d["id"] for d in domains if d["name"] == name)


async def test_dibao_finds_social_assistance_content(api: httpx.AsyncClient) -> None:
    social = await _domain_id(api, "社会救助")
    found = await _search(api, "低保")
    assert found["total"] >= 5
    top = found["items"][:5]
    assert all(social in hit["domain_ids"] for hit in top)
    assert any("<em>低保</em>" in h["title"] + h["snippet"] for h in top)


async def test_synonym_finds_text_that_only_says_the_full_term(api: httpx.AsyncClient) -> None:
    found = await _search(api, "低保", page_size=50)
    titles = [h["title"] for h in found["items"]]
    # This notice never says 低保, only 最低生活保障.
    assert any("提高2026年城乡<em>最低生活保障</em>" in t for t in titles)


async def test_enrolment_query_finds_the_enrolment_policy(api: httpx.AsyncClient) -> None:
    found = await _search(api, "义务教育 入学")
    top = [h for h in found["items"][:3] if h["type"] == "document"]
    assert any(h["doc_no"] == "蒙教〔2026〕8号" for h in top), found["items"][:3]
    assert "<em>义务教育</em>" in found["items"][0]["title"]


async def test_document_number_in_any_bracket_style_finds_its_document(
    api: httpx.AsyncClient,
) -> None:
    for q in ("蒙政办〔2026〕12号", "蒙政办[2026]12号", "蒙政办(2026)12号", "蒙政办（2026）12号"):
        first = (await _search(api, q))["items"][0]
        assert first["type"] == "document", q
        assert first["doc_no"] == "蒙政办〔2026〕12号", q


async def test_search_can_be_limited_to_a_domain(api: httpx.AsyncClient) -> None:
    elderly = await _domain_id(api, "养老服务")
    found = await _search(api, "补贴", domain=elderly, page_size=50)
    assert found["total"] >= 1
    assert all(elderly in h["domain_ids"] for h in found["items"])


async def test_fts_syntax_emoji_and_html_are_plain_words(api: httpx.AsyncClient) -> None:
    for q in ('"', "*", "低保 OR", "NEAR(低保", "-低保", '"低保" AND *', "😀🙏", "<script>低保",
              "'; DROP TABLE catalogue_item; --", "低保^2 养老:服务", "{}[]()"):  # fmt: skip
        found = await _search(api, q)
        assert isinstance(found["items"], list)
        for hit in found["items"]:
            assert "<script>" not in hit["title"] + hit["snippet"]
    assert (await _search(api, "-低保"))["total"] >= 1


async def test_long_queries_get_ordinary_results(api: httpx.AsyncClient) -> None:
    found = await _search(api, "低保" + "申请条件" * 170)
    assert isinstance(found["items"], list)
    assert len(found["q"]) <= 100
    resp = await api.post(f"{MP}/search", json={"q": "低保" * 5000})
    assert resp.status_code == 200
    assert resp.json()["total"] >= 1
    resp = await api.post(f"{MP}/search", json={"q": "😀" * 10000})
    assert resp.status_code == 200
    assert resp.json()["items"] == []


async def test_empty_query_is_a_field_error(api: httpx.AsyncClient) -> None:
    assert "q" in assert_error(await api.get(f"{MP}/search"), 422, "invalid")["fields"]
    assert_error(await api.get(f"{MP}/search", params={"q": "   "}), 422)
    assert_error(await api.get(f"{MP}/search", params={"q": "低保", "page": "-2"}), 422)
    assert_error(await api.get(f"{MP}/search", params={"q": "低保", "domain": "x"}), 422)
    assert_error(await api.post(f"{MP}/search", content=b"{not json"), 400, "malformed_json")


async def test_search_results_page(api: httpx.AsyncClient) -> None:
    one = await _search(api, "补贴", page_size=2)
    two = await _search(api, "补贴", page=2, page_size=2)
    assert one["total"] == two["total"] >= 4
    assert [(h["type"], h["id"]) for h in one["items"]] != [
        (h["type"], h["id"]) for h in two["items"]
    ]
