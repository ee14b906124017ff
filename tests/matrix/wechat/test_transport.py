"""Every WeChat host is redirected to the configured base, whatever module builds the URL."""

from __future__ import annotations

from matrix.wechat.transport import RedirectingSession


def test_every_weixin_host_goes_to_the_configured_base() -> None:
    session = RedirectingSession("http://127.0.0.1:8001/", pool_size=2)
    assert session.rewrite("https://api.weixin.qq.com/cgi-bin/token?appid=x") == (
        "http://127.0.0.1:8001/cgi-bin/token?appid=x"
    )
    assert session.rewrite("https://api.weixin.qq.com/wxa/getwxacodeunlimit") == (
        "http://127.0.0.1:8001/wxa/getwxacodeunlimit"
    )
    assert session.rewrite("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=t") == (
        "http://127.0.0.1:8001/cgi-bin/showqrcode?ticket=t"
    )
    assert session.rewrite("https://example.com/x") == "https://example.com/x"


def test_real_wechat_base_is_left_alone() -> None:
    session = RedirectingSession("https://api.weixin.qq.com", pool_size=2)
    assert session.redirecting is False
