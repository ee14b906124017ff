"""Route values that cannot name anything answer 404 on every route, never a 500."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import httpx
from sanic import Sanic

from gateway.config import get_settings
from gateway.errors import DEFAULT_ROUTE_TEXT_LENGTH, route_lengths
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in

_PARAM = re.compile(r"<([^:>]+)(?::([^>]+))?>")


@functools.cache
def _app() -> Sanic:
    from gateway.app import create_app

    return create_app()


def _routes() -> Iterator[tuple[str, str, dict[str, str], bool]]:
    """(method, path pattern, {param: label}, is a static-file route) for every route."""
    for route in _app().router.routes:
        params = {p.name: p.label for p in route._params.values()}
        static = bool(getattr(route.extra, "static", False))
        for method in sorted(route.methods - {"OPTIONS"}):
            yield method, "/" + route.path, params, static


def _url(pattern: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: values.get(m.group(1), "1"), pattern)


def _text_params(params: dict[str, str]) -> list[str]:
    return [name for name, label in params.items() if label not in ("int", "path")]


def test_every_text_route_parameter_declares_its_length() -> None:
    undeclared = sorted(
        f"{path} {name}"
        for route in _app().router.routes
        for path in ["/" + route.path]
        for name in _text_params({p.name: p.label for p in route._params.values()})
        if not getattr(route.extra, "static", False) and name not in route_lengths(route.handler)
    )
    # Declare them with gateway.errors.route_max_length(name=<the column's max_length>).
    assert undeclared == []


async def test_text_route_values_longer_than_their_column_answer_404(api: httpx.AsyncClient):
    admin = await sign_in(api, "admin")
    checked = 0
    for method, pattern, params, static in _routes():
        names = _text_params(params)
        if static or not names:
            continue
        limits = _declared(pattern, method)
        for headers in ({}, admin):
            for extra in (1, 300):
                url = _url(
                    pattern,
                    {n: "a" * (limits.get(n, DEFAULT_ROUTE_TEXT_LENGTH) + extra) for n in names},
                )
                response = await api.request(method, url, headers=headers)
                assert_error(response, 404)
                checked += 1
        # A value as long as the column reaches the handler, which answers without a 500.
        at_limit = _url(pattern, {n: "a" * limits.get(n, DEFAULT_ROUTE_TEXT_LENGTH) for n in names})
        response = await api.request(method, at_limit, headers=admin)
        assert response.status_code < 500, (method, at_limit, response.text)
    assert checked >= 4 * 9  # the account and callback routes at least


def _declared(pattern: str, method: str) -> dict[str, int]:
    for route in _app().router.routes:
        if "/" + route.path == pattern and method in route.methods:
            return route_lengths(route.handler)
    return {}


async def test_impossible_file_names_answer_404_on_every_static_route(
    api: httpx.AsyncClient, prepared_database: str
) -> None:
    statics = sorted({pattern for _m, pattern, _p, static in _routes() if static})
    assert "/media/<__file_uri__:path>" in statics
    # A real file used as a directory: the file system answers "not a directory".
    media_file = next(p for p in get_settings().media_dir.rglob("*") if p.is_file())
    inside_a_file = media_file.relative_to(get_settings().media_dir).as_posix() + "/inner"
    names = ("a" * 256, "文" * 90, "a%00b.pdf", "console.css/inner", "x/" + "b" * 300)
    for pattern in statics:
        for name in (*names, inside_a_file):
            for method in ("GET", "HEAD"):
                response = await api.request(method, _url(pattern, {"__file_uri__": name}))
                assert response.status_code == 404, (method, pattern, name, response.text)
                if method == "GET":
                    assert_error(response, 404)
