import re


async def test_api_docs_page_loads_swagger_ui_from_our_own_server(api):
    page = await api.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert assets, page.text
    for asset in assets:
        # County networks are often closed: nothing may come from a CDN.
        assert asset.startswith("/static/vendor/swagger-ui/"), asset
        served = await api.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
