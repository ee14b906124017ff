"""OpenAPI request bodies from pydantic schemas, with nested models inlined.

pydantic puts nested models under a schema's own `$defs` and points at them with
`#/$defs/Name`; in the OpenAPI document that pointer resolves against the document root,
where nothing is, so Swagger UI shows resolver errors. Inlining keeps each body complete.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sanic_ext import openapi

F = TypeVar("F", bound=Callable[..., Any])


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every `$ref` to its `$defs` replaced by the definition."""
    # Built once per model (pydantic takes ~10 ms a schema and views reuse answer shapes);
    # each caller gets its own copy.
    return copy.deepcopy(_inline_schema(model))


@cache
def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def json_body(model: type[BaseModel]) -> Callable[[F], F]:
    """Document a handler's JSON request body (the one way views declare bodies)."""
    return openapi.body({"application/json": inline_schema(model)})  # type: ignore[no-any-return]


def returns(
    model: type[BaseModel], status: int = 200, description: str = "成功"
) -> Callable[[F], F]:
    """Document a handler's JSON answer (the one way views declare response shapes).

    Every JSON operation declares its answers, so the county's other systems can generate a
    client from /docs/openapi.json and the tests check each answer against it.
    """
    content = {"application/json": inline_schema(model)}
    return openapi.response(status, content, description)  # type: ignore[no-any-return]
