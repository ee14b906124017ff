"""Composing articles: sanitised HTML, WeChat's limits as field errors, versions, images."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error
from tests.push.push_helpers import EDITOR, Staff, create_article, jpeg, upload_image

HOSTILE = (
    '<p onclick="steal()" style="color:#b3261e;position:fixed">低保标准提高了'
    "<script>alert(1)</script></p>"
    '<iframe src="https://evil.example/"></iframe>'
    "<style>body{display:none}</style>"
    '<a href="javascript:alert(1)">点这里</a>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">也点这里</a>'
    '<img src="data:image/png;base64,iVBORw0KGgo=" onerror="steal()">'
    '<img src="https://evil.example/track.png">'
    '<a href="https://mp.weixin.qq.com/s/abc">往期解读</a>'
)


async def test_pasted_html_keeps_only_what_wechat_articles_render(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff, content=HOSTILE)
    body = article["content"]
    for banned in ("<script", "<iframe", "<style", "onclick", "onerror", "javascript:", "data:",
                   "evil.example", "position"):  # fmt: skip
        assert banned not in body, (banned, body)
    assert '<p style="color:#b3261e">低保标准提高了</p>' in body
    # Non-WeChat links are unwrapped to their text; links to WeChat articles stay.
    assert "点这里" in body
    assert "也点这里" in body
    assert '<a href="https://mp.weixin.qq.com/s/abc">往期解读</a>' in body
    assert "已按微信图文规范清理" in article["notice"]
    assert "外部或内嵌图片" in article["notice"]


async def test_oversize_body_and_long_fields_are_field_errors(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    headers = await staff(EDITOR)
    too_long = "<p>" + "政" * 20_000 + "</p>"
    response = await api.post(
        "/api/v1/admin/articles",
        headers=headers,
        json={"title": "标" * 65, "author": "作" * 17, "digest": "摘" * 121, "content": too_long},
    )
    error = assert_error(response, 422, "invalid")
    assert error["fields"]["title"] == "标题最多 64 个字符（现有 65 个）"
    assert "作者最多 16 个字符" in error["fields"]["author"]
    assert "摘要最多 120 个字符" in error["fields"]["digest"]
    assert "少于 20000 个字符" in error["fields"]["content"]

    empty = await api.post(
        "/api/v1/admin/articles",
        headers=headers,
        json={"title": "空", "content": "<script>x</script>"},
    )
    assert assert_error(empty, 422)["fields"]["content"] == "正文不能为空"


async def test_body_just_under_the_limit_is_accepted_and_measured(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    body = "<p>" + "a" * (20_000 - 8) + "</p>"
    article = await create_article(api, staff, content=body)
    assert article["size"]["chars"] == 19_999
    over = await api.patch(
        f"/api/v1/admin/articles/{article['id']}",
        headers=await staff(EDITOR),
        json={"content": "<p>" + "a" * (20_000 - 7) + "</p>"},
    )
    assert "少于 20000 个字符" in assert_error(over, 422)["fields"]["content"]


async def test_an_edit_to_what_goes_out_is_a_new_version(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff)
    headers = await staff(EDITOR)
    same = await api.patch(
        f"/api/v1/admin/articles/{article['id']}", headers=headers, json={"title": article["title"]}
    )
    assert same.json()["article"]["version"] == 1
    tags = await api.patch(
        f"/api/v1/admin/articles/{article['id']}", headers=headers, json={"domain_ids": [1]}
    )
    assert tags.json()["article"]["version"] == 1  # tags do not change what is sent
    edited = await api.patch(
        f"/api/v1/admin/articles/{article['id']}", headers=headers, json={"title": "新标题"}
    )
    assert edited.status_code == 200
    assert edited.json()["article"]["version"] == 2
    assert edited.json()["article"]["content_hash"] != article["content_hash"]


async def test_unknown_documents_domains_and_cover_are_named(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    response = await api.post(
        "/api/v1/admin/articles",
        headers=await staff(EDITOR),
        json={
            "title": "解读",
            "content": "<p>正文</p>",
            "document_ids": [999999],
            "domain_ids": [999],
            "cover_media_id": "0" * 32,
        },
    )
    fields = assert_error(response, 422)["fields"]
    assert fields["document_ids"] == "没有这些文件：999999"
    assert fields["domain_ids"] == "没有这些领域：999"
    assert fields["cover_media_id"] == "封面图片不存在，请重新上传"


async def test_images_are_uploaded_normalised_and_used_inline_and_as_cover(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    headers = await staff(EDITOR)
    wide = await upload_image(api, headers, jpeg((2400, 1200)))
    assert wide["width"] == 1080
    assert wide["height"] == 540
    again = await upload_image(api, headers, jpeg((2400, 1200)))
    assert again["media_id"] == wide["media_id"]  # stored once by content
    served = await api.get(wide["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"

    article = await create_article(
        api,
        staff,
        cover_media_id=wide["media_id"],
        content=f'<p>见下图</p><p><img src="{api.base_url}{wide["url"]}"></p>',
    )
    assert f'<img src="{wide["url"]}">' in article["content"]
    assert article["cover_url"] == wide["url"]

    junk = await api.post(
        "/api/v1/admin/article-images", headers=headers, files={"file": ("a.jpg", b"not an image")}
    )
    assert "JPG 或 PNG" in assert_error(junk, 422)["fields"]["file"]


async def test_reviewers_read_but_do_not_write_articles(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff)
    reviewer = await staff("reviewer")
    assert (
        await api.get(f"/api/v1/admin/articles/{article['id']}", headers=reviewer)
    ).status_code == 200
    denied = await api.patch(
        f"/api/v1/admin/articles/{article['id']}", headers=reviewer, json={"title": "改"}
    )
    assert_error(denied, 403, "forbidden")
    village = await staff("village_01")
    assert_error(await api.get("/api/v1/admin/articles", headers=village), 403)
    assert_error(await api.get("/api/v1/admin/articles"), 401)


async def test_article_list_filters_by_review_state_and_searches_titles(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff, title="养老服务补贴新规解读")
    headers = await staff(EDITOR)
    found = await api.get("/api/v1/admin/articles", headers=headers, params={"q": "养老服务补贴"})
    assert [a["id"] for a in found.json()["items"]] == [article["id"]]
    drafts = await api.get(
        "/api/v1/admin/articles", headers=headers, params={"state": "draft", "per_page": 100}
    )
    assert article["id"] in [a["id"] for a in drafts.json()["items"]]
    bad = await api.get("/api/v1/admin/articles", headers=headers, params={"per_page": 101})
    assert "per_page" in assert_error(bad, 422)["fields"]


async def test_preview_frame_shows_the_article_with_its_own_strict_policy(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    from tests.gateway.staff_helpers import console_sign_in

    article = await create_article(api, staff, content='<p style="color:#b3261e">红字</p>')
    async with httpx.AsyncClient(base_url=str(api.base_url), timeout=30) as browser:
        await console_sign_in(browser, EDITOR)
        frame = await browser.get(f"/console/articles/{article['id']}/preview/frame")
    assert frame.status_code == 200
    assert '<p style="color:#b3261e">红字</p>' in frame.text
    policy = frame.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "frame-ancestors 'self'" in policy
    assert frame.headers["x-frame-options"] == "SAMEORIGIN"
